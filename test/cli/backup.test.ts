// `convene backup` and `convene restore` as an operator runs them: a backup taken while the server
// runs and writes, restored into a stopped one; every refusal one line and a non-zero exit.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { FolderType } from '../../src/store/types.js';
import { assertOneLine, runCli, spawnServe, type Serving } from '../helpers/cli.js';
import { event } from '../helpers/items.js';
import { postgresBackend } from '../helpers/stores.js';

const root = mkdtempSync(join(tmpdir(), 'convene-backup-'));
const servers: Serving[] = [];
after(() => {
  for (const s of servers) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});
let n = 0;
const fresh = (name: string): string => join(root, `${name}${++n}`);

async function serve(dir: string): Promise<Serving> {
  const s = await spawnServe(['--data', dir, '--drain-seconds', '0', '--log-level', 'warn']);
  servers.push(s);
  return s;
}

async function stop(s: Serving): Promise<void> {
  s.process.kill('SIGTERM');
  assert.equal((await s.exited).code, 0, s.output());
}

/** Rows of one table in a SQLite file, read as nothing else would change it. */
function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

async function addUser(dir: string, email: string): Promise<void> {
  const r = await runCli(['user', 'add', email, '--password', 'secret-pass-1', '--data', dir]);
  assert.equal(r.code, 0, r.err);
}

