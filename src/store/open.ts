// Chooses the backend: a postgres:// URL for several nodes, else SQLite in the data directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPostgres } from './postgres/driver.js';
import { openSqlStore } from './sql/SqlStore.js';
import { openSqlite } from './sqlite/driver.js';
import type { Store } from './Store.js';

export interface StoreLocation {
  /** Directory for the SQLite file and other local data. */
  dataDir: string;
  /** `postgres://…` or `postgresql://…`; `sqlite:PATH` picks a SQLite file explicitly. */
  db?: string | undefined;
}

export async function openStore(where: StoreLocation): Promise<Store> {
  const url = where.db;
  if (url && /^postgres(ql)?:\/\//.test(url)) return openSqlStore(openPostgres(url));
  if (url && !url.startsWith('sqlite:')) throw new Error(`--db must be postgres://… or sqlite:PATH, not "${url}"`);
  mkdirSync(where.dataDir, { recursive: true });
  const path = url ? url.slice('sqlite:'.length) : join(where.dataDir, 'convene.db');
  return openSqlStore(openSqlite(path));
}
