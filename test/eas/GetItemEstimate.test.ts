// MS-ASCMD 2.2.1.9 GetItemEstimate over real HTTP and WBXML: the estimate is exactly what the next
// Syncs deliver (server changes, less the device's own, within its FilterType), every Status, both
// request shapes, and nothing written.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror, type SyncRound } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderType, type Folder } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { email, event } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const gie = tags('GetItemEstimate');
const as = tags('AirSync');

interface Query { syncKey: string; collectionId: string | number; filterType?: number; legacyClass?: string }
interface Answer { status: number; collectionId?: string; estimate?: number; class?: string }

async function estimate(client: EasClient, queries: Query[]): Promise<Answer[]> {
  const res = await client.send('GetItemEstimate', gie('GetItemEstimate', [gie('Collections', queries.map(q => gie('Collection',
    q.legacyClass !== undefined
      // ≤12.1 (MS-ASCMD 6.20, second sequence): Class, CollectionId, FilterType, SyncKey.
      ? [gie('Class', q.legacyClass), gie('CollectionId', String(q.collectionId)), as('FilterType', q.filterType ?? 0), as('SyncKey', q.syncKey)]
      : [as('SyncKey', q.syncKey), gie('CollectionId', String(q.collectionId)),
        q.filterType !== undefined && as('Options', [as('FilterType', q.filterType)])])))]));
  assert.equal(res.status, 200);
  return (res.body?.all('Response') ?? []).map(r => {
    const c = r.child('Collection');
    const value = c?.childText('Estimate');
    return { status: Number(r.childText('Status')), collectionId: c?.childText('CollectionId'), estimate: value === undefined ? undefined : Number(value),
      class: c?.childText('Class') };
  });
}

const delivered = (rounds: SyncRound[]): number => rounds.reduce((sum, r) => sum + (r.collection?.child('Commands')?.children.length ?? 0), 0);

