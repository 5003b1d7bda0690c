// The PostgreSQL driver's transaction boundary on a real server (docs/store.md, "Lock order"): a
// deadlock runs the whole transaction again, account locks are taken in ascending order (an
// out-of-order one restarts the run with all of them first), a failure the function swallowed still
// rolls back, and a run that rolled back announces nothing.
import assert from 'node:assert/strict';
import pg from 'pg';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '../../src/accounts/accounts.js';
import { openPostgres } from '../../src/store/postgres/driver.js';
import type { SqlDriver } from '../../src/store/sql/driver.js';
import { openSqlStore } from '../../src/store/sql/SqlStore.js';
import { FolderType } from '../../src/store/types.js';
import { postgresBackend, type Backend } from '../helpers/stores.js';

/** Resolves when `n` callers have arrived: two transactions meet in the middle. */
function barrier(n: number): () => Promise<void> {
  let arrived = 0;
  let open!: () => void;
  const opened = new Promise<void>(r => { open = r; });
  return async () => {
    if (++arrived === n) open();
    await opened;
  };
}

describe('PostgreSQL transactions', () => {
  let backend: Backend;
  let db: SqlDriver;

  before(async () => {
    backend = await postgresBackend();
    db = openPostgres(backend.db!);
    await db.run('CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
    await db.run('INSERT INTO t (id, v) VALUES (1, 0), (2, 0)');
  });
  after(async () => {
    await db.close();
    await backend.dispose();
  });

  it('a deadlock (40P01) runs the losing transaction again: both commit, no error reaches the caller', async () => {
    const meet = barrier(2);
    let runs = 0;
    const cross = (first: number, second: number) => db.transaction(async tx => {
      runs++;
      await tx.run('UPDATE t SET v = v + 1 WHERE id = ?', [first]);
      await meet();
      await tx.run('UPDATE t SET v = v + 1 WHERE id = ?', [second]);
    });
    await Promise.all([cross(1, 2), cross(2, 1)]);
    assert.equal(runs, 3, 'one of the two ran twice');
    assert.deepEqual((await db.all<{ v: number }>('SELECT v FROM t ORDER BY id')).map(r => r.v), [2, 2]);
  });

  it('account locks: one wanted below one held is taken at once when free, without running anything again', async () => {
    const calls: number[][] = [];
    await db.transaction(async tx => {
      calls.push([]);
      await tx.lockAccounts([5]);
      calls.at(-1)!.push(5);
      await tx.lockAccounts([3]);
      calls.at(-1)!.push(3);
    });
    assert.deepEqual(calls, [[5, 3]]);
  });

  it('account locks: one wanted below one held and busy restarts the run, which takes both first, ascending', async () => {
    // Another session holds account 3: waiting for it while holding 5 could deadlock.
    const other = new pg.Client({ connectionString: backend.db! });
    await other.connect();
    await other.query('BEGIN');
    await other.query('SELECT pg_advisory_xact_lock($1, 3)', [0x436f6e76]);
    const calls: number[][] = [];
    const done = db.transaction(async tx => {
      calls.push([]);
      await tx.lockAccounts([5]);
      calls.at(-1)!.push(5);
      if (calls.length === 1) setTimeout(() => void other.query('COMMIT'), 50);
      await tx.lockAccounts([3]);
      calls.at(-1)!.push(3);
    });
    await done;
    await other.end();
    assert.deepEqual(calls, [[5], [5, 3]]);
  });

  it('account locks serialise: the second transaction reads what the first committed', async () => {
    await db.run('UPDATE t SET v = 0 WHERE id = 1');
    const increment = () => db.transaction(async tx => {
      await tx.lockAccounts([7]);
      const { v } = (await tx.get<{ v: number }>('SELECT v FROM t WHERE id = 1'))!;
      await new Promise(r => setTimeout(r, 20));
      await tx.run('UPDATE t SET v = ? WHERE id = 1', [v + 1]);
    });
    await Promise.all([increment(), increment(), increment()]);
    assert.equal((await db.get<{ v: number }>('SELECT v FROM t WHERE id = 1'))!.v, 3, 'no lost update');
  });

  it('a failed statement the function caught still fails the transaction (nothing commits)', async () => {
    await assert.rejects(db.transaction(async tx => {
      await tx.run('UPDATE t SET v = 100 WHERE id = 2');
      await tx.run('INSERT INTO t (id, v) VALUES (1, 1)').catch(() => undefined);
      return 'swallowed';
    }), (e: { code?: string }) => e.code === '23505');
    assert.notEqual((await db.get<{ v: number }>('SELECT v FROM t WHERE id = 2'))!.v, 100);
  });
});

describe('a store transaction that runs again', () => {
  it('announces the changes of its committed run only', async () => {
    const backend = await postgresBackend();
    const store = await openSqlStore(openPostgres(backend.db!));
    try {
      const a = await createAccount(store, { email: 'a@example.com', password: 'correct horse battery' });
      const b = await createAccount(store, { email: 'b@example.com', password: 'correct horse battery' });
      const [first, second] = [Math.max(a.id, b.id), Math.min(a.id, b.id)];
      const inbox = async (id: number) => (await store.listFolders(id)).find(f => f.type === FolderType.Inbox)!.id;
      const heard: string[] = [];
      store.changes.subscribe(e => heard.push(`${e.userId}/${e.folderId}`));
      await new Promise(r => setTimeout(r, 100)); // the LISTEN connection is up
      let runs = 0;
      // Another session holds the lower account, so the first run cannot take it without waiting.
      const other = new pg.Client({ connectionString: backend.db! });
      await other.connect();
      await other.query('BEGIN');
      await other.query('SELECT pg_advisory_xact_lock($1, $2)', [0x436f6e76, second]);
      await store.transaction(async tx => {
        runs++;
        // The higher account first, then the lower: the first run restarts after its first write.
        await tx.addItem(first, await inbox(first), { class: 'Email', props: [['Email:Subject', `run ${runs}`]] });
        if (runs === 1) setTimeout(() => void other.query('COMMIT'), 50);
        await tx.addItem(second, await inbox(second), { class: 'Email', props: [['Email:Subject', `run ${runs}`]] });
      });
      await other.end();
      assert.equal(runs, 2);
      assert.equal((await store.liveItemIds(await inbox(first))).length, 1, 'the first run wrote nothing that stayed');
      for (let i = 0; i < 50 && heard.length < 2; i++) await new Promise(r => setTimeout(r, 20));
      assert.deepEqual(heard.sort(), [`${first}/${await inbox(first)}`, `${second}/${await inbox(second)}`].sort());
    } finally {
      await store.close();
      await backend.dispose();
    }
  });
});
