// MS-ASCMD 2.2.1.10 ItemOperations: Fetch, EmptyFolderContents and Move, run in request order, each
// answered with its own Status inside Response. The top-level Status is 1 unless the request
// itself is malformed (2). A client that accepts multipart (MS-ASAcceptMultiPart: T, or the base64
// query's flag) gets attachment bytes and fetched bodies as parts after the WBXML instead of Data.
import { moveConversation } from '../../search/conversationMove.js';
import { longIdAsServerId } from '../../search/longId.js';
import type { BodyPreference } from '../../mail/bodyRender.js';
import { emptyFolder, fetchAttachment, fetchItem, type FetchFailure, type FetchOutcome, type OperationsContext } from '../../sync/itemOperations.js';
import type { ItemProps } from '../../store/types.js';
import { encode, tags, type Element } from '../../wbxml/index.js';
import { toElements } from '../props.js';
import { acceptsMultipart, multipartBody, MULTIPART_CONTENT_TYPE } from './multipart.js';
import type { CommandContext, CommandResult } from './types.js';

const io = tags('ItemOperations');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const search = tags('Search');

/** MS-ASCMD 2.2.3.177.8 Status (ItemOperations): the values Convene answers with. */
export const ItemOperationsStatus = {
  Success: 1,
  ProtocolError: 2,
  ObjectNotFound: 6,
  ByteRangeInvalid: 8,
  StoreUnknown: 9,
  ConversionFailed: 14,
  AttachmentInvalid: 15,
  /** MS-ASCMD 2.2.3.113 MoveAlways: a conversation Move without it. */
  MoveAlwaysMissing: 155,
} as const;

const FETCH_STATUS: Record<FetchFailure, number> = {
  // 6 is worded for document libraries but scoped to items too: "not found or access denied".
  NOT_FOUND: ItemOperationsStatus.ObjectNotFound,
  ATTACHMENT_INVALID: ItemOperationsStatus.AttachmentInvalid,
  // A FileReference whose bytes cannot be read (an item made without its message, or a message
  // whose part no longer matches): for the device it is as unusable as an invalid one.
  ATTACHMENT_UNAVAILABLE: ItemOperationsStatus.AttachmentInvalid,
  RANGE_INVALID: ItemOperationsStatus.ByteRangeInvalid,
  // MS-ASCMD 2.2.3.177.8: 14, conversion failed — the stored item could not be turned into its
  // device form. The other operations of the request are answered as usual.
  RENDER_FAILED: ItemOperationsStatus.ConversionFailed,
};

type BodyPreferences = BodyPreference[];

interface FetchRequest {
  kind: 'Fetch';
  store: string | undefined;
  collectionId?: string | undefined;
  serverId?: string | undefined;
  fileReference?: string | undefined;
  longId?: string | undefined;
  bodyPreferences: BodyPreferences;
  mimeSupport?: number | undefined;
  /** Options/Range "m-n" (attachments). */
  range?: string | undefined;
  /** Options/Schema: only these properties ("Email:Subject"); undefined: all. */
  schema?: Set<string> | undefined;
}
interface EmptyRequest { kind: 'EmptyFolderContents'; collectionId: string | undefined; deleteSubFolders: boolean }
interface MoveRequest { kind: 'Move'; conversationId: Element | undefined; dstFldId: string | undefined; moveAlways: boolean }
type Operation = FetchRequest | EmptyRequest | MoveRequest | { kind: 'Malformed'; name: 'Fetch' };

export async function itemOperations(ctx: CommandContext): Promise<CommandResult> {
  const operations = parse(ctx.body);
  if (!operations) return { body: io('ItemOperations', [io('Status', ItemOperationsStatus.ProtocolError)]) };
  const answers: Element[] = [];
  const octx = { store: ctx.store, user: ctx.user, device: ctx.device, version: Number(ctx.version), log: ctx.log };
  // Multipart: part 0 is the WBXML, parts 1… the bytes the Part elements point at.
  const parts: Buffer[] | undefined = acceptsMultipart(ctx) ? [] : undefined;
  for (const op of operations) answers.push(await run(octx, op, parts));
  const body = io('ItemOperations', [io('Status', ItemOperationsStatus.Success), io('Response', answers)]);
  if (!parts) return { body };
  return { raw: { contentType: MULTIPART_CONTENT_TYPE, data: multipartBody([Buffer.from(encode(body)), ...parts]) } };
}

