// Vocabulary both directions share: RFC 5545 weekday names as EAS DayOfWeek bits (MS-ASCAL
// 2.2.2.15), month lengths, and the series' first day that absent fields are taken from.
import type ICAL from 'ical.js';

/** RFC 5545 weekday names, indexed like the EAS DayOfWeek bits and FirstDayOfWeek (0 = Sunday). */
export const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;
/** MS-ASCAL 2.2.2.15: 127 in a Type 3/6 recurrence means "day of the month" (all seven days). */
export const ALL_DAYS = 127;
/** Longest month per MonthOfYear, February counted as 29 (a yearly 29 February is valid). */
export const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
export const DAY_MS = 86_400_000;

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

export const bit = (weekday: number) => 1 << weekday;
export const daysOf = (mask: number) => DAYS.filter((_, i) => mask & bit(i));
/** Which occurrence of its weekday in the month a date is: 1–4, or 5 ("last", MS-ASCAL 2.2.2.48). */
export const nthOf = (s: SeriesStart) => Math.min(5, Math.ceil(s.day / 7));
export const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;
