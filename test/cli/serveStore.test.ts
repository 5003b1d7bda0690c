// `convene serve` and the other commands on one SQLite data directory, as separate processes:
// one server per store (the lock), CLI writes that wake the server's Pings, owner-only files.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { HEARTBEAT } from '../../src/eas/commands/Ping.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';

const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));
const p = tags('Ping');
// The Ping below waits with the longest heartbeat (59 min): an answer inside WAIT is the change's doing.
const WAIT = { timeout: 120_000 };
const dirs: string[] = [];
/** Every server spawned, so a test that fails (or times out) leaves none running. */
const servers: ChildProcessWithoutNullStreams[] = [];

function dataDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'convene-serve-')), 'data');
  dirs.push(dir);
  return dir;
}

function convene(dir: string, args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--data', dir], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Serving { process: ChildProcessWithoutNullStreams; url: string }

async function serve(dir: string, extra: string[] = []): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir, '--log-level', 'warn', '--drain-seconds', '0', ...extra]);
  servers.push(child);
  const out = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.on('data', (c: Buffer) => { text += c; if (/Server: /.test(text)) resolve(text); });
    child.stderr.on('data', (c: Buffer) => { text += c; });
    child.once('exit', code => reject(new Error(`serve exited with ${code}: ${text}`)));
  });
  return { process: child, url: /at (https?:\/\/[^/]+)\//.exec(out)![1] };
}

async function stop(s: Serving, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (s.process.exitCode !== null || s.process.signalCode !== null) return;
  const exited = new Promise(r => s.process.once('exit', r));
  s.process.kill(signal);
  await exited;
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('convene serve on a SQLite data directory', () => {
  after(() => {
    for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill('SIGKILL');
    for (const d of dirs) rmSync(join(d, '..'), { recursive: true, force: true });
  });

  it('one server per store: a second serve exits with one line naming the holder; a dead holder\'s lock is taken over', async () => {
    const dir = dataDir();
    const first = await serve(dir);
    try {
      const second = spawnSync(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(second.status, 1);
      const lines = second.stderr.trim().split('\n');
      assert.equal(lines.length, 1, second.stderr);
      assert.match(lines[0], new RegExp(`PID ${first.process.pid}\\b`));
      // CLI commands still write while it serves.
      assert.equal(convene(dir, ['user', 'add', 'ann@example.com', '--password', 'ann-secret']).code, 0);
    } finally {
      await stop(first, 'SIGKILL');
    }
    // kill -9 left its lock behind; the next server takes it over, and releases it when stopped.
    assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), true);
    const next = await serve(dir);
    let stderr = '';
    next.process.stderr.on('data', (c: Buffer) => { stderr += c; });
    await stop(next);
    const lockAfter = existsSync(join(dir, 'convene.db.serve.lock')) ? readFileSync(join(dir, 'convene.db.serve.lock'), 'utf8') : undefined;
    assert.equal(lockAfter, undefined,
      `lock left: ${lockAfter} (server ${next.process.pid} exit ${next.process.exitCode} ${next.process.signalCode}) ${stderr}`);
    // A lock naming this (the test) process — alive — refuses too.
    writeFileSync(join(dir, 'convene.db.serve.lock'), `${process.pid}\n`);
    assert.equal(convene(dir, ['serve', '--port', '0']).code, 1);
  });

  it('a calendar import from another process wakes a Ping held by the server (Status 2 with the Calendar)', WAIT, async () => {
    const dir = dataDir();
    assert.equal(convene(dir, ['user', 'add', 'bea@example.com', '--password', 'bea-secret']).code, 0);
    const server = await serve(dir);
    try {
      const client = new EasClient({ baseUrl: server.url, user: 'bea@example.com', password: 'bea-secret', deviceId: 'XPROC1' });
      const folders = new FolderHierarchyMirror(client);
      await folders.sync();
      const calId = folders.byType(FolderType.Calendar)!.serverId;
      const cal = new CollectionMirror(client, calId);
      await cal.sync();
      await cal.syncAll();
      const ping = client.send('Ping', p('Ping', [p('HeartbeatInterval', HEARTBEAT.max),
        p('Folders', [p('Folder', [p('Id', calId), p('Class', 'Calendar')])])]));
      await new Promise(r => setTimeout(r, 300));
      const ics = join(dir, '..', 'one.ics');
      writeFileSync(ics, ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN', 'BEGIN:VEVENT', 'UID:wake-1@example.org',
        'DTSTAMP:20260101T000000Z', 'DTSTART:20260105T190000Z', 'DTEND:20260105T200000Z', 'SUMMARY:Wake up', 'END:VEVENT',
        'END:VCALENDAR', ''].join('\r\n'));
      const imported = convene(dir, ['calendar', 'import', 'bea@example.com', ics]);
      assert.equal(imported.code, 0, imported.err);
      const res = await ping;
      assert.equal(res.body?.childText('Status'), '2');
      assert.deepEqual(res.body?.child('Folders')?.all('Folder').map(f => f.text), [calId]);
    } finally {
      await stop(server);
    }
  });

  it('keeps the store, its journal, the TLS key and the protocol logs to the owner (0700 / 0600)', async () => {
    const dir = dataDir();
    assert.equal(convene(dir, ['user', 'add', 'cy@example.com', '--password', 'cy-secret-1']).code, 0);
    const server = await serve(dir, ['--tls', 'self-signed', '--log-devices']);
    try {
      const ca = readFileSync(join(dir, 'tls', 'self-signed.crt'));
      const client = new EasClient({ baseUrl: server.url.replace('127.0.0.1', 'localhost'), user: 'cy@example.com', password: 'cy-secret-1', deviceId: 'MODES1', ca });
      assert.equal(await new FolderHierarchyMirror(client).sync(), 1);
      const log = join(dir, 'logs', 'cy@example.com', 'MODES1.log');
      for (let i = 0; i < 100 && !existsSync(log); i++) await new Promise(r => setTimeout(r, 50));
      assert.equal(mode(dir), 0o700);
      for (const f of ['convene.db', 'convene.db-wal', 'convene.db-shm', 'tls/self-signed.key', 'convene.db.serve.lock']) {
        assert.equal(mode(join(dir, f)), 0o600, f);
      }
      assert.equal(mode(join(dir, 'tls')), 0o700);
      assert.equal(mode(join(dir, 'logs')), 0o700);
      assert.equal(mode(join(dir, 'logs', 'cy@example.com')), 0o700);
      assert.equal(mode(log), 0o600);
    } finally {
      await stop(server);
    }
    assert.deepEqual(readdirSync(dir).filter(f => f.endsWith('.tmp') || f.endsWith('.stale')), []);
  });
});
