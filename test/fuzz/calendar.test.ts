// Property tests of the pure calendar conversions: the EAS TIME_ZONE_INFORMATION blob (MS-ASDTYPE
// 2.7.6), the EAS date-time strings (MS-ASDTYPE 2.3, 2.7.2) and iCalendar import/export (RFC 5545).
// Hostile input throws only the modules' typed errors, recurrence work stays within a step budget,
// and whatever is accepted exports and re-imports. docs/reliability.md, "Fuzzing".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { eventsToIcs, icsToEvents } from '../../src/calendar/ical.js';
import {
  canonicalZone, decodeTimeZoneBlob, encodeTimeZoneBlob, formatCompact, formatExtended, ianaFromTimeZoneInfo, parseEasDateTime, type TimeZoneInfo,
} from '../../src/calendar/timezone.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { errorKind } from '../helpers/errors.js';
import { hostileString, params } from './fuzz.js';
import { icsArb } from './icsArb.js';
import { recurrenceSteps, resetSteps } from './steps.js';

/** A SYSTEMTIME: mostly a plausible yearly rule, sometimes any WORDs. */
const systemTime = fc.oneof(
  fc.record({
    year: fc.constantFrom(0, 0, 0, 2024, 2025, 1601, 30827), month: fc.integer({ min: 0, max: 13 }), dayOfWeek: fc.integer({ min: 0, max: 7 }),
    day: fc.integer({ min: 0, max: 32 }), hour: fc.integer({ min: 0, max: 24 }), minute: fc.constantFrom(0, 30, 59, 60), second: fc.constantFrom(0, 59, 60),
    milliseconds: fc.constantFrom(0, 999, 1000),
  }),
  fc.record({
    year: fc.integer({ min: 0, max: 0xffff }), month: fc.integer({ min: 0, max: 0xffff }), dayOfWeek: fc.integer({ min: 0, max: 0xffff }),
    day: fc.integer({ min: 0, max: 0xffff }), hour: fc.integer({ min: 0, max: 0xffff }), minute: fc.integer({ min: 0, max: 0xffff }),
    second: fc.integer({ min: 0, max: 0xffff }), milliseconds: fc.integer({ min: 0, max: 0xffff }),
  }),
);
const bias = fc.oneof(fc.constantFrom(0, -60, 60, 480, -330, -345, 720, -840, 1440, -1441), fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }));
const name = fc.oneof(fc.constantFrom('', 'Pacific Standard Time', 'W. Europe Standard Time', 'GMT Standard Time', 'UTC'), hostileString({ maxLength: 32 }));

/** The 172 blob bytes, written directly (the encoder would refuse the broken ones). */
const blobBytes = fc.record({ bias, standardName: name, standardDate: systemTime, standardBias: bias, daylightName: name, daylightDate: systemTime, daylightBias: bias })
  .map(info => {
    const b = Buffer.alloc(172);
    b.writeInt32LE(info.bias, 0);
    b.write(info.standardName.slice(0, 32), 4, 'utf16le');
    Object.values(info.standardDate).forEach((v, i) => b.writeUInt16LE(v, 68 + i * 2));
    b.writeInt32LE(info.standardBias, 84);
    b.write(info.daylightName.slice(0, 32), 88, 'utf16le');
    Object.values(info.daylightDate).forEach((v, i) => b.writeUInt16LE(v, 152 + i * 2));
    b.writeInt32LE(info.daylightBias, 168);
    return b;
  });
const blobText = fc.oneof(
  { weight: 6, arbitrary: blobBytes.map(b => b.toString('base64')) },
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 170, maxLength: 174 }).map(b => Buffer.from(b).toString('base64')) },
  { weight: 1, arbitrary: fc.oneof(hostileString(), blobBytes.map(b => ` ${b.toString('base64').replace(/(.{20})/g, '$1\r\n')}==`)) },
);

function typedOnly(kind: string): void {
  assert.ok(!kind.startsWith('untyped'), kind);
}

describe('fuzz: EAS TIME_ZONE_INFORMATION blob (MS-ASDTYPE 2.7.6)', () => {
  test('decodeTimeZoneBlob: a TimeZoneInfo or TimeZoneError; what decodes re-encodes to the same info', () => {
    fc.assert(fc.property(blobText, text => {
      let info: TimeZoneInfo | undefined;
      typedOnly(errorKind(() => { info = decodeTimeZoneBlob(text); }));
      if (info) assert.deepEqual(decodeTimeZoneBlob(encodeTimeZoneBlob(info)), info);
    }), params(1500));
  });

  test('every accepted blob maps to a real IANA zone in any year, within the step budget', () => {
    fc.assert(fc.property(blobBytes, fc.constantFrom(1601, 1970, 2007, 2026, 2100, 9999), (bytes, year) => {
      let info: TimeZoneInfo | undefined;
      try { info = decodeTimeZoneBlob(bytes.toString('base64')); } catch { return; }
      let zone = '';
      withinBudget('ianaFromTimeZoneInfo', () => typedOnly(errorKind(() => { zone = ianaFromTimeZoneInfo(info!, year); })));
      if (zone) assert.ok(canonicalZone(zone), `${zone} is not an IANA zone`);
    }), params(300));
  });

  test('parseEasDateTime: an instant both EAS forms can write back, or TimeZoneError', () => {
    const dateTime = fc.oneof(
      fc.tuple(fc.constantFrom(0, 1, 1970, 2025, 9999, 10000), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 25 }),
        fc.constantFrom('Z', '+01:00', '-1400', '+99', '', '.123Z', ':60Z'))
        .map(([y, m, d, h, z]) => `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}0000${z}`),
      hostileString(),
    );
    fc.assert(fc.property(dateTime, text => {
      let ms: number | undefined;
      typedOnly(errorKind(() => { ms = parseEasDateTime(text); }));
      if (ms === undefined) return;
      // What is accepted can be written back in both forms (a Sync response must render it).
      assert.equal(parseEasDateTime(formatCompact(ms)), Math.floor(ms / 1000) * 1000);
      assert.equal(parseEasDateTime(formatExtended(ms)), ms);
    }), params(1500));
  });
});

/** Runs `fn` on a fresh recurrence step budget; fails when it ran past it (a stall). */
function withinBudget<T>(what: string, fn: () => T): T {
  resetSteps();
  try {
    return fn();
  } finally {
    const { steps, stalled } = recurrenceSteps();
    assert.equal(stalled, false, `${what}: stalled after ${steps} recurrence steps`);
  }
}

/** icsToEvents, the FilterType window, then export and re-import what it accepted. */
function importExportRoundTrip(ics: string): void {
  let events: ReturnType<typeof icsToEvents> = [];
  withinBudget('icsToEvents', () => typedOnly(errorKind(() => { events = icsToEvents(ics); })));
  for (const e of events) withinBudget('eventFilterTime', () => eventFilterTime(e));
  if (!events.length) return;
  const again = withinBudget('re-import', () => icsToEvents(eventsToIcs(events)));
  assert.deepEqual(again.map(e => e.uid).sort(), events.map(e => e.uid).sort());
}

describe('fuzz: iCalendar import (RFC 5545)', () => {
  test('icsToEvents: events or CalendarError; accepted events export and re-import; recurrence within budget', () => {
    fc.assert(fc.property(icsArb({ safe: true }), importExportRoundTrip), params(300));
  });

  test('the same with control characters, minutely VTIMEZONE rules, COUNT=5000000 and deep HTML', () => {
      fc.assert(fc.property(icsArb({ safe: false }), importExportRoundTrip), params(20, 1));
    });
});
