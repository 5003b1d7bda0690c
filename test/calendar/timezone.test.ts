// src/calendar/timezone.ts: the MS-ASDTYPE 2.7.6 TimeZone blob, IANA ⇄ blob, VTIMEZONE for ical.js,
// and the MS-ASDTYPE 2.3 / 2.7.2 date-time strings. Intl (full ICU) is the reference throughout.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ICAL from 'ical.js';
import {
  canonicalZone, decodeTimeZoneBlob, encodeTimeZoneBlob, formatCompact, formatExtended, ianaFromTimeZoneInfo,
  icalTimeFromUtc, localToUtc, parseEasDateTime, registerTimezone, timeZoneInfoForIana, TimeZoneError,
  utcToLocal, vtimezoneFor, zoneFromVtimezone, zoneOffset, type TimeZoneInfo, type WallTime,
} from '../../src/calendar/timezone.js';

const HOUR = 3_600_000;

/**
 * The Pacific time blob of the MS-ASCMD meeting walkthrough examples (a meeting request synced to
 * the attendee's Inbox, then MeetingResponse): the 172 bytes Exchange sends for "Pacific Standard
 * Time". Taken as several EAS test suites quote it from the spec; not re-read from the spec page.
 */
const WALKTHROUGH_PACIFIC =
  '4AEAAFAAYQBjAGkAZgBpAGMAIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAF' +
  'AAYQBjAGkAZgBpAGMAIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==';
const ZERO_BLOB = Buffer.alloc(172).toString('base64');

const CORPUS: [zone: string, year: number][] = [
  ['America/Los_Angeles', 2026], ['America/New_York', 2026], ['Europe/Berlin', 2026], ['Europe/London', 2026],
  ['Australia/Sydney', 2026], ['Pacific/Auckland', 2026], ['America/Santiago', 2026], ['Asia/Kolkata', 2026],
  ['Asia/Kathmandu', 2026], ['Asia/Tokyo', 2026], ['UTC', 2026], ['Africa/Johannesburg', 2026],
  ['America/Sao_Paulo', 2018], ['America/Sao_Paulo', 2026], ['America/St_Johns', 2026],
];

function yearHours(year: number): number[] {
  const hours: number[] = [];
  for (let t = Date.UTC(year, 0, 1); t < Date.UTC(year + 1, 0, 1); t += HOUR) hours.push(t);
  return hours;
}

/** UTC hours of `year` at which the two zones' offsets differ. */
function offsetMismatches(a: string, b: string, year: number): string[] {
  return yearHours(year).filter(t => zoneOffset(a, t) !== zoneOffset(b, t)).map(t => new Date(t).toISOString());
}

function rule(st: TimeZoneInfo['standardDate']): string {
  return `${st.month}/${st.dayOfWeek}/${st.day} ${st.hour}:${String(st.minute).padStart(2, '0')}`;
}

function mutated(base64: string, edit: (b: Buffer) => void): string {
  const bytes = Buffer.from(base64, 'base64');
  edit(bytes);
  return bytes.toString('base64');
}

function throwsCode(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof TimeZoneError && e.code === code);
}

