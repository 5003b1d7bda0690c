// The Search request (MS-ASCMD 2.2.1.16) read into what the search domain needs, or into the Store
// Status the request earns: 2 for what the schema or this server does not accept, 8 (too complex)
// where the spec says so — search conditions anywhere but inside the one And, several Ands, Or.
import { parseEasDateTime } from '../../calendar/timezone.js';
import type { MailboxQuery } from '../../search/mailbox.js';
import type { TextCondition } from '../../search/match.js';
import { parseRange, type Range } from '../../search/range.js';
import { queryWords } from '../../search/text.js';
import type { CollectionOptions, ItemClass } from '../../store/types.js';
import type { Element } from '../../wbxml/index.js';
import { atLeast, type ProtocolVersion } from '../version.js';

/** MS-ASCMD 2.2.3.177.13 Status (Search), as a child of Store: the values Convene answers with. */
export const StoreStatus = {
  Success: 1,
  InvalidRequest: 2,
  TooComplex: 8,
  FolderSyncRequired: 11,
  EndOfRetrievableRange: 12,
  AccessBlocked: 13,
} as const;

export type BodyPreferences = CollectionOptions['bodyPreferences'];

export type SearchRequest =
  | { store: 'GAL'; query: string; range: Range; picture: boolean }
  | { store: 'Mailbox'; query: MailboxQuery; range: Range; bodyPreferences: BodyPreferences; mimeSupport: number }
  | { store: 'DocumentLibrary' }
  | { refused: (typeof StoreStatus)['InvalidRequest' | 'TooComplex'] };

/** MS-ASCMD 2.2.3.143.3: 0-99 when the request names no Range, for the GAL and the mailbox alike. */
export const DEFAULT_RANGE: Range = { first: 0, last: 99 };
/** MS-ASCMD 2.2.3.196: a Value is at most 1,024 bytes; FreeText is held to the same. */
const MAX_TEXT_BYTES = 1024;
/** More words than this is a query Convene calls too complex (each word is a scan condition). */
const MAX_WORDS = 20;

class Refusal extends Error {
  constructor(readonly status: (typeof StoreStatus)['InvalidRequest' | 'TooComplex']) {
    super(`Search refused with Store Status ${status}`);
  }
}
const invalid = (): never => { throw new Refusal(StoreStatus.InvalidRequest); };
const tooComplex = (): never => { throw new Refusal(StoreStatus.TooComplex); };

/** undefined when the body is no Search request at all (the transport answers that). */
export function parseSearch(body: Element | undefined, version: ProtocolVersion): SearchRequest | undefined {
  if (body?.name !== 'Search' || body.namespace !== 'Search') return undefined;
  try {
    // MS-ASCMD 2.2.3.178.3: one Store; more is undefined and answered as a protocol error.
    if (body.children.length !== 1 || body.children[0]!.name !== 'Store') invalid();
    return parseStore(body.children[0]!, version);
  } catch (e) {
    if (e instanceof Refusal) return { refused: e.status };
    throw e;
  }
}

function parseStore(store: Element, version: ProtocolVersion): SearchRequest {
  const name = store.childText('Name')?.trim().toLowerCase();
  const query = one(store, 'Query') ?? invalid();
  const options = one(store, 'Options');
  const range = options ? rangeOf(options) : DEFAULT_RANGE;
  switch (name) {
    case 'gal': {
      const text = query.text?.trim();
      if (!text || Buffer.byteLength(text) > MAX_TEXT_BYTES) invalid();
      // MS-ASCMD 2.2.3.135.3: contact photos from 14.1; earlier versions have no gal:Picture.
      return { store: 'GAL', query: text!, range, picture: atLeast(version, '14.1') && !!options?.has('Picture') };
    }
    case 'mailbox':
      if (!atLeast(version, '12.0')) invalid();
      return {
        store: 'Mailbox', query: mailboxQuery(query, options, version), range,
        bodyPreferences: options ? bodyPreferences(options) : [], mimeSupport: options ? mimeSupport(options) : 0,
      };
    case 'documentlibrary': return { store: 'DocumentLibrary' };
    default: return invalid();
  }
}

