// Folder reads over many accounts at once (a meeting's local attendees, docs/performance.md).
import type { Folder, FolderTypeValue } from '../types.js';
import type { SqlDriver } from './driver.js';

interface FolderRow { id: number; user_id: number; parent_id: number; display_name: string; type: number }

/** The folders of these types of these accounts, ordered by id, in one statement per 500 accounts. */
export async function ofType(db: SqlDriver, userIds: readonly number[], types: readonly FolderTypeValue[]): Promise<Folder[]> {
  const out: Folder[] = [];
  for (let i = 0; i < userIds.length && types.length; i += 500) {
    const chunk = userIds.slice(i, i + 500);
    const rows = await db.all<FolderRow>(
      `SELECT id, user_id, parent_id, display_name, type FROM folders
       WHERE user_id IN (${chunk.map(() => '?').join(', ')}) AND type IN (${types.map(() => '?').join(', ')}) ORDER BY id`, [...chunk, ...types]);
    out.push(...rows.map(r => ({ id: r.id, userId: r.user_id, parentId: r.parent_id, displayName: r.display_name, type: r.type as FolderTypeValue })));
  }
  return out;
}
