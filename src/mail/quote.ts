// What a reply or a forward says below the device's own text (MS-ASCMD 2.2.1.19/2.2.1.20: the
// server appends the original). A reply quotes it: an attribution line, then "> " lines (RFC 3676
// style) or an HTML blockquote. A forward shows it whole under a header block naming its sender,
// date, subject and recipients. When either side is HTML the result has an HTML part as well, so
// the original's formatting survives (as Exchange does, putting plain device text in a <pre>-like div).
import { htmlToText } from '../calendar/ical.js';
import { bodyContent, insertBeforeBodyEnd } from './htmlDocument.js';
import type { Original } from './original.js';

export interface Texts {
  text?: string | undefined;
  html?: string | undefined;
}

export function replyTexts(device: Texts, o: Original): Texts {
  const attribution = `${o.date !== undefined ? `On ${new Date(o.date).toUTCString()}, ` : ''}${o.from ?? 'the sender'} wrote:`;
  const quotedText = plainOf(o).split('\n').map(line => (line.startsWith('>') ? `>${line}` : line ? `> ${line}` : '>')).join('\n');
  const html = wantsHtml(device, o)
    ? insertBeforeBodyEnd(htmlOf(device), `<div>${escapeHtml(attribution)}</div>`
      + `<blockquote style="margin:0 0 0 .8ex;border-left:1px solid #ccc;padding-left:1ex">${originalHtml(o)}</blockquote>`)
    : undefined;
  return { text: textWith(device, `${attribution}\n${quotedText}`, html), html };
}

export function forwardTexts(device: Texts, o: Original): Texts {
  const header = [
    '---------- Forwarded message ----------',
    ...(o.from ? [`From: ${o.from}`] : []),
    ...(o.date !== undefined ? [`Date: ${new Date(o.date).toUTCString()}`] : []),
    `Subject: ${o.subject}`,
    ...(o.to ? [`To: ${o.to}`] : []),
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    ...o.details,
  ];
  const html = wantsHtml(device, o)
    ? insertBeforeBodyEnd(htmlOf(device), `<div>${header.map(escapeHtml).join('<br>')}</div><br>${originalHtml(o)}`)
    : undefined;
  return { text: textWith(device, `${header.join('\n')}\n\n${plainOf(o)}`, html), html };
}

/** The device's text with the addition below it; a device that wrote only HTML gets no text part. */
function textWith(device: Texts, addition: string, html: string | undefined): string | undefined {
  if (device.text === undefined && device.html !== undefined && html !== undefined) return undefined;
  const own = (device.text ?? '').trimEnd();
  return own ? `${own}\n\n${addition}\n` : `${addition}\n`;
}

function wantsHtml(device: Texts, o: Original): boolean {
  return device.html !== undefined || o.html !== undefined;
}

function plainOf(o: Original): string {
  return (o.text ?? (o.html !== undefined ? htmlToText(o.html) : '')).replace(/\r\n/g, '\n').trimEnd();
}

function htmlOf(device: Texts): string {
  if (device.html !== undefined) return device.html;
  return device.text ? `<div style="white-space:pre-wrap">${escapeHtml(device.text.trimEnd())}</div>` : '';
}

function originalHtml(o: Original): string {
  if (o.html !== undefined) return bodyContent(o.html);
  return `<div style="white-space:pre-wrap">${escapeHtml(plainOf(o))}</div>`;
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
