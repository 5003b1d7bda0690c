// Organizer side, step "decide": planOrganizerMessages (src/scheduling/organizerChanges.ts), one
// case per rule of its header (R1–R9), RFC 5546 REQUEST/CANCEL and MS-ASEMAIL 2.2.2.47
// MeetingMessageType. "Now" is Wednesday 12 March 2025 12:00 UTC; the weekly meeting runs on
// Mondays 10:00–11:00 Europe/Berlin from 6 January 2025 (09:00 UTC until 30 March, then 08:00 UTC),
// so 3 and 10 March are past and 17 March is the next occurrence.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CalendarEvent, Exception, Overrides } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import {
  FOLDED_NOTE, PAST_NOTE, planOrganizerMessages, type PlannedMessage,
} from '../../src/scheduling/organizerChanges.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string) => Date.parse(iso);
const NOW = at('2025-03-12T12:00:00Z');
const ORGANIZER = 'Olivia@Example.com';
const ANN = 'ann@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const MAR17 = at('2025-03-17T09:00:00Z');
const MAR24 = at('2025-03-24T09:00:00Z');

const WEEKLY: CalendarEvent = {
  uid: 'weekly-1',
  start: at('2025-01-06T09:00:00Z'),
  end: at('2025-01-06T10:00:00Z'),
  allDay: false,
  timeZone: 'Europe/Berlin',
  easTimeZone: encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2025)),
  subject: 'Team standup',
  location: { displayName: 'Room 1' },
  body: { type: 1, data: 'Agenda\nStatus' },
  organizer: { email: 'olivia@example.com', name: 'Olivia' },
  attendees: [{ email: ANN, status: 3, type: 1 }, { email: 'Bob@Example.com', status: 5, type: 1 }],
  meetingStatus: 1,
  reminder: 15,
  busyStatus: 2,
  categories: ['Team'],
  dtStamp: at('2025-01-02T08:00:00Z'),
  sequence: 2,
  recurrence: { type: 1, interval: 1, dayOfWeek: 2 },
};

/** A one-off meeting on Thursday 20 March 2025, 14:00–15:00 UTC. */
const SINGLE: CalendarEvent = {
  uid: 'single-1',
  start: at('2025-03-20T14:00:00Z'),
  end: at('2025-03-20T15:00:00Z'),
  allDay: false,
  timeZone: 'UTC',
  subject: 'Budget review',
  organizer: { email: 'olivia@example.com' },
  attendees: [{ email: ANN }, { email: BOB }],
  meetingStatus: 1,
};

const weekly = (patch: Partial<CalendarEvent> = {}): CalendarEvent => ({ ...WEEKLY, ...patch });
const single = (patch: Partial<CalendarEvent> = {}): CalendarEvent => ({ ...SINGLE, ...patch });
const ex = (originalStart: number, overrides: Overrides, more: Partial<Exception> = {}): Exception => ({ originalStart, overrides, ...more });
const shifted = (e: CalendarEvent, by: number): CalendarEvent => ({ ...e, start: e.start + by, end: e.end + by });
const past = (e: CalendarEvent): CalendarEvent => ({ ...e, start: at('2025-03-01T14:00:00Z'), end: at('2025-03-01T15:00:00Z') });

/** A message as the tables spell it: scope 'series' or the ISO original start of the occurrence. */
interface Expected {
  method: 'REQUEST' | 'CANCEL';
  scope: string;
  to: string[];
  type: 1 | 2 | 3;
  reset: boolean;
  /** Reasons that must be among the message's reasons. */
  why?: string[] | undefined;
}

const req = (scope: string, to: string[], type: 1 | 2 | 3, why?: string[]): Expected =>
  ({ method: 'REQUEST', scope, to, type, reset: type === 2, why });
const cancel = (scope: string, to: string[], why?: string[]): Expected =>
  ({ method: 'CANCEL', scope, to, type: 2, reset: false, why });

interface Case {
  name: string;
  before: CalendarEvent | undefined;
  after: CalendarEvent | undefined;
  sequence: number;
  messages: Expected[];
}

