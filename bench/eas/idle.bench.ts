// What an idle device costs the store: no-change Sync, FolderSync and Ping over real HTTP on a
// 150-event calendar — statements and rows written per request on both stores, and on PostgreSQL
// the WAL bytes per request (pg_wal_lsn_diff of pg_current_wal_insert_lsn before and after: the
// insert position, since pg_current_wal_lsn lags behind it by what the WAL writer has not written
// yet). The PostgreSQL round runs on a
// private embedded cluster, so no other client's WAL is counted (fsync and full_page_writes are
// off there: the figure is the records our statements write, without full-page images).
import type { AddressInfo } from 'node:net';
import { Agent } from 'node:http';
import pg from 'pg';
import { pino } from 'pino';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { createEasServer } from '../../src/eas/http/server.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { event } from '../../test/helpers/items.js';
import { postgresBackend, sqliteBackend, type Backend } from '../../test/helpers/stores.js';

const EVENTS = 150;
const REQUESTS = Number(process.env.IDLE_BENCH_REQUESTS ?? 200);
const p = tags('Ping');

interface Figures { walBytes?: number; statements: number; rowsWritten: number }

type StartEmbedded = () => Promise<{ url: string; stop: () => Promise<void> }>;
const { startEmbedded } = (await import(new URL('../../../scripts/test-postgres.js', import.meta.url).href)) as { startEmbedded: StartEmbedded };

export default async function run(): Promise<Record<string, Figures>> {
  const out: Record<string, Figures> = {};
  Object.assign(out, await round(await sqliteBackend(), undefined));
  const cluster = await startEmbedded();
  try {
    const saved = process.env.CONVENE_TEST_PG;
    process.env.CONVENE_TEST_PG = cluster.url;
    const backend = await postgresBackend().finally(() => { process.env.CONVENE_TEST_PG = saved; });
    Object.assign(out, await round(backend, cluster.url));
  } finally {
    await cluster.stop();
  }
  return out;
}

async function round(backend: Backend, adminUrl: string | undefined): Promise<Record<string, Figures>> {
  const store = await backend.open();
  const server = createEasServer({ store, log: pino({ level: 'silent' }) });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
  const admin = adminUrl ? new pg.Client({ connectionString: adminUrl }) : undefined;
  await admin?.connect();
  const lsn = async (): Promise<string> => (await admin!.query<{ l: string }>('SELECT pg_current_wal_insert_lsn()::text AS l')).rows[0].l;
  const out: Record<string, Figures> = {};
  try {
    const user = await createAccount(store, { email: 'idle@example.com', password: 'bench-password' });
    const calendar = (await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!;
    await store.transaction(async tx => {
      for (let i = 0; i < EVENTS; i++) {
        await tx.addItem(user.id, calendar.id, { class: 'Calendar', props: event(`Event ${i}`, '20261201T100000Z', '20261201T110000Z') });
      }
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const client = new EasClient({ baseUrl: url, user: user.email, password: 'bench-password', deviceId: 'IDLE1', agent });
    const hierarchy = new FolderHierarchyMirror(client);
    await hierarchy.sync();
    const mirror = new CollectionMirror(client, String(calendar.id));
    await mirror.sync();
    await mirror.syncAll();
    if (mirror.items.size !== EVENTS) throw new Error(`expected ${EVENTS} events on the device, got ${mirror.items.size}`);

    const measure = async (label: string, requests: () => Promise<number>): Promise<void> => {
      const lsn0 = admin && await lsn();
      const c0 = store.statementCounts();
      const n = await requests();
      const c1 = store.statementCounts();
      const figures: Figures = { statements: (c1.statements - c0.statements) / n, rowsWritten: (c1.rowsWritten - c0.rowsWritten) / n };
      if (admin) {
        const diff = await admin.query<{ d: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d', [await lsn(), lsn0]);
        figures.walBytes = Number(diff.rows[0].d) / n;
      }
      out[`${backend.name} ${label}`] = figures;
      console.log(`[${backend.name}] no-change ${label} on a ${EVENTS}-event calendar, per request over ${n}: ` +
        `${figures.statements.toFixed(1)} statements, ${figures.rowsWritten.toFixed(2)} rows written` +
        (figures.walBytes !== undefined ? `, ${figures.walBytes.toFixed(0)} WAL bytes (target ≤ 300)` : ''));
    };

    await measure('Sync', async () => {
      for (let i = 0; i < REQUESTS; i++) if (!(await mirror.sync()).empty) throw new Error('expected no changes');
      return REQUESTS;
    });
    await measure('FolderSync', async () => {
      const key = hierarchy.syncKey;
      for (let i = 0; i < REQUESTS; i++) {
        if ((await hierarchy.sync()) !== 1 || hierarchy.syncKey !== key) throw new Error('expected no folder changes');
      }
      return REQUESTS;
    });
    await measure('Ping', () => pings(client, calendar.id));
  } finally {
    await admin?.end();
    agent.destroy();
    server.closeAllConnections();
    await new Promise(r => server.close(r));
    await store.close();
    await backend.dispose();
  }
  return out;
}

/**
 * REQUESTS Pings of one device, each ended by the next (MS-ASCMD 3.1.5.8: a newer Ping answers the
 * held one with Status 1, as its heartbeat would). The last stays held; it has done its writes by
 * the time it ends the one before, so it counts too.
 */
async function pings(client: EasClient, calendarId: number): Promise<number> {
  const ping = () => client.send('Ping', p('Ping', [p('HeartbeatInterval', 900),
    p('Folders', [p('Folder', [p('Id', String(calendarId)), p('Class', 'Calendar')])])]))
    .then(r => {
      if (r.body?.childText('Status') !== '1') throw new Error(`expected Ping Status 1, got ${r.body?.childText('Status')}`);
    });
  const held = new Set<Promise<void>>();
  for (let i = 0; i < REQUESTS; i++) {
    const sent = ping();
    held.add(sent);
    void sent.then(() => held.delete(sent), () => held.delete(sent));
    // Whichever began first is superseded by the other: wait until one of them has been answered.
    if (held.size > 1) await Promise.race(held);
  }
  return REQUESTS;
}
