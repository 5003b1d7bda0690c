// The iCalendar objects the engine sends to people on other servers (RFC 6047 iMIP): a REQUEST or
// CANCEL for the series or one occurrence, and a REPLY carrying only the answering attendee.
import { occurrenceEvent } from '../calendar/exceptions.js';
import { eventsToIcs } from '../calendar/ical.js';
import type { AttendeeStatus, CalendarEvent } from '../calendar/model.js';
import type { PartStat } from './replies.js';

const STATUS: Record<PartStat, AttendeeStatus> = { ACCEPTED: 3, TENTATIVE: 2, DECLINED: 4 };

/** The occurrence as an iTIP message states it: alone, with its RECURRENCE-ID. */
function occurrence(event: CalendarEvent, recurrenceId: number): CalendarEvent {
  return { ...occurrenceEvent(event, recurrenceId), recurrenceId };
}

/** REQUEST or CANCEL as the organizer sends it; `recurrenceId` narrows it to that occurrence. */
export function organizerIcs(method: 'REQUEST' | 'CANCEL', event: CalendarEvent, recurrenceId?: number): string {
  const shown = { ...event, extraIcal: ownLines(event.extraIcal) };
  return eventsToIcs([recurrenceId === undefined ? shown : occurrence(shown, recurrenceId)], { method });
}

/** Convene's own bookkeeping (when each attendee last replied) stays on this server. */
function ownLines(lines: string[] | undefined): string[] | undefined {
  const kept = lines?.filter(l => !/^X-CONVENE-REPLY-DTSTAMP[;:]/i.test(l));
  return kept?.length ? kept : undefined;
}

/** RFC 5546 §3.2.3: a REPLY names the meeting and the one attendee who answers. */
export function replyIcs(event: CalendarEvent, attendee: { email: string; name?: string | undefined }, partstat: PartStat, recurrenceId?: number): string {
  const base = recurrenceId === undefined ? event : occurrence(event, recurrenceId);
  const { exceptions: _x, recurrence: _r, extraIcal: _e, ...single } = base;
  return eventsToIcs([{ ...single, dtStamp: Date.now(), attendees: [{ email: attendee.email, name: attendee.name, status: STATUS[partstat] }] }], { method: 'REPLY' });
}
