// HTTP Basic authentication (MS-ASHTTP 2.2.1.1.2.1). Every EAS request carries the password, so a
// successful check is remembered for a while, keyed by a hash of the credentials and tied to the
// stored password hash: a password changed through the CLI takes effect on the next request.
import { createHash } from 'node:crypto';
import { resolveLogon } from '../accounts/accounts.js';
import { verifyPassword } from '../accounts/password.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';

export interface Credentials {
  logon: string;
  password: string;
}

export function parseBasic(header: string | undefined): Credentials | undefined {
  const m = header && /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { logon: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

const CACHE_TTL_MS = 10 * 60 * 1000;
const CACHE_MAX = 10_000;

export class Authenticator {
  private readonly verified = new Map<string, { userId: number; passwordHash: string; expires: number }>();

  constructor(private readonly store: Store) {}

  async authenticate(creds: Credentials): Promise<User | undefined> {
    const user = await resolveLogon(this.store, creds.logon);
    if (!user) return undefined;
    const key = createHash('sha256').update(`${user.id}\0${creds.password}`).digest('base64');
    const hit = this.verified.get(key);
    if (hit && hit.passwordHash === user.passwordHash && hit.expires > Date.now()) return user;
    if (!(await verifyPassword(creds.password, user.passwordHash))) return undefined;
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, { userId: user.id, passwordHash: user.passwordHash, expires: Date.now() + CACHE_TTL_MS });
    return user;
  }
}
