// The store backends every contract test runs against: SQLite in a temp directory and a
// fresh database on the PostgreSQL at CONVENE_TEST_PG, which `npm test` sets (to an embedded
// server it starts when none is given: scripts/test-postgres.js, docs/testing.md).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/Store.js';

/** The admin URL of the test PostgreSQL; read when a backend is made, so a runner may set it late. */
export function pgAdminUrl(): string {
  const url = process.env.CONVENE_TEST_PG;
  if (!url) {
    throw new Error('CONVENE_TEST_PG is not set: run the tests with `npm test` (it starts an embedded PostgreSQL), '
      + 'or set CONVENE_TEST_PG to a server, e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres');
  }
  return url;
}

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** What `--db` would be for this backend (undefined: SQLite in dataDir). */
  db: string | undefined;
  dataDir: string;
  open(): Promise<Store>;
  dispose(): Promise<void>;
}

export async function sqliteBackend(): Promise<Backend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  return {
    name: 'sqlite', db: undefined, dataDir,
    open: () => openStore({ dataDir }),
    dispose: async () => rmSync(dataDir, { recursive: true, force: true }),
  };
}

export async function postgresBackend(): Promise<Backend> {
  const adminUrl = pgAdminUrl();
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-test-'));
  const name = `convene_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name: 'postgres', db: url.toString(), dataDir,
    open: () => openStore({ dataDir, db: url.toString() }),
    dispose: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export const BACKENDS = [sqliteBackend, postgresBackend];
