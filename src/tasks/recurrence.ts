// MS-ASTASK 2.2.2.20 Recurrence: read from a device (with the Status 6 rules of MS-ASTASK 2.2.2.x),
// written for a device's version, and the next occurrence after one was completed. The pattern is
// MS-ASCAL's, so ranges and expansion are the calendar's (src/calendar/recurrence), bounded there.
import ICAL from 'ical.js';
import { expand, RecurrenceError, seriesStartOf, toRRule, validateRecurrence } from '../calendar/recurrence.js';
import { bit, DAY_MS, nthOf } from '../calendar/recurrence/vocabulary.js';
import { parseEasDateTime } from '../calendar/timezone.js';
import { propChildren, propText } from '../store/props.js';
import type { ItemProps } from '../store/types.js';
import { TaskError } from './errors.js';
import type { TaskRecurrence } from './model.js';

const T = (name: string) => `Tasks:${name}`;

/** Which Types a pattern field may come with; another Type is Status 6 (MS-ASTASK R132, R532, R533, R320, R81). */
const FIELD_TYPES = { dayOfMonth: [2, 5], dayOfWeek: [0, 1, 3, 6], weekOfMonth: [3, 6], calendarType: [2, 3, 5, 6] } as const;

/**
 * The device's Recurrence, or undefined when it sent none (an empty element is none too). `has`
 * says which children the device's version has: the others are not read (MS-ASTASK 2.2.2.4,
 * 2.2.2.13, 2.2.2.16 Protocol Versions).
 */
export function readRecurrence(props: ItemProps, has: (name: string) => boolean): TaskRecurrence | undefined {
  const node = propChildren(props, T('Recurrence'));
  if (!node || node.length === 0) return undefined;
  const text = (name: string) => {
    const value = has(T(name)) ? propText(node, T(name))?.trim() : undefined;
    return value === '' ? undefined : value;
  };
  const n = (name: string, max: number) => uint(text(name), name, max);
  const type = n('Type', 255);
  // MS-ASTASK R289: Type is required; R37011: so is Start.
  if (type === undefined) throw new TaskError('a Recurrence needs a Type');
  const startText = text('Start');
  if (startText === undefined) throw new TaskError('a Recurrence needs a Start');
  const occurrences = n('Occurrences', 65535);
  const r: TaskRecurrence = {
    type: type as TaskRecurrence['type'],
    start: date(startText, 'Start'),
    // MS-ASCAL 2.2.2.25 footnote, as for events: an Interval of 0 is read as 1.
    interval: n('Interval', 65535) || 1,
    occurrences,
    // MS-ASTASK R37013: with both, Occurrences counts and Until is ignored.
    until: occurrences === undefined && text('Until') !== undefined ? date(text('Until')!, 'Until') : undefined,
    dayOfWeek: n('DayOfWeek', 255), dayOfMonth: n('DayOfMonth', 255), weekOfMonth: n('WeekOfMonth', 255),
    // MonthOfYear has no Status 6 rule in MS-ASTASK: under a Type without months it is left out.
    monthOfYear: type === 5 || type === 6 ? n('MonthOfYear', 255) : undefined,
    regenerate: flag(text('Regenerate'), 'Regenerate'), // R4221: 0 or 1
    deadOccur: n('DeadOccur', 255) || undefined, // R154: unsignedByte, 0 the default
    calendarType: n('CalendarType', 255),
    isLeapMonth: flag(text('IsLeapMonth'), 'IsLeapMonth'), // R201: 0 or 1
    firstDayOfWeek: n('FirstDayOfWeek', 255),
  };
  for (const [field, types] of Object.entries(FIELD_TYPES) as [keyof typeof FIELD_TYPES, readonly number[]][]) {
    if (r[field] !== undefined && !types.includes(r.type)) throw new TaskError(`${field} does not belong to Type ${r.type}`);
  }
  try {
    // MS-ASTASK R292 (Type 0–6 but 4), R192 (Interval ≤ 999), R141, R525, R317, R210, R171, R84.
    validateRecurrence(r);
  } catch (e) {
    if (e instanceof RecurrenceError) throw new TaskError(e.message);
    throw e;
  }
  return withPatternDays(r);
}

/**
 * The pattern's days made explicit from Start where the device left them out, since a response
 * must carry them (MS-ASTASK R404/R406 DayOfMonth for 2 and 5, R135/R530/R531 DayOfWeek for 1, 3
 * and 6, R430/R431 WeekOfMonth for 3 and 6, R417/R418 MonthOfYear for 5 and 6).
 */
