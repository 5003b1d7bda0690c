// A contact between devices and the store (MS-ASCNTC). The store keeps a contact as the device's
// elements, checked and normalised: the elements of the Contact class only, dates in one form,
// Categories and Children as lists, the photo as canonical base64, the notes as airsyncbase:Body
// whatever version sent them. Each device gets the elements its version has (elements.ts).
//
// Strict where a value cannot be what the element means (Status 6, MS-ASCMD 2.2.3.177.17): a date
// that is no date, a photo that is no base64 or is too large (MS-ASCNTC 2.2.2.58), a list over its
// 300 entries, text where a list belongs or a list where text belongs. Lenient where nothing is
// lost: empty list entries, duplicates, a date without its time, a single category sent as text.
import { formatExtended, parseEasDateTime, TimeZoneError } from '../calendar/timezone.js';
import { cutUtf8, htmlToPlain } from '../mail/bodyText.js';
import { propText } from '../store/props.js';
import type { ItemProps, PropNode } from '../store/types.js';
import { receivable } from '../wbxml/text.js';
import {
  CONTACT_ELEMENTS, hasElement, LEGACY_NOTES, LEGACY_NOTES_SIZE, LEGACY_NOTES_TRUNCATED, NOTES, type ContactElement,
} from './elements.js';
import { readPicture } from './picture.js';
import { VCARD_EXTRA } from './vcard.js';

export type ContactErrorCode = 'CONTACT_INVALID' | 'PICTURE_INVALID' | 'PICTURE_TOO_LARGE';

/** A device's contact that cannot be stored; the sync layer answers it with Status 6. */
export class ContactError extends Error {
  constructor(readonly code: ContactErrorCode, message: string) {
    super(message);
    this.name = 'ContactError';
  }
}

/** MS-ASCNTC 2.2.2.20, 2.2.2.22: up to 300 Category per Categories, 300 Child per Children. */
export const MAX_LIST_ENTRIES = 300;

/** What the 2.5 notes are cut to: AirSync Truncation, read by Sync as the first preference's size. */
export interface NotesCut { truncationSize?: number | undefined }

type Value = PropNode[1];
const A = (name: string) => `AirSyncBase:${name}`;

// ─── device → store ─────────────────────────────────────────────────────────────────────────────

/** A device's new contact, as the store keeps it. */
export function contactFromDevice(props: ItemProps, version: number): ItemProps {
  return [...readDevice(props, version).values()].filter((n): n is PropNode => n !== null);
}

/**
 * A device's Change merged into the stored contact (MS-ASCMD 2.2.3.179 Supported). What it sends
 * replaces the stored element, an empty element clears it. What it leaves out is removed only when
 * the device manages it: listed in Supported, or no Supported list at all (an empty one manages
 * nothing). Kept whatever Supported says: the notes (MS-ASCNTC 3.1.5.4: a request without
 * airsyncbase:Body does not delete them) and elements the device's version does not have.
 * Categories and Children are replaced or kept whole, never merged entry by entry.
 */
export function mergeContact(stored: ItemProps, incoming: ItemProps, supported: readonly string[] | undefined, version: number): ItemProps {
  const before = readStored(stored);
  const changes = readDevice(incoming, version);
  const managedList = supported && new Set(supported);
  const managed = (name: string): boolean => name !== NOTES && hasElement(name, version) && (!managedList || managedList.has(name));
  keepRicherNotes(changes, before.get(NOTES), version);
  const kept = [...before].filter(([name]) => !changes.has(name) && !managed(name)).map(([, node]) => node);
  // What a vCard had beyond MS-ASCNTC (src/contacts/vcard.ts) survives a device's edit.
  const vcardOnly = stored.filter(([name]) => name === VCARD_EXTRA);
  return [...[...changes.values()].filter((n): n is PropNode => n !== null), ...kept, ...vcardOnly];
}

/**
 * 2.5 shows the notes as plain text (MS-ASCNTC 2.2.2.7.2). A 2.5 Change that sends back the text
 * it was given has not edited the notes: stored HTML or RTF notes stay as they are.
 */
