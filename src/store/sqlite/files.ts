// The store holds password hashes and every mailbox: only the account that runs Convene reads it.
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

const OWNER_ONLY = 0o600;

/**
 * Creates the database file 0600 before SQLite opens it (SQLite gives its -wal and -shm files the
 * main file's mode), and narrows a file an older version left readable.
 */
export function privateDatabaseFile(path: string): void {
  if (path === '' || path === ':memory:' || path.startsWith('file:')) return;
  if (!existsSync(path)) closeSync(openSync(path, 'a', OWNER_ONLY));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    try {
      if (existsSync(file)) chmodSync(file, OWNER_ONLY);
    } catch (e) {
      // Another account's file (root running a command): its owner's server narrows it.
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e;
    }
  }
}

/** The data directory: created 0700 (an existing one keeps the mode its operator gave it). */
export function privateDirectory(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}
