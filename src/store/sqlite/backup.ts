// Backup and restore of a SQLite store (docs/backup.md). A backup is SQLite's online backup of the
// live file — safe beside a running `convene serve`, which keeps writing (WAL) — made under a temp
// name, checked, then given its name: a backup file either is whole or is not there.
import { chmodSync, closeSync, copyFileSync, existsSync, linkSync, openSync, realpathSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { SCHEMA_VERSION } from '../sql/schema.js';

/** A refusal with its reason in one line; the CLI prints it as is (exit 1). */
export class BackupError extends Error {}

const OWNER_ONLY = 0o600;

/**
 * The schema version of the Convene store in `path`, after SQLite's integrity check (`quick` skips
 * it: the live store of a backup, whose copy is checked instead). Refuses anything else.
 */
export function conveneFileVersion(path: string, o: { quick?: boolean } = {}): number {
  if (!existsSync(path)) throw new BackupError('no such file');
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    throw notAStore(e);
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (!o.quick) {
      const problems = (db.pragma('integrity_check(1)') as { integrity_check: string }[]).map(r => r.integrity_check);
      if (problems[0] !== 'ok') {
        const first = problems[0].replace(/\*\*\* in database \w+ \*\*\*/, '').replace(/\s+/g, ' ').trim().slice(0, 200);
        throw new BackupError(`the file is damaged (SQLite integrity check: ${first})`);
      }
    }
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(r => r.name));
    if (!tables.has('schema_version') || !tables.has('users')) throw new BackupError("not a Convene store (a SQLite database without Convene's tables)");
    const version = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new BackupError(`written by a newer Convene (schema ${version}; this one knows up to ${SCHEMA_VERSION}): use that version`);
    }
    return version;
  } catch (e) {
    throw notAStore(e);
  } finally {
    db.close();
  }
}

function notAStore(e: unknown): unknown {
  const code = (e as { code?: unknown }).code;
  if (code === 'SQLITE_NOTADB') return new BackupError('not a Convene store (not a SQLite database)');
  if (code === 'SQLITE_CORRUPT') return new BackupError(`the file is damaged (SQLite: ${(e as Error).message})`);
  return e;
}

export interface BackupResult { version: number }

/** Copies the store `source` to `file` (0600); an existing `file` is replaced only with `force`. */
export async function backupSqlite(source: string, file: string, o: { force?: boolean } = {}): Promise<BackupResult> {
  if (!existsSync(source)) throw new BackupError(`no SQLite store at ${source} (--data DIR or --db sqlite:PATH names it)`);
  // --force renames over FILE: were it the live store or its WAL, a running server would lose its writes.
  if (sameStoreFile(source, file)) throw new BackupError(`${file} is the store itself or one of its files: choose another name`);
  if (!o.force && existsSync(file)) throw new BackupError(`${file} exists already: choose another name, or --force to replace it`);
  const version = conveneFileVersion(source, { quick: true });
  const temp = `${file}.${process.pid}.tmp`;
  // Made 0600 before SQLite writes a byte into it: the copy holds every password hash.
  closeSync(openSync(temp, 'wx', OWNER_ONLY));
  try {
    const db = new Database(source, { readonly: true, fileMustExist: true });
    try {
      db.pragma('busy_timeout = 5000');
      // After the first step, all remaining pages in one step: one read transaction, one snapshot,
      // never restarted by the server's writes (which a page-at-a-time backup would be).
      await db.backup(temp, { progress: () => 0x7fffffff });
    } finally {
      db.close();
    }
    // A backup is one self-contained file (no -wal beside it); then checked whole.
    const copy = new Database(temp);
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    conveneFileVersion(temp);
    chmodSync(temp, OWNER_ONLY);
    if (o.force) {
      renameSync(temp, file);
    } else {
      // link fails if `file` appeared meanwhile: never replaced without --force.
      try {
        linkSync(temp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupError(`${file} exists already: choose another name, or --force to replace it`);
        throw e;
      }
      unlinkSync(temp);
    }
    return { version };
  } finally {
    rmSync(temp, { force: true });
  }
}

/** Whether `file` is the store `source` or one of SQLite's files beside it (links resolved). */
function sameStoreFile(source: string, file: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      // Not there (yet): its directory resolved, so a symlinked data directory still compares.
      try {
        return join(realpathSync(dirname(p)), basename(p));
      } catch {
        return resolve(p);
      }
    }
  };
  const store = real(source);
  const target = real(file);
  return ['', '-wal', '-shm', '-journal'].some(suffix => target === `${store}${suffix}`);
}

export interface RestoreResult { version: number; setAside: string | undefined }

/** Where a restore keeps the store it replaces. */
export function setAsidePath(target: string): string {
  return `${target}.before-restore`;
}

/**
 * Puts the backup `file` in place of the store `target` (no server may hold it: the caller holds the
 * serve lock). The store it replaces is kept at `target.before-restore`; an older one there is
 * replaced only with `force`.
 */
export function restoreSqlite(file: string, target: string, o: { force?: boolean } = {}): RestoreResult {
  const version = conveneFileVersion(file);
  const aside = setAsidePath(target);
  const had = existsSync(target);
  if (had && existsSync(aside) && !o.force) {
    throw new BackupError(`${aside} exists (kept by an earlier restore): move it away, or --force to replace it`);
  }
  const temp = `${target}.${process.pid}.restore.tmp`;
  copyFileSync(file, temp);
  try {
    chmodSync(temp, OWNER_ONLY);
    if (had) {
      // The old store folded into one file first: its -wal must not stay beside the new one
      // (SQLite would apply it to the restored file). Fails while another process has it open.
      // One SQLite cannot read (the reason to restore, perhaps) is kept as it is, journal and all.
      const readable = foldIntoOneFile(target);
      renameSync(target, aside);
      for (const suffix of ['-wal', '-shm']) {
        if (readable) rmSync(`${target}${suffix}`, { force: true });
        else if (existsSync(`${target}${suffix}`)) renameSync(`${target}${suffix}`, `${aside}${suffix}`);
      }
    }
    for (const leftover of [`${target}-wal`, `${target}-shm`]) rmSync(leftover, { force: true });
    renameSync(temp, target);
  } finally {
    rmSync(temp, { force: true });
  }
  return { version, setAside: had ? aside : undefined };
}

/** Checkpoints the store into its main file and leaves WAL mode; false when SQLite cannot read it. */
function foldIntoOneFile(target: string): boolean {
  const busy = new BackupError(`${target} is open in another process (a convene command?): let it finish first`);
  let old: Database.Database | undefined;
  try {
    old = new Database(target, { fileMustExist: true });
    old.pragma('busy_timeout = 5000');
    old.pragma('wal_checkpoint(TRUNCATE)');
    if (old.pragma('journal_mode = DELETE', { simple: true }) !== 'delete') throw busy;
    return true;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('SQLITE_BUSY')) throw busy;
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') return false;
    throw e;
  } finally {
    old?.close();
  }
}
