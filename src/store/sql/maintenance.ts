// One-off maintenance of stored data (docs/reliability.md): which tasks have run, and the queries
// they need. Each task runs until it is marked done, then never again.
import type { Item } from '../types.js';
import type { SqlDriver } from './driver.js';
import { findItems } from './items.js';

export async function isDone(db: SqlDriver, name: string): Promise<boolean> {
  return (await db.get<{ name: string }>('SELECT name FROM maintenance WHERE name = ?', [name])) !== undefined;
}

export async function markDone(db: SqlDriver, name: string): Promise<void> {
  await db.run('INSERT INTO maintenance (name, done_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING', [name, Date.now()]);
}

// props and event are JSON.stringify output: C0 controls appear as \u00XX, \b or \f, lone
// surrogates as \udXXX, U+FFFE and U+FFFF as themselves. A stored "\\u00…" (a backslash in the
// text) matches too; the caller decides exactly. ESCAPE '!' keeps the backslash literal on both
// engines (PostgreSQL's LIKE would otherwise take it as its escape character).
const PATTERNS = ['%\\u00%', '%\\b%', '%\\f%', '%\\ud%', '%\uFFFE%', '%\uFFFF%'];
const SUSPECT = (column: string) => PATTERNS.map(() => `${column} LIKE ? ESCAPE '!'`).join(' OR ');

/** Live items after `afterId` (by id) whose stored text may hold a character a device cannot receive. */
export async function itemsWithEscapes(db: SqlDriver, afterId: number, limit: number): Promise<{ items: Item[]; lastId: number | undefined }> {
  const rows = await db.all<{ id: number; folder_id: number }>(
    `SELECT id, folder_id FROM items WHERE id > ? AND deleted = 0 AND (${SUSPECT('props')} OR (event IS NOT NULL AND (${SUSPECT('event')})))
     ORDER BY id LIMIT ?`, [afterId, ...PATTERNS, ...PATTERNS, limit]);
  const byFolder = new Map<number, number[]>();
  for (const r of rows) byFolder.set(r.folder_id, [...(byFolder.get(r.folder_id) ?? []), r.id]);
  const found: Item[] = [];
  for (const [folderId, ids] of byFolder) found.push(...await findItems(db, folderId, ids));
  return { items: found.sort((a, b) => a.id - b.id), lastId: rows.length < limit ? undefined : rows.at(-1)?.id };
}
