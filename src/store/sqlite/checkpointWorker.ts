// The thread that checkpoints SQLite's write-ahead log (checkpointer.ts): its own connection per
// database file, a PASSIVE checkpoint (https://sqlite.org/c3ref/wal_checkpoint_v2.html: copies
// what it can without waiting for readers or writers) every INTERVAL_MS. The request path's
// connection then never pays a checkpoint's page copying and fsync on its commit.
import { parentPort } from 'node:worker_threads';
import Database from 'better-sqlite3';

const INTERVAL_MS = 200;

export type ToWorker = { type: 'open'; path: string } | { type: 'close'; path: string; id: number };
export type FromWorker = { type: 'checkpointed'; path: string } | { type: 'unavailable'; path: string } | { type: 'closed'; id: number };

/** `version`: PRAGMA data_version when last checkpointed (it changes with every commit of another connection). */
interface Open { db: Database.Database; refs: number; version: number; checkpointed: number; complete: boolean }
const open = new Map<string, Open>();
const port = parentPort!;
const say = (m: FromWorker) => port.postMessage(m);

port.on('message', (m: ToWorker) => {
  if (m.type === 'open') {
    const known = open.get(m.path);
    if (known) known.refs++;
    else {
      try {
        const db = new Database(m.path, { fileMustExist: true });
        // Never wait for the writer: a checkpoint that cannot run now runs on the next tick.
        db.pragma('busy_timeout = 0');
        open.set(m.path, { db, refs: 1, version: -1, checkpointed: 0, complete: false });
      } catch {
        // Not openable here (gone, or not readable by this connection): the stores on it must
        // checkpoint themselves, or their log would only grow.
        say({ type: 'unavailable', path: m.path });
      }
    }
    return;
  }
  const entry = open.get(m.path);
  if (entry && --entry.refs === 0) {
    open.delete(m.path);
    entry.db.close();
  }
  say({ type: 'closed', id: m.id });
});

setInterval(() => {
  for (const [path, entry] of open) {
    try {
      // Nothing committed since a complete checkpoint: nothing to do (and no lock taken).
      const version = entry.db.pragma('data_version', { simple: true }) as number;
      if (version === entry.version && entry.complete) continue;
      const [r] = entry.db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
      const moved = r!.checkpointed > 0 && (version !== entry.version || r!.checkpointed !== entry.checkpointed);
      Object.assign(entry, { version, checkpointed: r!.checkpointed, complete: r!.busy === 0 && r!.checkpointed === r!.log });
      if (moved) say({ type: 'checkpointed', path });
    } catch {
      // SQLITE_BUSY (a writer holds the lock) or the file changing under it: next tick.
    }
  }
}, INTERVAL_MS);
