// Wrong passwords over real HTTP (docs/limits.md, Throttling): the back-off on every endpoint that
// checks a password, the right password still working from another client address (forwarded by a
// trusted proxy, and real loopback sockets 127.0.0.1 / 127.0.0.2), parallel guesses, the counters
// and log lines, and an unknown account costing exactly one password verification like a known one.
// The throttle's clock is the test's: locks end when the test moves it, nobody waits.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { BlockList } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino, type Logger } from 'pino';
import { passwordWork } from '../../src/accounts/password.js';
import { proxyTrust } from '../../src/net/proxyTrust.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; text: string }

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const EAS = '/Microsoft-Server-ActiveSync';
const AUTODISCOVER_BODY = '<?xml version="1.0" encoding="utf-8"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006">'
  + '<Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006</AcceptableResponseSchema></Request></Autodiscover>';

type Endpoint = 'ActiveSync' | 'OPTIONS' | 'Autodiscover';

/**
 * One request over node:http (fetch cannot choose the local address). `from` is the client address:
 * as X-Forwarded-For for a server behind a proxy, or the socket's own local address with `bind`.
 */
function call(t: TestServer, o: { endpoint?: Endpoint; user?: string; password?: string; from?: string; bind?: boolean }): Promise<Answer> {
  const endpoint = o.endpoint ?? 'ActiveSync';
  const user = o.user ?? 'alice@example.com';
  const headers: Record<string, string> = { Authorization: basic(user, o.password ?? PASSWORD), 'MS-ASProtocolVersion': '14.1' };
  if (o.from && !o.bind) headers['X-Forwarded-For'] = o.from;
  const target = endpoint === 'Autodiscover' ? { method: 'POST', path: '/autodiscover/autodiscover.xml', body: AUTODISCOVER_BODY }
    : endpoint === 'OPTIONS' ? { method: 'OPTIONS', path: EAS, body: '' }
    : { method: 'POST', path: `${EAS}?Cmd=Settings&User=${encodeURIComponent(user)}&DeviceId=DEV1&DeviceType=TestPhone`, body: '' };
  return new Promise((resolve, reject) => {
    const req = request(`${t.url}${target.path}`, {
      method: target.method, agent: false, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(target.body)) },
      ...(o.bind && o.from ? { localAddress: o.from } : {}),
    }, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(target.body);
  });
}

/** The answer and how many password verifications (scrypt runs) it cost. */
async function metered(f: () => Promise<Answer>): Promise<{ answer: Answer; derivations: number }> {
  const before = passwordWork.derivations;
  const answer = await f();
  return { answer, derivations: passwordWork.derivations - before };
}

function capture(): { log: Logger; messages: string[] } {
  const messages: string[] = [];
  return { messages, log: pino({ level: 'info' }, { write: (s: string) => { messages.push(String(JSON.parse(s).msg)); } }) as Logger };
}