async function run(ctx: OperationsContext, op: Operation, parts: Buffer[] | undefined): Promise<Element> {
  switch (op.kind) {
    case 'Fetch': return fetch(ctx, op, parts);
    case 'EmptyFolderContents': {
      if (!op.collectionId) return io('EmptyFolderContents', [io('Status', ItemOperationsStatus.ProtocolError)]);
      const outcome = await emptyFolder(ctx, { collectionId: op.collectionId, deleteSubFolders: op.deleteSubFolders });
      return io('EmptyFolderContents', [
        io('Status', outcome.ok ? ItemOperationsStatus.Success : ItemOperationsStatus.ObjectNotFound),
        as('CollectionId', op.collectionId),
      ]);
    }
    case 'Move': return move(ctx, op);
    case 'Malformed': return io(op.name, [io('Status', ItemOperationsStatus.ProtocolError)]);
  }
}

/**
 * MS-ASCMD 2.2.3.117.1 Move (14.0+): the conversation's messages go to DstFldId (R201, R3465).
 * MoveAlways must be set (2.2.3.113, else 155): the messages there now are moved and later ones
 * follow (a conversation rule, docs/sync.md). Unknown destination or conversation: 6.
 */
async function move(ctx: OperationsContext, op: MoveRequest): Promise<Element> {
  const answer = (status: number): Element => io('Move', [io('Status', status), op.conversationId]);
  const bytes = op.conversationId?.bytes;
  if (ctx.version < 14 || !bytes || bytes.length === 0 || !op.dstFldId) return answer(ItemOperationsStatus.ProtocolError);
  if (!op.moveAlways) return answer(ItemOperationsStatus.MoveAlwaysMissing);
  const outcome = await moveConversation(ctx, { conversationId: Buffer.from(bytes), dstFldId: op.dstFldId });
  return answer(outcome.ok ? ItemOperationsStatus.Success : ItemOperationsStatus.ObjectNotFound);
}

async function fetch(ctx: OperationsContext, op: FetchRequest, parts: Buffer[] | undefined): Promise<Element> {
  const echo = [
    op.collectionId !== undefined && as('CollectionId', op.collectionId),
    op.serverId !== undefined && as('ServerId', op.serverId),
    op.longId !== undefined && search('LongId', op.longId),
    op.fileReference !== undefined && asb('FileReference', op.fileReference),
  ];
  const answer = (status: number, more: (Element | false)[] = []): Element => io('Fetch', [io('Status', status), ...echo, ...more]);
  // MS-ASCMD 2.2.3.178.2 Store: Mailbox is the only store here; DocumentLibrary and others are unknown.
  if (!op.store) return answer(ItemOperationsStatus.ProtocolError);
  if (op.store.toLowerCase() !== 'mailbox') return answer(ItemOperationsStatus.StoreUnknown);
  let outcome: FetchOutcome;
  if (op.fileReference !== undefined) outcome = await fetchAttachment(ctx, op.fileReference, undefined, { range: op.range });
  else if (op.collectionId && op.serverId) {
    const body = { bodyPreferences: op.bodyPreferences, mimeSupport: op.mimeSupport };
    outcome = await fetchItem(ctx, { collectionId: op.collectionId, serverId: op.serverId, body });
  } else if (op.longId !== undefined) {
    // A Search result (MS-ASCMD 2.2.3.98.3): Convene's LongId names the item in its folder (docs/search.md).
    const named = longIdAsServerId(op.longId);
    const body = { bodyPreferences: op.bodyPreferences, mimeSupport: op.mimeSupport };
    outcome = named ? await fetchItem(ctx, { ...named, body }) : { ok: false, reason: 'NOT_FOUND' };
  } else return answer(ItemOperationsStatus.ProtocolError);
  if (!outcome.ok) return answer(FETCH_STATUS[outcome.reason]);
  if (outcome.kind === 'attachment') {
    const { range } = outcome;
    // MS-ASCMD 2.2.3.139.2 Properties: Range and Total when the device asked for a range.
    return answer(ItemOperationsStatus.Success, [io('Properties', [
      asb('ContentType', outcome.contentType),
      range && io('Range', `${range.start}-${range.end}`),
      (range || op.range !== undefined) && io('Total', outcome.total),
      parts ? io('Part', parts.push(outcome.data)) : io('Data', outcome.data.toString('base64')),
    ])]);
  }
  return answer(ItemOperationsStatus.Success, [as('Class', outcome.class), io('Properties', properties(outcome.props, op, parts))]);
}

