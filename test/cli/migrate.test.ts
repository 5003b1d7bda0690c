// `convene migrate --to postgres://…` as an operator runs it (issue 13, "Done when"): a device synced
// on SQLite, the server stopped, the store migrated, the server started on PostgreSQL — and the same
// device goes on with its SyncKeys, getting only what changed since.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { deliverInbound } from '../../src/mail/inbound.js';
import { openStore } from '../../src/store/open.js';
import { FolderType } from '../../src/store/types.js';
import { assertOneLine, runCli, spawnServe, type Serving } from '../helpers/cli.js';
import { event } from '../helpers/items.js';
import { pgAdminUrl } from '../helpers/stores.js';

const root = mkdtempSync(join(tmpdir(), 'convene-migrate-'));
const databases: string[] = [];
const servers: Serving[] = [];
after(async () => {
  for (const s of servers) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  for (const name of databases) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  rmSync(root, { recursive: true, force: true });
});

/** A fresh, empty PostgreSQL database on the test server; dropped after the file. */
async function freshDatabase(): Promise<string> {
  const name = `convene_migrate_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  databases.push(name);
  const url = new URL(pgAdminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function serve(args: string[]): Promise<Serving> {
  const s = await spawnServe(['--drain-seconds', '0', '--log-level', 'warn', ...args]);
  servers.push(s);
  return s;
}

async function stop(s: Serving): Promise<void> {
  s.process.kill('SIGTERM');
  const { code } = await s.exited;
  assert.equal(code, 0, s.output());
}

function ics(dir: string, uid: string, summary: string): string {
  const file = join(dir, `${uid}.ics`);
  writeFileSync(file, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', `UID:${uid}@example.org`,
    'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T190000Z', 'DTEND:20260105T200000Z', `SUMMARY:${summary}`, 'END:VEVENT',
    'END:VCALENDAR', ''].join('\r\n'));
  return file;
}

const MESSAGE = Buffer.from(['From: carol@elsewhere.example', 'To: alice@example.com', 'Subject: Before the move',
  'Message-ID: <before-1@elsewhere.example>', 'Date: Thu, 01 Jan 2026 10:00:00 +0000', '', 'Hello from SQLite.', ''].join('\r\n'));

/** Every row of every copied table, in a comparable form (Buffers as hex, numbers as numbers). */
function sqliteRows(path: string): Map<string, string[]> {
  const db = new Database(path, { readonly: true });
  const out = new Map<string, string[]>();
  try {
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
      .map(r => r.name).filter(n => n !== 'process_notifications' && n !== 'schema_version');
    for (const t of tables) out.set(t, (db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]).map(canonical).sort());
  } finally {
    db.close();
  }
  return out;
}

async function postgresRows(url: string, tables: Iterable<string>): Promise<Map<string, string[]>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out = new Map<string, string[]>();
  try {
    for (const t of tables) out.set(t, (await c.query(`SELECT * FROM "${t}"`)).rows.map(canonical).sort());
  } finally {
    await c.end();
  }
  return out;
}

function canonical(row: Record<string, unknown>): string {
  const keys = Object.keys(row).sort();
  return JSON.stringify(keys.map(k => {
    const v = row[k];
    if (Buffer.isBuffer(v)) return `hex:${v.toString('hex')}`;
    return v;
  }).map((v, i) => [keys[i], typeof v === 'bigint' ? Number(v) : v]));
}

describe('convene migrate: a device synced on SQLite continues on PostgreSQL with its SyncKeys', () => {
  it('FolderSync, Calendar and Inbox resume; only the new item comes down', async () => {
    const dir = join(root, 'store');
    assert.equal((await runCli(['user', 'add', 'alice@example.com', '--password', 'alice-secret', '--data', dir])).code, 0);
    assert.equal((await runCli(['dkim', 'generate', 'example.com', '--data', dir])).code, 0);
    const sqlite = await serve(['--data', dir]);
    const device = { user: 'alice@example.com', password: 'alice-secret', deviceId: 'MIGRATE1', deviceType: 'TestPhone' };
    let client = new EasClient({ baseUrl: sqlite.url, ...device });
    const folders = new FolderHierarchyMirror(client);
    assert.equal(await folders.sync(), 1);
    const calId = folders.byType(FolderType.Calendar)!.serverId;
    const inboxId = folders.byType(FolderType.Inbox)!.serverId;

    // Content from three doors: the CLI, SMTP delivery (a second process on the store), the device itself.
    assert.equal((await runCli(['calendar', 'import', 'alice@example.com', ics(root, 'one', 'First'), '--data', dir])).code, 0);
    assert.equal((await runCli(['calendar', 'import', 'alice@example.com', ics(root, 'two', 'Second'), '--data', dir])).code, 0);
    const side = await openStore({ dataDir: dir });
    await deliverInbound(side, { mailFrom: 'carol@elsewhere.example', rcptTo: ['alice@example.com'] }, MESSAGE, () => undefined);
    const calendar = new CollectionMirror(client, calId);
    const inbox = new CollectionMirror(client, inboxId);
    await calendar.sync();
    await calendar.syncAll();
    await inbox.sync();
    await inbox.syncAll();
    assert.equal(calendar.items.size, 2);
    assert.equal(inbox.items.size, 1);
    const added = await calendar.sync([{ kind: 'Add', clientId: 'c1', props: event('From the phone') }]);
    assert.equal(added.added.get('c1')?.status, 1);
    const second = [...calendar.items].find(([, p]) => JSON.stringify(p).includes('Second'))![0];
    await calendar.sync([{ kind: 'Delete', serverId: second }]); // a tombstone
    assert.equal(calendar.items.size, 2);
    await side.close();
    const keys = { folders: folders.syncKey, calendar: calendar.syncKey, inbox: inbox.syncKey };
    await stop(sqlite);
    // A message waiting in the outbound queue, put there with no server to send it; the one on
    // PostgreSQL relays to a port nobody listens on, so it stays queued (a temporary failure).
    const queue = await openStore({ dataDir: dir });
    const alice = (await queue.findUserByEmail('alice@example.com'))!;
    await queue.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['dave@elsewhere.example'], mime: Buffer.from('Subject: queued\r\n\r\nwaiting\r\n') });
    await queue.close();

    const url = await freshDatabase();
    const migrated = await runCli(['migrate', '--to', url, '--data', dir]);
    assert.equal(migrated.code, 0, migrated.err);
    assert.match(migrated.out, /1 accounts, 1 devices, \d+ items .*1 queued messages/);
    assert.equal(migrated.out.includes(`:${new URL(url).password}@`), false, 'the password is not printed');

    // Every row of every table, as it was: items, tombstones, sync state, queue, keys.
    const before = sqliteRows(join(dir, 'convene.db'));
    const afterRows = await postgresRows(url, before.keys());
    for (const [table, rows] of before) assert.deepEqual(afterRows.get(table), rows, table);
    assert.ok((before.get('items') ?? []).some(r => r.includes('"deleted",1')), 'a tombstone was copied');
    assert.ok((before.get('collection_states') ?? []).length >= 2, 'sync state was copied');

    // The same device, same DeviceId and SyncKeys, against the server on PostgreSQL.
    const onPg = await serve(['--data', join(root, 'pg-node'), '--db', url, '--smtp-relay', 'smtp://127.0.0.1:9']);
    try {
      client = new EasClient({ baseUrl: onPg.url, ...device });
      const folders2 = new FolderHierarchyMirror(client);
      folders2.syncKey = keys.folders;
      assert.equal(await folders2.sync(), 1, 'FolderSync with the SyncKey from SQLite');
      const calendar2 = Object.assign(new CollectionMirror(client, calId), { syncKey: keys.calendar });
      const inbox2 = Object.assign(new CollectionMirror(client, inboxId), { syncKey: keys.inbox });
      const quietCal = await calendar2.sync();
      assert.equal(quietCal.status, 1);
      assert.equal(quietCal.collection?.child('Commands'), undefined, 'no change, no Commands');
      const quietInbox = await inbox2.sync();
      assert.equal(quietInbox.status, 1);
      assert.equal(quietInbox.collection?.child('Commands'), undefined);

      // One new item after the move: exactly one Add, with a new id that collides with none copied.
      assert.equal((await runCli(['calendar', 'import', 'alice@example.com', ics(root, 'three', 'After the move'), '--db', url, '--data', join(root, 'pg-cli')])).code, 0);
      const next = await calendar2.sync();
      assert.equal(next.status, 1);
      const commands = next.collection?.child('Commands')?.children ?? [];
      assert.deepEqual(commands.map(c => c.name), ['Add']);
      assert.match(JSON.stringify(commands[0].child('ApplicationData')), /After the move/);
      assert.equal(calendar.items.has(commands[0].childText('ServerId')!), false, 'a new ServerId');
      assert.equal((await inbox2.sync()).collection?.child('Commands'), undefined, 'the Inbox has nothing new');
      // The device writes on PostgreSQL too: its next Add gets a fresh id.
      const more = await calendar2.sync([{ kind: 'Add', clientId: 'c2', props: event('Second from the phone') }]);
      assert.equal(more.added.get('c2')?.status, 1);
    } finally {
      await stop(onPg);
    }
  });

  it('refuses, in one line, a target that is not empty, a serve holding the store, bad URLs', async () => {
    const dir = join(root, 'refusals');
    assert.equal((await runCli(['user', 'add', 'bob@example.com', '--password', 'bob-secret-1', '--data', dir])).code, 0);
    const url = await freshDatabase();
    assert.equal((await runCli(['migrate', '--to', url, '--data', dir])).code, 0);
    assertOneLine(await runCli(['migrate', '--to', url, '--data', dir]), 1, /cannot migrate to PostgreSQL postgres:\/\/.*: it holds a Convene store already \(schema \d+\): migrate needs an empty database/);
    const missing = Object.assign(new URL(pgAdminUrl()), { pathname: '/convene_no_such_db' }).toString();
    assertOneLine(await runCli(['migrate', '--to', missing, '--data', dir]), 1, /database "convene_no_such_db" does not exist — create it first/);
    assertOneLine(await runCli(['migrate', '--to', 'mysql://root@localhost/x', '--data', dir]), 2, /--to takes postgres:\/\/USER:PASSWORD@HOST\/DATABASE, not "mysql:/);
    assertOneLine(await runCli(['migrate', '--data', dir]), 2, /--to postgres:\/\/USER:PASSWORD@HOST\/DATABASE is needed/);
    assertOneLine(await runCli(['migrate', '--to', url, '--db', url]), 2, /the store is PostgreSQL already/);
    assertOneLine(await runCli(['migrate', '--to', url, '--data', join(root, 'nothing-here')]), 1, /no SQLite store at .*nothing-here\/convene\.db/);
    const running = await serve(['--data', dir]);
    try {
      const empty = await freshDatabase();
      assertOneLine(await runCli(['migrate', '--to', empty, '--data', dir]), 1, new RegExp(`cannot migrate: .* in use by convene serve PID ${running.process.pid}\\b`));
      // Refused before touching the target: it is still empty.
      const c = new pg.Client({ connectionString: empty });
      await c.connect();
      const { rows } = await c.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public'");
      await c.end();
      assert.equal(rows[0].n, 0);
    } finally {
      await stop(running);
    }
  });
});