describe('MS-ASDTYPE 2.7.6 TimeZone blob', () => {
  test('the MS-ASCMD walkthrough Pacific blob decodes field by field', () => {
    assert.deepEqual(decodeTimeZoneBlob(WALKTHROUGH_PACIFIC), {
      bias: 480,
      standardName: 'Pacific Standard Time',
      standardDate: { year: 0, month: 11, dayOfWeek: 0, day: 1, hour: 2, minute: 0, second: 0, milliseconds: 0 },
      standardBias: 0,
      daylightName: 'Pacific Daylight Time',
      daylightDate: { year: 0, month: 3, dayOfWeek: 0, day: 2, hour: 2, minute: 0, second: 0, milliseconds: 0 },
      daylightBias: -60,
    });
  });

  test('the walkthrough blob is America/Los_Angeles, by its name and by its rules alone', () => {
    const info = decodeTimeZoneBlob(WALKTHROUGH_PACIFIC);
    assert.equal(ianaFromTimeZoneInfo(info, 2010), 'America/Los_Angeles');
    assert.equal(ianaFromTimeZoneInfo({ ...info, standardName: '', daylightName: '' }, 2010), 'America/Los_Angeles');
    assert.equal(ianaFromTimeZoneInfo({ ...info, standardName: '', daylightName: '' }, 2026), 'America/Los_Angeles');
  });

  test('America/Los_Angeles encodes to the walkthrough blob byte for byte (Windows names and rules)', () => {
    assert.equal(encodeTimeZoneBlob(timeZoneInfoForIana('America/Los_Angeles', 2010)), WALKTHROUGH_PACIFIC);
  });

  test('the all-zero blob (iOS for UTC) decodes and is UTC', () => {
    const info = decodeTimeZoneBlob(ZERO_BLOB);
    assert.equal(info.bias, 0);
    assert.equal(info.standardName, '');
    assert.equal(ianaFromTimeZoneInfo(info, 2026), 'UTC');
    assert.equal(encodeTimeZoneBlob(info), ZERO_BLOB);
  });

  for (const [zone, year] of CORPUS) {
    test(`${zone} ${year}: blob round trip is byte-identical`, () => {
      const info = timeZoneInfoForIana(zone, year);
      const blob = encodeTimeZoneBlob(info);
      assert.equal(Buffer.from(blob, 'base64').length, 172);
      assert.deepEqual(decodeTimeZoneBlob(blob), info);
      assert.equal(encodeTimeZoneBlob(decodeTimeZoneBlob(blob)), blob);
    });
  }

  const broken: [name: string, blob: string, code: 'TZ_TRUNCATED' | 'TZ_INVALID'][] = [
    ['empty', '', 'TZ_TRUNCATED'],
    ['base64 cut short', WALKTHROUGH_PACIFIC.slice(0, 100), 'TZ_TRUNCATED'],
    ['171 bytes', Buffer.from(WALKTHROUGH_PACIFIC, 'base64').subarray(0, 171).toString('base64'), 'TZ_TRUNCATED'],
    ['173 bytes', Buffer.concat([Buffer.from(WALKTHROUGH_PACIFIC, 'base64'), Buffer.alloc(1)]).toString('base64'), 'TZ_INVALID'],
    ['not base64', 'not a time zone!', 'TZ_INVALID'],
    ['StandardDate month 13', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(13, 70)), 'TZ_INVALID'],
    ['DaylightDate day of week 7', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(7, 156)), 'TZ_INVALID'],
    ['yearly rule in week 0', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(0, 74)), 'TZ_INVALID'],
    ['yearly rule in week 6', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(6, 158)), 'TZ_INVALID'],
    ['transition at hour 24', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(24, 76)), 'TZ_INVALID'],
    ['only DaylightDate set', mutated(WALKTHROUGH_PACIFIC, b => b.writeUInt16LE(0, 70)), 'TZ_INVALID'],
    ['absolute date 30 February', mutated(WALKTHROUGH_PACIFIC, b => { b.writeUInt16LE(2026, 68); b.writeUInt16LE(2, 70); b.writeUInt16LE(30, 74); }), 'TZ_INVALID'],
    ['bias beyond a day', mutated(WALKTHROUGH_PACIFIC, b => b.writeInt32LE(100_000, 0)), 'TZ_INVALID'],
  ];
  for (const [name, blob, code] of broken) {
    test(`rejects a malformed blob: ${name} → ${code}`, () => throwsCode(() => decodeTimeZoneBlob(blob), code));
  }

  test('an absolute-date transition (wYear ≠ 0) is accepted and applies to that year only', () => {
    const blob = mutated(WALKTHROUGH_PACIFIC, b => { b.writeUInt16LE(2026, 152); b.writeUInt16LE(3, 154); b.writeUInt16LE(8, 158); });
    const info = decodeTimeZoneBlob(blob);
    assert.deepEqual(info.daylightDate, { year: 2026, month: 3, dayOfWeek: 0, day: 8, hour: 2, minute: 0, second: 0, milliseconds: 0 });
    assert.equal(encodeTimeZoneBlob(info), blob);
  });

  test('encode refuses a name longer than 32 UTF-16 units', () => {
    const info = { ...decodeTimeZoneBlob(ZERO_BLOB), standardName: 'x'.repeat(33) };
    throwsCode(() => encodeTimeZoneBlob(info), 'TZ_INVALID');
  });
});

