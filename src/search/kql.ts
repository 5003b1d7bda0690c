// The part of the Keyword Query Language (MS-KQL) that Find's FreeText (MS-ASCMD 2.2.3.80.1)
// understands here: words and "quoted phrases", each of which must occur, and property
// restrictions subject:, from:, to:, cc:, participants:, body:, attachment: (value a word or a
// phrase). AND between terms is the default and may be written. OR and NOT are not supported:
// a query that uses them is refused rather than answered wrongly.
import type { SearchField, TextCondition } from './match.js';

const FIELDS: Readonly<Record<string, SearchField | 'participants'>> = {
  subject: 'subject', from: 'from', to: 'to', cc: 'cc', participants: 'participants', body: 'body',
  attachment: 'attachment', attachments: 'attachment', attachmentnames: 'attachment',
};

export type KqlResult = { ok: true; conditions: TextCondition[] } | { ok: false; reason: 'UNSUPPORTED_OPERATOR' };

export function parseKql(text: string): KqlResult {
  const conditions: TextCondition[] = [];
  for (const m of text.matchAll(/([A-Za-z]+):"([^"]*)"|([A-Za-z]+):(\S+)|"([^"]*)"|(\S+)/g)) {
    const [, quotedField, quotedValue, field, value, phrase, word] = m;
    const name = (quotedField ?? field)?.toLowerCase();
    if (name !== undefined && FIELDS[name]) {
      const restricted = (quotedValue ?? value)!.trim();
      if (restricted) conditions.push({ text: restricted, field: FIELDS[name] });
    } else if (phrase !== undefined) {
      if (phrase.trim()) conditions.push({ text: phrase.trim() });
    } else {
      const plain = word ?? m[0];
      if (plain === 'OR' || plain === 'NOT') return { ok: false, reason: 'UNSUPPORTED_OPERATOR' };
      if (plain !== 'AND') conditions.push({ text: plain });
    }
  }
  return { ok: true, conditions };
}
