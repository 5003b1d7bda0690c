// Forwarding a meeting (MS-ASCMD 2.2.1.19; RFC 5546 forwarding to an uninvited calendar user).
// The people it is forwarded to get the organizer's invitation — the whole meeting, or the one
// occurrence — with themselves added as optional attendees, so their answers count:
// - on this server: a meeting request in the Inbox and a tentative placeholder on the Calendar
//   (src/scheduling/delivery.ts), exactly as if the organizer had invited them;
// - elsewhere: the forward itself carries the text/calendar REQUEST (built here, sent by the caller).
// A local organizer's meeting gains them as attendees; when someone else forwarded it, the organizer
// also finds a "Meeting Forward Notification" in the Inbox (what Exchange sends). An organizer
// elsewhere hears of them only when they answer: RFC 5546 leaves adding them to the organizer.
import { exceptionAt, withException } from '../calendar/exceptions.js';
import type { Attendee, CalendarEvent, Exception, Overrides } from '../calendar/model.js';
import { organizerIcs } from '../scheduling/imip.js';
import { meetingCopy } from '../scheduling/calendars.js';
import { deliverToAttendee } from '../scheduling/delivery.js';
import type { Store } from '../store/Store.js';
import { FolderType, type User } from '../store/types.js';
import { mailbox, mailItemProps } from './item.js';
import { MeetingMessageType } from './meetingRequest.js';
import type { MeetingSource } from './original.js';

export interface Forwardee {
  email: string;
  name?: string | undefined;
}

/** MS-ASCAL AttendeeType 2 (optional), AttendeeStatus 5 (not responded). */
const OPTIONAL = 2;
const NOT_RESPONDED = 5;

/** Who the invitation is for: everyone the forward goes to but the organizer and the forwarder. */
export function forwardeesOf(meeting: MeetingSource, forwarder: User, recipients: Forwardee[]): Forwardee[] {
  const organizer = meeting.event.organizer?.email.toLowerCase() ?? forwarder.email;
  return recipients.filter(r => r.email !== organizer && r.email !== forwarder.email);
}

/**
 * Inside the forward's transaction: the organizer's bookkeeping and the local forwardees' meeting
 * mail. Returns the recipients reached as meeting mail (they get no plain copy of the forward) and
 * the REQUEST the forward carries to recipients on other servers.
 */
export async function forwardMeeting(tx: Store, forwarder: User, meeting: MeetingSource, forwardees: Forwardee[]):
  Promise<{ handled: Set<string>; ics: string } | undefined> {
  const handled = new Set<string>();
  const { recurrenceId } = meeting;
  let event = withAttendees(asOrganizerSent(meeting.event), forwardees, recurrenceId);
  const organizer = meeting.event.organizer && (await tx.findUserByEmail(meeting.event.organizer.email.toLowerCase()));
  if (organizer) {
    // A meeting organized here is the organizer's: only its organizer and its attendees may pass it
    // on. Anyone else's calendar item that merely names its UID is forwarded as plain mail, and the
    // organizer's meeting is neither shown nor changed.
    const own = await organizerCopy(tx, organizer, meeting.event.uid);
    if (!own?.event || !(organizer.id === forwarder.id || invites(own.event, forwarder.email))) return undefined;
    if (forwardees.length) {
      event = withAttendees(own.event, forwardees, recurrenceId);
      await tx.updateItem(organizer.id, own.id, { props: [], event, filterTime: own.filterTime });
      if (organizer.id !== forwarder.id) await notifyOrganizer(tx, organizer, forwarder, event, forwardees, recurrenceId);
    }
  }
  for (const f of forwardees) {
    const attendee = await tx.findUserByEmail(f.email);
    if (!attendee) continue;
    const known = (await tx.findItemsByUid(attendee.id, event.uid)).length > 0;
    const delivered = await deliverToAttendee(tx, attendee, {
      method: 'REQUEST', event, recurrenceId,
      messageType: known ? MeetingMessageType.InformationalUpdate : MeetingMessageType.InitialRequest, resetResponses: !known,
    });
    if (delivered !== 'OTHER_ORGANIZER') handled.add(f.email);
  }
    // The organizer's revision passed on: its DTSTAMP is the organizer's, not the forward's (RFC 5546 2.1.5).
  return { handled, ics: organizerIcs('REQUEST', event, { recurrenceId, now: event.dtStamp }) };
}

async function organizerCopy(tx: Store, organizer: User, uid: string) {
  return (await meetingCopy(tx, organizer.id, uid)).item;
}

/** Whether `email` is an attendee of the series or of any of its occurrences. */
function invites(event: CalendarEvent, email: string): boolean {
  const named = (list: Attendee[] | undefined) => (list ?? []).some(a => a.email.toLowerCase() === email);
  return named(event.attendees) || (event.exceptions ?? []).some(x => named(x.overrides.attendees));
}

/** The forwardees as optional attendees, of the series or of that one occurrence. */
function withAttendees(event: CalendarEvent, forwardees: Forwardee[], recurrenceId: number | undefined): CalendarEvent {
  const add = (list: Attendee[] | undefined): Attendee[] => {
    const have = new Set((list ?? []).map(a => a.email.toLowerCase()));
    return [...(list ?? []), ...forwardees.filter(f => !have.has(f.email))
      .map(f => ({ email: f.email, name: f.name, type: OPTIONAL, status: NOT_RESPONDED, rsvp: true } satisfies Attendee))];
  };
  if (recurrenceId === undefined) return { ...event, attendees: add(event.attendees) };
  const own = exceptionAt(event, recurrenceId);
  const overrides = { ...(own?.overrides ?? {}), attendees: add(own?.overrides.attendees ?? event.attendees) };
  const exception: Exception = { ...(own ?? { originalStart: recurrenceId }), overrides };
  return withException(event, exception);
}

/** An attendee's copy as the organizer sent it: without the attendee's own answer and state. */
function asOrganizerSent(event: CalendarEvent): CalendarEvent {
  const clean = <T extends Overrides>(o: T): T => ({ ...o, responseType: undefined, appointmentReplyTime: undefined, meetingStatus: undefined });
  return { ...clean(event), exceptions: event.exceptions?.map(x => ({ ...x, overrides: clean(x.overrides) })) };
}

async function notifyOrganizer(tx: Store, organizer: User, forwarder: User, event: CalendarEvent, forwardees: Forwardee[],
  recurrenceId: number | undefined): Promise<void> {
  const inbox = (await tx.listFolders(organizer.id)).find(f => f.type === FolderType.Inbox)!;
  const subject = event.subject ?? '';
  const which = recurrenceId === undefined ? '' : ` (the occurrence of ${new Date(recurrenceId).toUTCString()})`;
  const body = [
    `${forwarder.displayName || forwarder.email} forwarded your meeting "${subject}"${which} to:`,
    ...forwardees.map(f => `  ${mailbox(f.email, f.name)}`),
    '', 'They have been added to the meeting as optional attendees.',
  ].join('\n');
  await tx.addItem(organizer.id, inbox.id, {
    class: 'Email', filterTime: Date.now(),
    props: mailItemProps({
      to: mailbox(organizer.email, organizer.displayName), from: mailbox(forwarder.email, forwarder.displayName),
      subject: `Meeting Forward Notification: ${subject}`, threadTopic: subject, displayTo: organizer.displayName,
      body: { type: 1, data: body }, messageClass: 'IPM.Schedule.Meeting.Notification.Forward',
    }),
  });
}
