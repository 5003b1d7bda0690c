// Sending the engine's messages to people on other servers: an iMIP mail (RFC 6047) composed and
// put on the outbound queue in the caller's transaction, so it leaves only if the change commits.
// The layout is the one Google Calendar and Exchange send and every major calendar reads
// (docs/scheduling-interop.md): multipart/alternative of text, HTML and the text/calendar object
// with its method, plus the same object as an invite.ics attachment.
import { occurrenceEvent } from '../calendar/exceptions.js';
import type { CalendarEvent } from '../calendar/model.js';
import { composeMessage } from '../mail/compose.js';
import { mailbox } from '../mail/item.js';
import { queueMail } from '../mail/outbound.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { organizerIcs, replyIcs } from './imip.js';
import type { PartStat } from './replies.js';

const VERB: Record<PartStat, string> = { ACCEPTED: 'Accepted', TENTATIVE: 'Tentative', DECLINED: 'Declined' };

export async function sendOrganizerMessage(store: Store, organizer: User, recipients: string[], method: 'REQUEST' | 'CANCEL',
  event: CalendarEvent, recurrenceId?: number, sentBy?: User): Promise<void> {
  const shown = recurrenceId === undefined ? event : occurrenceEvent(event, recurrenceId);
  const subject = `${method === 'CANCEL' ? 'Canceled: ' : ''}${shown.subject ?? ''}`;
  const lead = method === 'CANCEL'
    ? `This meeting${recurrenceId === undefined ? '' : ' occurrence'} has been canceled.`
    : `${organizer.displayName || organizer.email} invites you${recurrenceId === undefined ? '' : ' to this occurrence'}.`;
  const mime = await composeMessage({
    from: { name: organizer.displayName, address: organizer.email }, to: recipients, subject,
    ...bodies(lead, shown),
    // RFC 5322 3.6.2: a delegate who organizes for the principal is the Sender.
    headers: sentBy ? { Sender: mailbox(sentBy.email, sentBy.displayName) } : undefined,
    icalEvent: { method, content: organizerIcs(method, event, { recurrenceId, recipients: method === 'CANCEL' ? recipients : undefined, sentBy: sentBy?.email }) },
  });
  await queueMail(store, organizer.id, { from: sentBy?.email ?? organizer.email, recipients, mime });
}

export interface SentAnswer {
  recurrenceId?: number | undefined;
  comment?: string | undefined;
  /** A new time the attendee proposes: the answer goes as a COUNTER (RFC 5546 3.2.7). */
  proposal?: { start: number; end: number } | undefined;
  /** A delegate answering for the attendee (delegates.ts): the mail's Sender, the ATTENDEE's SENT-BY. */
  sentBy?: User | undefined;
}

/** The attendee's REPLY — or COUNTER, with a proposed time — to an organizer elsewhere. */
export async function sendReply(store: Store, attendee: User, event: CalendarEvent, partstat: PartStat, o: SentAnswer): Promise<void> {
  const organizer = event.organizer!;
  const shown = o.recurrenceId === undefined ? event : occurrenceEvent(event, o.recurrenceId);
  const who = attendee.displayName || attendee.email;
  // Outlook's subject for a proposal; its text says the answer too, for organizers that show COUNTER as mail only.
  const subject = o.proposal ? `New Time Proposed: ${shown.subject ?? ''}` : `${VERB[partstat]}: ${shown.subject ?? ''}`;
  const lead = o.proposal
    ? `${who} proposes a new time: ${when({ ...shown, ...o.proposal })} (answer: ${VERB[partstat].toLowerCase()}).`
    : `${who} has ${partstat === 'TENTATIVE' ? 'tentatively accepted' : VERB[partstat].toLowerCase()} this invitation.`;
  const mime = await composeMessage({
    from: { name: attendee.displayName, address: attendee.email }, to: [organizer.email], subject,
    // RFC 5322 3.6.2: the delegate who wrote it for the attendee is the Sender.
    headers: o.sentBy ? { Sender: mailbox(o.sentBy.email, o.sentBy.displayName) } : undefined,
    ...bodies([lead, o.comment?.trim()].filter(Boolean).join('\n\n'), shown),
    icalEvent: {
      method: o.proposal ? 'COUNTER' : 'REPLY',
      content: replyIcs(event, { email: attendee.email, name: attendee.displayName }, partstat,
        { recurrenceId: o.recurrenceId, comment: o.comment, proposal: o.proposal, sentBy: o.sentBy?.email }),
    },
  });
  await queueMail(store, attendee.id, { from: o.sentBy?.email ?? attendee.email, recipients: [organizer.email], mime });
}

/** The text and HTML alternatives: what a person reads where the calendar object is not understood. */
function bodies(lead: string, e: CalendarEvent): { text: string; html: string } {
  const rows: [string, string][] = [['When', when(e)]];
  if (e.location?.displayName) rows.push(['Where', e.location.displayName]);
  if (e.organizer) rows.push(['Organizer', e.organizer.name ? `${e.organizer.name} <${e.organizer.email}>` : e.organizer.email]);
  const description = e.body?.type === 1 ? e.body.data.trim() : '';
  const text = [lead, '', e.subject ?? '', ...rows.map(([k, v]) => `${k}: ${v}`), ...(description ? ['', description] : [])].join('\n');
  const html = `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>`
    + `<p>${escapeHtml(lead).replace(/\n/g, '<br>')}</p><h3>${escapeHtml(e.subject ?? '')}</h3><table>`
    + rows.map(([k, v]) => `<tr><th align="left">${k}</th><td>${escapeHtml(v)}</td></tr>`).join('')
    + `</table>${description ? `<p>${escapeHtml(description).replace(/\n/g, '<br>')}</p>` : ''}</body></html>`;
  return { text, html };
}

/** The time in the meeting's own zone, as its organizer sees it. */
function when(e: Pick<CalendarEvent, 'start' | 'end' | 'timeZone' | 'allDay'>): string {
  const zone = e.timeZone || 'UTC';
  const format = (ms: number, o: Intl.DateTimeFormatOptions) => {
    try {
      return new Intl.DateTimeFormat('en-GB', { ...o, timeZone: zone }).format(ms);
    } catch {
      return new Intl.DateTimeFormat('en-GB', { ...o, timeZone: 'UTC' }).format(ms);
    }
  };
  if (e.allDay) return `${format(e.start, { dateStyle: 'full' })} (all day)`;
  const sameDay = format(e.start, { dateStyle: 'full' }) === format(e.end, { dateStyle: 'full' });
  return `${format(e.start, { dateStyle: 'full', timeStyle: 'short' })} – ${format(e.end, sameDay ? { timeStyle: 'short' } : { dateStyle: 'full', timeStyle: 'short' })} (${zone})`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`);
}
