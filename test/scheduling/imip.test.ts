// iMIP objects for recipients elsewhere (RFC 6047 / RFC 5546): what leaves, read back with our parser.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { icsToEvents } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { organizerIcs, replyIcs } from '../../src/scheduling/imip.js';

const HOUR = 3600_000;
const series: CalendarEvent = {
  uid: 'imip-1@example.com', start: Date.UTC(2030, 0, 7, 9), end: Date.UTC(2030, 0, 7, 10), allDay: false, timeZone: 'Europe/Berlin',
  subject: 'Planning', sequence: 3, organizer: { email: 'alice@example.com', name: 'Alice' },
  attendees: [{ email: 'bob@elsewhere.example', name: 'Bob', status: 5 }, { email: 'carol@example.com', status: 3 }],
  recurrence: { type: 1, interval: 1, dayOfWeek: 2, occurrences: 5 },
  exceptions: [{ originalStart: Date.UTC(2030, 0, 14, 9), overrides: { start: Date.UTC(2030, 0, 14, 11), end: Date.UTC(2030, 0, 14, 12), subject: 'Planning (later)' } }],
};

describe('iMIP objects', () => {
  it('RFC 5546 §3.2.2: a REQUEST for the series carries the rule and the organizer', () => {
    const ics = organizerIcs('REQUEST', series);
    assert.match(ics, /^METHOD:REQUEST\r$/m);
    const [e] = icsToEvents(ics);
    assert.equal(e.uid, series.uid);
    assert.equal(e.sequence, 3);
    assert.ok(e.recurrence);
    assert.equal(e.exceptions?.length, 1);
  });

  it('a REQUEST for one occurrence is that occurrence alone, with its RECURRENCE-ID', () => {
    const [e] = icsToEvents(organizerIcs('REQUEST', series, { recurrenceId: Date.UTC(2030, 0, 14, 9) }));
    assert.equal(e.recurrenceId, Date.UTC(2030, 0, 14, 9));
    assert.equal(e.start, Date.UTC(2030, 0, 14, 11));
    assert.equal(e.end - e.start, HOUR);
    assert.equal(e.subject, 'Planning (later)');
    assert.equal(e.recurrence, undefined);
  });

  it('RFC 5546 §3.2.3: a REPLY names only the answering attendee with its PARTSTAT', () => {
    const ics = replyIcs(series, { email: 'carol@example.com', name: 'Carol' }, 'DECLINED', { recurrenceId: Date.UTC(2030, 0, 21, 9) });
    assert.match(ics, /^METHOD:REPLY\r$/m);
    const [e] = icsToEvents(ics);
    assert.deepEqual(e.attendees?.map(a => [a.email, a.status]), [['carol@example.com', 4]]);
    assert.equal(e.recurrenceId, Date.UTC(2030, 0, 21, 9));
    assert.equal(e.organizer?.email, 'alice@example.com');
  });
});
