// The mailbox side of MS-ASCMD 2.2.1.10 ItemOperations: Fetch of one item (by CollectionId and
// ServerId) or of one attachment (by FileReference), and EmptyFolderContents. Nothing here knows
// WBXML or Status numbers; ItemOperations.ts turns the outcomes into both. docs/sync.md has the
// FileReference format and the rules.
import type { Store } from '../store/Store.js';
import type { Device, Folder, ItemClass, ItemProps, PropNode, User } from '../store/types.js';
import { codecFor } from './codecs.js';
import { itemIdOf } from './collection.js';

export interface OperationsContext {
  store: Store;
  user: User;
  device: Device;
  /** Protocol version as a number, for the item's rendering. */
  version: number;
}

export type FetchFailure = 'NOT_FOUND' | 'ATTACHMENT_INVALID' | 'ATTACHMENT_UNAVAILABLE';

export type FetchOutcome =
  | { ok: true; kind: 'item'; class: ItemClass; props: ItemProps }
  | { ok: true; kind: 'attachment'; contentType: string; data: Buffer }
  | { ok: false; reason: FetchFailure };

/** An item of one of the account's folders, whole. Another account's item is simply not found. */
export async function fetchItem(ctx: OperationsContext, req: { collectionId: string; serverId: string }): Promise<FetchOutcome> {
  const folder = await folderOf(ctx, req.collectionId);
  const id = folder && itemIdOf(req.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!folder || !item || item.folderId !== folder.id) return { ok: false, reason: 'NOT_FOUND' };
  return { ok: true, kind: 'item', class: item.class, props: codecFor(item.class).toDevice(item, ctx.version) };
}

// ---- Attachments -------------------------------------------------------------------------------

export interface FileReference {
  folderId: number;
  itemId: number;
  /** Position (from 0) among the item's AirSyncBase:Attachment nodes. */
  index: number;
}

/** `${folderId}:${itemId}:${index}`: what the server puts in AirSyncBase:FileReference. */
export function formatFileReference(ref: FileReference): string {
  return `${ref.folderId}:${ref.itemId}:${ref.index}`;
}

/** Reads a FileReference as sent back; a percent-encoded one (`1%3a2%3a0`) is accepted too. */
export function parseFileReference(text: string): FileReference | undefined {
  let plain: string;
  try { plain = decodeURIComponent(text.trim()); } catch { return undefined; }
  const m = /^(\d{1,15}):(\d{1,15}):(\d{1,4})$/.exec(plain);
  return m ? { folderId: Number(m[1]), itemId: Number(m[2]), index: Number(m[3]) } : undefined;
}

/** Where attachment bytes come from. Convene keeps none yet, so the default source has nothing. */
export interface AttachmentContent {
  read(userId: number, ref: FileReference, attachment: ItemProps): Promise<{ contentType: string; data: Buffer } | undefined>;
}

export const NO_ATTACHMENT_STORE: AttachmentContent = { read: async () => undefined };

export async function fetchAttachment(ctx: OperationsContext, fileReference: string,
  content: AttachmentContent = NO_ATTACHMENT_STORE): Promise<FetchOutcome> {
  const ref = parseFileReference(fileReference);
  const attachment = ref && await attachmentAt(ctx, ref);
  if (!ref || !attachment) return { ok: false, reason: 'ATTACHMENT_INVALID' };
  const found = await content.read(ctx.user.id, ref, attachment);
  if (!found) return { ok: false, reason: 'ATTACHMENT_UNAVAILABLE' };
  return { ok: true, kind: 'attachment', ...found };
}

/** The index-th AirSyncBase:Attachment of the item's AirSyncBase:Attachments, if there is one. */
async function attachmentAt(ctx: OperationsContext, ref: FileReference): Promise<ItemProps | undefined> {
  const item = await ctx.store.getItem(ctx.user.id, ref.itemId);
  if (!item || item.folderId !== ref.folderId) return undefined;
  const list = item.props.find(p => p[0] === 'AirSyncBase:Attachments')?.[1];
  const attachments = Array.isArray(list) ? list.filter((n: PropNode) => n[0] === 'AirSyncBase:Attachment') : [];
  const node = attachments[ref.index]?.[1];
  return Array.isArray(node) ? node : undefined;
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
