// MS-ASCMD 2.2.1.13 Ping over real HTTP: limits, cached parameters, and wake-ups from changes made
// by another device, by the server, and by another node over the same PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { AddressInfo } from 'node:net';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { HEARTBEAT } from '../../src/eas/commands/Ping.js';
import { createEasServer } from '../../src/eas/http/server.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { event } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { postgresBackend } from '../helpers/stores.js';

const p = tags('Ping');
// A Ping wakes on a change or at its heartbeat, nothing else (src/push/waitForChange.ts). With the
// longest heartbeat (59 min), an answer inside WAIT can only be the change's doing; WAIT itself
// only turns a Ping that missed its wake-up into a failure instead of an hour's hang.
const WAIT = { timeout: 120_000 };

const pingBody = (heartbeat: number | string | undefined, ids: string[] | undefined) => p('Ping', [
  heartbeat !== undefined && p('HeartbeatInterval', heartbeat),
  ids && p('Folders', ids.map(id => p('Folder', [p('Id', id), p('Class', 'Calendar')]))),
]);
const statusOf = (body: Element | undefined) => body?.childText('Status');

describe('Ping', () => {
  let t: TestServer;
  let calId: string;
  let n = 0;
  /** A device that has synced its folders and its calendar, as a phone does before it pings. */
  const readyDevice = async () => {
    const { client, collection } = await syncedDevice(t, 'alice@example.com', calId, { deviceId: `PING${++n}` });
    return { client, cal: collection };
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com'] });
    calId = await folderId(t, 'alice@example.com', FolderType.Calendar);
  });
  after(() => t.close());

  it('without cached parameters answers 3; bad intervals 5 with the bound; too many folders 6; garbage 4', async () => {
    const { client } = await readyDevice();
    assert.equal(statusOf((await client.send('Ping')).body), '3');
    const low = (await client.send('Ping', pingBody(10, [calId]))).body;
    assert.deepEqual([statusOf(low), low?.childText('HeartbeatInterval')], ['5', '60']);
    const high = (await client.send('Ping', pingBody(4000, [calId]))).body;
    assert.deepEqual([statusOf(high), high?.childText('HeartbeatInterval')], ['5', '3540']);
    // R5837, R4249: whatever its sign or size, an interval out of range is 5 with the bound, never 4.
    for (const [value, bound] of [['-30', '60'], ['0', '60'], ['-99999999999999999999999', '60'], ['1000000000', '3540'], ['99999999999999999999999999', '3540']]) {
      const body = (await client.send('Ping', pingBody(value, [calId]))).body;
      assert.deepEqual([statusOf(body), body?.childText('HeartbeatInterval')], ['5', bound], value);
    }
    const many = (await client.send('Ping', pingBody(300, Array.from({ length: 301 }, (_, i) => String(i + 1))))).body;
    assert.deepEqual([statusOf(many), many?.childText('MaxFolders')], ['6', '300']);
    assert.equal(statusOf((await client.send('Ping', pingBody(300, ['abc']))).body), '4');
    assert.equal(statusOf((await client.send('Ping', tags('AirSync')('Sync'))).body), '4');
  });

  it('MS-ASCMD 3.1.5.8: a refused Ping (4, 5, 6) caches nothing; one part alone, with nothing cached, is 3', async () => {
    const { client } = await readyDevice();
    await client.send('Ping', pingBody(10, [calId]));
    await client.send('Ping', pingBody(300, Array.from({ length: 301 }, (_, i) => String(i + 1))));
    await client.send('Ping', pingBody('soon', [calId]));
    assert.equal(statusOf((await client.send('Ping')).body), '3');
    assert.equal(statusOf((await client.send('Ping', pingBody(300, undefined))).body), '3');
    assert.equal(statusOf((await client.send('Ping', pingBody(undefined, [calId]))).body), '3');
  });

  it('a device that never ran FolderSync, or names an unknown folder, is told to (7)', async () => {
    const fresh = t.client('alice@example.com', { deviceId: 'NOFOLDERS' });
    assert.equal(statusOf((await fresh.send('Ping', pingBody(60, [calId]))).body), '7');
    const { client } = await readyDevice();
    assert.equal(statusOf((await client.send('Ping', pingBody(60, ['999999']))).body), '7');
  });

  it('reports a change that happened before the Ping at once (2)', async () => {
    const { client } = await readyDevice();
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    await t.store.addItem(alice.id, Number(calId), { class: 'Calendar', props: event('Already there') });
    const res = await client.send('Ping', pingBody(60, [calId]));
    assert.equal(statusOf(res.body), '2');
    assert.deepEqual(res.body?.child('Folders')?.all('Folder').map(f => f.text), [calId]);
  });

  it('wakes on a change from another device of the same account, not at its heartbeat, and reuses its cached parameters', WAIT, async () => {
    const { client } = await readyDevice();
    const other = await readyDevice();
    const first = client.send('Ping', pingBody(HEARTBEAT.max, [calId]));
    await new Promise(r => setTimeout(r, 200));
    await other.cal.sync([{ kind: 'Add', clientId: 'w', props: event('Wake') }]);
    const res = await first;
    assert.equal(statusOf(res.body), '2');
    // The device syncs, then pings with an empty body: interval and folders come from the cache.
    const own = new CollectionMirror(client, calId);
    await own.sync();
    await own.syncAll();
    const second = client.send('Ping');
    await new Promise(r => setTimeout(r, 200));
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    await t.store.addItem(alice.id, Number(calId), { class: 'Calendar', props: event('Delivered') });
    assert.equal(statusOf((await second).body), '2');
  });

  it('answers 7 when the folder hierarchy changes while it waits', async () => {
    const { client } = await readyDevice();
    const pending = client.send('Ping', pingBody(120, [calId]));
    await new Promise(r => setTimeout(r, 200));
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    await t.store.createFolder(alice.id, { parentId: 0, displayName: `New ${n}`, type: FolderType.UserMail });
    assert.equal(statusOf((await pending).body), '7');
  });

  it('a newer Ping from the same device ends the older one (1)', async () => {
    const { client } = await readyDevice();
    const older = client.send('Ping', pingBody(120, [calId]));
    await new Promise(r => setTimeout(r, 200));
    const newer = client.send('Ping', pingBody(120, [calId]));
    assert.equal(statusOf((await older).body), '1');
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    await new Promise(r => setTimeout(r, 100));
    await t.store.addItem(alice.id, Number(calId), { class: 'Calendar', props: event('For the newer') });
    assert.equal(statusOf((await newer).body), '2');
  });
});

