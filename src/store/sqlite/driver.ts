// better-sqlite3 driver. SQLite has one writer and better-sqlite3 is synchronous, so a
// transaction that awaits must keep every other statement out until it ends: one queue
// serialises transactions and the statements issued while one is open.
import { EventEmitter } from 'node:events';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlValue, StatementCounts } from '../sql/driver.js';
import { checkpointElsewhere, type Checkpointing } from './checkpointer.js';
import { CrossProcess } from './crossProcess.js';
import { privateDatabaseFile } from './files.js';

type Db = Database.Database;

export function openSqlite(path: string): SqlDriver {
  privateDatabaseFile(path);
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('synchronous = NORMAL');
  const shared: Shared = { queue: new Queue(), statements: new Map(), bus: new EventEmitter().setMaxListeners(0), others: new CrossProcess(db), ran: 0 };
  if (!db.memory) shared.checkpointer = offRequestPath(db, path);
  return new SqliteDriver(db, shared, false);
}

/** SQLite's automatic checkpoint, in pages of log (its default): what a store falls back to. */
const AUTOCHECKPOINT_PAGES = 1000;

/** Checkpoints from the checkpoint thread (checkpointer.ts); the store's own commits never do. */
function offRequestPath(db: Db, path: string): Checkpointing {
  const checkpointing = checkpointElsewhere(path, () => { if (db.open) db.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`); });
  db.pragma('wal_autocheckpoint = 0');
  return checkpointing;
}

class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  busy = false;
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(async () => {
      this.busy = true;
      try { return await fn(); } finally { this.busy = false; }
    });
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/** What a driver and the drivers of its transactions share. */
interface Shared {
  queue: Queue;
  statements: Map<string, Database.Statement>;
  /** Announcements within this process. */
  bus: EventEmitter;
  /** Announcements to and from other processes on the same file. */
  others: CrossProcess;
  /** Statements run, BEGIN and COMMIT included; rows written come from SQLite's total_changes(). */
  ran: number;
  /** The checkpoint thread's registration of this file (none for an in-memory database). */
  checkpointer?: Checkpointing;
}

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const;
  private readonly queue: Queue;
  constructor(private readonly db: Db, private readonly shared: Shared, private readonly inTransaction: boolean) {
    this.queue = shared.queue;
  }

  counts(): StatementCounts {
    const { n } = this.db.prepare('SELECT total_changes() AS n').get() as { n: number };
    return { statements: this.shared.ran, rowsWritten: n, checkpoints: this.shared.checkpointer?.checkpoints ?? 0 };
  }

  all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    return this.exclusive(() => this.prepare(sql).all(...params.map(bind)) as T[]);
  }

  get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    return this.exclusive(() => this.prepare(sql).get(...params.map(bind)) as T | undefined);
  }

  run(sql: string, params: readonly SqlValue[] = []): Promise<{ changes: number }> {
    return this.exclusive(() => ({ changes: this.prepare(sql).run(...params.map(bind)).changes }));
  }

  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.queue.run(async () => {
      const tx = new SqliteDriver(this.db, this.shared, true);
      this.db.exec('BEGIN IMMEDIATE');
      this.shared.ran += 2; // BEGIN, and COMMIT or ROLLBACK
      try {
        const result = await fn(tx);
        this.db.exec('COMMIT');
        return result;
      } catch (e) {
        this.db.exec('ROLLBACK');
        throw e;
      }
    });
  }

  /** One writer at a time already: every transaction holds every account. */
  async lockAccounts(): Promise<void> {}

  async notify(channel: string, payload: string): Promise<void> {
    await this.exclusive(() => this.shared.others.record(channel, payload));
    this.shared.bus.emit(channel, payload);
  }

  async notifyAll(channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length === 0) return;
    // One write for all: as one transaction of their own when none is open (SAVEPOINT inside one).
    await this.exclusive(() => this.db.transaction(() => { for (const p of payloads) this.shared.others.record(channel, p); })());
    for (const p of payloads) this.shared.bus.emit(channel, p);
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    this.shared.others.start(fn => this.exclusive(fn), (ch, payload) => this.shared.bus.emit(ch, payload));
    this.shared.bus.on(channel, onPayload);
    return async () => { this.shared.bus.off(channel, onPayload); };
  }

  async close(): Promise<void> {
    this.shared.others.stop();
    // The thread's connection first: the store's is then the last, and SQLite folds the log into
    // the database and removes it when its last connection closes.
    await this.shared.checkpointer?.close();
    await this.queue.run(async () => this.db.close());
  }

  /** Outside a transaction, a statement runs at once unless a transaction holds the queue. */
  private exclusive<T>(fn: () => T): Promise<T> {
    if (this.inTransaction || !this.queue.busy) {
      try { return Promise.resolve(fn()); } catch (e) { return Promise.reject(e); }
    }
    return this.queue.run(async () => fn());
  }

  private prepare(sql: string): Database.Statement {
    this.shared.ran++;
    let st = this.shared.statements.get(sql);
    if (!st) {
      st = this.db.prepare(sql);
      this.shared.statements.set(sql, st);
    }
    return st;
  }
}

function bind(v: SqlValue): SqlValue {
  return v instanceof Uint8Array && !Buffer.isBuffer(v) ? Buffer.from(v) : v;
}
