// MS-ASCMD 2.2.3.98.3 LongId: what a Search result is called when a device later fetches it
// (ItemOperations), answers it (SmartReply, SmartForward) or responds to it (MeetingResponse).
// Convene's LongId is `folderId:itemId` — the item's ServerId in its folder — so it names the item
// itself, not a stored result set: it stays valid while the item stays where it is, and is
// unknown (not found) once it moved or went away. Devices treat it as opaque (at most 256 chars).
import type { Store } from '../store/Store.js';
import { serverIdOf } from '../sync/collection.js';
import type { Item } from '../store/types.js';

export function formatLongId(item: Pick<Item, 'folderId' | 'id'>): string {
  return serverIdOf(item.folderId, item.id);
}

/** Reads a LongId as sent back; a percent-encoded one (`12%3A34`, as Exchange's are) is accepted too. */
export function parseLongId(text: string): { folderId: number; itemId: number } | undefined {
  let plain: string;
  try { plain = decodeURIComponent(text.trim()); } catch { return undefined; }
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(plain);
  return m ? { folderId: Number(m[1]), itemId: Number(m[2]) } : undefined;
}

/** The CollectionId and ServerId a LongId stands for, as ItemOperations and MeetingResponse take them. */
export function longIdAsServerId(longId: string): { collectionId: string; serverId: string } | undefined {
  const ref = parseLongId(longId);
  return ref && { collectionId: String(ref.folderId), serverId: serverIdOf(ref.folderId, ref.itemId) };
}

/** The live item of this account a LongId names; another account's item is simply not found. */
export async function resolveLongId(store: Store, userId: number, longId: string): Promise<Item | undefined> {
  const ref = parseLongId(longId);
  const item = ref && await store.getItem(userId, ref.itemId);
  return item && item.folderId === ref!.folderId && !item.deleted ? item : undefined;
}
