// Back-off after wrong passwords (docs/limits.md, Throttling). Three counters, in this node's memory:
//  - per logon name and client address: guessing one account's password from one place. Its lock
//    holds that pair only, so the account's owner elsewhere keeps working: no attacker can lock an
//    account out for everyone.
//  - per client address, the different logon names that failed: one password tried on many accounts.
//  - per logon name over all addresses: a guess spread over many addresses. It locks nothing; past
//    its limit every address gets one failure for that name before its pair lock, instead of several.
// Keys are the logon name as typed (normalised), never the account it resolves to, so a refusal
// looks the same whether the account exists or not. Locks double while failures keep coming and are
// forgotten after a quiet window; a correct password clears its pair (not its address).
import { logonName } from './accounts.js';
import { FailureTable } from './failureTable.js';

export interface ThrottleOptions {
  /** Wrong passwords for one logon name from one address within the window before that pair waits. */
  accountFailures: number;
  /** Different logon names with a wrong password from one address within the window before the address waits. */
  addressAccounts: number;
  /** Wrong passwords for one logon name from all addresses within the window, past which each address gets one. */
  spreadFailures: number;
  windowMs: number;
  /** The first lock; each further one doubles, up to lockMaxMs. */
  lockMs: number;
  lockMaxMs: number;
  /** Keys each counter remembers at most (the least recently used go first). */
  maxEntries: number;
  /** The clock (tests move it instead of waiting). */
  now: () => number;
  /** A lock started, or a logon name's failures passed spreadFailures: for the log and metrics. */
  onEvent: (e: ThrottleEvent) => void;
}

/** `account` is a (logon name, address) pair; `address` an address for every name. */
export type ThrottleScope = 'account' | 'address';

export type ThrottleEvent =
  | { kind: 'lock'; scope: ThrottleScope; name: string; addr: string; seconds: number }
  | { kind: 'spread'; name: string; failures: number };

export const DEFAULT_THROTTLE: Readonly<Omit<ThrottleOptions, 'now' | 'onEvent'>> = {
  accountFailures: 5,
  addressAccounts: 10,
  spreadFailures: 50,
  windowMs: 15 * 60_000,
  lockMs: 60_000,
  lockMaxMs: 60 * 60_000,
  maxEntries: 50_000,
};

/** Not yet: wait this many seconds (what Retry-After says). */
export interface Refusal { retryAfter: number; scope: ThrottleScope }

/** A password check under way, for `end`. */
export interface Attempt { name: string; addr: string; pairLimit: number }

/** Longest logon name kept as a key; longer ones are cut (they are no account's name anyway). */
const MAX_NAME = 320;

export class LogonThrottle {
  private readonly o: ThrottleOptions;
  private readonly pairs: FailureTable;
  private readonly addresses: FailureTable;
  private readonly spread: FailureTable;

  constructor(options: Partial<ThrottleOptions> = {}) {
    this.o = { ...DEFAULT_THROTTLE, now: Date.now, onEvent: () => undefined, ...options };
    const table = { windowMs: this.o.windowMs, lockMs: this.o.lockMs, lockMaxMs: this.o.lockMaxMs, maxEntries: this.o.maxEntries };
    this.pairs = new FailureTable(table);
    this.addresses = new FailureTable(table, true);
    this.spread = new FailureTable(table);
  }

  /** Keys remembered now, all counters together (tests check the bound). */
  get size(): number {
    return this.pairs.size + this.addresses.size + this.spread.size;
  }

  /** Whether `logon` may try a password from `addr` now; cheap, before any lookup. */
  check(logon: string, addr: string): Refusal | undefined {
    return this.refusal(keyName(logon), addressKey(addr));
  }

  /**
   * A password is about to be verified: reserves a place (checks in flight count like failures,
   * so parallel guesses cannot outrun the limit), or says how long to wait.
   */
  begin(logon: string, addr: string): Attempt | Refusal {
    const name = keyName(logon);
    const address = addressKey(addr);
    const refusal = this.refusal(name, address);
    if (refusal) return refusal;
    const now = this.o.now();
    const pairLimit = this.pairLimit(name);
    if (pairLimit > 0) this.pairs.begin(pairKey(name, address), '', now);
    if (this.o.addressAccounts > 0) this.addresses.begin(address, name, now);
    return { name, addr: address, pairLimit };
  }

  /** The verification's result. */
  end(a: Attempt, ok: boolean): void {
    const now = this.o.now();
    const pair = this.pairs.end(pairKey(a.name, a.addr), '', !ok, a.pairLimit, now);
    const address = this.addresses.end(a.addr, a.name, !ok, this.o.addressAccounts, now);
    if (ok) return this.pairs.forget(pairKey(a.name, a.addr));
    if (pair !== undefined) this.o.onEvent({ kind: 'lock', scope: 'account', name: a.name, addr: a.addr, seconds: seconds(pair) });
    if (address !== undefined) this.o.onEvent({ kind: 'lock', scope: 'address', name: a.name, addr: a.addr, seconds: seconds(address) });
    if (this.o.spreadFailures <= 0) return;
    const before = this.spread.failures(a.name, now);
    const failures = this.spread.count(a.name, this.o.spreadFailures, now);
    if (before < this.o.spreadFailures && failures >= this.o.spreadFailures) this.o.onEvent({ kind: 'spread', name: a.name, failures });
  }

  /** A password known to be right without verifying it again (the transport's cache): clears its pair. */
  succeeded(logon: string, addr: string): void {
    this.pairs.forget(pairKey(keyName(logon), addressKey(addr)));
  }

  private refusal(name: string, address: string): Refusal | undefined {
    const now = this.o.now();
    const byAddress = this.addresses.wait(address, name, this.o.addressAccounts, now);
    if (byAddress > 0) return { retryAfter: seconds(byAddress), scope: 'address' };
    const byPair = this.pairs.wait(pairKey(name, address), '', this.pairLimit(name), now);
    if (byPair > 0) return { retryAfter: seconds(byPair), scope: 'account' };
    return undefined;
  }

  /** The pair's allowance: one failure while the name is under a spread attack. */
  private pairLimit(name: string): number {
    const spreading = this.o.spreadFailures > 0 && this.spread.failures(name, this.o.now()) >= this.o.spreadFailures;
    return spreading ? Math.min(1, this.o.accountFailures) : this.o.accountFailures;
  }
}

function keyName(logon: string): string {
  return logonName(logon).slice(0, MAX_NAME);
}

function pairKey(name: string, address: string): string {
  return `${address}\0${name}`;
}

/** Whole seconds, at least 1 (Retry-After is in seconds; 0 would invite an immediate retry). */
function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * The key an address is counted under: an IPv4 address as it is; an IPv6 address by its /64, the
 * block one subscriber or host gets (RFC 6177), so changing the last 64 bits does not reset a count.
 */
export function addressKey(addr: string): string {
  const plain = addr.replace(/%.*$/, '').toLowerCase();
  if (!plain.includes(':')) return plain;
  const halves = plain.split('::');
  if (halves.length > 2) return plain;
  const head = halves[0] ? halves[0].split(':') : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) fills two groups.
  const tailGroups = tail.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0);
  const zeros = halves.length === 2 ? Math.max(0, 8 - head.length - tailGroups) : 0;
  const groups = [...head, ...Array<string>(zeros).fill('0'), ...tail];
  return `${groups.slice(0, 4).map(g => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
