// MS-ASCAL 2.2.2.37 Recurrence ⇄ RFC 5545 3.3.10 RRULE, and occurrence expansion through ical.js.
// Decisions, the mapping table and the closest-honest-form rules: docs/calendar-recurrence.md.
//
// Layout: errors · validateRecurrence · toRRule · RRULE parsing · fromRRule · expand ·
// occurrenceStarts / seriesEnd. EAS element names are spelled as MS-ASCAL spells them.
import ICAL from 'ical.js';
import type { Exception, Recurrence } from './model.js';

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * RECURRENCE_INVALID: a value no calendar can mean (Type 4, Interval 0, 31 February …).
 * RECURRENCE_UNSUPPORTED: meaningful, but Convene cannot compute it (FREQ=HOURLY, lunar months).
 * RECURRENCE_LIMIT: an expansion needed more than MAX_ITERATIONS steps.
 */
export type RecurrenceErrorCode = 'RECURRENCE_INVALID' | 'RECURRENCE_UNSUPPORTED' | 'RECURRENCE_LIMIT';

export class RecurrenceError extends Error {
  constructor(readonly code: RecurrenceErrorCode, message: string) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

const invalid = (message: string) => new RecurrenceError('RECURRENCE_INVALID', message);
const unsupported = (message: string) => new RecurrenceError('RECURRENCE_UNSUPPORTED', message);

// ---------------------------------------------------------------------------------------------
// Shared vocabulary

/** RFC 5545 weekday names, indexed like the EAS DayOfWeek bits and FirstDayOfWeek (0 = Sunday). */
const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
/** MS-ASCAL 2.2.2.15: 127 in a Type 3/6 recurrence means "day of the month" (all seven days). */
const ALL_DAYS = 127;
/** MS-ASCAL 2.2.2.10 CalendarType values a request may carry (13, 16–19, 21+ are reserved). */
const CALENDAR_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 20]);
/** Calendars whose months are not Gregorian months: Hijri, Hebrew, Japanese/Chinese/Korean lunar. */
const LUNAR_CALENDARS = new Set([6, 8, 14, 15, 20]);
/** Longest month per MonthOfYear, February counted as 29 (a yearly 29 February is valid). */
const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** Bound on recurrence iterator steps in one expansion; beyond it: RECURRENCE_LIMIT. */
export const MAX_ITERATIONS = 100_000;
const DAY_MS = 86_400_000;

/** The series' first day, as wall-clock date parts in its zone; weekday 0 = Sunday … 6 = Saturday. */
export interface SeriesStart {
  year: number;
  month: number;
  day: number;
  weekday: number;
}

/** The SeriesStart of a (zoned or floating) ICAL.Time. */
export function seriesStartOf(t: ICAL.Time): SeriesStart {
  return { year: t.year, month: t.month, day: t.day, weekday: t.dayOfWeek() - 1 };
}

export interface RRuleOptions {
  /** All-day series: UNTIL is a DATE (RFC 5545: UNTIL has DTSTART's value type). */
  allDay?: boolean | undefined;
  /** The series' zone, for an all-day UNTIL date ⇄ UTC instant and floating UNTILs. Default UTC. */
  zone?: ICAL.Timezone | undefined;
}

const bit = (weekday: number) => 1 << weekday;
const daysOf = (mask: number) => DAYS.filter((_, i) => mask & bit(i));
/** Which occurrence of its weekday in the month a date is: 1–4, or 5 ("last", MS-ASCAL 2.2.2.48). */
const nthOf = (s: SeriesStart) => Math.min(5, Math.ceil(s.day / 7));
const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

// ---------------------------------------------------------------------------------------------
// validateRecurrence: the gate for a device's Recurrence (and for fromRRule's own output)

/**
 * Throws RecurrenceError RECURRENCE_INVALID for values MS-ASCAL does not allow or that never
 * occur, RECURRENCE_UNSUPPORTED for lunar-calendar month patterns (see the doc). Absent fields
 * are fine: toRRule fills them from DTSTART as RFC 5545 does for a bare FREQ. Present fields are
 * range-checked whatever the Type; fields a Type does not use are otherwise ignored.
 */