describe('IANA zone ⇄ blob', () => {
  for (const [zone, year] of CORPUS) {
    test(`${zone} ${year}: IANA → blob → IANA has the same offset at every hour`, () => {
      const info = decodeTimeZoneBlob(encodeTimeZoneBlob(timeZoneInfoForIana(zone, year)));
      assert.deepEqual(offsetMismatches(zone, ianaFromTimeZoneInfo(info, year), year), []);
      const bare = { ...info, standardName: '', daylightName: '' };
      assert.deepEqual(offsetMismatches(zone, ianaFromTimeZoneInfo(bare, year), year), [], 'with empty names, by rules');
    });
  }

  test('yearly rules as Windows writes them, northern and southern hemisphere', () => {
    const rules = (zone: string, year = 2026) => {
      const i = timeZoneInfoForIana(zone, year);
      return { bias: i.bias, daylightBias: i.daylightBias, dst: rule(i.daylightDate), std: rule(i.standardDate), name: i.standardName };
    };
    assert.deepEqual(rules('America/New_York'), { bias: 300, daylightBias: -60, dst: '3/0/2 2:00', std: '11/0/1 2:00', name: 'Eastern Standard Time' });
    assert.deepEqual(rules('Europe/Berlin'), { bias: -60, daylightBias: -60, dst: '3/0/5 2:00', std: '10/0/5 3:00', name: 'W. Europe Standard Time' });
    assert.deepEqual(rules('Europe/London'), { bias: 0, daylightBias: -60, dst: '3/0/5 1:00', std: '10/0/5 2:00', name: 'GMT Standard Time' });
    // Southern zones: DST starts in the spring (Sep/Oct) and ends in the autumn of the next year.
    assert.deepEqual(rules('Australia/Sydney'), { bias: -600, daylightBias: -60, dst: '10/0/1 2:00', std: '4/0/1 3:00', name: 'AUS Eastern Standard Time' });
    assert.deepEqual(rules('Pacific/Auckland'), { bias: -720, daylightBias: -60, dst: '9/0/5 2:00', std: '4/0/1 3:00', name: 'New Zealand Standard Time' });
    assert.deepEqual(rules('America/Santiago'), { bias: 240, daylightBias: -60, dst: '9/0/1 0:00', std: '4/0/1 0:00', name: 'Pacific SA Standard Time' });
    assert.deepEqual(rules('America/St_Johns'), { bias: 210, daylightBias: -60, dst: '3/0/2 2:00', std: '11/0/1 2:00', name: 'Newfoundland Standard Time' });
    assert.deepEqual(rules('Asia/Kathmandu'), { bias: -345, daylightBias: 0, dst: '0/0/0 0:00', std: '0/0/0 0:00', name: 'Nepal Standard Time' });
  });

  test('America/Sao_Paulo: DST rules in 2018, none after it was abolished (2026)', () => {
    assert.equal(rule(timeZoneInfoForIana('America/Sao_Paulo', 2018).daylightDate), '11/0/1 0:00');
    assert.equal(rule(timeZoneInfoForIana('America/Sao_Paulo', 2018).standardDate), '2/0/3 0:00');
    const y2026 = timeZoneInfoForIana('America/Sao_Paulo', 2026);
    assert.deepEqual([y2026.bias, y2026.daylightDate.month, y2026.standardDate.month, y2026.daylightBias], [180, 0, 0, 0]);
  });

  test('a year that leaves DST for good uses Windows\' "first <weekday> of January 00:00" form (Sao_Paulo 2019)', () => {
    const info = timeZoneInfoForIana('America/Sao_Paulo', 2019);
    assert.equal(rule(info.daylightDate), '1/2/1 0:00'); // 1 Jan 2019 was a Tuesday
    assert.equal(rule(info.standardDate), '2/0/3 0:00');
    // Exact from the first local hour on; the blob cannot say the year began in DST at 00:00 UTC.
    const back = ianaFromTimeZoneInfo(info, 2019);
    assert.deepEqual(offsetMismatches('America/Sao_Paulo', back, 2019).filter(h => h >= '2019-01-01T03:00'), []);
  });

  test('a transition on a fixed date becomes that year\'s nth weekday (Asia/Tehran 2019, 22 March)', () => {
    const info = timeZoneInfoForIana('Asia/Tehran', 2019);
    assert.equal(rule(info.daylightDate), '3/5/4 0:00'); // 22 March 2019 = 4th Friday
    assert.deepEqual(offsetMismatches('Asia/Tehran', ianaFromTimeZoneInfo(info, 2019), 2019), []);
  });

  test('rules alone pick the usual zone among zones with identical years', () => {
    const byRules = (zone: string) => ianaFromTimeZoneInfo({ ...timeZoneInfoForIana(zone, 2026), standardName: '', daylightName: '' }, 2026);
    assert.equal(byRules('America/Tijuana'), 'America/Los_Angeles');
    assert.equal(byRules('Europe/Paris'), 'Europe/Berlin');
    assert.equal(byRules('Europe/Lisbon'), 'Europe/London');
    assert.equal(byRules('Australia/Melbourne'), 'Australia/Sydney');
    assert.equal(byRules('Asia/Chita'), 'Asia/Tokyo');
    assert.equal(byRules('Asia/Colombo'), 'Asia/Kolkata');
  });

  test('a Windows name wins when it agrees with the rules or nothing else matches; rules win otherwise', () => {
    const pacific = decodeTimeZoneBlob(WALKTHROUGH_PACIFIC);
    // Pre-2007 US rules (first Sunday in April, last Sunday in October): stale device data.
    const stale = { ...pacific, daylightDate: { ...pacific.daylightDate, month: 4, day: 1 }, standardDate: { ...pacific.standardDate, month: 10, day: 5 } };
    assert.equal(ianaFromTimeZoneInfo(stale, 2026), 'America/Los_Angeles');
    assert.equal(ianaFromTimeZoneInfo({ ...stale, standardName: '', daylightName: '' }, 2026), 'America/Los_Angeles', 'nearest zone');
    const berlin = { ...timeZoneInfoForIana('Europe/Berlin', 2026), standardName: 'Tokyo Standard Time' };
    assert.equal(ianaFromTimeZoneInfo(berlin, 2026), 'Europe/Berlin');
  });

  test('a fixed offset no city keeps becomes Etc/GMT±N, sign inverted (UTC−12 → Etc/GMT+12)', () => {
    const info = { ...decodeTimeZoneBlob(ZERO_BLOB), bias: 720 };
    const zone = ianaFromTimeZoneInfo(info, 2026);
    assert.equal(zone, 'Etc/GMT+12');
    assert.equal(zoneOffset(zone, Date.UTC(2026, 0, 1)), -720);
  });

  test('an unknown IANA zone is TZ_INVALID', () => {
    throwsCode(() => timeZoneInfoForIana('Mars/Olympus_Mons', 2026), 'TZ_INVALID');
  });

  test('canonical names use the modern spelling', () => {
    assert.equal(canonicalZone('Asia/Calcutta'), 'Asia/Kolkata');
    assert.equal(canonicalZone('asia/kathmandu'), 'Asia/Kathmandu');
    assert.equal(canonicalZone('US/Pacific'), 'America/Los_Angeles');
    assert.equal(canonicalZone('Etc/UTC'), 'UTC');
    assert.equal(canonicalZone('Pacific Standard Time'), undefined);
  });
});