function withPatternDays(r: TaskRecurrence): TaskRecurrence {
  const s = new Date(r.start);
  const start = { year: s.getUTCFullYear(), month: s.getUTCMonth() + 1, day: s.getUTCDate(), weekday: s.getUTCDay() };
  const out = { ...r };
  if ([1, 3, 6].includes(r.type)) out.dayOfWeek ??= bit(start.weekday);
  if ([2, 5].includes(r.type)) out.dayOfMonth ??= start.day;
  if ([3, 6].includes(r.type)) out.weekOfMonth ??= nthOf(start);
  if ([5, 6].includes(r.type)) out.monthOfYear ??= start.month;
  return dropUndefined(out);
}

/**
 * MS-ASTASK 2.2.2.20 children in the schema's order, those `has` allows. CalendarType is required
 * in responses for Types 2, 3, 5, 6 (R82, R8211–R8213; 1, Gregorian, unless the task names another)
 * and FirstDayOfWeek for weekly ones (R167, R238; Sunday unless given — R396 leaves it to the server).
 */
export function recurrenceNodes(r: TaskRecurrence, has: (name: string) => boolean, formatDate: (ms: number) => string): ItemProps {
  const nodes: ItemProps = [];
  const add = (name: string, v: string | number | boolean | undefined): void => {
    if (v !== undefined && has(T(name))) nodes.push([T(name), typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]);
  };
  add('Type', r.type); add('Start', formatDate(r.start)); add('Until', r.until === undefined ? undefined : formatDate(r.until));
  add('Occurrences', r.occurrences); add('Interval', r.interval); add('DayOfWeek', r.dayOfWeek); add('DayOfMonth', r.dayOfMonth);
  add('WeekOfMonth', r.weekOfMonth); add('MonthOfYear', r.monthOfYear); add('Regenerate', r.regenerate); add('DeadOccur', r.deadOccur ?? 0);
  add('CalendarType', r.calendarType ?? ([2, 3, 5, 6].includes(r.type) ? 1 : undefined)); add('IsLeapMonth', r.isLeapMonth);
  add('FirstDayOfWeek', r.firstDayOfWeek ?? (r.type === 1 ? 0 : undefined));
  return nodes;
}

/**
 * The local day (UTC midnight of the wall date) of the occurrence after the one on `current`, or
 * undefined when the series has no more. A regenerating task is due a period after its completion
 * day (MS-ASTASK 2.2.2.21, MS-OXOTASK 3.1.4.6.2 "sliding" patterns), its Occurrences counting down;
 * any other follows its pattern from Start. A pattern Convene cannot expand within its limits
 * (docs/limits.md) has no next occurrence either: the task then completes as the device sent it.
 */
export function nextOccurrence(r: TaskRecurrence, current: number, completedDay: number): number | undefined {
  if (r.regenerate) {
    if (r.occurrences !== undefined && r.occurrences <= 1) return undefined;
    const next = addPeriod(completedDay, r.type, r.interval);
    return r.until !== undefined && next > r.until ? undefined : next;
  }
  try {
    const dtstart = dateOf(r.start);
    const rrule = toRRule(r, seriesStartOf(dtstart), { allDay: true });
    const [t] = expand({ rrule, dtstart, from: dateOf(current + DAY_MS), max: 1 });
    return t && Date.UTC(t.year, t.month - 1, t.day);
  } catch (e) {
    if (e instanceof RecurrenceError) return undefined;
    throw e;
  }
}

/** Days, weeks, months or years by Type; a month-end day stays in its month (31 January + 1 month → 28/29 February). */
function addPeriod(day: number, type: TaskRecurrence['type'], interval: number): number {
  if (type === 0) return day + interval * DAY_MS;
  if (type === 1) return day + interval * 7 * DAY_MS;
  const d = new Date(day);
  const months = type === 2 || type === 3 ? interval : 12 * interval;
  const first = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, 1);
  const f = new Date(first);
  const length = new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + 1, 0)).getUTCDate();
  return first + (Math.min(d.getUTCDate(), length) - 1) * DAY_MS;
}

/** The local day of a local date-time: its wall date, as UTC midnight. */
export function dayOf(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

function dateOf(ms: number): ICAL.Time {
  const d = new Date(ms);
  return ICAL.Time.fromData({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), isDate: true });
}

export function date(value: string, name: string): number {
  try {
    return parseEasDateTime(value);
  } catch {
    throw new TaskError(`${name} "${value}" is not a dateTime`);
  }
}

/** An unsigned whole number up to `max`; undefined when absent. */
export function uint(value: string | undefined, name: string, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > max) throw new TaskError(`${name} "${value}" is not a number from 0 to ${max}`);
  return Number(value);
}

/** A 0/1 value; anything else is refused. */
export function flag(value: string | undefined, name: string): boolean | undefined {
  const n = uint(value, name, 1);
  return n === undefined ? undefined : n === 1;
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
