// The Find request (MS-ASCMD 2.2.1.2, 16.1) read into a mailbox or directory search, or into the
// Find Status it earns: 2 for what the schema or this server does not accept.
import { parseKql } from '../../search/kql.js';
import type { MailboxQuery } from '../../search/mailbox.js';
import { parseRange, type Range } from '../../search/range.js';
import type { Element } from '../../wbxml/index.js';

/** MS-ASCMD 2.2.3.177.2 Status (Find). */
export const FindStatus = { Success: 1, InvalidRequest: 2, FolderSyncRequired: 3 } as const;

export type FindRequest =
  | { kind: 'Mailbox'; searchId: string; query: MailboxQuery; range: Range }
  | { kind: 'GAL'; searchId: string; query: string; range: Range; picture: boolean };

/** MS-ASCMD 2.2.3.143.1: 0 ≤ m ≤ n ≤ 999, the mailbox default when absent. */
const DEFAULT_RANGE: Range = { first: 0, last: 99 };
const MAX_TEXT_BYTES = 1024;
const MAX_CONDITIONS = 20;

class Invalid extends Error {}
const invalid = (why: string): never => { throw new Invalid(why); };

/** undefined when the body is no Find request at all; 'INVALID' for one the server refuses (Status 2). */
export function parseFind(body: Element | undefined): FindRequest | 'INVALID' | undefined {
  if (body?.name !== 'Find' || body.namespace !== 'Find') return undefined;
  try {
    return parse(body);
  } catch (e) {
    if (e instanceof Invalid) return 'INVALID';
    throw e;
  }
}

function parse(body: Element): FindRequest {
  // MS-ASCMD 2.2.3.160 SearchId: required; the device names its search with it.
  const searchId = body.childText('SearchId')?.trim() || invalid('SearchId');
  const execute = body.child('ExecuteSearch') ?? invalid('ExecuteSearch');
  const mailbox = execute.all('MailBoxSearchCriterion');
  const gal = execute.all('GalSearchCriterion');
  // MS-ASCMD 2.2.3.66: one criterion, mailbox or directory.
  if (mailbox.length + gal.length !== 1 || execute.children.length !== 1) invalid('one criterion');
  const criterion = (mailbox[0] ?? gal[0])!;
  const query = criterion.child('Query', 'Find') ?? invalid('Query');
  const options = criterion.child('Options', 'Find');
  const range = options?.has('Range') ? parseRange(options.childText('Range')) ?? invalid('Range') : DEFAULT_RANGE;
  const text = query.childText('FreeText', 'Find') ?? '';
  if (Buffer.byteLength(text) > MAX_TEXT_BYTES) invalid('FreeText too long');
  if (gal[0]) {
    if (!text.trim()) invalid('an empty directory query');
    return { kind: 'GAL', searchId, query: text, range, picture: !!options?.has('Picture') };
  }
  // MS-ASCMD 2.2.3.27.1: Email is the only class Find searches.
  if (query.childText('Class', 'AirSync')?.trim() !== 'Email') invalid('Class Email');
  const collections = query.all('CollectionId', 'AirSync').map(c => c.text?.trim() ?? '');
  if (collections.length > 1 || collections.some(c => !/^\d{1,15}$/.test(c))) invalid('CollectionId');
  const kql = parseKql(text);
  if (!kql.ok || kql.conditions.length > MAX_CONDITIONS) invalid('FreeText');
  return {
    kind: 'Mailbox', searchId, range,
    query: {
      classes: ['Email'], conditions: kql.ok ? kql.conditions : [],
      collectionIds: collections.length ? collections.map(Number) : undefined,
      deepTraversal: !!options?.has('DeepTraversal'),
    },
  };
}
