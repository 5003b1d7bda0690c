// MS-ASNOTE 2.2.2 Notes class ⇄ Note (model.ts). The class exists from protocol version 14.0 on
// (every element's Protocol Versions table; MS-ASWBXML R652: code page 23 is not 12.1's), so the
// sync layer offers Notes collections to 14.0+ devices only. Bad values are NoteError (Status 6).
import { formatCompact, parseEasDateTime } from '../calendar/timezone.js';
import { propBody, propText, propTexts } from '../store/props.js';
import type { ItemProps } from '../store/types.js';
import { NoteError } from './errors.js';
import type { Note } from './model.js';

const N = (name: string) => `Notes:${name}`;
const B = (name: string) => `AirSyncBase:${name}`;

/** MS-ASNOTE 2.2.2.5: the MessageClass a note gets when none is given. */
export const STICKY_NOTE = 'IPM.StickyNote';

/** The first protocol version with the Notes class. */
export const NOTES_SINCE = 14;

/**
 * The note a device sent. Its LastModifiedDate is ignored (MS-ASNOTE R84, R209: the server sets
 * it); a MessageClass other than IPM.StickyNote[.*] is refused (R57, R119); a body is text, HTML or
 * RTF (R37).
 */
export function easToNote(props: ItemProps): Omit<Note, 'lastModifiedDate'> {
  const messageClass = propText(props, N('MessageClass'))?.trim() || STICKY_NOTE;
  if (!/^IPM\.StickyNote(\..+)?$/i.test(messageClass)) throw new NoteError(`MessageClass "${messageClass}" is no sticky note`);
  const categories = propTexts(props, N('Categories'));
  return dropUndefined({
    subject: propText(props, N('Subject')),
    body: bodyOf(props),
    messageClass,
    categories: categories?.length ? categories : undefined,
  });
}

/** A note as the store keeps it (its own LastModifiedDate read back). */
export function storedNote(props: ItemProps): Note {
  const modified = propText(props, N('LastModifiedDate'));
  let lastModifiedDate: number | undefined;
  try {
    lastModifiedDate = modified ? parseEasDateTime(modified) : undefined;
  } catch {
    lastModifiedDate = undefined;
  }
  return dropUndefined({ ...easToNote(props), lastModifiedDate });
}

function bodyOf(props: ItemProps): Note['body'] {
  const body = propBody(props);
  if (!body) return undefined;
  const type = (body.type?.trim() || '1');
  if (!/^[123]$/.test(type)) throw new NoteError(`Body Type ${type}: a note is text, HTML or RTF`);
  return { type: Number(type) as 1 | 2 | 3, data: body.data };
}

/**
 * The note as a 14.0+ device sees it, in MS-ASNOTE 2.2.2 order; LastModifiedDate is a Compact
 * DateTime (R53) and is in every response (R125). The body is whole: the caller renders it for the
 * device's BodyPreference.
 */
export function noteToEas(n: Note): ItemProps {
  const out: ItemProps = [];
  if (n.body) out.push([B('Body'), [[B('Type'), String(n.body.type)], [B('Data'), n.body.data]]]);
  if (n.subject !== undefined) out.push([N('Subject'), n.subject]);
  out.push([N('MessageClass'), n.messageClass]);
  if (n.lastModifiedDate !== undefined) out.push([N('LastModifiedDate'), formatCompact(n.lastModifiedDate)]);
  if (n.categories?.length) out.push([N('Categories'), n.categories.map(c => [N('Category'), c])]);
  return out;
}

/**
 * A device's Change (MS-ASNOTE 3.2.5.3): it carries the whole note, but a Subject or body it leaves
 * out is kept (R113, R10003) — and so is MessageClass, a required element a device may not repeat;
 * Categories it leaves out are removed (R112, R10002).
 */
export function mergeNote(stored: Note, incoming: Omit<Note, 'lastModifiedDate'>, sent: ItemProps): Omit<Note, 'lastModifiedDate'> {
  const present = new Set(sent.map(p => p[0]));
  const out = { ...incoming };
  if (!present.has(N('Subject'))) out.subject = stored.subject;
  if (!present.has(B('Body'))) out.body = stored.body;
  if (!present.has(N('MessageClass'))) out.messageClass = stored.messageClass;
  return dropUndefined(out);
}

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