describe('RFC 5545 3.3.5 local time → UTC (Intl)', () => {
  const ny = (day: number, month: number, hour: number, minute: number): WallTime => ({ year: 2007, month, day, hour, minute, second: 0 });
  test('a repeated time is its first occurrence; a skipped time uses the offset before the gap', () => {
    assert.equal(new Date(localToUtc('America/New_York', ny(4, 11, 1, 30))).toISOString(), '2007-11-04T05:30:00.000Z');
    assert.equal(new Date(localToUtc('America/New_York', ny(11, 3, 2, 30))).toISOString(), '2007-03-11T07:30:00.000Z');
    assert.equal(new Date(localToUtc('America/New_York', ny(4, 11, 1, 30), 'later')).toISOString(), '2007-11-04T06:30:00.000Z');
    assert.equal(new Date(localToUtc('America/New_York', ny(11, 3, 2, 30), 'earlier')).toISOString(), '2007-03-11T06:30:00.000Z');
    throwsCode(() => localToUtc('America/New_York', ny(11, 3, 2, 30), 'reject'), 'TZ_INVALID');
  });

  test('utcToLocal reads Intl\'s wall clock', () => {
    assert.deepEqual(utcToLocal('Asia/Kathmandu', Date.UTC(2026, 0, 1)), { year: 2026, month: 1, day: 1, hour: 5, minute: 45, second: 0 });
  });
});

