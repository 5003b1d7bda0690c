// HTTP Basic authentication (MS-ASHTTP 2.2.1.1.2.1). Every EAS request carries the password, so a
// successful check is remembered for a while, keyed by a hash of the credentials and tied to the
// stored password hash: a password changed through the CLI takes effect on the next request.
// Wrong passwords are throttled (src/accounts/logonThrottle.ts), and a logon name that is no
// account costs one password verification like any other, so neither answer nor time tells
// which accounts exist (docs/limits.md).
import { createHash } from 'node:crypto';
import { logonName, resolveLogon } from '../accounts/accounts.js';
import { LogonThrottle, type Refusal, type ThrottleScope } from '../accounts/logonThrottle.js';
import { verifyPassword } from '../accounts/password.js';
import type { Store } from '../store/Store.js';
import type { Device, User } from '../store/types.js';

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

export type AuthOutcome =
  /** `device`: the account's device of the DeviceId given, read with it (null: none), when one was given. */
  | { kind: 'ok'; user: User; device?: Device | null | undefined }
  | { kind: 'refused' }
  /** Not checked: too many failures; try again in `retryAfter` seconds. */
  | { kind: 'throttled'; retryAfter: number; scope: ThrottleScope };

const CACHE_TTL_MS = 10 * 60 * 1000;
const CACHE_MAX = 10_000;

export class Authenticator {
  private readonly verified = new Map<string, { userId: number; passwordHash: string; expires: number }>();
  /** Verifications under way by credentials: the same password arriving again meanwhile waits for it. */
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(private readonly store: Store, private readonly throttle: LogonThrottle = new LogonThrottle()) {}

  /** `addr` is the client's address (behind a proxy, the forwarded one): failures are counted by it. */
  async authenticate(creds: Credentials, addr: string, deviceId?: string): Promise<AuthOutcome> {
    // A locked name or address is refused before any lookup: no work, and no guess evaluated.
    const early = this.throttle.check(creds.logon, addr);
    if (early) return { kind: 'throttled', ...early };
    const found = await this.lookup(creds.logon, deviceId);
    const user = found?.user;
    const device = found && 'device' in found ? { device: found.device } : {};
    const key = user && createHash('sha256').update(`${user.id}\0${creds.password}`).digest('base64');
    const hit = key === undefined ? undefined : this.verified.get(key);
    if (user && hit && hit.passwordHash === user.passwordHash && hit.expires > Date.now()) {
      this.throttle.succeeded(creds.logon, addr);
      return { kind: 'ok', user, ...device };
    }
    const flight = this.verify(creds, addr, user);
    if ('retryAfter' in flight) return { kind: 'throttled', ...flight };
    const ok = await flight;
    if (!ok || !user || key === undefined) return { kind: 'refused' };
    if (this.verified.size >= CACHE_MAX) this.verified.clear();
    this.verified.set(key, { userId: user.id, passwordHash: user.passwordHash, expires: Date.now() + CACHE_TTL_MS });
    return { kind: 'ok', user, ...device };
  }

  /** The account; with a DeviceId and a full address, its device too, in the same read (EAS requests). */
  private async lookup(logon: string, deviceId: string | undefined): Promise<{ user: User; device?: Device | null } | undefined> {
    const name = logonName(logon);
    if (deviceId !== undefined && name.includes('@')) return this.store.findUserWithDevice(name, deviceId);
    const user = await resolveLogon(this.store, logon);
    return user && { user };
  }

  /**
   * One scrypt run, or joining the one under way for the same credentials: a phone's parallel
   * requests after a restart cost one verification and one place in the throttle, while different
   * guesses each take their own. The throttle's refusal when it has no place for another.
   */
  private verify(creds: Credentials, addr: string, user: User | undefined): Promise<boolean> | Refusal {
    const subject = user ? `${user.id}\0${user.passwordHash}` : `?${logonName(creds.logon)}`;
    const key = createHash('sha256').update(`${subject}\0${creds.password}`).digest('base64');
    const running = this.inFlight.get(key);
    if (running) return running;
    const attempt = this.throttle.begin(creds.logon, addr);
    if ('retryAfter' in attempt) return attempt;
    // No account: the same verification against a hash no password matches (equal time).
    const flight = verifyPassword(creds.password, user?.passwordHash)
      .then(ok => { this.throttle.end(attempt, ok); return ok; }, (e: unknown) => { this.throttle.end(attempt, false); throw e; })
      .finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, flight);
    return flight;
  }
}
