// MS-ASCAL 2.2.2.37 Recurrence as a device sends it: the range and shape checks every EAS
// recurrence passes before it is mapped or stored (fromRRule's own output included).
import type { Recurrence } from '../model.js';
import { invalid, unsupported } from './errors.js';
import { ALL_DAYS, isInt, MONTH_DAYS } from './vocabulary.js';

/** MS-ASCAL 2.2.2.10 CalendarType values a request may carry (13, 16–19, 21+ are reserved). */
const CALENDAR_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 20]);
/** Calendars whose months are not Gregorian months: Hijri, Hebrew, Japanese/Chinese/Korean lunar. */
const LUNAR_CALENDARS = new Set([6, 8, 14, 15, 20]);

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

/** Which Types each pattern field belongs to (MS-ASCAL 2.2.2.14, 2.2.2.15, 2.2.2.29, 2.2.2.48). */
const FIELD_TYPES = {
  dayOfWeek: [0, 1, 3, 6], dayOfMonth: [2, 5], weekOfMonth: [3, 6], monthOfYear: [5, 6],
} as const satisfies Partial<Record<keyof Recurrence, readonly number[]>>;

/**
 * A device's Recurrence names only the fields its Type has: DayOfMonth, DayOfWeek, MonthOfYear or
 * WeekOfMonth under another Type is Status 6 (MS-ASCAL R53916–R53919), not silently dropped.
 */
export function validateDeviceFields(r: Recurrence): void {
  for (const [field, types] of Object.entries(FIELD_TYPES) as [keyof typeof FIELD_TYPES, readonly number[]][]) {
    if (r[field] !== undefined && !types.includes(r.type)) throw invalid(`${field} does not belong to Type ${r.type}`);
  }
}
