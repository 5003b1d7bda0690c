// RRULE → EAS: the MS-ASCAL 2.2.2.37 fields for an RFC 5545 rule, exact where EAS can say it, else
// the closest honest pattern with the RRULE kept verbatim (docs/calendar-recurrence.md).
import ICAL from 'ical.js';
import type { Recurrence } from '../model.js';
import { RecurrenceError } from './errors.js';
import { checkExpandable, expand, type ExpandArgs } from './expand.js';
import { timeMs } from './icalTime.js';
import { type ByDay, type ParsedRule, parseRRule, plain, serialise, UNTIL_FORM } from './rrule.js';
import { validateRecurrence } from './validate.js';
import { ALL_DAYS, bit, DAY_MS, MONTH_DAYS, nthOf, type RRuleOptions, type SeriesStart } from './vocabulary.js';

export interface FromRRuleOptions extends RRuleOptions {
  /** The zoned DTSTART; with it a COUNT above 999 becomes the Until of the COUNT-th occurrence. */
  start?: ICAL.Time | undefined;
}

/** An EAS pattern under construction; `exact` false once something of the RRULE was lost. */
interface Draft {
  fields: Pick<Recurrence, 'type' | 'dayOfWeek' | 'dayOfMonth' | 'weekOfMonth' | 'monthOfYear'>;
  exact: boolean;
}

/**
 * The EAS recurrence for an RRULE value. A rule EAS expresses exactly maps onto the fields alone
 * (toRRule gives its canonical form back); any other keeps the RRULE verbatim in `rrule` beside
 * the closest honest EAS fields (docs/calendar-recurrence.md). Absent BYDAY / BYMONTHDAY / BYMONTH
 * are taken from DTSTART as RFC 5545 says. Rules Convene does not expand (FREQ=HOURLY and finer,
 * non-Gregorian months, shapes ical.js mis-expands: checkExpandable) throw RECURRENCE_UNSUPPORTED —
 * the caller stores the event as a single event; malformed or never-occurring rules throw
 * RECURRENCE_INVALID.
 */
export function fromRRule(rrule: string, dtstart: SeriesStart, opts: FromRRuleOptions = {}): Recurrence {
  const p = parseRRule(rrule);
  checkExpandable(p);
  const draft = patternFor(p, dtstart);
  if (p.passThrough.length || p.foreign.some(([name, value]) => !(name === 'RSCALE' && value === 'GREGORIAN'))) {
    draft.exact = false;
  }
  const r: Recurrence = { type: draft.fields.type, interval: Math.min(p.interval, 999) };
  if (p.interval > 999) draft.exact = false;
  if (p.count !== undefined) draft.exact = applyCount(r, p, opts) && draft.exact;
  if (p.until !== undefined) r.until = parseUntil(p.until, opts);
  for (const key of ['dayOfWeek', 'dayOfMonth', 'weekOfMonth', 'monthOfYear'] as const) {
    if (draft.fields[key] !== undefined) r[key] = draft.fields[key];
  }
  if (p.wkst !== undefined) r.firstDayOfWeek = p.wkst;
  if (!draft.exact) r.rrule = rrule.trim().replace(/^RRULE:/i, '');
  validateRecurrence(r);
  return r;
}

/** COUNT ≤ 999 is Occurrences; above, the Until of the last occurrence when DTSTART is known. */
function applyCount(r: Recurrence, p: ParsedRule, opts: FromRRuleOptions): boolean {
  const count = p.count!;
  if (count <= 999) {
    r.occurrences = count;
    return true;
  }
  const last = opts.start && lastOf({ rrule: serialise(p), dtstart: opts.start, max: count });
  if (last) {
    r.until = timeMs(last, opts.start!.zone ?? ICAL.Timezone.utcTimezone);
    return true;
  }
  r.occurrences = 999; // closest without DTSTART: the device shows the first 999
  return false;
}

function lastOf(args: ExpandArgs): ICAL.Time | undefined {
  try {
    return expand(args).at(-1);
  } catch (e) {
    if (e instanceof RecurrenceError && e.code === 'RECURRENCE_LIMIT') return undefined;
    throw e;
  }
}

/** UNTIL as a UTC instant. A DATE UNTIL on a timed series (ill-formed, common) means that whole day. */
function parseUntil(value: string, opts: RRuleOptions): number {
  const m = UNTIL_FORM.exec(value)!;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const zone = opts.zone ?? ICAL.Timezone.utcTimezone;
  if (m[4] === undefined) {
    const midnight = ICAL.Time.fromData({ year, month, day, hour: 0, minute: 0, second: 0 }, zone).toUnixTime() * 1000;
    return opts.allDay ? midnight : midnight + DAY_MS - 1000;
  }
  const time = { year, month, day, hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) };
  return ICAL.Time.fromData(time, m[7] ? ICAL.Timezone.utcTimezone : zone).toUnixTime() * 1000;
}

function patternFor(p: ParsedRule, s: SeriesStart): Draft {
  switch (p.freq) {
    case 'DAILY':
      return dailyPattern(p);
    case 'WEEKLY':
      return weeklyPattern(p, s);
    case 'MONTHLY':
      return monthlyPattern(p, s);
    default:
      return yearlyPattern(p, s);
  }
}

const maskOf = (byDay: ByDay[]) => byDay.reduce((m, d) => m | bit(d.day), 0);