for (const backend of BACKENDS) {
  describe(`GetItemEstimate (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let alice: number;
    let folders: Folder[];
    let n = 0;
    const phone = (overrides = {}): EasClient => t.client('alice@example.com', { deviceId: `EST${++n}`, ...overrides });
    const newFolder = async (type: 12 | 13): Promise<number> =>
      (await t.store.createFolder(alice, { parentId: 0, displayName: `Folder ${++n}`, type })).id;
    const one = async (client: EasClient, m: CollectionMirror, filterType?: number): Promise<Answer> =>
      (await estimate(client, [{ syncKey: m.syncKey, collectionId: m.collectionId, filterType }]))[0];

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folders = await t.store.listFolders(alice);
    });
    after(() => t.close());

    it('equals what the next Syncs deliver: server adds, changes and deletes, less what the device did itself', async () => {
      const cal = await newFolder(13);
      const client = phone();
      const m = new CollectionMirror(client, String(cal));
      await m.sync();
      const ids: number[] = [];
      for (let i = 0; i < 5; i++) ids.push((await t.store.addItem(alice, cal, { class: 'Calendar', props: event(`e${i}`) }))!.id);
      assert.deepEqual(await one(client, m), { status: 1, collectionId: String(cal), estimate: 5, class: undefined });
      assert.equal(delivered(await m.syncAll({ windowSize: 2 })), 5);
      assert.equal((await one(client, m)).estimate, 0);
      // Two changes, one delete, two adds, one add deleted again before the device saw it.
      await t.store.updateItem(alice, ids[0], { props: event('e0 moved') });
      await t.store.updateItem(alice, ids[1], { props: event('e1 moved') });
      await t.store.deleteItem(alice, ids[2]);
      await t.store.addItem(alice, cal, { class: 'Calendar', props: event('new 1') });
      await t.store.addItem(alice, cal, { class: 'Calendar', props: event('new 2') });
      const fleeting = (await t.store.addItem(alice, cal, { class: 'Calendar', props: event('fleeting') }))!;
      await t.store.deleteItem(alice, fleeting.id);
      // The device's own add and change travel in a Sync that asks for no changes: not counted.
      await m.sync([{ kind: 'Add', clientId: 'mine', props: event('mine') }, { kind: 'Change', serverId: `${cal}:${ids[3]}`, props: event('e3 mine') }],
        { getChanges: false });
      assert.equal((await one(client, m)).estimate, 5);
      const rounds = await m.syncAll({ windowSize: 3 });
      assert.equal(delivered(rounds), 5);
      assert.equal((await one(client, m)).estimate, 0);
    });

    it('asks nothing of the state: the key, the watermark and the holdings stay as they were', async () => {
      const cal = await newFolder(13);
      const client = phone();
      const m = new CollectionMirror(client, String(cal));
      await m.sync();
      await t.store.addItem(alice, cal, { class: 'Calendar', props: event('untouched') });
      const device = (await t.store.listDevices(alice)).find(d => d.deviceId === client.options.deviceId)!;
      const before = await t.store.getCollectionState(device.id, cal);
      assert.equal((await one(client, m, 4)).estimate, 1);
      assert.equal((await one(client, m)).estimate, 1);
      assert.deepEqual(await t.store.getCollectionState(device.id, cal), before);
      assert.equal(await t.store.heldCount(device.id, cal), 0);
      assert.equal(delivered(await m.syncAll()), 1);
    });

    it('MS-ASCMD 2.2.3.70: FilterType, as the next Sync will use it (narrowing counts SoftDeletes); the 12.1 shape too', async () => {
      const box = await newFolder(12);
      const old = Date.now() - 40 * 86400_000;
      for (let i = 0; i < 3; i++) await t.store.addItem(alice, box, { class: 'Email', props: email(`old ${i}`, new Date(old)), filterTime: old });
      for (let i = 0; i < 2; i++) await t.store.addItem(alice, box, { class: 'Email', props: email(`new ${i}`), filterTime: Date.now() });
      const client = phone();
      const legacy = t.client('alice@example.com', { deviceId: client.options.deviceId, version: '12.1' });
      const m = new CollectionMirror(client, String(box));
      const week = [as('FilterType', 3)];
      await m.sync([], { options: week });
      assert.equal((await one(client, m, 3)).estimate, 2);
      assert.equal((await one(client, m)).estimate, 2, 'no FilterType: the one the device synced with');
      assert.deepEqual(await estimate(legacy, [{ syncKey: m.syncKey, collectionId: box, filterType: 3, legacyClass: 'Email' }]),
        [{ status: 1, collectionId: String(box), estimate: 2, class: 'Email' }]);
      assert.equal(delivered(await m.syncAll({ options: week })), 2);
      assert.equal((await one(client, m, 0)).estimate, 3, 'widened: the old mail comes in');
      assert.equal(delivered(await m.syncAll({ options: [as('FilterType', 0)] })), 3);
      assert.equal((await one(client, m, 2)).estimate, 3, 'narrowed: three SoftDeletes');
      const rounds = await m.syncAll({ options: [as('FilterType', 2)] });
      assert.equal(delivered(rounds), 3);
      assert.ok(rounds.flatMap(r => r.collection?.child('Commands')?.children ?? []).every(c => c.name === 'SoftDelete'));
    });

    it('a device that lost its last Sync response and sends the key before: the resent response counts too', async () => {
      const cal = await newFolder(13);
      const client = phone();
      const m = new CollectionMirror(client, String(cal));
      await m.sync();
      for (let i = 0; i < 5; i++) await t.store.addItem(alice, cal, { class: 'Calendar', props: event(`r${i}`) });
      const lostKey = m.syncKey;
      await m.sync([], { windowSize: 2 });
      assert.equal((await one(client, m)).estimate, 3);
      assert.equal((await estimate(client, [{ syncKey: lostKey, collectionId: cal }]))[0].estimate, 5);
      const retry = new CollectionMirror(client, String(cal));
      retry.syncKey = lostKey;
      assert.equal(delivered(await retry.syncAll({ windowSize: 2 })), 5);
    });

    it('MS-ASCMD 2.2.3.177.7: Status 2 (unknown, another account\'s), 3 (not primed), 4 (key); one Response per Collection', async () => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      const inbox = folders.find(f => f.type === FolderType.Inbox)!.id;
      const journal = folders.find(f => f.type === FolderType.Journal)!.id;
      const cal = await newFolder(13);
      const client = phone();
      const m = new CollectionMirror(client, String(cal));
      await m.sync();
      const answers = await estimate(client, [
        { syncKey: '1', collectionId: 999999 },
        { syncKey: '1', collectionId: 'inbox' },
        { syncKey: '1', collectionId: bobInbox },
        { syncKey: '1', collectionId: journal },
        { syncKey: '1', collectionId: inbox }, // never synced by this device
        { syncKey: '0', collectionId: cal },
        { syncKey: '77', collectionId: cal },
        { syncKey: m.syncKey, collectionId: cal },
      ]);
      assert.deepEqual(answers.map(a => a.status), [2, 2, 2, 2, 3, 3, 4, 1]);
      assert.deepEqual(answers.map(a => a.collectionId), ['999999', 'inbox', String(bobInbox), String(journal), String(inbox), String(cal), String(cal), String(cal)]);
      assert.deepEqual(answers.map(a => a.estimate), [undefined, undefined, undefined, undefined, undefined, undefined, undefined, 0]);
    });

    it('MS-ASNOTE 2.2.2 (Notes are 14.0+): before 14.0 the Notes folder is no collection, Status 2 as for Journal', async () => {
      const notes = folders.find(f => f.type === FolderType.Notes)!.id;
      const client = phone();
      const m = new CollectionMirror(client, String(notes));
      await m.sync();
      assert.equal((await one(client, m)).status, 1, '14.1 estimates its Notes');
      const legacy = t.client('alice@example.com', { deviceId: client.options.deviceId, version: '12.1' });
      assert.deepEqual((await estimate(legacy, [{ syncKey: m.syncKey, collectionId: notes, legacyClass: 'Notes' }])).map(a => a.status), [2]);
      assert.deepEqual((await estimate(phone({ version: '12.1' }), [{ syncKey: '1', collectionId: notes, legacyClass: 'Notes' }])).map(a => a.status), [2]);
    });

    it('a request outside the schema: common Status 103 for 14.1, HTTP 400 for 12.1', async () => {
      const bodies = [gie('GetItemEstimate'), gie('GetItemEstimate', [gie('Collections', [gie('Collection', [gie('CollectionId', '1')])])])];
      for (const body of bodies) {
        const r14 = await phone().send('GetItemEstimate', body);
        assert.equal(r14.body?.childText('Status'), '103');
        assert.equal((await phone({ version: '12.1' }).send('GetItemEstimate', body)).status, 400);
      }
    });

    it('R2984: a FilterType the class does not have (6 on mail, 3 on a calendar, 8 on mail) is common Status 103', async () => {
      const client = phone();
      const calendar = folders.find(f => f.type === 8)!.id;
      const box = await newFolder(12);
      for (const [folder, filterType] of [[box, 6], [calendar, 3], [box, 8]] as const) {
        const m = new CollectionMirror(client, String(folder));
        await m.sync();
        const res = await client.send('GetItemEstimate', gie('GetItemEstimate', [gie('Collections', [gie('Collection', [
          as('SyncKey', m.syncKey), gie('CollectionId', String(folder)), as('Options', [as('FilterType', filterType)])])])]));
        assert.equal(res.body?.childText('Status'), '103', `${filterType} on ${folder}`);
        assert.equal((await one(client, m, folder === box ? 5 : 7)).status, 1, 'one it has');
      }
    });
  });
}
