// Accounts: one row each, addresses stored lower-case; a new account gets the default folders.
import type { NewUser } from '../Store.js';
import { StoreError } from '../Store.js';
import { DEFAULT_FOLDERS, type User } from '../types.js';
import type { SqlDriver } from './driver.js';

interface UserRow { id: number; email: string; display_name: string; password_hash: string; created_at: number }

const USER_COLUMNS = 'id, email, display_name, password_hash, created_at';

function toUser(r: UserRow): User {
  return { id: r.id, email: r.email, displayName: r.display_name, passwordHash: r.password_hash, createdAt: r.created_at };
}

/** Inside the caller's transaction: the account and its default folders, or USER_EXISTS. */
export async function create(tx: SqlDriver, user: NewUser): Promise<User> {
  const email = user.email.toLowerCase();
  if (await tx.get('SELECT id FROM users WHERE email = ?', [email])) {
    throw new StoreError('USER_EXISTS', `an account ${email} exists already`);
  }
  const row = (await tx.get<UserRow>(
    `INSERT INTO users (email, display_name, password_hash, created_at) VALUES (?, ?, ?, ?) RETURNING ${USER_COLUMNS}`,
    [email, user.displayName, user.passwordHash, Date.now()],
  )) as UserRow;
  for (const f of DEFAULT_FOLDERS) {
    await tx.run('INSERT INTO folders (user_id, parent_id, display_name, type) VALUES (?, 0, ?, ?)', [row.id, f.name, f.type]);
  }
  return toUser(row);
}

export async function byEmail(db: SqlDriver, email: string): Promise<User | undefined> {
  const row = await db.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email = ?`, [email.toLowerCase()]);
  return row && toUser(row);
}

export async function byEmails(db: SqlDriver, emails: readonly string[]): Promise<User[]> {
  const wanted = [...new Set(emails.map(e => e.toLowerCase()))];
  const out: User[] = [];
  for (let i = 0; i < wanted.length; i += 500) {
    const chunk = wanted.slice(i, i + 500);
    const rows = await db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE email IN (${chunk.map(() => '?').join(', ')})`, chunk);
    out.push(...rows.map(toUser));
  }
  return out;
}

export async function byLocalPart(db: SqlDriver, localPart: string): Promise<User[]> {
  const rows = await db.all<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE substr(email, 1, ?) = ? ORDER BY id`,
    [localPart.length + 1, `${localPart.toLowerCase()}@`],
  );
  return rows.map(toUser);
}

export async function list(db: SqlDriver): Promise<User[]> {
  return (await db.all<UserRow>(`SELECT ${USER_COLUMNS} FROM users ORDER BY email`)).map(toUser);
}

export async function count(db: SqlDriver): Promise<number> {
  const row = await db.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM users');
  return Number(row?.n ?? 0);
}

export async function setPassword(db: SqlDriver, userId: number, passwordHash: string): Promise<void> {
  await mustChange(db, 'UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, userId]);
}

export async function setDisplayName(db: SqlDriver, userId: number, displayName: string): Promise<void> {
  await mustChange(db, 'UPDATE users SET display_name = ? WHERE id = ?', [displayName, userId]);
}

export async function remove(db: SqlDriver, userId: number): Promise<boolean> {
  return (await db.run('DELETE FROM users WHERE id = ?', [userId])).changes > 0;
}

async function mustChange(db: SqlDriver, sql: string, params: (string | number)[]): Promise<void> {
  if ((await db.run(sql, params)).changes === 0) throw new StoreError('NOT_FOUND', 'no such account');
}
