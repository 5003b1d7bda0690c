// 5,000 idle Pings against a server in its own process: the server's memory per waiting Ping, and
// how fast they wake (p50/p99) when their calendars change, against a plain round trip measured
// in the same run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
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

const PINGS = Number(process.env.PING_BENCH_COUNT ?? 5000);
const USERS = 50;
const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));
const p = tags('Ping');

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const pct = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))];

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => { while (next < items.length) await fn(items[next++]); }));
}

export default async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-pingbench-'));
  const store = await openStore({ dataDir });
  const hash = await hashPassword('bench-password');
  const calendars = new Map<string, string>();
  for (let u = 0; u < USERS; u++) {
    const user = await store.createUser({ email: `u${u}@example.com`, displayName: `U${u}`, passwordHash: hash });
    calendars.set(user.email, String((await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!.id));
  }
  await store.close();
  const child = spawn(process.execPath, [BIN, 'serve', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--log-level', 'error', '--drain-seconds', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>(resolve => {
      let text = '';
      child.stdout!.on('data', (c: Buffer) => {
        text += c;
        const m = /at (http:\/\/[^/]+)\//.exec(text);
        if (m) resolve(m[1]);
      });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    const devices = Array.from({ length: PINGS }, (_, i) => ({ user: `u${i % USERS}@example.com`, id: `P${i}` }));
    const clientOf = (d: { user: string; id: string }) => new EasClient({ baseUrl: url, user: d.user, password: 'bench-password', deviceId: d.id, agent });
    await pool(devices, 64, async d => {
      const c = clientOf(d);
      await new FolderHierarchyMirror(c).sync();
      const m = new CollectionMirror(c, calendars.get(d.user)!);
      await m.sync();
      await m.syncAll();
    });
    const baseline = [];
    const probe = clientOf(devices[0]);
    for (let i = 0; i < 200; i++) {
      const t0 = performance.now();
      await probe.discover(true);
      baseline.push(performance.now() - t0);
    }
    const before = rssMb(child.pid!);
    const woke = new Map<string, number>();
    const pending = devices.map(d => clientOf(d).send('Ping', p('Ping', [p('HeartbeatInterval', 900),
      p('Folders', [p('Folder', [p('Id', calendars.get(d.user)!), p('Class', 'Calendar')])])]))
      .then(r => { if (r.body?.childText('Status') === '2') woke.set(d.id, performance.now()); }));
    await new Promise(r => setTimeout(r, 3000));
    const during = rssMb(child.pid!);
    const changedAt = new Map<string, number>();
    await pool([...calendars.keys()], 8, async user => {
      const writer = new CollectionMirror(clientOf({ user, id: `W${user.split('@')[0]}` }), calendars.get(user)!);
      await writer.sync();
      changedAt.set(user, performance.now());
      await writer.sync([{ kind: 'Add', clientId: 'x', props: event('Wake') }], { getChanges: false });
    });
    await Promise.all(pending);
    const latency = devices.filter(d => woke.has(d.id)).map(d => woke.get(d.id)! - changedAt.get(d.user)!);
    console.log(`${PINGS} idle Pings: server RSS ${before.toFixed(0)} MB → ${during.toFixed(0)} MB ` +
      `(${((during - before) * 1024 / PINGS).toFixed(1)} KB per waiting Ping, sockets included)`);
    console.log(`wake-up after a change (Add through another device, its processing included): ${latency.length}/${PINGS} woke, ` +
      `p50 ${pct(latency, 0.5).toFixed(1)} ms, p99 ${pct(latency, 0.99).toFixed(1)} ms; ` +
      `reference OPTIONS round trip p50 ${pct(baseline, 0.5).toFixed(2)} ms (ratio p50 ${(pct(latency, 0.5) / pct(baseline, 0.5)).toFixed(1)}×)`);
    agent.destroy();
  } finally {
    child.kill('SIGTERM');
    await new Promise(r => child.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
  }
}