const cases: Case[] = [
  // R1 new meeting
  { name: 'R1 new meeting: one REQUEST type 1 for the event to every attendee', before: undefined, after: single(), sequence: 0,
    messages: [req('series', [ANN, BOB], 1, ['new meeting'])] },
  { name: 'R1 new meeting without OrganizerEmail: the account organizes it', before: undefined, after: single({ organizer: undefined }), sequence: 0,
    messages: [req('series', [ANN, BOB], 1)] },
  { name: 'R1 appointment that gains attendees becomes a meeting', before: single({ attendees: undefined, meetingStatus: 0 }), after: single(), sequence: 0,
    messages: [req('series', [ANN, BOB], 1, ['new meeting'])] },
  { name: 'R1 new meeting keeps an imported SEQUENCE', before: undefined, after: single({ sequence: 4 }), sequence: 4,
    messages: [req('series', [ANN, BOB], 1)] },
  { name: 'R1/R8 new meeting that already ended: nothing', before: undefined, after: past(single()), sequence: 0, messages: [] },
  { name: 'R1/R8 new weekly series partly in the past: one series REQUEST, past occurrences not re-announced', before: undefined, after: weekly(), sequence: 2,
    messages: [req('series', [ANN, BOB], 1, ['new meeting', PAST_NOTE])] },
  { name: 'R1 reinstated meeting (MeetingStatus 5 → 1): REQUEST type 1 to every attendee', before: single({ meetingStatus: 5 }), after: single(), sequence: 0,
    messages: [req('series', [ANN, BOB], 1, ['meeting reinstated'])] },
  { name: 'R1 organizer listed among the attendees (other case) is never a recipient', before: undefined,
    after: single({ attendees: [{ email: 'OLIVIA@example.com' }, { email: 'Ann@Example.COM' }, { email: BOB }] }), sequence: 0,
    messages: [req('series', [ANN, BOB], 1)] },

  // R2 meeting gone
  { name: 'R2 meeting deleted by the organizer: one CANCEL for the series to every attendee', before: weekly(), after: undefined, sequence: 3,
    messages: [cancel('series', [ANN, BOB], ['meeting deleted', PAST_NOTE])] },
  { name: 'R2 MeetingStatus 5 (cancelled, kept in the calendar): one CANCEL', before: single(), after: single({ meetingStatus: 5 }), sequence: 1,
    messages: [cancel('series', [ANN, BOB], ['meeting cancelled'])] },
  { name: 'R2 every attendee removed: one CANCEL to all of them', before: single(), after: single({ attendees: [] }), sequence: 1,
    messages: [cancel('series', [ANN, BOB], ['all attendees removed'])] },
  { name: 'R2/R8 cancelling a meeting that already ended: nothing', before: past(single()), after: undefined, sequence: 0, messages: [] },
  { name: 'R2/R8 deleting a series whose last occurrence ended: nothing', before: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, until: at('2025-02-24T09:00:00Z') } }),
    after: undefined, sequence: 2, messages: [] },
  { name: 'R2 deleting a cancelled meeting: nothing more', before: single({ meetingStatus: 5 }), after: undefined, sequence: 0, messages: [] },

  // R3 not a meeting
  { name: 'R3 appointment edits (no attendees): nothing', before: single({ attendees: undefined, meetingStatus: 0 }),
    after: single({ attendees: [], meetingStatus: 0, subject: 'Dentist', start: SINGLE.start + HOUR, end: SINGLE.end + HOUR }), sequence: 0, messages: [] },
  { name: 'R3 appointment deleted: nothing', before: single({ attendees: undefined, meetingStatus: 0 }), after: undefined, sequence: 0, messages: [] },
  { name: 'R3 only the organizer as attendee: not a meeting', before: undefined, after: single({ attendees: [{ email: 'olivia@example.com' }] }), sequence: 0, messages: [] },
  { name: 'R3 attendee copy (organizer someone else) edited: nothing', before: single({ organizer: { email: 'zoe@elsewhere.org' }, meetingStatus: 3 }),
    after: shifted(single({ organizer: { email: 'zoe@elsewhere.org' }, meetingStatus: 3, subject: 'x' }), HOUR), sequence: 0, messages: [] },
  { name: 'R3 attendee copy deleted: nothing', before: single({ organizer: { email: 'zoe@elsewhere.org' }, meetingStatus: 3 }), after: undefined, sequence: 0, messages: [] },
  { name: 'R3 received copy without OrganizerEmail (MeetingStatus 3): nothing', before: single({ organizer: undefined, meetingStatus: 3 }),
    after: single({ organizer: undefined, meetingStatus: 3, subject: 'x' }), sequence: 0, messages: [] },

  // R4 only what attendees see, compared semantically
  { name: 'R4 unchanged series re-sent (attendees reordered and re-cased, new dtStamp and statuses, zone re-encoded, implicit DayOfWeek): nothing',
    before: weekly(),
    after: {
      recurrence: { interval: 1, type: 1 }, sequence: 2, dtStamp: NOW, timeZone: 'Europe/Paris',
      easTimeZone: encodeTimeZoneBlob({ ...timeZoneInfoForIana('Europe/Berlin', 2025), standardName: 'W. Europe Standard Time', daylightName: '' }),
      attendees: [{ email: 'BOB@example.com', status: 3 }, { email: ' Ann@Example.com', status: 4, name: 'Ann' }],
      uid: 'weekly-1', subject: 'Team standup ', end: WEEKLY.end, start: WEEKLY.start, allDay: false,
      location: { displayName: 'Room 1', city: '' }, body: { type: 1, data: 'Agenda\r\nStatus\r\n' }, organizer: { email: 'OLIVIA@EXAMPLE.COM' },
      meetingStatus: 1, reminder: 15, busyStatus: 2, categories: ['Team'], sensitivity: 0,
    },
    sequence: 2, messages: [] },
  { name: 'R4 reminder, categories and busy status are not attendee-visible: nothing', before: weekly(),
    after: weekly({ reminder: null, categories: ['Private', 'Team'], busyStatus: 3, responseType: 1 }), sequence: 2, messages: [] },
  { name: 'R4 Until spelled differently (last start vs end of that day): nothing',
    before: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, until: at('2025-03-31T08:00:00Z') } }),
    after: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, until: at('2025-03-31T21:59:59Z') } }), sequence: 2, messages: [] },
  { name: 'R4 a kept RRULE and its EAS fields mean the same series: nothing', before: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, rrule: 'FREQ=WEEKLY;BYDAY=MO' } }),
    after: weekly(), sequence: 2, messages: [] },

  // R5 attendees added / removed
  { name: 'R5 attendee added: one REQUEST type 1 to the new attendee only', before: weekly(),
    after: weekly({ attendees: [...WEEKLY.attendees!, { email: 'Carol@Example.com' }] }), sequence: 2,
    messages: [req('series', [CAROL], 1, ['attendees added'])] },
  { name: 'R5 attendee removed: one CANCEL to the removed attendee only', before: weekly(),
    after: weekly({ attendees: [{ email: ANN }] }), sequence: 3,
    messages: [cancel('series', [BOB], ['attendees removed'])] },
  { name: 'R5 attendee emails compared case-insensitively: nothing', before: weekly(),
    after: weekly({ attendees: [{ email: 'ANN@example.com' }, { email: 'bob@example.com' }] }), sequence: 2, messages: [] },
  { name: 'R5 organizer dropped from the attendee list: no CANCEL to the organizer', before: single({ attendees: [{ email: ANN }, { email: BOB }, { email: ORGANIZER }] }),
    after: single(), sequence: 0, messages: [] },
  { name: 'R5 attendee replaced and subject changed: CANCEL, REQUEST 1, and type 3 to the one who stayed', before: single(),
    after: single({ attendees: [{ email: ANN }, { email: CAROL }], subject: 'Budget review (final)' }), sequence: 1,
    messages: [cancel('series', [BOB]), req('series', [CAROL], 1), req('series', [ANN], 3, ['subject'])] },

  // R6 series updates: one message, never one per occurrence
  { name: 'R6 subject changed: one REQUEST type 3, SEQUENCE kept', before: weekly(), after: weekly({ subject: 'Daily standup' }), sequence: 2,
    messages: [req('series', [ANN, BOB], 3, ['subject', PAST_NOTE])] },
  { name: 'R6 location changed: one REQUEST type 3', before: single(), after: single({ location: { displayName: 'Room 2' } }), sequence: 0,
    messages: [req('series', [ANN, BOB], 3, ['location'])] },
  { name: 'R6 body changed: one REQUEST type 3', before: single(), after: single({ body: { type: 1, data: 'Bring numbers' } }), sequence: 0,
    messages: [req('series', [ANN, BOB], 3, ['body'])] },
  { name: 'R6 sensitivity changed (iTIP CLASS): one REQUEST type 3', before: single(), after: single({ sensitivity: 2 }), sequence: 0,
    messages: [req('series', [ANN, BOB], 3, ['sensitivity'])] },
  { name: 'R6 time changed: one REQUEST type 2 with resetResponses, SEQUENCE +1', before: single(), after: shifted(single(), HOUR), sequence: 1,
    messages: [req('series', [ANN, BOB], 2, ['start', 'end'])] },
  { name: 'R6 the occurrence move applied to the series (no exception): exactly one series REQUEST', before: weekly(), after: shifted(weekly(), 2 * HOUR), sequence: 3,
    messages: [req('series', [ANN, BOB], 2, ['start', 'end', PAST_NOTE])] },
  { name: 'R6 recurrence changed (every other week): one REQUEST type 2', before: weekly(),
    after: weekly({ recurrence: { type: 1, interval: 2, dayOfWeek: 2 } }), sequence: 3,
    messages: [req('series', [ANN, BOB], 2, ['recurrence'])] },
  { name: 'R6 zone with other DST rules (Berlin → New York, same first instant): one REQUEST type 2', before: weekly(),
    after: weekly({ timeZone: 'America/New_York', easTimeZone: undefined }), sequence: 3,
    messages: [req('series', [ANN, BOB], 2, ['timeZone'])] },
  { name: 'R6 single event becomes a series: one REQUEST type 2', before: single(),
    after: single({ recurrence: { type: 1, interval: 1, occurrences: 4 } }), sequence: 1,
    messages: [req('series', [ANN, BOB], 2, ['recurrence'])] },
  { name: 'R6 time and subject changed together: one REQUEST type 2 naming both', before: single(),
    after: shifted(single({ subject: 'Moved' }), DAY), sequence: 1,
    messages: [req('series', [ANN, BOB], 2, ['start', 'end', 'subject'])] },

  // R7 exceptions
  { name: 'R7 one future occurrence moved: exactly one REQUEST for that date to both attendees', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { start: MAR17 + 2 * HOUR, end: MAR17 + 3 * HOUR })] }), sequence: 3,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 2, ['occurrence start', 'occurrence end'])] },
  { name: 'R7 occurrence subject changed: one REQUEST type 3 for it', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { subject: 'Standup with guests' })] }), sequence: 2,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 3, ['occurrence subject'])] },
  { name: 'R7 moved occurrence moved again', before: weekly({ exceptions: [ex(MAR17, { start: MAR17 + HOUR, end: MAR17 + 2 * HOUR })] }),
    after: weekly({ exceptions: [ex(MAR17, { start: MAR17 + DAY, end: MAR17 + DAY + HOUR })] }), sequence: 3,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 2)] },
  { name: 'R7 exception reverted to the series: one REQUEST type 2 for it', before: weekly({ exceptions: [ex(MAR17, { start: MAR17 + HOUR, end: MAR17 + 2 * HOUR })] }),
    after: weekly({ exceptions: [] }), sequence: 3,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 2)] },
  { name: 'R7 future occurrence deleted: one CANCEL for it', before: weekly(),
    after: weekly({ exceptions: [ex(MAR24, {}, { deleted: true })] }), sequence: 3,
    messages: [cancel('2025-03-24T09:00:00.000Z', [ANN, BOB], ['occurrence deleted'])] },
  { name: 'R7 occurrence cancelled by MeetingStatus 5 in its exception: one CANCEL for it', before: weekly(),
    after: weekly({ exceptions: [ex(MAR24, { meetingStatus: 5 })] }), sequence: 3,
    messages: [cancel('2025-03-24T09:00:00.000Z', [ANN, BOB])] },
  { name: 'R7 deleted occurrence restored: one REQUEST type 2 for it', before: weekly({ exceptions: [ex(MAR24, {}, { deleted: true })] }),
    after: weekly({ exceptions: [] }), sequence: 3,
    messages: [req('2025-03-24T09:00:00.000Z', [ANN, BOB], 2, ['occurrence restored'])] },
  { name: 'R7 exception with only a reminder and busy status: nothing', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { reminder: 5, busyStatus: 3, start: MAR17 })] }), sequence: 2, messages: [] },
  { name: 'R7 series subject change with an exception that overrides the subject: one series REQUEST only',
    before: weekly({ exceptions: [ex(MAR17, { subject: 'Demo day' })] }),
    after: weekly({ subject: 'Daily standup', exceptions: [ex(MAR17, { subject: 'Demo day' })] }), sequence: 2,
    messages: [req('series', [ANN, BOB], 3, ['subject'])] },
  { name: 'R7 series time change that drops the exceptions (16.x): one series REQUEST, none per occurrence',
    before: weekly({ exceptions: [ex(MAR17, { start: MAR17 + HOUR, end: MAR17 + 2 * HOUR }), ex(MAR24, {}, { deleted: true })] }),
    after: shifted(weekly(), HOUR), sequence: 3,
    messages: [req('series', [ANN, BOB], 2, ['start', 'end', FOLDED_NOTE, PAST_NOTE])] },
  { name: 'R7 attendee added to one occurrence only: REQUEST type 1 for it, to them only', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { attendees: [{ email: ANN }, { email: BOB }, { email: 'CAROL@example.com' }] })] }), sequence: 2,
    messages: [req('2025-03-17T09:00:00.000Z', [CAROL], 1, ['attendees added to the occurrence'])] },
  { name: 'R7 attendee removed from one occurrence only: CANCEL for it, to them only', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { attendees: [{ email: ANN }] })] }), sequence: 3,
    messages: [cancel('2025-03-17T09:00:00.000Z', [BOB], ['attendees removed from the occurrence'])] },
  { name: 'R7 two occurrences edited: one message each, in date order', before: weekly(),
    after: weekly({ exceptions: [ex(MAR24, {}, { deleted: true }), ex(MAR17, { location: { displayName: 'Room 9' } })] }), sequence: 3,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 3, ['occurrence location']), cancel('2025-03-24T09:00:00.000Z', [ANN, BOB])] },
  { name: 'R7 deleted meeting with a guest on one occurrence: the guest gets a CANCEL for it', before: weekly({ exceptions: [ex(MAR17, { attendees: [{ email: ANN }, { email: BOB }, { email: CAROL }] })] }),
    after: undefined, sequence: 3,
    messages: [cancel('series', [ANN, BOB], ['meeting deleted']), cancel('2025-03-17T09:00:00.000Z', [CAROL])] },

  // R8 never about the past
  { name: 'R8 past occurrence moved: nothing', before: weekly(),
    after: weekly({ exceptions: [ex(at('2025-03-03T09:00:00Z'), { start: at('2025-03-04T09:00:00Z'), end: at('2025-03-04T10:00:00Z') })] }), sequence: 2, messages: [] },
  { name: 'R8 past occurrence deleted: nothing', before: weekly(),
    after: weekly({ exceptions: [ex(at('2025-03-10T09:00:00Z'), {}, { deleted: true })] }), sequence: 2, messages: [] },
  { name: 'R8 past occurrence moved into the future: announced (the later end counts)', before: weekly(),
    after: weekly({ exceptions: [ex(at('2025-03-10T09:00:00Z'), { start: at('2025-03-14T09:00:00Z'), end: at('2025-03-14T10:00:00Z') })] }), sequence: 3,
    messages: [req('2025-03-10T09:00:00.000Z', [ANN, BOB], 2)] },
  { name: 'R8 future occurrence moved into the past: announced (its original end is ahead)', before: weekly(),
    after: weekly({ exceptions: [ex(MAR17, { start: at('2025-03-11T09:00:00Z'), end: at('2025-03-11T10:00:00Z') })] }), sequence: 3,
    messages: [req('2025-03-17T09:00:00.000Z', [ANN, BOB], 2)] },
  { name: 'R8 series that ended in the past updated: nothing',
    before: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, occurrences: 4 } }),
    after: shifted(weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, occurrences: 4 }, subject: 'Renamed' }), HOUR), sequence: 2, messages: [] },
  { name: 'R8 series cut short (Until moved before now): announced as a recurrence change',
    before: weekly(), after: weekly({ recurrence: { type: 1, interval: 1, dayOfWeek: 2, until: at('2025-03-10T09:00:00Z') } }), sequence: 3,
    messages: [req('series', [ANN, BOB], 2, ['recurrence', PAST_NOTE])] },
  { name: 'R8 a past single meeting edited: nothing', before: past(single()), after: shifted(past(single({ subject: 'x' })), HOUR), sequence: 0, messages: [] },
];