function sample(text: string, name: string): number | undefined {
  const line = text.split('\n').find(l => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

/** A server whose throttle runs on `clock.now`. */
async function throttledServer(o: { behindProxy: boolean; trustedProxies?: BlockList; users?: string[]; log?: Logger; backend?: (typeof BACKENDS)[number] }) {
  const clock = { now: 1_000_000 };
  const t = await startServer({
    users: o.users, backend: o.backend,
    server: { behindProxy: o.behindProxy, throttle: { now: () => clock.now }, ...(o.log ? { log: o.log } : {}),
      ...(o.trustedProxies ? { trustedProxies: o.trustedProxies } : {}) },
  });
  return { t, clock };
}

describe('logon throttle over HTTP', () => {
  let t: TestServer;
  let clock: { now: number };
  const { log, messages } = capture();

  before(async () => { ({ t, clock } = await throttledServer({ behindProxy: true, log })); });
  after(() => t.close());

  it('backs off after wrong passwords, on every endpoint, while the right password works from another address', async () => {
    const attacker = '198.51.100.7';
    for (let i = 0; i < 5; i++) {
      const wrong = await call(t, { password: `guess-${i}`, from: attacker });
      assert.equal(wrong.status, 401);
      assert.ok(wrong.headers['www-authenticate']);
    }
    // MS-ASHTTP 3.1.5.2.3: 503 with Retry-After, not 401 (which would make a phone ask for the password).
    for (const endpoint of ['ActiveSync', 'OPTIONS', 'Autodiscover'] as const) {
      const held = await metered(() => call(t, { endpoint, from: attacker }));
      assert.equal(held.answer.status, 503, endpoint);
      assert.equal(held.answer.headers['retry-after'], '60', endpoint);
      assert.equal(held.answer.headers['www-authenticate'], undefined);
      // Refused before any verification: no guess is evaluated while locked.
      assert.equal(held.derivations, 0);
    }
    for (const endpoint of ['ActiveSync', 'OPTIONS', 'Autodiscover'] as const) {
      assert.equal((await call(t, { endpoint, from: '203.0.113.9' })).status, 200, endpoint);
    }
    // Once the lock is over, the right password works there too; a wrong one locks again, twice as long.
    clock.now += 60_000;
    assert.equal((await call(t, { from: attacker, password: 'guess-5' })).status, 401);
    assert.equal((await call(t, { from: attacker })).headers['retry-after'], '120');
    clock.now += 120_000;
    assert.equal((await call(t, { from: attacker })).status, 200);

    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    assert.equal(sample(metrics, 'convene_auth_throttled_total{endpoint="ActiveSync",scope="account"}'), 2);
    assert.equal(sample(metrics, 'convene_auth_throttled_total{endpoint="OPTIONS",scope="account"}'), 1);
    assert.equal(sample(metrics, 'convene_auth_throttled_total{endpoint="Autodiscover",scope="account"}'), 1);
    assert.equal(sample(metrics, 'convene_auth_locks_total{scope="account"}'), 2);
    assert.equal(sample(metrics, 'convene_auth_failures_total{endpoint="ActiveSync"}'), 6);
    assert.deepEqual(messages.filter(m => m.startsWith('auth locked')), [
      'auth locked scope=account user=alice@example.com addr=198.51.100.7 seconds=60',
      'auth locked scope=account user=alice@example.com addr=198.51.100.7 seconds=120',
    ]);
  });

  it('counts a forwarded address with a port (IPv4 a.b.c.d:port, [IPv6]:port) as the address, not one key per port', async () => {
    // Some proxies (Azure Application Gateway, IIS ARR) append the client's port: every connection a new port.
    for (const [client, other] of [['198.51.100.44', '198.51.100.45'], ['2001:db8:44::7', '2001:db8:45::7']] as const) {
      const withPort = (port: number) => (client.includes(':') ? `[${client}]:${port}` : `${client}:${port}`);
      for (let i = 0; i < 5; i++) assert.equal((await call(t, { password: `port-guess-${i}`, from: withPort(40_000 + i) })).status, 401);
      const held = await call(t, { from: withPort(40_100) });
      assert.deepEqual([held.status, held.headers['retry-after']], [503, '60'], client);
      assert.equal((await call(t, { from: client })).status, 503, `${client} without a port is the same client`);
      assert.equal((await call(t, { from: other })).status, 200);
    }
    assert.ok(messages.includes('auth locked scope=account user=alice@example.com addr=198.51.100.44 seconds=60'));
  });

  it('believes X-Forwarded-For only from a trusted proxy: a direct client cannot pick a fresh address per guess', async () => {
    const { log: ownLog, messages: own } = capture();
    const { t: direct } = await throttledServer({ behindProxy: true, trustedProxies: proxyTrust(['192.0.2.1']), log: ownLog });
    try {
      for (let i = 0; i < 5; i++) {
        assert.equal((await call(direct, { password: `direct-guess-${i}`, from: `203.0.113.${i + 1}` })).status, 401);
      }
      assert.equal((await call(direct, { from: '203.0.113.99' })).status, 503);
      assert.ok(own.some(m => /^auth locked scope=account user=alice@example.com addr=(127\.0\.0\.1|::1) /.test(m)), own.join('\n'));
    } finally {
      await direct.close();
    }
  });

  it('locks an address that tries many accounts, for every account', async () => {
    const sprayer = '192.0.2.55';
    for (let i = 0; i < 10; i++) assert.equal((await call(t, { user: `user${i}@example.com`, password: 'Spring2026!', from: sprayer })).status, 401);
    const held = await call(t, { from: sprayer });
    assert.deepEqual([held.status, held.headers['retry-after']], [503, '60']);
    assert.equal((await call(t, { from: '192.0.2.56' })).status, 200);
    assert.ok(messages.includes('auth locked scope=address user=user9@example.com addr=192.0.2.55 seconds=60'));
  });

  it('evaluates at most the allowed guesses when they arrive in parallel', async () => {
    const before = passwordWork.derivations;
    const answers = await Promise.all(Array.from({ length: 12 }, (_x, i) => call(t, { password: `parallel-${i}`, from: '198.51.100.99' })));
    assert.deepEqual(answers.map(a => a.status).sort(), [...Array(5).fill(401), ...Array(7).fill(503)]);
    assert.equal(passwordWork.derivations - before, 5);
  });

  it('verifies the right password once for parallel requests of one phone, and lets them all in', async () => {
    const { t: fresh } = await throttledServer({ behindProxy: true });
    try {
      const before = passwordWork.derivations;
      const answers = await Promise.all(Array.from({ length: 10 }, () => call(fresh, { from: '198.51.100.20' })));
      assert.deepEqual(answers.map(a => a.status), Array(10).fill(200));
      assert.equal(passwordWork.derivations - before, 1);
    } finally {
      await fresh.close();
    }
  });
});

describe('logon throttle over real client addresses (127.0.0.1 and 127.0.0.2)', () => {
  it('locks the address that guessed, and lets the right password in from the other', async ctx => {
    const { t } = await throttledServer({ behindProxy: false });
    try {
      const probe = await call(t, { from: '127.0.0.2', bind: true }).catch((e: Error) => e);
      if (probe instanceof Error) return ctx.skip(`cannot bind 127.0.0.2 on this machine (${probe.message}); the X-Forwarded-For test covers the rule`);
      for (let i = 0; i < 5; i++) assert.equal((await call(t, { password: `guess-${i}`, from: '127.0.0.2', bind: true })).status, 401);
      const held = await call(t, { from: '127.0.0.2', bind: true });
      assert.deepEqual([held.status, held.headers['retry-after']], [503, '60']);
      assert.equal((await call(t, { from: '127.0.0.1', bind: true })).status, 200);
    } finally {
      await t.close();
    }
  });
});

describe('logon throttle without --behind-proxy behind a proxy', () => {
  it('says once in the log that every client counts as the proxy', async () => {
    const { log, messages } = capture();
    const { t } = await throttledServer({ behindProxy: false, log });
    try {
      for (let i = 0; i < 2; i++) await call(t, { from: '198.51.100.7' });
      assert.equal(messages.filter(m => m.includes('X-Forwarded-For but --behind-proxy is off')).length, 1);
    } finally {
      await t.close();
    }
  });
});

for (const backend of BACKENDS) {
  describe(`equal work for unknown accounts (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let n = 0;
    // A fresh client address per request: this is about cost and answer, not the throttle.
    const from = (): string => `10.1.${n >> 8}.${n++ & 255}`;
    /** What a client can compare: status and headers, without the ones that differ on every answer anyway. */
    const visible = (a: Answer) => {
      const { date: _d, 'server-timing': _s, connection: _c, 'keep-alive': _k, ...headers } = a.headers;
      return { status: a.status, headers, text: a.text };
    };

    before(async () => {
      ({ t } = await throttledServer({ behindProxy: true, backend, users: ['alice@example.com', 'sam@example.com', 'sam@example.org'] }));
    });
    after(() => t.close());

    it('verifies one password per request whether the account exists or not, with the same answer', async () => {
      for (const endpoint of ['ActiveSync', 'OPTIONS', 'Autodiscover'] as const) {
        const tries = {
          known: await metered(() => call(t, { endpoint, user: 'alice@example.com', password: 'wrong', from: from() })),
          knownBare: await metered(() => call(t, { endpoint, user: 'alice', password: 'wrong', from: from() })),
          unknown: await metered(() => call(t, { endpoint, user: 'nobody@example.com', password: 'wrong', from: from() })),
          unknownBare: await metered(() => call(t, { endpoint, user: 'EXAMPLE\\nobody', password: 'wrong', from: from() })),
          // Two accounts share the local part: the bare name is no account.
          ambiguous: await metered(() => call(t, { endpoint, user: 'sam', password: PASSWORD, from: from() })),
        };
        for (const [name, r] of Object.entries(tries)) {
          assert.equal(r.derivations, 1, `${endpoint} ${name}: password verifications`);
          assert.deepEqual(visible(r.answer), visible(tries.known.answer), `${endpoint} ${name}: answer`);
        }
        assert.equal(tries.known.answer.status, 401);
      }
      // The right password: verified once, then remembered (docs/limits.md).
      const first = await metered(() => call(t, { from: from(), user: 'sam@example.com' }));
      const again = await metered(() => call(t, { from: from(), user: 'sam@example.com' }));
      assert.deepEqual([first.answer.status, first.derivations, again.answer.status, again.derivations], [200, 1, 200, 0]);
    });

    it('throttles a logon name that is no account exactly as one that is', async () => {
      const outcome = async (user: string) => {
        const addr = from();
        const statuses: number[] = [];
        for (let i = 0; i < 6; i++) statuses.push((await call(t, { user, password: `x${i}`, from: addr })).status);
        return statuses;
      };
      assert.deepEqual(await outcome('nobody@example.com'), await outcome('alice@example.com'));
      assert.deepEqual(await outcome('alice@example.com'), [401, 401, 401, 401, 401, 503]);
    });

    it('answers Autodiscover v2 the same for any address', async () => {
      const ask = async (address: string) => (await fetch(`${t.url}/autodiscover/autodiscover.json/v1.0/${address}?Protocol=ActiveSync`)).text();
      assert.equal(await ask('nobody@example.com'), await ask('alice@example.com'));
    });
  });
}
