// The store side of Search, ResolveRecipients and Find (docs/search.md): narrowing in SQL, on any
// SqlDriver. Text matching here is deliberately coarse — a case-insensitive substring of the stored
// JSON — so that it is a superset of what the search domain (src/search/match.ts) then decides
// exactly. No search index: the user, folder, class and date conditions bound the scan.
import type { ItemRef, ItemSearch } from '../Store.js';
import { FolderType, type Item, type User } from '../types.js';
import type { Dialect, SqlDriver, SqlValue } from './driver.js';
import { findItems } from './items.js';

/**
 * A LIKE pattern that finds `term` inside stored JSON text, whatever its case. The term is written
 * as JSON writes it (quotes and backslashes escaped); every non-ASCII character becomes `%`, since
 * neither its case folding (SQLite folds ASCII only; `İ` lowercases to two characters) nor its
 * normal form (é as one character or e + accent) need agree with the stored text — the pattern
 * stays a superset. `!` escapes LIKE's own wildcards. Only the term's first characters are used:
 * still a superset, and a long term cannot make the scan quadratic.
 */
export function likePattern(term: string): string {
  const json = JSON.stringify([...term.normalize('NFC').toLowerCase()].slice(0, LIKE_CHARS).join('')).slice(1, -1);
  let out = '';
  for (const ch of json) {
    if (ch === '!' || ch === '%' || ch === '_') out += `!${ch}`;
    else if (ch > '\x7f') out += out.endsWith('%') && !out.endsWith('!%') ? '' : '%';
    else out += ch;
  }
  return `%${out}%`.replace(/^%%/, '%');
}

const LIKE_CHARS = 32;

/** Case-insensitive LIKE in both engines (SQLite's LIKE folds ASCII case; PostgreSQL needs ILIKE). */
function like(d: Dialect, column: string): string {
  return `${column} ${d === 'postgres' ? 'ILIKE' : 'LIKE'} ? ESCAPE '!'`;
}

/**
 * The user's live items that may match, newest first (mail by received time): their ids and
 * folders only — one scan, narrow rows — so that the caller reads the items themselves in batches.
 */
export async function itemCandidates(db: SqlDriver, userId: number, q: ItemSearch): Promise<ItemRef[]> {
  const where = ['user_id = ?', 'deleted = 0'];
  const params: SqlValue[] = [userId];
  if (q.folderIds) {
    if (q.folderIds.length === 0) return [];
    where.push(`folder_id IN (${q.folderIds.map(() => '?').join(',')})`);
    params.push(...q.folderIds);
  }
  if (q.classes) {
    if (q.classes.length === 0) return [];
    where.push(`class IN (${q.classes.map(() => '?').join(',')})`);
    params.push(...q.classes);
  }
  // Dates compare the time mail was received, which the store keeps as the item's filter_time.
  if (q.receivedAfter !== undefined || q.receivedBefore !== undefined) where.push("class = 'Email'");
  if (q.receivedAfter !== undefined) { where.push('filter_time > ?'); params.push(q.receivedAfter); }
  if (q.receivedBefore !== undefined) { where.push('filter_time < ?'); params.push(q.receivedBefore); }
  for (const term of q.terms) {
    where.push(`(${like(db.dialect, 'props')} OR ${like(db.dialect, 'event')})`);
    params.push(likePattern(term), likePattern(term));
  }
  const rows = await db.all<{ id: number; folder_id: number }>(
    `SELECT id, folder_id FROM items WHERE ${where.join(' AND ')} ORDER BY filter_time IS NULL, filter_time DESC, id DESC`, params);
  return rows.map(r => ({ id: r.id, folderId: r.folder_id }));
}

/** Items by id, in the order asked; those gone in the meantime are left out. */
export async function itemsInOrder(db: SqlDriver, refs: ItemRef[]): Promise<Item[]> {
  const byFolder = new Map<number, number[]>();
  for (const r of refs) {
    const ids = byFolder.get(r.folderId);
    if (ids) ids.push(r.id);
    else byFolder.set(r.folderId, [r.id]);
  }
  const found = new Map<number, Item>();
  for (const [folderId, ids] of byFolder) {
    for (let i = 0; i < ids.length; i += 500) {
      for (const item of await findItems(db, folderId, ids.slice(i, i + 500))) found.set(item.id, item);
    }
  }
  return refs.map(r => found.get(r.id)).filter((i): i is Item => i !== undefined && !i.deleted);
}

/** Accounts whose display name or address contains every term, ordered as a directory is: by name. */
export async function userCandidates(db: SqlDriver, terms: string[]): Promise<User[]> {
  const where = terms.map(() => `(${like(db.dialect, 'display_name')} OR ${like(db.dialect, 'email')})`);
  const rows = await db.all<{ id: number; email: string; display_name: string; password_hash: string; created_at: number }>(
    `SELECT id, email, display_name, password_hash, created_at FROM users
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY lower(display_name), email`,
    terms.flatMap(t => [likePattern(t), likePattern(t)]));
  return rows.map(r => ({ id: r.id, email: r.email, displayName: r.display_name, passwordHash: r.password_hash, createdAt: r.created_at }));
}

/**
 * Live items of the user's calendar folders that can have an occurrence at or after `from`: their
 * last occurrence ends later, or the series never ends (filter_time NULL). Deleted Items is no
 * calendar, so an event moved there does not count.
 */
export async function calendarItemsFrom(db: SqlDriver, userId: number, from: number): Promise<Item[]> {
  const rows = await db.all<{ id: number; folder_id: number }>(
    `SELECT i.id, i.folder_id FROM items i JOIN folders f ON f.id = i.folder_id
     WHERE i.user_id = ? AND i.deleted = 0 AND i.class = 'Calendar' AND f.type IN (?, ?)
       AND (i.filter_time IS NULL OR i.filter_time > ?)
     ORDER BY i.id`,
    [userId, FolderType.Calendar, FolderType.UserCalendar, from]);
  return itemsInOrder(db, rows.map(r => ({ id: r.id, folderId: r.folder_id })));
}
