// MS-ASCAL 2.2.2.37 Recurrence ⇄ RFC 5545 RRULE, and expansion (src/calendar/recurrence.ts).
// Three independent views of each pattern must agree over three years in two zones with opposite
// DST seasons: an oracle written from the MS-ASCAL element meanings (below, Intl for the zone
// rules), ical.js's own ICAL.Event expansion of the RRULE text, and our occurrenceStarts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import type { Exception, Recurrence } from '../../src/calendar/model.js';
import {
  expand, fromRRule, occurrenceStarts, RecurrenceError, seriesEnd, toRRule, validateRecurrence,
  type RecurrenceErrorCode, type SeriesStart,
} from '../../src/calendar/recurrence.js';

// ---------------------------------------------------------------------------------------------
// Zones: VTIMEZONEs built here (current rules), checked against Intl's tz database by the tests.

const VTIMEZONES: Record<string, string> = {
  'America/New_York': [
    'BEGIN:VTIMEZONE', 'TZID:America/New_York',
    'BEGIN:DAYLIGHT', 'TZOFFSETFROM:-0500', 'TZOFFSETTO:-0400', 'TZNAME:EDT', 'DTSTART:20070311T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'END:DAYLIGHT',
    'BEGIN:STANDARD', 'TZOFFSETFROM:-0400', 'TZOFFSETTO:-0500', 'TZNAME:EST', 'DTSTART:20071104T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'END:STANDARD', 'END:VTIMEZONE',
  ].join('\r\n'),
  'Australia/Sydney': [
    'BEGIN:VTIMEZONE', 'TZID:Australia/Sydney',
    'BEGIN:STANDARD', 'TZOFFSETFROM:+1100', 'TZOFFSETTO:+1000', 'TZNAME:AEST', 'DTSTART:20080406T030000',
    'RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU', 'END:STANDARD',
    'BEGIN:DAYLIGHT', 'TZOFFSETFROM:+1000', 'TZOFFSETTO:+1100', 'TZNAME:AEDT', 'DTSTART:20081005T020000',
    'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU', 'END:DAYLIGHT', 'END:VTIMEZONE',
  ].join('\r\n'),
};
const ZONES = Object.fromEntries(
  Object.entries(VTIMEZONES).map(([id, text]) => [id, new ICAL.Timezone(new ICAL.Component(ICAL.parse(text)))]),
);
const lookup = (zone: string): ICAL.Timezone => {
  const tz = ZONES[zone];
  if (!tz) throw new Error(`no zone ${zone}`);
  return tz;
};
const NY = 'America/New_York';
const SYD = 'Australia/Sydney';

// ---------------------------------------------------------------------------------------------
// Independent calendar arithmetic (Date.UTC days, Intl wall clocks)

const DAY = 86_400_000;
interface D { y: number; m: number; d: number }
const parse = (s: string): D => ({ y: Number(s.slice(0, 4)), m: Number(s.slice(5, 7)), d: Number(s.slice(8, 10)) });
const dayNumber = (x: D) => Date.UTC(x.y, x.m - 1, x.d) / DAY;
const fromDayNumber = (n: number): D => {
  const t = new Date(n * DAY);
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
};
const weekdayOf = (x: D) => new Date(Date.UTC(x.y, x.m - 1, x.d)).getUTCDay();
const monthLength = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();
const startOf = (s: string): SeriesStart => {
  const x = parse(s);
  return { year: x.y, month: x.m, day: x.d, weekday: weekdayOf(x) };
};

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(zone: string, ms: number): { y: number; m: number; d: number; h: number; min: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map(x => [x.type, Number(x.value)]));
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour!, min: p.minute! };
}

/** UTC ms of a wall-clock time in a zone, from Intl (no ical.js involved). */
function localToUtc(zone: string, x: D, h = 0, min = 0): number {
  const want = Date.UTC(x.y, x.m - 1, x.d, h, min);
  let guess = want;
  for (let i = 0; i < 3; i++) {
    const w = wallClock(zone, guess);
    guess += want - Date.UTC(w.y, w.m - 1, w.d, w.h, w.min);
  }
  return guess;
}

// ---------------------------------------------------------------------------------------------
// The oracle: which local dates an EAS recurrence means, from the MS-ASCAL element definitions.

const weekIndex = (x: D, wkst: number) => Math.floor((dayNumber(x) - ((wkst - 4 + 7) % 7)) / 7); // day 0 is a Thursday

function isNth(x: D, mask: number, weekOfMonth: number): boolean {
  const days: number[] = [];
  for (let d = 1; d <= monthLength(x.y, x.m); d++) if (mask & (1 << weekdayOf({ ...x, d }))) days.push(d);
  return (weekOfMonth === 5 ? days[days.length - 1] : days[weekOfMonth - 1]) === x.d; // 2.2.2.48: 5 = last
}

function easMatches(r: Recurrence, start: D, x: D): boolean {
  const every = (n: number) => n % r.interval === 0;
  const months = (x.y - start.y) * 12 + x.m - start.m;
  const onDay = r.dayOfWeek === undefined || (r.dayOfWeek & (1 << weekdayOf(x))) !== 0;
  switch (r.type) {
    case 0: return every(dayNumber(x) - dayNumber(start)) && onDay;
    case 1: return every(weekIndex(x, r.firstDayOfWeek ?? 1) - weekIndex(start, r.firstDayOfWeek ?? 1)) && onDay;
    case 2: return every(months) && x.d === r.dayOfMonth;
    case 3: return every(months) && isNth(x, r.dayOfWeek!, r.weekOfMonth!);
    case 5: return every(x.y - start.y) && x.m === r.monthOfYear && x.d === r.dayOfMonth;
    case 6: return every(x.y - start.y) && x.m === r.monthOfYear && isNth(x, r.dayOfWeek!, r.weekOfMonth!);
  }
}

/** UTC ms starts at 09:30 local of the oracle's dates from `start` up to `end` (exclusive). */
function oracle(r: Recurrence, zone: string, start: D, end: number): number[] {
  const out: number[] = [];
  for (let n = dayNumber(start); n * DAY < end + DAY; n++) {
    const x = fromDayNumber(n);
    if (!easMatches(r, start, x)) continue;
    const ms = localToUtc(zone, x, 9, 30);
    if (ms >= end || (r.occurrences !== undefined && out.length >= r.occurrences)) break;
    if (r.until !== undefined && ms > r.until) break;
    out.push(ms);
  }
  return out;
}

/** ical.js's own expansion of the RRULE text on a VEVENT at 09:30 local (ICAL.Event iterator). */
function icalReference(rrule: string, zone: string, start: D, end: number): number[] {
  const ymd = `${start.y}${String(start.m).padStart(2, '0')}${String(start.d).padStart(2, '0')}`;
  const text = [
    'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene//recurrence test//EN', VTIMEZONES[zone]!,
    'BEGIN:VEVENT', 'UID:ref@convene.test', 'DTSTAMP:20240101T000000Z',
    `DTSTART;TZID=${zone}:${ymd}T093000`, `DTEND;TZID=${zone}:${ymd}T103000`, `RRULE:${rrule}`,
    'END:VEVENT', 'END:VCALENDAR',
  ].join('\r\n');
  const event = new ICAL.Event(new ICAL.Component(ICAL.parse(text)).getFirstSubcomponent('vevent')!);
  const it = event.iterator();
  const out: number[] = [];
  for (let t = it.next(); t; t = it.next()) {
    const ms = t.toUnixTime() * 1000;
    if (ms >= end) break;
    out.push(ms);
  }
  return out;
}

