// SmartReply / SmartForward (MS-ASCMD 2.2.1.20 / 2.2.1.19): the device sends its new text and names
// the original (Source); the server adds the original — quoted below a reply, attached and shown
// under a header block in a forward — unless ReplaceMime says the device sent the whole message.
// The result goes out exactly as a SendMail would (submit.ts), in one transaction with the ClientId,
// the meeting bookkeeping and every delivery: a failure at any point sends and stores nothing.
import { randomUUID } from 'node:crypto';
import { eventsToIcs } from '../calendar/ical.js';
import type { CalendarEvent } from '../calendar/model.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { composeMessage, composeWithFields, type ComposedAttachment } from './compose.js';
import { headerFields, headerLine } from './headers.js';
import { forwardeesOf, forwardMeeting, type Forwardee } from './meetingForward.js';
import { readSource, type Original, type SourceFailure, type SourceRef } from './original.js';
import { parseMessage, type ParsedMessage } from './parse.js';
import { forwardTexts, replyTexts } from './quote.js';
import { deliverSubmitted, readDeviceMessage, recipientsOf, Refusal, type SubmitFailure } from './submit.js';

export interface SmartSubmission {
  kind: 'reply' | 'forward';
  source: SourceRef;
  /** The device's message; absent in the 16.x meeting forward (Forwardees + note). */
  mime?: Buffer | undefined;
  /** 16.x: who a calendar item is forwarded to, instead of MIME. */
  forwardees?: Forwardee[] | undefined;
  /** 16.x: the text that goes with such a forward (airsyncbase:Body). */
  note?: { type: 1 | 2; data: string } | undefined;
  replaceMime: boolean;
  saveInSent: boolean;
  clientId?: string | undefined;
  maxBytes?: number | undefined;
}

export type SmartFailure = SubmitFailure | SourceFailure | 'FORWARD_PARAMETERS';
export type SmartOutcome = { ok: true; remote: string[] } | { ok: false; reason: SmartFailure };

/** What goes out: the message and what its meeting part already delivered. */
interface Outgoing {
  mime: Buffer;
  handled?: Set<string> | undefined;
}

export async function submitSmart(store: Store, user: User, s: SmartSubmission, log: (msg: string) => void = () => undefined): Promise<SmartOutcome> {
  let device: ParsedMessage | undefined;
  if (s.mime) {
    const read = await readDeviceMessage(s.mime, s.maxBytes);
    if (typeof read === 'string') return { ok: false, reason: read };
    if (recipientsOf(read).length === 0) return { ok: false, reason: 'NO_RECIPIENT' };
    device = read;
  } else if (!s.forwardees?.length || s.kind !== 'forward') return { ok: false, reason: 'FORWARD_PARAMETERS' };
  try {
    return await store.transaction(async tx => {
      if (s.clientId && !(await tx.rememberClientId(user.id, s.clientId))) throw new Refusal('ALREADY_SENT');
      const original = await readSource(tx, user, s.source);
      if (typeof original === 'string') throw new Refusal(original);
      const out = device ? await fromDevice(tx, user, device, original, s) : await forwardToForwardees(tx, user, original, s);
      if (s.maxBytes !== undefined && out.mime.length > s.maxBytes) throw new Refusal('TOO_LARGE');
      const message = await parseMessage(out.mime);
      // The 16.x Forwardees form cannot ask for a Sent Items copy; the server-written message always gets one.
      const saveInSent = s.saveInSent || !device;
      const remote = await deliverSubmitted(tx, user, { message, recipients: recipientsOf(message), saveInSent, handled: out.handled, log });
      return { ok: true, remote } as const;
    });
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, reason: e.reason as SmartFailure };
    throw e;
  }
}

