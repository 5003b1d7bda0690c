// pg driver for several Convene nodes over one PostgreSQL. BIGINT columns come back as
// numbers (our ids and sequences stay far below 2^53).
import pg from 'pg';
import type { SqlDriver, SqlValue } from '../sql/driver.js';

pg.types.setTypeParser(20, v => Number(v));

type Queryable = pg.Pool | pg.PoolClient;

export function openPostgres(url: string): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client that loses its server must not take the process down with it.
  pool.on('error', () => undefined);
  return new PostgresDriver(pool, pool, false, new Listener(url));
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

class PostgresDriver implements SqlDriver {
  readonly dialect = 'postgres' as const;

  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Queryable,
    private readonly inTransaction: boolean,
    private readonly listener: Listener,
  ) {}

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const res = await this.db.query(toPg(sql), params as unknown[]);
    return res.rows as T[];
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    const res = await this.db.query(toPg(sql), params as unknown[]);
    return { changes: res.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(new PostgresDriver(this.pool, client, true, this.listener));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async notify(channel: string, payload: string): Promise<void> {
    await this.db.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    return this.listener.add(channel, onPayload);
  }

  async close(): Promise<void> {
    if (this.inTransaction) return;
    await this.listener.close();
    await this.pool.end();
  }
}
