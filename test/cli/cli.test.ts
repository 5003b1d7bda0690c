// The `convene` command as a person uses it: separate processes on one data directory.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';

const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'convene-cli-'));

function convene(args: string[], input?: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { input, encoding: 'utf8', env: { ...process.env, CONVENE_DATA: dataDir, ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('convene CLI', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints help', () => {
    const r = convene(['--help']);
    assert.equal(r.code, 0);
    assert.match(r.out, /convene serve/);
    assert.match(r.out, /convene user add/);
  });

  it('--version, and help at every level without touching a store', () => {
    const { version } = JSON.parse(readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) assert.deepEqual([convene([flag]).code, convene([flag]).out.trim()], [0, `convene ${version}`]);
    const empty = mkdtempSync(join(tmpdir(), 'convene-help-'));
    try {
      for (const [args, expected] of [[['user', '--help'], /convene user add/], [['user', 'add', '-h'], /convene user add/], [['wbxml', '--help'], /wbxml decode/],
        [['calendar', '--help'], /calendar import/], [['device', 'help'], /device list/], [['serve', '--help'], /convene serve/],
        [['backup', '--help'], /convene backup FILE/], [['restore', 'help'], /convene restore FILE/], [['migrate', '-h'], /convene migrate --to/]] as const) {
        const r = convene([...args], undefined, { CONVENE_DATA: join(empty, 'data') });
        assert.equal(r.code, 0, args.join(' '));
        assert.match(r.out, expected);
      }
      assert.equal(existsSync(join(empty, 'data')), false, 'help opens no store');
      const unknown = convene(['frobnicate']);
      assert.equal(unknown.err.trim().split('\n').length, 1, 'one line');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('adds, lists, re-passwords and removes accounts; bad input is a plain message', () => {
    assert.equal(convene(['user', 'add', 'alice@example.com', '--name', 'Alice Example', '--password', 'alice-secret']).code, 0);
    assert.equal(convene(['user', 'add', 'bob@example.com'], 'bob-secret-1\n').code, 0);
    const dup = convene(['user', 'add', 'alice@example.com', '--password', 'whatever1']);
    assert.equal(dup.code, 1);
    assert.match(dup.err, /exists already/);
    assert.doesNotMatch(dup.err, /at .*\.js/);
    assert.match(convene(['user', 'add', 'carol@example.com', '--password', 'short']).err, /at least 8/);
    assert.match(convene(['user', 'add', 'not-an-address', '--password', 'longenough']).err, /not an email address/);
    assert.match(convene(['user', 'list']).out, /alice@example.com\tAlice Example\t0 devices\nbob@example.com/);
    assert.equal(convene(['user', 'passwd', 'bob@example.com', '--password', 'bob-secret-2']).code, 0);
    assert.equal(convene(['user', 'remove', 'bob@example.com']).code, 0);
    assert.match(convene(['user', 'remove', 'bob@example.com']).err, /no account/);
    assert.equal(convene(['frobnicate']).code, 2);
    assert.equal(convene(['user', 'add', 'x@example.com', '--bogus']).code, 2);
  });

  it('imports an iCalendar file into an account and exports it again without loss', async () => {
    const { icsToEvents } = await import('../../src/calendar/ical.js');
    const ics = [
      'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Test//EN',
      'BEGIN:VEVENT', 'UID:series-1@example.org', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Book club',
      'DTSTART;TZID=Europe/Berlin:20260105T190000', 'DTEND;TZID=Europe/Berlin:20260105T210000',
      'RRULE:FREQ=MONTHLY;BYDAY=1MO;COUNT=6', 'EXDATE;TZID=Europe/Berlin:20260202T190000',
      'LOCATION:Library', 'CATEGORIES:Books', 'URL:https://example.org/club', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:series-1@example.org', 'DTSTAMP:20260101T000000Z', 'RECURRENCE-ID;TZID=Europe/Berlin:20260302T190000',
      'SUMMARY:Book club (at Anna\'s)', 'DTSTART;TZID=Europe/Berlin:20260302T200000', 'DTEND;TZID=Europe/Berlin:20260302T220000',
      'LOCATION:Library', 'CATEGORIES:Books', 'END:VEVENT',
      'BEGIN:VEVENT', 'UID:day-1@example.org', 'DTSTAMP:20260101T000000Z', 'SUMMARY:Holiday',
      'DTSTART;VALUE=DATE:20260501', 'DTEND;VALUE=DATE:20260502', 'END:VEVENT',
      'END:VCALENDAR', '',
    ].join('\r\n');
    const file = join(dataDir, 'in.ics');
    writeFileSync(file, ics);
    convene(['user', 'add', 'cal@example.com', '--password', 'calendar-secret']);
    const imported = convene(['calendar', 'import', 'cal@example.com', file]);
    assert.equal(imported.code, 0, imported.err);
    assert.match(imported.out, /2 added, 0 updated, 0 skipped/);
    const exported = convene(['calendar', 'export', 'cal@example.com']);
    assert.equal(exported.code, 0, exported.err);
    const strip = (events: ReturnType<typeof icsToEvents>) => events.map(e => ({ ...e, dtStamp: undefined })).sort((a, b) => a.uid.localeCompare(b.uid));
    assert.deepEqual(strip(icsToEvents(exported.out)), strip(icsToEvents(ics)));
    assert.match(convene(['calendar', 'import', 'cal@example.com', file]).out, /0 added, 2 updated/);
    const broken = join(dataDir, 'broken.ics');
    writeFileSync(broken, 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:no uid\r\n');
    const bad = convene(['calendar', 'import', 'cal@example.com', broken]);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /convene: /);
    assert.doesNotMatch(bad.err, /at .*\.js/);
  });

  it('encodes and decodes WBXML for people debugging devices', () => {
    const xml = join(dataDir, 'fs.xml');
    writeFileSync(xml, '<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>');
    const enc = spawnSync(process.execPath, [BIN, 'wbxml', 'encode', xml]);
    assert.equal(enc.stdout.toString('hex'), '03016a00000756520330000101');
    const dec = spawnSync(process.execPath, [BIN, 'wbxml', 'decode', '-'], { input: enc.stdout, encoding: 'utf8' });
    assert.match(dec.stdout, /<FolderSync xmlns="FolderHierarchy:">\s*<SyncKey>0<\/SyncKey>\s*<\/FolderSync>/);
    const hex = spawnSync(process.execPath, [BIN, 'wbxml', 'decode', '-'], { input: '03 01 6a 00 00 07 56 52 03 30 00 01 01', encoding: 'utf8' });
    assert.match(hex.stdout, /<SyncKey>0<\/SyncKey>/);
    const bad = spawnSync(process.execPath, [BIN, 'wbxml', 'decode', '-'], { input: Buffer.from([3, 1, 0x6a, 0, 0x45]), encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /convene: .*(truncated|ends inside)/);
  });

  it('serve: says what to do on an empty store, then serves FolderSync to a new account', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'convene-empty-'));
    const server = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', empty, '--log-level', 'warn', '--drain-seconds', '0']);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        server.stdout.on('data', (c: Buffer) => { text += c; if (/Server: /.test(text)) resolve(text); });
        server.once('exit', code => reject(new Error(`serve exited with ${code}: ${text}`)));
      });
      assert.match(out, /No accounts yet/);
      assert.match(out, /convene user add/);
      const url = /at (http:\/\/[^/]+)\/Microsoft-Server-ActiveSync/.exec(out)![1];
      const add = spawnSync(process.execPath, [BIN, 'user', 'add', 'dana@example.com', '--password', 'dana-secret', '--data', empty], { encoding: 'utf8' });
      assert.equal(add.status, 0, add.stderr);
      const mirror = new FolderHierarchyMirror(new EasClient({ baseUrl: url, user: 'dana@example.com', password: 'dana-secret', deviceId: 'CLI1' }));
      assert.equal(await mirror.sync(), 1);
      assert.equal(mirror.folders.size, 10);
    } finally {
      server.kill('SIGTERM');
      await new Promise(r => server.once('exit', r));
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('serve --tls self-signed speaks HTTPS with a certificate kept in the data directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'convene-tls-'));
    convene(['user', 'add', 'erin@example.com', '--password', 'erin-secret', '--data', dir]);
    const server = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', dir, '--tls', 'self-signed', '--log-level', 'warn', '--drain-seconds', '0']);
    try {
      const out = await new Promise<string>((resolve, reject) => {
        let text = '';
        server.stdout.on('data', (c: Buffer) => { text += c; if (/Server: /.test(text)) resolve(text); });
        server.once('exit', code => reject(new Error(`serve exited with ${code}: ${text}`)));
      });
      const url = /at (https:\/\/[^/]+)\//.exec(out)![1];
      const { readFileSync } = await import('node:fs');
      const ca = readFileSync(join(dir, 'tls', 'self-signed.crt'));
      const client = new EasClient({ baseUrl: url.replace('127.0.0.1', 'localhost'), user: 'erin@example.com', password: 'erin-secret', deviceId: 'TLS1', ca });
      assert.equal(await new FolderHierarchyMirror(client).sync(), 1);
    } finally {
      server.kill('SIGTERM');
      await new Promise(r => server.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