function throwsCode(fn: () => unknown, code: RecurrenceErrorCode): void {
  assert.throws(fn, (e: unknown) => e instanceof RecurrenceError && e.code === code);
}

// ---------------------------------------------------------------------------------------------
// The mapping table: each pair maps both ways identically (toRRule gives the canonical form).
// `modelOnly`: fields RRULE has no part for; toRRule ignores them and the caller keeps them.

interface Pair {
  name: string;
  start: string;
  eas: Recurrence;
  rrule: string;
  modelOnly?: Array<keyof Recurrence>;
}

const PAIRS: Pair[] = [
  { name: 'MS-ASCAL 2.2.2.45 Type 0: every day', start: '2024-01-02', eas: { type: 0, interval: 1 }, rrule: 'FREQ=DAILY' },
  { name: 'MS-ASCAL 2.2.2.25 Interval: every 3 days', start: '2024-01-02', eas: { type: 0, interval: 3 }, rrule: 'FREQ=DAILY;INTERVAL=3' },
  { name: 'MS-ASCAL 2.2.2.32 Occurrences: 10 days', start: '2024-03-05', eas: { type: 0, interval: 1, occurrences: 10 }, rrule: 'FREQ=DAILY;COUNT=10' },
  {
    name: 'MS-ASCAL 2.2.2.15 Type 0 + DayOfWeek 62, Interval 2: every other day, weekdays only', start: '2024-01-01',
    eas: { type: 0, interval: 2, dayOfWeek: 62 }, rrule: 'FREQ=DAILY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR',
  },
  { name: 'MS-ASCAL 2.2.2.45 Type 1: Mondays', start: '2024-01-01', eas: { type: 1, interval: 1, dayOfWeek: 2 }, rrule: 'FREQ=WEEKLY;BYDAY=MO' },
  { name: 'MS-ASCAL 2.2.2.15 DayOfWeek 64: Saturdays', start: '2024-01-06', eas: { type: 1, interval: 1, dayOfWeek: 64 }, rrule: 'FREQ=WEEKLY;BYDAY=SA' },
  { name: 'MS-ASCAL 2.2.2.15 DayOfWeek 62: weekdays', start: '2024-01-01', eas: { type: 1, interval: 1, dayOfWeek: 62 }, rrule: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { name: 'MS-ASCAL 2.2.2.15 DayOfWeek 65: weekend days', start: '2024-01-06', eas: { type: 1, interval: 1, dayOfWeek: 65 }, rrule: 'FREQ=WEEKLY;BYDAY=SU,SA' },
  {
    name: 'MS-ASCAL 2.2.2.15 DayOfWeek 127: every day of the week', start: '2024-01-01',
    eas: { type: 1, interval: 1, dayOfWeek: 127 }, rrule: 'FREQ=WEEKLY;BYDAY=SU,MO,TU,WE,TH,FR,SA',
  },
  {
    name: 'MS-ASCAL 2.2.2.15 DayOfWeek 42 + Occurrences: Mon/Wed/Fri, 20 times', start: '2024-01-01',
    eas: { type: 1, interval: 1, dayOfWeek: 42, occurrences: 20 }, rrule: 'FREQ=WEEKLY;COUNT=20;BYDAY=MO,WE,FR',
  },
  {
    name: 'MS-ASCAL 2.2.2.24 FirstDayOfWeek 0: Sun/Tue every 2 weeks, weeks from Sunday', start: '2024-01-02',
    eas: { type: 1, interval: 2, dayOfWeek: 5, firstDayOfWeek: 0 }, rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=SU',
  },
  {
    name: 'MS-ASCAL 2.2.2.24 FirstDayOfWeek 1: Sun/Tue every 2 weeks, weeks from Monday', start: '2024-01-02',
    eas: { type: 1, interval: 2, dayOfWeek: 5, firstDayOfWeek: 1 }, rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,TU;WKST=MO',
  },
  {
    name: 'MS-ASCAL 2.2.2.47 Until: Wednesdays until 26 June 2024 14:30Z', start: '2024-01-03',
    eas: { type: 1, interval: 1, dayOfWeek: 8, until: Date.UTC(2024, 5, 26, 14, 30) }, rrule: 'FREQ=WEEKLY;UNTIL=20240626T143000Z;BYDAY=WE',
  },
  { name: 'MS-ASCAL 2.2.2.14 Type 2: the 15th', start: '2024-01-15', eas: { type: 2, interval: 1, dayOfMonth: 15 }, rrule: 'FREQ=MONTHLY;BYMONTHDAY=15' },
  {
    name: 'MS-ASCAL 2.2.2.14 Type 2: the 31st every 2 months (months without one are skipped)', start: '2024-01-31',
    eas: { type: 2, interval: 2, dayOfMonth: 31 }, rrule: 'FREQ=MONTHLY;INTERVAL=2;BYMONTHDAY=31',
  },
  {
    name: 'MS-ASCAL 2.2.2.32 Type 2 + Occurrences: the 1st, 12 times', start: '2024-02-01',
    eas: { type: 2, interval: 1, occurrences: 12, dayOfMonth: 1 }, rrule: 'FREQ=MONTHLY;COUNT=12;BYMONTHDAY=1',
  },
  { name: 'MS-ASCAL 2.2.2.48 Type 3 WeekOfMonth 1: first Monday', start: '2024-01-01', eas: { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 1 }, rrule: 'FREQ=MONTHLY;BYDAY=1MO' },
  { name: 'MS-ASCAL 2.2.2.48 Type 3 WeekOfMonth 2: second Tuesday', start: '2024-01-09', eas: { type: 3, interval: 1, dayOfWeek: 4, weekOfMonth: 2 }, rrule: 'FREQ=MONTHLY;BYDAY=2TU' },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 3 WeekOfMonth 3, Interval 3: third Wednesday quarterly', start: '2024-01-17',
    eas: { type: 3, interval: 3, dayOfWeek: 8, weekOfMonth: 3 }, rrule: 'FREQ=MONTHLY;INTERVAL=3;BYDAY=3WE',
  },
  { name: 'MS-ASCAL 2.2.2.48 Type 3 WeekOfMonth 4: fourth Thursday', start: '2024-01-25', eas: { type: 3, interval: 1, dayOfWeek: 16, weekOfMonth: 4 }, rrule: 'FREQ=MONTHLY;BYDAY=4TH' },
  { name: 'MS-ASCAL 2.2.2.48 Type 3 WeekOfMonth 5: last Friday', start: '2024-01-26', eas: { type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5 }, rrule: 'FREQ=MONTHLY;BYDAY=-1FR' },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 3, DayOfWeek 62, WeekOfMonth 5: last weekday of the month', start: '2024-01-31',
    eas: { type: 3, interval: 1, dayOfWeek: 62, weekOfMonth: 5 }, rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
  },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 3, DayOfWeek 65, WeekOfMonth 1: first weekend day', start: '2024-01-06',
    eas: { type: 3, interval: 1, dayOfWeek: 65, weekOfMonth: 1 }, rrule: 'FREQ=MONTHLY;BYDAY=SU,SA;BYSETPOS=1',
  },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 3, DayOfWeek 20, WeekOfMonth 2: second Tuesday-or-Thursday', start: '2024-01-04',
    eas: { type: 3, interval: 1, dayOfWeek: 20, weekOfMonth: 2 }, rrule: 'FREQ=MONTHLY;BYDAY=TU,TH;BYSETPOS=2',
  },
  {
    name: 'MS-ASCAL 2.2.2.15 Type 3, DayOfWeek 127, WeekOfMonth 5: last day of the month', start: '2024-01-31',
    eas: { type: 3, interval: 1, dayOfWeek: 127, weekOfMonth: 5 }, rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1',
  },
  {
    name: 'MS-ASCAL 2.2.2.15 Type 3, DayOfWeek 127, WeekOfMonth 2: second day of the month', start: '2024-01-02',
    eas: { type: 3, interval: 1, dayOfWeek: 127, weekOfMonth: 2 }, rrule: 'FREQ=MONTHLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=2',
  },
  {
    name: 'MS-ASCAL 2.2.2.29 Type 5: 14 July', start: '2024-07-14',
    eas: { type: 5, interval: 1, dayOfMonth: 14, monthOfYear: 7 }, rrule: 'FREQ=YEARLY;BYMONTHDAY=14;BYMONTH=7',
  },
  {
    name: 'MS-ASCAL 2.2.2.29 Type 5: 29 February (leap years only)', start: '2024-02-29',
    eas: { type: 5, interval: 1, dayOfMonth: 29, monthOfYear: 2 }, rrule: 'FREQ=YEARLY;BYMONTHDAY=29;BYMONTH=2',
  },
  {
    name: 'MS-ASCAL 2.2.2.25 Type 5 Interval 2: every other year (Interval counts years)', start: '2024-04-10',
    eas: { type: 5, interval: 2, dayOfMonth: 10, monthOfYear: 4 }, rrule: 'FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=10;BYMONTH=4',
  },
  {
    name: 'MS-ASCAL 2.2.2.45 Type 6: fourth Thursday of November', start: '2024-11-28',
    eas: { type: 6, interval: 1, dayOfWeek: 16, weekOfMonth: 4, monthOfYear: 11 }, rrule: 'FREQ=YEARLY;BYDAY=4TH;BYMONTH=11',
  },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 6 WeekOfMonth 5: last Sunday of March', start: '2024-03-31',
    eas: { type: 6, interval: 1, dayOfWeek: 1, weekOfMonth: 5, monthOfYear: 3 }, rrule: 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3',
  },
  {
    name: 'MS-ASCAL 2.2.2.48 Type 6, DayOfWeek 62, WeekOfMonth 5: last weekday of December', start: '2024-12-31',
    eas: { type: 6, interval: 1, dayOfWeek: 62, weekOfMonth: 5, monthOfYear: 12 }, rrule: 'FREQ=YEARLY;BYDAY=MO,TU,WE,TH,FR;BYMONTH=12;BYSETPOS=-1',
  },
  {
    name: 'MS-ASCAL 2.2.2.15 Type 6, DayOfWeek 127, WeekOfMonth 5: last day of February', start: '2024-02-29',
    eas: { type: 6, interval: 1, dayOfWeek: 127, weekOfMonth: 5, monthOfYear: 2 }, rrule: 'FREQ=YEARLY;BYMONTHDAY=-1;BYMONTH=2',
  },
  {
    name: 'MS-ASCAL 2.2.2.10 CalendarType 1 (Gregorian) is kept on the model', start: '2024-01-15',
    eas: { type: 2, interval: 1, dayOfMonth: 15, calendarType: 1 }, rrule: 'FREQ=MONTHLY;BYMONTHDAY=15', modelOnly: ['calendarType'],
  },
  {
    name: 'MS-ASCAL 2.2.2.10 CalendarType 3 (Japanese Emperor Era: Gregorian months) yearly', start: '2024-05-03',
    eas: { type: 5, interval: 1, dayOfMonth: 3, monthOfYear: 5, calendarType: 3 }, rrule: 'FREQ=YEARLY;BYMONTHDAY=3;BYMONTH=5', modelOnly: ['calendarType'],
  },
  {
    name: 'MS-ASCAL 2.2.2.26 IsLeapMonth + CalendarType 15 (Chinese lunar) on a weekly rule (weeks are calendar-free)', start: '2024-01-01',
    eas: { type: 1, interval: 1, dayOfWeek: 2, calendarType: 15, isLeapMonth: false }, rrule: 'FREQ=WEEKLY;BYDAY=MO',
    modelOnly: ['calendarType', 'isLeapMonth'],
  },
];

