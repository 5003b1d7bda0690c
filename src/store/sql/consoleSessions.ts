// The web console's sessions and the operator flag (docs/console.md). A session row is found by
// the SHA-256 of its cookie token; expired rows are never answered and are swept on sign-in.
import type { ConsoleSession } from '../Store.js';
import type { User } from '../types.js';
import type { SqlDriver } from './driver.js';

interface SessionRow {
  token_hash: string; user_id: number | string; csrf: string; expires_at: number | string;
  email: string; display_name: string; password_hash: string; created_at: number | string; admin: number | string;
}

export async function create(db: SqlDriver, s: ConsoleSession): Promise<void> {
  const now = Date.now();
  await db.run('DELETE FROM console_sessions WHERE expires_at <= ?', [now]);
  await db.run('INSERT INTO console_sessions (token_hash, user_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
    [s.tokenHash, s.userId, s.csrf, now, s.expiresAt]);
}

/** The live session with its account and operator flag, in one statement per console request. */
export async function find(db: SqlDriver, tokenHash: string): Promise<(ConsoleSession & { user: User; admin: boolean }) | undefined> {
  const r = await db.get<SessionRow>(
    `SELECT s.token_hash, s.user_id, s.csrf, s.expires_at, u.email, u.display_name, u.password_hash, u.created_at, u.admin
     FROM console_sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ? AND s.expires_at > ?`, [tokenHash, Date.now()]);
  if (!r) return undefined;
  const user: User = { id: Number(r.user_id), email: r.email, displayName: r.display_name, passwordHash: r.password_hash, createdAt: Number(r.created_at) };
  return { tokenHash: r.token_hash, userId: user.id, csrf: r.csrf, expiresAt: Number(r.expires_at), user, admin: Number(r.admin) === 1 };
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
