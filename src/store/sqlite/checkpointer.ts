// WAL checkpoints off the request path (docs/store.md, "Checkpoints"). With SQLite's automatic
// checkpoint, the commit that crosses 1,000 pages of log copies them into the database and
// fsyncs it before it returns: one request in a few hundred waits for that (the MeetingResponse
// p99 tail in docs/performance.md). Here one worker thread per process checkpoints every open
// database file from its own connection, and each store's connection turns its automatic
// checkpoint off. If the thread dies, every store turns its automatic checkpoint back on.
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './checkpointWorker.js';

interface Registration { path: string; onLost: () => void; checkpoints: number }

export interface Checkpointing {
  /** Checkpoints the thread has made of this file that moved pages (for tests and benches). */
  readonly checkpoints: number;
  /** Stops checkpointing this file; resolves once the thread's connection to it is closed. */
  close(): Promise<void>;
}

let worker: Worker | undefined;
const registrations = new Set<Registration>();
const closing = new Map<number, () => void>();
let nextId = 0;

function thread(): Worker {
  if (worker) return worker;
  const w = new Worker(new URL('./checkpointWorker.js', import.meta.url));
  // The thread never keeps a process alive, except while a close waits for its answer.
  w.unref();
  w.on('message', (m: FromWorker) => {
    if (m.type === 'checkpointed') {
      for (const r of registrations) if (r.path === m.path) r.checkpoints++;
    } else if (m.type === 'unavailable') {
      for (const r of [...registrations]) {
        if (r.path !== m.path) continue;
        registrations.delete(r);
        r.onLost();
      }
    } else {
      closing.get(m.id)?.();
    }
  });
  const lost = (): void => {
    if (worker !== w) return;
    worker = undefined;
    for (const r of [...registrations]) {
      registrations.delete(r);
      r.onLost();
    }
    for (const done of [...closing.values()]) done();
  };
  w.on('error', lost);
  w.on('exit', lost);
  worker = w;
  return w;
}

/** Checkpoints `path` from the thread; `onLost` runs if the thread goes while it is registered. */
export function checkpointElsewhere(path: string, onLost: () => void): Checkpointing {
  const w = thread();
  const r: Registration = { path, onLost, checkpoints: 0 };
  registrations.add(r);
  w.postMessage({ type: 'open', path } satisfies ToWorker);
  return {
    get checkpoints() { return r.checkpoints; },
    close: () => new Promise<void>(resolve => {
      if (!registrations.delete(r) || worker !== w) return resolve();
      const id = ++nextId;
      w.ref();
      closing.set(id, () => {
        closing.delete(id);
        if (closing.size === 0) w.unref();
        resolve();
      });
      w.postMessage({ type: 'close', path, id } satisfies ToWorker);
    }),
  };
}

/** Ends the thread as if it had failed (tests): every registered store checkpoints itself again. */
export async function stopCheckpointThread(): Promise<void> {
  await worker?.terminate();
}