function withoutModelOnly(pair: Pair): Recurrence {
  const r: Recurrence = { ...pair.eas };
  for (const key of pair.modelOnly ?? []) delete r[key];
  return r;
}

describe('EAS ⇄ RRULE mapping table (both directions identical)', () => {
  for (const pair of PAIRS) {
    test(pair.name, () => {
      assert.equal(toRRule(pair.eas, startOf(pair.start)), pair.rrule);
      assert.deepEqual(fromRRule(pair.rrule, startOf(pair.start)), withoutModelOnly(pair));
      assert.equal(toRRule(fromRRule(pair.rrule, startOf(pair.start)), startOf(pair.start)), pair.rrule);
    });
  }

  test('the table covers every Type, WeekOfMonth 1–5 and the DayOfWeek classes', () => {
    assert.deepEqual([...new Set(PAIRS.map(p => p.eas.type))].sort(), [0, 1, 2, 3, 5, 6]);
    assert.deepEqual([...new Set(PAIRS.map(p => p.eas.weekOfMonth).filter(w => w))].sort(), [1, 2, 3, 4, 5]);
    for (const mask of [1, 2, 4, 8, 16, 32, 64, 62, 65, 127]) assert.ok(PAIRS.some(p => p.eas.dayOfWeek === mask), `mask ${mask}`);
  });

  test('MS-ASCAL 2.2.2.47 Until of an all-day series is a DATE in the series zone', () => {
    const until = localToUtc(NY, parse('2024-03-15'));
    const eas: Recurrence = { type: 0, interval: 1, until };
    const opts = { allDay: true, zone: lookup(NY) };
    assert.equal(toRRule(eas, startOf('2024-03-01'), opts), 'FREQ=DAILY;UNTIL=20240315');
    assert.deepEqual(fromRRule('FREQ=DAILY;UNTIL=20240315', startOf('2024-03-01'), opts), eas);
  });

  test('MS-ASCAL 2.2.2.15 Type 0 + DayOfWeek, Interval 1 ("every weekday") is WEEKLY and comes back as Type 1', () => {
    const rrule = toRRule({ type: 0, interval: 1, dayOfWeek: 62 }, startOf('2024-01-01'));
    assert.equal(rrule, 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR');
    assert.deepEqual(fromRRule(rrule, startOf('2024-01-01')), { type: 1, interval: 1, dayOfWeek: 62 });
  });

  test('absent Type 2/3/5/6 fields come from DTSTART (RFC 5545 defaults)', () => {
    const s = startOf('2024-03-29'); // the fifth (last) Friday of March
    assert.equal(toRRule({ type: 1, interval: 1 }, s), 'FREQ=WEEKLY;BYDAY=FR');
    assert.equal(toRRule({ type: 2, interval: 1 }, s), 'FREQ=MONTHLY;BYMONTHDAY=29');
    assert.equal(toRRule({ type: 3, interval: 1 }, s), 'FREQ=MONTHLY;BYDAY=-1FR');
    assert.equal(toRRule({ type: 5, interval: 1 }, s), 'FREQ=YEARLY;BYMONTHDAY=29;BYMONTH=3');
    assert.equal(toRRule({ type: 6, interval: 1, dayOfWeek: 2, weekOfMonth: 1 }, s), 'FREQ=YEARLY;BYDAY=1MO;BYMONTH=3');
  });

  test('a kept rrule is returned unchanged', () => {
    const r: Recurrence = { type: 2, interval: 1, dayOfMonth: 1, rrule: 'FREQ=MONTHLY;BYMONTHDAY=1,15' };
    assert.equal(toRRule(r, startOf('2024-01-01')), 'FREQ=MONTHLY;BYMONTHDAY=1,15');
  });
});

// ---------------------------------------------------------------------------------------------
// Expansion of every table pattern: oracle = ical.js reference = occurrenceStarts, wall clock kept.

describe('expansion over three years keeps the wall-clock time across DST', () => {
  for (const zone of [NY, SYD]) {
    for (const pair of PAIRS) {
      test(`${zone}: ${pair.name}`, () => {
        const start = parse(pair.start);
        const startMs = localToUtc(zone, start, 9, 30);
        const window = { from: localToUtc(zone, parse('2024-01-01')), to: localToUtc(zone, parse('2027-01-01')) };
        const expected = oracle(pair.eas, zone, start, window.to);
        const event = { start: startMs, end: startMs + 3_600_000, timeZone: zone, allDay: false, recurrence: pair.eas };
        assert.ok(expected.length > 0);
        assert.deepEqual(occurrenceStarts(event, window, lookup), expected);
        assert.deepEqual(icalReference(pair.rrule, zone, start, window.to), expected);
        for (const ms of expected) assert.deepEqual([wallClock(zone, ms).h, wallClock(zone, ms).min], [9, 30]);
        if (expected.length >= 12 && expected[expected.length - 1]! - expected[0]! > 300 * DAY) {
          const offsets = new Set(expected.map(ms => new Date(ms).getUTCHours()));
          assert.equal(offsets.size, 2, 'occurrences on both sides of a DST change');
        }
      });
    }
  }

  for (const pair of PAIRS.filter(p => p.eas.type <= 1)) {
    test(`windows years after DTSTART (skip-ahead keeps the INTERVAL phase): ${pair.name}`, () => {
      const start = parse(pair.start);
      const event = { start: localToUtc(NY, start, 9, 30), timeZone: NY, allDay: false, recurrence: pair.eas };
      for (const from of ['2030-03-01', '2030-03-08', '2030-03-12']) {
        const window = { from: localToUtc(NY, parse(from)), to: localToUtc(NY, parse('2030-11-15')) };
        const expected = oracle(pair.eas, NY, start, window.to).filter(ms => ms >= window.from);
        assert.deepEqual(occurrenceStarts(event, window, lookup), expected, from);
      }
    });
  }

  test('all-day series: occurrences at local midnight, through the New York spring change', () => {
    const start = localToUtc(NY, parse('2024-03-08'));
    const event = { start, end: start + DAY, timeZone: NY, allDay: true, recurrence: { type: 0 as const, interval: 1, occurrences: 5 } };
    const expected = ['2024-03-08', '2024-03-09', '2024-03-10', '2024-03-11', '2024-03-12'].map(d => localToUtc(NY, parse(d)));
    assert.deepEqual(occurrenceStarts(event, { from: start - DAY, to: start + 10 * DAY }, lookup), expected);
    assert.equal(expected[3]! - expected[2]!, 23 * 3_600_000);
  });
});

// ---------------------------------------------------------------------------------------------
// RRULEs EAS expresses exactly but not in canonical form: no rrule kept, same occurrences.

interface Exact {
  name: string;
  start: string;
  rrule: string;
  eas: Recurrence;
  canonical: string;
}

const EXACT: Exact[] = [
  { name: 'WEEKLY without BYDAY takes DTSTART\'s weekday', start: '2024-01-03', rrule: 'FREQ=WEEKLY', eas: { type: 1, interval: 1, dayOfWeek: 8 }, canonical: 'FREQ=WEEKLY;BYDAY=WE' },
  { name: 'MONTHLY without BYMONTHDAY takes DTSTART\'s day', start: '2024-01-15', rrule: 'FREQ=MONTHLY', eas: { type: 2, interval: 1, dayOfMonth: 15 }, canonical: 'FREQ=MONTHLY;BYMONTHDAY=15' },
  { name: 'YEARLY bare takes DTSTART\'s month and day', start: '2024-07-14', rrule: 'FREQ=YEARLY', eas: { type: 5, interval: 1, dayOfMonth: 14, monthOfYear: 7 }, canonical: 'FREQ=YEARLY;BYMONTHDAY=14;BYMONTH=7' },
  { name: 'YEARLY;BYMONTH takes DTSTART\'s day', start: '2024-07-14', rrule: 'FREQ=YEARLY;BYMONTH=7', eas: { type: 5, interval: 1, dayOfMonth: 14, monthOfYear: 7 }, canonical: 'FREQ=YEARLY;BYMONTHDAY=14;BYMONTH=7' },
  { name: 'DAILY;BYDAY with INTERVAL 1 is Type 1', start: '2024-01-01', rrule: 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', eas: { type: 1, interval: 1, dayOfWeek: 62 }, canonical: 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR' },
  { name: 'lower case, explicit INTERVAL=1', start: '2024-01-26', rrule: 'freq=monthly;interval=1;byday=-1fr', eas: { type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5 }, canonical: 'FREQ=MONTHLY;BYDAY=-1FR' },
  {
    name: '"RRULE:" prefix and parts in another order', start: '2024-01-31', rrule: 'RRULE:BYSETPOS=-1;BYDAY=FR,TH,WE,TU,MO;FREQ=MONTHLY',
    eas: { type: 3, interval: 1, dayOfWeek: 62, weekOfMonth: 5 }, canonical: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
  },
  { name: 'one weekday with BYSETPOS is the nth-weekday form', start: '2024-01-08', rrule: 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=2', eas: { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 2 }, canonical: 'FREQ=MONTHLY;BYDAY=2MO' },
  { name: 'every Monday of every month is every Monday', start: '2024-01-01', rrule: 'FREQ=MONTHLY;BYDAY=MO', eas: { type: 1, interval: 1, dayOfWeek: 2 }, canonical: 'FREQ=WEEKLY;BYDAY=MO' },
  {
    name: 'MONTHLY;BYMONTH=3 is yearly in March', start: '2024-03-10', rrule: 'FREQ=MONTHLY;BYMONTH=3;BYDAY=2SU',
    eas: { type: 6, interval: 1, dayOfWeek: 1, weekOfMonth: 2, monthOfYear: 3 }, canonical: 'FREQ=YEARLY;BYDAY=2SU;BYMONTH=3',
  },
  { name: 'YEARLY;BYDAY without BYMONTH is every such weekday', start: '2024-01-01', rrule: 'FREQ=YEARLY;BYDAY=MO', eas: { type: 1, interval: 1, dayOfWeek: 2 }, canonical: 'FREQ=WEEKLY;BYDAY=MO' },
  { name: 'YEARLY;BYMONTHDAY without BYMONTH is every month (RFC 5545 expand)', start: '2024-01-15', rrule: 'FREQ=YEARLY;BYMONTHDAY=15', eas: { type: 2, interval: 1, dayOfMonth: 15 }, canonical: 'FREQ=MONTHLY;BYMONTHDAY=15' },
  {
    name: 'first day of June as BYSETPOS over all days', start: '2024-06-01', rrule: 'FREQ=YEARLY;BYMONTH=6;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=1',
    eas: { type: 6, interval: 1, dayOfWeek: 127, weekOfMonth: 1, monthOfYear: 6 }, canonical: 'FREQ=YEARLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYMONTH=6;BYSETPOS=1',
  },
];

describe('exact but non-canonical RRULEs: EAS fields alone, the same occurrences', () => {
  for (const c of EXACT) {
    test(c.name, () => {
      const s = startOf(c.start);
      const r = fromRRule(c.rrule, s);
      assert.deepEqual(r, c.eas);
      assert.equal(toRRule(r, s), c.canonical);
      const dtstart = ICAL.Time.fromData({ year: s.year, month: s.month, day: s.day, hour: 9, minute: 30 }, lookup(NY));
      const until = ICAL.Time.fromData({ year: 2027, month: 1, day: 1 }, lookup(NY));
      const strings = (rule: string) => expand({ rrule: rule, dtstart, until, max: 2000 }).map(t => t.toUnixTime());
      assert.deepEqual(strings(c.canonical), strings(c.rrule));
    });
  }

  test('a DATE UNTIL on a timed series means that whole day (repaired, not kept)', () => {
    const opts = { zone: lookup(NY) };
    const r = fromRRule('FREQ=DAILY;UNTIL=20240315', startOf('2024-03-01'), opts);
    assert.deepEqual(r, { type: 0, interval: 1, until: localToUtc(NY, parse('2024-03-16')) - 1000 });
    assert.equal(toRRule(r, startOf('2024-03-01'), opts), 'FREQ=DAILY;UNTIL=20240316T035959Z');
  });

  test('COUNT above 999 becomes the Until of the last occurrence when DTSTART is known', () => {
    const start = ICAL.Time.fromData({ year: 2024, month: 1, day: 1, hour: 9, minute: 30 }, lookup(NY));
    const r = fromRRule('FREQ=DAILY;COUNT=1500', startOf('2024-01-01'), { start, zone: lookup(NY) });
    const last = localToUtc(NY, fromDayNumber(dayNumber(parse('2024-01-01')) + 1499), 9, 30);
    assert.deepEqual(r, { type: 0, interval: 1, until: last });
  });
});

// ---------------------------------------------------------------------------------------------
// RRULEs EAS cannot express: kept verbatim in `rrule`, with the documented closest EAS fields.

interface Kept {
  name: string;
  start: string;
  rrule: string;
  closest: Omit<Recurrence, 'rrule'>;
}

const KEPT: Kept[] = [
  { name: 'BYMONTHDAY list → the first day', start: '2024-01-01', rrule: 'FREQ=MONTHLY;BYMONTHDAY=1,15', closest: { type: 2, interval: 1, dayOfMonth: 1 } },
  { name: 'several nth weekdays → the first', start: '2024-01-01', rrule: 'FREQ=MONTHLY;BYDAY=1MO,3MO', closest: { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 1 } },
  { name: 'BYDAY with BYMONTHDAY (Friday the 13th) → the day of month', start: '2024-09-13', rrule: 'FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13', closest: { type: 2, interval: 1, dayOfMonth: 13 } },
  { name: 'fifth Monday → WeekOfMonth 5 (last)', start: '2024-01-29', rrule: 'FREQ=MONTHLY;BYDAY=5MO', closest: { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 5 } },
  { name: 'second-to-last Friday → WeekOfMonth 5 (last)', start: '2024-01-19', rrule: 'FREQ=MONTHLY;BYDAY=-2FR', closest: { type: 3, interval: 1, dayOfWeek: 32, weekOfMonth: 5 } },
  { name: 'BYMONTHDAY=-2 → DTSTART\'s day', start: '2024-01-30', rrule: 'FREQ=MONTHLY;BYMONTHDAY=-2', closest: { type: 2, interval: 1, dayOfMonth: 30 } },
  { name: 'BYSETPOS list → the first position', start: '2024-01-01', rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1', closest: { type: 3, interval: 1, dayOfWeek: 62, weekOfMonth: 1 } },
  { name: 'every Tuesday of every other month → nth Tuesday of DTSTART', start: '2024-01-09', rrule: 'FREQ=MONTHLY;INTERVAL=2;BYDAY=TU', closest: { type: 3, interval: 2, dayOfWeek: 4, weekOfMonth: 2 } },
  { name: 'BYMONTH list → the first month', start: '2024-01-01', rrule: 'FREQ=YEARLY;BYMONTH=1,7;BYDAY=1MO', closest: { type: 6, interval: 1, dayOfWeek: 2, weekOfMonth: 1, monthOfYear: 1 } },
  { name: 'every Monday of March → the nth Monday of March DTSTART is', start: '2024-03-11', rrule: 'FREQ=YEARLY;BYMONTH=3;BYDAY=MO', closest: { type: 6, interval: 1, dayOfWeek: 2, weekOfMonth: 2, monthOfYear: 3 } },
  { name: 'a date that exists in only one listed month → DTSTART\'s date', start: '2024-03-30', rrule: 'FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=30', closest: { type: 5, interval: 1, dayOfMonth: 30, monthOfYear: 3 } },
  { name: 'YEARLY;BYMONTHDAY every other year → monthly', start: '2024-01-15', rrule: 'FREQ=YEARLY;INTERVAL=2;BYMONTHDAY=15', closest: { type: 2, interval: 2, dayOfMonth: 15 } },
  { name: 'BYHOUR (twice a day) → daily', start: '2024-01-01', rrule: 'FREQ=DAILY;BYHOUR=9,17', closest: { type: 0, interval: 1 } },
  { name: 'DAILY;BYMONTH (summer only) → daily', start: '2024-06-01', rrule: 'FREQ=DAILY;BYMONTH=6,7,8', closest: { type: 0, interval: 1 } },
  { name: 'an X- part → the rest', start: '2024-01-01', rrule: 'FREQ=WEEKLY;BYDAY=MO;X-CONVENE=1', closest: { type: 1, interval: 1, dayOfWeek: 2 } },
  { name: 'RSCALE=HEBREW on a weekly rule → the weekly rule', start: '2024-01-01', rrule: 'RSCALE=HEBREW;FREQ=WEEKLY;BYDAY=MO', closest: { type: 1, interval: 1, dayOfWeek: 2 } },
  { name: 'COUNT above 999 without DTSTART → Occurrences 999', start: '2024-01-01', rrule: 'FREQ=DAILY;COUNT=1500', closest: { type: 0, interval: 1, occurrences: 999 } },
  { name: 'INTERVAL above 999 → 999', start: '2024-01-01', rrule: 'FREQ=DAILY;INTERVAL=1000', closest: { type: 0, interval: 999 } },
];

describe('RRULEs EAS cannot express survive in rrule beside the closest EAS form', () => {
  for (const c of KEPT) {
    test(c.name, () => {
      const s = startOf(c.start);
      const r = fromRRule(c.rrule, s);
      assert.deepEqual(r, { ...c.closest, rrule: c.rrule });
      assert.equal(toRRule(r, s), c.rrule);
    });
  }

  test('occurrences of a kept rule come from the rrule, not the closest form', () => {
    const start = localToUtc(NY, parse('2024-01-01'), 9, 30);
    const recurrence = fromRRule('FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=4', startOf('2024-01-01'));
    const event = { start, end: start + 3_600_000, timeZone: NY, allDay: false, recurrence };
    const expected = ['2024-01-01', '2024-01-15', '2024-02-01', '2024-02-15'].map(d => localToUtc(NY, parse(d), 9, 30));
    assert.deepEqual(occurrenceStarts(event, { from: start, to: start + 400 * DAY }, lookup), expected);
    assert.equal(seriesEnd(event, lookup), expected[3]! + 3_600_000);
  });
});

describe('refusals', () => {
  for (const freq of ['HOURLY', 'MINUTELY', 'SECONDLY']) {
    test(`FREQ=${freq} is RECURRENCE_UNSUPPORTED (EAS recurrences are at least daily)`, () => {
      throwsCode(() => fromRRule(`FREQ=${freq};INTERVAL=2`, startOf('2024-01-01')), 'RECURRENCE_UNSUPPORTED');
    });
  }
  test('MS-ASCAL 2.2.2.10 a lunar CalendarType on a month pattern is RECURRENCE_UNSUPPORTED', () => {
    throwsCode(() => toRRule({ type: 5, interval: 1, monthOfYear: 1, dayOfMonth: 1, calendarType: 15 }, startOf('2024-02-10')), 'RECURRENCE_UNSUPPORTED');
  });
  test('MS-ASCAL 2.2.2.45 Type 4 does not exist: toRRule refuses it', () => {
    throwsCode(() => toRRule({ type: 4 as Recurrence['type'], interval: 1 }, startOf('2024-01-01')), 'RECURRENCE_INVALID');
  });

  // Shapes ical.js 2.2 expands wrongly or without end (several loop forever inside one next()).
  const unsupported = [
    'RSCALE=CHINESE;FREQ=YEARLY;BYMONTH=1;BYMONTHDAY=1', 'FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO', 'FREQ=YEARLY;BYDAY=20MO',
    'FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15', 'FREQ=YEARLY;BYMONTH=2;BYDAY=5MO,5TU;BYSETPOS=2', 'FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=-1',
    'FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1', 'FREQ=YEARLY;BYMONTH=1,3;BYDAY=MO;BYSETPOS=1', 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5',
  ];
  for (const rrule of unsupported) {
    test(`"${rrule}" is RECURRENCE_UNSUPPORTED (fromRRule and expand)`, () => {
      throwsCode(() => fromRRule(rrule, startOf('2024-01-01')), 'RECURRENCE_UNSUPPORTED');
      const dtstart = ICAL.Time.fromData({ year: 2024, month: 1, day: 1, hour: 9 });
      throwsCode(() => expand({ rrule, dtstart, max: 10 }), 'RECURRENCE_UNSUPPORTED');
    });
  }

  const malformed = [
    '', 'INTERVAL=2', 'FREQ=FORTNIGHTLY', 'FREQ=DAILY;COUNT=0', 'FREQ=DAILY;INTERVAL=0', 'FREQ=DAILY;COUNT=3;UNTIL=20240101T000000Z',
    'FREQ=WEEKLY;BYDAY=XX', 'FREQ=MONTHLY;BYMONTHDAY=32', 'FREQ=MONTHLY;BYMONTHDAY=0', 'FREQ=DAILY;FREQ=WEEKLY', 'FREQ=DAILY;UNTIL=2024-01-01',
    'FREQ=YEARLY;BYMONTH=13', 'FREQ=DAILY;BYHOUR=24', 'FREQ=MONTHLY;BYDAY=6MO', 'FREQ=WEEKLY;BYMONTHDAY=1', 'FREQ=MONTHLY;BYYEARDAY=1',
    'FREQ=MONTHLY;BYWEEKNO=1', 'FREQ=DAILY;BYSETPOS=1',
    // Never occur; ical.js 2.2 loops forever on the DAILY/HOURLY ones.
    'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30', 'FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=-31',
    'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=31', 'FREQ=DAILY;BYDAY=1MO;BYMONTHDAY=15',
  ];
  for (const rrule of malformed) {
    test(`malformed or never-occurring "${rrule}" is RECURRENCE_INVALID (fromRRule and expand)`, () => {
      throwsCode(() => fromRRule(rrule, startOf('2024-01-01')), 'RECURRENCE_INVALID');
      const dtstart = ICAL.Time.fromData({ year: 2024, month: 1, day: 1, hour: 9 });
      throwsCode(() => expand({ rrule, dtstart, max: 10 }), 'RECURRENCE_INVALID');
    });
  }
});

// ---------------------------------------------------------------------------------------------
// validateRecurrence

const weekly: Recurrence = { type: 1, interval: 1, dayOfWeek: 2 };
const INVALID: Array<[string, Recurrence]> = [
  ['MS-ASCAL 2.2.2.45 Type 4', { type: 4 as Recurrence['type'], interval: 1 }],
  ['MS-ASCAL 2.2.2.45 Type 7', { type: 7 as Recurrence['type'], interval: 1 }],
  ['MS-ASCAL 2.2.2.25 Interval 0', { ...weekly, interval: 0 }],
  ['MS-ASCAL 2.2.2.25 Interval 1000', { ...weekly, interval: 1000 }],
  ['MS-ASCAL 2.2.2.25 Interval 1.5', { ...weekly, interval: 1.5 }],
  ['MS-ASCAL 2.2.2.32 Occurrences 0', { ...weekly, occurrences: 0 }],
  ['MS-ASCAL 2.2.2.32 Occurrences 1000', { ...weekly, occurrences: 1000 }],
  ['MS-ASCAL 2.2.2.32 both Occurrences and Until', { ...weekly, occurrences: 3, until: Date.UTC(2024, 5, 1) }],
  ['MS-ASCAL 2.2.2.47 Until not a time', { ...weekly, until: Number.NaN }],
  ['MS-ASCAL 2.2.2.15 weekly with an empty DayOfWeek', { type: 1, interval: 1, dayOfWeek: 0 }],
  ['MS-ASCAL 2.2.2.15 DayOfWeek 128', { type: 1, interval: 1, dayOfWeek: 128 }],
  ['MS-ASCAL 2.2.2.14 DayOfMonth 0', { type: 2, interval: 1, dayOfMonth: 0 }],
  ['MS-ASCAL 2.2.2.14 DayOfMonth 32', { type: 2, interval: 1, dayOfMonth: 32 }],
  ['MS-ASCAL 2.2.2.48 WeekOfMonth 0', { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 0 }],
  ['MS-ASCAL 2.2.2.48 WeekOfMonth 6', { type: 3, interval: 1, dayOfWeek: 2, weekOfMonth: 6 }],
  ['MS-ASCAL 2.2.2.29 MonthOfYear 0', { type: 5, interval: 1, dayOfMonth: 1, monthOfYear: 0 }],
  ['MS-ASCAL 2.2.2.29 MonthOfYear 13', { type: 5, interval: 1, dayOfMonth: 1, monthOfYear: 13 }],
  ['MS-ASCAL 2.2.2.24 FirstDayOfWeek 7', { ...weekly, firstDayOfWeek: 7 }],
  ['MS-ASCAL 2.2.2.10 CalendarType 13 (reserved)', { ...weekly, calendarType: 13 }],
  ['MS-ASCAL 2.2.2.26 IsLeapMonth not a boolean', { ...weekly, isLeapMonth: 1 as unknown as boolean }],
  ['Type 5 on 31 February (never occurs)', { type: 5, interval: 1, dayOfMonth: 31, monthOfYear: 2 }],
  ['Type 5 on 30 February (never occurs)', { type: 5, interval: 1, dayOfMonth: 30, monthOfYear: 2 }],
  ['Type 5 on 31 April (never occurs)', { type: 5, interval: 1, dayOfMonth: 31, monthOfYear: 4 }],
  ['Type 5 on 31 November (never occurs)', { type: 5, interval: 1, dayOfMonth: 31, monthOfYear: 11 }],
];

describe('validateRecurrence', () => {
  for (const [name, r] of INVALID) {
    test(`rejects ${name} with RECURRENCE_INVALID`, () => throwsCode(() => validateRecurrence(r), 'RECURRENCE_INVALID'));
  }
  for (const calendarType of [6, 8, 14, 15, 20]) {
    test(`MS-ASCAL 2.2.2.10 lunar CalendarType ${calendarType} on Type 2 is RECURRENCE_UNSUPPORTED`, () => {
      throwsCode(() => validateRecurrence({ type: 2, interval: 1, dayOfMonth: 1, calendarType }), 'RECURRENCE_UNSUPPORTED');
    });
  }
  const VALID: Array<[string, Recurrence]> = [
    ['Type 5 on 29 February', { type: 5, interval: 1, dayOfMonth: 29, monthOfYear: 2 }],
    ['Type 2 on the 31st', { type: 2, interval: 1, dayOfMonth: 31 }],
    ['Interval 999, Occurrences 999', { ...weekly, interval: 999, occurrences: 999 }],
    ['lunar CalendarType on a weekly rule', { ...weekly, calendarType: 8, isLeapMonth: true }],
    ['IsLeapMonth with the Gregorian calendar (no effect)', { type: 5, interval: 1, dayOfMonth: 1, monthOfYear: 1, calendarType: 1, isLeapMonth: true }],
    ['absent fields (filled from DTSTART later)', { type: 6, interval: 1 }],
  ];
  for (const [name, r] of VALID) test(`accepts ${name}`, () => validateRecurrence(r));
  for (const pair of PAIRS) test(`accepts the table's ${pair.name}`, () => validateRecurrence(pair.eas));
});

// ---------------------------------------------------------------------------------------------
// expand: bounds, RDATE/EXDATE, and the ical.js deviations it corrects

describe('expand', () => {
  const at = (s: string, h = 9, min = 30) => {
    const x = parse(s);
    return ICAL.Time.fromData({ year: x.y, month: x.m, day: x.d, hour: h, minute: min }, lookup(NY));
  };
  const days = (ts: ICAL.Time[]) => ts.map(t => t.toString().slice(0, 10));

  test('EXDATE (date-time or DATE) removes, RDATE adds, duplicates collapse', () => {
    const exdates = [at('2024-01-02'), ICAL.Time.fromData({ year: 2024, month: 1, day: 4, isDate: true })];
    const rdates = [at('2024-01-10'), at('2024-01-03')];
    const out = expand({ rrule: 'FREQ=DAILY;COUNT=5', dtstart: at('2024-01-01'), exdates, rdates, max: 10 });
    assert.deepEqual(days(out), ['2024-01-01', '2024-01-03', '2024-01-05', '2024-01-10']);
  });

  test('COUNT counts the rule\'s instances before EXDATE (RFC 5545 3.8.5.1)', () => {
    const out = expand({ rrule: 'FREQ=DAILY;COUNT=3', dtstart: at('2024-01-01'), exdates: [at('2024-01-02')], max: 10 });
    assert.deepEqual(days(out), ['2024-01-01', '2024-01-03']);
  });

  test('from, until and max bound an endless rule', () => {
    const out = expand({ rrule: 'FREQ=WEEKLY;BYDAY=MO', dtstart: at('2024-01-01'), from: at('2024-02-01'), until: at('2024-03-04'), max: 100 });
    assert.deepEqual(days(out), ['2024-02-05', '2024-02-12', '2024-02-19', '2024-02-26', '2024-03-04']);
    assert.equal(expand({ rrule: 'FREQ=DAILY', dtstart: at('2024-01-01'), max: 7 }).length, 7);
    assert.equal(expand({ rrule: 'FREQ=DAILY', dtstart: at('2024-01-01'), max: 0 }).length, 0);
  });

  test('more iterator steps than the budget is RECURRENCE_LIMIT, not a hang', () => {
    throwsCode(() => expand({ rrule: 'FREQ=MONTHLY', dtstart: at('2024-01-01'), from: at('2400-01-01'), max: 1, maxIterations: 1000 }), 'RECURRENCE_LIMIT');
  });

  test('an endless DAILY rule read from far ahead skips the years before (same phase, same wall clock)', () => {
    const out = expand({ rrule: 'FREQ=DAILY;INTERVAL=3', dtstart: at('2024-01-01'), from: at('2190-06-01', 0, 0), max: 3, maxIterations: 100 });
    const first = dayNumber(parse('2024-01-01'));
    const expected = [];
    for (let n = dayNumber(parse('2190-06-01')); expected.length < 3; n++) if ((n - first) % 3 === 0) expected.push(fromDayNumber(n));
    assert.deepEqual(out.map(t => [t.year, t.month, t.day, t.hour, t.minute]), expected.map(x => [x.y, x.m, x.d, 9, 30]));
  });

  test('a bare YEARLY from 29 February occurs in leap years only (ical.js 2.2 gives 1 March)', () => {
    assert.deepEqual(days(expand({ rrule: 'FREQ=YEARLY;COUNT=3', dtstart: at('2024-02-29'), max: 10 })), ['2024-02-29', '2028-02-29', '2032-02-29']);
  });

  test('impossible dates in a BYMONTH list are skipped, not rolled into the next month, and not counted', () => {
    const out = expand({ rrule: 'FREQ=YEARLY;BYMONTH=2,3;BYMONTHDAY=30;COUNT=3', dtstart: at('2024-03-30'), max: 10 });
    assert.deepEqual(days(out), ['2024-03-30', '2025-03-30', '2026-03-30']);
  });

  test('YEARLY;BYMONTHDAY without BYMONTH is that day of every month (ical.js 2.2 gives January only)', () => {
    const out = expand({ rrule: 'FREQ=YEARLY;BYMONTHDAY=31;COUNT=4', dtstart: at('2024-01-31'), max: 10 });
    assert.deepEqual(days(out), ['2024-01-31', '2024-03-31', '2024-05-31', '2024-07-31']);
  });

  test('BYHOUR: a DTSTART off the listed hours is no occurrence, also after a skip-ahead', () => {
    const hours = (ts: ICAL.Time[]) => ts.map(t => t.toString().slice(0, 13));
    const out = expand({ rrule: 'FREQ=DAILY;BYHOUR=9,17;COUNT=3', dtstart: at('2024-01-01', 10, 0), max: 10 });
    assert.deepEqual(hours(out), ['2024-01-01T17', '2024-01-02T09', '2024-01-02T17']);
    const far = expand({ rrule: 'FREQ=DAILY;BYHOUR=9,17', dtstart: at('2024-01-01', 10, 0), from: at('2030-01-01', 0, 0), max: 2 });
    assert.deepEqual(hours(far), ['2030-01-01T09', '2030-01-01T17']);
  });

  test('an all-day DATE series with a DATE UNTIL', () => {
    const dtstart = ICAL.Time.fromData({ year: 2024, month: 1, day: 1, isDate: true });
    assert.deepEqual(days(expand({ rrule: 'FREQ=WEEKLY;UNTIL=20240115;BYDAY=MO', dtstart, max: 10 })), ['2024-01-01', '2024-01-08', '2024-01-15']);
  });
});

// ---------------------------------------------------------------------------------------------
// occurrenceStarts and seriesEnd on model events with exceptions

describe('occurrenceStarts with MS-ASCAL 2.2.2.19 Exceptions', () => {
  const local = (d: string, h = 9, min = 30) => localToUtc(NY, parse(d), h, min);
  const HOUR = 3_600_000;
  const mondays = (exceptions: Exception[] = [], end = local('2024-01-01') + HOUR) => ({
    start: local('2024-01-01'), end, timeZone: NY, allDay: false, exceptions,
    recurrence: { type: 1 as const, interval: 1, dayOfWeek: 2 },
  });
  const january = { from: local('2024-01-01', 0, 0), to: local('2024-02-01', 0, 0) };

  test('a deleted occurrence is gone, a moved one is at its new start', () => {
    const event = mondays([
      { originalStart: local('2024-01-15'), deleted: true, overrides: {} },
      { originalStart: local('2024-01-22'), overrides: { start: local('2024-01-23', 10, 0), end: local('2024-01-23', 11, 0) } },
      { originalStart: local('2024-01-08'), overrides: { subject: 'same time, other subject' } },
    ]);
    assert.deepEqual(occurrenceStarts(event, january, lookup), [local('2024-01-01'), local('2024-01-08'), local('2024-01-23', 10, 0), local('2024-01-29')]);
  });

  test('an occurrence moved into the window from outside it is included; one moved out is not', () => {
    const event = mondays([
      { originalStart: local('2024-02-05'), overrides: { start: local('2024-01-31', 12, 0) } },
      { originalStart: local('2024-01-29'), overrides: { start: local('2024-02-10', 12, 0) } },
    ]);
    const window = { from: local('2024-01-28', 0, 0), to: local('2024-02-03', 0, 0) };
    assert.deepEqual(occurrenceStarts(event, window, lookup), [local('2024-01-31', 12, 0)]);
  });

  test('an exception for a start that is no occurrence is ignored', () => {
    const event = mondays([{ originalStart: local('2024-01-03'), overrides: { start: local('2024-01-04') } }]);
    assert.deepEqual(occurrenceStarts(event, { from: local('2024-01-02', 0, 0), to: local('2024-01-06', 0, 0) }, lookup), []);
  });

  test('with an end, an occurrence still running at the window start counts; without one it does not', () => {
    const window = { from: local('2024-01-08', 10, 0), to: local('2024-01-09', 0, 0) };
    assert.deepEqual(occurrenceStarts(mondays(), window, lookup), [local('2024-01-08')]);
    const { end: _end, ...noEnd } = mondays();
    assert.deepEqual(occurrenceStarts(noEnd, window, lookup), []);
  });

  test('a single event, and the UTC zone (never looked up)', () => {
    const start = Date.UTC(2024, 0, 1, 9);
    const single = { start, end: start + HOUR, timeZone: 'UTC', allDay: false };
    const never = (): ICAL.Timezone => { throw new Error('looked up'); };
    assert.deepEqual(occurrenceStarts(single, { from: start - DAY, to: start + DAY }, never), [start]);
    const daily = { ...single, recurrence: { type: 0 as const, interval: 1, occurrences: 3 } };
    assert.deepEqual(occurrenceStarts(daily, { from: start, to: start + 10 * DAY }, never), [start, start + DAY, start + 2 * DAY]);
  });

  test('an all-day exception given at UTC midnight still finds its local day', () => {
    const start = localToUtc(NY, parse('2024-03-08'));
    const event = {
      start, end: start + DAY, timeZone: NY, allDay: true, recurrence: { type: 0 as const, interval: 1, occurrences: 3 },
      exceptions: [{ originalStart: Date.UTC(2024, 2, 9), deleted: true, overrides: {} }],
    };
    assert.deepEqual(occurrenceStarts(event, { from: start, to: start + 5 * DAY }, lookup), [start, localToUtc(NY, parse('2024-03-10'))]);
  });
});

describe('seriesEnd (the FilterType time of a series)', () => {
  const local = (d: string, h = 9, min = 30) => localToUtc(NY, parse(d), h, min);
  const HOUR = 3_600_000;
  const series = (recurrence: Recurrence, exceptions: Exception[] = []) => ({
    start: local('2024-01-01'), end: local('2024-01-01') + HOUR, timeZone: NY, allDay: false, recurrence, exceptions,
  });
  const weekly5: Recurrence = { type: 1, interval: 1, dayOfWeek: 2, occurrences: 5 };

  test('Occurrences: the end of the last one', () => assert.equal(seriesEnd(series(weekly5), lookup), local('2024-01-29') + HOUR));
  test('Until: the last occurrence not after it', () => {
    assert.equal(seriesEnd(series({ type: 1, interval: 1, dayOfWeek: 2, until: local('2024-01-20') }), lookup), local('2024-01-15') + HOUR);
  });
  test('endless: null', () => assert.equal(seriesEnd(series({ type: 1, interval: 1, dayOfWeek: 2 }), lookup), null));
  test('the last occurrence deleted: the one before', () => {
    const x = [{ originalStart: local('2024-01-29'), deleted: true, overrides: {} }];
    assert.equal(seriesEnd(series(weekly5, x), lookup), local('2024-01-22') + HOUR);
  });
  test('an occurrence moved after the last: its end', () => {
    const x = [{ originalStart: local('2024-01-08'), overrides: { start: local('2024-02-10'), end: local('2024-02-10') + 2 * HOUR } }];
    assert.equal(seriesEnd(series(weekly5, x), lookup), local('2024-02-10') + 2 * HOUR);
  });
  test('every occurrence deleted: the master\'s own end', () => {
    const x = ['2024-01-01', '2024-01-08'].map(d => ({ originalStart: local(d), deleted: true, overrides: {} }));
    assert.equal(seriesEnd(series({ ...weekly5, occurrences: 2 }, x), lookup), local('2024-01-01') + HOUR);
  });
  test('a single event: its end', () => {
    const { recurrence: _r, ...single } = series(weekly5);
    assert.equal(seriesEnd(single, lookup), local('2024-01-01') + HOUR);
  });
});
