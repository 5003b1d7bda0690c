// Reading a message a device submits (RFC 5322 + MIME) with postal-mime: who it goes to, what it
// says, and the iCalendar object of a meeting message (RFC 6047 iMIP), if any.
import PostalMime, { type Address } from 'postal-mime';

export interface ParsedMessage {
  from?: string | undefined;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  /** The text/calendar part with its METHOD (REQUEST, REPLY, CANCEL …), when the message is iMIP. */
  calendar?: { method: string; text: string } | undefined;
  date?: number | undefined;
}

export class MimeError extends Error {}

export async function parseMessage(raw: Buffer): Promise<ParsedMessage> {
  let mail;
  try {
    mail = await PostalMime.parse(raw);
  } catch (e) {
    throw new MimeError(`unreadable MIME: ${(e as Error).message}`);
  }
  if (!mail.headers.length) throw new MimeError('no header');
  const calendarPart = mail.attachments.find(a => a.mimeType.toLowerCase() === 'text/calendar');
  const calendarText = calendarPart && (typeof calendarPart.content === 'string' ? calendarPart.content : Buffer.from(calendarPart.content as ArrayBuffer).toString('utf8'));
  const method = calendarPart?.method ?? (calendarText && /^METHOD:(\S+)/im.exec(calendarText)?.[1]);
  const date = mail.date ? Date.parse(mail.date) : NaN;
  return {
    from: addresses(mail.from ? [mail.from] : [])[0],
    to: addresses(mail.to), cc: addresses(mail.cc), bcc: addresses(mail.bcc),
    subject: mail.subject ?? '', text: mail.text, html: mail.html,
    calendar: calendarText && method ? { method: method.toUpperCase(), text: calendarText } : undefined,
    date: Number.isFinite(date) ? date : undefined,
  };
}

function addresses(list: Address[] | undefined): string[] {
  return (list ?? []).flatMap(a => (a.group ? a.group.map(m => m.address) : [a.address]))
    .filter((x): x is string => !!x).map(x => x.trim().toLowerCase());
}
