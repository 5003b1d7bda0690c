// "Always move" rules of conversations (MS-ASCMD 2.2.3.118 MoveAlways, MS-ASCON 2.2.2.8): mail of
// the conversation delivered later is filed in the rule's folder. A rule goes with its folder or
// account (foreign keys) and after RETENTION_DAYS without a message to apply it to.
import type { SqlDriver } from './driver.js';

export async function setRule(db: SqlDriver, userId: number, conversationId: string, folderId: number, now: number): Promise<void> {
  await db.run(
    `INSERT INTO conversation_rules (user_id, conversation_id, folder_id, used_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (user_id, conversation_id) DO UPDATE SET folder_id = excluded.folder_id, used_at = excluded.used_at`,
    [userId, conversationId, folderId, now]);
}

/** The rule's folder; a rule found is marked used now, so an active conversation keeps its rule. */
export async function useRule(db: SqlDriver, userId: number, conversationId: string, now: number): Promise<number | undefined> {
  const row = await db.get<{ folder_id: number | string }>(
    'UPDATE conversation_rules SET used_at = ? WHERE user_id = ? AND conversation_id = ? RETURNING folder_id', [now, userId, conversationId]);
  return row && Number(row.folder_id);
}

export async function forgetRules(db: SqlDriver, before: number): Promise<number> {
  return (await db.run('DELETE FROM conversation_rules WHERE used_at < ?', [before])).changes;
}
