// 10,000 held Pings against a server in its own process: the server's memory per waiting Ping,
// how fast they wake (p50/p99) when their calendars change at once and the time until the last
// answer, against a bare node:http server (also its own process) holding and then answering the
// same number of requests in the same run (issue 14). PING_BENCH_COUNT changes the count.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hashPassword } from '../../src/accounts/password.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { openStore } from '../../src/store/open.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { event } from '../../test/helpers/items.js';
import { startChild } from '../helpers.js';

const PINGS = Number(process.env.PING_BENCH_COUNT ?? 10_000);
const USERS = 50;
/** Row (a): how many times the one device of its own account is woken while the rest stay held. */
const SINGLE_CHANGES = 50;
const SOLO = 'solo@example.com';
const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));
const p = tags('Ping');

/** CONVENE_BENCH_PROFILE_DIR: the server gets bench/profileHook.js; heap snapshots before and while holding, a CPU profile of the all-at-once wave. */
const PROFILE_DIR = process.env.CONVENE_BENCH_PROFILE_DIR;
const HOOK = fileURLToPath(new URL('../profileHook.js', import.meta.url));
const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]); }));
}

/** A bare node:http server in a child process: holds every request until POST /release, then answers all. */
const BARE = `const http = require('node:http'); const held = [];
const s = http.createServer((q, r) => { if (q.url === '/count') return r.end(String(held.length));
  if (q.url === '/release') { for (const h of held.splice(0)) h.end('ok'); return r.end('done'); } held.push(r); });
s.keepAliveTimeout = 0; s.headersTimeout = 0; s.requestTimeout = 0;
s.listen(0, '127.0.0.1', () => console.log('at http://127.0.0.1:' + s.address().port + '/'));`;


const get = (url: string, agent: Agent): Promise<string> => new Promise((resolve, reject) => {
  request(url, { agent }, res => { let b = ''; res.on('data', c => { b += c; }); res.on('end', () => resolve(b)); }).on('error', reject).end();
});

/** The reference: a bare node:http server holding `count` requests, then answering them all at once. */
async function bareHeld(count: number): Promise<{ ms: number; kbPerHeld: number }> {
  const { child, url } = await startChild(['-e', BARE]);
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    // Connections are opened 500 at a time: 10,000 at once overflow the listen backlog (511).
    const answered: Promise<string>[] = [];
    await get(`${url}/count`, agent);
    const before = rssMb(child.pid!);
    while (answered.length < count) {
      const wave = Math.min(count, answered.length + 500);
      while (answered.length < wave) answered.push(get(`${url}/hold`, agent));
      while (Number(await get(`${url}/count`, agent)) < wave) await new Promise(r => setTimeout(r, 20));
    }
    await sleep(3000);
    const kbPerHeld = (rssMb(child.pid!) - before) * 1024 / count;
    const t0 = performance.now();
    await get(`${url}/release`, agent);
    await Promise.all(answered);
    return { ms: performance.now() - t0, kbPerHeld };
  } finally {
    agent.destroy();
    child.kill('SIGTERM');
    await new Promise(r => child.once('exit', r));
  }
}

