// The real server the HTTP fuzz properties talk to (test/helpers/server.ts, SQLite), with its store
// calls counted, plus what the properties check: a snapshot of the accounts' data (folders, their
// modseqs, OOF, the outbound queue) and a full Sync of every folder from a fresh device.
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { CollectionMirror } from '../../src/client/collection.js';
import { type EasClient, type EasResponse, type SendOptions } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType } from '../../src/store/types.js';
import type { Element } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { sqliteBackend } from '../helpers/stores.js';
import { countingStore } from './steps.js';

export const USERS = ['alice@example.com', 'bob@example.com'];

export interface FuzzServer extends TestServer {
  /** Store calls made since the server started (requests and the test's own reads). */
  counter: { calls: number };
}

/** The last error the server logged (a 500's cause), for failure messages. */
let lastError = '';
export const serverError = (): string => lastError;
const errorLog = pino({ level: 'error' }, { write: (line: string) => { lastError = line.slice(0, 600); } });

export async function startFuzzServer(): Promise<FuzzServer> {
  const counter = { calls: 0 };
  const backend = async () => {
    const b = await sqliteBackend();
    return { ...b, open: async () => countingStore(await b.open(), counter) };
  };
  const t = await startServer({ users: USERS, backend, server: { log: errorLog } });
  return { ...t, counter };
}

/** Everything a refused request must leave as it was: per account, folders with modseq, OOF, the outbound queue. */
export async function snapshot(store: Store): Promise<string> {
  const out: unknown[] = [];
  for (const email of USERS) {
    const user = (await store.findUserByEmail(email))!;
    const folders = [];
    for (const f of await store.listFolders(user.id)) {
      const full = await store.getFolder(user.id, f.id);
      folders.push([f.id, f.parentId, f.displayName, f.type, full?.modseq]);
    }
    out.push(email, folders, await store.getOof(user.id));
  }
  out.push(await store.nextOutboundDue());
  return JSON.stringify(out);
}

/**
 * Sends one request. Ping and a hanging Sync wait for a change: while this one is pending and
 * someone listens on the change feed, a hierarchy change is announced (no data changes) so it ends.
 */
export async function sendWoken(t: TestServer, client: EasClient, cmd: string, tree: Element | undefined, opts: SendOptions = {}): Promise<EasResponse> {
  const user = (await t.store.findUserByEmail(client.options.user))!;
  let done = false;
  const listeners = t.store.changes.size;
  const kick = async (): Promise<void> => {
    while (!done) {
      await new Promise(resolve => setTimeout(resolve, 20));
      if (t.store.changes.size > listeners) t.store.changes.emit({ userId: user.id, hierarchy: true });
    }
  };
  const kicking = kick();
  try {
    return await client.send(cmd, tree, opts);
  } finally {
    done = true;
    await kicking;
  }
}

/** Every stored item renderable: a fresh device's FolderSync and full Sync of each folder succeed. */
export async function assertFullSync(t: TestServer, email: string, deviceId: string): Promise<void> {
  const client = t.client(email, { deviceId });
  const hierarchy = new FolderHierarchyMirror(client);
  assert.equal(await hierarchy.sync(), 1, 'FolderSync');
  for (const folder of hierarchy.folders.values()) {
    // Journal folders have no EAS class (src/sync/classes.ts): Sync answers them Status 4 by design.
    if (folder.type === FolderType.Journal || folder.type === FolderType.UserJournal) continue;
    const mirror = new CollectionMirror(client, folder.serverId);
    const first = await mirror.sync();
    assert.equal(first.response.status, 200, `Sync of folder ${folder.displayName}: HTTP ${first.response.status} ${serverError()}`);
    for (const round of await mirror.syncAll()) {
      assert.equal(round.response.status, 200, `Sync of folder ${folder.displayName}: HTTP ${round.response.status} ${serverError()}`);
      assert.equal(round.status, 1, `Sync of folder ${folder.displayName}: Status ${round.status}`);
    }
  }
}

/**
 * Deletes every item of the accounts' folders, so each case starts from empty folders and the full
 * Sync that checks it costs the same in case 1 and case 1,000.
 */
export async function emptyFolders(store: Store): Promise<void> {
  for (const email of USERS) {
    const user = (await store.findUserByEmail(email))!;
    for (const f of await store.listFolders(user.id)) for (const id of await store.liveItemIds(f.id)) await store.deleteItem(user.id, id);
  }
}
