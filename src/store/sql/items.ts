// Items and their change log, on any SqlDriver. Every change bumps the folder's modseq inside the
// same transaction; the folder row lock orders concurrent writers, so modseqs commit in order.
// Callers hold the account's lock (SqlDriver.lockAccounts) before they read what they change.
import type { CalendarEvent } from '../../calendar/model.js';
import type { Item, ItemChange, ItemClass, ItemProps } from '../types.js';
import type { ItemChangeInput, NewItem } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface ItemRow {
  id: number; user_id: number; folder_id: number; class: string; modseq: number; deleted: number;
  filter_time: number | null; props: string; event: string | null; dav_name: string | null; schedule_tag: number | null;
}

const COLUMNS = 'id, user_id, folder_id, class, modseq, deleted, filter_time, props, event, dav_name, schedule_tag';
/** Without props and event: what a write needs back. A meeting's event holds every attendee, so
 * reading it back (and parsing it) per write made an invitation to N attendees cost O(N²). */
const HEAD = 'id, user_id, folder_id, class, modseq, deleted, filter_time, dav_name, schedule_tag';
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

/** Rows per multi-row insert, and the bytes of props and events one may carry. */
const INSERT_ROWS = 200;
const INSERT_BYTES = 4 * 1024 * 1024;

/**
 * insertItem for many items at once: each folder bumped by its count in one statement, then the
 * items in multi-row inserts, numbered within each folder in the order given. Undefined where the
 * folder is not the account's. Callers hold the accounts' locks, taken in ascending order.
 */
export async function insertItems(tx: SqlDriver, entries: readonly { userId: number; folderId: number; item: NewItem }[]): Promise<(Item | undefined)[]> {
  if (entries.length === 0) return [];
  const perFolder = new Map<number, { userId: number; count: number }>();
  for (const e of entries) {
    const f = perFolder.get(e.folderId) ?? { userId: e.userId, count: 0 };
    // A folder named with two accounts is not both of theirs: the other entries get undefined below.
    if (f.userId === e.userId) f.count++;
    perFolder.set(e.folderId, f);
  }
  const top = new Map<number, number>();
  const folders = [...perFolder];
  for (let i = 0; i < folders.length; i += 300) {
    const chunk = folders.slice(i, i + 300);
    // Ascending folder ids: concurrent bulk writers take the folder rows in one order.
    chunk.sort(([a], [b]) => a - b);
    const rows = await tx.all<{ id: number; modseq: number }>(
      `UPDATE folders SET modseq = modseq + CASE id ${chunk.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ')} END
       WHERE id IN (${chunk.map(() => '?').join(', ')}) AND user_id = CASE id ${chunk.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ')} END
       RETURNING id, modseq`,
      [...chunk.flatMap(([id, f]) => [id, f.count]), ...chunk.map(([id]) => id), ...chunk.flatMap(([id, f]) => [id, f.userId])]);
    for (const r of rows) top.set(r.id, r.modseq);
  }
  const next = new Map([...perFolder].map(([id, f]) => [id, (top.get(id) ?? 0) - f.count]));
  // Many entries share one event object (a meeting's copies): serialised once.
  const serialised = new Map<object, string>();
  const json = (v: object): string => {
    let out = serialised.get(v);
    if (out === undefined) serialised.set(v, out = JSON.stringify(v));
    return out;
  };
  const planned = entries.map(e => {
    const f = perFolder.get(e.folderId)!;
    if (!top.has(e.folderId) || f.userId !== e.userId) return undefined;
    const modseq = next.get(e.folderId)! + 1;
    next.set(e.folderId, modseq);
    return { ...e, modseq, props: json(e.item.props), event: e.item.event ? json(e.item.event) : null };
  });
  const made = new Map<string, HeadRow>();
  const now = Date.now();
  const todo = planned.filter(p => p !== undefined);
  for (let i = 0; i < todo.length;) {
    let bytes = 0;
    let j = i;
    while (j < todo.length && j - i < INSERT_ROWS && (j === i || bytes < INSERT_BYTES)) bytes += todo[j].props.length + (todo[j++].event?.length ?? 0);
    const chunk = todo.slice(i, j);
    const rows = await tx.all<HeadRow>(
      `INSERT INTO items (user_id, folder_id, class, modseq, deleted, filter_time, props, event, uid, created_at, dav_name)
       VALUES ${chunk.map(() => '(?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?)').join(', ')} RETURNING ${HEAD}`,
      chunk.flatMap(p => [p.userId, p.folderId, p.item.class, p.modseq, p.item.filterTime ?? null, p.props, p.event,
        indexedUid(p.item.class, p.item.props, p.item.event), now, p.item.davName ?? null]));
    // RETURNING's order is not promised: (folder, modseq) names each new row.
    for (const r of rows) made.set(`${r.folder_id}/${r.modseq}`, r);
    i = j;
  }
  const out: (Item | undefined)[] = [];
  for (const p of planned) {
    const row = p && made.get(`${p.folderId}/${p.modseq}`);
    if (!p || !row) { out.push(undefined); continue; }
    if (p.item.mime) await tx.run('INSERT INTO item_content (item_id, mime) VALUES (?, ?)', [row.id, p.item.mime]);
    out.push(withBody(row, p.item.props, p.item.event));
  }
  return out;
}

export async function findItem(db: SqlDriver, userId: number, itemId: number): Promise<Item | undefined> {
  const row = await db.get<ItemRow>(`SELECT ${COLUMNS} FROM items WHERE id = ? AND user_id = ? AND deleted = 0`, [itemId, userId]);
  return row && toItem(row);
}