describe('Ping across two nodes over one PostgreSQL', () => {
  it('a change made through node B wakes a Ping waiting on node A', WAIT, async () => {
    const a = await startServer({ backend: postgresBackend, users: ['carol@example.com'] });
    const storeB = await a.backend.open();
    const serverB = createEasServer({ store: storeB, log: pino({ level: 'silent' }) });
    await new Promise<void>(r => serverB.listen(0, '127.0.0.1', r));
    try {
      const carol = (await a.store.findUserByEmail('carol@example.com'))!;
      const cal = String((await a.store.listFolders(carol.id)).find(f => f.type === FolderType.Calendar)!.id);
      const onA = a.client('carol@example.com', { deviceId: 'NODEA' });
      await new FolderHierarchyMirror(onA).sync();
      const mA = new CollectionMirror(onA, cal);
      await mA.sync();
      await mA.syncAll();
      const onB = new EasClient({ baseUrl: `http://127.0.0.1:${(serverB.address() as AddressInfo).port}`, user: 'carol@example.com', password: PASSWORD, deviceId: 'NODEB' });
      const mB = new CollectionMirror(onB, cal);
      await mB.sync();
      const pending = onA.send('Ping', pingBody(HEARTBEAT.max, [cal]));
      await new Promise(r => setTimeout(r, 300));
      await mB.sync([{ kind: 'Add', clientId: 'b', props: event('From node B') }]);
      assert.equal(statusOf((await pending).body), '2', 'woken by node B\'s change, an hour before the heartbeat');
    } finally {
      serverB.closeAllConnections();
      await new Promise(r => serverB.close(r));
      await storeB.close();
      await a.close();
    }
  });
});
