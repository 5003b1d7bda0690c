// The organizer side, wired to Sync: after a 16.x device adds, changes or deletes a meeting it
// organizes, decide what the attendees must hear (organizerChanges.ts) and deliver it. A ≤14.1
// device sends its own invitations with SendMail (MS-ASCMD 2.2.1.11), so it gets no help here.
import type { CalendarEvent } from '../calendar/model.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { deliverToAttendees } from './delivery.js';
import { sendOrganizerMessage } from './remote.js';
import { planOrganizerMessages } from './organizerChanges.js';
import { applyReply, type PartStat } from './replies.js';

/** MS-ASCAL MeetingStatus of the organizer's own copy of a meeting. */
const ORGANIZED = 1;

export interface OrganizerEdit {
  store: Store;
  user: User;
  before: CalendarEvent | undefined;
  after: CalendarEvent | undefined;
}

/** The event as the organizer's copy must be stored: its organizer, meeting status and SEQUENCE. */
export async function scheduleOrganizerEdit(edit: OrganizerEdit): Promise<CalendarEvent | undefined> {
  const after = edit.after && asOrganized(edit.after, edit.user);
  const plan = planOrganizerMessages(edit.before, after, { now: Date.now(), organizer: edit.user.email });
  // A new time asks every attendee again: their answers on the organizer's copy go back to 5.
  const reset = plan.messages.some(m => m.resetResponses && m.scope.kind === 'series');
  const event = after && { ...after, sequence: plan.sequence, ...(reset ? { attendees: after.attendees?.map(a => ({ ...a, status: 5 as const })) } : {}) };
  const source = event ?? edit.before;
  if (!source) return event;
  for (const m of plan.messages) {
    const recurrenceId = m.scope.kind === 'occurrence' ? m.scope.recurrenceId : undefined;
    const sent = event ?? { ...source, sequence: plan.sequence };
    // Local attendees are found, locked and delivered to set-wise (docs/performance.md): a handful
    // of statements for the whole list, not a handful per attendee.
    const local = new Map((await edit.store.findUsersByEmail(m.recipients)).map(u => [u.email, u]));
    const attendees = m.recipients.flatMap(r => local.get(r.toLowerCase()) ?? []);
    const remote = m.recipients.filter(r => !local.has(r.toLowerCase()));
    await deliverToAttendees(edit.store, attendees, {
      method: m.method, event: sent, recurrenceId, messageType: m.meetingMessageType, resetResponses: m.resetResponses,
    });
    // People elsewhere get one iMIP mail per message (RFC 6047), through the outbound queue.
    if (remote.length) await sendOrganizerMessage(edit.store, edit.user, remote, m.method, sent, recurrenceId);
  }
  return event;
}

/**
 * Some clients answer an invitation by editing their own copy (its ResponseType, or their own
 * attendee entry) instead of MeetingResponse. That is the attendee's answer: passed to a local
 * organizer when the meeting asks for answers — never a meeting of the attendee's, never a re-invite.
 */
export async function answerByEdit(store: Store, user: User, before: CalendarEvent | undefined, after: CalendarEvent): Promise<void> {
  const organizer = after.organizer?.email.toLowerCase();
  if (!before || !organizer || organizer === user.email || after.responseRequested === false) return;
  const was = answerOf(before, user.email);
  const now = answerOf(after, user.email);
  if (!now || now === was) return;
  const organizerUser = await store.findUserByEmail(organizer);
  if (organizerUser) await applyReply(store, organizerUser, { uid: after.uid, from: user.email, fromName: user.displayName, partstat: now });
}

/** ResponseType 3/2/4 of the item, or the user's own AttendeeStatus in it. */
export function answerOf(e: CalendarEvent, email: string): PartStat | undefined {
  const own = e.attendees?.find(a => a.email.toLowerCase() === email)?.status;
  const code = e.responseType === 2 || e.responseType === 3 || e.responseType === 4 ? e.responseType : own;
  return code === 3 ? 'ACCEPTED' : code === 2 ? 'TENTATIVE' : code === 4 ? 'DECLINED' : undefined;
}

/** A meeting a device creates is the account's own: organizer and status are the server's to set. */
function asOrganized(event: CalendarEvent, user: User): CalendarEvent {
  if (!event.attendees?.length) return event;
  if (event.organizer && event.organizer.email.toLowerCase() !== user.email) return event;
  return { ...event, organizer: event.organizer ?? { email: user.email, name: user.displayName }, meetingStatus: event.meetingStatus ?? ORGANIZED, responseType: 1 };
}
