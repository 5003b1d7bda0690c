// Chooses the backend: a postgres:// URL for several nodes, else SQLite in the data directory.
import { join } from 'node:path';
import { openPostgres } from './postgres/driver.js';
import { openSqlStore } from './sql/SqlStore.js';
import { openSqlite } from './sqlite/driver.js';
import { privateDirectory } from './sqlite/files.js';
import type { Store } from './Store.js';

export interface StoreLocation {
  /** Directory for the SQLite file and other local data. */
  dataDir: string;
  /** `postgres://…` or `postgresql://…`; `sqlite:PATH` picks a SQLite file explicitly. */
  db?: string | undefined;
}

export async function openStore(where: StoreLocation): Promise<Store> {
  const path = sqlitePath(where);
  if (path === undefined) return openSqlStore(openPostgres(where.db!));
  privateDirectory(where.dataDir);
  return openSqlStore(openSqlite(path));
}

/** The SQLite file this location names, or undefined for PostgreSQL. */
export function sqlitePath(where: StoreLocation): string | undefined {
  const url = where.db;
  if (url && /^postgres(ql)?:\/\//.test(url)) return undefined;
  if (url && !url.startsWith('sqlite:')) throw new Error(`--db must be postgres://… or sqlite:PATH, not "${url}"`);
  return url ? url.slice('sqlite:'.length) : join(where.dataDir, 'convene.db');
}
