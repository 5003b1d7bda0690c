// Two nodes over one PostgreSQL against one node (issue 14: reported, with what bounds it): no-change
// Calendar Sync throughput of 8 clients, all on node A, then 4 on A and 4 on B. Each node is a
// `convene serve --db` process of its own; the clients run in this process. On a 2-core machine
// the two nodes, PostgreSQL and the clients share the same cores, so the ratio says how much of a
// node's time is its own CPU rather than waiting on the database.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderType } from '../../src/store/types.js';
import { postgresBackend } from '../../test/helpers/stores.js';
import { event } from '../../test/helpers/items.js';
import { startChild } from '../helpers.js';

const CLIENTS = 8;
const EVENTS = 150;
const SECONDS = Number(process.env.THROUGHPUT_BENCH_SECONDS ?? 3);
const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));

async function node(db: string): Promise<{ child: ChildProcess; url: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'convene-node-'));
  return { ...await startChild([BIN, 'serve', '--data', dir, '--db', db, '--host', '127.0.0.1', '--port', '0', '--log-level', 'error', '--drain-seconds', '0']), dir };
}

async function rate(mirrors: CollectionMirror[]): Promise<number> {
  let done = 0;
  const started = performance.now();
  const until = started + SECONDS * 1000;
  await Promise.all(mirrors.map(async m => {
    while (performance.now() < until) {
      if (!(await m.sync()).empty) throw new Error('expected no changes');
      done++;
    }
  }));
  return done / ((performance.now() - started) / 1000);
}

export default async function run(): Promise<Record<string, number>> {
  const backend = await postgresBackend();
  const store = await backend.open();
  const user = await createAccount(store, { email: 'tn@example.com', password: 'bench-password' });
  const calendar = (await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!;
  await store.transaction(async tx => {
    for (let i = 0; i < EVENTS; i++) await tx.addItem(user.id, calendar.id, { class: 'Calendar', props: event(`Event ${i}`, '20261201T100000Z', '20261201T110000Z') });
  });
  await store.close();
  const nodes = [await node(backend.db!), await node(backend.db!)];
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  try {
    const mirrorsOn = async (urls: string[], tag: string) => Promise.all(Array.from({ length: CLIENTS }, async (_, i) => {
      const m = new CollectionMirror(new EasClient({ baseUrl: urls[i % urls.length], user: user.email, password: 'bench-password', deviceId: `${tag}${i}`, agent }), String(calendar.id));
      await m.sync();
      await m.syncAll();
      return m;
    }));
    const one = await mirrorsOn([nodes[0].url], 'ONE');
    const two = await mirrorsOn(nodes.map(n => n.url), 'TWO');
    await rate(one); // warm-up
    await rate(two);
    const oneRate = await rate(one);
    const twoRate = await rate(two);
    console.log(`no-change Calendar Sync, ${CLIENTS} clients, PostgreSQL: one node ${oneRate.toFixed(0)} req/s, ` +
      `two nodes ${twoRate.toFixed(0)} req/s, ratio ${(twoRate / oneRate).toFixed(2)} (reported; 2 cores shared by both nodes, PostgreSQL and the clients)`);
    return { oneNodeReqPerS: Math.round(oneRate), twoNodesReqPerS: Math.round(twoRate), ratio: Number((twoRate / oneRate).toFixed(2)) };
  } finally {
    agent.destroy();
    for (const n of nodes) {
      n.child.kill('SIGTERM');
      await new Promise(r => n.child.once('exit', r));
      rmSync(n.dir, { recursive: true, force: true });
    }
    await backend.dispose();
  }
}