function keepRicherNotes(changes: Map<string, PropNode | null>, before: PropNode | undefined, version: number): void {
  const sent = changes.get(NOTES);
  if (version >= 12 || !sent || !before || !Array.isArray(before[1]) || !Array.isArray(sent[1])) return;
  if (propText(before[1], A('Type')) !== '1' && plainNotes(before[1]) === propText(sent[1], A('Data'))) changes.set(NOTES, before);
}

// ─── store → device ─────────────────────────────────────────────────────────────────────────────

/**
 * The stored contact as a device of this version sees it: only its version's elements, the notes
 * as contacts:Body (cut as AirSync Truncation asks) for 2.5 and as airsyncbase:Body (cut later by
 * BodyPreference) from 12.0. A stored value that is not sendable (a photo over the limit, stored
 * before the limit was kept) is left out rather than sent broken.
 */
export function contactToDevice(stored: ItemProps, version: number, cut?: NotesCut): ItemProps {
  const out: ItemProps = [];
  for (const [name, node] of readStored(stored)) {
    if (name === NOTES && version < 12) out.push(...legacyNotes(node, cut?.truncationSize));
    else if (hasElement(name, version)) out.push(node);
  }
  return out;
}

/** MS-ASCNTC 2.2.2.7.2–2.2.2.9: contacts:Body, BodySize (characters) when cut, BodyTruncated. */
function legacyNotes(node: PropNode, limit: number | undefined): ItemProps {
  const plain = Array.isArray(node[1]) ? plainNotes(node[1]) : undefined;
  if (plain === undefined) return [];
  const truncated = limit !== undefined && Buffer.byteLength(plain, 'utf8') > limit;
  return [
    [LEGACY_NOTES, truncated ? cutUtf8(plain, limit) : plain],
    ...(truncated ? [[LEGACY_NOTES_SIZE, String([...plain].length)] as PropNode] : []),
    [LEGACY_NOTES_TRUNCATED, truncated ? '1' : '0'],
  ];
}

/** The notes as plain text; undefined for RTF, which 2.5 cannot show. */
function plainNotes(body: ItemProps): string | undefined {
  const type = propText(body, A('Type'));
  const data = textOf(body.find(p => p[0] === A('Data'))?.[1] ?? '') ?? '';
  return type === '1' ? data : type === '2' ? htmlToPlain(data) : undefined;
}

// ─── reading elements ───────────────────────────────────────────────────────────────────────────

/**
 * The device's elements by stored name; null for one sent empty (it clears the stored value).
 * Elements of other classes, or that its version does not have, are ignored: never stored, never
 * over a stored value. Of an element sent twice the last counts.
 */
function readDevice(props: ItemProps, version: number): Map<string, PropNode | null> {
  const out = new Map<string, PropNode | null>();
  for (const [name, value] of props) {
    const el = CONTACT_ELEMENTS.get(name);
    if (!el || !hasElement(name, version)) continue;
    const node = readValue(name, el, value);
    if (node !== undefined) out.set(node?.[0] ?? storedName(name), node);
  }
  return out;
}

/** A stored contact by element, in its order; what no longer reads (stored before these rules) is left out. */
function readStored(props: ItemProps): Map<string, PropNode> {
  const out = new Map<string, PropNode>();
  for (const [name, value] of props) {
    const el = CONTACT_ELEMENTS.get(name);
    if (!el) continue;
    try {
      const node = readValue(name, el, value);
      if (node) out.set(node[0], node);
    } catch (e) {
      if (!(e instanceof ContactError)) throw e;
    }
  }
  return out;
}

function storedName(name: string): string {
  return name === LEGACY_NOTES ? NOTES : name;
}

/** The stored node; null: sent empty; undefined: says nothing (notes without their Data). */
function readValue(name: string, el: ContactElement, value: Value): PropNode | null | undefined {
  switch (el.kind) {
    case 'text': return nonEmpty(name, text(name, value));
    case 'integer': return nonEmpty(name, integer(name, text(name, value)));
    case 'date': return nonEmpty(name, date(name, text(name, value)));
    case 'picture': return picture(name, value);
    case 'list': return list(name, el.item!, value);
    case 'body': return notes(name, value);
  }
}

function nonEmpty(name: string, value: string): PropNode | null {
  return value === '' ? null : [name, value];
}

