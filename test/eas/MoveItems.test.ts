// MS-ASCMD 2.2.1.12 MoveItems over real HTTP and WBXML: every Status, other accounts refused, and
// every device, the mover too, sees the Delete and the Add on its next Sync (and Ping reports them).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror, type SyncRound } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { FolderType, type Folder } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email, event } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const mv = tags('Move');
const pg = tags('Ping');

type Move = [srcMsgId: string, srcFldId: number | string, dstFldId: number | string];

async function moveItems(client: EasClient, moves: Move[]): Promise<{ srcMsgId?: string; status: number; dstMsgId?: string }[]> {
  const res = await client.send('MoveItems', mv('MoveItems', moves.map(([src, from, to]) => mv('Move', [
    mv('SrcMsgId', src), mv('SrcFldId', String(from)), mv('DstFldId', String(to)),
  ]))));
  assert.equal(res.status, 200);
  return (res.body?.all('Response') ?? []).map(r => ({
    srcMsgId: r.childText('SrcMsgId'), status: Number(r.childText('Status')), dstMsgId: r.childText('DstMsgId'),
  }));
}

function commands(rounds: SyncRound[]): Element[] {
  return rounds.flatMap(r => r.collection?.child('Commands')?.children ?? []);
}

const kinds = (rounds: SyncRound[]): string[] => commands(rounds).map(c => `${c.name} ${c.childText('ServerId')}`);