/** All-day weekly series on Mondays from 17 March 2025 in Europe/Berlin (local midnight = 23:00 UTC). */
const ALL_DAY = weekly({ start: at('2025-03-16T23:00:00Z'), end: at('2025-03-17T23:00:00Z'), allDay: true });
cases.push(
  { name: 'R7 all-day exception matched by its local date (UTC-midnight InstanceId): nothing',
    before: { ...ALL_DAY, exceptions: [ex(at('2025-03-23T23:00:00Z'), { subject: 'Offsite' })] },
    after: { ...ALL_DAY, exceptions: [ex(at('2025-03-24T00:00:00Z'), { subject: 'Offsite' })] }, sequence: 2, messages: [] },
  { name: 'R7 all-day occurrence deleted: one CANCEL for it', before: ALL_DAY,
    after: { ...ALL_DAY, exceptions: [ex(at('2025-03-23T23:00:00Z'), {}, { deleted: true })] }, sequence: 3,
    messages: [cancel('2025-03-23T23:00:00.000Z', [ANN, BOB])] },
);

function project(m: PlannedMessage): Expected {
  const scope = m.scope.kind === 'series' ? 'series' : new Date(m.scope.recurrenceId).toISOString();
  return { method: m.method, scope, to: m.recipients, type: m.meetingMessageType, reset: m.resetResponses, why: undefined };
}

