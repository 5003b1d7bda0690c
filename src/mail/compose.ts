// Messages the server writes itself. Outgoing ones are RFC 5322 + MIME, built with nodemailer's
// MailComposer; a meeting message is iMIP (RFC 6047): a text/calendar alternative whose
// Content-Type carries the iTIP method (RFC 6047 2.4) and Content-Class
// urn:content-classes:calendarmessage, which Outlook and Exchange look for. Content never comes
// from a file path or a URL. A delivery report goes straight into the sender's Inbox as an item.
import MailComposer from 'nodemailer/lib/mail-composer';
import { formatExtended } from '../calendar/timezone.js';
import type { OutboundFailure } from '../store/Store.js';
import type { ItemProps } from '../store/types.js';

/** An address as `a@b` or with a display name. */
export type MailAddress = string | { name: string; address: string };

export interface Composition {
  from: MailAddress;
  to: MailAddress[];
  cc?: MailAddress[] | undefined;
  /** Kept in the header: only the sender's own copy has it (RFC 5322 3.6.3); delivery strips it (stripBcc). */
  bcc?: MailAddress[] | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** iMIP: the iCalendar object and its METHOD (REQUEST, REPLY, CANCEL …). */
  icalEvent?: { method: string; content: string } | undefined;
  headers?: Record<string, string> | undefined;
  messageId?: string | undefined;
  date?: Date | undefined;
  attachments?: ComposedAttachment[] | undefined;
}

export const CALENDAR_MESSAGE_CLASS = 'urn:content-classes:calendarmessage';

export function composeMessage(m: Composition): Promise<Buffer> {
  const headers = { ...m.headers, ...(m.icalEvent ? { 'Content-Class': CALENDAR_MESSAGE_CLASS } : {}) };
  const composer = new MailComposer({
    from: m.from, to: m.to, cc: m.cc?.length ? m.cc : undefined, bcc: m.bcc?.length ? m.bcc : undefined, subject: m.subject,
    text: m.text, html: m.html, headers, messageId: m.messageId, date: m.date, attachments: m.attachments?.map(composerAttachment),
    // MailComposer adds the object twice: the text/calendar alternative (method= from here) and
    // an application/ics attachment for clients that only offer attachments.
    icalEvent: m.icalEvent && { method: m.icalEvent.method.toUpperCase(), content: m.icalEvent.content, filename: 'invite.ics' },
    disableFileAccess: true, disableUrlAccess: true,
    newline: 'win',
  });
  const node = composer.compile();
  if (m.bcc?.length) node.keepBcc = true;
  return node.build();
}

const STRUCTURAL = /^(mime-version|content-[a-z-]+)\s*:/i;

/** A part of a message being rebuilt; `content` goes out byte for byte (base64 on the wire). */
export interface ComposedAttachment {
  filename: string;
  contentType: string;
  contentId?: string | undefined;
  inline: boolean;
  content: Buffer;
}

/** The content of a message the server rebuilds: its texts, its parts, an iMIP object. */
export interface MessageParts {
  text?: string | undefined;
  html?: string | undefined;
  attachments: ComposedAttachment[];
  icalEvent?: { method: string; content: string } | undefined;
}

function composerAttachment(a: ComposedAttachment) {
  const contentDisposition = a.inline ? 'inline' as const : 'attachment' as const;
  return { filename: a.filename, content: a.content, contentType: a.contentType, cid: a.contentId, contentDisposition };
}

/**
 * A message made of `fields` — header lines kept exactly as given (a device's own From, To,
 * Subject, Message-ID …) — and a MIME body MailComposer builds from `parts`. Only the body's
 * structural fields (MIME-Version, Content-*) come from the composer.
 */
export async function composeWithFields(fields: Buffer[], parts: MessageParts): Promise<Buffer> {
  const composer = new MailComposer({
    text: parts.text, html: parts.html,
    attachments: parts.attachments.map(composerAttachment),
    icalEvent: parts.icalEvent && { method: parts.icalEvent.method.toUpperCase(), content: parts.icalEvent.content, filename: 'invite.ics' },
    headers: parts.icalEvent ? { 'Content-Class': CALENDAR_MESSAGE_CLASS } : undefined,
    disableFileAccess: true, disableUrlAccess: true, newline: 'win',
  });
  const built = await composer.compile().build();
  const end = headerEnd(built);
  const structural = built.subarray(0, end).toString('latin1').split(/(?<=\n)/)
    .reduce<string[]>((kept, line) => {
      if (/^[ \t]/.test(line)) {
        if (kept.length) kept[kept.length - 1] += line;
      } else kept.push(line);
      return kept;
    }, [])
    .filter(f => STRUCTURAL.test(f));
  // Latin-1 maps bytes one to one, so only the line ends change (to CRLF, like the rest).
  const own = fields.map(f => f.toString('latin1')).filter(f => !STRUCTURAL.test(f))
    .map(f => Buffer.from(f.replace(/\r?\n/g, '\r\n').replace(/([^\n])$/, '$1\r\n'), 'latin1'));
  return Buffer.concat([...own, Buffer.from(structural.join(''), 'latin1'), built.subarray(end)]);
}

/**
 * The message without its Bcc and Resent-Bcc header fields (RFC 5322 3.6.3, 3.6.6): blind recipients are in the SMTP
 * envelope only. Only the top-level header block is touched; the body stays byte for byte.
 */
export function stripBcc(mime: Buffer): Buffer {
  const end = headerEnd(mime);
  const head = mime.subarray(0, end).toString('latin1');
  const lines = head.split(/(?<=\n)/);
  const kept: string[] = [];
  let dropping = false;
  for (const line of lines) {
    const folded = line.startsWith(' ') || line.startsWith('\t');
    if (!folded) dropping = /^(resent-)?bcc\s*:/i.test(line);
    if (!dropping) kept.push(line);
  }
  if (kept.length === lines.length) return mime;
  return Buffer.concat([Buffer.from(kept.join(''), 'latin1'), mime.subarray(end)]);
}

/** Offset of the blank line that ends the header block (the whole buffer when there is none). */
function headerEnd(mime: Buffer): number {
  const crlf = mime.indexOf('\r\n\r\n');
  const lf = mime.indexOf('\n\n');
  const ends = [crlf < 0 ? -1 : crlf + 2, lf < 0 ? -1 : lf + 1].filter(n => n >= 0);
  return ends.length ? Math.min(...ends) : mime.length;
}

/** A non-delivery report (MessageClass REPORT.IPM.Note.NDR) naming each recipient and its last error. */
export function deliveryReport(r: { sender: string; subject: string; failures: OutboundFailure[]; reporter: string }): ItemProps {
  const title = `Undeliverable: ${r.subject}`.trim();
  const body = [
    `Your message${r.subject ? ` "${r.subject}"` : ''} could not be delivered to:`, '',
    ...r.failures.map(f => `  ${f.recipient}\r\n    ${f.error}`), '',
    `Reported by ${r.reporter}.`,
  ].join('\r\n');
  return [
    ['Email:To', r.sender], ['Email:From', `"Mail Delivery System" <MAILER-DAEMON@${r.reporter}>`], ['Email:Subject', title],
    ['Email:DateReceived', formatExtended(Date.now())], ['Email:DisplayTo', r.sender], ['Email:ThreadTopic', title],
    ['Email:Importance', '1'], ['Email:Read', '0'],
    ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', body]]],
    ['Email:MessageClass', 'REPORT.IPM.Note.NDR'], ['Email:InternetCPID', '65001'],
  ];
}
