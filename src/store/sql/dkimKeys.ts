// Outbound DKIM signing keys (docs/mail-auth.md): one row per domain, domains stored lower-case.
import type { DkimKey } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface DkimRow { domain: string; selector: string; private_key: string; created_at: number | string }

const toKey = (r: DkimRow): DkimKey => ({ domain: r.domain, selector: r.selector, privateKey: r.private_key, createdAt: Number(r.created_at) });

export async function addKey(db: SqlDriver, key: DkimKey): Promise<boolean> {
  const res = await db.run(
    'INSERT INTO dkim_keys (domain, selector, private_key, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (domain) DO NOTHING',
    [key.domain.toLowerCase(), key.selector, key.privateKey, key.createdAt]);
  return res.changes > 0;
}

export async function getKey(db: SqlDriver, domain: string): Promise<DkimKey | undefined> {
  const row = await db.get<DkimRow>('SELECT domain, selector, private_key, created_at FROM dkim_keys WHERE domain = ?', [domain.toLowerCase()]);
  return row && toKey(row);
}

export async function listKeys(db: SqlDriver): Promise<DkimKey[]> {
  return (await db.all<DkimRow>('SELECT domain, selector, private_key, created_at FROM dkim_keys ORDER BY domain')).map(toKey);
}

export async function removeKey(db: SqlDriver, domain: string): Promise<boolean> {
  return (await db.run('DELETE FROM dkim_keys WHERE domain = ?', [domain.toLowerCase()])).changes > 0;
}
