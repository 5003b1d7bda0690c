// MS-ASCMD 2.2.1.21 Sync over real HTTP and WBXML: SyncKey semantics, windows, client commands,
// conflicts, ghosting, retries, cached and hanging requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror, type SyncRoundOptions } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderType, type Folder } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { contact, email } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const con = tags('Contacts');

for (const backend of BACKENDS) {
  describe(`Sync (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let alice: number;
    let folders: Folder[];
    const folder = (type: number) => folders.find(f => f.type === type)!;
    let device = 0;
    const phone = (overrides = {}): EasClient => t.client('alice@example.com', { deviceId: `PHONE${++device}`, ...overrides });

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folders = await t.store.listFolders(alice);
    });
    after(() => t.close());

    it('SyncKey 0 starts the collection: a new key, Status 1, no items yet', async () => {
      await t.store.addItem(alice, folder(FolderType.Inbox).id, { class: 'Email', props: email('before') });
      const m = new CollectionMirror(phone(), String(folder(FolderType.Inbox).id));
      const r = await m.sync();
      assert.equal(r.status, 1);
      assert.equal(m.syncKey, '1');
      assert.equal(r.collection?.child('Commands'), undefined);
    });

    it('pages through a folder with WindowSize and MoreAvailable: every item once', async () => {
      const inbox = folder(FolderType.Inbox).id;
      for (let i = 0; i < 23; i++) await t.store.addItem(alice, inbox, { class: 'Email', props: email(`m${i}`) });
      const m = new CollectionMirror(phone(), String(inbox));
      await m.sync();
      const rounds = await m.syncAll({ windowSize: 5 });
      assert.deepEqual(rounds.map(r => r.moreAvailable), [true, true, true, true, false]);
      const adds = rounds.flatMap(r => r.collection?.child('Commands')?.all('Add') ?? []);
      assert.equal(adds.length, 24);
      assert.equal(new Set(adds.map(a => a.childText('ServerId'))).size, 24);
      assert.deepEqual([...m.items.keys()].sort(), (await t.store.liveItemIds(inbox)).map(id => `${inbox}:${id}`).sort());
    });

    it('MS-ASCMD 2.2.1.21.2: nothing new → an empty response for 14.1, the same key for 12.0', async () => {
      const m = new CollectionMirror(phone(), String(folder(FolderType.Inbox).id));
      await m.sync();
      await m.syncAll();
      const key = m.syncKey;
      const r = await m.sync();
      assert.equal(r.empty, true);
      assert.equal(m.syncKey, key);
      const old = new CollectionMirror(phone({ version: '12.0' }), String(folder(FolderType.Inbox).id));
      await old.sync();
      await old.syncAll();
      const r12 = await old.sync();
      assert.equal(r12.empty, false);
      assert.equal(r12.collection?.childText('SyncKey'), old.syncKey);
      assert.equal(r12.collection?.childText('Class'), 'Email');
    });

    it("adds a device's item, answers its ClientId with a ServerId, and never echoes it back", async () => {
      const m = new CollectionMirror(phone(), String(folder(FolderType.Contacts).id));
      await m.sync();
      await m.syncAll();
      const r = await m.sync([{ kind: 'Add', clientId: 'c1', props: contact('Dentist') }]);
      const serverId = r.added.get('c1')?.serverId;
      assert.equal(r.added.get('c1')?.status, 1);
      assert.match(serverId!, /^\d+:\d+$/);
      assert.equal(r.collection?.child('Commands'), undefined);
      const stored = await t.store.getItem(alice, Number(serverId!.split(':')[1]));
      assert.deepEqual(stored?.props, contact('Dentist'));
      assert.equal((await m.sync()).empty, true);
    });

    it('a second device of the same account receives the first one\'s add, change and delete', async () => {
      const conId = String(folder(FolderType.Contacts).id);
      const a = new CollectionMirror(phone(), conId);
      const b = new CollectionMirror(phone(), conId);
      for (const m of [a, b]) { await m.sync(); await m.syncAll(); }
      const added = await a.sync([{ kind: 'Add', clientId: 'x', props: contact('Standup') }]);
      const serverId = added.added.get('x')!.serverId!;
      await b.syncAll();
      assert.deepEqual(b.items.get(serverId), contact('Standup'));
      await a.sync([{ kind: 'Change', serverId, props: contact('Standup (moved)') }]);
      await b.syncAll();
      assert.equal(b.items.get(serverId)?.find(p => p[0] === 'Contacts:FileAs')?.[1], 'Standup (moved)');
      await a.sync([{ kind: 'Delete', serverId }]);
      await b.syncAll();
      assert.equal(b.items.has(serverId), false);
      assert.deepEqual([...a.items.keys()].sort(), [...b.items.keys()].sort());
    });

    it('MS-ASCMD 2.2.3.43: a Delete moves the item to Deleted Items unless DeletesAsMoves is 0', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const trash = folder(FolderType.DeletedItems).id;
      const m = new CollectionMirror(phone(), String(inbox));
      const d = new CollectionMirror(phone(), String(trash));
      for (const x of [m, d]) { await x.sync(); await x.syncAll(); }
      const one = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('to trash') }))!;
      const two = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('to nothing') }))!;
      await m.syncAll();
      await m.sync([{ kind: 'Delete', serverId: `${inbox}:${one.id}` }]);
      await m.sync([{ kind: 'Delete', serverId: `${inbox}:${two.id}` }], { deletesAsMoves: false });
      await d.syncAll();
      const subjects = [...d.items.values()].map(p => p.find(x => x[0] === 'Email:Subject')?.[1]);
      assert.ok(subjects.includes('to trash'));
      assert.ok(!subjects.includes('to nothing'));
      assert.equal(await t.store.getItem(alice, two.id), undefined);
    });

    it("unknown ServerIds and another account's items get Status 8, and nothing changes", async () => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = (await t.store.listFolders(bob))[0];
      const secret = email('private', new Date('2026-01-01T00:00:00Z'));
      const bobs = (await t.store.addItem(bob, bobInbox.id, { class: 'Email', props: secret }))!;
      const inbox = folder(FolderType.Inbox).id;
      const m = new CollectionMirror(phone(), String(inbox));
      await m.sync();
      const r = await m.sync([
        { kind: 'Change', serverId: `${inbox}:999999`, props: [['Email:Read', '1']] },
        { kind: 'Delete', serverId: `${bobInbox.id}:${bobs.id}` },
        { kind: 'Delete', serverId: `${inbox}:${bobs.id}` },
        { kind: 'Fetch', serverId: 'garbage' },
      ], { getChanges: false });
      assert.deepEqual(r.statuses.map(s => s.status), [8, 8, 8, 8]);
      assert.deepEqual((await t.store.getItem(bob, bobs.id))?.props, secret);
    });

    it('a device deleting an item the server already removed gets Status 1 (the outcome holds) and no Delete for it later', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const m = new CollectionMirror(phone(), String(inbox));
      await m.sync();
      await m.syncAll();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('gone twice') }))!;
      await m.syncAll();
      await t.store.deleteItem(alice, item.id);
      const r = await m.sync([{ kind: 'Delete', serverId: `${inbox}:${item.id}` }]);
      assert.equal(r.statuses[0]?.status ?? 1, 1);
      const deletes = (r.collection?.child('Commands')?.all('Delete') ?? []).map(d => d.childText('ServerId'));
      assert.ok(!deletes.includes(`${inbox}:${item.id}`));
      const next = await m.sync();
      assert.ok(next.empty || !(next.collection?.child('Commands')?.all('Delete') ?? []).some(d => d.childText('ServerId') === `${inbox}:${item.id}`));
    });

    it('two devices delete the same item: the second gets Status 1, and neither hears of it again', async () => {
      const conId = folder(FolderType.Contacts).id;
      const bClient = phone();
      const a = new CollectionMirror(phone(), String(conId));
      const b = new CollectionMirror(bClient, String(conId));
      for (const m of [a, b]) { await m.sync(); await m.syncAll(); }
      const item = (await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Twice Deleted') }))!;
      const serverId = `${conId}:${item.id}`;
      for (const m of [a, b]) await m.syncAll();
      assert.ok(a.items.has(serverId) && b.items.has(serverId));
      const first = await a.sync([{ kind: 'Delete', serverId }], { getChanges: false });
      assert.equal(first.statuses[0]?.status ?? 1, 1);
      // b has not synced since: its Delete finds the item gone. It asked for that outcome; it holds.
      const second = await b.sync([{ kind: 'Delete', serverId }], { getChanges: false });
      assert.equal(second.statuses[0]?.status ?? 1, 1);
      assert.ok(!b.items.has(serverId));
      const bDevice = (await t.store.listDevices(alice)).find(d => d.deviceId === bClient.options.deviceId)!;
      assert.equal((await t.store.heldVersions(bDevice.id, conId, [item.id])).has(item.id), false);
      // Later Syncs of either device carry no Delete (nor Add) of it.
      for (const m of [a, b]) {
        for (const round of await m.syncAll()) {
          const commands = round.collection?.child('Commands')?.children ?? [];
          assert.ok(!commands.some(c => c.childText('ServerId') === serverId), `${round.collection ? 'command' : ''} for ${serverId}`);
        }
      }
      // A ServerId b never held is still Status 8.
      const unknown = await b.sync([{ kind: 'Delete', serverId: `${conId}:${item.id + 1000}` }], { getChanges: false });
      assert.equal(unknown.statuses[0]?.status, 8);
    });

    it('Fetch returns one item whole', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const props = email('fetch me', new Date('2026-01-01T00:00:00Z'));
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props }))!;
      const m = new CollectionMirror(phone(), String(inbox));
      await m.sync();
      const r = await m.sync([{ kind: 'Fetch', serverId: `${inbox}:${item.id}` }], { getChanges: false });
      assert.equal(r.statuses[0].status, 1);
      const data = r.statuses[0].data!;
      assert.deepEqual(data.filter(p => p[0] !== 'AirSyncBase:Body'), props.filter(p => p[0] !== 'AirSyncBase:Body'));
      assert.deepEqual(data.find(p => p[0] === 'AirSyncBase:Body')?.[1],
        [['AirSyncBase:Type', '1'], ['AirSyncBase:EstimatedDataSize', '16'], ['AirSyncBase:Data', 'Body of fetch me']]);
    });

    it('MS-ASCMD 2.2.3.34: server wins a conflict (Status 7) and sends its version; client wins with Conflict 0', async () => {
      const conId = folder(FolderType.Contacts).id;
      const m = new CollectionMirror(phone(), String(conId));
      await m.sync();
      await m.syncAll();
      const added = await m.sync([{ kind: 'Add', clientId: 'k', props: contact('Original') }]);
      const serverId = added.added.get('k')!.serverId!;
      const id = Number(serverId.split(':')[1]);
      await t.store.updateItem(alice, id, { props: contact('Server edit') });
      const r = await m.sync([{ kind: 'Change', serverId, props: contact('Device edit') }]);
      assert.equal(r.statuses.find(s => s.serverId === serverId)?.status, 7);
      assert.equal(m.items.get(serverId)?.find(p => p[0] === 'Contacts:FileAs')?.[1], 'Server edit');
      assert.equal((await t.store.getItem(alice, id))?.props.find(p => p[0] === 'Contacts:FileAs')?.[1], 'Server edit');
      await t.store.updateItem(alice, id, { props: contact('Server edit 2') });
      await m.sync([{ kind: 'Change', serverId, props: contact('Device wins') }], { options: [as('Conflict', 0)] });
      assert.equal((await t.store.getItem(alice, id))?.props.find(p => p[0] === 'Contacts:FileAs')?.[1], 'Device wins');
    });

    it('MS-ASCMD 2.2.3.172: a property the device does not support survives its Change (ghosting)', async () => {
      const conId = folder(FolderType.Contacts).id;
      const item = (await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Ghost Writer', [['Contacts:JobTitle', 'Author']]) }))!;
      const serverId = `${conId}:${item.id}`;
      const supported = [con('FileAs'), con('FirstName'), con('LastName'), con('MobilePhoneNumber')];
      const m = new CollectionMirror(phone(), String(conId));
      await m.sync([], { supported });
      await m.syncAll();
      await m.sync([{ kind: 'Change', serverId, props: [['Contacts:FileAs', 'Ghost 2'], ['Contacts:FirstName', 'Ghost'], ['Contacts:LastName', '2']] }]);
      const props = (await t.store.getItem(alice, item.id))!.props;
      assert.equal(props.find(p => p[0] === 'Contacts:JobTitle')?.[1], 'Author', 'ghosted, kept');
      assert.equal(props.find(p => p[0] === 'Contacts:MobilePhoneNumber'), undefined, 'supported and omitted: removed');
      assert.equal(props.find(p => p[0] === 'Contacts:FileAs')?.[1], 'Ghost 2');
    });

    it('a device that lost the response re-sends its key and gets the same result, with nothing applied twice', async () => {
      const conId = folder(FolderType.Contacts).id;
      const client = phone();
      const m = new CollectionMirror(client, String(conId));
      await m.sync();
      await m.syncAll();
      await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Server side') });
      const request = m.request([{ kind: 'Add', clientId: 'once', props: contact('Only once') }]);
      const first = await client.send('Sync', request);
      const second = await client.send('Sync', request);
      assert.deepEqual(second.raw, first.raw);
      const live = await t.store.liveItemIds(conId);
      const subjects = (await t.store.getItems(conId, live)).map(i => i.props.find(p => p[0] === 'Contacts:FileAs')?.[1]);
      assert.equal(subjects.filter(s => s === 'Only once').length, 1);
      m.apply(second, [{ kind: 'Add', clientId: 'once', props: contact('Only once') }]);
      assert.equal((await m.sync()).empty, true);
      await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Moves the key on') });
      await m.syncAll();
      // The key before the previous one is gone: Status 3, and SyncKey 0 starts over cleanly.
      const stale = await client.send('Sync', request);
      assert.equal(stale.body?.child('Collections')?.child('Collection')?.childText('Status'), '3');
      const fresh = new CollectionMirror(client, String(conId));
      await fresh.sync();
      await fresh.syncAll();
      const now = await t.store.liveItemIds(conId);
      assert.deepEqual([...fresh.items.keys()].sort(), now.map(id => `${conId}:${id}`).sort());
    });

    it('a repeated request that carries new commands gets the old answer plus those commands applied', async () => {
      const conId = folder(FolderType.Contacts).id;
      const client = phone();
      const m = new CollectionMirror(client, String(conId));
      await m.sync();
      await m.syncAll();
      const first = await client.send('Sync', m.request([{ kind: 'Add', clientId: 'r1', props: contact('Retry One') }]));
      const retry = await client.send('Sync', m.request([
        { kind: 'Add', clientId: 'r1', props: contact('Retry One') },
        { kind: 'Add', clientId: 'r2', props: contact('Retry Two') },
      ]));
      const keyOf = (r: typeof first) => r.body?.child('Collections')?.child('Collection')?.childText('SyncKey');
      assert.equal(keyOf(retry), keyOf(first));
      const adds = retry.body!.child('Collections')!.child('Collection')!.child('Responses')!.all('Add');
      assert.deepEqual(adds.map(a => [a.childText('ClientId'), a.childText('Status')]), [['r1', '1'], ['r2', '1']]);
      const live = await t.store.getItems(conId, await t.store.liveItemIds(conId));
      const names = live.map(i => i.props.find(p => p[0] === 'Contacts:FileAs')?.[1]);
      assert.equal(names.filter(x => x === 'Retry One').length, 1);
      assert.equal(names.filter(x => x === 'Retry Two').length, 1);
      m.apply(retry, [{ kind: 'Add', clientId: 'r1', props: contact('Retry One') }, { kind: 'Add', clientId: 'r2', props: contact('Retry Two') }]);
      assert.equal((await m.sync()).empty, true, 'nothing echoed back');
    });

    it('answers an unknown collection with Status 12 and a malformed request with Status 4', async () => {
      const m = new CollectionMirror(phone(), '999999');
      assert.equal((await m.sync()).status, 12);
      const bad = await phone().send('Sync', as('Sync', [as('Collections', [as('Collection', [as('SyncKey', '0')])])]));
      assert.equal(bad.body?.childText('Status'), '4');
      // 2.2.3.131 (R4430): a Sync element with neither Collections nor Partial.
      assert.equal((await phone().send('Sync', as('Sync', [as('WindowSize', 10)]))).body?.childText('Status'), '4');
      // 2.2.3.84 (R5838, R3128): GetChanges with SyncKey 0.
      const inbox = (await t.store.listFolders((await t.store.findUserByEmail('alice@example.com'))!.id))[0];
      const early = await phone().send('Sync', as('Sync', [as('Collections', [as('Collection', [as('SyncKey', '0'), as('CollectionId', String(inbox.id)), as('GetChanges')])])]));
      assert.equal(early.body?.childText('Status'), '4');
      const bobInbox = (await t.store.listFolders((await t.store.findUserByEmail('bob@example.com'))!.id))[0];
      assert.equal((await new CollectionMirror(phone(), String(bobInbox.id)).sync()).status, 12);
    });

    it('MS-ASCMD 2.2.3.70: FilterType leaves older mail out, and widening it brings that mail in', async () => {
      const u = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const inbox = (await t.store.listFolders(u))[0].id;
      await t.store.addItem(u, inbox, { class: 'Email', props: email('old', new Date(Date.now() - 40 * 86400_000)), filterTime: Date.now() - 40 * 86400_000 });
      await t.store.addItem(u, inbox, { class: 'Email', props: email('new', new Date()), filterTime: Date.now() });
      const m = new CollectionMirror(t.client('bob@example.com', { deviceId: 'FILTER' }), String(inbox));
      await m.sync([], { options: [as('FilterType', 3)] });
      await m.syncAll({ options: [as('FilterType', 3)] });
      const subjects = () => [...m.items.values()].map(p => p.find(x => x[0] === 'Email:Subject')?.[1]).sort();
      assert.ok(!subjects().includes('old'));
      assert.ok(subjects().includes('new'));
      await m.syncAll({ options: [as('FilterType', 0)] });
      assert.ok(subjects().includes('old'));
      await m.syncAll({ options: [as('FilterType', 2)] });
      assert.ok(!subjects().includes('old'), 'narrowed: SoftDelete');
    });

    it('MS-ASAIRS 2.2.2.9: truncates bodies to TruncationSize', async () => {
      const u = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const notes = (await t.store.listFolders(u)).find(f => f.type === FolderType.Inbox)!.id;
      const long = 'é'.repeat(300);
      await t.store.addItem(u, notes, { class: 'Email', props: [['Email:Subject', 'long'], ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', long]]]] });
      const m = new CollectionMirror(t.client('bob@example.com', { deviceId: 'TRUNC' }), String(notes));
      const options = [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 101)])];
      await m.sync([], { options });
      const rounds = await m.syncAll({ options });
      const body = rounds.flatMap(r => r.collection?.child('Commands')?.all('Add') ?? [])
        .map(a => a.child('ApplicationData')!).find(d => d.childText('Subject') === 'long')!.child('Body', 'AirSyncBase')!;
      assert.equal(body.childText('Truncated'), '1');
      assert.equal(body.childText('EstimatedDataSize'), '600');
      assert.equal(body.childText('Data'), 'é'.repeat(50));
    });

    it('MS-ASCMD 2.2.1.21.1: an empty request repeats the cached one; with nothing cached, Status 13', async () => {
      const fresh = phone();
      const none = await fresh.send('Sync');
      assert.equal(none.body?.childText('Status'), '13');
      const conId = folder(FolderType.Contacts).id;
      const m = new CollectionMirror(fresh, String(conId));
      await m.sync();
      await m.syncAll();
      await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Via cache') });
      const r = await fresh.send('Sync');
      m.apply(r, []);
      assert.ok([...m.items.values()].some(p => p.find(x => x[0] === 'Contacts:FileAs')?.[1] === 'Via cache'));
    });

    it('Wait and HeartbeatInterval: limits (Status 14 with Limit, both at once Status 4)', async () => {
      const m = new CollectionMirror(phone(), String(folder(FolderType.Contacts).id));
      await m.sync();
      const status = async (extra: ReturnType<typeof as>[]) => {
        const r = await phone().send('Sync', m.request([], { extra }));
        return [r.body?.childText('Status'), r.body?.childText('Limit')];
      };
      assert.deepEqual(await status([as('Wait', 0)]), ['14', '1']);
      assert.deepEqual(await status([as('Wait', 60)]), ['14', '59']);
      assert.deepEqual(await status([as('HeartbeatInterval', 30)]), ['14', '60']);
      assert.deepEqual(await status([as('HeartbeatInterval', 4000)]), ['14', '3540']);
      assert.deepEqual(await status([as('Wait', 5), as('HeartbeatInterval', 300)]), ['4', undefined]);
    });

    // A hanging Sync wakes on a change or at its heartbeat, nothing else (src/push/waitForChange.ts):
    // with the longest heartbeat (59 min), an answer before the test's waiting timeout is the change's.
    it('a hanging Sync wakes on a change made by another device, not at its heartbeat', { timeout: 120_000 }, async () => {
      const conId = folder(FolderType.Contacts).id;
      const waiting = new CollectionMirror(phone(), String(conId));
      const other = new CollectionMirror(phone(), String(conId));
      for (const m of [waiting, other]) { await m.sync(); await m.syncAll(); }
      const pending = waiting.sync([], { extra: [as('HeartbeatInterval', 3540)] });
      await new Promise(r => setTimeout(r, 300));
      const added = await other.sync([{ kind: 'Add', clientId: 'wake', props: contact('Wake up') }]);
      const round = await pending;
      assert.ok(waiting.items.has(added.added.get('wake')!.serverId!));
      assert.equal(round.status, 1);
    });

    it('one WindowSize for the whole request spreads over its collections', async () => {
      const u = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobFolders = await t.store.listFolders(u);
      const a = bobFolders.find(f => f.type === FolderType.Notes)!.id;
      const b = bobFolders.find(f => f.type === FolderType.Tasks)!.id;
      for (let i = 0; i < 4; i++) {
        await t.store.addItem(u, a, { class: 'Notes', props: [['Notes:Subject', `n${i}`]] });
        await t.store.addItem(u, b, { class: 'Tasks', props: [['Tasks:Subject', `t${i}`]] });
      }
      const c = t.client('bob@example.com', { deviceId: 'MULTI' });
      const ma = new CollectionMirror(c, String(a));
      const mb = new CollectionMirror(c, String(b));
      await ma.sync();
      await mb.sync();
      const both = as('Sync', [as('Collections', [...ma.request().children[0].children, ...mb.request().children[0].children]), as('WindowSize', 5)]);
      const r = await c.send('Sync', both);
      const [ca, cb] = r.body!.child('Collections')!.all('Collection');
      assert.equal(ca.child('Commands')!.children.length, 4);
      assert.equal(cb.child('Commands')!.children.length, 1);
      assert.ok(cb.has('MoreAvailable'));
    });

    // ---- Audit of MS-ASCMD 2.2.3.177.17 Status (Sync) and 2.2.3.199 WindowSize (docs/conformance.md) ----

    it('MS-ASCMD 2.2.3.199: WindowSize 0 and values above 512 count as 512, in the Collection and in the Sync', async () => {
      const tasks = folder(FolderType.Tasks).id;
      const notes = folder(FolderType.Notes).id;
      for (let i = 0; i < 513; i++) await t.store.addItem(alice, tasks, { class: 'Tasks', props: [['Tasks:Subject', `w${i}`]] });
      await t.store.addItem(alice, notes, { class: 'Notes', props: [['Notes:Subject', 'w-note']] });
      const m = new CollectionMirror(phone(), String(tasks));
      await m.sync();
      const first = await m.sync([], { windowSize: 0 });
      assert.equal(first.collection?.child('Commands')?.all('Add').length, 512);
      assert.equal(first.moreAvailable, true);
      const rest = await m.sync([], { windowSize: 0 });
      assert.equal(rest.collection?.child('Commands')?.all('Add').length, 1);
      assert.equal(rest.moreAvailable, false);
      // The request's own WindowSize: 0 and 1000 are 512 for all its collections together.
      for (const global of [0, 1000]) {
        const c = phone();
        const ma = new CollectionMirror(c, String(tasks));
        const mb = new CollectionMirror(c, String(notes));
        await ma.sync();
        await mb.sync();
        const both = as('Sync', [as('Collections', [...ma.request([], { windowSize: 512 }).children[0].children,
          ...mb.request([], { windowSize: 512 }).children[0].children]), as('WindowSize', global)]);
        const [ca, cb] = (await c.send('Sync', both)).body!.child('Collections')!.all('Collection');
        assert.equal(ca.child('Commands')?.children.length, 512, `Sync WindowSize ${global}`);
        assert.equal(cb.child('Commands'), undefined, `Sync WindowSize ${global}`);
        assert.ok(cb.has('MoreAvailable'), `Sync WindowSize ${global}`);
      }
    });

    it('MS-ASCMD 2.2.3.199: a negative WindowSize is Status 4 and the request changes nothing', async () => {
      const conId = folder(FolderType.Contacts).id;
      const m = new CollectionMirror(phone(), String(conId));
      await m.sync();
      await m.syncAll();
      const before = (await t.store.liveItemIds(conId)).length;
      for (const [where, o] of [['Collection', { windowSize: -1 }], ['Sync', { extra: [as('WindowSize', -5)] }]] as [string, SyncRoundOptions][]) {
        const r = await phone().send('Sync', m.request([{ kind: 'Add', clientId: 'neg', props: contact('Negative') }], o));
        assert.equal(r.body?.childText('Status'), '4', where);
      }
      assert.equal((await t.store.liveItemIds(conId)).length, before);
      assert.equal((await m.sync()).status, 1, 'the key still holds');
    });

    it('MS-ASCMD 2.2.3.177.17 Status 3: a SyncKey the server never gave, with commands: nothing applied, the good key still holds', async () => {
      const conId = folder(FolderType.Contacts).id;
      const m = new CollectionMirror(phone(), String(conId));
      await m.sync();
      await m.syncAll();
      const before = (await t.store.liveItemIds(conId)).length;
      const good = m.syncKey;
      m.syncKey = '987654';
      const r = await m.sync([{ kind: 'Add', clientId: 'bad-key', props: contact('Bad key') }]);
      assert.equal(r.status, 3);
      assert.equal((await t.store.liveItemIds(conId)).length, before);
      m.syncKey = good;
      assert.equal((await m.sync()).status, 1);
    });

    it('MS-ASCMD 2.2.3.177.17 Status 13 for Partial with nothing cached; 15 for too many collections; neither changes anything', async () => {
      const fresh = phone();
      assert.equal((await fresh.send('Sync', as('Sync', [as('Partial')]))).body?.childText('Status'), '13');
      const conId = folder(FolderType.Contacts).id;
      const before = (await t.store.liveItemIds(conId)).length;
      const m = new CollectionMirror(fresh, String(conId));
      await m.sync();
      const own = m.request([{ kind: 'Add', clientId: 'many', props: contact('Too many') }]).children[0].children;
      const many = Array.from({ length: 1000 }, (_, i) => as('Collection', [as('SyncKey', '1'), as('CollectionId', String(900000 + i))]));
      const r = await fresh.send('Sync', as('Sync', [as('Collections', [...own, ...many])]));
      assert.equal(r.body?.childText('Status'), '15');
      assert.equal((await t.store.liveItemIds(conId)).length, before);
      assert.equal((await m.sync()).status, 1, 'the key still holds');
    });

    it('MS-ASCMD 2.2.3.31.2 (Collection 1…N): an empty Collections is Status 4 and leaves the cached request as it was', async () => {
      const fresh = phone();
      const conId = folder(FolderType.Contacts).id;
      const m = new CollectionMirror(fresh, String(conId));
      await m.sync();
      await m.syncAll();
      const r = await fresh.send('Sync', as('Sync', [as('Collections')]));
      assert.equal(r.body?.childText('Status'), '4');
      await t.store.addItem(alice, conId, { class: 'Contacts', props: contact('Still cached') });
      const again = await fresh.send('Sync');
      m.apply(again, []);
      assert.ok([...m.items.values()].some(p => p.find(x => x[0] === 'Contacts:FileAs')?.[1] === 'Still cached'));
    });
  });
}
