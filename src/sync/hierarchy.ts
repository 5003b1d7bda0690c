// Folder hierarchy synchronisation (MS-ASCMD 2.2.1.5 FolderSync). A device's SyncKey names the
// snapshot of the hierarchy it was last told about; the answer is the difference between that
// snapshot and the folders now. The server keeps the current and the previous snapshot, so a
// device that never received a response can send its previous key again and get the same changes
// under the same new key.
import type { Store } from '../store/Store.js';
import type { Device, Folder, HierarchySnapshot } from '../store/types.js';
import { hierarchyFolders, type SharedCalendar } from './sharedCalendars.js';

export interface FolderView {
  serverId: string;
  parentId: string;
  displayName: string;
  type: number;
}

export type HierarchyChange =
  | { kind: 'Add' | 'Update'; folder: FolderView }
  | { kind: 'Delete'; serverId: string };

export type FolderSyncOutcome =
  | { ok: true; syncKey: string; changes: HierarchyChange[] }
  | { ok: false; reason: 'INVALID_SYNC_KEY' };

export async function syncHierarchy(store: Store, device: Device, syncKey: string): Promise<FolderSyncOutcome> {
  const folders = await hierarchyFolders(store, device.userId);
  const current = snapshotOf(folders);
  if (syncKey === '0') {
    await store.saveHierarchySnapshot(device.id, { syncKey: 1, folders: current }, 0);
    return { ok: true, syncKey: '1', changes: diff({}, current) };
  }
  const key = /^[1-9][0-9]{0,15}$/.test(syncKey) ? Number(syncKey) : NaN;
  const base = Number.isSafeInteger(key) ? await store.getHierarchySnapshot(device.id, key) : undefined;
  if (!base) return { ok: false, reason: 'INVALID_SYNC_KEY' };
  const changes = diff(base.folders, current);
  if (changes.length === 0) return { ok: true, syncKey, changes };
  await store.saveHierarchySnapshot(device.id, { syncKey: key + 1, folders: current }, key);
  return { ok: true, syncKey: String(key + 1), changes };
}

/** Whether FolderSync would report changes to this device now (it never synced: yes). */
export async function syncHierarchyPreview(store: Store, device: Device, shared?: readonly SharedCalendar[]): Promise<boolean> {
  const latest = await store.latestHierarchySnapshot(device.id);
  if (!latest) return true;
  return diff(latest.folders, snapshotOf(await hierarchyFolders(store, device.userId, shared))).length > 0;
}

function snapshotOf(folders: Folder[]): HierarchySnapshot['folders'] {
  const out: HierarchySnapshot['folders'] = {};
  for (const f of folders) out[String(f.id)] = { parentId: f.parentId, displayName: f.displayName, type: f.type };
  return out;
}

function diff(before: HierarchySnapshot['folders'], after: HierarchySnapshot['folders']): HierarchyChange[] {
  const changes: HierarchyChange[] = [];
  for (const serverId of parentsFirst(after)) {
    const was = before[serverId];
    const now = after[serverId];
    if (!was) changes.push({ kind: 'Add', folder: view(serverId, now) });
    else if (was.parentId !== now.parentId || was.displayName !== now.displayName || was.type !== now.type) {
      changes.push({ kind: 'Update', folder: view(serverId, now) });
    }
  }
  for (const serverId of Object.keys(before)) if (!after[serverId]) changes.push({ kind: 'Delete', serverId });
  return changes;
}

/** A device must know a parent before it can place a child under it. */
function parentsFirst(folders: HierarchySnapshot['folders']): string[] {
  const order: string[] = [];
  const placed = new Set<string>();
  const place = (id: string, depth: number): void => {
    if (placed.has(id) || depth > 64) return;
    const parent = String(folders[id].parentId);
    if (parent !== '0' && folders[parent]) place(parent, depth + 1);
    placed.add(id);
    order.push(id);
  };
  for (const id of Object.keys(folders).sort((a, b) => Number(a) - Number(b))) place(id, 0);
  return order;
}

function view(serverId: string, f: HierarchySnapshot['folders'][string]): FolderView {
  return { serverId, parentId: String(f.parentId), displayName: f.displayName, type: f.type };
}