function dailyPattern(p: ParsedRule): Draft {
  const exact = !p.byMonthDay && !p.byMonth && !p.bySetPos && (!p.byDay || plain(p.byDay));
  if (!p.byDay) return { fields: { type: 0 }, exact };
  // DAILY;BYDAY= is WEEKLY;BYDAY= when INTERVAL is 1, and Type 0 + DayOfWeek otherwise.
  return { fields: { type: p.interval === 1 ? 1 : 0, dayOfWeek: maskOf(p.byDay) }, exact };
}

function weeklyPattern(p: ParsedRule, s: SeriesStart): Draft {
  const exact = !p.byMonthDay && !p.byMonth && !p.bySetPos && (!p.byDay || plain(p.byDay));
  return { fields: { type: 1, dayOfWeek: p.byDay ? maskOf(p.byDay) : bit(s.weekday) }, exact };
}

/** What a MONTHLY rule (or a YEARLY one inside BYMONTH) picks within one month. */
type MonthPick =
  | { kind: 'day'; day: number; exact: boolean }
  | { kind: 'nth'; mask: number; week: number; exact: boolean }
  | { kind: 'every'; mask: number; exact: boolean };

/** WeekOfMonth for a BYDAY ordinal / BYSETPOS: 1–4 as is, -1 → 5 (exact); others → 5 (closest). */
const weekOf = (n: number) => (n >= 1 && n <= 4 ? n : 5);
const exactWeek = (n: number) => (n >= 1 && n <= 4) || n === -1;

function monthPick(p: ParsedRule, s: SeriesStart): MonthPick {
  const { byDay, byMonthDay, bySetPos } = p;
  if (byMonthDay) {
    const first = byMonthDay[0]!;
    const exact = byMonthDay.length === 1 && !byDay && !bySetPos;
    if (first === -1) return { kind: 'nth', mask: ALL_DAYS, week: 5, exact };
    return first > 0 ? { kind: 'day', day: first, exact } : { kind: 'day', day: s.day, exact: false };
  }
  if (!byDay) return { kind: 'day', day: s.day, exact: !bySetPos };
  if (plain(byDay)) {
    if (!bySetPos) return { kind: 'every', mask: maskOf(byDay), exact: true };
    const pos = bySetPos[0]!;
    return { kind: 'nth', mask: maskOf(byDay), week: weekOf(pos), exact: bySetPos.length === 1 && exactWeek(pos) };
  }
  // Ordinal weekdays: the first one (BYDAY=1MO,3MO → the first Monday).
  const first = byDay[0]!;
  const ordinal = first.ordinal ?? nthOf(s);
  const exact = byDay.length === 1 && !bySetPos && first.ordinal !== undefined && exactWeek(ordinal);
  return { kind: 'nth', mask: bit(first.day), week: weekOf(ordinal), exact };
}

function monthlyPattern(p: ParsedRule, s: SeriesStart): Draft {
  // MONTHLY;BYMONTH=m with INTERVAL 1 is the yearly rule in month m.
  if (p.byMonth?.length === 1 && p.interval === 1) return yearlyPattern({ ...p, freq: 'YEARLY' }, s);
  const pick = monthPick(p, s);
  const exact = pick.exact && !p.byMonth;
  if (pick.kind === 'day') return { fields: { type: 2, dayOfMonth: pick.day }, exact };
  if (pick.kind === 'nth') return { fields: { type: 3, dayOfWeek: pick.mask, weekOfMonth: pick.week }, exact };
  // Every Monday of every month is every Monday; every other month is not expressible.
  if (p.interval === 1) return { fields: { type: 1, dayOfWeek: pick.mask }, exact };
  return { fields: { type: 3, dayOfWeek: pick.mask, weekOfMonth: nthOf(s) }, exact: false };
}

function yearlyPattern(p: ParsedRule, s: SeriesStart): Draft {
  // Without BYMONTH, BYMONTHDAY means that day of every month and plain BYDAY every such weekday
  // of the year (RFC 5545 expands both; year-wide ordinals were refused by checkExpandable).
  if (!p.byMonth && p.byMonthDay) {
    const monthly = monthlyPattern({ ...p, freq: 'MONTHLY' }, s);
    return { fields: monthly.fields, exact: monthly.exact && p.interval === 1 };
  }
  if (!p.byMonth && p.byDay) return { fields: { type: 1, dayOfWeek: maskOf(p.byDay) }, exact: p.interval === 1 };
  const month = p.byMonth?.[0] ?? s.month;
  const pick = monthPick(p, s);
  const exact = (!p.byMonth || p.byMonth.length === 1) && pick.exact;
  if (pick.kind === 'day') {
    if (pick.day <= MONTH_DAYS[month - 1]!) return { fields: { type: 5, monthOfYear: month, dayOfMonth: pick.day }, exact };
    return { fields: { type: 5, monthOfYear: s.month, dayOfMonth: s.day }, exact: false };
  }
  // Every Monday of March has no EAS form: the nth Monday of March that DTSTART is.
  const week = pick.kind === 'nth' ? pick.week : nthOf(s);
  const fields = { type: 6 as const, monthOfYear: month, dayOfWeek: pick.mask, weekOfMonth: week };
  return { fields, exact: exact && pick.kind === 'nth' };
}
