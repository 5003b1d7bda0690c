// `convene backup FILE` and `convene restore FILE` for a SQLite store; a PostgreSQL store is saved
// and restored with pg_dump / pg_restore (docs/backup.md).
import { dirname, resolve } from 'node:path';
import { sqlitePath, type StoreLocation } from '../store/open.js';
import { backupSqlite, BackupError, restoreSqlite } from '../store/sqlite/backup.js';
import { privateDirectory } from '../store/sqlite/files.js';
import { StoreLockedError, takeServeLock } from '../store/sqlite/serveLock.js';
import { CliError, step } from './errors.js';
import { openStoreOrExplain, parse, STORE_FLAGS, storeLocation, UsageError } from './options.js';

export const BACKUP_HELP = `convene backup FILE [--force]
  A consistent copy of the SQLite store in one file (0600), safe while "convene serve" runs;
  --force replaces an existing FILE. A PostgreSQL store: pg_dump (docs/backup.md).
  Takes --data DIR / --db sqlite:PATH (CONVENE_DATA / CONVENE_DB) to choose the store.`;

export const RESTORE_HELP = `convene restore FILE [--force]
  Puts a backup in place of the SQLite store; the server must be stopped. FILE is checked first
  (a Convene store, SQLite integrity check); the store it replaces is kept as convene.db.before-restore
  (--force replaces one kept earlier). A PostgreSQL store: pg_restore (docs/backup.md).
  Takes --data DIR / --db sqlite:PATH (CONVENE_DATA / CONVENE_DB) to choose the store.`;

const FLAGS = { ...STORE_FLAGS, force: { type: 'boolean' } } as const;

export async function backupCommand(args: string[]): Promise<void> {
  const { file, force, where } = arguments_(args, 'backup');
  const source = sqliteOnly(where, 'backup');
  const target = resolve(file);
  await refusals(`cannot back up ${source}`, () => backupSqlite(source, target, { force }));
  console.log(`Backed up ${source} to ${target}.`);
}

export async function restoreCommand(args: string[]): Promise<void> {
  const { file, force, where } = arguments_(args, 'restore');
  const target = sqliteOnly(where, 'restore');
  const backup = resolve(file);
  await step('cannot use the data directory', () => (where.db ? undefined : privateDirectory(where.dataDir)));
  const lock = await holdStore(target, 'restore');
  try {
    const result = await refusals(`cannot restore ${backup}`, () => restoreSqlite(backup, target, { force }));
    // An older backup is brought to this version's schema now, not at the next start.
    const store = await openStoreOrExplain(where);
    await store.close();
    console.log(`Restored ${backup} into ${target}.${result.setAside ? ` The store it replaced is kept at ${result.setAside}.` : ''}`);
  } finally {
    lock.release();
  }
}

function arguments_(args: string[], command: 'backup' | 'restore'): { file: string; force: boolean; where: StoreLocation } {
  const { values, positionals } = parse(args, FLAGS);
  if (positionals.length === 0) throw new UsageError(`a FILE is needed: convene ${command} FILE (convene ${command} --help)`);
  if (positionals.length > 1) throw new UsageError(`one FILE only, not "${positionals.join(' ')}"`);
  return { file: positionals[0], force: values.force ?? false, where: storeLocation(values) };
}

/** The SQLite file; a PostgreSQL store is pointed to its own tools (one line, exit 2). */
function sqliteOnly(where: StoreLocation, command: 'backup' | 'restore'): string {
  const path = sqlitePath(where);
  if (path !== undefined) return resolve(path);
  throw new UsageError(command === 'backup'
    ? 'a PostgreSQL store is backed up with pg_dump: pg_dump --format=custom --file FILE "$CONVENE_DB" (docs/backup.md)'
    : 'a PostgreSQL store is restored with pg_restore: pg_restore --clean --if-exists --no-owner --dbname "$CONVENE_DB" FILE (docs/backup.md)');
}

/** The serve lock for the time of the change: no server starts on a half-replaced store. */
export async function holdStore(path: string, what: string): Promise<{ release(): void }> {
  return step(`cannot ${what} ${path}`, () => {
    try {
      return takeServeLock(path);
    } catch (e) {
      if (e instanceof StoreLockedError) throw new CliError(`cannot ${what}: ${e.message}`);
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`cannot ${what}: the directory ${dirname(path)} does not exist`);
      throw e;
    }
  });
}

/** A refusal of the store layer becomes its one line; a failing file or disk is worded by `step`. */
async function refusals<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  return step(what, async () => {
    try {
      return await run();
    } catch (e) {
      if (e instanceof BackupError) throw new CliError(`${what}: ${e.message}`);
      throw e;
    }
  });
}
