// The onsets of an incoming VTIMEZONE's observances (RFC 5545 3.6.5 STANDARD/DAYLIGHT) near one
// year, computed with bounded work. ical.js's own Timezone expands every observance from its
// DTSTART (Outlook writes 1601) to five years past today in one synchronous loop, so a
// `RRULE:FREQ=MINUTELY` observance kept the event loop for minutes. Here an observance rule must be
// YEARLY (a zone changes a few times a year), it starts from the years needed rather than from its
// DTSTART, and all observances of one VTIMEZONE share one step budget (docs/limits.md).
import ICAL from 'ical.js';
import { checkExpandable, expand, expansionSteps } from '../recurrence/expand.js';
import { RecurrenceError } from '../recurrence/errors.js';
import { type ParsedRule, parseRRule, serialise } from '../recurrence/rrule.js';
import { TimeZoneError } from './errors.js';
import { MINUTE, utcMs } from './gregorian.js';

/** Observances (STANDARD/DAYLIGHT) one VTIMEZONE may have. */
export const MAX_OBSERVANCES = 500;
/** RDATE values over all observances of one VTIMEZONE. */
export const MAX_RDATES = 2_000;
/** Recurrence steps over all observance RRULEs of one VTIMEZONE, and for one observance. */
export const MAX_OBSERVANCE_STEPS = 400;
export const MAX_STEPS_PER_OBSERVANCE = 32;

/** One transition: at `at` (UTC ms) the offset becomes `offset` minutes; it was `from` before. */
export interface Onset { at: number; offset: number; from: number }

const invalid = (message: string) => new TimeZoneError('TZ_INVALID', message);

/**
 * The observances' onsets up to the end of `year` + 1, enough to know every offset in `year`:
 * each DTSTART, RDATE and RRULE instance (RFC 5545 3.6.5), read as local time in the observance's
 * TZOFFSETFROM. TZ_INVALID for a shape no real zone has or for more work than the limits allow.
 */
export function observanceOnsets(vtimezone: ICAL.Component, year: number): Onset[] {
  const observances = vtimezone.getAllSubcomponents().filter(c => c.name === 'standard' || c.name === 'daylight');
  if (observances.length > MAX_OBSERVANCES) throw invalid(`VTIMEZONE has more than ${MAX_OBSERVANCES} observances`);
  const budget = { steps: MAX_OBSERVANCE_STEPS, rdates: MAX_RDATES };
  return observances.flatMap(o => onsetsOf(o, year, budget));
}

function onsetsOf(o: ICAL.Component, year: number, budget: { steps: number; rdates: number }): Onset[] {
  const dtstart = o.getFirstPropertyValue('dtstart') as unknown;
  const from = offsetMinutes(o.getFirstPropertyValue('tzoffsetfrom'));
  const offset = offsetMinutes(o.getFirstPropertyValue('tzoffsetto'));
  // ical.js skips such an observance too.
  if (!(dtstart instanceof ICAL.Time) || from === undefined || offset === undefined) return [];
  const onset = (t: ICAL.Time): Onset => ({ at: wallMs(t) - (t.zone?.tzid === 'UTC' ? 0 : from * MINUTE), offset, from });
  const out: Onset[] = [onset(dtstart)];
  for (const p of o.getAllProperties('rdate')) {
    for (const v of p.getValues() as unknown[]) {
      if (--budget.rdates < 0) throw invalid(`VTIMEZONE has more than ${MAX_RDATES} RDATE values`);
      const t = v instanceof ICAL.Period ? v.start : v;
      if (!(t instanceof ICAL.Time)) continue;
      out.push(onset(t.isDate ? ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second }) : t));
    }
  }
  const rrule = o.getFirstProperty('rrule');
  if (rrule) out.push(...ruleInstances(rrule.toICALString().replace(/^RRULE:/i, ''), dtstart, from, year, budget).map(onset));
  return out;
}