export default async function run(): Promise<Record<string, number>> {
  const bare = await bareHeld(PINGS);
  const bareMs = bare.ms;
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-pingbench-'));
  const store = await openStore({ dataDir });
  const hash = await hashPassword('bench-password');
  const calendars = new Map<string, string>();
  for (const email of [...Array.from({ length: USERS }, (_, u) => `u${u}@example.com`), SOLO]) {
    const user = await store.createUser({ email, displayName: email, passwordHash: hash });
    calendars.set(user.email, String((await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!.id));
  }
  await store.close();
  const { child, url } = await startChild([...(PROFILE_DIR ? ['--import', HOOK] : []), BIN, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'error', '--drain-seconds', '0', '--max-connections', String(PINGS + 1000)]);
  try {
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    // The last device is alone on its account: row (a) changes its calendar alone.
    const devices = Array.from({ length: PINGS }, (_, i) => ({ user: i === PINGS - 1 ? SOLO : `u${i % USERS}@example.com`, id: `P${i}` }));
    const clientOf = (d: { user: string; id: string }) => new EasClient({ baseUrl: url, user: d.user, password: 'bench-password', deviceId: d.id, agent });
    const mirrors = new Map<string, CollectionMirror>();
    await pool(devices, 64, async d => {
      const c = clientOf(d);
      // The server throttles bursts of new devices (503 and Retry-After); a device that never
      // finished its FolderSync would answer its Ping with Status 7 at once and skew every figure.
      const hierarchy = new FolderHierarchyMirror(c);
      for (let tries = 0; (await hierarchy.sync()) !== 1; tries++) {
        if (tries === 100) throw new Error(`FolderSync of ${d.id} keeps failing`);
        await new Promise(r => setTimeout(r, 200));
      }
      const m = new CollectionMirror(c, calendars.get(d.user)!);
      await m.sync();
      await m.syncAll();
      mirrors.set(d.id, m);
    });
    const baseline = [];
    const probe = clientOf(devices[0]);
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await probe.discover(true);
      baseline.push(performance.now() - t0);
    }
    const before = rssMb(child.pid!);
    if (PROFILE_DIR) await snapshot(child.pid!, () => probe.discover(true));
    const woke = new Map<string, number>();
    const statuses = new Map<string, number>();
    const pending: Promise<void>[] = [];
    const held = new Map<string, Promise<void>>();
    const hold = (d: { user: string; id: string }): Promise<void> => {
      const answered = clientOf(d).send('Ping', p('Ping', [p('HeartbeatInterval', 900),
        p('Folders', [p('Folder', [p('Id', calendars.get(d.user)!), p('Class', 'Calendar')])])]))
        .then(r => {
          const st = r.body?.childText('Status') ?? `HTTP ${r.status}`;
          statuses.set(st, (statuses.get(st) ?? 0) + 1);
          if (st === '2') woke.set(d.id, performance.now());
        });
      held.set(d.id, answered);
      return answered;
    };
    for (const d of devices) {
      // 500 at a time, as for the reference: the listen backlog is 511.
      if (pending.length % 500 === 499) await new Promise(r => setTimeout(r, 200));
      pending.push(hold(d));
    }
    await new Promise(r => setTimeout(r, 3000));
    const during = rssMb(child.pid!);
    if (PROFILE_DIR) await snapshot(child.pid!, () => probe.discover(true));

    // Row (a): one calendar changes while every other Ping stays held; that Ping's wake, from the
    // writer's Add (its processing included). Then, as a phone does, it fetches the change and
    // Pings again; and again, SINGLE_CHANGES times.
    const writers = new Map([...calendars.keys()].map(user => [user, new CollectionMirror(clientOf({ user, id: `W${user.split('@')[0]}` }), calendars.get(user)!)]));
    for (const w of writers.values()) await w.sync();
    const single: number[] = [];
    const mine = devices.filter(d => d.user === SOLO);
    for (let i = 0; i < SINGLE_CHANGES; i++) {
      const user = SOLO;
      const t0 = performance.now();
      await writers.get(user)!.sync([{ kind: 'Add', clientId: 'x', props: event('Wake') }], { getChanges: false });
      await Promise.all(mine.map(d => held.get(d.id)));
      for (const d of mine) if (woke.has(d.id)) single.push(woke.get(d.id)! - t0);
      for (const d of mine) await mirrors.get(d.id)!.sync();
      for (const d of mine) pending.push(hold(d));
      await new Promise(r => setTimeout(r, 50));
    }
    await new Promise(r => setTimeout(r, 1000));
    woke.clear();
    console.log(`one calendar changes among ${PINGS} held Pings (its one Ping woken ${single.length} times): ` +
      `p50 ${pct(single, 0.5).toFixed(1)} ms, p99 ${pct(single, 0.99).toFixed(1)} ms (target p99 ≤ 50)`);
    const changedAt = new Map<string, number>();
    if (PROFILE_DIR) { process.kill(child.pid!, 'SIGUSR2'); await sleep(500); }
    const firstChange = performance.now();
    await pool([...calendars.keys()], 8, async user => {
      changedAt.set(user, performance.now());
      await writers.get(user)!.sync([{ kind: 'Add', clientId: 'x', props: event('Wake') }], { getChanges: false });
    });
    await Promise.all(held.values());
    const allMs = performance.now() - firstChange;
    if (PROFILE_DIR) { process.kill(child.pid!, 'SIGUSR2'); await sleep(2000); }
    await sleep(3000);
    const after = rssMb(child.pid!);
    if (PROFILE_DIR) await snapshot(child.pid!, () => probe.discover(true));
    const latency = devices.filter(d => woke.has(d.id)).map(d => woke.get(d.id)! - changedAt.get(d.user)!);
    console.log(`${PINGS} idle Pings: server RSS ${before.toFixed(0)} MB → ${during.toFixed(0)} MB ` +
      `(${((during - before) * 1024 / PINGS).toFixed(1)} KB per waiting Ping, sockets included)`);
    console.log(`wake-up after a change (Add through another device, its processing included): ${latency.length}/${PINGS} woke, ` +
      `p50 ${pct(latency, 0.5).toFixed(1)} ms, p99 ${pct(latency, 0.99).toFixed(1)} ms; ` +
      `reference OPTIONS round trip p50 ${pct(baseline, 0.5).toFixed(2)} ms (ratio p50 ${(pct(latency, 0.5) / pct(baseline, 0.5)).toFixed(1)}×)`);
    console.log(`Ping answers by Status: ${[...statuses].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
    console.log(`all ${PINGS} woken at once (${USERS} calendars changed, 8 writers): last answer after ${allMs.toFixed(0)} ms; ` +
      `bare node:http answering ${PINGS} held requests: ${bareMs.toFixed(0)} ms (ratio ${(allMs / bareMs).toFixed(2)}, target ≤ 2)`);
    console.log(`server RSS after the round, no Ping held: ${after.toFixed(0)} MB (${before.toFixed(0)} MB before the Pings)`);
    console.log(`RSS per held request of the bare node:http server (its sockets, parser, request and response): ${bare.kbPerHeld.toFixed(1)} KB`);
    agent.destroy();
    return {
      pings: PINGS, singleWakeP50Ms: pct(single, 0.5), singleWakeP99Ms: pct(single, 0.99), woke: latency.length, wakeP50Ms: pct(latency, 0.5), wakeP99Ms: pct(latency, 0.99), allWokenMs: allMs,
      bareHeldMs: bareMs, ratioToBare: allMs / bareMs, bareKbPerHeld: bare.kbPerHeld, rssAfterMb: after, rssBeforeMb: before, rssHeldMb: during, kbPerHeldPing: (during - before) * 1024 / PINGS,
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise(r => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A heap snapshot of the server (SIGTTIN, profileHook.js); it blocks the server, so a request answered after it means it is written. */
async function snapshot(pid: number, probe: () => Promise<unknown>): Promise<void> {
  process.kill(pid, 'SIGTTIN');
  await sleep(300);
  await probe();
}