for (const backend of BACKENDS) {
  describe(`MoveItems (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let alice: number;
    let folders: Folder[];
    const folder = (type: number) => folders.find(f => f.type === type)!;
    let n = 0;
    const phone = (overrides = {}): EasClient => t.client('alice@example.com', { deviceId: `MOVER${++n}`, ...overrides });
    const newFolder = async (type: 12 | 13 = 12): Promise<number> =>
      (await t.store.createFolder(alice, { parentId: 0, displayName: `Folder ${++n}`, type })).id;
    const synced = async (client: EasClient, folderId: number): Promise<CollectionMirror> => {
      const m = new CollectionMirror(client, String(folderId));
      await m.sync();
      await m.syncAll();
      return m;
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folders = await t.store.listFolders(alice);
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.1.12: Status 3 and the new ServerId; every device, the mover too, gets Delete and Add', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('move me') }))!;
      const mover = phone();
      const other = phone();
      const [mIn, mAr, oIn, oAr] = [await synced(mover, inbox), await synced(mover, archive), await synced(other, inbox), await synced(other, archive)];
      const srcMsgId = `${inbox}:${item.id}`;
      const [r] = await moveItems(mover, [[srcMsgId, inbox, archive]]);
      assert.equal(r.status, 3);
      assert.equal(r.srcMsgId, srcMsgId);
      assert.match(r.dstMsgId!, new RegExp(`^${archive}:\\d+$`));
      // "the client receives Delete and Add operations the next time the client synchronizes the affected folders"
      for (const [src, dst] of [[mIn, mAr], [oIn, oAr]] as const) {
        assert.deepEqual(kinds(await src.syncAll()), [`Delete ${srcMsgId}`]);
        assert.deepEqual(kinds(await dst.syncAll()), [`Add ${r.dstMsgId}`]);
        assert.equal(dst.items.get(r.dstMsgId!)?.find(p => p[0] === 'Email:Subject')?.[1], 'move me');
        assert.equal((await src.sync()).empty, true, 'once');
        assert.equal((await dst.sync()).empty, true, 'once');
      }
      assert.equal(await t.store.getItem(alice, item.id), undefined);
      assert.equal((await t.store.getItem(alice, Number(r.dstMsgId!.split(':')[1])))?.folderId, archive);
      // Every device agrees with the server.
      for (const m of [mIn, mAr, oIn, oAr]) assert.deepEqual([...m.items.keys()].sort(), (await t.store.liveItemIds(Number(m.collectionId))).map(id => `${m.collectionId}:${id}`).sort());
    });

    it('other changes pending in both folders reach the mover along with the move', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('moving') }))!;
      const mover = phone();
      const [mIn, mAr] = [await synced(mover, inbox), await synced(mover, archive)];
      const newcomer = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('arrived meanwhile') }))!;
      const filed = (await t.store.addItem(alice, archive, { class: 'Email', props: email('filed meanwhile') }))!;
      const [r] = await moveItems(mover, [[`${inbox}:${item.id}`, inbox, archive]]);
      assert.equal(r.status, 3);
      assert.deepEqual(kinds(await mIn.syncAll()).sort(), [`Add ${inbox}:${newcomer.id}`, `Delete ${inbox}:${item.id}`].sort());
      assert.deepEqual(kinds(await mAr.syncAll()).sort(), [`Add ${archive}:${filed.id}`, `Add ${r.dstMsgId}`].sort());
      assert.equal((await mIn.sync()).empty, true);
      assert.equal((await mAr.sync()).empty, true);
    });

    it('a moved item that goes before the mover syncs the destination comes as a Delete (the mover has it)', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('short-lived') }))!;
      const mover = phone();
      const [, mAr] = [await synced(mover, inbox), await synced(mover, archive)];
      const [r] = await moveItems(mover, [[`${inbox}:${item.id}`, inbox, archive]]);
      // The device moves its copy itself, as a phone does on Status 3.
      mAr.items.set(r.dstMsgId!, email('short-lived'));
      await t.store.deleteItem(alice, Number(r.dstMsgId!.split(':')[1]));
      assert.deepEqual(kinds(await mAr.syncAll()), [`Delete ${r.dstMsgId}`]);
      assert.equal(mAr.items.size, 0);
    });

    it('the mover marking the moved item read before its next Sync is no conflict (the change stands)', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('move, then read') }))!;
      const mover = phone();
      const [, mAr] = [await synced(mover, inbox), await synced(mover, archive)];
      const [r] = await moveItems(mover, [[`${inbox}:${item.id}`, inbox, archive]]);
      mAr.items.set(r.dstMsgId!, email('move, then read'));
      const round = await mAr.sync([{ kind: 'Change', serverId: r.dstMsgId!, props: [['Email:Read', '1']] }]);
      assert.ok(round.statuses.every(s => s.status === 1), JSON.stringify(round.statuses));
      const stored = await t.store.getItem(alice, Number(r.dstMsgId!.split(':')[1]));
      assert.equal(stored?.props.find(p => p[0] === 'Email:Read')?.[1], '1');
    });

    it('a Ping of the mover on the destination reports the moved item (Status 2)', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('ping me') }))!;
      const mover = phone();
      await synced(mover, inbox);
      await synced(mover, archive);
      await new FolderHierarchyMirror(mover).sync();
      await moveItems(mover, [[`${inbox}:${item.id}`, inbox, archive]]);
      const res = await mover.send('Ping', pg('Ping', [pg('HeartbeatInterval', 60),
        pg('Folders', [pg('Folder', [pg('Id', String(archive)), pg('Class', 'Email')])])]));
      assert.equal(res.body?.childText('Status'), '2');
      assert.deepEqual(res.body?.child('Folders')?.all('Folder').map(f => f.text), [String(archive)]);
    });

    it('a device that has not synced the destination yet gets the moved item once when it starts', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('first time') }))!;
      const mover = phone();
      const mIn = await synced(mover, inbox);
      const [r] = await moveItems(mover, [[`${inbox}:${item.id}`, inbox, archive]]);
      assert.equal(r.status, 3);
      assert.deepEqual(kinds(await mIn.syncAll()), [`Delete ${inbox}:${item.id}`]);
      const m = new CollectionMirror(mover, String(archive));
      await m.sync();
      assert.deepEqual(kinds(await m.syncAll()), [`Add ${r.dstMsgId}`]);
    });

    it('MS-ASCMD 2.2.3.177.10: Status 1, 2, 4 and 5, one Response per Move in order; another account is refused', async () => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      const bobs = (await t.store.addItem(bob, bobInbox, { class: 'Email', props: email('bob only') }))!;
      const inbox = await newFolder();
      const archive = await newFolder();
      const calendar = folder(FolderType.Calendar).id;
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('stays') }))!;
      const elsewhere = (await t.store.addItem(alice, archive, { class: 'Email', props: email('elsewhere') }))!;
      const src = `${inbox}:${item.id}`;
      const results = await moveItems(phone(), [
        [src, 999999, archive], // source folder unknown
        [`${inbox}:999999`, inbox, archive], // no such item
        [`${archive}:${elsewhere.id}`, inbox, archive], // the item is not in SrcFldId
        [`${bobInbox}:${bobs.id}`, bobInbox, archive], // another account's item and folder
        [`${inbox}:${bobs.id}`, inbox, archive], // another account's item through one's own folder
        [src, inbox, 999999], // destination unknown
        [src, inbox, bobInbox], // another account's folder as destination
        [src, inbox, 'not-a-folder'],
        [src, inbox, inbox], // same folder
        [src, inbox, calendar], // mail into a calendar
      ]);
      assert.deepEqual(results.map(r => r.status), [1, 1, 1, 1, 1, 2, 2, 2, 4, 5]);
      assert.deepEqual(results.map(r => r.srcMsgId), [src, `${inbox}:999999`, `${archive}:${elsewhere.id}`, `${bobInbox}:${bobs.id}`, `${inbox}:${bobs.id}`, src, src, src, src, src]);
      assert.ok(results.every(r => r.dstMsgId === undefined));
      assert.equal((await t.store.getItem(alice, item.id))?.folderId, inbox);
      assert.equal((await t.store.getItem(bob, bobs.id))?.folderId, bobInbox);
      // Success, then the same move again: the item has left SrcFldId (Status 1).
      const [ok, again] = await moveItems(phone(), [[src, inbox, archive], [src, inbox, archive]]);
      assert.deepEqual([ok.status, again.status], [3, 1]);
    });

    it('an event deleted into Deleted Items can be moved back to a calendar, not to a mail folder', async () => {
      const calendar = await newFolder(13);
      const trash = folder(FolderType.DeletedItems).id;
      const added = (await t.store.addItem(alice, calendar, { class: 'Calendar', props: event('Oops') }))!;
      const deleted = (await t.store.moveItem(alice, added.id, trash))!;
      const [toMail, back] = await moveItems(phone(), [
        [`${trash}:${deleted.id}`, trash, await newFolder(12)],
        [`${trash}:${deleted.id}`, trash, calendar],
      ]);
      assert.deepEqual([toMail.status, back.status], [5, 3]);
      assert.equal((await t.store.getItem(alice, Number(back.dstMsgId!.split(':')[1])))?.class, 'Calendar');
    });

    it('MS-ASCMD 6.27: one malformed Move fails the request (103) and the good Moves before it are not made', async () => {
      const inbox = await newFolder();
      const archive = await newFolder();
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('stays put') }))!;
      const good = mv('Move', [mv('SrcMsgId', `${inbox}:${item.id}`), mv('SrcFldId', String(inbox)), mv('DstFldId', String(archive))]);
      const r = await phone().send('MoveItems', mv('MoveItems', [good, mv('Move', [mv('SrcMsgId', `${inbox}:${item.id}`)])]));
      assert.equal(r.body?.childText('Status'), '103');
      assert.equal((await t.store.getItem(alice, item.id))?.folderId, inbox);
    });

    it('a request outside the schema: common Status 103 for 14.1, HTTP 400 for 12.1', async () => {
      for (const body of [mv('MoveItems'), mv('MoveItems', [mv('Move', [mv('SrcMsgId', '1:1'), mv('SrcFldId', '1')])])]) {
        const r14 = await phone().send('MoveItems', body);
        assert.equal(r14.status, 200);
        assert.equal(r14.body?.childText('Status'), '103');
        assert.equal((await phone({ version: '12.1' }).send('MoveItems', body)).status, 400);
      }
    });
  });
}
