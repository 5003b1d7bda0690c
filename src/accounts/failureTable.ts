// Failures by key within a window, with locks that grow while failures keep coming: the counters
// behind LogonThrottle (docs/limits.md, Throttling). In memory, bounded: at most `maxEntries` keys,
// the least recently used forgotten first, idle ones dropped as new ones arrive.

export interface TableSettings {
  windowMs: number;
  lockMs: number;
  lockMaxMs: number;
  maxEntries: number;
}

/**
 * One key's state. A table counts either guesses (every failure is new: plain counts) or names
 * (`distinct`: a name failing again is not new; the sets are made when first needed).
 */
interface Entry {
  windowStart: number;
  /** Failures this window (guesses), or the names that failed (distinct). */
  failures: number;
  names?: Set<string>;
  /** Checks under way: a count (guesses), or by name (distinct). */
  pending: number;
  pendingNames?: Map<string, number>;
  /** Locks since the key was last quiet for a whole window; each one doubles the next. */
  strikes: number;
  lockedUntil: number;
  lastFailure: number;
}

/** Limits are at most this (src/cli/throttleOptions.ts checks), which bounds a name set. */
export const MAX_LIMIT = 1000;

export class FailureTable {
  private readonly entries = new Map<string, Entry>();

  /** `distinct`: count different names (`id`), not failures. */
  constructor(private readonly s: TableSettings, private readonly distinct = false) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Milliseconds `key` must wait before a check of `id` (a name, for a distinct table): while it is
   * locked, or (1 s) while `limit` failures and checks in flight are reached (with strikes, one new
   * check at a time). 0 when it may go ahead. `limit` 0 means no limit.
   */
  wait(key: string, id: string, limit: number, now: number): number {
    if (limit <= 0) return 0;
    const e = this.touch(key, now);
    if (!e) return 0;
    if (e.lockedUntil > now) return e.lockedUntil - now;
    if (this.distinct && (e.names?.has(id) || e.pendingNames?.has(id))) return 0;
    const inFlight = this.distinct ? [...(e.pendingNames?.keys() ?? [])].filter(n => !e.names?.has(n)).length : e.pending;
    const busy = e.strikes > 0 ? inFlight >= 1 : e.failures + inFlight >= limit;
    return busy ? 1000 : 0;
  }

  /** A check of `id` began for `key`: it counts towards `wait` until `end`. */
  begin(key: string, id: string, now: number): void {
    const e = this.touch(key, now) ?? this.insert(key, now);
    if (!this.distinct) e.pending++;
    else (e.pendingNames ??= new Map()).set(id, (e.pendingNames.get(id) ?? 0) + 1);
  }

  /**
   * The check of `id` ended; a failure is counted unless the name already failed this window
   * (distinct table). Returns the lock's length in ms when this failure starts one: the
   * `limit`-th failure of the window, or any counted failure while strikes are remembered.
   */
  end(key: string, id: string, failed: boolean, limit: number, now: number): number | undefined {
    const e = this.touch(key, now) ?? (failed && limit > 0 ? this.insert(key, now) : undefined);
    if (!e) return undefined;
    if (!this.distinct) e.pending = Math.max(0, e.pending - 1);
    else {
      const left = (e.pendingNames?.get(id) ?? 1) - 1;
      if (left > 0) e.pendingNames!.set(id, left);
      else if (e.pendingNames?.delete(id) && e.pendingNames.size === 0) e.pendingNames = undefined;
    }
    // A check that was in flight when another one started the lock is covered by that lock.
    if (!failed || limit <= 0 || e.lockedUntil > now) return undefined;
    if (this.distinct) {
      if (e.names?.has(id)) return undefined;
      if ((e.names ??= new Set()).size < MAX_LIMIT) e.names.add(id);
      e.failures = e.names.size;
    } else e.failures++;
    e.lastFailure = now;
    if (e.strikes === 0 && e.failures < limit) return undefined;
    const ms = Math.min(this.s.lockMs * 2 ** Math.min(e.strikes, 30), this.s.lockMaxMs);
    e.strikes++;
    e.lockedUntil = now + ms;
    return ms;
  }

  /** Counts a failure of `key` without locking, up to `cap`; returns the failures within the window. */
  count(key: string, cap: number, now: number): number {
    const e = this.touch(key, now) ?? this.insert(key, now);
    e.failures = Math.min(e.failures + 1, cap);
    return e.failures;
  }

  /** Failures of `key` within the window (for a table whose keys never lock). */
  failures(key: string, now: number): number {
    return this.touch(key, now)?.failures ?? 0;
  }

  /** Forgets `key` (a correct password: its failures no longer say anything). */
  forget(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    if (!this.busy(e)) this.entries.delete(key);
    else Object.assign(e, { failures: 0, names: undefined, strikes: 0, lockedUntil: 0 });
  }

  /** The entry, moved to the most recently used end and brought up to `now`; undefined if none. */
  private touch(key: string, now: number): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    this.entries.set(key, e);
    if (now - e.windowStart >= this.s.windowMs) {
      e.windowStart = now;
      e.failures = 0;
      e.names = undefined;
    }
    if (e.strikes > 0 && now - Math.max(e.lastFailure, e.lockedUntil) >= this.s.windowMs) e.strikes = 0;
    return e;
  }

  private insert(key: string, now: number): Entry {
    this.sweep(now);
    const e: Entry = { windowStart: now, failures: 0, pending: 0, strikes: 0, lockedUntil: 0, lastFailure: 0 };
    this.entries.set(key, e);
    return e;
  }

  /**
   * Before an insert: the two least recently used entries go if idle (so the table shrinks again as
   * keys go quiet), and at the cap a tenth of the table goes, least recently used first, idle or
   * not — under a flood of new keys the table forgets rather than grows. Entries with a check in
   * flight stay, and locked entries go only when nothing else is left to drop: a flood of fresh
   * addresses must not make the table forget the lock an attacker earned on a target.
   */
  private sweep(now: number): void {
    let looked = 0;
    for (const [key, e] of this.entries) {
      if (looked++ >= 2) break;
      if (this.idle(e, now)) this.entries.delete(key);
    }
    if (this.entries.size < this.s.maxEntries) return;
    let drop = Math.max(1, Math.ceil(this.s.maxEntries / 10));
    for (const spareLocked of [true, false]) {
      for (const [key, e] of this.entries) {
        if (drop === 0) return;
        if (this.busy(e) || (spareLocked && e.lockedUntil > now)) continue;
        this.entries.delete(key);
        drop--;
      }
    }
  }

  private busy(e: Entry): boolean {
    return e.pending > 0 || (e.pendingNames?.size ?? 0) > 0;
  }

  private idle(e: Entry, now: number): boolean {
    return !this.busy(e) && e.lockedUntil <= now && now - e.windowStart >= this.s.windowMs
      && (e.strikes === 0 || now - Math.max(e.lastFailure, e.lockedUntil) >= this.s.windowMs);
  }
}
