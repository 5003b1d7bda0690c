// The mailbox side of MS-ASCMD 2.2.1.10 ItemOperations: Fetch of one item (by CollectionId and
// ServerId) or of one attachment (by FileReference), and EmptyFolderContents. Nothing here knows
// WBXML or Status numbers; ItemOperations.ts turns the outcomes into both. docs/sync.md has the
// FileReference format and the rules. GetAttachment (≤12.1) reads attachments the same way.
import { attachmentAt, attachmentFromMime, type AttachmentBytes } from '../mail/attachments.js';
import type { BodyRequest } from '../mail/bodyRender.js';
import { parseFileReference, type FileReference } from '../mail/fileReference.js';
import type { Store } from '../store/Store.js';
import type { Device, Folder, ItemClass, ItemProps, User } from '../store/types.js';
import { codecFor } from './codecs.js';
import { itemIdOf } from './collection.js';

export { formatFileReference, parseFileReference, type FileReference } from '../mail/fileReference.js';

export interface OperationsContext {
  store: Store;
  user: User;
  device: Device;
  /** Protocol version as a number, for the item's rendering. */
  version: number;
  log?: { warn(obj: object, msg: string): void } | undefined;
}

export type FetchFailure = 'NOT_FOUND' | 'ATTACHMENT_INVALID' | 'ATTACHMENT_UNAVAILABLE' | 'RANGE_INVALID' | 'RENDER_FAILED';

export type FetchOutcome =
  | { ok: true; kind: 'item'; class: ItemClass; props: ItemProps }
  | { ok: true; kind: 'attachment'; contentType: string; data: Buffer; total: number; range?: { start: number; end: number } | undefined }
  | { ok: false; reason: FetchFailure };

/** An item of one of the account's folders, its body as `body` asks. Another account's item is simply not found. */
export async function fetchItem(ctx: OperationsContext, req: { collectionId: string; serverId: string; body?: BodyRequest | undefined }): Promise<FetchOutcome> {
  const folder = await folderOf(ctx, req.collectionId);
  const id = folder && itemIdOf(req.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!folder || !item || item.folderId !== folder.id) return { ok: false, reason: 'NOT_FOUND' };
  let props: ItemProps;
  try {
    props = await codecFor(item.class).toDevice(item, { version: ctx.version, body: req.body, store: ctx.store });
  } catch (err) {
    // One item that fails to render gets its own Status, never the whole response.
    ctx.log?.warn({ itemId: item.id, folderId: item.folderId, err }, 'item not fetched: it failed to render');
    return { ok: false, reason: 'RENDER_FAILED' };
  }
  return { ok: true, kind: 'item', class: item.class, props };
}

// ---- Attachments -------------------------------------------------------------------------------

/** Where attachment bytes come from: by default the message the item was filed from. */
export interface AttachmentContent {
  read(userId: number, ref: FileReference, attachment: ItemProps): Promise<AttachmentBytes | undefined>;
}

export function storedMessageAttachments(store: Pick<Store, 'getItemContent'>): AttachmentContent {
  return {
    read: async (userId, ref, attachment) => {
      const mime = await store.getItemContent(userId, ref.itemId);
      return mime && attachmentFromMime(mime, ref.index, attachment);
    },
  };
}

/**
 * MS-ASCMD 2.2.3.143.2 Range "m-n" (zero-based, m ≤ n); undefined: not a range. The answer is best
 * effort: a range past the end is cut at the end; one that starts past it is invalid (Status 8).
 */
export function parseRange(text: string): { start: number; end: number } | undefined {
  const m = /^\s*(\d{1,15})\s*-\s*(\d{1,15})\s*$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2])) return undefined;
  return { start: Number(m[1]), end: Number(m[2]) };
}

export async function fetchAttachment(ctx: OperationsContext, fileReference: string,
  content: AttachmentContent = storedMessageAttachments(ctx.store), opts: { range?: string | undefined } = {}): Promise<FetchOutcome> {
  const ref = parseFileReference(fileReference);
  const attachment = ref && await describedAttachment(ctx, ref);
  if (!ref || !attachment) return { ok: false, reason: 'ATTACHMENT_INVALID' };
  const range = opts.range === undefined ? undefined : parseRange(opts.range);
  if (opts.range !== undefined && !range) return { ok: false, reason: 'RANGE_INVALID' };
  const found = await content.read(ctx.user.id, ref, attachment);
  if (!found) return { ok: false, reason: 'ATTACHMENT_UNAVAILABLE' };
  const total = found.data.length;
  if (!range || total === 0) return { ok: true, kind: 'attachment', contentType: found.contentType, data: found.data, total };
  if (range.start >= total) return { ok: false, reason: 'RANGE_INVALID' };
  const end = Math.min(range.end, total - 1);
  return { ok: true, kind: 'attachment', contentType: found.contentType, data: found.data.subarray(range.start, end + 1), total, range: { start: range.start, end } };
}

/** The index-th AirSyncBase:Attachment of one of the account's own items, if there is one. */
async function describedAttachment(ctx: OperationsContext, ref: FileReference): Promise<ItemProps | undefined> {
  const item = await ctx.store.getItem(ctx.user.id, ref.itemId);
  if (!item || item.folderId !== ref.folderId) return undefined;
  return attachmentAt(item.props, ref.index);
}

// ---- EmptyFolderContents -----------------------------------------------------------------------

export type EmptyOutcome = { ok: true; deletedItems: number; deletedFolders: number } | { ok: false; reason: 'NOT_FOUND' };

/**
 * MS-ASCMD 2.2.3.58: deletes every item of the folder, and with DeleteSubFolders the folders below
 * it (with their items). Items are deleted outright, not moved to Deleted Items. Every device,
 * the asking one included, learns of it on its next Sync (Deletes) and FolderSync.
 */
export async function emptyFolder(ctx: OperationsContext, req: { collectionId: string; deleteSubFolders: boolean }): Promise<EmptyOutcome> {
  const folder = await folderOf(ctx, req.collectionId);
  if (!folder) return { ok: false, reason: 'NOT_FOUND' };
  return ctx.store.transaction(async tx => {
    const ids = await tx.liveItemIds(folder.id);
    for (const id of ids) await tx.deleteItem(ctx.user.id, id);
    const children = req.deleteSubFolders ? (await tx.listFolders(ctx.user.id)).filter(f => f.parentId === folder.id) : [];
    for (const child of children) await tx.deleteFolder(ctx.user.id, child.id);
    return { ok: true, deletedItems: ids.length, deletedFolders: children.length };
  });
}

async function folderOf(ctx: OperationsContext, serverId: string): Promise<Folder | undefined> {
  return /^\d{1,15}$/.test(serverId.trim()) ? ctx.store.getFolder(ctx.user.id, Number(serverId.trim())) : undefined;
}
