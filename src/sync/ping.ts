// What Ping (MS-ASCMD 2.2.1.13) asks of the sync state: has anything happened in these folders
// since the device last synced them, and is its folder list still the server's?
import type { Store } from '../store/Store.js';
import type { Device } from '../store/types.js';
import { syncHierarchyPreview } from './hierarchy.js';

export type PingCheck = { kind: 'changed'; folderIds: number[] } | { kind: 'hierarchy' } | { kind: 'quiet' };

export async function checkFolders(store: Store, device: Device, folderIds: number[]): Promise<PingCheck> {
  if (await syncHierarchyPreview(store, device)) return { kind: 'hierarchy' };
  const changed: number[] = [];
  for (const id of folderIds) {
    const folder = await store.getFolder(device.userId, id);
    if (!folder) return { kind: 'hierarchy' };
    const state = await store.getCollectionState(device.id, id);
    // A folder the device never synced, or one with changes past what it was told about.
    if (!state || folder.modseq > state.modseq) changed.push(id);
  }
  return changed.length ? { kind: 'changed', folderIds: changed } : { kind: 'quiet' };
}
