// EAS → RRULE: the exact RFC 5545 3.3.10 value for an MS-ASCAL 2.2.2.37 Recurrence, in one canonical
// part order: FREQ INTERVAL COUNT UNTIL BYDAY BYMONTHDAY BYMONTH BYSETPOS WKST.
import ICAL from 'ical.js';
import type { Recurrence } from '../model.js';
import { invalid } from './errors.js';
import { zonedTime } from './icalTime.js';
import { validateRecurrence } from './validate.js';
import { ALL_DAYS, bit, DAYS, daysOf, MONTH_DAYS, nthOf, type RRuleOptions, type SeriesStart } from './vocabulary.js';

interface RulePattern {
  freq: 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
  byDay?: string | undefined;
  byMonthDay?: string | undefined;
  byMonth?: string | undefined;
  bySetPos?: string | undefined;
}

/**
 * The RRULE value (no "RRULE:" prefix) for an EAS recurrence. `r.rrule`, when set, is the exact
 * form and is returned unchanged. Absent fields come from `dtstart` (the series' first day).
 * Type 0 with a DayOfWeek mask ("every weekday", as some clients send it) is WEEKLY;BYDAY= when
 * Interval is 1 — the same days, and the form Type 1 uses — and DAILY;INTERVAL=n;BYDAY= otherwise.
 */
export function toRRule(r: Recurrence, dtstart: SeriesStart, opts: RRuleOptions = {}): string {
  if (r.rrule) return r.rrule;
  validateRecurrence(r);
  const p = patternOf(r, dtstart);
  const parts = [`FREQ=${p.freq}`];
  if (r.interval !== 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.occurrences !== undefined) parts.push(`COUNT=${r.occurrences}`);
  if (r.until !== undefined) parts.push(`UNTIL=${formatUntil(r.until, opts)}`);
  if (p.byDay) parts.push(`BYDAY=${p.byDay}`);
  if (p.byMonthDay) parts.push(`BYMONTHDAY=${p.byMonthDay}`);
  if (p.byMonth) parts.push(`BYMONTH=${p.byMonth}`);
  if (p.bySetPos) parts.push(`BYSETPOS=${p.bySetPos}`);
  if (r.firstDayOfWeek !== undefined) parts.push(`WKST=${DAYS[r.firstDayOfWeek]}`);
  return parts.join(';');
}

function patternOf(r: Recurrence, s: SeriesStart): RulePattern {
  const mask = r.dayOfWeek ?? bit(s.weekday);
  switch (r.type) {
    case 0:
      if (r.dayOfWeek === undefined) return { freq: 'DAILY' };
      return { freq: r.interval === 1 ? 'WEEKLY' : 'DAILY', byDay: daysOf(mask).join(',') };
    case 1:
      return { freq: 'WEEKLY', byDay: daysOf(mask).join(',') };
    case 2:
      return { freq: 'MONTHLY', byMonthDay: String(r.dayOfMonth ?? s.day) };
    case 3:
      return { freq: 'MONTHLY', ...nthPattern(mask, r.weekOfMonth ?? nthOf(s)) };
    case 5: {
      const month = r.monthOfYear ?? s.month;
      const day = r.dayOfMonth ?? s.day;
      if (day > MONTH_DAYS[month - 1]!) throw invalid(`${day}/${month} never occurs`);
      return { freq: 'YEARLY', byMonthDay: String(day), byMonth: String(month) };
    }
    case 6:
      return { freq: 'YEARLY', byMonth: String(r.monthOfYear ?? s.month), ...nthPattern(mask, r.weekOfMonth ?? nthOf(s)) };
  }
}

/** WeekOfMonth n of the DayOfWeek set: BYDAY=nDD for one day, BYDAY=…;BYSETPOS=n for several. */
function nthPattern(mask: number, weekOfMonth: number): Pick<RulePattern, 'byDay' | 'byMonthDay' | 'bySetPos'> {
  const pos = weekOfMonth === 5 ? -1 : weekOfMonth; // MS-ASCAL 2.2.2.48: 5 is the last
  if (mask === ALL_DAYS && pos === -1) return { byMonthDay: '-1' }; // MS-ASCAL 2.2.2.15: last day of the month
  const days = daysOf(mask);
  if (days.length === 1) return { byDay: `${pos}${days[0]}` };
  return { byDay: days.join(','), bySetPos: String(pos) };
}

/** RRULE UNTIL: UTC `YYYYMMDDTHHMMSSZ`, or for an all-day series the DATE of `until` in its zone. */
function formatUntil(until: number, opts: RRuleOptions): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  if (opts.allDay) {
    const t = zonedTime(until, opts.zone ?? ICAL.Timezone.utcTimezone);
    return `${pad(t.year, 4)}${pad(t.month)}${pad(t.day)}`;
  }
  const d = new Date(until);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}
