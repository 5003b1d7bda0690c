// RFC 5545 3.8.4.4 RANGE=THISANDFUTURE spelled out as exceptions (src/calendar/thisAndFuture.ts) is
// bounded: a small invitation with many range overrides over a daily series must not turn into tens
// of thousands of exceptions (seconds of work per message, megabytes on the item); it is refused as
// ICS_INVALID like a rule past its expansion budget, while one ordinary range still works.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CalendarError } from '../../src/calendar/errors.js';
import { icsToEvents } from '../../src/calendar/ical.js';
import { MAX_RANGE_EXCEPTIONS } from '../../src/calendar/thisAndFuture.js';

function invitation(rangeYears: number[]): string {
  const range = (y: number) => ['BEGIN:VEVENT', 'UID:range-flood', 'DTSTAMP:20260101T000000Z', `RECURRENCE-ID;RANGE=THISANDFUTURE:${y}0105T100000Z`,
    `DTSTART:${y}0105T120000Z`, `DTEND:${y}0105T130000Z`, 'SUMMARY:moved', 'ORGANIZER:mailto:o@elsewhere.example', 'END:VEVENT'];
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REQUEST',
    'BEGIN:VEVENT', 'UID:range-flood', 'DTSTAMP:20260101T000000Z', 'DTSTART:20260101T100000Z', 'DTEND:20260101T110000Z', 'RRULE:FREQ=DAILY',
    'SUMMARY:daily', 'ORGANIZER:mailto:o@elsewhere.example', 'ATTENDEE:mailto:bob@example.com', 'END:VEVENT',
    ...rangeYears.flatMap(range), 'END:VCALENDAR', ''].join('\r\n');
}

describe('RANGE=THISANDFUTURE is bounded', () => {
  it('one range over an endless daily series: two years of exceptions', () => {
    const [event] = icsToEvents(invitation([2026]));
    assert.ok(event!.exceptions!.length > 700 && event!.exceptions!.length <= MAX_RANGE_EXCEPTIONS, String(event!.exceptions!.length));
  });

  it('a few dozen ranges a year apart (34 KB) are refused, not spelled out as 60,000 exceptions', () => {
    const years = Array.from({ length: 60 }, (_, i) => 2026 + i);
    assert.throws(() => icsToEvents(invitation(years)), (e: unknown) => e instanceof CalendarError && e.code === 'ICS_INVALID' && /THISANDFUTURE/.test(e.message));
  });
});
