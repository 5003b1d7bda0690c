// Reading a message (RFC 5322 + MIME) with postal-mime: who it goes to, what it says, its
// attachments, the threading headers, and the iCalendar object of a meeting message (RFC 6047
// iMIP), if any.
import PostalMime, { type Address } from 'postal-mime';
import { receivableDeep } from '../wbxml/text.js';

/** Limits on a message's structure (docs/limits.md); past one, the message is a MimeError (554).
 *  postal-mime reads a header field in ~13 µs, so bytes alone would still allow 0.4 s of fields. */
export const MIME_LIMITS = {
  /** Multipart levels (postal-mime's maxNestingDepth; real mail nests 3–5). */
  nesting: 50,
  /** Header bytes of all parts together (postal-mime's maxHeadersSize). */
  headerBytes: 128 * 1024,
  /** Header fields of the message itself. */
  headerFields: 1_000,
  /** message/rfc822 parts read inline, nested (postal-mime's maxRfc822NestingDepth). */
  rfc822Nesting: 5,
} as const;

export interface ParsedAttachment {
  /** The part's file name; a name is made up for parts that have none. */
  filename: string;
  contentType: string;
  /** Content-ID without angle brackets, for parts the HTML refers to (cid:). */
  contentId?: string | undefined;
  /** Shown within the body (Content-Disposition inline, or referenced by the HTML). */
  inline: boolean;
  content: Buffer;
}

export interface ParsedMessage {
  /** The message as it arrived, byte for byte. */
  raw: Buffer;
  from?: string | undefined;
  /** The From header's display name, when it has one. */
  fromName?: string | undefined;
  to: string[];
  cc: string[];
  bcc: string[];
  replyTo: string[];
  /** To, Cc and Reply-To with their display names, for showing them (the lists above are bare addresses). */
  named?: { to: NamedAddress[]; cc: NamedAddress[]; replyTo: NamedAddress[] } | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** Parts that are not the message's own text: files, inline images, calendar parts. */
  attachments: ParsedAttachment[];
  /** The text/calendar part with its METHOD (REQUEST, REPLY, CANCEL …), when the message is iMIP. */
  calendar?: { method: string; text: string } | undefined;
  date?: number | undefined;
  /** Message-ID, In-Reply-To and References (RFC 5322 3.6.4), angle brackets kept. */
  messageId?: string | undefined;
  inReplyTo?: string | undefined;
  references: string[];
  /** Importance / X-Priority, as EAS counts it: 0 low, 1 normal, 2 high. */
  importance: 0 | 1 | 2;
  /** Every header, lower-case names, in order. */
  headers: { key: string; value: string }[];
}

export interface NamedAddress {
  address: string;
  name?: string | undefined;
}

