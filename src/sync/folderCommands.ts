// Folder changes a device makes (MS-ASCMD 2.2.1.3 FolderCreate, 2.2.1.4 FolderDelete, 2.2.1.6
// FolderUpdate). Each takes the device's current hierarchy SyncKey and returns the next one; the
// device already knows what it changed, so its snapshot takes the change and the next FolderSync
// does not send it back.
import type { Store } from '../store/Store.js';
import type { Device, Folder, HierarchySnapshot } from '../store/types.js';
import { FolderType } from '../store/types.js';

export type FolderFailure =
  | 'INVALID_SYNC_KEY' | 'EXISTS' | 'SPECIAL_FOLDER' | 'NOT_FOUND' | 'PARENT_NOT_FOUND' | 'BAD_REQUEST';

export type FolderOutcome<T = object> = ({ ok: true; syncKey: string } & T) | { ok: false; reason: FolderFailure };

/** Types a device may create: user-created folders of each kind (MS-ASCMD 2.2.3.186.2). */
const CREATABLE = new Set<number>([FolderType.UserGeneric, FolderType.UserMail, FolderType.UserCalendar, FolderType.UserContacts,
  FolderType.UserTasks, FolderType.UserJournal, FolderType.UserNotes]);

export async function createFolder(store: Store, device: Device, syncKey: string,
  req: { parentId: string; displayName: string; type: number }): Promise<FolderOutcome<{ serverId: string }>> {
  const state = await currentState(store, device, syncKey);
  if (!state) return { ok: false, reason: 'INVALID_SYNC_KEY' };
  if (!CREATABLE.has(req.type) || !validFolderName(req.displayName)) return { ok: false, reason: 'BAD_REQUEST' };
  const folders = await store.listFolders(device.userId);
  const parentId = parentOf(req.parentId, folders);
  if (parentId === undefined) return { ok: false, reason: 'PARENT_NOT_FOUND' };
  if (nameTaken(folders, parentId, req.displayName)) return { ok: false, reason: 'EXISTS' };
  const folder = await store.createFolder(device.userId, { parentId, displayName: req.displayName.trim(), type: req.type as Folder['type'] });
  const next = { ...state.folders, [String(folder.id)]: { parentId, displayName: folder.displayName, type: folder.type } };
  return { ok: true, syncKey: await advance(store, device, state, next), serverId: String(folder.id) };
}

export async function updateFolder(store: Store, device: Device, syncKey: string,
  req: { serverId: string; parentId: string; displayName: string }): Promise<FolderOutcome> {
  const state = await currentState(store, device, syncKey);
  if (!state) return { ok: false, reason: 'INVALID_SYNC_KEY' };
  if (!validFolderName(req.displayName)) return { ok: false, reason: 'BAD_REQUEST' };
  const folders = await store.listFolders(device.userId);
  const folder = folders.find(f => String(f.id) === req.serverId);
  if (!folder) return { ok: false, reason: 'NOT_FOUND' };
  if (isSpecialFolder(folder)) return { ok: false, reason: 'SPECIAL_FOLDER' };
  const parentId = parentOf(req.parentId, folders);
  if (parentId === undefined || parentId === folder.id || isBelow(folders, parentId, folder.id)) return { ok: false, reason: 'PARENT_NOT_FOUND' };
  if (nameTaken(folders.filter(f => f.id !== folder.id), parentId, req.displayName)) return { ok: false, reason: 'EXISTS' };
  const displayName = req.displayName.trim();
  await store.updateFolder(device.userId, folder.id, { parentId, displayName });
  const next = { ...state.folders, [req.serverId]: { parentId, displayName, type: folder.type } };
  return { ok: true, syncKey: await advance(store, device, state, next) };
}

export async function deleteFolder(store: Store, device: Device, syncKey: string, serverId: string): Promise<FolderOutcome> {
  const state = await currentState(store, device, syncKey);
  if (!state) return { ok: false, reason: 'INVALID_SYNC_KEY' };
  const folders = await store.listFolders(device.userId);
  const folder = folders.find(f => String(f.id) === serverId);
  if (!folder) return { ok: false, reason: 'NOT_FOUND' };
  if (isSpecialFolder(folder)) return { ok: false, reason: 'SPECIAL_FOLDER' };
  await store.deleteFolder(device.userId, folder.id);
  // The device drops the folder and everything below it; other differences stay for FolderSync.
  const remaining = new Set((await store.listFolders(device.userId)).map(f => String(f.id)));
  const deletedNow = new Set(folders.map(f => String(f.id)).filter(id => !remaining.has(id)));
  const next = Object.fromEntries(Object.entries(state.folders).filter(([id]) => !deletedNow.has(id)));
  return { ok: true, syncKey: await advance(store, device, state, next) };
}

/** The request's key must be the newest the device was given; an older one means it is out of step. */
async function currentState(store: Store, device: Device, syncKey: string): Promise<HierarchySnapshot | undefined> {
  const latest = await store.latestHierarchySnapshot(device.id);
  return latest && String(latest.syncKey) === syncKey.trim() ? latest : undefined;
}

async function advance(store: Store, device: Device, state: HierarchySnapshot, folders: HierarchySnapshot['folders']): Promise<string> {
  const syncKey = state.syncKey + 1;
  await store.saveHierarchySnapshot(device.id, { syncKey, folders }, state.syncKey);
  return String(syncKey);
}

/** "0" is the root; anything else must be one of this account's folders. */
function parentOf(parentId: string, folders: Folder[]): number | undefined {
  if (parentId.trim() === '0') return 0;
  return folders.find(f => String(f.id) === parentId.trim())?.id;
}

/** The default folders (types 2-11): neither renamed nor deleted (MS-ASCMD 2.2.3.177.2-4). */
export function isSpecialFolder(folder: Pick<Folder, 'type'>): boolean {
  return folder.type >= FolderType.Inbox && folder.type <= FolderType.Journal;
}

function isBelow(folders: Folder[], candidate: number, ancestor: number): boolean {
  for (let f = folders.find(x => x.id === candidate), hops = 0; f && hops < 64; f = folders.find(x => x.id === f!.parentId), hops++) {
    if (f.parentId === ancestor) return true;
  }
  return false;
}

function nameTaken(folders: Folder[], parentId: number, name: string): boolean {
  const wanted = name.trim().toLowerCase();
  return folders.some(f => f.parentId === parentId && f.displayName.toLowerCase() === wanted);
}

/** MS-ASCMD DisplayName (FolderCreate, FolderUpdate): 1 to 256 characters — counted as characters, not UTF-16 units. */
export function validFolderName(name: string): boolean {
  const n = name.trim();
  const length = [...n].length;
  return length > 0 && length <= 256 && !/[\u0000-\u001f]/.test(n);
}
