// iTIP objects (RFC 5546) that a local user's device sends in its own mail (≤14.1 devices send
// invitations and answers themselves, MS-ASCMD 2.2.1.11): REQUEST and CANCEL from the organizer
// reach local attendees as meeting mail; a REPLY reaches a local organizer at once.
import { icsToEvents } from '../calendar/ical.js';
import type { CalendarEvent } from '../calendar/model.js';
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { isEditorDelegate, routesOf } from './delegates.js';
import { deliverToAttendee } from './delivery.js';
import { applyReply, type PartStat } from './replies.js';
import { NO_TRACE, scopeLabel, type Tracer } from './trace.js';

/** The recipients an iTIP object was delivered to as meeting mail (they get no plain copy). */
export type Handled = Set<string>;

export async function routeSubmittedItip(store: Store, sender: User, method: string, ics: string, recipients: string[],
  log: (msg: string) => void, note?: string, trace: Tracer = NO_TRACE): Promise<Handled> {
  const handled: Handled = new Set();
  const events = icsToEvents(ics, { method });
  for (const event of events) {
    if (method === 'REPLY') {
      // The organizer here gets the answer as the Resp.* message, not also the device's mail.
      const organizer = await reply(store, sender, event, note, log, trace);
      if (organizer && recipients.includes(organizer)) handled.add(organizer);
    } else if (method === 'REQUEST' || method === 'CANCEL') await announce(store, sender, method, event, recipients, handled, trace);
  }
  return handled;
}

/** Applies the sender's answer; returns the organizer's address when it reached a local organizer. */
async function reply(store: Store, sender: User, event: CalendarEvent, note: string | undefined, log: (msg: string) => void, trace: Tracer): Promise<string | undefined> {
  const organizer = event.organizer && (await store.findUserByEmail(event.organizer.email));
  if (!organizer) return undefined;
  // Only the sender's own ATTENDEE line counts: a device answers for its account, nobody else — or,
  // a delegate's, for a principal it is a delegate of (delegates.ts; RFC 5545 3.2.18 SENT-BY).
  const answering = event.attendees?.some(a => a.email.toLowerCase() === sender.email) ? sender : (await principalOf(store, sender, event)) ?? sender;
  const own = event.attendees?.find(a => a.email.toLowerCase() === answering.email);
  const partstat: PartStat | undefined = own?.status === 3 ? 'ACCEPTED' : own?.status === 2 ? 'TENTATIVE' : own?.status === 4 ? 'DECLINED' : undefined;
  if (!partstat) {
    log(`REPLY for ${event.uid} from ${sender.email} names no answer of the sender's; ignored`);
    return undefined;
  }
  const outcome = await applyReply(store, organizer, { uid: event.uid, from: answering.email, fromName: answering.displayName, partstat, recurrenceId: event.recurrenceId,
    comment: note?.trim() || undefined, sentBy: answering === sender ? undefined : { email: sender.email, name: sender.displayName } }, trace);
  if (outcome !== 'APPLIED') log(`REPLY for ${event.uid} from ${sender.email}: ${outcome}`);
  return outcome === 'APPLIED' ? organizer.email : undefined;
}

/** The attendee of a REPLY the sender answers for as its (editor) delegate, if one is (at most 20 looked at). */
async function principalOf(store: Store, sender: User, event: CalendarEvent): Promise<User | undefined> {
  const users = await store.findUsersByEmail((event.attendees ?? []).slice(0, 20).map(a => a.email.toLowerCase()));
  const routes = routesOf(await store.delegatesOf(users.map(u => u.id)));
  return users.find(u => routes.get(u.id)?.delegates.some(d => d.delegateId === sender.id));
}

async function announce(store: Store, sender: User, method: 'REQUEST' | 'CANCEL', event: CalendarEvent, recipients: string[], handled: Handled,
  trace: Tracer): Promise<void> {
  // The sender's own meeting — or its principal's, organized by an editor-delegate (SENT-BY).
  const forOther = event.organizer !== undefined && event.organizer.email.toLowerCase() !== sender.email;
  const principal = forOther ? await store.findUserByEmail(event.organizer!.email) : undefined;
  if (forOther && !(principal && await isEditorDelegate(store, principal.id, sender.id))) return;
  const organized: CalendarEvent = { ...event, organizer: event.organizer ?? { email: sender.email, name: sender.displayName } };
  for (const recipient of recipients) {
    const attendee = await store.findUserByEmail(recipient);
    if (!attendee || attendee.id === sender.id || attendee.id === principal?.id) continue;
    const known = (await store.findItemsByUid(attendee.id, event.uid)).length > 0;
    const delivered = await deliverToAttendee(store, attendee, {
      method, event: seriesOf(organized), recurrenceId: event.recurrenceId,
      messageType: method === 'CANCEL' || known ? MeetingMessageType.FullUpdate : MeetingMessageType.InitialRequest,
      resetResponses: true,
    });
    trace.note({ step: delivered === 'OTHER_ORGANIZER' ? 'refused' : 'sent', userId: sender.id, uid: event.uid, subject: event.subject, recurrenceId: event.recurrenceId,
      text: `${method} for ${scopeLabel(event.recurrenceId)} to ${recipient}: ${delivered === 'OTHER_ORGANIZER' ? 'refused, the attendee holds this UID as another organizer\'s meeting' : 'delivered here'}`,
      data: { method, recipient, where: 'local', outcome: delivered } });
    // Refused (another organizer's meeting): the message arrives as the plain mail it is.
    if (delivered !== 'OTHER_ORGANIZER') handled.add(recipient);
  }
}

/** A message about one occurrence is delivered as an exception of the series it belongs to. */
function seriesOf(event: CalendarEvent): CalendarEvent {
  if (event.recurrenceId === undefined) return event;
  const { recurrenceId, ...rest } = event;
  return { ...rest, start: recurrenceId, end: recurrenceId + (event.end - event.start),
    exceptions: [{ originalStart: recurrenceId, overrides: { start: event.start, end: event.end, subject: event.subject } }] };
}
