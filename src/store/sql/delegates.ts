// Delegates (docs/resources-delegates.md): one row per principal and delegate — the delegate's
// rights on the principal's calendar and whether the principal keeps copies of meeting requests.
import type { Delegate } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface DelegateRow {
  principal_id: number | string; principal_email: string; principal_name: string;
  delegate_id: number | string; delegate_email: string; delegate_name: string;
  calendar: string; principal_copies: number;
}

const SELECT = `SELECT d.principal_id, p.email AS principal_email, p.display_name AS principal_name,
    d.delegate_id, u.email AS delegate_email, u.display_name AS delegate_name, d.calendar, d.principal_copies
  FROM delegates d JOIN users p ON p.id = d.principal_id JOIN users u ON u.id = d.delegate_id`;

const toDelegate = (r: DelegateRow): Delegate => ({
  principalId: Number(r.principal_id), principalEmail: r.principal_email, principalName: r.principal_name,
  delegateId: Number(r.delegate_id), delegateEmail: r.delegate_email, delegateName: r.delegate_name,
  calendar: r.calendar === 'editor' ? 'editor' : r.calendar === 'reviewer' ? 'reviewer' : 'none',
  principalCopies: Number(r.principal_copies) === 1,
});

export async function set(db: SqlDriver, d: Pick<Delegate, 'principalId' | 'delegateId' | 'calendar' | 'principalCopies'>): Promise<void> {
  await db.run(
    `INSERT INTO delegates (principal_id, delegate_id, calendar, principal_copies) VALUES (?, ?, ?, ?)
     ON CONFLICT (principal_id, delegate_id) DO UPDATE SET calendar = excluded.calendar, principal_copies = excluded.principal_copies`,
    [d.principalId, d.delegateId, d.calendar, d.principalCopies ? 1 : 0]);
}

export async function remove(db: SqlDriver, principalId: number, delegateId: number): Promise<boolean> {
  return (await db.run('DELETE FROM delegates WHERE principal_id = ? AND delegate_id = ?', [principalId, delegateId])).changes > 0;
}

/** The delegates of these principals, by principal then delegate id. */
export async function of(db: SqlDriver, principalIds: readonly number[]): Promise<Delegate[]> {
  const out: Delegate[] = [];
  for (let i = 0; i < principalIds.length; i += 500) {
    const chunk = principalIds.slice(i, i + 500);
    const rows = await db.all<DelegateRow>(`${SELECT} WHERE d.principal_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY d.principal_id, d.delegate_id`, [...chunk]);
    out.push(...rows.map(toDelegate));
  }
  return out;
}

/** The delegations to this delegate, by principal id (the delegates_delegate index). */
export async function to(db: SqlDriver, delegateId: number): Promise<Delegate[]> {
  return (await db.all<DelegateRow>(`${SELECT} WHERE d.delegate_id = ? ORDER BY d.principal_id`, [delegateId])).map(toDelegate);
}

export async function list(db: SqlDriver): Promise<Delegate[]> {
  return (await db.all<DelegateRow>(`${SELECT} ORDER BY p.email, u.email`)).map(toDelegate);
}
