// Which senders an account's Out of Office has answered (RFC 3834 2: one automatic reply per
// sender, src/mail/autoReply.ts). Each Settings Oof Set starts a new period, numbered on the
// account's oof_settings row; answers of earlier periods are forgotten then.
import type { SqlDriver } from './driver.js';

/** Inserts (user, sender, current period) unless present; false too when the account has no Out of Office settings. */
export async function rememberAutoReply(db: SqlDriver, userId: number, sender: string): Promise<boolean> {
  const res = await db.run(
    `INSERT INTO oof_replies (user_id, sender, period, created_at)
     SELECT user_id, ?, period, ? FROM oof_settings WHERE user_id = ?
     ON CONFLICT (user_id, sender, period) DO NOTHING`,
    [sender.toLowerCase(), Date.now(), userId]);
  return res.changes > 0;
}

/** Called as the settings are replaced: the next period begins with nobody answered. */
export async function startPeriod(db: SqlDriver, userId: number): Promise<void> {
  await db.run('UPDATE oof_settings SET period = period + 1 WHERE user_id = ?', [userId]);
  await db.run('DELETE FROM oof_replies WHERE user_id = ? AND period < (SELECT period FROM oof_settings WHERE user_id = ?)', [userId, userId]);
}
