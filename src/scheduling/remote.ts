// Sending the engine's messages to people on other servers: an iMIP mail (RFC 6047) composed and
// put on the outbound queue in the caller's transaction, so it leaves only if the change commits.
import type { CalendarEvent } from '../calendar/model.js';
import { composeMessage } from '../mail/compose.js';
import { queueMail } from '../mail/outbound.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { organizerIcs, replyIcs } from './imip.js';
import type { PartStat } from './replies.js';

const VERB: Record<PartStat, string> = { ACCEPTED: 'Accepted', TENTATIVE: 'Tentative', DECLINED: 'Declined' };

export async function sendOrganizerMessage(store: Store, organizer: User, recipients: string[], method: 'REQUEST' | 'CANCEL',
  event: CalendarEvent, recurrenceId?: number): Promise<void> {
  const subject = `${method === 'CANCEL' ? 'Canceled: ' : ''}${event.subject ?? ''}`;
  const mime = await composeMessage({
    from: { name: organizer.displayName, address: organizer.email }, to: recipients, subject,
    text: `${method === 'CANCEL' ? 'This meeting has been canceled.\n' : ''}When: ${new Date(event.start).toUTCString()}`,
    icalEvent: { method, content: organizerIcs(method, event, recurrenceId) },
  });
  await queueMail(store, organizer.id, { from: organizer.email, recipients, mime });
}

export async function sendReply(store: Store, attendee: User, event: CalendarEvent, partstat: PartStat,
  o: { recurrenceId?: number | undefined; comment?: string | undefined }): Promise<void> {
  const organizer = event.organizer!;
  const mime = await composeMessage({
    from: { name: attendee.displayName, address: attendee.email }, to: [organizer.email],
    subject: `${VERB[partstat]}: ${event.subject ?? ''}`, text: o.comment ?? `${VERB[partstat]}.`,
    icalEvent: { method: 'REPLY', content: replyIcs(event, { email: attendee.email, name: attendee.displayName }, partstat, o.recurrenceId) },
  });
  await queueMail(store, attendee.id, { from: attendee.email, recipients: [organizer.email], mime });
}
