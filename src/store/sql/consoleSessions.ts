// The web console's sessions and the operator flag (docs/console.md). A session row is found by
// the SHA-256 of its cookie token; expired rows are never answered and are swept on sign-in.
import type { ConsoleSession } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface SessionRow { token_hash: string; user_id: number | string; csrf: string; expires_at: number | string }

export async function create(db: SqlDriver, s: ConsoleSession): Promise<void> {
  const now = Date.now();
  await db.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
  await db.run('INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    [s.tokenHash, s.userId, s.csrf, now, s.expiresAt]);
}

export async function find(db: SqlDriver, tokenHash: string): Promise<ConsoleSession | undefined> {
  const r = await db.get<SessionRow>('SELECT token_hash, user_id, csrf, expires_at FROM console_sessions WHERE token_hash = ? AND expires_at > ?',
    [tokenHash, Date.now()]);
  return r && { tokenHash: r.token_hash, userId: Number(r.user_id), csrf: r.csrf, expiresAt: Number(r.expires_at) };
}

export async function remove(db: SqlDriver, tokenHash: string): Promise<void> {
  await db.run('DELETE FROM console_sessions WHERE token_hash = ?', [tokenHash]);
}

/** Every session of an account ends (its password changed or was reset). */
export async function removeForUser(db: SqlDriver, userId: number): Promise<void> {
  await db.run('DELETE FROM console_sessions WHERE user_id = ?', [userId]);
}

export async function isAdmin(db: SqlDriver, userId: number): Promise<boolean> {
  const r = await db.get<{ admin: number | string }>('SELECT admin FROM users WHERE id = ?', [userId]);
  return Number(r?.admin ?? 0) === 1;
}

export async function setAdmin(db: SqlDriver, userId: number, admin: boolean): Promise<boolean> {
  return (await db.run('UPDATE users SET admin = ? WHERE id = ?', [admin ? 1 : 0, userId])).changes > 0;
}
