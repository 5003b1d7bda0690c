// `convene migrate --to postgres://…`: from one SQLite node to PostgreSQL (and so to several nodes)
// without a device noticing: the whole store, sync state included, copied once (docs/backup.md).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { copySqliteToPostgres, MigrateError } from '../store/copyToPostgres.js';
import { sqlitePath } from '../store/open.js';
import { openPostgres } from '../store/postgres/driver.js';
import { repairStoredText } from '../sync/textRepair.js';
import { holdStore } from './backup.js';
import { CliError, redactedUrl, step } from './errors.js';
import { openStoreOrExplain, parse, STORE_FLAGS, storeLocation, UsageError } from './options.js';

export const MIGRATE_HELP = `convene migrate --to postgres://USER:PASSWORD@HOST/DATABASE
  Copies the SQLite store — accounts, items, sync state, the outbound queue, keys — into an empty
  PostgreSQL database in one transaction; devices keep syncing with their SyncKeys. Stop the server
  first; then start it with --db and the same URL. The SQLite store is left as it was.
  Takes --data DIR / --db sqlite:PATH (CONVENE_DATA / CONVENE_DB) to choose the SQLite store.`;

const FLAGS = { ...STORE_FLAGS, to: { type: 'string' } } as const;

export async function migrateCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, FLAGS);
  if (positionals.length > 0) throw new UsageError(`migrate takes no "${positionals[0]}": the target is --to URL (convene migrate --help)`);
  const to = values.to;
  if (to === undefined) throw new UsageError('--to postgres://USER:PASSWORD@HOST/DATABASE is needed (convene migrate --help)');
  if (!/^postgres(ql)?:\/\/./.test(to)) throw new UsageError(`--to takes postgres://USER:PASSWORD@HOST/DATABASE, not "${redactedUrl(to)}"`);
  try {
    new URL(to);
  } catch {
    throw new UsageError('--to: the PostgreSQL URL is not a valid URL (a special character in the password must be %-encoded)');
  }
  const where = storeLocation(values);
  const path = sqlitePath(where);
  if (path === undefined) throw new UsageError('the store is PostgreSQL already: migrate copies a SQLite store (--data DIR or --db sqlite:PATH)');
  const source = resolve(path);
  if (!existsSync(source)) throw new CliError(`no SQLite store at ${source} (--data DIR or --db sqlite:PATH names it)`);
  const lock = await holdStore(source, 'migrate');
  try {
    // The source brought to this version's schema, its text repaired — as `serve` would on start.
    const store = await openStoreOrExplain(where);
    try {
      await repairStoredText(store);
    } finally {
      await store.close();
    }
    const target = openPostgres(to);
    const named = `PostgreSQL ${redactedUrl(to)}`;
    try {
      const copied = await step(`cannot migrate to ${named}`, async () => {
        try {
          return await copySqliteToPostgres(source, target);
        } catch (e) {
          if (e instanceof MigrateError) throw new CliError(`cannot migrate to ${named}: ${e.message}`);
          throw e;
        }
      });
      const count = (name: string) => copied.find(t => t.name === name)?.rows ?? 0;
      console.log(`Copied ${source} to ${named}: ${count('users')} accounts, ${count('devices')} devices, ${count('items')} items`
        + ` (tombstones included), ${count('outbound_queue')} queued messages; ${copied.length} tables in all.`);
      console.log('Start the server on it with --db (or CONVENE_DB) set to that URL; devices continue where they were.');
    } finally {
      await target.close();
    }
  } finally {
    lock.release();
  }
}
