// MS-ASCMD 2.2.1.12 MoveItems: one item from one of the account's folders to another. The store
// gives the moved item a new id (a tombstone stays behind), so the answer carries its new ServerId.
// Every device, the one that asked included, gets the Delete and the Add on its next Sync of the two
// folders (MS-ASCMD 2.2.1.12; docs/sync.md). The mover already has the item under its new ServerId,
// so it is recorded as holding it (movedIn): if the item goes before the Add is sent, a Delete is.
import type { Store } from '../store/Store.js';
import type { Device, Folder, User } from '../store/types.js';
import { classOfFolder } from './classes.js';
import { itemIdOf, serverIdOf } from './collection.js';
import { movedIn } from './serverChanges.js';

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
    if (await tx.getCollectionState(ctx.device.id, destination.id)) await tx.holdVersions(ctx.device.id, destination.id, [[moved.id, movedIn(moved.modseq)]]);
    return { ok: true, dstMsgId: serverIdOf(destination.id, moved.id) };
  });
}

async function folderOf(ctx: MoveContext, serverId: string): Promise<(Folder & { modseq: number }) | undefined> {
  return /^\d{1,15}$/.test(serverId.trim()) ? ctx.store.getFolder(ctx.user.id, Number(serverId.trim())) : undefined;
}