async function fromDevice(tx: Store, user: User, device: ParsedMessage, o: Original, s: SmartSubmission): Promise<Outgoing> {
  const forward = s.kind === 'forward';
  let handled: Set<string> | undefined;
  let invitation: { method: string; content: string } | undefined;
  let appointment: ComposedAttachment | undefined;
  const done = forward && o.meeting ? await forwardMeeting(tx, user, o.meeting, forwardeesOf(o.meeting, user, visibleRecipients(device))) : undefined;
  if (done) {
    handled = done.handled;
    invitation = { method: 'REQUEST', content: done.ics };
  } else if (forward && o.appointment && !device.calendar) appointment = appointmentFile(o.appointment);
  const icalEvent = device.calendar ? { method: device.calendar.method, content: device.calendar.text } : invitation;
  // MS-ASCMD 2.2.3.148 ReplaceMime: the device sent the whole message; it goes out as sent, except
  // that a forwarded meeting stays an invitation (as on Exchange).
  if (s.replaceMime && (!(invitation || appointment) || device.calendar)) return { mime: device.raw, handled };
  const texts = s.replaceMime ? device : forward ? forwardTexts(device, o) : replyTexts(device, o);
  const own = device.attachments.filter(a => !(device.calendar && /^(text\/calendar|application\/ics)$/.test(a.contentType)));
  // A new invitation replaces the original's own calendar part: one text/calendar per message.
  const originals = invitation || appointment ? o.attachments.filter(a => !/^(text\/calendar|application\/ics)$/.test(a.contentType)) : o.attachments;
  const added = s.replaceMime ? [] : forward ? originals : inlineImagesOf(o, texts.html);
  const fields = headerFields(device.raw).fields.map(f => f.raw);
  if (!s.replaceMime) fields.push(...threading(device, o, forward));
  const attachments = [...own, ...added, ...(appointment ? [appointment] : [])];
  const mime = await composeWithFields(fields, { text: texts.text, html: texts.html, attachments, icalEvent });
  return { mime, handled };
}

/** 16.x, a calendar item forwarded to Forwardees with a note (no MIME): the server writes the message. */
async function forwardToForwardees(tx: Store, user: User, o: Original, s: SmartSubmission): Promise<Outgoing> {
  // MS-ASCMD 2.2.3.169: Forwardees and airsyncbase:Body are valid only when forwarding a calendar item.
  if (!o.calendarItem) throw new Refusal('FORWARD_PARAMETERS');
  const forwardees = s.forwardees ?? [];
  let handled: Set<string> | undefined;
  let icalEvent: { method: string; content: string } | undefined;
  const done = o.meeting && await forwardMeeting(tx, user, o.meeting, forwardeesOf(o.meeting, user, forwardees));
  if (done) {
    handled = done.handled;
    icalEvent = { method: 'REQUEST', content: done.ics };
  }
  const appointment = !done && o.appointment ? appointmentFile(o.appointment) : undefined;
  const note = s.note?.type === 2 ? { html: s.note.data } : { text: s.note?.data ?? '' };
  const texts = forwardTexts(note, o);
  const mime = await composeMessage({
    from: { name: user.displayName, address: user.email }, to: forwardees.map(f => (f.name ? { name: f.name, address: f.email } : f.email)),
    subject: `FW: ${o.subject}`, text: texts.text, html: texts.html, icalEvent, attachments: appointment && [appointment],
    messageId: `<${randomUUID()}@${user.email.split('@')[1] ?? 'convene'}>`, date: new Date(),
  });
  return { mime, handled };
}

/**
 * An appointment (nobody invited) travels as one iCalendar file, a PUBLISH: it is not an invitation,
 * so it has no text/calendar alternative beside it (an iMIP REQUEST has; see compose.ts).
 */
function appointmentFile(event: CalendarEvent): ComposedAttachment {
  return {
    filename: 'appointment.ics', contentType: 'text/calendar; method=PUBLISH; charset=utf-8', inline: false,
    content: Buffer.from(eventsToIcs([event], { method: 'PUBLISH' }), 'utf8'),
  };
}

/**
 * To and Cc of the device's message, with their names. Blind copies are never made attendees: the
 * invitation everyone receives lists the attendees (RFC 5322 3.6.3 keeps Bcc recipients unseen).
 */
function visibleRecipients(device: ParsedMessage): Forwardee[] {
  const names = new Map([...(device.named?.to ?? []), ...(device.named?.cc ?? [])].map(a => [a.address.toLowerCase(), a.name]));
  return [...new Set([...device.to, ...device.cc])].map(email => ({ email, name: names.get(email) }));
}

/** RFC 5322 3.6.4: a reply names the original in In-Reply-To and References; a forward in References. */
function threading(device: ParsedMessage, o: Original, forward: boolean): Buffer[] {
  if (!o.messageId) return [];
  const lines: Buffer[] = [];
  if (!forward && !device.inReplyTo) lines.push(headerLine('In-Reply-To', [o.messageId]));
  if (!device.references.length) lines.push(headerLine('References', [...o.references.filter(r => r !== o.messageId), o.messageId]));
  return lines;
}

/** A reply keeps the original's inline images its quoted HTML shows (cid: links). */
function inlineImagesOf(o: Original, html: string | undefined): ComposedAttachment[] {
  if (!html) return [];
  return o.attachments.filter(a => a.contentId && html.includes(`cid:${a.contentId}`));
}
