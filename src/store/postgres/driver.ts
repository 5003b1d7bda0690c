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
  return new PostgresDriver(pool, pool);
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

  constructor(private readonly pool: pg.Pool, private readonly db: Queryable, private readonly inTransaction = false) {}

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
      const result = await fn(new PostgresDriver(this.pool, client, true));
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (!this.inTransaction) await this.pool.end();
  }
}
