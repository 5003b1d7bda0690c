// SQLite's WAL is checkpointed by the checkpoint thread, not by the commits of the request path
// (src/store/sqlite/checkpointer.ts, docs/store.md "Checkpoints"): the log stays bounded while
// batches are written, every row stays, the log is folded in and removed when the store closes,
// and if the thread goes the store checkpoints itself again. Waits poll counts, never clocks.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { stopCheckpointThread } from '../../src/store/sqlite/checkpointer.js';
import { openSqlite } from '../../src/store/sqlite/driver.js';
import type { SqlDriver } from '../../src/store/sql/driver.js';

const dir = mkdtempSync(join(tmpdir(), 'convene-wal-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const BATCHES = 25;
const ROWS = 400;
const ROW_BYTES = 3000;
const BATCH_BYTES = ROWS * ROW_BYTES;

const size = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
const checkpoints = (db: SqlDriver): number => db.counts().checkpoints ?? 0;
async function until(what: string, done: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; !(await done()); i++) {
    if (i > 6000) throw new Error(`still waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}
const autocheckpoint = async (db: SqlDriver) => (await db.get<{ wal_autocheckpoint: number }>('PRAGMA wal_autocheckpoint'))!.wal_autocheckpoint;

async function writeBatch(db: SqlDriver, batch: number): Promise<void> {
  await db.transaction(async tx => {
    for (let i = 0; i < ROWS; i++) await tx.run('INSERT INTO t (batch, body) VALUES (?, ?)', [batch, 'x'.repeat(ROW_BYTES)]);
  });
}

describe('SQLite WAL checkpoints off the request path', () => {
  it('the log stays within a few batches while the thread checkpoints; rows intact; the log goes at close', async () => {
    const path = join(dir, 'a.sqlite');
    const db = openSqlite(path);
    assert.equal(await autocheckpoint(db), 0, 'the store\'s commits never checkpoint');
    await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER, body TEXT)');
    let peak = 0;
    for (let b = 0; b < BATCHES; b++) {
      const before = checkpoints(db);
      await writeBatch(db, b);
      peak = Math.max(peak, size(`${path}-wal`));
      // Each batch waits for the thread to checkpoint it, as the passing time would.
      await until('a checkpoint of the batch', () => checkpoints(db) > before);
    }
    assert.ok(peak < 4 * BATCH_BYTES, `WAL peaked at ${peak} bytes for batches of ${BATCH_BYTES}`);
    assert.ok(checkpoints(db) >= BATCHES);
    assert.deepEqual(await db.get('SELECT COUNT(*) AS n, COUNT(DISTINCT batch) AS b FROM t'), { n: BATCHES * ROWS, b: BATCHES });
    await db.close();
    assert.equal(existsSync(`${path}-wal`), false, 'folded in and removed by the last connection');
    const again = openSqlite(path);
    assert.deepEqual(await again.get('SELECT COUNT(*) AS n FROM t'), { n: BATCHES * ROWS });
    await again.close();
  });

  it('two stores share the thread; if it goes, each store checkpoints itself again', async () => {
    const [a, b] = [openSqlite(join(dir, 'b1.sqlite')), openSqlite(join(dir, 'b2.sqlite'))];
    for (const db of [a, b]) {
      assert.equal(await autocheckpoint(db), 0);
      await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, batch INTEGER, body TEXT)');
      await writeBatch(db, 0);
    }
    await until('both checkpointed', () => checkpoints(a) > 0 && checkpoints(b) > 0);
    await stopCheckpointThread();
    await until('automatic checkpoints back on', async () => (await autocheckpoint(a)) > 0 && (await autocheckpoint(b)) > 0);
    await writeBatch(a, 1);
    await a.close();
    await b.close();
    // A store opened afterwards starts a new thread.
    const c = openSqlite(join(dir, 'b1.sqlite'));
    assert.equal(await autocheckpoint(c), 0);
    await writeBatch(c, 2);
    await until('the new thread checkpoints', () => checkpoints(c) > 0);
    assert.deepEqual(await c.get('SELECT COUNT(*) AS n FROM t'), { n: 3 * ROWS });
    await c.close();
  });
});
