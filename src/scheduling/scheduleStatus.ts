// RFC 6638 7.1–7.3 on the organizer's side: which planned messages the server sends (not to a
// calendar user the client schedules, SCHEDULE-AGENT=CLIENT/NONE; a REQUEST anyway to one marked
// SCHEDULE-FORCE-SEND=REQUEST), and the SCHEDULE-STATUS each recipient's ATTENDEE then carries on
// the organizer's copy (3.2.9). Devices never see them; an EAS Change keeps what CalDAV set.
import type { Attendee, CalendarEvent } from '../calendar/model.js';
import { mapCalendarUsers, serverSchedules } from '../calendar/scheduleParams.js';
import type { PlannedMessage } from './organizerChanges.js';

/** RFC 6638 3.2.9 statcodes the server writes back. */
export const SCHEDULE_STATUS = {
  /** 1.0 pending: queued (iMIP on the outbound queue). */
  PENDING: '1.0',
  /** 1.2 delivered: filed in the calendar user's mailbox on this server. */
  DELIVERED: '1.2',
  /** 3.7 invalid calendar user: not an address a message can go to. */
  INVALID_USER: '3.7',
  /** 3.8 no authority: the attendee holds the UID as another organizer's meeting (delivery.ts). */
  NO_AUTHORITY: '3.8',
  /** 5.1 could not complete delivery. */
  NOT_DELIVERED: '5.1',
} as const;

/** An address a message can be sent to (RFC 5322 addr-spec, loosely): one @, no blanks or specials. */
export function deliverableAddress(address: string): boolean {
  return /^[^\s@"<>(),;:\\]+@[^\s@"<>(),;:\\]+$/.test(address);
}

const CANCELLED = new Set([5, 7, 13, 15]);

/**
 * The plan's messages as the server sends them: recipients the client schedules (7.1) left out, and
 * a series REQUEST (informational) added for attendees with SCHEDULE-FORCE-SEND=REQUEST (7.2) that
 * get none. Nothing at all when the ORGANIZER says CLIENT or NONE.
 */
export function serverMessages(messages: PlannedMessage[], before: CalendarEvent | undefined, after: CalendarEvent | undefined, organizer: string): PlannedMessage[] {
  if (!serverSchedules((after ?? before)?.organizer)) return [];
  const agents = new Map<string, Attendee>();
  for (const e of [before, after]) for (const a of everyAttendee(e)) if (!serverSchedules(a)) agents.set(a.email.toLowerCase(), a);
  const out = messages.map(m => ({ ...m, recipients: m.recipients.filter(r => !agents.has(r.toLowerCase())) })).filter(m => m.recipients.length);
  if (!after || CANCELLED.has(after.meetingStatus ?? 1)) return out;
  const asked = new Set(out.filter(m => m.method === 'REQUEST' && m.scope.kind === 'series').flatMap(m => m.recipients));
  const forced = [...new Set((after.attendees ?? [])
    .filter(a => a.scheduleForceSend === 'REQUEST' && serverSchedules(a))
    .map(a => a.email.toLowerCase()))].filter(e => e !== organizer.toLowerCase() && !asked.has(e)).sort();
  if (forced.length) out.push({ method: 'REQUEST', recipients: forced, scope: { kind: 'series' }, meetingMessageType: 3, resetResponses: false, reasons: ['SCHEDULE-FORCE-SEND'] });
  return out;
}

/** The event with each listed attendee's SCHEDULE-STATUS (series and overrides alike). */
export function withScheduleStatus(e: CalendarEvent, statuses: ReadonlyMap<string, string>): CalendarEvent {
  if (statuses.size === 0) return e;
  return mapCalendarUsers(e, (p, role) => {
    const status = role === 'ATTENDEE' ? statuses.get(p.email.toLowerCase()) : undefined;
    return status ? { ...p, scheduleStatus: status } : p;
  });
}

function everyAttendee(e: CalendarEvent | undefined): Attendee[] {
  return e ? [...(e.attendees ?? []), ...(e.exceptions ?? []).flatMap(x => x.overrides.attendees ?? [])] : [];
}
