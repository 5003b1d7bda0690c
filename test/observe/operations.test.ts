// The operator's view over real HTTP and SMTP: /metrics after real traffic (one registry per
// server), /healthz against the store, /readyz, the access log line and the fail2ban line.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { pino, type Logger } from 'pino';
import { markStopping, serverMetrics } from '../../src/eas/http/server.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';

type Line = Record<string, unknown>;

/** A pino logger whose lines land in `lines`, parsed. */
function capture(): { log: Logger; lines: Line[]; raw: string[] } {
  const lines: Line[] = [];
  const raw: string[] = [];
  const write = (s: string): void => { raw.push(s); lines.push(JSON.parse(s) as Line); };
  return { lines, raw, log: pino({ level: 'info' }, { write }) as Logger };
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const EAS_QUERY = 'User=alice@example.com&DeviceId=DEV1&DeviceType=TestPhone';

/** The value of one sample in Prometheus text format; undefined when absent. */
function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('operations: metrics, health, access log', () => {
  let t: TestServer;
  let other: TestServer;
  let smtp: InboundSmtp;
  let smtpPort: number;
  const { log, lines, raw } = capture();
  const scrape = async (s: TestServer, headers: Record<string, string> = {}) => fetch(`${s.url}/metrics`, { headers });

  before(async () => {
    t = await startServer({ server: { log } });
    // A second server in the same process: its own registry, no collision, no shared counts.
    other = await startServer();
    const metrics = serverMetrics(t.server)!;
    smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', onResult: r => metrics.inboundResult(r) });
    metrics.watchSmtp(() => smtp.inFlight());
    smtpPort = await smtp.listen(0, '127.0.0.1');
  });
  after(async () => {
    await smtp.close();
    await other.close();
    await t.close();
  });

  it('counts Sync, a refused login and an inbound message, and reads the gauges at scrape time', async () => {
    await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Inbox));
    const refused = await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=FolderSync&${EAS_QUERY}`, {
      method: 'POST', headers: { Authorization: basic('alice@example.com', 'wrong'), 'MS-ASProtocolVersion': '14.1' },
    });
    assert.equal(refused.status, 401);
    await nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true })
      .sendMail({ from: 'someone@elsewhere.example', to: 'alice@example.com', subject: 'hi', text: 'hello' });

    const res = await scrape(t);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.ok(sample(text, 'convene_http_requests_total{command="Sync",status="200"}')! >= 2);
    assert.equal(sample(text, 'convene_http_requests_total{command="FolderSync",status="401"}'), 1);
    assert.equal(sample(text, 'convene_auth_failures_total{endpoint="ActiveSync"}'), 1);
    assert.ok(sample(text, 'convene_http_request_duration_seconds_count{command="Sync"}')! >= 2);
    assert.equal(sample(text, 'convene_smtp_inbound_messages_total{result="delivered"}'), 1);
    assert.equal(sample(text, 'convene_waiting_requests'), 0);
    assert.equal(sample(text, 'convene_http_body_bytes_in_flight{where="memory"}'), 0);
    assert.equal(sample(text, 'convene_smtp_body_bytes_in_flight{where="disk"}'), 0);
    assert.ok(sample(text, 'convene_store_probe_seconds')! >= 0);
    // Nothing waits in the outbound queue.
    assert.equal(sample(text, 'convene_outbound_overdue_seconds'), 0);

    const elsewhere = await (await scrape(other)).text();
    assert.equal(sample(elsewhere, 'convene_http_requests_total{command="Sync",status="200"}'), undefined);
  });

  it('labels an unknown Cmd "unknown": client input does not become a label', async () => {
    await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=Evil${'x'.repeat(40)}&${EAS_QUERY}`, {
      method: 'POST', headers: { Authorization: basic('alice@example.com', PASSWORD), 'MS-ASProtocolVersion': '14.1' },
    });
    const text = await (await scrape(t)).text();
    assert.doesNotMatch(text, /Evilx/);
    assert.ok(sample(text, 'convene_http_requests_total{command="unknown",status="501"}')! >= 1);
  });

  it('serves /metrics only to loopback peers that no proxy forwarded', async () => {
    const res = await scrape(t, { 'X-Forwarded-For': '203.0.113.9' });
    assert.equal(res.status, 403);
    assert.doesNotMatch(await res.text(), /convene_/);
  });

  it('writes one access line per request with command, account, device, status and address', async () => {
    lines.length = 0;
    await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=FolderSync&${EAS_QUERY}`, {
      method: 'POST', headers: { Authorization: basic('alice@example.com', PASSWORD), 'MS-ASProtocolVersion': '14.1' },
    });
    await new Promise(r => setImmediate(r));
    const access = lines.filter(l => l.access);
    assert.equal(access.length, 1);
    // No body: FolderSync needs one, so the gate answers 200 with Status InvalidContent (MS-ASCMD 2.2.2).
    assert.deepEqual(
      { command: access[0].command, account: access[0].account, deviceId: access[0].deviceId, http: access[0].http, addr: access[0].addr, method: access[0].method },
      { command: 'FolderSync', account: 'alice@example.com', deviceId: 'DEV1', http: 200, addr: '127.0.0.1', method: 'POST' });
    assert.equal(typeof access[0].ms, 'number');
    assert.equal(typeof access[0].easStatus, 'number');
  });

  it('logs refused credentials in one fixed form on every endpoint, never the password', async () => {
    lines.length = 0;
    raw.length = 0;
    const auth = { Authorization: basic('mallory@example.com', 'hunter2-secret') };
    await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=Sync&${EAS_QUERY}`, { method: 'POST', headers: { ...auth, 'MS-ASProtocolVersion': '14.1' } });
    await fetch(`${t.url}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS', headers: auth });
    await fetch(`${t.url}/autodiscover/autodiscover.xml`, { method: 'POST', headers: auth, body: '<x/>' });
    // A logon name with a space and a newline cannot forge a field or a line.
    await fetch(`${t.url}/Microsoft-Server-ActiveSync`, { method: 'OPTIONS', headers: { Authorization: basic('a addr=1.2.3.4\nb', 'x') } });
    await new Promise(r => setImmediate(r));
    const failures = lines.filter(l => String(l.msg).startsWith('auth failure'));
    assert.deepEqual(failures.map(l => [l.msg, l.endpoint]), [
      ['auth failure user=mallory@example.com addr=127.0.0.1', 'ActiveSync'],
      ['auth failure user=mallory@example.com addr=127.0.0.1', 'OPTIONS'],
      ['auth failure user=mallory@example.com addr=127.0.0.1', 'Autodiscover'],
      ['auth failure user=a?addr=1.2.3.4?b addr=127.0.0.1', 'OPTIONS'],
    ]);
    assert.doesNotMatch(JSON.stringify(lines), /hunter2|Basic /);
    // The fail2ban filter of docs/operations.md on the raw lines (<HOST> as an address, {LEPOCH} as digits).
    const failregex = /"time":\d{13}.*"msg":"auth failure user=\S* addr=([0-9A-Fa-f:.]+)"/;
    assert.deepEqual(raw.map(l => failregex.exec(l)?.[1]).filter(Boolean), ['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('reports how long the earliest queued outbound message is overdue', async () => {
    // `other` runs no outbound mailer: what is queued there stays queued.
    const alice = (await other.store.findUserByEmail('alice@example.com'))!;
    await other.store.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['x@elsewhere.example'], mime: Buffer.from('Subject: x\r\n\r\nx') });
    await new Promise(r => setTimeout(r, 20));
    const text = await (await scrape(other)).text();
    assert.ok(sample(text, 'convene_outbound_overdue_seconds')! > 0);
    assert.equal(sample(text, 'convene_outbound_queue_depth'), 1);
    assert.ok(sample(text, 'convene_outbound_oldest_age_seconds')! > 0);
  });

  it('/healthz reads the store; /readyz is ready until shutdown begins', async () => {
    const health = await fetch(`${t.url}/healthz`);
    assert.deepEqual([health.status, await health.text()], [200, 'ok\n']);
    const ready = await fetch(`${other.url}/readyz`);
    assert.deepEqual([ready.status, await ready.text()], [200, 'ready\n']);
    markStopping(other.server);
    const stopping = await fetch(`${other.url}/readyz`);
    assert.deepEqual([stopping.status, await stopping.text()], [503, 'shutting down\n']);
  });
});

describe('operations: a store that fails, a proxy in front', () => {
  it('/healthz answers 503 with one line when the store fails', async () => {
    const t = await startServer();
    const { store } = t;
    const realClose = store.close.bind(store);
    await realClose();
    // The store is closed under the server; the test's own cleanup must not close it twice.
    store.close = async () => undefined;
    try {
      const res = await fetch(`${t.url}/healthz`);
      const text = await res.text();
      assert.equal(res.status, 503);
      assert.match(text, /^store unavailable: [^\n]*\n$/);
    } finally {
      await t.close();
    }
  });

  it('behind a proxy, logs the address the proxy appended to X-Forwarded-For', async () => {
    const { log, lines } = capture();
    const t = await startServer({ server: { log, behindProxy: true } });
    try {
      await fetch(`${t.url}/Microsoft-Server-ActiveSync`, {
        method: 'OPTIONS', headers: { Authorization: basic('eve@example.com', 'x'), 'X-Forwarded-For': '10.9.9.9, 198.51.100.7' },
      });
      await new Promise(r => setImmediate(r));
      assert.ok(lines.some(l => l.msg === 'auth failure user=eve@example.com addr=198.51.100.7'));
      assert.ok(lines.some(l => l.access && l.addr === '198.51.100.7' && l.command === 'OPTIONS' && l.http === 401));
    } finally {
      await t.close();
    }
  });
});
