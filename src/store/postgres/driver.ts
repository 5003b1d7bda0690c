// pg driver for several Convene nodes over one PostgreSQL. BIGINT columns come back as
// numbers (our ids and sequences stay far below 2^53).
import pg from 'pg';
import type { SqlDriver, SqlValue, StatementCounts } from '../sql/driver.js';

pg.types.setTypeParser(20, v => Number(v));

type Queryable = pg.Pool | pg.PoolClient;

export function openPostgres(url: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not take the process down with it.
  pool.on('error', () => undefined);
  return new PostgresDriver(pool, pool, undefined, new Listener(url));
}

/** One LISTEN connection per node, re-established when it drops. */
class Listener {
  private client: pg.Client | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private closed = false;

  constructor(private readonly url: string) {}

  async add(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>> {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      if (this.client) await this.client.query(`LISTEN ${channel}`);
    }
    set.add(fn);
    if (!this.client) await this.connect();
    return async () => { set.delete(fn); };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    this.client = client;
    client.on('notification', n => {
      for (const fn of this.handlers.get(n.channel) ?? []) fn(n.payload ?? '');
    });
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
      if (!this.closed) setTimeout(() => void this.connect().catch(() => undefined), 1000).unref();
    });
    await client.connect();
    for (const channel of this.handlers.keys()) await client.query(`LISTEN ${channel}`);
  }
}

const converted = new Map<string, string>();

/** `?` → `$n`. Our SQL never has a `?` inside a string literal. */
function toPg(sql: string): string {
  let out = converted.get(sql);
  if (out === undefined) {
    let n = 0;
    out = sql.replace(/\?/g, () => `$${++n}`);
    converted.set(sql, out);
  }
  return out;
}

/**
 * Statements with parameters are prepared once per connection and named by their text, so that the
 * hot ones (a no-change Sync's reads) are not parsed and planned again on every use. Bounded: texts
 * with many parameters (IN lists of every length) and texts past the first PREPARED_MAX go unnamed.
 */
const PREPARED_MAX = 2000;
const PREPARED_MAX_PARAMS = 16;
const prepared = new Map<string, string>();

function statementName(sql: string, params: number): string | undefined {
  if (params === 0 || params > PREPARED_MAX_PARAMS) return undefined;
  let name = prepared.get(sql);
  if (name === undefined && prepared.size < PREPARED_MAX) {
    name = `convene_${prepared.size}`;
    prepared.set(sql, name);
  }
  return name;
}

/** SQLSTATEs after which the whole transaction may simply run again: serialization_failure, deadlock_detected. */
const RETRYABLE = new Set(['40001', '40P01']);
/** Attempts per transaction (or lone statement) before a retryable failure reaches the caller. */
const MAX_ATTEMPTS = 8;
/** Advisory-lock namespace of account locks (the two-int key space; migrations use the one-bigint space). */
const ACCOUNT_LOCKS = 0x436f6e76; // "Conv"

/** Announcements sent per statement by notifyAll. */
const NOTIFY_CHUNK = 1000;

/** The command tags of statements that write rows. */
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

function isRetryable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && RETRYABLE.has((e as { code?: string }).code ?? '');
}

/** Full-jitter exponential back-off: 0…5 ms, 0…10 ms, … capped at 160 ms. */
function backOff(attempt: number): Promise<void> {
  const ms = Math.random() * Math.min(160, 5 * 2 ** (attempt - 1));
  return new Promise(resolve => setTimeout(resolve, ms));
}

/** Thrown by `lockAccounts` when an account below one already held is wanted: the run starts over. */
class LockOrderRestart extends Error {
  constructor() {
    super('account locks wanted out of order; the transaction runs again with all of them taken first');
  }
}

/** What one top-level transaction learns across its runs, and what one run holds. */
interface Run {
  /** Every account any run of this transaction locked: taken first, ascending, by the next run. */
  readonly wanted: Set<number>;
  readonly held: Set<number>;
  /** The first statement that failed in this run (PostgreSQL then refuses the rest until ROLLBACK). */
  failure?: unknown;
}

