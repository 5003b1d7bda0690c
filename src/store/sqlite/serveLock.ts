// One `convene serve` per SQLite store: a second one would hold its own Pings, which writes through
// the first never wake (docs/store.md, "One server per SQLite file"). The lock is a file next to the
// database holding the server's PID, created atomically (link of a finished temp file, so nobody
// reads it half-written). A lock whose PID is dead — a crash, kill -9 — is taken over.
import { linkSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';

export interface ServeLock {
  readonly path: string;
  release(): void;
}

/** Error with a `code`, so the CLI prints its one-line message (exit 1) rather than a stack. */
export class StoreLockedError extends Error {
  readonly code = 'ELOCKED';
}

export function lockPathFor(databasePath: string): string {
  return `${databasePath}.serve.lock`;
}

export function takeServeLock(databasePath: string): ServeLock {
  const path = lockPathFor(databasePath);
  const mine = `${process.pid}\n`;
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, mine, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const holder = readHolder(path);
      if (holder !== undefined && holder !== process.pid && alive(holder)) {
        throw new StoreLockedError(`the store ${databasePath} is in use by convene serve PID ${holder}` +
          ` (lock ${path}); stop that one first — only one server per SQLite store`);
      }
      setAside(path, holder);
    }
  } finally {
    unlinkSync(temp);
  }
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.off('exit', release);
    // Only our own lock: never remove one another server took over after us.
    if (readHolder(path) === process.pid) {
      try { unlinkSync(path); } catch { /* gone already */ }
    }
  };
  process.on('exit', release);
  return { path, release };
}

/** Moves a stale lock away; if another starter replaced it meanwhile, puts theirs back. */
function setAside(path: string, staleHolder: number | undefined): void {
  const aside = `${path}.${process.pid}.stale`;
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (readHolder(aside) !== staleHolder) {
    try { linkSync(aside, path); } catch { /* a third starter holds it: the next attempt sees it */ }
  }
  unlinkSync(aside);
}

function readHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, run by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
