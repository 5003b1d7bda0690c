// Per-device sync state: what each device was told about each collection, and which items it holds.
import type { SyncedCollection } from '../Store.js';
import type { CollectionOptions, CollectionState, FolderAndState, FolderTypeValue } from '../types.js';
import type { SqlDriver } from './driver.js';

interface StateRow {
  device_pk: number; folder_id: number; sync_key: number; modseq: number; options: string;
  replay_key: number | null; replay: string | null;
}

export async function getState(db: SqlDriver, devicePk: number, folderId: number): Promise<CollectionState | undefined> {
  const r = await db.get<StateRow>(
    'SELECT device_pk, folder_id, sync_key, modseq, options, replay_key, replay FROM collection_states WHERE device_pk = ? AND folder_id = ?',
    [devicePk, folderId]);
  return r && {
    devicePk: r.device_pk, folderId: r.folder_id, syncKey: r.sync_key, modseq: r.modseq,
    options: JSON.parse(r.options) as CollectionOptions, replayKey: r.replay_key, replay: r.replay,
  };
}

interface FolderStateRow {
  id: number; user_id: number; parent_id: number; display_name: string; type: number; modseq: number; purged_modseq: number;
  sync_key: number | null; state_modseq: number; options: string; replay_key: number | null;
}

/** The folder and the device's state for it, in one statement; the kept answer stays unread. */
export async function folderAndState(db: SqlDriver, userId: number, devicePk: number, folderId: number): Promise<FolderAndState | undefined> {
  const r = await db.get<FolderStateRow>(
    `SELECT f.id, f.user_id, f.parent_id, f.display_name, f.type, f.modseq, f.purged_modseq,
       s.sync_key, s.modseq AS state_modseq, s.options, s.replay_key
     FROM folders f LEFT JOIN collection_states s ON s.device_pk = ? AND s.folder_id = f.id
     WHERE f.id = ? AND f.user_id = ?`,
    [devicePk, folderId, userId]);
  if (!r) return undefined;
  const folder = {
    id: r.id, userId: r.user_id, parentId: r.parent_id, displayName: r.display_name, type: r.type as FolderTypeValue,
    modseq: r.modseq ?? 0, purgedModseq: Number(r.purged_modseq ?? 0),
  };
  if (r.sync_key === null) return { folder };
  return {
    folder,
    state: {
      devicePk, folderId: r.id, syncKey: r.sync_key, modseq: r.state_modseq,
      options: JSON.parse(r.options) as CollectionOptions, replayKey: r.replay_key,
    },
  };
}

export async function saveState(db: SqlDriver, s: CollectionState): Promise<void> {
  await db.run(
    `INSERT INTO collection_states (device_pk, folder_id, sync_key, modseq, options, replay_key, replay, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (device_pk, folder_id) DO UPDATE SET sync_key = excluded.sync_key, modseq = excluded.modseq,
       options = excluded.options, replay_key = excluded.replay_key, replay = excluded.replay, updated_at = excluded.updated_at`,
    [s.devicePk, s.folderId, s.syncKey, s.modseq, JSON.stringify(s.options), s.replayKey, s.replay, Date.now()]);
}

export async function dropState(db: SqlDriver, devicePk: number, folderId: number): Promise<void> {
  await db.run('DELETE FROM collection_states WHERE device_pk = ? AND folder_id = ?', [devicePk, folderId]);
  await db.run('DELETE FROM device_items WHERE device_pk = ? AND folder_id = ?', [devicePk, folderId]);
}

/** itemId → the modseq of the version the device holds, for those of `ids` it holds. */
export async function heldVersions(db: SqlDriver, devicePk: number, folderId: number, ids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const rows = await db.all<{ item_id: number; modseq: number }>(
      `SELECT item_id, modseq FROM device_items WHERE device_pk = ? AND folder_id = ? AND item_id IN (${chunk.map(() => '?').join(',')})`,
      [devicePk, folderId, ...chunk]);
    for (const r of rows) out.set(r.item_id, r.modseq);
  }
  return out;
}

export async function holdVersions(db: SqlDriver, devicePk: number, folderId: number, entries: [itemId: number, modseq: number][]): Promise<void> {
  for (let i = 0; i < entries.length; i += 200) {
    const chunk = entries.slice(i, i + 200);
    await db.run(
      `INSERT INTO device_items (device_pk, folder_id, item_id, modseq) VALUES ${chunk.map(() => '(?, ?, ?, ?)').join(', ')}
       ON CONFLICT (device_pk, folder_id, item_id) DO UPDATE SET modseq = excluded.modseq`,
      chunk.flatMap(([id, m]) => [devicePk, folderId, id, m]));
  }
}

export async function releaseItems(db: SqlDriver, devicePk: number, folderId: number, ids: number[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    await db.run(`DELETE FROM device_items WHERE device_pk = ? AND folder_id = ? AND item_id IN (${chunk.map(() => '?').join(',')})`,
      [devicePk, folderId, ...chunk]);
  }
}

export async function heldCount(db: SqlDriver, devicePk: number, folderId: number): Promise<number> {
  const r = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM device_items WHERE device_pk = ? AND folder_id = ?', [devicePk, folderId]);
  return Number(r?.n ?? 0);
}

/** Items the device holds in the folder that exist no more, not even as tombstones (purged). */
export async function vanishedItems(db: SqlDriver, devicePk: number, folderId: number): Promise<number[]> {
  const rows = await db.all<{ item_id: number }>(
    `SELECT d.item_id FROM device_items d LEFT JOIN items i ON i.id = d.item_id AND i.folder_id = d.folder_id
     WHERE d.device_pk = ? AND d.folder_id = ? AND i.id IS NULL ORDER BY d.item_id`, [devicePk, folderId]);
  return rows.map(r => r.item_id);
}

/** Every device's collection states with the folder's name, in one statement, by device then name. */
export async function syncedCollections(db: SqlDriver): Promise<SyncedCollection[]> {
  const rows = await db.all<{ device_pk: number | string; folder_id: number | string; display_name: string; sync_key: number | string; modseq: number | string; updated_at: number | string }>(
    `SELECT s.device_pk, s.folder_id, f.display_name, s.sync_key, s.modseq, s.updated_at
     FROM collection_states s JOIN folders f ON f.id = s.folder_id ORDER BY s.device_pk, f.display_name, s.folder_id`);
  return rows.map(r => ({
    devicePk: Number(r.device_pk), folderId: Number(r.folder_id), folderName: r.display_name,
    syncKey: Number(r.sync_key), modseq: Number(r.modseq), syncedAt: Number(r.updated_at),
  }));
}