export function validateRecurrence(r: Recurrence): void {
  // MS-ASCAL 2.2.2.45 Type: 0, 1, 2, 3, 5, 6 (there is no 4).
  if (![0, 1, 2, 3, 5, 6].includes(r.type)) throw invalid(`Type ${r.type} does not exist`);
  // MS-ASCAL 2.2.2.25 Interval ≤ 999; 0 is refused (the EAS decoder reads an absent Interval as 1).
  if (!isInt(r.interval, 1, 999)) throw invalid(`Interval ${r.interval} is outside 1–999`);
  // MS-ASCAL 2.2.2.32 / 2.2.2.47: Occurrences (≤ 999) and Until are mutually exclusive.
  if (r.occurrences !== undefined && r.until !== undefined) throw invalid('both Occurrences and Until');
  if (r.occurrences !== undefined && !isInt(r.occurrences, 1, 999)) throw invalid(`Occurrences ${r.occurrences} is outside 1–999`);
  if (r.until !== undefined && !Number.isFinite(r.until)) throw invalid('Until is not a time');
  validateFields(r);
  validateShape(r);
  // MS-ASCAL 2.2.2.10 / 2.2.2.26: month-based patterns in a lunar calendar; see the doc.
  if (r.calendarType !== undefined && LUNAR_CALENDARS.has(r.calendarType) && r.type >= 2) {
    throw unsupported(`CalendarType ${r.calendarType} (lunar) with Type ${r.type}`);
  }
  if (r.rrule !== undefined && (typeof r.rrule !== 'string' || !r.rrule.trim())) throw invalid('empty rrule');
}

function validateFields(r: Recurrence): void {
  // MS-ASCAL 2.2.2.15 DayOfWeek: a non-empty set of the seven bits, never above 127.
  if (r.dayOfWeek !== undefined && !isInt(r.dayOfWeek, 1, ALL_DAYS)) throw invalid(`DayOfWeek ${r.dayOfWeek} is outside 1–127`);
  // MS-ASCAL 2.2.2.14 DayOfMonth 1–31; 2.2.2.48 WeekOfMonth 1–5; 2.2.2.29 MonthOfYear 1–12.
  if (r.dayOfMonth !== undefined && !isInt(r.dayOfMonth, 1, 31)) throw invalid(`DayOfMonth ${r.dayOfMonth} is outside 1–31`);
  if (r.weekOfMonth !== undefined && !isInt(r.weekOfMonth, 1, 5)) throw invalid(`WeekOfMonth ${r.weekOfMonth} is outside 1–5`);
  if (r.monthOfYear !== undefined && !isInt(r.monthOfYear, 1, 12)) throw invalid(`MonthOfYear ${r.monthOfYear} is outside 1–12`);
  // MS-ASCAL 2.2.2.24 FirstDayOfWeek 0–6; 2.2.2.10 CalendarType from its table.
  if (r.firstDayOfWeek !== undefined && !isInt(r.firstDayOfWeek, 0, 6)) throw invalid(`FirstDayOfWeek ${r.firstDayOfWeek} is outside 0–6`);
  if (r.calendarType !== undefined && !CALENDAR_TYPES.has(r.calendarType)) throw invalid(`CalendarType ${r.calendarType} is reserved`);
  if (r.isLeapMonth !== undefined && typeof r.isLeapMonth !== 'boolean') throw invalid('IsLeapMonth is not a boolean');
}

function validateShape(r: Recurrence): void {
  // A weekly recurrence with an empty day set has no occurrence at all (Horde refuses it too).
  if (r.type === 1 && r.dayOfWeek === 0) throw invalid('weekly recurrence with an empty DayOfWeek');
  // Type 5 on a date no year has (31 February, 31 April …). 29 February is valid: leap years.
  if (r.type === 5 && r.monthOfYear !== undefined && r.dayOfMonth !== undefined) {
    if (r.dayOfMonth > MONTH_DAYS[r.monthOfYear - 1]!) throw invalid(`${r.dayOfMonth}/${r.monthOfYear} never occurs`);
  }
}

