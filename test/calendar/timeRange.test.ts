// RFC 4791 9.9 time-range on events: single events, instants, and series by their occurrences.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { icsToEvents } from '../../src/calendar/ical.js';
import { meetsTimeRange } from '../../src/calendar/timeRange.js';
import { zoneLookup } from '../../src/calendar/window.js';

const at = (s: string): number => Date.parse(s);
const range = (from: string, to: string) => ({ from: at(from), to: at(to) });
const one = (lines: string[]) => icsToEvents(['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:u', 'DTSTAMP:20270101T000000Z', ...lines,
  'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n'))[0];

describe('meetsTimeRange (RFC 4791 9.9)', () => {
  const single = one(['DTSTART:20270105T100000Z', 'DTEND:20270105T110000Z']);
  const cases: [string, ReturnType<typeof range>, boolean][] = [
    ['overlapping the start', range('2027-01-05T09:00:00Z', '2027-01-05T10:30:00Z'), true],
    ['ending where the event starts (end is exclusive)', range('2027-01-05T09:00:00Z', '2027-01-05T10:00:00Z'), false],
    ['starting where the event ends', range('2027-01-05T11:00:00Z', '2027-01-05T12:00:00Z'), false],
    ['inside the event', range('2027-01-05T10:15:00Z', '2027-01-05T10:20:00Z'), true],
  ];
  for (const [name, r, expected] of cases) it(`a single event: ${name}`, () => assert.equal(meetsTimeRange(single, r, zoneLookup), expected));

  it('a weekly series meets a range with an occurrence, not one between occurrences', () => {
    const weekly = one(['DTSTART:20270104T100000Z', 'DTEND:20270104T110000Z', 'RRULE:FREQ=WEEKLY;COUNT=4']);
    assert.equal(meetsTimeRange(weekly, range('2027-01-18T10:30:00Z', '2027-01-18T10:45:00Z'), zoneLookup), true);
    assert.equal(meetsTimeRange(weekly, range('2027-01-12T00:00:00Z', '2027-01-17T00:00:00Z'), zoneLookup), false);
    assert.equal(meetsTimeRange(weekly, range('2027-02-01T00:00:00Z', '2027-03-01T00:00:00Z'), zoneLookup), false, 'after the last one');
  });

  it('a deleted occurrence (EXDATE) does not meet its range', () => {
    const weekly = one(['DTSTART:20270104T100000Z', 'DTEND:20270104T110000Z', 'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE:20270111T100000Z']);
    assert.equal(meetsTimeRange(weekly, range('2027-01-11T00:00:00Z', '2027-01-12T00:00:00Z'), zoneLookup), false);
  });
});
