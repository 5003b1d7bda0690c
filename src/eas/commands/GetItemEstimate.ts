// MS-ASCMD 2.2.1.9 GetItemEstimate: per collection, the number of changes the device's next Sync
// would bring (docs/sync.md). The request comes in two shapes: 14.0+ puts FilterType in
// airsync:Options, 12.1 and earlier put Class and airsync:FilterType directly in the Collection.
import { estimateCollection, type EstimateFailure, type EstimateOutcome, type EstimateRequest } from '../../sync/estimate.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus, EasError } from '../status.js';
import type { CommandContext, CommandResult } from './types.js';

const gie = tags('GetItemEstimate');

/** MS-ASCMD 2.2.3.177.7 Status (GetItemEstimate). */
export const GetItemEstimateStatus = {
  Success: 1,
  InvalidCollection: 2,
  SyncStateNotPrimed: 3,
  InvalidSyncKey: 4,
} as const;

const STATUS: Record<Exclude<EstimateFailure, 'INVALID_FILTER_TYPE'>, number> = {
  INVALID_COLLECTION: GetItemEstimateStatus.InvalidCollection,
  NOT_PRIMED: GetItemEstimateStatus.SyncStateNotPrimed,
  INVALID_SYNC_KEY: GetItemEstimateStatus.InvalidSyncKey,
};

/** MS-ASCMD 2.2.3.31.1 Collections (GetItemEstimate): one to 300 Collection elements. */
const MAX_COLLECTIONS = 300;

interface CollectionQuery extends EstimateRequest {
  /** ≤12.1: the Class the request named, echoed in the response. */
  class?: string | undefined;
}

export async function getItemEstimate(ctx: CommandContext): Promise<CommandResult> {
  const queries = parse(ctx.body);
  const sctx = { store: ctx.store, user: ctx.user, device: ctx.device, version: Number(ctx.version) };
  const answers: [CollectionQuery, EstimateOutcome][] = [];
  for (const q of queries) {
    const outcome = await estimateCollection(sctx, q);
    // R2984: a FilterType the collection's class does not have fails the request: common Status 103.
    if (!outcome.ok && outcome.reason === 'INVALID_FILTER_TYPE') {
      throw new EasError(400, `GetItemEstimate: FilterType ${q.filterType} for collection ${q.collectionId}`, CommonStatus.InvalidXML);
    }
    answers.push([q, outcome]);
  }
  return { body: build(answers) };
}

/** A request outside the schema is the common Status 103 (HTTP 400 before 14.0). */
function parse(body: Element | undefined): CollectionQuery[] {
  const bad = (why: string): EasError => new EasError(400, `GetItemEstimate: ${why}`, CommonStatus.InvalidXML);
  if (body?.name !== 'GetItemEstimate' || body.namespace !== 'GetItemEstimate') throw bad('the root is not GetItemEstimate');
  const collections = body.child('Collections')?.all('Collection') ?? [];
  if (collections.length === 0 || collections.length > MAX_COLLECTIONS) throw bad(`${collections.length} collections`);
  return collections.map(c => {
    const syncKey = c.childText('SyncKey', 'AirSync')?.trim();
    const collectionId = c.childText('CollectionId', 'GetItemEstimate')?.trim();
    if (!syncKey || !collectionId) throw bad('a Collection needs SyncKey and CollectionId');
    return { syncKey, collectionId, filterType: filterTypeOf(c, bad), class: c.childText('Class', 'GetItemEstimate') };
  });
}

// MS-ASCMD 2.2.3.125.2 Options (GetItemEstimate): as in Sync, the Options without a Class (or not
// for SMS) applies to the collection's own items. ≤12.1: FilterType sits in the Collection itself.
function filterTypeOf(c: Element, bad: (why: string) => EasError): number | undefined {
  const options = c.all('Options', 'AirSync');
  const o = options.find(x => !x.has('Class')) ?? options.find(x => x.childText('Class') !== 'SMS') ?? options[0];
  const text = (o ?? c).childText('FilterType', 'AirSync')?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^\d{1,2}$/.test(text)) throw bad(`FilterType ${text}`);
  return Number(text);
}

function build(answers: [CollectionQuery, EstimateOutcome][]): Element {
  return gie('GetItemEstimate', answers.map(([q, outcome]) => gie('Response', [
    gie('Status', outcome.ok ? GetItemEstimateStatus.Success : STATUS[outcome.reason as keyof typeof STATUS]),
    gie('Collection', [
      q.class !== undefined && gie('Class', q.class),
      gie('CollectionId', q.collectionId),
      // MS-ASCMD 6.21: Estimate is optional; it is only meaningful with Status 1.
      outcome.ok && gie('Estimate', outcome.estimate),
    ]),
  ])));
}
