// Items and their change log, on any SqlDriver. Every change bumps the folder's modseq inside the
// same transaction; the folder row lock orders concurrent writers, so modseqs commit in order.
// Callers hold the account's lock (SqlDriver.lockAccounts) before they read what they change.
import type { CalendarEvent } from '../../calendar/model.js';
import type { Item, ItemChange, ItemClass, ItemProps } from '../types.js';
import type { NewItem } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface ItemRow {
  id: number; user_id: number; folder_id: number; class: string; modseq: number; deleted: number;
  filter_time: number | null; props: string; event: string | null; dav_name: string | null;
}

const COLUMNS = 'id, user_id, folder_id, class, modseq, deleted, filter_time, props, event, dav_name';
/** Without props and event: what a write needs back. A meeting's event holds every attendee, so
 * reading it back (and parsing it) per write made an invitation to N attendees cost O(N²). */
const HEAD = 'id, user_id, folder_id, class, modseq, deleted, filter_time, dav_name';
type HeadRow = Omit<ItemRow, 'props' | 'event'>;


/** Next change number of a folder of this user; undefined when the user has no such folder. */
export async function bumpFolder(tx: SqlDriver, userId: number, folderId: number): Promise<number | undefined> {
  const row = await tx.get<{ modseq: number }>(
    'UPDATE folders SET modseq = modseq + 1 WHERE id = ? AND user_id = ? RETURNING modseq', [folderId, userId]);
  return row?.modseq;
}

export async function insertItem(tx: SqlDriver, userId: number, folderId: number, item: NewItem): Promise<Item | undefined> {
  const modseq = await bumpFolder(tx, userId, folderId);
  if (modseq === undefined) return undefined;
  const row = await tx.get<ItemRow>(
    `INSERT INTO items (user_id, folder_id, class, modseq, deleted, filter_time, props, event, uid, created_at, dav_name)
     VALUES (?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?) RETURNING ${HEAD}`,
    [userId, folderId, item.class, modseq, item.filterTime ?? null, JSON.stringify(item.props),
      item.event ? JSON.stringify(item.event) : null, indexedUid(item.class, item.props, item.event), Date.now(), item.davName ?? null]);
  if (item.mime) await tx.run('INSERT INTO item_content (item_id, mime) VALUES (?, ?)', [row!.id, item.mime]);
  return withBody(row as HeadRow, item.props, item.event);
}

/** A live item's row without its props and event, for writes that replace or drop them. */
async function findHead(db: SqlDriver, userId: number, itemId: number): Promise<Item | undefined> {
  const row = await db.get<HeadRow>(`SELECT ${HEAD} FROM items WHERE id = ? AND user_id = ? AND deleted = 0`, [itemId, userId]);
  return row && withBody(row, [], undefined);
}

export async function findItem(db: SqlDriver, userId: number, itemId: number): Promise<Item | undefined> {
  const row = await db.get<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = ? AND user_id = ? AND deleted = 0`, [itemId, userId]);
  return row && toItem(row);
}

export async function findItems(db: SqlDriver, folderId: number, ids: number[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE folder_id = ? AND id IN (${ids.map(() => '?').join(',')})`, [folderId, ...ids]);
  return rows.map(toItem);
}

export async function updateItem(tx: SqlDriver, userId: number, itemId: number,
  change: { props: ItemProps; event?: CalendarEvent | undefined; filterTime?: number | null | undefined; mime?: Buffer | undefined }): Promise<Item | undefined> {
  const item = await findHead(tx, userId, itemId);
  if (!item) return undefined;
  const modseq = (await bumpFolder(tx, userId, item.folderId)) as number;
  const filterTime = change.filterTime === undefined ? item.filterTime : change.filterTime;
  await tx.run('UPDATE items SET props = ?, event = ?, uid = ?, filter_time = ?, modseq = ? WHERE id = ?',
    [JSON.stringify(change.props), change.event ? JSON.stringify(change.event) : null, indexedUid(item.class, change.props, change.event), filterTime, modseq, itemId]);
  if (change.mime) {
    await tx.run('DELETE FROM item_content WHERE item_id = ?', [itemId]);
    await tx.run('INSERT INTO item_content (item_id, mime) VALUES (?, ?)', [itemId, change.mime]);
  }
  return { ...item, props: change.props, event: change.event, filterTime, modseq };
}

/** Leaves a tombstone so devices that hold the item learn it is gone; answers the folder it was in. */
export async function tombstone(tx: SqlDriver, userId: number, itemId: number): Promise<{ folderId: number } | undefined> {
  const item = await findHead(tx, userId, itemId);
  if (!item) return undefined;
  const modseq = (await bumpFolder(tx, userId, item.folderId)) as number;
  await tx.run("UPDATE items SET deleted = 1, deleted_at = ?, modseq = ?, props = '[]', event = NULL, uid = NULL WHERE id = ?", [Date.now(), modseq, itemId]);
  await tx.run('DELETE FROM item_content WHERE item_id = ?', [itemId]);
  return item;
}

/** The stored message of a live mail item of this user. */
export async function findContent(db: SqlDriver, userId: number, itemId: number): Promise<Buffer | undefined> {
  const row = await db.get<{ mime: Buffer | Uint8Array }>(
    'SELECT c.mime FROM item_content c JOIN items i ON i.id = c.item_id WHERE c.item_id = ? AND i.user_id = ? AND i.deleted = 0', [itemId, userId]);
  return row && (Buffer.isBuffer(row.mime) ? row.mime : Buffer.from(row.mime));
}