/** What holds for every plan: recipients are lower case, unique, sorted, never empty, never the organizer. */
function checkInvariants(messages: PlannedMessage[]): void {
  for (const m of messages) {
    assert.ok(m.recipients.length > 0, 'a message has recipients');
    assert.ok(!m.recipients.includes(ORGANIZER.toLowerCase()), 'the organizer is never a recipient');
    assert.deepEqual(m.recipients, [...new Set(m.recipients.map(r => r.toLowerCase()))].sort(), 'lower case, unique, sorted');
    assert.ok(m.reasons.length > 0, 'every message says why');
  }
}

describe('planOrganizerMessages (RFC 5546 REQUEST/CANCEL, MS-ASEMAIL 2.2.2.47)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const plan = planOrganizerMessages(c.before, c.after, { now: NOW, organizer: ORGANIZER });
      checkInvariants(plan.messages);
      assert.deepEqual(plan.messages.map(project), c.messages.map(e => ({ ...e, why: undefined })));
      plan.messages.forEach((m, i) => {
        for (const why of c.messages[i]!.why ?? []) assert.ok(m.reasons.includes(why), `"${why}" in ${JSON.stringify(m.reasons)}`);
      });
      assert.equal(plan.sequence, c.sequence, 'R9 SEQUENCE');
    });
  }

  it('R4 the inputs are not modified', () => {
    const before = structuredClone(weekly({ exceptions: [ex(MAR17, { subject: 'x' })] }));
    const after = structuredClone(shifted(weekly(), HOUR));
    const copies = [structuredClone(before), structuredClone(after)];
    planOrganizerMessages(before, after, { now: NOW, organizer: ORGANIZER });
    assert.deepEqual([before, after], copies);
  });

  it('R8 the same edit a day after the occurrence: nothing', () => {
    const after = weekly({ exceptions: [ex(MAR17, { start: MAR17 + 2 * HOUR, end: MAR17 + 3 * HOUR })] });
    assert.equal(planOrganizerMessages(weekly(), after, { now: NOW, organizer: ORGANIZER }).messages.length, 1);
    const later = planOrganizerMessages(weekly(), after, { now: MAR17 + DAY, organizer: ORGANIZER });
    assert.deepEqual({ sequence: later.sequence, messages: later.messages }, { sequence: 2, messages: [] });
    // What the decision trace shows: the series compared unchanged, the moved occurrence past.
    assert.deepEqual(later.compared.map(c => c.outcome), ['unchanged', 'past']);
  });

  it('R6 an endless daily series edited: one message, however many occurrences it has', () => {
    const daily = weekly({ recurrence: { type: 0, interval: 1 } });
    const plan = planOrganizerMessages(daily, shifted(daily, HOUR), { now: NOW, organizer: ORGANIZER });
    assert.equal(plan.messages.length, 1);
  });
});
