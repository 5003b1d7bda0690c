// A message body in the forms a device can ask for (MS-ASAIRS 2.2.2.9 Body): plain text from HTML
// with html-to-text, HTML from plain text, a short preview, and cuts that never split a character.
import { compile } from 'html-to-text';
import { htmlToText } from '../calendar/ical.js';
import { receivable } from '../wbxml/text.js';
import { nestingExceeds } from './htmlDocument.js';

// html-to-text walks the element tree recursively: ~2,500 nested elements (15 KB of '<div>')
// overflow the stack. Past MAX_DEPTH it puts DEEPER where the deeper nodes were; seeing it, we
// convert with the linear tag stripper instead, so a hostile document keeps its text and can
// never make filing or rendering throw. Real mail nests a few dozen levels, long threads of
// nested quotes a few hundred.
// Its parser (htmlparser2) also costs O(tags × depth), so a document that may nest deeper, whose
// parse would take more than MAX_PARSER_WORK stack steps (nestingExceeds, one linear pass), or
// that is larger than MAX_CONVERTED goes to the stripper at once: 50,000 nested <div> took
// html-to-text 2–8 s. Ordinary mail (10,000 tags, 30 deep) is far below.
export const MAX_DEPTH = 500;
export const MAX_PARSER_WORK = 1_000_000;
export const MAX_CONVERTED = 1024 * 1024;
const DEEPER = '\uFDD0'; // a Unicode noncharacter; a body that has one merely gets the stripper

/** How often each converter ran: tests see which path a document took, by count. */
export const conversions = { library: 0, linear: 0 };

// Phones wrap lines themselves; images have no text; a link shows its address unless its text is it.
const toPlain = compile({
  wordwrap: false,
  limits: { maxDepth: MAX_DEPTH, ellipsis: DEEPER },
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true, ignoreHref: false } },
  ],
});

/**
 * The plain-text form of an HTML body; never throws. Character references decode to characters a
 * device may not receive (&#1;), so the text is made receivable (docs/reliability.md).
 */
export function htmlToPlain(html: string): string {
  if (html.length <= MAX_CONVERTED && !nestingExceeds(html, { depth: MAX_DEPTH, work: MAX_PARSER_WORK })) {
    try {
      conversions.library++;
      const plain = toPlain(html);
      if (!plain.includes(DEEPER)) return receivable(plain);
    } catch {
      // Whatever html-to-text cannot walk, the stripper below still reads.
    }
  }
  conversions.linear++;
  return receivable(htmlToText(html));
}

/** An HTML form of a plain-text body: escaped, line breaks kept. */
export function plainToHtml(text: string): string {
  const escaped = text.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
  return `<html><body><div style="white-space: pre-wrap">${escaped.replace(/\r?\n/g, '<br>\n')}</div></body></html>`;
}

/** MS-ASAIRS 2.2.2.35.4 Preview: at most `chars` characters of plain text, whitespace folded. */
export function previewOf(text: string, chars: number): string {
  const folded = text.slice(0, chars * 4 + 64).replace(/\s+/g, ' ').trim();
  return [...folded].slice(0, chars).join('');
}

/** The longest prefix of `s` whose UTF-8 form fits in `bytes`, never splitting a character. */
export function cutUtf8(s: string, bytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4).
  if (s.length * 3 <= bytes) return s;
  // Walk only as far as the cut: a 500-byte cut of a long body reads 500 characters, not the body.
  let used = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    const pair = c >= 0xd800 && c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
    const size = c < 0x80 ? 1 : c < 0x800 ? 2 : pair ? 4 : 3;
    if (used + size > bytes) return s.slice(0, i);
    used += size;
    if (pair) i++;
  }
  return s;
}

/** The largest offset ≤ `at` that does not fall inside a UTF-8 sequence of `buf`. */
export function utf8Boundary(buf: Uint8Array, at: number): number {
  let end = Math.min(at, buf.length);
  while (end > 0 && end < buf.length && (buf[end] & 0xc0) === 0x80) end--;
  return end;
}