/** A move gives the item a new row; its message goes with it. */
export async function handOverContent(tx: SqlDriver, fromItemId: number, toItemId: number): Promise<void> {
  await tx.run('UPDATE item_content SET item_id = ? WHERE item_id = ?', [toItemId, fromItemId]);
}

/** The live item of a folder a CalDAV client named `davName`. */
export async function findByDavName(db: SqlDriver, folderId: number, davName: string): Promise<Item | undefined> {
  const row = await db.get<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE folder_id = ? AND dav_name = ? AND deleted = 0`, [folderId, davName]);
  return row && toItem(row);
}

/** The live items of a folder DAV clients named with any of `davNames` (a multiget's lookups, in one statement). */
export async function findByDavNames(db: SqlDriver, folderId: number, davNames: string[]): Promise<Item[]> {
  if (davNames.length === 0) return [];
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE folder_id = ? AND deleted = 0 AND dav_name IN (${davNames.map(() => '?').join(',')})`, [folderId, ...davNames]);
  return rows.map(toItem);
}

/** Live items of this user with this iCalendar UID (an event, or its copies in several folders). */
export async function findByUid(db: SqlDriver, userId: number, uid: string): Promise<Item[]> {
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE user_id = ? AND uid = ? AND deleted = 0 AND class <> 'Contacts' ORDER BY id`, [userId, uid]);
  return rows.map(toItem);
}

/** Live items of one folder with this UID, contacts included (RFC 6352 6.3.2.1, RFC 4791 5.3.2.1). */
export async function findInFolderByUid(db: SqlDriver, userId: number, folderId: number, uid: string): Promise<Item[]> {
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE user_id = ? AND uid = ? AND folder_id = ? AND deleted = 0 ORDER BY id`, [userId, uid, folderId]);
  return rows.map(toItem);
}

/** The vCard property lines a contact keeps verbatim (src/contacts/vcard.ts VCARD_EXTRA); its UID is one. */
const VCARD_EXTRA = 'Convene:VCardExtra';

/** The UID the items_uid index holds: an event's, or the UID line a contact's vCard came with. */
function indexedUid(cls: string, props: ItemProps, event: CalendarEvent | undefined): string | null {
  if (event) return event.uid;
  if (cls !== 'Contacts') return null;
  const extra = props.find(p => p[0] === VCARD_EXTRA)?.[1];
  const line = typeof extra === 'string' ? /^UID(?:;[^:\r\n]*)?:([^\r\n]*)$/im.exec(extra) : null;
  return line ? line[1].trim() : null;
}

export async function listChanges(db: SqlDriver, folderId: number, afterModseq: number, limit: number): Promise<ItemChange[]> {
  const rows = await db.all<{ id: number; modseq: number; deleted: number; filter_time: number | null }>(
    'SELECT id, modseq, deleted, filter_time FROM items WHERE folder_id = ? AND modseq > ? ORDER BY modseq LIMIT ?',
    [folderId, afterModseq, limit]);
  return rows.map(r => ({ id: r.id, modseq: r.modseq, deleted: r.deleted !== 0, filterTime: r.filter_time }));
}

export async function liveItemIds(db: SqlDriver, folderId: number): Promise<number[]> {
  return (await db.all<{ id: number }>('SELECT id FROM items WHERE folder_id = ? AND deleted = 0 ORDER BY id', [folderId])).map(r => r.id);
}

function toItem(r: ItemRow): Item {
  return withBody(r, JSON.parse(r.props) as ItemProps, r.event ? JSON.parse(r.event) as CalendarEvent : undefined);
}

function withBody(r: HeadRow, props: ItemProps, event: CalendarEvent | undefined): Item {
  return {
    id: r.id, userId: r.user_id, folderId: r.folder_id, class: r.class as ItemClass, modseq: r.modseq,
    deleted: r.deleted !== 0, filterTime: r.filter_time, props,
    ...(event ? { event } : {}),
    ...(r.dav_name !== null ? { davName: r.dav_name } : {}),
  };
}

/** The accounts that have tombstones older than `before`: purged one account per transaction. */
export async function tombstoneOwners(db: SqlDriver, before: number): Promise<number[]> {
  return (await db.all<{ user_id: number }>('SELECT DISTINCT user_id FROM items WHERE deleted = 1 AND deleted_at < ? ORDER BY user_id', [before]))
    .map(o => o.user_id);
}

/**
 * Removes one account's tombstones older than `before`, folder by folder, and raises each folder's
 * purged_modseq to the newest change removed, so the sync engine knows its log no longer reaches
 * back that far. One account per transaction: its lock alone, held briefly (docs/store.md).
 */
export async function purgeTombstones(tx: SqlDriver, userId: number, before: number): Promise<number> {
  await tx.lockAccounts([userId]);
  const folders = await tx.all<{ folder_id: number; newest: number }>(
    'SELECT folder_id, MAX(modseq) AS newest FROM items WHERE user_id = ? AND deleted = 1 AND deleted_at < ? GROUP BY folder_id', [userId, before]);
  let removed = 0;
  for (const f of folders) {
    // The folder row lock (as every writer takes) orders this against Syncs reading the log.
    await tx.run('UPDATE folders SET purged_modseq = CASE WHEN purged_modseq > ? THEN purged_modseq ELSE ? END WHERE id = ?',
      [f.newest, f.newest, f.folder_id]);
    removed += (await tx.run('DELETE FROM items WHERE folder_id = ? AND deleted = 1 AND deleted_at < ? AND modseq <= ?',
      [f.folder_id, before, f.newest])).changes;
  }
  return removed;
}
