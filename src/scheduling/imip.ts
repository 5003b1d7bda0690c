// The iCalendar objects the engine sends to people on other servers (RFC 6047 iMIP): a REQUEST or
// CANCEL for the series or one occurrence, a REPLY or COUNTER carrying only the answering attendee.
// What leaves is what the receiving calendar systems act on (docs/scheduling-interop.md, "Outbound
// and round trips"): DTSTAMP is when the message is made (RFC 5546 2.1.5 orders revisions of one
// SEQUENCE by it), every ATTENDEE says CUTYPE, ROLE, PARTSTAT and RSVP, and the organizer's own
// bookkeeping (its MeetingStatus, ResponseType, categories, ClientUid, EAS time zone blob, reply
// stamps) stays here.
import { occurrenceEvent } from '../calendar/exceptions.js';
import { eventsToIcs } from '../calendar/ical.js';
import type { Attendee, AttendeeStatus, CalendarEvent, Overrides } from '../calendar/model.js';
import type { PartStat } from './replies.js';

const STATUS: Record<PartStat, AttendeeStatus> = { ACCEPTED: 3, TENTATIVE: 2, DECLINED: 4 };
const NOT_RESPONDED = 5;
const REQUIRED = 1;

/** The occurrence as an iTIP message states it: alone, with its RECURRENCE-ID. */
function occurrence(event: CalendarEvent, recurrenceId: number): CalendarEvent {
  return { ...occurrenceEvent(event, recurrenceId), recurrenceId };
}

/** Convene's own lines (when each attendee last replied) and a STATUS the message sets itself. */
function sharedLines(lines: string[] | undefined, status?: string): string[] | undefined {
  const kept = (lines ?? []).filter(l => !/^X-CONVENE-REPLY-DTSTAMP[;:]/i.test(l) && !(status && /^STATUS[;:]/i.test(l)));
  if (status) kept.push(`STATUS:${status}`);
  return kept.length ? kept : undefined;
}

/** What only the owner's copy means: how it is filed, answered, tagged, synced. */
function sharedOverrides<T extends Overrides>(o: T): T {
  return { ...o, meetingStatus: undefined, responseType: undefined, appointmentReplyTime: undefined, categories: undefined };
}

/**
 * RFC 5546 3.2.2 as Exchange and Google read it: an attendee whose answer is asked for has RSVP=TRUE
 * (Exchange sets ResponseRequested from it), an unanswered one PARTSTAT=NEEDS-ACTION, a person
 * CUTYPE=INDIVIDUAL with a ROLE (required unless said otherwise).
 */
function invited(a: Attendee, responseRequested: boolean): Attendee {
  const status = a.status === undefined || a.status === 0 ? NOT_RESPONDED : a.status;
  return { ...a, status, type: a.type ?? REQUIRED, rsvp: a.type === 3 ? false : responseRequested };
}

/** The event as it is shared with others, every revision stamped `now`. */
function shared(event: CalendarEvent, now: number, attendee: (a: Attendee) => Attendee, status?: string): CalendarEvent {
  const { clientUid: _c, easTimeZone: _t, ...rest } = sharedOverrides(event);
  return {
    ...rest, dtStamp: now, attendees: event.attendees?.map(attendee), extraIcal: sharedLines(event.extraIcal, status),
    exceptions: event.exceptions?.map(x => ({
      ...x, dtStamp: now, overrides: { ...sharedOverrides(x.overrides), attendees: x.overrides.attendees?.map(attendee) },
    })),
  };
}

export interface OrganizerIcsOptions {
  /** The occurrence the message is about (its original start); the series when absent. */
  recurrenceId?: number | undefined;
  /**
   * CANCEL: the attendees it removes (RFC 5546 3.2.5: a CANCEL names the attendees being removed,
   * all of them when the whole meeting goes) — they are no longer in the event after the change.
   */
  recipients?: string[] | undefined;
  now?: number | undefined;
  /** RFC 5545 3.2.18 SENT-BY on the ORGANIZER: the delegate who organizes for it. */
  sentBy?: string | undefined;
}