/** Live items of a folder that have not ended before `from` (their filter time), at most `limit`, oldest first. */
export async function itemsEndingFrom(db: SqlDriver, folderId: number, from: number, limit: number): Promise<Item[]> {
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE folder_id = ? AND deleted = 0 AND (filter_time IS NULL OR filter_time >= ?) ORDER BY id LIMIT ?`, [folderId, from, limit]);
  return rows.map(toItem);
}

export async function findItems(db: SqlDriver, folderId: number, ids: number[]): Promise<Item[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<ItemRow>(
    `SELECT ${COLUMNS} FROM items WHERE folder_id = ? AND id IN (${ids.map(() => '?').join(',')})`, [folderId, ...ids]);
  return rows.map(toItem);
}

/**
 * A live item of this user copied into another of the user's folders, row to row: its props and
 * event (a meeting's holds every attendee) are not read and sent back first. Undefined, with nothing
 * written, when the item or the folder is not the user's.
 */
export async function copyItem(tx: SqlDriver, userId: number, itemId: number, toFolderId: number, davName?: string): Promise<Item | undefined> {
  const bumped = await tx.get<{ modseq: number }>(
    `UPDATE folders SET modseq = modseq + 1
     WHERE id = ? AND user_id = ? AND EXISTS (SELECT 1 FROM items WHERE id = ? AND user_id = ? AND deleted = 0) RETURNING modseq`,
    [toFolderId, userId, itemId, userId]);
  if (!bumped) return undefined;
  const row = await tx.get<ItemRow>(
    `INSERT INTO items (user_id, folder_id, class, modseq, deleted, filter_time, props, event, uid, created_at, dav_name)
     SELECT user_id, ?, class, ?, 0, filter_time, props, event, uid, ?, ? FROM items WHERE id = ? RETURNING ${COLUMNS}`,
    [toFolderId, bumped.modseq, Date.now(), davName ?? null, itemId]);
  return row && toItem(row);
}

/**
 * Next change number of the folder that holds this live item of this user, found and bumped in one
 * statement (a round trip less per change, docs/performance.md); undefined when there is no such item.
 */
async function bumpFolderOf(tx: SqlDriver, userId: number, itemId: number): Promise<{ folderId: number; modseq: number } | undefined> {
  const row = await tx.get<{ id: number; modseq: number }>(
    `UPDATE folders SET modseq = modseq + 1
     WHERE user_id = ? AND id = (SELECT folder_id FROM items WHERE id = ? AND user_id = ? AND deleted = 0) RETURNING id, modseq`,
    [userId, itemId, userId]);
  return row && { folderId: row.id, modseq: row.modseq };
}

export async function updateItem(tx: SqlDriver, userId: number, itemId: number, change: ItemChangeInput): Promise<Item | undefined> {
  const bumped = await bumpFolderOf(tx, userId, itemId);
  if (!bumped) return undefined;
  const keepFilterTime = change.filterTime === undefined;
  // RFC 6638 3.2.10: a reply merged into the organizer's copy keeps the schedule tag (the value it
  // had: the column, or the modseq before this change, read by SET as the row's old value).
  const tag = change.keepScheduleTag ? 'schedule_tag = COALESCE(schedule_tag, modseq)' : 'schedule_tag = NULL';
  const row = await tx.get<HeadRow>(
    `UPDATE items SET props = ?, event = ?, uid = ?, ${keepFilterTime ? '' : 'filter_time = ?, '}${tag}, modseq = ? WHERE id = ? RETURNING ${HEAD}`,
    [JSON.stringify(change.props), change.event ? JSON.stringify(change.event) : null, indexedUid(undefined, change.props, change.event),
      ...(keepFilterTime ? [] : [change.filterTime ?? null]), bumped.modseq, itemId]);
  if (change.mime) {
    await tx.run('DELETE FROM item_content WHERE item_id = ?', [itemId]);
    await tx.run('INSERT INTO item_content (item_id, mime) VALUES (?, ?)', [itemId, change.mime]);
  }
  return { ...withBody(row as HeadRow, [], undefined), props: change.props, event: change.event };
}

/** Leaves a tombstone so devices that hold the item learn it is gone; answers the folder it was in. */
export async function tombstone(tx: SqlDriver, userId: number, itemId: number): Promise<{ folderId: number } | undefined> {
  const bumped = await bumpFolderOf(tx, userId, itemId);
  if (!bumped) return undefined;
  await tx.run("UPDATE items SET deleted = 1, deleted_at = ?, modseq = ?, props = '[]', event = NULL, uid = NULL WHERE id = ?", [Date.now(), bumped.modseq, itemId]);
  await tx.run('DELETE FROM item_content WHERE item_id = ?', [itemId]);
  return { folderId: bumped.folderId };
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
function indexedUid(cls: string | undefined, props: ItemProps, event: CalendarEvent | undefined): string | null {
  if (event) return event.uid;
  // An update does not read the row's class first: only contacts ever carry VCARD_EXTRA.
  if (cls !== undefined && cls !== 'Contacts') return null;
  const extra = props.find(p => p[0] === VCARD_EXTRA)?.[1];
  const line = typeof extra === 'string' ? /^UID(?:;[^:\r\n]*)?:([^\r\n]*)$/im.exec(extra) : null;
  return line ? line[1].trim() : null;
}

export async function findByUidOf(db: SqlDriver, userIds: readonly number[], uid: string): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < userIds.length; i += 500) {
    const chunk = userIds.slice(i, i + 500);
    const rows = await db.all<ItemRow>(
      `SELECT ${COLUMNS} FROM items WHERE uid = ? AND user_id IN (${chunk.map(() => '?').join(', ')}) AND deleted = 0 AND class <> 'Contacts' ORDER BY id`, [uid, ...chunk]);
    out.push(...rows.map(toItem));
  }
  return out;
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
    ...(r.schedule_tag !== null ? { scheduleTag: r.schedule_tag } : {}),
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
