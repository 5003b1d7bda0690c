// The few operations the SQL store needs from a database. SQL is written once with `?`
// placeholders; each driver adapts it to its engine (pg wants $1, $2 …).

export type SqlValue = string | number | bigint | null | Buffer | Uint8Array;
export type Dialect = 'sqlite' | 'postgres';

/**
 * What a driver has sent since it opened, for benches and complexity guards (docs/performance.md):
 * statements (BEGIN and COMMIT included: each is a round trip on PostgreSQL) and rows written
 * (inserted, updated or deleted).
 */
export interface StatementCounts {
  statements: number;
  rowsWritten: number;
  /** SQLite: WAL checkpoints made off the request path (sqlite/checkpointer.ts). */
  checkpoints?: number;
}

export interface SqlDriver {
  readonly dialect: Dialect;
  /** Counts for this driver and every transaction it ran; read them, never write them. */
  counts(): StatementCounts;
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined>;
  /** Runs a statement; `changes` counts the rows it touched. */
  run(sql: string, params?: readonly SqlValue[]): Promise<{ changes: number }>;
  /** Runs `fn` in one transaction: all of it commits, or none of it (the error is rethrown). */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: holds these accounts until it ends, so writers of one account's mailbox
   * run one after another (docs/store.md, "Lock order"). A no-op where transactions already run one
   * at a time (SQLite) and outside a transaction.
   */
  lockAccounts(userIds: readonly number[]): Promise<void>;
  /** Announces `payload` to every listener of `channel`, on this node and (PostgreSQL) every other. */
  notify(channel: string, payload: string): Promise<void>;
  /** `notify` for each payload, in one statement (PostgreSQL) or one write (SQLite): a transaction's announcements. */
  notifyAll(channel: string, payloads: readonly string[]): Promise<void>;
  /** Starts listening; returns the function that stops. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
