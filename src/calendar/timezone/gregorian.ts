// Proleptic Gregorian arithmetic on UTC fields, and SYSTEMTIME yearly rules (MS-DTYP 2.3.13,
// as MS-ASDTYPE 2.7.6 uses them) ⇄ instants: shared by the codec, the timelines and VTIMEZONE.
import type { SystemTime } from './blob.js';

export const MINUTE = 60_000;
export const DAY = 86_400_000;

/** Date.UTC without its 0–99 → 1900s quirk; month 1–12. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return year >= 0 && year < 100 ? new Date(t).setUTCFullYear(year) : t;
}

export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 1) - DAY).getUTCDate();
}

/** The instant a SYSTEMTIME transition happens in `year`, given the offset in force before it
 *  (the rule's local time is pre-transition local time, as Windows reads it). */
export function ruleInstant(st: SystemTime, year: number, offsetBefore: number): number | undefined {
  if (st.month === 0) return undefined;
  let day = st.day;
  if (st.year !== 0) {
    if (st.year !== year) return undefined; // absolute date: that year only
  } else {
    const first = new Date(utcMs(year, st.month, 1)).getUTCDay();
    const last = daysInMonth(year, st.month);
    day = 1 + ((st.dayOfWeek - first + 7) % 7) + (st.day - 1) * 7;
    while (day > last) day -= 7; // week 5 = the last such weekday
  }
  return utcMs(year, st.month, day, st.hour, st.minute, st.second, st.milliseconds) - offsetBefore * MINUTE;
}

/** The yearly rule for a transition whose pre-transition local time is `local` (UTC fields). A
 *  weekday in the month's last seven days is written as week 5 ("last"), as Windows does. */
export function ruleFor(local: number): SystemTime {
  const d = new Date(local);
  const year = d.getUTCFullYear(), month = d.getUTCMonth() + 1, day = d.getUTCDate();
  return {
    year: 0, month, dayOfWeek: d.getUTCDay(), day: day + 7 > daysInMonth(year, month) ? 5 : Math.ceil(day / 7),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), milliseconds: d.getUTCMilliseconds(),
  };
}