/**
 * The item as rendered for the Fetch's Options (bodies included); Schema narrows what is sent. In a
 * multipart response the body's Data travels as a part, named by Part (MS-ASCMD 2.2.3.130).
 */
function properties(props: ItemProps, op: FetchRequest, parts: Buffer[] | undefined): Element[] {
  const elements = toElements(op.schema ? props.filter(p => op.schema!.has(p[0])) : props);
  if (!parts) return elements;
  for (const body of elements.filter(e => e.name === 'Body' && e.namespace === 'AirSyncBase')) {
    body.content = body.children.map(c => {
      if (c.name !== 'Data') return c;
      const bytes = c.bytes ?? new Uint8Array();
      return io('Part', parts.push(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)));
    });
  }
  return elements;
}

// ---- Request ------------------------------------------------------------------------------------

/** The operations in order; undefined when the request is not an ItemOperations request at all. */
function parse(body: Element | undefined): Operation[] | undefined {
  if (body?.name !== 'ItemOperations' || body.namespace !== 'ItemOperations' || body.children.length === 0) return undefined;
  const out: Operation[] = [];
  for (const el of body.children) {
    if (el.namespace !== 'ItemOperations') return undefined;
    if (el.name === 'Fetch') out.push(parseFetch(el));
    else if (el.name === 'EmptyFolderContents') {
      out.push({ kind: 'EmptyFolderContents', collectionId: el.childText('CollectionId', 'AirSync')?.trim() || undefined,
        deleteSubFolders: deleteSubFolders(el) });
    } else if (el.name === 'Move') {
      out.push({ kind: 'Move', conversationId: el.child('ConversationId', 'ItemOperations'),
        dstFldId: el.childText('DstFldId', 'ItemOperations')?.trim() || undefined,
        moveAlways: el.child('Options', 'ItemOperations')?.child('MoveAlways', 'ItemOperations') !== undefined });
    }
    else return undefined;
  }
  return out;
}

function parseFetch(el: Element): FetchRequest | { kind: 'Malformed'; name: 'Fetch' } {
  const options = el.child('Options', 'ItemOperations');
  const bodyPreferences: BodyPreferences = [];
  for (const p of options?.all('BodyPreference', 'AirSyncBase') ?? []) {
    const [type, truncationSize, preview] = [int(p, 'Type'), int(p, 'TruncationSize'), int(p, 'Preview')];
    if (type === null || truncationSize === null || preview === null) return { kind: 'Malformed', name: 'Fetch' };
    bodyPreferences.push({ type: type ?? 1, truncationSize, preview, allOrNone: p.childText('AllOrNone') === '1' || undefined });
  }
  const mimeSupport = options ? int(options, 'MIMESupport') : undefined;
  if (mimeSupport === null) return { kind: 'Malformed', name: 'Fetch' };
  // R765: one Fetch names at most one attachment.
  if (el.all('FileReference', 'AirSyncBase').length > 1) return { kind: 'Malformed', name: 'Fetch' };
  const schema = options?.child('Schema', 'ItemOperations');
  return {
    kind: 'Fetch',
    store: el.childText('Store', 'ItemOperations')?.trim() || undefined,
    collectionId: el.childText('CollectionId', 'AirSync')?.trim(),
    serverId: el.childText('ServerId', 'AirSync')?.trim(),
    fileReference: el.childText('FileReference', 'AirSyncBase'),
    longId: el.childText('LongId', 'Search'),
    bodyPreferences,
    mimeSupport,
    range: options?.childText('Range', 'ItemOperations'),
    schema: schema && new Set(schema.children.map(c => `${c.namespace}:${c.name}`)),
  };
}

/** MS-ASCMD 2.2.3.44 DeleteSubFolders: present (empty, or anything but 0) means yes. */
function deleteSubFolders(el: Element): boolean {
  const flag = el.child('Options', 'ItemOperations')?.child('DeleteSubFolders');
  return flag !== undefined && flag.text?.trim() !== '0';
}

/** undefined: absent; null: not a number. */
function int(el: Element, name: string): number | undefined | null {
  const text = el.childText(name)?.trim();
  if (text === undefined || text === '') return undefined;
  return /^\d{1,9}$/.test(text) ? Number(text) : null;
}