/** Counters a test or an operator may read: how often transactions ran again, and why. */
export interface RetryStats { deadlocks: number; serialization: number; lockOrder: number; exhausted: number }

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Queryable,
    private readonly run_: Run | undefined,
    private readonly listener: Listener,
    readonly stats: RetryStats = { deadlocks: 0, serialization: 0, lockOrder: 0, exhausted: 0 },
    private readonly counted: StatementCounts = { statements: 0, rowsWritten: 0 },
  ) {}

  counts(): StatementCounts {
    return { ...this.counted };
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  /**
   * Runs `fn` in one transaction (READ COMMITTED). A deadlock or serialization failure rolls it
   * back and runs all of `fn` again (bounded, with jittered back-off), as does an account lock
   * wanted out of order: so `fn` must do nothing but SQL that a rollback would not undo (docs/store.md).
   */
  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.run_) return fn(this);
    const wanted = new Set<number>();
    for (let attempt = 1; ; attempt++) {
      const run: Run = { wanted, held: new Set() };
      try {
        return await this.attempt(fn, run);
      } catch (e) {
        const failure = run.failure ?? e;
        if (failure instanceof LockOrderRestart) {
          // Each restart adds an account to `wanted`, so there are at most as many as accounts touched.
          this.stats.lockOrder++;
          attempt--;
          continue;
        }
        if (!isRetryable(failure)) throw e;
        if ((failure as { code: string }).code === '40P01') this.stats.deadlocks++; else this.stats.serialization++;
        if (attempt >= MAX_ATTEMPTS) {
          this.stats.exhausted++;
          throw failure;
        }
        await backOff(attempt);
      }
    }
  }

  private async attempt<T>(fn: (tx: SqlDriver) => Promise<T>, run: Run): Promise<T> {
    const client = await this.pool.connect();
    try {
      this.counted.statements++;
      await client.query('BEGIN');
      const tx = new PostgresDriver(this.pool, client, run, this.listener, this.stats, this.counted);
      await tx.lockAccounts([...run.wanted]);
      const result = await fn(tx);
      // A failed statement that `fn` caught still aborted the transaction: COMMIT would roll back.
      if (run.failure !== undefined) throw run.failure;
      this.counted.statements++;
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  /**
   * Transaction-scoped advisory locks, one per account, always waited for in ascending id order: an
   * account below the highest already held is taken only when it is free at once; when it is not,
   * the run starts over and takes them all first, in order. Outside a transaction there is nothing to hold a lock for.
   */
  async lockAccounts(userIds: readonly number[]): Promise<void> {
    const run = this.run_;
    if (!run) return;
    const ids = [...new Set(userIds)].filter(id => !run.held.has(id)).sort((a, b) => a - b);
    if (ids.length === 0) return;
    for (const id of ids) run.wanted.add(id);
    const highest = Math.max(-Infinity, ...run.held);
    // Below the highest held: taken only if free right now (waiting could deadlock). Restarting on
    // every such account would re-run the work once per recipient: quadratic for a long list.
    // One statement for all of them: a lock taken here that the restart does not need is released
    // by its rollback.
    const below = ids.filter(id => id < highest);
    if (below.length) {
      const got = await this.query('SELECT pg_try_advisory_xact_lock(?, k) AS ok FROM unnest(?::int[]) AS k', [ACCOUNT_LOCKS, below as unknown as SqlValue]);
      if (got.rows.length !== below.length || !(got.rows as { ok: boolean }[]).every(r => r.ok)) {
        run.failure ??= new LockOrderRestart();
        throw run.failure;
      }
      for (const id of below) run.held.add(id);
    }
    const waited = ids.filter(id => id > highest);
    if (waited.length === 1) await this.query('SELECT pg_advisory_xact_lock(?, ?)', [ACCOUNT_LOCKS, waited[0]]);
    // Many (a meeting's local attendees): one statement, in ascending order by its ORDER BY — a
    // volatile function in the select list is evaluated after the sort (PostgreSQL 9.6+), so the
    // order is the query's, not an accident of unnest's plan.
    else if (waited.length > 1) await this.query('SELECT pg_advisory_xact_lock(?, k) FROM unnest(?::int[]) AS k ORDER BY k', [ACCOUNT_LOCKS, waited as unknown as SqlValue]);
    for (const id of waited) run.held.add(id);
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.query('SELECT pg_notify(?, ?)', [channel, payload]);
  }

  async notifyAll(channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 1) return this.notify(channel, payloads[0]);
    for (let i = 0; i < payloads.length; i += NOTIFY_CHUNK) {
      await this.query('SELECT pg_notify(?, p) FROM unnest(?::text[]) AS p', [channel, payloads.slice(i, i + NOTIFY_CHUNK) as unknown as SqlValue]);
    }
  }

  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    return this.listener.add(channel, onPayload);
  }

  async close(): Promise<void> {
    if (this.run_) return;
    await this.listener.close();
    await this.pool.end();
  }

  /** In a transaction: remembers the first failure. Alone: a statement that deadlocked runs again. */
  private async query(sql: string, params: readonly SqlValue[]): Promise<pg.QueryResult> {
    for (let attempt = 1; ; attempt++) {
      try {
        this.counted.statements++;
        const name = statementName(sql, params.length);
        const result = await this.db.query(name ? { name, text: toPg(sql), values: params as unknown[] } : { text: toPg(sql), values: params as unknown[] });
        if (WRITES.has(result.command)) this.counted.rowsWritten += result.rowCount ?? 0;
        return result;
      } catch (e) {
        if (this.run_) {
          this.run_.failure ??= e;
          throw e;
        }
        if (!isRetryable(e) || attempt >= MAX_ATTEMPTS) throw e;
        await backOff(attempt);
      }
    }
  }
}
