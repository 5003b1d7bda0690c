// `convene client`, `convene log` and `convene wbxml decode` run as a person runs them: spawned,
// against a running server (provisioning required, per-device logs on), real output and exit codes.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encode, tags } from '../../src/wbxml/index.js';
import { spawn } from 'node:child_process';
import { BIN, runCli } from '../helpers/cli.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';

describe('convene client', () => {
  let t: TestServer;
  let dir: string;
  let n = 0;
  const mail = (subject: string, to = 'alice@example.com') => {
    const file = join(dir, `${++n}.eml`);
    writeFileSync(file, `From: alice@example.com\r\nTo: ${to}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n\r\nAbout ${subject}\r\n`);
    return file;
  };
  const client = (args: string[], device = 'CLI1') =>
    runCli(['client', '--url', t.url, '--user', 'alice@example.com', '--password', PASSWORD, '--device-id', device, ...args]);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'convene-cli-client-'));
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'], server: { requireProvisioning: true, protocolLogDir: join(dir, 'logs') } });
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('help at every level', async () => {
    const top = await runCli(['client', '--help']);
    assert.equal(top.code, 0);
    for (const sub of ['options', 'autodiscover', 'provision', 'folders', 'sync', 'fetch', 'send', 'respond', 'ping', 'search', 'raw']) assert.match(top.out, new RegExp(`\\n  ${sub}\\b`));
    const sync = await runCli(['client', 'sync', '--help']);
    assert.match(sync.out, /^convene client sync FOLDER/);
    assert.match((await runCli(['--help'])).out, /convene client/);
  });

  it('options: the versions and commands', async () => {
    const r = await client(['options']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /^Versions: .*16\.1/m);
    const json = JSON.parse((await client(['options', '--json'])).out) as { commands: string[] };
    assert.ok(json.commands.includes('Sync'));
  });

  it('12.1: HTTP 449, then Provision and the request again; --no-provision stops at exit 6', async () => {
    const refused = await client(['--version', '12.1', '--no-provision', 'folders'], 'CLI449');
    assert.equal(refused.code, 6);
    assert.match(refused.err, /^convene: FolderSync: HTTP 449/);
    const r = await client(['--version', '12.1', '--xml', 'folders'], 'CLI449');
    assert.equal(r.code, 0, r.err);
    assert.deepEqual([...r.out.matchAll(/^<<< HTTP (\d+)/gm)].map(m => m[1]), ['449', '200', '200', '200']);
    assert.match(r.out, /<Provision xmlns="Provision:">/);
    assert.match(r.out, /^ID +PARENT +TYPE +NAME\n1 +0 +2 +Inbox/m);
  });

  it('provision, then folders, sync and fetch with a state file that a later run resumes', async () => {
    const state = join(dir, 'device.json');
    const p = await client(['--state', state, 'provision'], 'CLISTATE');
    assert.equal(p.code, 0, p.err);
    assert.match(p.out, /^Provisioned: policy key \d+/);
    assert.ok(JSON.parse(readFileSync(state, 'utf8')).policyKey);
    assert.equal((await client(['send', mail('First')], 'CLISEND')).code, 0);
    const first = await client(['--state', state, 'sync', 'Inbox'], 'CLISTATE');
    assert.equal(first.code, 0, first.err);
    assert.match(first.out, /^Add +\S+ +First/m);
    assert.equal((await client(['send', mail('Second')], 'CLISEND')).code, 0);
    // The second run reads URL, user, device and keys from the file: no Provision, only the new mail.
    const second = await runCli(['client', '--password', PASSWORD, '--state', state, '--xml', 'sync', 'Inbox']);
    assert.equal(second.code, 0, second.err);
    assert.doesNotMatch(second.out, /Provision|<<< HTTP 449/);
    assert.match(second.out, /^Add +(\S+) +Second/m);
    assert.doesNotMatch(second.out, /^Add +\S+ +First/m);
    assert.match(second.out, /2 item\(s\) in Inbox/);
    const serverId = /^Add +(\S+) +Second/m.exec(second.out)![1]!;
    const fetched = await runCli(['client', '--password', PASSWORD, '--state', state, 'fetch', 'Inbox', serverId]);
    assert.equal(fetched.code, 0, fetched.err);
    assert.match(fetched.out, /^Email:Subject: Second$/m);
    const json = JSON.parse((await runCli(['client', '--password', PASSWORD, '--state', state, '--json', 'sync', 'inbox'])).out) as { changes: unknown[]; items: number };
    assert.deepEqual([json.changes.length, json.items], [0, 2]);
    // A SyncKey the server no longer knows (Status 3): the device starts over from 0, as a phone does.
    const saved = JSON.parse(readFileSync(state, 'utf8')) as { collections: Record<string, { syncKey: string }> };
    for (const c of Object.values(saved.collections)) c.syncKey = '987654';
    writeFileSync(state, JSON.stringify(saved));
    const again = await runCli(['client', '--password', PASSWORD, '--state', state, 'sync', 'Inbox']);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /Status 3 for SyncKey 987654, starting over from SyncKey 0/);
    assert.match(again.out, /2 item\(s\) in Inbox/);
  });

  it('send, search, ping and respond', async () => {
    const pinging = client(['ping', 'Inbox', '--heartbeat', '120'], 'CLIPING');
    await new Promise(resolve => setTimeout(resolve, 1500));
    assert.equal((await client(['send', mail('Wake up')])).code, 0);
    const ping = await pinging;
    assert.equal(ping.code, 0, ping.err);
    assert.match(ping.out, /^Changes in Inbox$/m);
    const found = await client(['search', 'Wake']);
    assert.equal(found.code, 0, found.err);
    assert.match(found.out, /Wake up/);
    const gal = await client(['search', 'bob', '--gal']);
    assert.match(gal.out, /bob@example\.com/);
    const noSuch = await client(['respond', '1:999999', 'accept']);
    assert.equal(noSuch.code, 7, noSuch.err);
    assert.match(noSuch.err, /^convene: MeetingResponse: Status \d+\n$/);
    assert.equal((await client(['respond', '1:1', 'maybe'])).code, 2);
  });

  it('raw: any command from XML, the answer as XML', async () => {
    const file = join(dir, 'settings.xml');
    writeFileSync(file, '<Settings xmlns="Settings:"><UserInformation><Get/></UserInformation></Settings>');
    const r = await client(['raw', 'Settings', file]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /<SmtpAddress>alice@example.com<\/SmtpAddress>/);
  });

  it('autodiscover ADDRESS', async () => {
    const r = await runCli(['client', '--url', t.url, '--password', PASSWORD, 'autodiscover', 'alice@example.com']);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, new RegExp(`^${t.url}/Microsoft-Server-ActiveSync`));
    // With --state the server found is remembered: the next command needs no --url.
    const state = join(dir, 'discovered.json');
    assert.equal((await runCli(['client', '--url', t.url, '--password', PASSWORD, '--device-id', 'CLIAD', '--state', state, 'autodiscover', 'alice@example.com'])).code, 0);
    const next = await runCli(['client', '--password', PASSWORD, '--state', state, 'options']);
    assert.equal(next.code, 0, next.err);
    assert.match((await runCli(['client', 'help', 'sync'])).out, /^convene client sync FOLDER/);
  });

  it('exit codes say what failed: usage 2, network 3, credentials 4', async () => {
    assert.equal((await runCli(['client', 'folders'])).code, 2);
    assert.equal((await client(['nonsense'])).code, 2);
    const wrong = await runCli(['client', '--url', t.url, '--user', 'alice@example.com', '--password', 'nope', 'folders']);
    assert.equal(wrong.code, 4);
    assert.match(wrong.err, /^convene: FolderSync: HTTP 401/);
    const closed = await runCli(['client', '--url', 'http://127.0.0.1:1', '--user', 'a@example.com', '--password', 'x', 'options']);
    assert.equal(closed.code, 3);
    assert.match(closed.err, /connection refused/);
  });

  it('convene log list and log show over the per-device protocol logs', async () => {
    const list = await runCli(['log', 'list', '--data', dir]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.out, /^alice@example\.com +CLISTATE +\d+/m);
    const show = await runCli(['log', 'show', 'alice@example.com', 'CLISTATE', '--cmd', 'Sync', '--data', dir]);
    assert.equal(show.code, 0, show.err);
    const heads = show.out.split('\n').filter(l => l.startsWith('=== '));
    assert.ok(heads.length >= 2 && heads.every(l => /Cmd=Sync/.test(l)), show.out.slice(0, 500));
    assert.match(show.out, /<Sync xmlns="AirSync:">/);
    const none = await runCli(['log', 'show', 'alice@example.com', 'NOPE', '--data', dir]);
    assert.equal(none.code, 1);
    assert.match(none.err, /^convene: no protocol log/);
  });

  it('convene log show --follow prints new exchanges as they are written', async () => {
    const child = spawn(process.execPath, [BIN, 'log', 'show', 'alice@example.com', 'CLIFOLLOW', '--follow', '--cmd', 'FolderSync', '--data', dir]);
    let out = '';
    const seen = new Promise<void>(resolve => child.stdout.on('data', (c: Buffer) => { out += c; if (/Cmd=FolderSync/.test(out)) resolve(); }));
    try {
      assert.equal((await client(['folders'], 'CLIFOLLOW')).code, 0);
      await seen;
      assert.match(out, /<FolderSync xmlns="FolderHierarchy:">/);
      assert.doesNotMatch(out, /Cmd=Provision/, '--cmd keeps one command');
    } finally {
      child.kill();
    }
  });

  it('convene wbxml decode takes hex and base64 as well as files', async () => {
    const fh = tags('FolderHierarchy');
    const bytes = encode(fh('FolderSync', [fh('SyncKey', '0')]));
    const file = join(dir, 'fs.wbxml');
    writeFileSync(file, bytes);
    for (const input of [file, bytes.toString('hex'), bytes.toString('base64'), bytes.toString('hex').replace(/(..)/g, '$1 ').trim()]) {
      const r = await runCli(['wbxml', 'decode', input]);
      assert.equal(r.code, 0, `${input}: ${r.err}`);
      assert.match(r.out, /<FolderSync xmlns="FolderHierarchy:">\n  <SyncKey>0<\/SyncKey>/);
    }
  });
});
