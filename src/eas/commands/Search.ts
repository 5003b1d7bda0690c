// MS-ASCMD 2.2.1.16 Search: the directory (Store "GAL") or the account's mailbox (Store "Mailbox").
// The top-level Status is 1 whenever the request was a Search; how the store search went is the
// Store's Status (searchRequest.ts). Document libraries are not offered. docs/search.md.
import { searchGal, type GalEntry } from '../../directory/gal.js';
import { formatLongId } from '../../search/longId.js';
import { searchMailbox } from '../../search/mailbox.js';
import { filled, formatRange, type Range } from '../../search/range.js';
import type { BodyRequest } from '../../mail/bodyRender.js';
import type { Item } from '../../store/types.js';
import { codecFor } from '../../sync/codecs.js';
import { tags, type Element } from '../../wbxml/index.js';
import { withBodyCut } from '../body.js';
import { toElements } from '../props.js';
import { CommonStatus, EasError } from '../status.js';
import { parseSearch, StoreStatus, type SearchRequest } from './searchRequest.js';
import type { CommandContext, CommandResult } from './types.js';

const s = tags('Search');
const as = tags('AirSync');
const gal = tags('GAL');

/** MS-ASCMD 2.2.3.177.13 Status (Search) as a child of Search: 1, the request was a Search. */
const SEARCH_PROCESSED = 1;

/** MS-ASCMD 2.2.3.143.3: neither store gives more than its first 100 results. */
const RETRIEVABLE: Range = { first: 0, last: 99 };
/** MS-ASCMD 2.2.3.177.13: 173, the entry has no contact photo (Convene keeps none). */
const NO_PICTURE = 173;

interface StoreAnswer {
  status: number;
  results?: Element[];
  range?: Range | undefined;
  total?: number;
}

export async function search(ctx: CommandContext): Promise<CommandResult> {
  const req = parseSearch(ctx.body, ctx.version);
  if (!req) throw new EasError(400, 'Search: the root is not Search', CommonStatus.InvalidXML);
  const answer = await run(ctx, req);
  return {
    body: s('Search', [s('Status', SEARCH_PROCESSED), s('Response', [s('Store', [
      s('Status', answer.status),
      answer.results,
      answer.range && s('Range', formatRange(answer.range)),
      answer.total !== undefined && s('Total', answer.total),
    ])])]),
  };
}

async function run(ctx: CommandContext, req: SearchRequest): Promise<StoreAnswer> {
  if ('refused' in req) return { status: req.refused };
  // Document libraries (UNC, SharePoint) are not offered by this server: blocked, not broken.
  if (req.store === 'DocumentLibrary') return { status: StoreStatus.AccessBlocked };
  const { wanted, status } = retrievable(req.range);
  if (req.store === 'GAL') {
    const entries = await searchGal(ctx.store, req.query);
    const range = wanted && filled(wanted, entries.length);
    const shown = range ? entries.slice(range.first, range.last + 1) : [];
    return { status, results: shown.map(e => s('Result', [s('Properties', galProperties(e, req.picture))])), range, total: entries.length };
  }
  const outcome = await searchMailbox(ctx.store, ctx.user.id, req.query, wanted);
  if (!outcome.ok) return { status: StoreStatus.FolderSyncRequired };
  const body: BodyRequest = { bodyPreferences: req.bodyPreferences, mimeSupport: req.mimeSupport };
  // MS-ASCMD 2.2.3.155.3: a mailbox search that finds nothing answers with one empty Result.
  const results: Element[] = outcome.total === 0 ? [s('Result')] : [];
  for (const item of outcome.items) {
    // One item that fails to render is left out (and logged), never the whole search.
    const result = await mailboxResult(ctx, item, body).catch((err: unknown) => {
      ctx.log.warn({ itemId: item.id, folderId: item.folderId, err }, 'search result left out: it failed to render');
    });
    if (result) results.push(result);
  }
  return { status, results, range: outcome.range, total: outcome.total };
}

/**
 * MS-ASCMD 2.2.3.143.3: a Range that reaches past the first 100 results is cut there and answered
 * with Status 12 (end of retrievable range); one that starts past them gets no results.
 */
function retrievable(range: Range): { wanted: Range | undefined; status: number } {
  if (range.last <= RETRIEVABLE.last) return { wanted: range, status: StoreStatus.Success };
  const wanted = range.first <= RETRIEVABLE.last ? { first: range.first, last: RETRIEVABLE.last } : undefined;
  return { wanted, status: StoreStatus.EndOfRetrievableRange };
}

async function mailboxResult(ctx: CommandContext, item: Item, body: BodyRequest): Promise<Element> {
  return s('Result', [
    as('Class', item.class),
    s('LongId', formatLongId(item)),
    as('CollectionId', String(item.folderId)),
    s('Properties', await itemProperties(ctx, item, body)),
  ]);
}

/** The item as Sync renders it for this device: mail with its body as asked, other bodies cut here. */
async function itemProperties(ctx: CommandContext, item: Item, body: BodyRequest): Promise<Element[]> {
  const props = await codecFor(item.class).toDevice(item, { version: Number(ctx.version), body, store: ctx.store });
  return toElements(item.class === 'Email' ? props : withBodyCut(props, body.bodyPreferences));
}

/** MS-ASCMD 2.2.3.139.3: the entry's non-empty GAL properties (also Find's, 2.2.3.139.1). */
export function galProperties(e: GalEntry, picture: boolean): Element[] {
  return [
    gal('DisplayName', e.displayName),
    e.office && gal('Office', e.office),
    e.title && gal('Title', e.title),
    gal('Alias', e.alias),
    e.firstName && gal('FirstName', e.firstName),
    e.lastName && gal('LastName', e.lastName),
    gal('EmailAddress', e.emailAddress),
    picture && gal('Picture', [gal('Status', NO_PICTURE)]),
  ].filter((el): el is Element => !!el);
}
