// Messages for the Email-over-Sync tests, built with nodemailer's MailComposer as a real mail
// program would: text and HTML alternatives, a binary attachment, an inline image the HTML refers
// to by cid:, threading headers.
import MailComposer from 'nodemailer/lib/mail-composer';
import type { ItemProps } from '../../src/store/types.js';

/** Every byte value, twice: what a file looks like to a codec that only expects text. */
export const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.from(Array.from({ length: 512 }, (_, i) => i % 256))]);
/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

export const TEXT = `Hello Bob,\n\n${'The quarterly numbers are in, and they look better than the forecast. '.repeat(40)}\n\nAlice — ünïcödé ✓`;
export const HTML = `<html><body><p>Hello <b>Bob</b>,</p><p>${'The quarterly numbers are in, and they look better than the forecast. '.repeat(40)}</p>`
  + '<p><img src="cid:chart@example.com" alt="chart"></p><p>Alice — ünïcödé ✓</p></body></html>';

export interface MessageOptions {
  from?: string;
  to?: string;
  subject?: string;
  messageId?: string;
  inReplyTo?: string;
  references?: string[];
  text?: string | undefined;
  html?: string | undefined;
  attachments?: boolean;
  headers?: Record<string, string>;
}

/** A message with text, HTML, a PDF and an inline PNG (unless told otherwise). */
export function message(o: MessageOptions = {}): Promise<Buffer> {
  const composer = new MailComposer({
    from: o.from ?? '"Alice Example" <alice@example.com>',
    to: o.to ?? '"Bob Builder" <bob@example.com>',
    replyTo: '"Alice at home" <alice@home.example>',
    subject: o.subject ?? 'Quarterly numbers',
    messageId: o.messageId ?? '<numbers-1@example.com>',
    inReplyTo: o.inReplyTo, references: o.references,
    date: new Date('2026-03-03T10:00:00Z'),
    text: 'text' in o ? o.text : TEXT,
    html: 'html' in o ? o.html : HTML,
    headers: { Importance: 'high', ...o.headers },
    attachments: o.attachments === false ? [] : [
      { filename: 'numbers.pdf', content: PDF, contentType: 'application/pdf' },
      { filename: 'chart.png', content: PNG, contentType: 'image/png', cid: 'chart@example.com' },
    ],
    newline: 'windows',
  } as ConstructorParameters<typeof MailComposer>[0]);
  return composer.compile().build();
}

/** A message in ISO-8859-1 sent as 8bit: its bytes are not UTF-8. */
export function latin1Message(subject = 'Grüße aus Köln'): Buffer {
  return Buffer.concat([
    Buffer.from([
      'From: "Jürgen" <juergen@elsewhere.example>', 'To: bob@example.com', `Subject: =?ISO-8859-1?Q?${encodeQ(subject)}?=`,
      'Message-ID: <latin1@elsewhere.example>', 'Date: Tue, 03 Mar 2026 11:00:00 +0000', 'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=ISO-8859-1', 'Content-Transfer-Encoding: 8bit', '', '',
    ].join('\r\n')),
    Buffer.from('Grüße, schöne Äpfel und Öl.\r\n', 'latin1'),
  ]);
}

function encodeQ(s: string): string {
  return [...Buffer.from(s, 'latin1')].map(b => (b > 0x20 && b < 0x7f && b !== 0x3d && b !== 0x3f && b !== 0x5f ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

/** A signed S/MIME message (multipart/signed); the signature's bytes do not matter here. */
export function signedMessage(): Buffer {
  return Buffer.from([
    'From: alice@example.com', 'To: bob@example.com', 'Subject: Signed', 'Message-ID: <signed@example.com>', 'MIME-Version: 1.0',
    'Content-Type: multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="sig"', '',
    '--sig', 'Content-Type: text/plain; charset=utf-8', '', 'Signed text.', '--sig',
    'Content-Type: application/pkcs7-signature; name="smime.p7s"', 'Content-Transfer-Encoding: base64',
    'Content-Disposition: attachment; filename="smime.p7s"', '', 'MIIBAAYJKoZIhvcNAQcCoIIA8TCCAO0CAQE=', '--sig--', '',
  ].join('\r\n'));
}

/** The text of a property, or the base64 of a binary one. */
export function value(props: ItemProps | undefined, name: string): string | undefined {
  const v = props?.find(p => p[0] === name)?.[1];
  return typeof v === 'string' ? v : v && !Array.isArray(v) ? v.b64 : undefined;
}