// ---------------------------------------------------------------------------------------------
// toRRule: EAS → RRULE (canonical part order: FREQ INTERVAL COUNT UNTIL BYDAY BYMONTHDAY BYMONTH BYSETPOS WKST)

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

// ---------------------------------------------------------------------------------------------
// RRULE parsing (RFC 5545 3.3.10; names and values are case-insensitive)

interface ByDay {
  /** The nth-of-period prefix (+2MO → 2, -1FR → -1), absent for a plain weekday. */
  ordinal: number | undefined;
  day: number;
}

interface ParsedRule {
  freq: string;
  interval: number;
  count: number | undefined;
  until: string | undefined;
  byDay: ByDay[] | undefined;
  byMonthDay: number[] | undefined;
  byMonth: number[] | undefined;
  bySetPos: number[] | undefined;
  wkst: number | undefined;
  /** RFC 5545 parts EAS has no element for (BYHOUR, BYWEEKNO …), kept for ical.js. */
  passThrough: Array<[string, string]>;
  /** Parts ical.js does not evaluate (RSCALE, SKIP, X-…). */
  foreign: Array<[string, string]>;
}

const FREQS = ['SECONDLY', 'MINUTELY', 'HOURLY', 'DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'];
const KNOWN = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);
/** RFC 5545 parts with no EAS element: [min, max, signed] of their values. */
const PASS_THROUGH: Record<string, [number, number, boolean]> = {
  BYSECOND: [0, 60, false], BYMINUTE: [0, 59, false], BYHOUR: [0, 23, false], BYYEARDAY: [1, 366, true], BYWEEKNO: [1, 53, true],
};
const UNTIL_FORM = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/;

/** Syntax, value ranges and RFC 5545 3.3.10 structure; anything else is RECURRENCE_INVALID. */
function parseRRule(text: string): ParsedRule {
  const seen = readParts(text);
  const freq = seen.get('FREQ');
  if (!freq || !FREQS.includes(freq)) throw invalid(`RRULE FREQ "${freq ?? ''}" is missing or unknown`);
  const rule: ParsedRule = {
    freq,
    interval: seen.has('INTERVAL') ? integer(seen.get('INTERVAL')!, 1, Infinity, 'INTERVAL') : 1,
    count: seen.has('COUNT') ? integer(seen.get('COUNT')!, 1, Infinity, 'COUNT') : undefined,
    until: seen.get('UNTIL'),
    byDay: seen.has('BYDAY') ? seen.get('BYDAY')!.split(',').map(parseByDay) : undefined,
    byMonthDay: list(seen.get('BYMONTHDAY'), [1, 31, true], 'BYMONTHDAY'),
    byMonth: list(seen.get('BYMONTH'), [1, 12, false], 'BYMONTH'),
    bySetPos: list(seen.get('BYSETPOS'), [1, 366, true], 'BYSETPOS'),
    wkst: seen.has('WKST') ? weekday(seen.get('WKST')!) : undefined,
    passThrough: [],
    foreign: [],
  };
  for (const [name, value] of seen) {
    if (KNOWN.has(name)) continue;
    const range = PASS_THROUGH[name];
    if (range) list(value, range, name);
    (range ? rule.passThrough : rule.foreign).push([name, value]);
  }
  checkStructure(rule);
  return rule;
}

function readParts(text: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const part of text.trim().replace(/^RRULE:/i, '').split(';')) {
    const eq = part.indexOf('=');
    if (eq < 1) throw invalid(`malformed RRULE part "${part}"`);
    const name = part.slice(0, eq).trim().toUpperCase();
    if (seen.has(name)) throw invalid(`RRULE repeats ${name}`);
    seen.set(name, part.slice(eq + 1).trim().toUpperCase());
  }
  return seen;
}