/** Text, also from OPAQUE bytes that are UTF-8; a container where text belongs is refused. */
function text(name: string, value: Value): string {
  const t = textOf(value);
  if (t === undefined) throw new ContactError('CONTACT_INVALID', `${name} must be text`);
  return t;
}

function textOf(value: Value): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return undefined;
  try {
    return receivable(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value.b64, 'base64')));
  } catch {
    return undefined;
  }
}

/** MS-ASDTYPE 2.6 integer (WeightedRank). */
function integer(name: string, value: string): string {
  const t = value.trim();
  if (t === '') return '';
  if (!/^[+-]?\d{1,10}$/.test(t)) throw new ContactError('CONTACT_INVALID', `${name} must be an integer`);
  return String(Number(t));
}

/**
 * MS-ASCNTC 2.2.2.3 Anniversary, 2.2.2.6 Birthday: MS-ASDTYPE 2.3 dateTime, stored in that form.
 * Either EAS form is read, and a bare date (YYYY-MM-DD, which some clients send) as that day's
 * midnight UTC. Years are kept as sent: a birthday without a year comes as 1604 from some phones.
 */
function date(name: string, value: string): string {
  const t = value.trim();
  if (t === '') return '';
  try {
    return formatExtended(parseEasDateTime(/^\d{4}-?\d{2}-?\d{2}$/.test(t) ? `${t}T00:00:00Z` : t));
  } catch (e) {
    if (e instanceof TimeZoneError) throw new ContactError('CONTACT_INVALID', `${name} is not a date: ${t.slice(0, 40)}`);
    throw e;
  }
}

function picture(name: string, value: Value): PropNode | null {
  if (Array.isArray(value)) throw new ContactError('PICTURE_INVALID', `${name} must be base64 text`);
  const p = readPicture(value);
  if (!p.ok) {
    throw p.reason === 'TOO_LARGE'
      ? new ContactError('PICTURE_TOO_LARGE', `${name} is over the 48 KB MS-ASCNTC allows`)
      : new ContactError('PICTURE_INVALID', `${name} is not base64`);
  }
  return p.base64 === '' ? null : [name, p.base64];
}

/**
 * Categories / Children: their item elements only, each text. Empty entries and repeats are
 * dropped; an empty list clears; a list sent as plain text is one entry.
 */
function list(name: string, itemName: string, value: Value): PropNode | null {
  const entries = Array.isArray(value)
    ? value.map(([n, v]) => {
      if (n !== itemName) throw new ContactError('CONTACT_INVALID', `${name} holds ${n}, not ${itemName}`);
      return text(itemName, v).trim();
    })
    : [text(name, value).trim()];
  const unique = [...new Set(entries.filter(e => e !== ''))];
  if (unique.length > MAX_LIST_ENTRIES) throw new ContactError('CONTACT_INVALID', `${name} has more than ${MAX_LIST_ENTRIES} entries`);
  return unique.length ? [name, unique.map(e => [itemName, e] as PropNode)] : null;
}

/**
 * The notes, stored as airsyncbase:Body with Type and Data only (what the server works out —
 * EstimatedDataSize, Truncated — is not the device's to set). MS-ASCNTC 2.2.2.7.1 / MS-ASAIRS
 * 2.2.2.41.1: Type 1 (plain), 2 (HTML) or 3 (RTF); none given is plain. Empty Data clears the notes.
 */
function notes(name: string, value: Value): PropNode | null | undefined {
  if (name === LEGACY_NOTES || !Array.isArray(value)) {
    const plain = text(name, value);
    return plain === '' ? null : [NOTES, [[A('Type'), '1'], [A('Data'), plain]]];
  }
  const type = (propText(value, A('Type')) ?? '1').trim() || '1';
  if (!['1', '2', '3'].includes(type)) throw new ContactError('CONTACT_INVALID', `${name} Type ${type.slice(0, 10)} is not 1, 2 or 3`);
  // A Body without Data (some clients send just its Type) says nothing about the notes: kept.
  const data = value.find(p => p[0] === A('Data'))?.[1];
  if (data === undefined) return undefined;
  if (Array.isArray(data)) throw new ContactError('CONTACT_INVALID', `${name} Data must be text`);
  return data === '' ? null : [NOTES, [[A('Type'), type], [A('Data'), data]]];
}
