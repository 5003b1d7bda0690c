// What Ping (MS-ASCMD 2.2.1.13) asks of the sync state: has anything happened in these folders
// since the device last synced them, and is its folder list still the server's?
import type { Store } from '../store/Store.js';
import type { Device } from '../store/types.js';
import { syncHierarchyPreview } from './hierarchy.js';
import { sharedCalendarsOf, sharedOwners, type SharedCalendar } from './sharedCalendars.js';

export type PingCheck = { kind: 'changed'; folderIds: number[] } | { kind: 'hierarchy' } | { kind: 'quiet' };

/** `shared`: the calendars shared with the account (sharedCalendars.ts), when the caller read them. */
export async function checkFolders(store: Store, device: Device, folderIds: number[], shared?: readonly SharedCalendar[]): Promise<PingCheck> {
  shared ??= await sharedCalendarsOf(store, device.userId);
  if (await syncHierarchyPreview(store, device, shared)) return { kind: 'hierarchy' };
  const changed: number[] = [];
  const owners = sharedOwners(shared);
  for (const id of folderIds) {
    // The account's own folder, or a principal's calendar shared with it.
    const folder = await store.getFolder(owners.get(id) ?? device.userId, id);
    if (!folder) return { kind: 'hierarchy' };
    const state = await store.getCollectionState(device.id, id);
    // A folder the device never synced, or one with changes past what it was told about.
    if (!state || folder.modseq > state.modseq) changed.push(id);
  }
  return changed.length ? { kind: 'changed', folderIds: changed } : { kind: 'quiet' };
}
