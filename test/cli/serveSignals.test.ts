// `convene serve` and the signals an operator sends it: SIGHUP re-reads the TLS certificate,
// SIGTERM drains (docs/operations.md, "Stopping"; docs/deploy.md).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { after, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { HEARTBEAT } from '../../src/eas/commands/Ping.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { runCli, spawnServe, type Serving } from '../helpers/cli.js';

const p = tags('Ping');
const WAIT = { timeout: 180_000 };
const root = mkdtempSync(join(tmpdir(), 'convene-signals-'));
const running: Serving[] = [];

after(() => {
  for (const s of running) if (s.process.exitCode === null && s.process.signalCode === null) s.process.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

/** The SHA-256 fingerprint of the certificate a new TLS connection to `url` is shown. */
function servedFingerprint(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), rejectUnauthorized: false, servername: 'localhost' }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}

/** GET on the server's own address: status, body and the Connection header. */
function get(url: string, path: string): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    request(new URL(path, url), res => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, connection: res.headers.connection }));
    }).on('error', reject).end();
  });
}

describe('convene serve: SIGHUP re-reads --tls-cert/--tls-key', () => {
  it('new TLS connections see the new certificate; bad files leave the old one in use with one error line', WAIT, async () => {
    const [a, b] = await Promise.all([1, 2].map(() => generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 })));
    const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
    const dir = join(root, 'tls');
    const cert = join(root, 'server.crt');
    const key = join(root, 'server.key');
    writeFileSync(cert, a.cert);
    writeFileSync(key, a.private);
    const s = await spawnServe(['--data', dir, '--tls-cert', cert, '--tls-key', key, '--log-level', 'warn', '--drain-seconds', '0']);
    running.push(s);
    assert.equal(await servedFingerprint(s.url), fingerprint(a.cert));

    // Renewed: the files change, the operator sends SIGHUP (systemctl reload, docker kill -s HUP).
    writeFileSync(key, b.private);
    writeFileSync(cert, b.cert);
    s.process.kill('SIGHUP');
    let seen = '';
    for (let i = 0; i < 600 && seen !== fingerprint(b.cert); i++) {
      seen = await servedFingerprint(s.url);
      if (seen !== fingerprint(b.cert)) await sleep(100);
    }
    assert.equal(seen, fingerprint(b.cert));

    // Half-written renewal: a certificate whose key is not there yet. The old pair stays.
    writeFileSync(cert, a.cert);
    s.process.kill('SIGHUP');
    await s.waitFor(/TLS certificate not reloaded/);
    const errors = s.output().split('\n').filter(l => l.includes('TLS certificate not reloaded'));
    assert.equal(errors.length, 1);
    assert.match(errors[0], /"level":50/);
    assert.match(errors[0], /the TLS key .*server\.key does not belong to the certificate .*server\.crt/);
    assert.equal(await servedFingerprint(s.url), fingerprint(b.cert));
    s.process.kill('SIGTERM');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
  });
});

describe('convene serve: SIGTERM drains', () => {
  it('/readyz says 503 at once, a held Ping is answered, new ones are not held, connections close; then it exits 0', WAIT, async () => {
    const dir = join(root, 'drain');
    assert.equal((await runCli(['user', 'add', 'dee@example.com', '--password', 'dee-secret', '--data', dir])).code, 0);
    // A drain far longer than the test: the second SIGTERM below cuts it short.
    const s = await spawnServe(['--data', dir, '--log-level', 'warn', '--drain-seconds', '600']);
    running.push(s);
    const client = new EasClient({ baseUrl: s.url, user: 'dee@example.com', password: 'dee-secret', deviceId: 'DRAIN1' });
    const folders = new FolderHierarchyMirror(client);
    await folders.sync();
    const inbox = folders.byType(FolderType.Inbox)!.serverId;
    const mirror = new CollectionMirror(client, inbox);
    await mirror.sync();
    await mirror.syncAll();
    const pingRequest = p('Ping', [p('HeartbeatInterval', HEARTBEAT.max), p('Folders', [p('Folder', [p('Id', inbox), p('Class', 'Email')])])]);
    const held = client.send('Ping', pingRequest);
    // Held once the server counts it (its own gauge), not after some guessed time.
    let waiting = false;
    for (let i = 0; i < 600 && !waiting; i++) {
      waiting = /^convene_waiting_requests 1$/m.test((await get(s.url, '/metrics')).body);
      if (!waiting) await sleep(100);
    }
    assert.ok(waiting, 'the Ping is held');
    const before = await get(s.url, '/readyz');
    assert.deepEqual([before.status, before.body], [200, 'ready\n']);

    s.process.kill('SIGTERM');
    const answered = await held;
    assert.equal(answered.status, 200);
    assert.equal(answered.body?.childText('Status'), '1', 'the heartbeat ended early: no changes');
    assert.equal(answered.headers.connection, 'close');
    const ready = await get(s.url, '/readyz');
    assert.deepEqual(ready, { status: 503, body: 'shutting down\n', connection: 'close' });
    // A device that asks again on this node meanwhile is answered at once, not held for the hour.
    const again = await client.send('Ping', pingRequest);
    assert.equal(again.body?.childText('Status'), '1');
    assert.equal(s.process.exitCode, null, 'still draining');

    s.process.kill('SIGTERM');
    assert.deepEqual(await s.exited, { code: 0, signal: null });
    assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), false, 'the store is free again');
  });
});