export class MimeError extends Error {}

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  if (headerFieldsExceed(raw, MIME_LIMITS.headerFields)) throw new MimeError(`more than ${MIME_LIMITS.headerFields} header fields`);
  let mail;
  try {
    mail = await PostalMime.parse(raw, {
      maxNestingDepth: MIME_LIMITS.nesting, maxHeadersSize: MIME_LIMITS.headerBytes, maxRfc822NestingDepth: MIME_LIMITS.rfc822Nesting,
    });
  } catch (e) {
    throw new MimeError(`unreadable MIME: ${(e as Error).message}`);
  }
  if (!mail.headers.length) throw new MimeError('no header');
  const calendarPart = mail.attachments.find(a => a.mimeType.toLowerCase() === 'text/calendar');
  const calendarText = calendarPart && contentOf(calendarPart.content).toString('utf8');
  const method = calendarPart?.method ?? (calendarText && /^METHOD:(\S+)/im.exec(calendarText)?.[1]);
  const date = mail.date ? Date.parse(mail.date) : NaN;
  const from = mail.from && !mail.from.group ? mail.from : undefined;
  const headers = mail.headers.map(h => ({ key: h.key, value: h.value }));
  // Every string a device may be shown is made receivable here, the one door all mail comes in by
  // (SMTP, SendMail, Smart*); the bytes (raw, attachment content) stay as they arrived.
  // docs/reliability.md, "Strings a device can receive".
  return receivableDeep<ParsedMessage>({
    raw,
    from: addresses(mail.from ? [mail.from] : [])[0],
    fromName: from?.name || undefined,
    to: addresses(mail.to), cc: addresses(mail.cc), bcc: addresses(mail.bcc), replyTo: addresses(mail.replyTo),
    named: { to: named(mail.to), cc: named(mail.cc), replyTo: named(mail.replyTo) },
    subject: mail.subject ?? '', text: mail.text, html: mail.html,
    attachments: mail.attachments.map((a, i) => ({
      filename: a.filename || defaultName(a.mimeType, i),
      contentType: a.mimeType.toLowerCase(),
      contentId: a.contentId?.replace(/^<|>$/g, '') || undefined,
      inline: a.disposition === 'inline' || !!a.related,
      content: contentOf(a.content),
    })),
    calendar: calendarText && method ? { method: method.toUpperCase(), text: calendarText } : undefined,
    date: Number.isFinite(date) ? date : undefined,
    // Only msg-id tokens (RFC 5322 3.6.4) survive: these values are written into headers of replies
    // and forwards, and postal-mime decodes encoded-words, which could smuggle in CR LF and a field.
    messageId: msgIds(mail.messageId)[0],
    inReplyTo: msgIds(mail.inReplyTo)[0],
    references: msgIds(mail.references),
    importance: importanceOf(headers),
    headers,
  });
}

/** Whether the message's own header has more than `limit` fields (RFC 5322 2.2: a field starts
 *  on a line not beginning with WSP); reads no further than the limit or the blank line. */
export function headerFieldsExceed(raw: Buffer, limit: number): boolean {
  let fields = 0;
  for (let pos = 0; pos < raw.length;) {
    const c = raw[pos];
    if (c === 0x0a || (c === 0x0d && raw[pos + 1] === 0x0a)) return false;
    if (c !== 0x20 && c !== 0x09 && ++fields > limit) return true;
    const nl = raw.indexOf(0x0a, pos);
    if (nl < 0) return false;
    pos = nl + 1;
  }
  return false;
}

function msgIds(value: string | undefined): string[] {
  return value?.match(/<[^<>\s]+>/g) ?? [];
}

function contentOf(c: ArrayBuffer | Uint8Array | string): Buffer {
  if (typeof c === 'string') return Buffer.from(c, 'utf8');
  return c instanceof Uint8Array ? Buffer.from(c.buffer, c.byteOffset, c.byteLength) : Buffer.from(c);
}

function defaultName(mimeType: string, index: number): string {
  if (mimeType === 'text/calendar') return 'invite.ics';
  if (mimeType === 'message/rfc822') return `message-${index + 1}.eml`;
  return `attachment-${index + 1}`;
}

// Importance (RFC 2156) wins over X-Priority (1–2 high, 4–5 low).
function importanceOf(headers: { key: string; value: string }[]): 0 | 1 | 2 {
  const importance = headers.find(h => h.key === 'importance')?.value.trim().toLowerCase();
  if (importance === 'high') return 2;
  if (importance === 'low') return 0;
  const priority = Number(/^\s*(\d)/.exec(headers.find(h => h.key === 'x-priority')?.value ?? '')?.[1]);
  if (priority === 1 || priority === 2) return 2;
  if (priority === 4 || priority === 5) return 0;
  return 1;
}

function named(list: Address[] | undefined): NamedAddress[] {
  return (list ?? []).flatMap(a => (a.group ? a.group : [a]))
    .filter(a => !!a.address?.trim())
    .map(a => ({ address: a.address!.trim().toLowerCase(), name: a.name?.trim() || undefined }));
}

function addresses(list: Address[] | undefined): string[] {
  return (list ?? []).flatMap(a => (a.group ? a.group.map(m => m.address) : [a.address]))
    .filter((x): x is string => !!x).map(x => x.trim().toLowerCase());
}