/** The RRULE's instances up to the end of `year` + 1, from a DTSTART moved to the years needed. */
function ruleInstances(text: string, dtstart: ICAL.Time, from: number, year: number, budget: { steps: number }): ICAL.Time[] {
  let p: ParsedRule;
  try {
    p = parseRRule(text);
    checkExpandable(p);
  } catch (e) {
    throw invalid(`observance RRULE: ${(e as Error).message}`);
  }
  checkObservanceRule(p);
  // A UTC UNTIL is the onset instant: compare it in the observance's local time, as ical.js does.
  if (p.until?.endsWith('Z')) p = { ...p, until: localUntil(p.until, from) };
  const wall = { year: dtstart.year, month: dtstart.month, day: dtstart.day, hour: dtstart.hour, minute: dtstart.minute, second: dtstart.second };
  const start = ICAL.Time.fromData({ ...wall, year: startYear(p, wall, year) });
  const before = expansionSteps.total;
  try {
    return expand({
      rrule: serialise(p), dtstart: start, until: ICAL.Time.fromData({ year: year + 1, month: 12, day: 31, hour: 23, minute: 59, second: 59 }),
      max: MAX_OBSERVANCE_STEPS + 1, maxIterations: Math.min(budget.steps, MAX_STEPS_PER_OBSERVANCE),
    });
  } catch (e) {
    if (e instanceof RecurrenceError) throw invalid(`observance RRULE needs more steps than allowed (${e.message})`);
    throw e;
  } finally {
    budget.steps -= expansionSteps.total - before;
  }
}

/**
 * The shapes zones have (tzdata's, as Outlook, Apple, Google and Mozilla write them): YEARLY, in
 * one month, on a weekday (`BYDAY=-1SU`), a day (`BYMONTHDAY=25`) or the first such weekday of a
 * week of days (`BYMONTHDAY=8,…,14;BYDAY=SU`). Sub-yearly FREQs, several months, BYHOUR …,
 * BYYEARDAY, BYWEEKNO and BYSETPOS are refused: no zone needs them, and they multiply the work.
 */
function checkObservanceRule(p: ParsedRule): void {
  if (p.freq !== 'YEARLY') throw invalid(`observance RRULE FREQ=${p.freq}: a zone's rules recur yearly`);
  const extra = [...p.passThrough, ...p.foreign].map(([name]) => name);
  if (p.bySetPos) extra.push('BYSETPOS');
  if (extra.length) throw invalid(`observance RRULE with ${extra.join(', ')}`);
  if ((p.byMonth?.length ?? 0) > 1 || (p.byDay?.length ?? 0) > 7 || (p.byMonthDay?.length ?? 0) > 7) {
    throw invalid('observance RRULE names more than one month, or more than seven days');
  }
}

/**
 * The year to expand from: two years before the one asked about (or before the rule's UNTIL),
 * a whole number of INTERVALs after DTSTART, a leap year for 29 February. DTSTART's month, day and
 * time stay, so the defaults it gives the rule stay (RFC 5545 3.3.10). A COUNT counts from the
 * real DTSTART: such a rule is expanded from there, within the step budget.
 */
function startYear(p: ParsedRule, wall: { year: number; month: number; day: number }, year: number): number {
  if (p.count !== undefined) return wall.year;
  const last = p.until ? Math.min(year, Number(p.until.slice(0, 4))) : year;
  let y = last - 2 - ((((last - 2 - wall.year) % p.interval) + p.interval) % p.interval);
  const leapDay = wall.month === 2 && wall.day === 29;
  while (leapDay && y > wall.year && !isLeap(y)) y -= p.interval;
  return Math.max(y, wall.year);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function localUntil(until: string, from: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(until);
  if (!m) return until;
  const local = new Date(utcMs(+m[1]!, +m[2]!, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + from * MINUTE);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(local.getUTCFullYear(), 4)}${pad(local.getUTCMonth() + 1)}${pad(local.getUTCDate())}T${pad(local.getUTCHours())}${pad(local.getUTCMinutes())}${pad(local.getUTCSeconds())}`;
}

function wallMs(t: ICAL.Time): number {
  return utcMs(t.year, t.month, t.day, t.hour, t.minute, t.second);
}

function offsetMinutes(v: unknown): number | undefined {
  if (!(v instanceof ICAL.UtcOffset)) return undefined;
  return v.factor * (v.hours * 60 + v.minutes);
}