describe('VTIMEZONE (RFC 5545 3.6.5) for ical.js', () => {
  test('yearly STANDARD and DAYLIGHT observances built from the blob rules', () => {
    assert.equal(vtimezoneFor('America/Los_Angeles', 2026), [
      'BEGIN:VTIMEZONE', 'TZID:America/Los_Angeles',
      'BEGIN:STANDARD', 'DTSTART:19701101T020000', 'TZOFFSETFROM:-0700', 'TZOFFSETTO:-0800', 'RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU', 'END:STANDARD',
      'BEGIN:DAYLIGHT', 'DTSTART:19700308T020000', 'TZOFFSETFROM:-0800', 'TZOFFSETTO:-0700', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU', 'END:DAYLIGHT',
      'END:VTIMEZONE', '',
    ].join('\r\n'));
    assert.match(vtimezoneFor('Europe/Berlin', 2026), /RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU/);
  });

  test('a zone without DST has one STANDARD observance', () => {
    const text = vtimezoneFor('Asia/Kolkata', 2026);
    assert.equal((text.match(/BEGIN:STANDARD/g) ?? []).length, 1);
    assert.ok(!text.includes('DAYLIGHT'));
    assert.match(text, /TZOFFSETFROM:\+0530\r\nTZOFFSETTO:\+0530/);
  });

  test('registerTimezone registers once; UTC is ical.js\'s own', () => {
    const tz = registerTimezone('America/St_Johns', 2026);
    assert.equal(ICAL.TimezoneService.get('America/St_Johns'), tz);
    assert.equal(registerTimezone('America/St_Johns', 2026), tz);
    assert.equal(registerTimezone('UTC', 2026), ICAL.Timezone.utcTimezone);
  });

  // ical.js resolves both kinds of transition wall time with the offset in force AFTER the
  // transition: a skipped 02:30 becomes 01:30 standard time ('earlier'), a repeated 01:30 is the
  // second, standard-time occurrence ('later'). RFC 5545 3.3.5 (our default, 'compatible') says
  // the opposite for both, so Convene does local → UTC with localToUtc, not ical.js, at those hours.
  const ZONES = ['America/Los_Angeles', 'Europe/Berlin', 'Australia/Sydney', 'America/Santiago', 'Pacific/Auckland', 'America/St_Johns', 'Asia/Kolkata'];
  const YEAR = 2026;
  for (const zone of ZONES) {
    test(`${zone}: ical.js local → UTC equals Intl at every hour; skipped → earlier, repeated → later`, () => {
      const tz = registerTimezone(zone, YEAR);
      const seen = { skipped: 0, repeated: 0 };
      for (const t of yearHours(YEAR)) {
        const d = new Date(t);
        const wall: WallTime = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: 0, second: 0 };
        const ical = ICAL.Time.fromData({ ...wall, isDate: false }, tz).toUnixTime() * 1000;
        let expected: number;
        try {
          expected = localToUtc(zone, wall, 'reject');
        } catch {
          const earlier = localToUtc(zone, wall, 'earlier'), later = localToUtc(zone, wall, 'later');
          const repeated = utcToLocal(zone, earlier).hour === wall.hour && utcToLocal(zone, later).hour === wall.hour;
          seen[repeated ? 'repeated' : 'skipped']++;
          expected = repeated ? later : earlier;
        }
        assert.equal(ical, expected, `${zone} ${JSON.stringify(wall)}`);
      }
      const dst = zone !== 'Asia/Kolkata';
      assert.deepEqual(seen, { skipped: dst ? 1 : 0, repeated: dst ? 1 : 0 });
    });

    test(`${zone}: UTC → local by ical.js's transition table and by icalTimeFromUtc equals Intl at every hour`, () => {
      const tz = registerTimezone(zone, YEAR);
      const transitions = yearHours(YEAR).filter(t => zoneOffset(zone, t) !== zoneOffset(zone, t - HOUR));
      const icalOffset = icalOffsets(tz, YEAR);
      for (const t of yearHours(YEAR)) {
        assert.equal(icalOffset(t), zoneOffset(zone, t), new Date(t).toISOString());
        const w = utcToLocal(zone, t), mine = icalTimeFromUtc(t, zone);
        assert.deepEqual([mine.year, mine.month, mine.day, mine.hour, mine.minute], [w.year, w.month, w.day, w.hour, w.minute]);
        // Wall fields + zone cannot name the first of a repeated hour: ical.js reads it as the second.
        assert.equal(mine.toUnixTime() * 1000, localToUtc(zone, w, 'later'));
        // Time#convertToZone from UTC is only wrong next to a transition (kewisch/ical.js#847).
        const viaConvert = utcIcalTime(t).convertToZone(tz);
        if (viaConvert.hour !== w.hour || viaConvert.day !== w.day) {
          assert.ok(transitions.some(x => Math.abs(x - t) <= 14 * HOUR), `convertToZone off far from a transition: ${new Date(t).toISOString()}`);
        }
      }
    });
  }
});

