// Connection and body limits of the EAS listener (docs/limits.md) over real sockets on loopback:
// stalled uploads hold spool files, not memory (counted by the server's body gauge, not RSS);
// silent, idle and surplus connections are closed; a spent spool budget is 503 with Retry-After.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { bodyGauge } from '../../src/eas/http/server.js';
import type { HttpLimitOptions } from '../../src/eas/http/limits.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { event } from '../helpers/items.js';
import { rawConnect, until, write, type RawConnection } from '../helpers/rawSocket.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const AUTH = `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}`;
const query = (deviceId: string): string => `Cmd=FolderSync&User=alice@example.com&DeviceId=${deviceId}&DeviceType=RawTest`;

/** A POST's request line and headers; `length` undefined sends the body chunked. */
function head(q: string, length: number | undefined): string {
  return [`POST /Microsoft-Server-ActiveSync?${q} HTTP/1.1`, 'Host: 127.0.0.1', `Authorization: ${AUTH}`,
    'MS-ASProtocolVersion: 14.1', 'Content-Type: application/vnd.ms-sync.wbxml',
    length === undefined ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`, '', ''].join('\r\n');
}
const port = (t: TestServer): number => Number(new URL(t.url).port);
const status = (c: RawConnection): number | undefined => {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(c.received());
  return m ? Number(m[1]) : undefined;
};

async function limitedServer(limits: HttpLimitOptions, extra: Parameters<typeof startServer>[0] = {}) {
  const spoolDir = mkdtempSync(join(tmpdir(), 'convene-spool-test-'));
  const t = await startServer({ ...extra, server: { maxBodyBytes: 8 * MiB, ...extra.server, limits: { ...limits, spool: { dir: spoolDir, ...limits.spool } } } });
  return { t, spoolDir, close: async () => { await t.close(); rmSync(spoolDir, { recursive: true, force: true }); } };
}

describe('EAS limits: stalled uploads', () => {
  let s: Awaited<ReturnType<typeof limitedServer>>;
  before(async () => {
    s = await limitedServer({ spool: { memoryPerUpload: 64 * KiB, memoryTotal: 256 * KiB, diskTotal: 24 * MiB } });
  });
  after(() => s.close());

  it('ten uploads stalled at 1 MiB of 4 MiB hold at most the memory budget; the rest is in unlinked spool files', async () => {
    const conns = await Promise.all(Array.from({ length: 10 }, () => rawConnect(port(s.t))));
    await Promise.all(conns.map((c, i) => write(c.socket, Buffer.concat([Buffer.from(head(query(`STALL${i}`), 4 * MiB)), Buffer.alloc(MiB, 0x41)]))));
    const held = (): number => { const g = bodyGauge(s.t.server); return g.memoryBytes + g.diskBytes; };
    await until(() => held() === 10 * MiB, 'all ten megabytes received');
    const g = bodyGauge(s.t.server);
    assert.equal(g.uploads, 10);
    assert.ok(g.memoryBytes <= 256 * KiB, `memory held ${g.memoryBytes}`);
    assert.ok(g.diskBytes >= 10 * MiB - 256 * KiB, `disk held ${g.diskBytes}`);
    // Spool files are unlinked as soon as they are open: nothing is left to clean up, ever.
    assert.deepEqual(readdirSync(s.spoolDir), []);
    for (const c of conns) c.socket.destroy();
    await until(() => bodyGauge(s.t.server).uploads === 0, 'the aborted uploads released');
    assert.deepEqual(bodyGauge(s.t.server), { memoryBytes: 0, diskBytes: 0, uploads: 0 });
  });

  it('a body past the spool budget is 503 with Retry-After (declared up front, or found while chunked); a small request still works', async () => {
    // Three uploads stalled at 7 MiB of 8 hold 21 of the 24 MiB budget.
    const held = (): number => bodyGauge(s.t.server).memoryBytes + bodyGauge(s.t.server).diskBytes;
    const hogs = await Promise.all([1, 2, 3].map(() => rawConnect(port(s.t))));
    await Promise.all(hogs.map((c, i) => write(c.socket, Buffer.concat([Buffer.from(head(query(`HOG${i}`), 8 * MiB)), Buffer.alloc(7 * MiB, 0x41)]))));
    await until(() => held() === 21 * MiB, 'three hogs hold 21 MiB');

    const declared = await rawConnect(port(s.t));
    await write(declared.socket, head(query('BIG'), 8 * MiB));
    await declared.closed;
    assert.equal(status(declared), 503);
    assert.match(declared.received(), /\r\nRetry-After: \d+\r\n/i);

    const chunked = await rawConnect(port(s.t));
    await write(chunked.socket, head(query('CHUNKED'), undefined));
    const piece = Buffer.alloc(512 * KiB, 0x41);
    for (let i = 0; i < 24 && !chunked.isClosed(); i++) {
      await write(chunked.socket, Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])).catch(() => undefined);
    }
    await chunked.closed;
    assert.equal(status(chunked), 503);
    assert.ok(bodyGauge(s.t.server).diskBytes <= 24 * MiB);

    const ok = await s.t.client('alice@example.com').send('FolderSync', tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]));
    assert.equal(ok.status, 200);
    for (const c of hogs) c.socket.destroy();
    await until(() => bodyGauge(s.t.server).uploads === 0, 'the hogs released');
  });
});

describe('EAS limits: timeouts and connection count', () => {
  let s: Awaited<ReturnType<typeof limitedServer>>;
  before(async () => {
    s = await limitedServer({
      headersTimeoutMs: 400, requestTimeoutMs: 1_500, bodyIdleTimeoutMs: 300, keepAliveTimeoutMs: 300,
      timeoutCheckIntervalMs: 100, maxConnections: 4,
    });
  });
  after(() => s.close());

  it('a connection that sends nothing is answered 408 and closed (headers timeout)', async () => {
    const c = await rawConnect(port(s.t));
    await c.closed;
    assert.equal(status(c), 408);
  });

  it('a body that stops arriving is answered 408 and the connection closed; its bytes are released', async () => {
    const c = await rawConnect(port(s.t));
    await write(c.socket, `${head(query('IDLE1'), 1000)}${'A'.repeat(100)}`);
    await c.closed;
    assert.equal(status(c), 408);
    assert.match(c.received(), /\r\nConnection: close\r\n/i);
    await until(() => bodyGauge(s.t.server).uploads === 0, 'the body released');
  });

  it('an idle kept-alive connection is closed after the keep-alive timeout', async () => {
    const c = await rawConnect(port(s.t));
    await write(c.socket, 'OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: x\r\n\r\n');
    await c.closed;
    assert.equal(status(c), 200);
  });

  it('connections past maxConnections are closed at once; the others are served', async () => {
    const held = await Promise.all(Array.from({ length: 4 }, () => rawConnect(port(s.t))));
    const extra = await rawConnect(port(s.t));
    await extra.closed;
    assert.equal(extra.received(), '');
    assert.ok(held.every(c => !c.isClosed()));
    for (const c of held) c.socket.destroy();
    await Promise.all(held.map(c => c.closed));
  });

  it('MS-ASCMD 2.2.1.13: a normal request and a Ping work under tight limits; the Ping outlives every timeout', async () => {
    const cal = await folderId(s.t, 'alice@example.com', FolderType.Calendar);
    const { client } = await syncedDevice(s.t, 'alice@example.com', cal, { deviceId: 'PINGLIMIT' });
    const p = tags('Ping');
    const pending = client.send('Ping', p('Ping', [p('HeartbeatInterval', 120), p('Folders', [p('Folder', [p('Id', cal), p('Class', 'Calendar')])])]));
    // Longer than the header, body, keep-alive and whole-request timeouts.
    await new Promise(r => setTimeout(r, 2_000));
    const alice = (await s.t.store.findUserByEmail('alice@example.com'))!;
    await s.t.store.addItem(alice.id, Number(cal), { class: 'Calendar', props: event('After the timeouts') });
    const res = await pending;
    assert.equal(res.status, 200);
    assert.equal(res.body?.childText('Status'), '2');
  });
});

describe('EAS limits: answers before login and quiet aborts', () => {
  const lines: { level: number; msg: string }[] = [];
  let s: Awaited<ReturnType<typeof limitedServer>>;
  let logDir: string;
  before(async () => {
    logDir = mkdtempSync(join(tmpdir(), 'convene-devlog-test-'));
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(JSON.parse(String(chunk))); done(); } });
    s = await limitedServer({}, { server: { log: pino({ level: 'debug' }, sink), protocolLogDir: logDir } });
  });
  after(async () => {
    await s.close();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('MS-ASHTTP 2.2.1.1.1: a bad percent-escape in the base64 query (?%) is 400 before login', async () => {
    for (const q of ['%', '%zz', '%E0%A4%A']) {
      const res = await fetch(`${s.t.url}/Microsoft-Server-ActiveSync?${q}`, { method: 'POST' });
      assert.equal(res.status, 400, q);
    }
  });

  it('a request target that is no URL (//[) is 400, not 500', async () => {
    const c = await rawConnect(port(s.t));
    await write(c.socket, 'POST //[ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    await c.closed;
    assert.equal(status(c), 400);
  });

  it('MS-ASHTTP 2.2.1.1.1.1: a refused DeviceId (invalid, or with a User not the account) leaves no protocol log file', async () => {
    const bad = await s.t.client('alice@example.com', { deviceId: 'bad id!' }).send('FolderSync', tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]));
    assert.equal(bad.body?.childText('Status'), '108');
    const other = await s.t.client('alice@example.com', { deviceId: 'NOTALLOWED' })
      .send('FolderSync', tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]), { query: { User: 'bob@example.com' } });
    assert.equal(other.body?.childText('Status'), '130');
    const good = await s.t.client('alice@example.com', { deviceId: 'GOODDEV' }).send('FolderSync', tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]));
    assert.equal(good.status, 200);
    await until(() => readdirSafe(join(logDir, 'alice@example.com')).length > 0, 'the good device logged');
    assert.deepEqual(readdirSafe(join(logDir, 'alice@example.com')), ['GOODDEV.log']);
  });

  it('an upload the client abandons is logged at info, never as an error', async () => {
    const c = await rawConnect(port(s.t));
    await write(c.socket, `${head(query('ABORT1'), 100_000)}${'A'.repeat(1000)}`);
    await until(() => bodyGauge(s.t.server).uploads === 1, 'the upload started');
    c.socket.destroy();
    await until(() => lines.some(l => /went away/.test(l.msg)), 'the abort logged');
    assert.equal(lines.find(l => /went away/.test(l.msg))!.level, 30);
    assert.deepEqual(lines.filter(l => l.level >= 50), []);
  });
});

function readdirSafe(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
