// MS-ASCMD 2.2.1.12 MoveItems: one item from one of the account's folders to another. The store
// gives the moved item a new id (a tombstone stays behind), so the answer carries its new ServerId.
// The device that asked has already moved the item on its side: what it holds is updated in the
// same transaction, so its next Sync of either folder sends neither the Delete nor the Add, while
// every other device gets both (docs/sync.md).
import type { Store } from '../store/Store.js';
import type { CollectionState, Device, Folder, Item, User } from '../store/types.js';
import { classOfFolder } from './classes.js';
import { itemIdOf, serverIdOf } from './collection.js';

export interface MoveRequest {
  srcMsgId: string;
  srcFldId: string;
  dstFldId: string;
}

export type MoveFailure = 'INVALID_SOURCE' | 'INVALID_DESTINATION' | 'SAME_FOLDER' | 'CANNOT_MOVE';

export type MoveOutcome = { ok: true; dstMsgId: string } | { ok: false; reason: MoveFailure };

export interface MoveContext {
  store: Store;
  user: User;
  device: Device;
}

export async function moveItem(ctx: MoveContext, req: MoveRequest): Promise<MoveOutcome> {
  const fail = (reason: MoveFailure): MoveOutcome => ({ ok: false, reason });
  // Folders and items of other accounts are looked up as if they did not exist.
  const source = await folderOf(ctx, req.srcFldId);
  if (!source) return fail('INVALID_SOURCE');
  const id = itemIdOf(req.srcMsgId, source.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!item || item.folderId !== source.id) return fail('INVALID_SOURCE');
  const destination = await folderOf(ctx, req.dstFldId);
  if (!destination) return fail('INVALID_DESTINATION');
  if (destination.id === source.id) return fail('SAME_FOLDER');
  // An item only goes where a device would sync it as the same class: mail into mail folders,
  // events into calendars (an event deleted into Deleted Items can still go back to a calendar).
  if (classOfFolder(destination.type) !== item.class) return fail('CANNOT_MOVE');
  return ctx.store.transaction(async tx => {
    const moved = await tx.moveItem(ctx.user.id, item.id, destination.id);
    if (!moved) return fail('INVALID_SOURCE');
    await forget(tx, ctx.device, source, item);
    await hold(tx, ctx.device, destination, moved);
    return { ok: true, dstMsgId: serverIdOf(destination.id, moved.id) };
  });
}

async function folderOf(ctx: MoveContext, serverId: string): Promise<(Folder & { modseq: number }) | undefined> {
  return /^\d{1,15}$/.test(serverId.trim()) ? ctx.store.getFolder(ctx.user.id, Number(serverId.trim())) : undefined;
}

/** The device no longer holds the item in the source folder: its tombstone is not news to it. */
async function forget(tx: Store, device: Device, source: Folder, item: Item): Promise<void> {
  const state = await tx.getCollectionState(device.id, source.id);
  if (!state) return;
  await tx.releaseItems(device.id, source.id, [item.id]);
  await catchUp(tx, device, state);
}

/** The device holds the new item in the destination, at the version the store just wrote. */
async function hold(tx: Store, device: Device, destination: Folder, moved: Item): Promise<void> {
  const state = await tx.getCollectionState(device.id, destination.id);
  if (!state) return;
  await tx.holdVersions(device.id, destination.id, [[moved.id, moved.modseq]]);
  await catchUp(tx, device, state);
}

/**
 * When the move was the only change the device had not been told about (its watermark was one
 * behind the folder's), the watermark moves past it, so Ping stays quiet for the device that moved.
 * With other changes pending, the watermark stays and the next Sync skips the move by what is held.
 */
async function catchUp(tx: Store, device: Device, state: CollectionState): Promise<void> {
  const folder = await tx.getFolder(device.userId, state.folderId);
  if (folder && folder.modseq === state.modseq + 1) await tx.saveCollectionState({ ...state, modseq: folder.modseq });
}