/** MS-ASCMD 2.2.3.142.2: a mailbox Query is one And holding the conditions; anything else is refused. */
function mailboxQuery(query: Element, options: Element | undefined, version: ProtocolVersion): MailboxQuery {
  if (query.text !== undefined) invalid();
  for (const c of query.children) {
    if (c.name === 'EqualTo') invalid(); // MS-ASCMD 2.2.3.62: document libraries only
    if (c.name !== 'And') tooComplex(); // 2.2.3.27.5, .30.5, .35.2, .80.2, .86, .96, .126
  }
  if (query.children.length !== 1) tooComplex(); // MS-ASCMD 2.2.3.10: several And
  const and = query.children[0]!;
  const q: MailboxQuery = { deepTraversal: !!options?.has('DeepTraversal'), conditions: [] };
  const classes = new Set<ItemClass>();
  const folders = new Set<number>();
  for (const c of and.children) {
    const key = `${c.namespace}:${c.name}`;
    if (key === 'AirSync:Class') classes.add(itemClass(c.text, version));
    else if (key === 'AirSync:CollectionId') folders.add(folderId(c.text));
    else if (key === 'Search:FreeText') q.conditions.push(...freeText(c.text));
    else if (key === 'Search:ConversationId') q.conversationId = once(q.conversationId, conversationId(c));
    else if (key === 'Search:GreaterThan') q.receivedAfter = once(q.receivedAfter, dateReceived(c));
    else if (key === 'Search:LessThan') q.receivedBefore = once(q.receivedBefore, dateReceived(c));
    else if (key === 'Search:And' || key === 'Search:Or') tooComplex();
    else invalid();
    if (q.conditions.length > MAX_WORDS) tooComplex();
  }
  if (classes.size) q.classes = [...classes];
  if (folders.size) q.collectionIds = [...folders];
  return q;
}

/** MS-ASCMD 2.2.3.27.5: the classes a mailbox search knows; SMS and Notes from 14.0. */
function itemClass(text: string | undefined, version: ProtocolVersion): ItemClass {
  const cls = text?.trim();
  if (cls === 'Email' || cls === 'Calendar' || cls === 'Contacts' || cls === 'Tasks') return cls;
  if ((cls === 'SMS' || cls === 'Notes') && atLeast(version, '14.0')) return cls;
  return invalid();
}

function folderId(text: string | undefined): number {
  const id = text?.trim() ?? '';
  return /^\d{1,15}$/.test(id) ? Number(id) : invalid();
}

function freeText(text: string | undefined): TextCondition[] {
  if (text === undefined || Buffer.byteLength(text) > MAX_TEXT_BYTES) invalid();
  return queryWords(text!).map(word => ({ text: word }));
}

function conversationId(el: Element): string {
  const bytes = el.bytes;
  return bytes && bytes.length > 0 ? Buffer.from(bytes).toString('base64') : invalid();
}

/** MS-ASCMD 2.2.3.86 / 2.2.3.96: email:DateReceived, then Value — the time mail was received. */
function dateReceived(el: Element): number {
  const [property, value] = el.children;
  if (el.children.length !== 2 || property?.name !== 'DateReceived' || property.namespace !== 'Email' || value?.name !== 'Value') invalid();
  const text = value!.text ?? '';
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) invalid();
  try {
    return parseEasDateTime(text);
  } catch {
    return invalid();
  }
}

function rangeOf(options: Element): Range {
  const el = one(options, 'Range');
  return el ? parseRange(el.text) ?? invalid() : DEFAULT_RANGE;
}

/** MS-ASAIRS 2.2.2.7 BodyPreference: Type 1–4, optional TruncationSize, AllOrNone, Preview. */
function bodyPreferences(options: Element): BodyPreferences {
  return options.all('BodyPreference', 'AirSyncBase').map(p => {
    const type = int(p.childText('Type')) ?? invalid();
    if (type < 1 || type > 4) invalid();
    return { type, truncationSize: int(p.childText('TruncationSize')), preview: int(p.childText('Preview')), allOrNone: p.childText('AllOrNone')?.trim() === '1' || undefined };
  });
}

/** MS-ASCMD 2.2.3.110.2 MIMESupport: 0, 1 or 2; 0 when absent. */
function mimeSupport(options: Element): number {
  const el = options.child('MIMESupport', 'AirSync');
  if (!el) return 0;
  const value = int(el.text);
  return value !== undefined && value <= 2 ? value : invalid();
}

/** A whole number of at most nine digits; undefined when absent, refused when anything else. */
function int(text: string | undefined): number | undefined {
  const t = text?.trim();
  if (t === undefined || t === '') return undefined;
  return /^\d{1,9}$/.test(t) ? Number(t) : invalid();
}

/** The only child of that name in the Search page; two of them is a protocol error. */
function one(parent: Element, name: string): Element | undefined {
  const all = parent.all(name, 'Search');
  return all.length > 1 ? invalid() : all[0];
}

/** MS-ASCMD 2.2.3.35.2, .86, .96: at most one of each; a second is a protocol error. */
function once<T>(previous: T | undefined, next: T): T {
  return previous === undefined ? next : invalid();
}