describe('convene backup and restore (SQLite)', () => {
  it('backs up while serve runs and a device writes, then restores into the stopped store', async () => {
    const dir = fresh('live');
    await addUser(dir, 'ann@example.com');
    const server = await serve(dir);
    const file = join(root, 'live.backup');
    let itemsAtBackup: number;
    try {
      const client = new EasClient({ baseUrl: server.url, user: 'ann@example.com', password: 'secret-pass-1', deviceId: 'BACKUP1' });
      const folders = new FolderHierarchyMirror(client);
      await folders.sync();
      const calendar = new CollectionMirror(client, folders.byType(FolderType.Calendar)!.serverId);
      await calendar.sync();
      // The device keeps writing while the backup runs: the copy is one consistent moment of it.
      let writing = true;
      const writes = (async () => {
        for (let i = 0; writing && i < 200; i++) await calendar.sync([{ kind: 'Add', clientId: `w${i}`, props: event(`Busy ${i}`) }]);
      })();
      await new Promise(r => setTimeout(r, 200));
      const backup = await runCli(['backup', file, '--data', dir]);
      writing = false;
      await writes;
      assert.equal(backup.code, 0, backup.err);
      assert.match(backup.out, /Backed up .*convene\.db to .*live\.backup/);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(existsSync(`${file}-wal`), false, 'one self-contained file');
      itemsAtBackup = count(file, 'items');
      assert.equal(count(file, 'users'), 1);
      assert.equal(count(file, 'devices'), 1);
      const db = new Database(file, { readonly: true });
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      db.close();
      // Restore refuses while the server holds the store, naming it, and changes nothing.
      assertOneLine(await runCli(['restore', file, '--data', dir]), 1, new RegExp(`cannot restore: .*in use by convene serve PID ${server.process.pid}\\b`));
      assert.equal(existsSync(join(dir, 'convene.db.before-restore')), false);
    } finally {
      await stop(server);
    }
    await addUser(dir, 'later@example.com'); // after the backup: gone once it is restored
    const restored = await runCli(['restore', file, '--data', dir]);
    assert.equal(restored.code, 0, restored.err);
    assert.match(restored.out, /kept at .*convene\.db\.before-restore/);
    const users = await runCli(['user', 'list', '--data', dir]);
    assert.match(users.out, /ann@example\.com/);
    assert.doesNotMatch(users.out, /later@example\.com/);
    assert.equal(count(join(dir, 'convene.db'), 'items'), itemsAtBackup);
    assert.equal(count(join(dir, 'convene.db.before-restore'), 'users'), 2, 'the replaced store is kept whole');
    assert.equal(statSync(join(dir, 'convene.db')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp')), []);
    // The restored store serves again.
    const again = await serve(dir);
    const client = new EasClient({ baseUrl: again.url, user: 'ann@example.com', password: 'secret-pass-1', deviceId: 'BACKUP2' });
    assert.equal(await new FolderHierarchyMirror(client).sync(), 1);
    await stop(again);
  });

  it('backup refusals: an existing file (unless --force), no store, no FILE, a PostgreSQL store', async () => {
    const dir = fresh('b');
    await addUser(dir, 'bo@example.com');
    const file = join(root, 'taken.backup');
    writeFileSync(file, 'precious');
    assertOneLine(await runCli(['backup', file, '--data', dir]), 1, /cannot back up .*convene\.db: .*taken\.backup exists already: choose another name, or --force/);
    assert.equal((await runCli(['backup', file, '--data', dir, '--force'])).code, 0);
    assert.equal(count(file, 'users'), 1);
    const empty = fresh('none');
    assertOneLine(await runCli(['backup', join(root, 'x.backup'), '--data', empty]), 1, /no SQLite store at .*convene\.db/);
    assert.equal(existsSync(empty), false, 'nothing made where there was no store');
    assertOneLine(await runCli(['backup', '--data', dir]), 2, /a FILE is needed/);
    assertOneLine(await runCli(['backup', join(root, 'nowhere', 'x.backup'), '--data', dir]), 1, /cannot back up .*: .*nowhere.*no such file or directory/);
    const pg = await postgresBackend();
    try {
      assertOneLine(await runCli(['backup', join(root, 'pg.backup'), '--db', pg.db!]), 2, /a PostgreSQL store is backed up with pg_dump: pg_dump --format=custom/);
      assertOneLine(await runCli(['restore', file, '--db', pg.db!]), 2, /a PostgreSQL store is restored with pg_restore/);
    } finally {
      await pg.dispose();
    }
    assert.match((await runCli(['backup', '--help'])).out, /convene backup FILE/);
    assert.match((await runCli(['restore', '--help'])).out, /convene restore FILE/);
  });

  it('backup refuses to write over the store it copies or its journal files, even with --force', async () => {
    const dir = fresh('self');
    await addUser(dir, 'sam@example.com');
    const store = join(dir, 'convene.db');
    const before = readFileSync(store);
    for (const target of [store, `${store}-wal`, `${store}-shm`, join(dir, '.', 'convene.db')]) {
      assertOneLine(await runCli(['backup', target, '--data', dir, '--force']), 1, /cannot back up .*: .* is the store itself or one of its files/);
    }
    assert.deepEqual(readFileSync(store), before, 'the store is untouched');
    assert.equal(count(store, 'users'), 1);
  });

  it('restore refusals: a missing file, not SQLite, SQLite but not Convene, a kept store (unless --force)', async () => {
    const dir = fresh('r');
    await addUser(dir, 'cy@example.com');
    const store = join(dir, 'convene.db');
    const unchanged = (): void => assert.equal(count(store, 'users'), 1);
    assertOneLine(await runCli(['restore', join(root, 'missing.backup'), '--data', dir]), 1, /cannot restore .*missing\.backup: no such file/);
    const text = join(root, 'text.backup');
    writeFileSync(text, 'not a database, just text\n'.repeat(200));
    assertOneLine(await runCli(['restore', text, '--data', dir]), 1, /cannot restore .*text\.backup: not a Convene store \(not a SQLite database\)/);
    const other = join(root, 'other.sqlite');
    const db = new Database(other);
    db.exec('CREATE TABLE notes (body TEXT)');
    db.close();
    assertOneLine(await runCli(['restore', other, '--data', dir]), 1, /not a Convene store \(a SQLite database without Convene's tables\)/);
    unchanged();
    // A good backup; the first restore keeps the old store, a second one refuses to replace that.
    const file = join(root, 'good.backup');
    assert.equal((await runCli(['backup', file, '--data', dir])).code, 0);
    assert.equal((await runCli(['restore', file, '--data', dir])).code, 0);
    assertOneLine(await runCli(['restore', file, '--data', dir]), 1, /convene\.db\.before-restore exists \(kept by an earlier restore\): move it away, or --force/);
    assert.equal((await runCli(['restore', file, '--data', dir, '--force'])).code, 0);
    unchanged();
    // A damaged copy, and one from a newer Convene: refused, the store untouched.
    const damaged = join(root, 'damaged.backup');
    const bytes = readFileSync(file);
    bytes.fill(0, 4096 * 2, 4096 * 6);
    writeFileSync(damaged, bytes);
    assertOneLine(await runCli(['restore', damaged, '--data', dir, '--force']), 1, /cannot restore .*damaged\.backup: the file is damaged/);
    const newer = join(root, 'newer.backup');
    copyFileSync(file, newer);
    const nw = new Database(newer);
    nw.exec('INSERT INTO schema_version (version) VALUES (999)');
    nw.close();
    assertOneLine(await runCli(['restore', newer, '--data', dir, '--force']), 1, /written by a newer Convene \(schema 999; this one knows up to \d+\)/);
    unchanged();
    // A store SQLite cannot read is kept aside as it is.
    const broken = fresh('broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'convene.db'), 'junk '.repeat(1000));
    assert.equal((await runCli(['restore', file, '--data', broken])).code, 0);
    assert.equal(readFileSync(join(broken, 'convene.db.before-restore'), 'utf8'), 'junk '.repeat(1000));
    // Into a new data directory: nothing to keep aside.
    const into = fresh('new');
    const r = await runCli(['restore', file, '--data', into]);
    assert.equal(r.code, 0, r.err);
    assert.doesNotMatch(r.out, /kept at/);
    assert.equal(count(join(into, 'convene.db'), 'users'), 1);
  });
});