function utcIcalTime(ms: number): ICAL.Time {
  return ICAL.Time.fromJSDate(new Date(ms), true);
}

/** Offsets from ical.js's own expanded transition table (its `changes` are UTC instants). */
function icalOffsets(tz: ICAL.Timezone, year: number): (ms: number) => number {
  tz.utcOffset(ICAL.Time.fromData({ year, month: 6, day: 1, hour: 0, minute: 0, second: 0 })); // expands the table
  const changes = (tz.changes as { year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number; prevUtcOffset: number }[])
    .map(c => ({ at: Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, c.second), offset: c.utcOffset / 60 }));
  const before = (tz.changes as { prevUtcOffset: number }[])[0]!.prevUtcOffset / 60;
  return ms => changes.filter(c => c.at <= ms).at(-1)?.offset ?? before;
}

describe('zoneFromVtimezone', () => {
  const vtimezone = (...lines: string[]) =>
    new ICAL.Component(ICAL.parse(['BEGIN:VCALENDAR', 'BEGIN:VTIMEZONE', ...lines, 'END:VTIMEZONE', 'END:VCALENDAR', ''].join('\r\n'))).getFirstSubcomponent('vtimezone')!;
  const observance = (kind: string, dtstart: string, from: string, to: string, rrule: string) =>
    [`BEGIN:${kind}`, `DTSTART:${dtstart}`, `TZOFFSETFROM:${from}`, `TZOFFSETTO:${to}`, `RRULE:${rrule}`, `END:${kind}`];
  const euRules = [
    ...observance('STANDARD', '16010101T030000', '+0200', '+0100', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10'),
    ...observance('DAYLIGHT', '16010101T020000', '+0100', '+0200', 'FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3'),
  ];
  const usPacific = [
    ...observance('STANDARD', '16011104T020000', '-0700', '-0800', 'FREQ=YEARLY;BYDAY=1SU;BYMONTH=11'),
    ...observance('DAYLIGHT', '16010311T020000', '-0800', '-0700', 'FREQ=YEARLY;BYDAY=2SU;BYMONTH=3'),
  ];

  test('an IANA TZID is the zone (also behind a vendor prefix)', () => {
    assert.equal(zoneFromVtimezone(vtimezone('TZID:America/New_York', ...usPacific), 2026), 'America/New_York');
    assert.equal(zoneFromVtimezone(vtimezone('TZID:/mozilla.org/20050126_1/Europe/London', ...euRules), 2026), 'Europe/London');
  });

  test('an Outlook-style Windows TZID maps through windows-iana', () => {
    assert.equal(zoneFromVtimezone(vtimezone('TZID:W. Europe Standard Time', ...euRules), 2026), 'Europe/Berlin');
    assert.equal(zoneFromVtimezone(vtimezone('TZID:Pacific Standard Time', ...usPacific), 2026), 'America/Los_Angeles');
  });

  test('an arbitrary TZID is matched by its rules for the year', () => {
    assert.equal(zoneFromVtimezone(vtimezone('TZID:GMT -0800 (Standard) / GMT -0700 (Daylight)', ...usPacific), 2026), 'America/Los_Angeles');
    assert.equal(zoneFromVtimezone(vtimezone('TZID:(UTC+01:00) Amsterdam\\, Berlin\\, Bern\\, Rome', ...euRules), 2026), 'Europe/Berlin');
    const sydney = vtimezone('TZID:Custom Sydney', ...vtimezoneFor('Australia/Sydney', 2026).split('\r\n').slice(2, -2));
    assert.equal(zoneFromVtimezone(sydney, 2026), 'Australia/Sydney');
  });

  test('the rules of an old VTIMEZONE ("Same as Pacific Time", April/October) are exact in 2005 and nearest in 2026', () => {
    const old = vtimezone('TZID:Same as Pacific Time',
      ...observance('STANDARD', '16010101T020000', '-0700', '-0800', 'FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=10;BYDAY=-1SU'),
      ...observance('DAYLIGHT', '16010101T020000', '-0800', '-0700', 'FREQ=YEARLY;WKST=MO;INTERVAL=1;BYMONTH=4;BYDAY=1SU'));
    assert.equal(zoneFromVtimezone(old, 2005), 'America/Los_Angeles');
    assert.equal(zoneFromVtimezone(old, 2026), 'America/Los_Angeles');
  });

  test('every corpus zone survives vtimezoneFor → zoneFromVtimezone under an anonymous TZID', () => {
    for (const [zone, year] of CORPUS) {
      const body = vtimezoneFor(zone, year).split('\r\n').slice(2, -2);
      const back = zoneFromVtimezone(vtimezone('TZID:anonymous', ...body), year);
      assert.deepEqual(offsetMismatches(zone, back, year), [], `${zone} ${year} → ${back}`);
    }
  });

  test('a VTIMEZONE with neither a known TZID nor observances is TZ_INVALID', () => {
    throwsCode(() => zoneFromVtimezone(vtimezone('TZID:Nowhere'), 2026), 'TZ_INVALID');
  });
});

describe('EAS date-times (MS-ASDTYPE 2.7.2 compact, 2.3 dateTime)', () => {
  const instant = Date.UTC(2010, 4, 3, 10, 0, 0);
  test('formats', () => {
    assert.equal(formatCompact(instant), '20100503T100000Z');
    assert.equal(formatExtended(instant), '2010-05-03T10:00:00.000Z');
    assert.equal(formatCompact(instant + 999), '20100503T100000Z');
  });

  const accepted: [string, number][] = [
    ['20100503T100000Z', instant],
    ['2010-05-03T10:00:00.000Z', instant],
    ['2010-05-03T10:00:00Z', instant],
    ['20090907T07:00:00.000Z', Date.UTC(2009, 8, 7, 7)], // mixed form, as in the MS-ASCMD MeetingResponse example
    ['2010-05-03T12:00:00+02:00', instant],
    ['2010-05-03T05:30:00.5-0430', instant + 500],
    ['2010-05-02T24:00:00.000Z', Date.UTC(2010, 4, 3)],
  ];
  for (const [text, ms] of accepted) test(`parses ${text}`, () => assert.equal(parseEasDateTime(text), ms));

  // The last three found by test/fuzz/calendar.test.ts: accepted, then unwritable in a Sync response.
  for (const text of ['', '2010-05-03T10:00:00', '20101303T100000Z', '20100230T100000Z', '20100503T250000Z', '20100503T106000Z', 'yesterday',
    '99991231T240000Z', '9999-12-31T23:59:59-14:00', '0000-01-01T00:00:00+01:00']) {
    test(`refuses ${JSON.stringify(text)}`, () => throwsCode(() => parseEasDateTime(text), 'TZ_INVALID'));
  }

  test('round trips', () => {
    for (const ms of [0, instant, Date.UTC(2038, 0, 19, 3, 14, 7)]) {
      assert.equal(parseEasDateTime(formatCompact(ms)), ms);
      assert.equal(parseEasDateTime(formatExtended(ms)), ms);
    }
  });
});