/** REQUEST or CANCEL as the organizer sends it. */
export function organizerIcs(method: 'REQUEST' | 'CANCEL', event: CalendarEvent, o: OrganizerIcsOptions = {}): string {
  const now = o.now ?? Date.now();
  const asked = event.responseRequested !== false;
  let out = shared(event, now, a => invited(a, asked), method === 'CANCEL' ? 'CANCELLED' : undefined);
  if (o.recurrenceId !== undefined) out = occurrence(out, o.recurrenceId);
  if (method === 'CANCEL' && o.recipients?.length) {
    const known = new Map([...(event.attendees ?? []), ...(event.exceptions ?? []).flatMap(x => x.overrides.attendees ?? [])]
      .map(a => [a.email.toLowerCase(), a] as const));
    const removed = o.recipients.map(r => invited(known.get(r.toLowerCase()) ?? { email: r }, false));
    out = { ...out, attendees: removed };
  }
  // A whole meeting is cancelled by its master alone (its changed occurrences go with it).
  if (method === 'CANCEL') out = { ...out, exceptions: out.exceptions?.filter(x => x.deleted) };
  const ics = eventsToIcs([out], { method });
  return o.sentBy ? withSentBy(ics, 'ORGANIZER', o.sentBy) : ics;
}

export interface AnswerIcsOptions {
  recurrenceId?: number | undefined;
  /** RFC 5545 3.8.1.4 COMMENT: the attendee's words to the organizer. */
  comment?: string | undefined;
  /** COUNTER (RFC 5546 3.2.7): the time the attendee proposes. */
  proposal?: { start: number; end: number } | undefined;
  now?: number | undefined;
  /** RFC 5545 3.2.18 SENT-BY: the delegate who answers for the attendee. */
  sentBy?: string | undefined;
}

/**
 * RFC 5546 3.2.3 REPLY / 3.2.7 COUNTER: the meeting (or the one occurrence) with only the answering
 * attendee, its PARTSTAT, and for a COUNTER the proposed time. The attendee's reminder and the
 * organizer's description are not sent back.
 */
export function replyIcs(event: CalendarEvent, attendee: { email: string; name?: string | undefined }, partstat: PartStat, o: AnswerIcsOptions = {}): string {
  const base = o.recurrenceId === undefined ? event : occurrence(event, o.recurrenceId);
  const { exceptions: _x, recurrence: _r, extraIcal: _e, clientUid: _c, easTimeZone: _t, reminder: _a, body: _b, ...single } = sharedOverrides(base);
  const own = event.attendees?.find(a => a.email.toLowerCase() === attendee.email.toLowerCase());
  const times = o.proposal ? { start: o.proposal.start, end: o.proposal.end } : {};
  const comment = o.comment?.trim() ? [`COMMENT:${escapeText(o.comment.trim())}`] : undefined;
  const ics = eventsToIcs([{
    ...single, ...times, dtStamp: o.now ?? Date.now(), extraIcal: comment,
    attendees: [{ email: attendee.email, name: attendee.name ?? own?.name, status: STATUS[partstat], type: own?.type ?? REQUIRED }],
  }], { method: o.proposal ? 'COUNTER' : 'REPLY' });
  return o.sentBy ? withSentBy(ics, 'ATTENDEE', o.sentBy) : ics;
}

/** The calendar model keeps no SENT-BY: the first ORGANIZER (or the one ATTENDEE) line gets it as its first parameter. */
function withSentBy(ics: string, property: 'ORGANIZER' | 'ATTENDEE', sentBy: string): string {
  return ics.replace(new RegExp(`^${property}(?=[;:])`, 'm'), `${property};SENT-BY="mailto:${sentBy.replace(/["\r\n]/g, '')}"`);
}

/** RFC 5545 3.3.11 TEXT: backslash, semicolon, comma and line breaks escaped. */
function escapeText(s: string): string {
  return s.replace(/\r\n?/g, '\n').replace(/[\\;,]/g, c => `\\${c}`).replace(/\n/g, '\\n');
}
