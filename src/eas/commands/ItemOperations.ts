// MS-ASCMD 2.2.1.10 ItemOperations: Fetch, EmptyFolderContents and Move, run in request order, each
// answered with its own Status inside Response. The top-level Status is 1 unless the request
// itself is malformed (2). Multipart responses (MS-ASAcceptMultiPart) are not offered yet.
import { emptyFolder, fetchAttachment, fetchItem, type FetchFailure, type FetchOutcome, type OperationsContext } from '../../sync/itemOperations.js';
import type { CollectionOptions, ItemProps } from '../../store/types.js';
import { tags, type Element } from '../../wbxml/index.js';
import { renderBody } from '../body.js';
import { toElements } from '../props.js';
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
  StoreUnknown: 9,
  AttachmentInvalid: 15,
} as const;

const FETCH_STATUS: Record<FetchFailure, number> = {
  // 6 is worded for document libraries but scoped to items too: "not found or access denied".
  NOT_FOUND: ItemOperationsStatus.ObjectNotFound,
  ATTACHMENT_INVALID: ItemOperationsStatus.AttachmentInvalid,
  // A FileReference that names an attachment whose bytes the server does not keep (no attachment
  // store yet): for the device it is as unusable as an invalid one.
  ATTACHMENT_UNAVAILABLE: ItemOperationsStatus.AttachmentInvalid,
};

type BodyPreferences = CollectionOptions['bodyPreferences'];

interface FetchRequest {
  kind: 'Fetch';
  store: string | undefined;
  collectionId?: string | undefined;
  serverId?: string | undefined;
  fileReference?: string | undefined;
  longId?: string | undefined;
  bodyPreferences: BodyPreferences;
  /** Options/Schema: only these properties ("Email:Subject"); undefined: all. */
  schema?: Set<string> | undefined;
}
interface EmptyRequest { kind: 'EmptyFolderContents'; collectionId: string | undefined; deleteSubFolders: boolean }
interface MoveRequest { kind: 'Move'; conversationId: Element | undefined }
type Operation = FetchRequest | EmptyRequest | MoveRequest | { kind: 'Malformed'; name: 'Fetch' };

export async function itemOperations(ctx: CommandContext): Promise<CommandResult> {
  const operations = parse(ctx.body);
  if (!operations) return { body: io('ItemOperations', [io('Status', ItemOperationsStatus.ProtocolError)]) };
  const answers: Element[] = [];
  const octx = { store: ctx.store, user: ctx.user, device: ctx.device, version: Number(ctx.version) };
  for (const op of operations) answers.push(await run(octx, op));
  return { body: io('ItemOperations', [io('Status', ItemOperationsStatus.Success), io('Response', answers)]) };
}

async function run(ctx: OperationsContext, op: Operation): Promise<Element> {
  switch (op.kind) {
    case 'Fetch': return fetch(ctx, op);
    case 'EmptyFolderContents': {
      if (!op.collectionId) return io('EmptyFolderContents', [io('Status', ItemOperationsStatus.ProtocolError)]);
      const outcome = await emptyFolder(ctx, { collectionId: op.collectionId, deleteSubFolders: op.deleteSubFolders });
      return io('EmptyFolderContents', [
        io('Status', outcome.ok ? ItemOperationsStatus.Success : ItemOperationsStatus.ObjectNotFound),
        as('CollectionId', op.collectionId),
      ]);
    }
    // Conversation moves need a conversation index the server does not keep yet (docs/sync.md).
    case 'Move': return io('Move', [io('Status', ItemOperationsStatus.ProtocolError), op.conversationId]);
    case 'Malformed': return io(op.name, [io('Status', ItemOperationsStatus.ProtocolError)]);
  }
}

async function fetch(ctx: OperationsContext, op: FetchRequest): Promise<Element> {
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
  if (op.fileReference !== undefined) outcome = await fetchAttachment(ctx, op.fileReference);
  else if (op.collectionId && op.serverId) outcome = await fetchItem(ctx, { collectionId: op.collectionId, serverId: op.serverId });
  // Search results (LongId) are not offered by this server, so none can name anything.
  else if (op.longId !== undefined) outcome = { ok: false, reason: 'NOT_FOUND' };
  else return answer(ItemOperationsStatus.ProtocolError);
  if (!outcome.ok) return answer(FETCH_STATUS[outcome.reason]);
  if (outcome.kind === 'attachment') {
    return answer(ItemOperationsStatus.Success, [io('Properties', [
      asb('ContentType', outcome.contentType), io('Data', outcome.data.toString('base64')),
    ])]);
  }
  return answer(ItemOperationsStatus.Success, [as('Class', outcome.class), io('Properties', properties(outcome.props, op))]);
}

function properties(props: ItemProps, op: FetchRequest): Element[] {
  const wanted = op.schema ? props.filter(p => op.schema!.has(p[0])) : props;
  return toElements(wanted).map(el => (el.name === 'Body' && el.namespace === 'AirSyncBase' ? renderBody(el, op.bodyPreferences) : el));
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
    } else if (el.name === 'Move') out.push({ kind: 'Move', conversationId: el.child('ConversationId', 'ItemOperations') });
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
  const schema = options?.child('Schema', 'ItemOperations');
  return {
    kind: 'Fetch',
    store: el.childText('Store', 'ItemOperations')?.trim() || undefined,
    collectionId: el.childText('CollectionId', 'AirSync')?.trim(),
    serverId: el.childText('ServerId', 'AirSync')?.trim(),
    fileReference: el.childText('FileReference', 'AirSyncBase'),
    longId: el.childText('LongId', 'Search'),
    bodyPreferences,
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
