// Text as search compares it: one case, markup gone. Cheap on purpose — a search may read thousands
// of candidate items — so HTML is reduced with a few linear scans, not parsed.
import { replaceComments, replaceElements, replaceTags } from '../mail/htmlDocument.js';

/** The form both sides of a comparison take: Unicode-normalised, lower case. */
export function fold(s: string): string {
  // Most text is ASCII, which normalisation leaves as it is; skip its cost there.
  return (/^[\x00-\x7f]*$/.test(s) ? s : s.normalize('NFC')).toLowerCase();
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/**
 * The readable text of an HTML body: scripts, styles and tags removed, entities decoded. The
 * removals are linear scans (htmlDocument.ts): a search reads every candidate's body, so one
 * hostile message must not cost seconds.
 */
export function htmlText(html: string): string {
  return replaceTags(replaceComments(replaceElements(html, ['script', 'style', 'head'], ' '), ' '), ' ', true)
    .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
      if (ref[0] !== '#') return NAMED[ref.toLowerCase()] ?? whole;
      const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    })
    .replace(/\s+/g, ' ')
    .trim();
}

/** Words of a free-text query: split at white space, "quoted phrases" kept whole. */
export function queryWords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|(\S+)/g)) {
    const word = (m[1] ?? m[2]!).trim();
    if (word) out.push(word);
  }
  return out;
}

/** Words of a name query: as queryWords, punctuation around a word dropped ("Michael A." → "a"). */
export function nameWords(text: string): string[] {
  return queryWords(text).map(trimPunctuation).filter(Boolean);
}

/** Leading and trailing punctuation off, keeping what an address needs inside (alice@example.com). */
export function trimPunctuation(word: string): string {
  return word.replace(/^[\p{P}\p{S}]+|[\p{P}\p{S}]+$/gu, m => (m === '@' ? m : ''));
}
