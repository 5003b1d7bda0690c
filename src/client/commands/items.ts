// GetItemEstimate (MS-ASCMD 2.2.1.9), MoveItems (2.2.1.12) and ItemOperations (2.2.1.10): the
// commands that ask about or act on items outside Sync.
import type { ItemProps } from '../../store/types.js';
import { toProps } from '../../eas/props.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const gie = tags('GetItemEstimate');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const mv = tags('Move');
const io = tags('ItemOperations');
const search = tags('Search');

export interface EstimateQuery {
  collectionId: string;
  syncKey: string;
  filterType?: number | undefined;
  /** 12.1 and older name the class (Email, Calendar…) in the request. */
  class?: string | undefined;
}

export interface Estimate { collectionId: string | undefined; status: number; estimate: number | undefined }

export async function getItemEstimate(client: EasClient, queries: EstimateQuery[], version?: string): Promise<{ estimates: Estimate[]; response: EasResponse }> {
  const legacy = Number(version ?? client.version) < 14;
  const response = await client.send('GetItemEstimate', gie('GetItemEstimate', [gie('Collections', queries.map(q => gie('Collection', legacy
    // ≤12.1 (MS-ASCMD 2.2.3.27.3): Class, CollectionId, FilterType, SyncKey.
    ? [gie('Class', q.class ?? 'Email'), gie('CollectionId', q.collectionId), as('FilterType', q.filterType ?? 0), as('SyncKey', q.syncKey)]
    : [as('SyncKey', q.syncKey), gie('CollectionId', q.collectionId), q.filterType !== undefined && as('Options', [as('FilterType', q.filterType)])])))]),
  { version });
  const estimates = (response.body?.all('Response') ?? []).map(r => {
    const c = r.child('Collection');
    const value = c?.childText('Estimate');
    return { collectionId: c?.childText('CollectionId'), status: Number(r.childText('Status')), estimate: value === undefined ? undefined : Number(value) };
  });
  return { estimates, response };
}

export interface Move { srcMsgId: string; srcFldId: string; dstFldId: string }
export interface MoveResult { srcMsgId: string | undefined; status: number; dstMsgId: string | undefined }

export async function moveItems(client: EasClient, moves: Move[], version?: string): Promise<{ results: MoveResult[]; response: EasResponse }> {
  const response = await client.send('MoveItems', mv('MoveItems', moves.map(m => mv('Move', [
    mv('SrcMsgId', m.srcMsgId), mv('SrcFldId', m.srcFldId), mv('DstFldId', m.dstFldId),
  ]))), { version });
  const results = (response.body?.all('Response') ?? []).map(r => ({
    srcMsgId: r.childText('SrcMsgId'), status: Number(r.childText('Status')), dstMsgId: r.childText('DstMsgId'),
  }));
  return { results, response };
}

export interface FetchTarget {
  collectionId?: string | undefined;
  serverId?: string | undefined;
  /** From a Search result. */
  longId?: string | undefined;
  /** An attachment's FileReference (AirSyncBase 2.2.2.24). */
  fileReference?: string | undefined;
}

export interface FetchOptions {
  /** AirSyncBase BodyPreference Type: 1 text, 2 HTML, 4 MIME; 1 by default. */
  bodyType?: number | undefined;
  truncationSize?: number | undefined;
  /** Ask for the data as a multipart response part (MS-ASCMD 2.2.3.110). */
  multipart?: boolean | undefined;
  version?: string | undefined;
}

export interface FetchResult {
  status: number;
  /** The item's properties (for an item) … */
  props: ItemProps | undefined;
  /** … or the attachment's bytes (inline Data or the multipart part). */
  data: Buffer | undefined;
  contentType: string | undefined;
  response: EasResponse;
}

/** ItemOperations Fetch of one item or attachment. */
export async function fetchItem(client: EasClient, target: FetchTarget, o: FetchOptions = {}): Promise<FetchResult> {
  const response = await client.send('ItemOperations', io('ItemOperations', [io('Fetch', [
    io('Store', 'Mailbox'),
    target.fileReference !== undefined && asb('FileReference', target.fileReference),
    target.longId !== undefined && search('LongId', target.longId),
    target.collectionId !== undefined && as('CollectionId', target.collectionId),
    target.serverId !== undefined && as('ServerId', target.serverId),
    target.fileReference === undefined && io('Options', [asb('BodyPreference', [
      asb('Type', o.bodyType ?? 1), o.truncationSize !== undefined && asb('TruncationSize', o.truncationSize),
    ])]),
  ])]), { version: o.version, ...(o.multipart ? { headers: { 'MS-ASAcceptMultiPart': 'T' } } : {}) });
  const fetched = response.body?.child('Response')?.child('Fetch');
  const props = fetched?.child('Properties');
  return {
    status: Number(fetched?.childText('Status') ?? response.body?.childText('Status') ?? 0),
    props: props && target.fileReference === undefined ? toProps(props) : undefined,
    data: attachmentData(props, response),
    contentType: props?.childText('ContentType'),
    response,
  };
}

function attachmentData(props: Element | undefined, response: EasResponse): Buffer | undefined {
  const data = props?.child('Data');
  // Inline data is base64 text (MS-ASCMD 2.2.3.39.2); a server may also send it as opaque bytes.
  if (data) return data.text !== undefined ? Buffer.from(data.text, 'base64') : Buffer.from(data.bytes ?? []);
  const part = props?.childText('Part');
  return part !== undefined ? response.parts?.[Number(part) - 1] : undefined;
}

/** ItemOperations EmptyFolderContents (MS-ASCMD 2.2.3.59). */
export async function emptyFolderContents(client: EasClient, collectionId: string, deleteSubFolders = false, version?: string):
  Promise<{ status: number; response: EasResponse }> {
  const response = await client.send('ItemOperations', io('ItemOperations', [io('EmptyFolderContents', [
    as('CollectionId', collectionId), deleteSubFolders && io('Options', [io('DeleteSubFolders')]),
  ])]), { version });
  const answer = response.body?.child('Response')?.child('EmptyFolderContents');
  return { status: Number(answer?.childText('Status') ?? response.body?.childText('Status') ?? 0), response };
}
