// Announcements between processes on one SQLite file (docs/push.md, "Other processes").
// `convene serve` holds Pings; `convene calendar import` or `user add` write from another process.
// Every notify is also a row in `process_notifications`, written by the notifying connection (inside
// its transaction when there is one). A listening process checks `PRAGMA data_version` — which
// changes only when another connection committed — every POLL_MS, and only then reads the rows it
// has not seen yet, skipping its own (they were announced in process already).
import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';

export const POLL_MS = 250;
/** Rows older than this are pruned: a listener polls every POLL_MS, so a minute is plenty. */
const KEEP_MS = 60_000;
/** Pruning (a scan of the last minute's rows) runs at open and every this many records. */
const PRUNE_EVERY = 64;

interface NotificationRow { id: number; channel: string; payload: string; origin: string }

export class CrossProcess {
  /** Tells this connection's rows from other processes' (and other connections in this process). */
  readonly origin = randomUUID();
  private lastSeen = 0;
  private dataVersion = 0;
  private timer: NodeJS.Timeout | undefined;
  private recorded = 0;

  private readonly prune: Database.Statement;
  private readonly insert: Database.Statement;

  constructor(private readonly db: Database.Database) {
    db.exec(`CREATE TABLE IF NOT EXISTS process_notifications (
      id INTEGER PRIMARY KEY AUTOINCREMENT, channel TEXT NOT NULL, payload TEXT NOT NULL,
      origin TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    this.prune = db.prepare('DELETE FROM process_notifications WHERE created_at < ?');
    this.insert = db.prepare('INSERT INTO process_notifications (channel, payload, origin, created_at) VALUES (?, ?, ?, ?)');
    this.prune.run(Date.now() - KEEP_MS);
  }

  /** Records one announcement; runs on the notifying connection, in its transaction if any. */
  record(channel: string, payload: string): void {
    const now = Date.now();
    if (++this.recorded % PRUNE_EVERY === 0) this.prune.run(now - KEEP_MS);
    this.insert.run(channel, payload, this.origin, now);
  }

  /**
   * Starts polling (once). `read` runs a synchronous read when the connection is free (not inside
   * another statement's transaction); `deliver` hands each foreign row to the in-process listeners.
   */
  start(read: <T>(fn: () => T) => Promise<T>, deliver: (channel: string, payload: string) => void): void {
    if (this.timer) return;
    this.dataVersion = this.version();
    this.lastSeen = (this.db.prepare('SELECT max(id) AS id FROM process_notifications').get() as { id: number | null }).id ?? 0;
    let polling = false;
    this.timer = setInterval(() => {
      if (polling) return;
      polling = true;
      read(() => this.poll())
        .then(rows => { for (const r of rows) deliver(r.channel, r.payload); })
        .catch(() => undefined)
        .finally(() => { polling = false; });
    }, POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): NotificationRow[] {
    const version = this.version();
    if (version === this.dataVersion) return [];
    this.dataVersion = version;
    const rows = this.db.prepare('SELECT id, channel, payload, origin FROM process_notifications WHERE id > ? ORDER BY id')
      .all(this.lastSeen) as NotificationRow[];
    if (rows.length > 0) this.lastSeen = rows[rows.length - 1].id;
    return rows.filter(r => r.origin !== this.origin);
  }

  private version(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