/** RFC 5545 3.3.10 MUST NOTs, and BYMONTH × BYMONTHDAY combinations no year has. */
function checkStructure(p: ParsedRule): void {
  const has = (name: string) => p.passThrough.some(([n]) => n === name);
  if (p.count !== undefined && p.until !== undefined) throw invalid('RRULE has both COUNT and UNTIL');
  if (p.until !== undefined && !UNTIL_FORM.test(p.until)) throw invalid(`malformed UNTIL "${p.until}"`);
  const ordinals = p.byDay?.filter(d => d.ordinal !== undefined) ?? [];
  if (ordinals.length && p.freq !== 'MONTHLY' && p.freq !== 'YEARLY') throw invalid(`BYDAY ordinals with FREQ=${p.freq}`);
  const monthScoped = p.freq === 'MONTHLY' || (p.freq === 'YEARLY' && p.byMonth);
  if (monthScoped && ordinals.some(d => Math.abs(d.ordinal!) > 5)) throw invalid('BYDAY ordinal beyond the fifth week of a month');
  if (p.byMonthDay && p.freq === 'WEEKLY') throw invalid('BYMONTHDAY with FREQ=WEEKLY');
  if (has('BYYEARDAY') && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(p.freq)) throw invalid(`BYYEARDAY with FREQ=${p.freq}`);
  if (has('BYWEEKNO') && p.freq !== 'YEARLY') throw invalid(`BYWEEKNO with FREQ=${p.freq}`);
  if (p.bySetPos && !p.byDay && !p.byMonthDay && !p.byMonth && !p.passThrough.length) throw invalid('BYSETPOS alone');
  if (p.byMonthDay) {
    const months = p.byMonth ?? [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    if (!months.some(m => p.byMonthDay!.some(d => Math.abs(d) <= MONTH_DAYS[m - 1]!))) {
      throw invalid('BYMONTH and BYMONTHDAY name no date that exists');
    }
  }
}

function integer(value: string, min: number, max: number, what: string): number {
  if (!/^[+-]?\d+$/.test(value)) throw invalid(`RRULE ${what} "${value}" is not an integer`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(`RRULE ${what} ${n} is out of range`);
  return n;
}

function list(value: string | undefined, [min, max, signed]: [number, number, boolean], what: string): number[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map(v => {
    const n = integer(v, signed ? -max : min, max, what);
    if (signed && n === 0) throw invalid(`RRULE ${what} 0`);
    return n;
  });
}

function weekday(value: string): number {
  const i = DAYS.indexOf(value as (typeof DAYS)[number]);
  if (i < 0) throw invalid(`"${value}" is not a weekday`);
  return i;
}

function parseByDay(value: string): ByDay {
  const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(value);
  if (!m) throw invalid(`malformed BYDAY "${value}"`);
  const ordinal = m[1] === undefined ? undefined : integer(m[1], -53, 53, 'BYDAY');
  if (ordinal === 0) throw invalid('BYDAY ordinal 0');
  return { ordinal, day: weekday(m[2]!) };
}

// ---------------------------------------------------------------------------------------------
// fromRRule: RRULE → EAS

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

/**
 * RECURRENCE_UNSUPPORTED for rules Convene does not expand: sub-daily FREQs (EAS has none),
 * non-Gregorian months (RFC 7529 RSCALE), and the shapes ical.js 2.2 expands wrongly or without
 * end (BYWEEKNO, year-wide BYDAY ordinals, ordinals mixed with day lists, BYSETPOS other than
 * "the nth of these weekdays in the month"). Everything that passes is safe to hand to ical.js.
 */
function checkExpandable(p: ParsedRule): void {
  if (['SECONDLY', 'MINUTELY', 'HOURLY'].includes(p.freq)) {
    throw unsupported(`FREQ=${p.freq}: EAS recurrences are at least daily`);
  }
  const rscale = p.foreign.find(([name]) => name === 'RSCALE')?.[1];
  if (rscale && rscale !== 'GREGORIAN' && (p.freq === 'MONTHLY' || p.freq === 'YEARLY')) {
    throw unsupported(`RSCALE=${rscale}: non-Gregorian months are not expanded`);
  }
  if (p.passThrough.some(([name]) => name === 'BYWEEKNO')) throw unsupported('BYWEEKNO');
  const ordinals = p.byDay !== undefined && !plain(p.byDay);
  if (ordinals && p.freq === 'YEARLY' && !p.byMonth) throw unsupported('BYDAY ordinals counted over a whole year');
  if (ordinals && (p.byMonthDay || p.bySetPos || p.passThrough.length)) throw unsupported('BYDAY ordinals combined with other day parts');
  if (p.bySetPos) {
    // ical.js 2.2 applies BYSETPOS correctly to one month's set of weekdays only; each month has
    // at least 4 of every weekday, so |BYSETPOS| ≤ 4 × days always selects a day.
    const monthSet = p.freq === 'MONTHLY' || (p.freq === 'YEARLY' && p.byMonth?.length === 1);
    const weekdaysOnly = p.byDay && !p.byMonthDay && !p.passThrough.length;
    if (!monthSet || !weekdaysOnly || p.bySetPos.some(n => Math.abs(n) > 4 * p.byDay!.length)) {
      throw unsupported('BYSETPOS outside "the nth of these weekdays in a month"');
    }
  }
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
const plain = (byDay: ByDay[]) => byDay.every(d => d.ordinal === undefined);

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

// ---------------------------------------------------------------------------------------------
// expand: occurrence starts of an RRULE through ical.js's Recur iterator

export interface ExpandArgs {
  rrule: string;
  /** DTSTART: zoned (or UTC) for a timed series, a DATE for an all-day one. */
  dtstart: ICAL.Time;
  exdates?: ICAL.Time[] | undefined;
  rdates?: ICAL.Time[] | undefined;
  /** Earliest start returned (inclusive, ICAL.Time.compare). */
  from?: ICAL.Time | undefined;
  /** Latest start returned (inclusive, like RRULE UNTIL). */
  until?: ICAL.Time | undefined;
  /** At most this many starts are returned. */
  max: number;
  /** Iterator step budget; default MAX_ITERATIONS. */
  maxIterations?: number | undefined;
}

/**
 * Occurrence starts, in order, from DTSTART's recurrence set (RRULE ∪ RDATE − EXDATE; an EXDATE
 * DATE removes that day). Bounded: stops at `until` or after `max` results, and throws
 * RECURRENCE_LIMIT past the step budget. Rules outside what ical.js expands correctly and in
 * bounded time are refused first (checkExpandable). RFC 5545 defaults are made explicit
 * (BYMONTH/BYMONTHDAY from DTSTART) and each candidate is checked against BYMONTH/BYMONTHDAY/BYDAY,
 * because ical.js 2.2 rolls impossible dates (29 February 2025, 31 April) into the next month;
 * COUNT is therefore counted here. An endless DAILY/WEEKLY rule read from a far `from` starts
 * from a DTSTART moved forward by whole periods (same wall clock, same occurrences).
 */
export function expand(args: ExpandArgs): ICAL.Time[] {
  if (!(args.max >= 0)) throw invalid('expand needs a max');
  const p = parseRRule(args.rrule);
  checkExpandable(p);
  const nextRule = ruleIterator(p, args);
  const rdates = [...(args.rdates ?? [])].sort((a, b) => a.compare(b));
  const out: ICAL.Time[] = [];
  let next = nextRule();
  let ri = 0;
  let last: ICAL.Time | undefined;
  while (out.length < args.max) {
    let candidate: ICAL.Time;
    if (next && (ri >= rdates.length || next.compare(rdates[ri]!) <= 0)) {
      candidate = next;
      next = nextRule();
    } else if (ri < rdates.length) {
      candidate = rdates[ri++]!.clone();
    } else break;
    if (args.until && candidate.compare(args.until) > 0) break;
    if (last && candidate.compare(last) === 0) continue;
    last = candidate;
    if (args.from && candidate.compare(args.from) < 0) continue;
    if (!(args.exdates ?? []).some(x => excludes(x, candidate))) out.push(candidate);
  }
  return out;
}

/** The rule's own instances in order (COUNT applied), as a pull function over ical.js. */
function ruleIterator(p: ParsedRule, args: ExpandArgs): () => ICAL.Time | undefined {
  const budget = args.maxIterations ?? MAX_ITERATIONS;
  let iterator: ICAL.RecurIterator;
  try {
    const rule = ICAL.Recur.fromString(serialise(explicit(p, args.dtstart), { count: false }));
    iterator = rule.iterator(skipAhead(p, args.dtstart, args.from));
  } catch (e) {
    throw invalid(`ical.js refuses the rule: ${(e as Error).message}`);
  }
  let produced = 0;
  let steps = 0;
  return () => {
    while (p.count === undefined || produced < p.count) {
      if (++steps > budget) throw new RecurrenceError('RECURRENCE_LIMIT', `more than ${budget} recurrence steps`);
      const t = iterator.next();
      if (!t) return undefined;
      if (matches(t, p)) {
        produced++;
        return t.clone();
      }
    }
    return undefined;
  };
}

/**
 * For an endless-by-count DAILY/WEEKLY rule, DTSTART moved forward by whole periods to a week
 * or more before `from`: the same wall clock, weekday and INTERVAL phase (WKST weeks included),
 * so the same occurrences from there on, without iterating the years before.
 */
function skipAhead(p: ParsedRule, dtstart: ICAL.Time, from: ICAL.Time | undefined): ICAL.Time {
  if (!from || p.count !== undefined || (p.freq !== 'DAILY' && p.freq !== 'WEEKLY')) return dtstart;
  const target = from.isDate || dtstart.isDate ? from : from.convertToZone(dtstart.zone);
  const days = (Date.UTC(target.year, target.month - 1, target.day) - Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day)) / DAY_MS;
  const period = p.freq === 'DAILY' ? p.interval : 7 * p.interval;
  const periods = Math.floor((days - 7) / period);
  if (periods <= 0) return dtstart;
  const moved = dtstart.clone();
  moved.adjust(periods * period, 0, 0, 0);
  return moved;
}

/** The RFC 5545 defaults ical.js gets wrong, made explicit from DTSTART. */
function explicit(p: ParsedRule, dtstart: ICAL.Time): ParsedRule {
  const q = { ...p };
  const yearScoped = p.passThrough.some(([name]) => name === 'BYWEEKNO' || name === 'BYYEARDAY');
  if (p.freq === 'YEARLY' && !yearScoped) {
    // YEARLY;BYMONTHDAY=d is day d of every month; a bare YEARLY is DTSTART's month and day.
    if (!p.byMonth && p.byMonthDay) q.byMonth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    else if (!p.byMonth && !p.byDay) [q.byMonth, q.byMonthDay] = [[dtstart.month], [dtstart.day]];
    else if (p.byMonth && !p.byDay && !p.byMonthDay) q.byMonthDay = [dtstart.day];
  } else if (p.freq === 'MONTHLY' && !p.byDay && !p.byMonthDay) {
    q.byMonthDay = [dtstart.day];
  }
  return q;
}

/** Whether an iterator result really satisfies the rule's BYMONTH, BYMONTHDAY and plain BYDAY. */
function matches(t: ICAL.Time, p: ParsedRule): boolean {
  if (p.byMonth && !p.byMonth.includes(t.month)) return false;
  if (p.byMonthDay) {
    const length = ICAL.Time.daysInMonth(t.month, t.year);
    if (!p.byMonthDay.some(d => (d > 0 ? d : length + 1 + d) === t.day)) return false;
  }
  if (p.byDay && plain(p.byDay) && !p.byDay.some(d => d.day === t.dayOfWeek() - 1)) return false;
  return true;
}

function excludes(exdate: ICAL.Time, t: ICAL.Time): boolean {
  if (exdate.isDate && !t.isDate) return exdate.year === t.year && exdate.month === t.month && exdate.day === t.day;
  return exdate.compare(t) === 0;
}

/** A ParsedRule back to RRULE text for ical.js (RSCALE, SKIP and X- parts left out). */
function serialise(p: ParsedRule, opts: { count: boolean } = { count: true }): string {
  const parts = [`FREQ=${p.freq}`];
  if (p.interval !== 1) parts.push(`INTERVAL=${p.interval}`);
  if (p.count !== undefined && opts.count) parts.push(`COUNT=${p.count}`);
  if (p.until !== undefined) parts.push(`UNTIL=${p.until}`);
  if (p.byDay) parts.push(`BYDAY=${p.byDay.map(d => `${d.ordinal ?? ''}${DAYS[d.day]}`).join(',')}`);
  if (p.byMonthDay) parts.push(`BYMONTHDAY=${p.byMonthDay.join(',')}`);
  if (p.byMonth) parts.push(`BYMONTH=${p.byMonth.join(',')}`);
  if (p.bySetPos) parts.push(`BYSETPOS=${p.bySetPos.join(',')}`);
  for (const [name, value] of p.passThrough) parts.push(`${name}=${value}`);
  if (p.wkst !== undefined) parts.push(`WKST=${DAYS[p.wkst]}`);
  return parts.join(';');
}

// ---------------------------------------------------------------------------------------------
// Model events: occurrence starts in a window, and the end of a series

/** The model fields expansion reads (a CalendarEvent fits). Without `end`, occurrences last 0 ms. */
export interface SeriesEvent {
  start: number;
  end?: number | undefined;
  timeZone: string;
  allDay: boolean;
  recurrence?: Recurrence | undefined;
  exceptions?: Exception[] | undefined;
}

/** The zone for an IANA name; 'UTC' (the model's "no zone") never reaches the lookup. */
export type ZoneLookup = (zone: string) => ICAL.Timezone;

interface Occurrence {
  start: number;
  end: number;
}

/**
 * UTC ms starts of the event's occurrences that meet [from, to): start < to, and start ≥ from or
 * (with `end`) still running at `from`. Deleted exceptions are gone; a moved exception is at its
 * new start, also when its original start lies outside the window. Non-recurring events: [start].
 */
export function occurrenceStarts(event: SeriesEvent, window: { from: number; to: number }, zoneLookup: ZoneLookup): number[] {
  return occurrences(event, zoneLookup, window).map(o => o.start);
}

/**
 * The UTC ms end of the series' last occurrence (exceptions applied), or null for an endless
 * series. A series whose every occurrence was deleted ends with its master's own end.
 */
export function seriesEnd(event: SeriesEvent & { end: number }, zoneLookup: ZoneLookup): number | null {
  if (!event.recurrence) return event.end;
  const zone = zoneOf(event.timeZone, zoneLookup);
  const dtstart = startTime(event, zone);
  const rule = parseRRule(toRRule(event.recurrence, seriesStartOf(dtstart), { allDay: event.allDay, zone }));
  if (rule.count === undefined && rule.until === undefined) return null;
  const all = occurrences(event, zoneLookup, undefined);
  return all.length ? all.reduce((end, o) => Math.max(end, o.end), -Infinity) : event.end;
}

function occurrences(event: SeriesEvent, zoneLookup: ZoneLookup, window: { from: number; to: number } | undefined): Occurrence[] {
  const duration = Math.max(0, (event.end ?? event.start) - event.start);
  const inWindow = (o: Occurrence) => !window || (o.start < window.to && (o.start >= window.from || o.end > window.from));
  if (!event.recurrence) return [{ start: event.start, end: event.start + duration }].filter(inWindow);
  const zone = zoneOf(event.timeZone, zoneLookup);
  const dtstart = startTime(event, zone);
  const rrule = toRRule(event.recurrence, seriesStartOf(dtstart), { allDay: event.allDay, zone });
  const series: Series = { event, zone, duration, rrule, dtstart };
  const bounds = window && { from: window.from - duration - DAY_MS, to: window.to + DAY_MS };
  const exceptions = new Map((event.exceptions ?? []).map(x => [keyOf(x.originalStart, series), x] as const));
  const result: Occurrence[] = [];
  for (const start of expandMs(series, bounds)) {
    const x = exceptions.get(keyOf(start, series));
    exceptions.delete(keyOf(start, series));
    if (!x) result.push({ start, end: start + duration });
    else if (!x.deleted) result.push(movedTo(x, start, duration));
  }
  // Exceptions moved into the window from an occurrence outside the expanded range.
  for (const x of exceptions.values()) {
    if (!bounds || x.deleted || x.overrides.start === undefined) continue;
    const moved = movedTo(x, x.originalStart, duration);
    if (inWindow(moved) && isOccurrence(x.originalStart, series)) result.push(moved);
  }
  return result.filter(inWindow).sort((a, b) => a.start - b.start);
}

interface Series {
  event: SeriesEvent;
  zone: ICAL.Timezone;
  duration: number;
  rrule: string;
  dtstart: ICAL.Time;
}

function movedTo(x: Exception, originalStart: number, duration: number): Occurrence {
  const start = x.overrides.start ?? originalStart;
  return { start, end: x.overrides.end ?? start + duration };
}

/** The series' starts (UTC ms) between bounds (whole series when none), RRULE ∪ … only. */
function expandMs(s: Series, bounds: { from: number; to: number } | undefined): number[] {
  const at = (ms: number) => (s.event.allDay ? localDate(ms, s.zone) : zonedTime(ms, s.zone));
  const times = expand({
    rrule: s.rrule,
    dtstart: s.dtstart,
    from: bounds && at(bounds.from),
    until: bounds && at(bounds.to),
    max: MAX_ITERATIONS,
  });
  return times.map(t => timeMs(t, s.zone));
}

function isOccurrence(originalStart: number, s: Series): boolean {
  const key = keyOf(originalStart, s);
  return expandMs(s, { from: originalStart - DAY_MS, to: originalStart + DAY_MS }).some(ms => keyOf(ms, s) === key);
}

/**
 * Exceptions match occurrences by exact start; all-day ones by the local date nearest the given
 * instant, so a device's UTC-midnight ExceptionStartTime still finds its day (zones within ±12 h).
 */
function keyOf(ms: number, s: Series): number {
  if (!s.event.allDay) return ms;
  const d = localDate(ms + DAY_MS / 2, s.zone);
  return Date.UTC(d.year, d.month - 1, d.day);
}

// ---------------------------------------------------------------------------------------------
// Time helpers (UTC ms ⇄ ICAL.Time)

function zoneOf(name: string, lookup: ZoneLookup): ICAL.Timezone {
  return name === 'UTC' || name === 'Etc/UTC' ? ICAL.Timezone.utcTimezone : lookup(name);
}

function zonedTime(ms: number, zone: ICAL.Timezone): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(ms), true).convertToZone(zone);
}

function localDate(ms: number, zone: ICAL.Timezone): ICAL.Time {
  const t = zonedTime(ms, zone);
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, isDate: true });
}

/** DTSTART: the zoned start, or for an all-day event the DATE it starts on in its zone. */
function startTime(event: SeriesEvent, zone: ICAL.Timezone): ICAL.Time {
  return event.allDay ? localDate(event.start, zone) : zonedTime(event.start, zone);
}

/** UTC ms of an occurrence; a DATE is its local midnight in the series' zone. */
function timeMs(t: ICAL.Time, zone: ICAL.Timezone): number {
  if (!t.isDate) return t.toUnixTime() * 1000;
  return ICAL.Time.fromData({ year: t.year, month: t.month, day: t.day, hour: 0, minute: 0, second: 0 }, zone).toUnixTime() * 1000;
}
