// No-change Calendar Sync throughput (requests/s) at 1 and 8 clients, each client its own device of
// one account polling one 150-event calendar over keep-alive HTTP, against a bare `node:http` server
// measured in the same run with the same client and the same request bytes (it reads the body and
// answers 200 with nothing, as a no-change Sync does). Client and server share this process, in both
// cases. Each round is bounded in time and requests; it stops by itself.
import { createServer, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderType } from '../../src/store/types.js';
import { event } from '../../test/helpers/items.js';
import { onEachBackend } from '../helpers.js';

const EVENTS = 150;
const CLIENTS = (process.env.THROUGHPUT_BENCH_CLIENTS ?? '1,8').split(',').map(Number);
const SECONDS = Number(process.env.THROUGHPUT_BENCH_SECONDS ?? 3);
const MAX_REQUESTS = 20_000;

type Poll = () => Promise<void>;

/** `clients` loops of `poll` for SECONDS (or MAX_REQUESTS in all): requests per second. */
async function rate(polls: Poll[]): Promise<{ perSecond: number; done: number }> {
  let done = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(polls.map(async poll => {
    while (performance.now() < until && done < MAX_REQUESTS) {
      await poll();
      done++;
    }
  }));
  return { perSecond: done / ((performance.now() - started) / 1000), done };
}

/** The reference: answers every POST 200 with an empty body once the body is read. */
async function bare(polls: number): Promise<number> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(200, { 'Content-Length': '0' }); res.end(); });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const mirrors = Array.from({ length: polls }, (_, i) => {
      const m = new CollectionMirror(new EasClient({ baseUrl: url, user: 'b@example.com', password: 'x', deviceId: `BARE${i}`, agent }), '1');
      m.syncKey = '2';
      return m;
    });
    await rate(mirrors.map(m => async () => { if (!(await m.sync()).empty) throw new Error('bare answered'); })); // warm-up
    return (await rate(mirrors.map(m => async () => { if (!(await m.sync()).empty) throw new Error('bare answered'); }))).perSecond;
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise(r => server.close(r));
  }
}

export default async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  await onEachBackend(async ({ backend, store, url }) => {
    const user = await createAccount(store, { email: 'tp@example.com', password: 'bench-password' });
    const calendar = (await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!;
    await store.transaction(async tx => {
      for (let i = 0; i < EVENTS; i++) {
        await tx.addItem(user.id, calendar.id, { class: 'Calendar', props: event(`Event ${i}`, '20261201T100000Z', '20261201T110000Z') });
      }
    });
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    try {
      const mirrors: CollectionMirror[] = [];
      for (let i = 0; i < Math.max(...CLIENTS); i++) {
        const m = new CollectionMirror(new EasClient({ baseUrl: url, user: user.email, password: 'bench-password', deviceId: `TP${i}`, agent }), String(calendar.id));
        await m.sync();
        await m.syncAll();
        if (m.items.size !== EVENTS) throw new Error(`expected ${EVENTS} events on the device, got ${m.items.size}`);
        mirrors.push(m);
      }
      const poll = (m: CollectionMirror): Poll => async () => { if (!(await m.sync()).empty) throw new Error('expected no changes'); };
      for (const clients of CLIENTS) {
        const reference = await bare(clients);
        const polls = mirrors.slice(0, clients).map(poll);
        await rate(polls); // warm-up
        const c0 = store.statementCounts().statements;
        const measured = await rate(polls);
        const statements = (store.statementCounts().statements - c0) / measured.done;
        const ratio = measured.perSecond / reference;
        out[`${backend.name} ${clients} clients req/s`] = Math.round(measured.perSecond);
        out[`bare ${clients} clients req/s (${backend.name} round)`] = Math.round(reference);
        out[`${backend.name} ${clients} clients ratio`] = Number(ratio.toFixed(3));
        console.log(`[${backend.name}] no-change Calendar Sync, ${clients} client(s): ${measured.perSecond.toFixed(0)} req/s, ` +
          `bare node:http ${reference.toFixed(0)} req/s, ratio ${ratio.toFixed(3)} ` +
          `(target at 8 clients ≥ ${backend.name === 'sqlite' ? '0.5' : '0.25'}); ~${statements.toFixed(1)} statements per request`);
      }
    } finally {
      agent.destroy();
    }
  });
  return out;
}
