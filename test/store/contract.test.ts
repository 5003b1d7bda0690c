// One contract for every Store backend: the same assertions on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { StoreError, type Store } from '../../src/store/Store.js';
import { DEFAULT_FOLDERS } from '../../src/store/types.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

for (const makeBackend of BACKENDS) {
  describe(`store contract: ${makeBackend.name.replace('Backend', '')}`, () => {
    let backend: Backend;
    let store: Store;
    before(async () => {
      backend = await makeBackend();
      store = await backend.open();
    });
    after(async () => {
      await store.close();
      await backend.dispose();
    });

    it('creates an account with the ten default folders', async () => {
      const u = await store.createUser({ email: 'Alice@Example.com', displayName: 'Alice', passwordHash: 'h' });
      assert.equal(u.email, 'alice@example.com');
      const folders = await store.listFolders(u.id);
      assert.deepEqual(folders.map(f => [f.displayName, f.type, f.parentId]), DEFAULT_FOLDERS.map(f => [f.name, f.type, 0]));
    });

    it('refuses a second account with the same address', async () => {
      await assert.rejects(
        store.createUser({ email: 'alice@example.com', displayName: 'A', passwordHash: 'h' }),
        (e: unknown) => e instanceof StoreError && e.code === 'USER_EXISTS',
      );
      assert.equal(await store.countUsers(), 1);
    });

    it('finds accounts by address and by local part', async () => {
      await store.createUser({ email: 'bob@example.com', displayName: 'Bob', passwordHash: 'h' });
      assert.equal((await store.findUserByEmail('BOB@example.com'))?.displayName, 'Bob');
      assert.deepEqual((await store.findUsersByLocalPart('bob')).map(u => u.email), ['bob@example.com']);
      assert.deepEqual(await store.findUsersByLocalPart('bo'), []);
      assert.deepEqual((await store.listUsers()).map(u => u.email), ['alice@example.com', 'bob@example.com']);
    });

    it('changes password and name, and reports an unknown account', async () => {
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      await store.setPassword(bob.id, 'h2');
      await store.setDisplayName(bob.id, 'Robert');
      const again = (await store.findUserByEmail('bob@example.com'))!;
      assert.equal(again.passwordHash, 'h2');
      assert.equal(again.displayName, 'Robert');
      await assert.rejects(store.setPassword(999999, 'x'), (e: unknown) => e instanceof StoreError && e.code === 'NOT_FOUND');
    });

    it('registers a device once and refreshes it', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const first = await store.recordDevice({ userId: alice.id, deviceId: 'ABC', deviceType: 'iPhone', userAgent: 'ua1', protocolVersion: '14.1' });
      const second = await store.recordDevice({ userId: alice.id, deviceId: 'ABC', deviceType: 'iPhone', userAgent: 'ua2', protocolVersion: '16.1' });
      assert.equal(first.id, second.id);
      assert.equal(second.userAgent, 'ua2');
      assert.equal(second.protocolVersion, '16.1');
      assert.equal((await store.listDevices(alice.id)).length, 1);
    });

    it('keeps the current and the previous hierarchy snapshot only', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const device = (await store.listDevices(alice.id))[0];
      const snap = (k: number) => ({ syncKey: k, folders: { [String(k)]: { parentId: 0, displayName: `f${k}`, type: 1 } } });
      await store.saveHierarchySnapshot(device.id, snap(1), 0);
      await store.saveHierarchySnapshot(device.id, snap(2), 1);
      await store.saveHierarchySnapshot(device.id, snap(3), 2);
      assert.equal(await store.getHierarchySnapshot(device.id, 1), undefined);
      assert.deepEqual(await store.getHierarchySnapshot(device.id, 2), snap(2));
      assert.deepEqual(await store.latestHierarchySnapshot(device.id), snap(3));
      // SyncKey 0: the device starts over and nothing earlier survives.
      await store.saveHierarchySnapshot(device.id, snap(1), 0);
      assert.equal(await store.getHierarchySnapshot(device.id, 3), undefined);
      assert.deepEqual(await store.latestHierarchySnapshot(device.id), snap(1));
    });

    it('creates, updates and deletes folders, with what lies below them, for their owner only', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const parent = await store.createFolder(alice.id, { parentId: 0, displayName: 'Projects', type: 12 });
      const child = await store.createFolder(alice.id, { parentId: parent.id, displayName: 'Convene', type: 12 });
      assert.equal(await store.updateFolder(bob.id, child.id, { parentId: 0, displayName: 'Stolen' }), false);
      assert.equal(await store.updateFolder(alice.id, child.id, { parentId: parent.id, displayName: 'Convene 2' }), true);
      assert.equal((await store.listFolders(alice.id)).find(f => f.id === child.id)?.displayName, 'Convene 2');
      assert.equal(await store.deleteFolder(bob.id, parent.id), false);
      assert.equal(await store.deleteFolder(alice.id, parent.id), true);
      assert.equal((await store.listFolders(alice.id)).length, DEFAULT_FOLDERS.length);
    });

    it('serialises concurrent writers without losing any', async () => {
      const made = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        store.createUser({ email: `u${i}@example.com`, displayName: `U${i}`, passwordHash: 'h' })));
      assert.equal(new Set(made.map(u => u.id)).size, 20);
      assert.equal(await store.countUsers(), 22);
    });

    it('tracks item changes per folder in modseq order, with tombstones and moves', async () => {
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const [inbox, , deleted] = await store.listFolders(bob.id);
      const base = (await store.getFolder(bob.id, inbox.id))!.modseq;
      const a = (await store.addItem(bob.id, inbox.id, { class: 'Email', props: [['Email:Subject', 'a']], filterTime: 1000 }))!;
      const b = (await store.addItem(bob.id, inbox.id, { class: 'Email', props: [['Email:Subject', 'b']] }))!;
      assert.equal(a.modseq, base + 1);
      assert.equal(b.modseq, base + 2);
      const changed = (await store.updateItem(bob.id, a.id, { props: [['Email:Subject', 'a2'], ['Email:Read', '1']] }))!;
      assert.equal(changed.modseq, base + 3);
      assert.equal(changed.filterTime, 1000);
      assert.deepEqual((await store.getItem(bob.id, a.id))?.props, [['Email:Subject', 'a2'], ['Email:Read', '1']]);
      const moved = (await store.moveItem(bob.id, b.id, deleted.id))!;
      assert.notEqual(moved.id, b.id);
      assert.equal(moved.folderId, deleted.id);
      assert.equal(await store.getItem(bob.id, b.id), undefined);
      assert.equal(await store.deleteItem(bob.id, a.id), true);
      assert.equal(await store.deleteItem(bob.id, a.id), false);
      const log = await store.listChanges(inbox.id, base, 100);
      assert.deepEqual(log.map(c => [c.id, c.deleted]), [[b.id, true], [a.id, true]]);
      assert.deepEqual(log.map(c => c.modseq), [base + 4, base + 5]);
      assert.deepEqual(await store.listChanges(inbox.id, base + 5, 100), []);
      assert.deepEqual(await store.liveItemIds(deleted.id), [moved.id]);
      assert.equal((await store.getFolder(bob.id, inbox.id))!.modseq, base + 5);
    });

    it("refuses items in another account's folder", async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const bobInbox = (await store.listFolders(bob.id))[0];
      assert.equal(await store.addItem(alice.id, bobInbox.id, { class: 'Email', props: [] }), undefined);
      assert.equal(await store.getFolder(alice.id, bobInbox.id), undefined);
      const item = (await store.addItem(bob.id, bobInbox.id, { class: 'Email', props: [] }))!;
      assert.equal(await store.getItem(alice.id, item.id), undefined);
      assert.equal(await store.updateItem(alice.id, item.id, { props: [] }), undefined);
      assert.equal(await store.deleteItem(alice.id, item.id), false);
      const aliceInbox = (await store.listFolders(alice.id))[0];
      assert.equal(await store.moveItem(bob.id, item.id, aliceInbox.id), undefined);
      assert.ok(await store.getItem(bob.id, item.id));
    });

    it('purges old tombstones, raising the folder purge mark; vanished items show in what a device holds', async () => {
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const device = await store.recordDevice({ userId: bob.id, deviceId: 'PURGE1', deviceType: 't', userAgent: 'u', protocolVersion: '16.1' });
      const drafts = (await store.listFolders(bob.id)).find(f => f.type === 3)!;
      const a = (await store.addItem(bob.id, drafts.id, { class: 'Email', props: [] }))!;
      const b = (await store.addItem(bob.id, drafts.id, { class: 'Email', props: [] }))!;
      await store.holdVersions(device.id, drafts.id, [[a.id, a.modseq], [b.id, b.modseq]]);
      await store.deleteItem(bob.id, a.id);
      const before = (await store.getFolder(bob.id, drafts.id))!;
      assert.equal(before.purgedModseq, 0);
      assert.equal(await store.purgeTombstones(Date.now() - 60_000), 0, 'a fresh tombstone stays');
      assert.deepEqual(await store.vanishedItems(device.id, drafts.id), []);
      assert.ok(await store.purgeTombstones(Date.now() + 1) >= 1, 'every old tombstone of every folder goes');
      const after = (await store.getFolder(bob.id, drafts.id))!;
      assert.equal(after.purgedModseq, before.modseq);
      assert.equal(after.modseq, before.modseq, 'purging is not a change');
      assert.deepEqual((await store.listChanges(drafts.id, 0, 10)).map(c => c.id), [b.id]);
      assert.deepEqual(await store.vanishedItems(device.id, drafts.id), [a.id]);
    });

    it('remembers ClientIds and Message-IDs once, and forgets those older than asked', async () => {
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      assert.equal(await store.rememberClientId(bob.id, 'expiry-c1'), true);
      assert.equal(await store.rememberClientId(bob.id, 'expiry-c1'), false);
      assert.equal(await store.rememberReceived(bob.id, '<expiry@x>'), true);
      assert.equal(await store.rememberReceived(bob.id, '<expiry@x>'), false);
      assert.equal(await store.forgetRememberedIds(Date.now() - 60_000), 0);
      assert.ok(await store.forgetRememberedIds(Date.now() + 1) >= 2);
      assert.equal(await store.rememberClientId(bob.id, 'expiry-c1'), true);
      assert.equal(await store.rememberReceived(bob.id, '<expiry@x>'), true);
    });

    it("keeps a mail item's message through a move, drops it with the item, and shows it to its owner only", async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const [inbox, , , deleted] = await store.listFolders(bob.id);
      const mime = Buffer.from('Subject: hi\r\n\r\n\xe9t\xe9 \x00 binary-safe', 'latin1');
      const item = (await store.addItem(bob.id, inbox.id, { class: 'Email', props: [['Email:Subject', 'hi']], mime }))!;
      assert.deepEqual(await store.getItemContent(bob.id, item.id), mime);
      assert.equal(await store.getItemContent(alice.id, item.id), undefined);
      const plain = (await store.addItem(bob.id, inbox.id, { class: 'Email', props: [] }))!;
      assert.equal(await store.getItemContent(bob.id, plain.id), undefined);
      // A rewritten draft gets its new message; a change without one keeps the stored message.
      const rewritten = Buffer.from('Subject: hi again\r\n\r\nnew', 'latin1');
      await store.updateItem(bob.id, plain.id, { props: [], mime: rewritten });
      assert.deepEqual(await store.getItemContent(bob.id, plain.id), rewritten);
      await store.updateItem(bob.id, item.id, { props: [['Email:Subject', 'hi']] });
      assert.deepEqual(await store.getItemContent(bob.id, item.id), mime);
      await store.updateItem(bob.id, item.id, { props: [['Email:Subject', 'hi']], mime: rewritten });
      assert.deepEqual(await store.getItemContent(bob.id, item.id), rewritten);
      await store.updateItem(bob.id, item.id, { props: [['Email:Subject', 'hi']], mime });
      const moved = (await store.moveItem(bob.id, item.id, deleted.id))!;
      assert.equal(await store.getItemContent(bob.id, item.id), undefined);
      assert.deepEqual(await store.getItemContent(bob.id, moved.id), mime);
      await store.deleteItem(bob.id, moved.id);
      assert.equal(await store.getItemContent(bob.id, moved.id), undefined);
    });

    it('keeps per-device collection state and the versions a device holds', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      const device = (await store.listDevices(alice.id))[0];
      const cal = (await store.listFolders(alice.id)).find(f => f.type === 8)!;
      const options = { class: 'Calendar' as const, filterType: 0, conflict: 1, bodyPreferences: [], mimeSupport: 0, deletesAsMoves: true, windowSize: 100 };
      await store.saveCollectionState({ devicePk: device.id, folderId: cal.id, syncKey: 1, modseq: 0, options, replayKey: null, replay: null });
      await store.saveCollectionState({ devicePk: device.id, folderId: cal.id, syncKey: 2, modseq: 7, options, replayKey: 1, replay: 'x' });
      assert.deepEqual(await store.getCollectionState(device.id, cal.id), { devicePk: device.id, folderId: cal.id, syncKey: 2, modseq: 7, options, replayKey: 1, replay: 'x' });
      await store.holdVersions(device.id, cal.id, Array.from({ length: 700 }, (_, i) => [i + 1, i + 10] as [number, number]));
      await store.holdVersions(device.id, cal.id, [[1, 99]]);
      const held = await store.heldVersions(device.id, cal.id, [1, 2, 650, 5000]);
      assert.deepEqual([...held.entries()], [[1, 99], [2, 11], [650, 659]]);
      assert.equal(await store.heldCount(device.id, cal.id), 700);
      await store.releaseItems(device.id, cal.id, [1, 2]);
      assert.equal(await store.heldCount(device.id, cal.id), 698);
      await store.dropCollectionState(device.id, cal.id);
      assert.equal(await store.getCollectionState(device.id, cal.id), undefined);
      assert.equal(await store.heldCount(device.id, cal.id), 0);
      await store.setDeviceCache(device.id, 'ping', '{"a":1}');
      assert.equal(await store.getDeviceCache(device.id, 'ping'), '{"a":1}');
      assert.equal(await store.getDeviceCache(device.id, 'sync_request'), undefined);
    });

    it('announces committed changes, and a rolled-back transaction announces nothing', async () => {
      const bob = (await store.findUserByEmail('bob@example.com'))!;
      const inbox = (await store.listFolders(bob.id))[0];
      const seen: unknown[] = [];
      const stop = store.changes.subscribe(e => seen.push(e));
      await new Promise(r => setTimeout(r, 200)); // the LISTEN connection comes up
      await store.addItem(bob.id, inbox.id, { class: 'Email', props: [] });
      await assert.rejects(store.transaction(async tx => {
        await tx.addItem(bob.id, inbox.id, { class: 'Email', props: [] });
        throw new Error('abort');
      }));
      await store.transaction(async tx => {
        await tx.addItem(bob.id, inbox.id, { class: 'Email', props: [] });
        await tx.addItem(bob.id, inbox.id, { class: 'Email', props: [] });
        await tx.createFolder(bob.id, { parentId: 0, displayName: 'Announced', type: 12 });
      });
      for (let i = 0; i < 50 && seen.length < 3; i++) await new Promise(r => setTimeout(r, 20));
      stop();
      assert.deepEqual(seen, [
        { userId: bob.id, folderId: inbox.id },
        { userId: bob.id, folderId: inbox.id },
        { userId: bob.id, hierarchy: true },
      ]);
    });

    it('narrows a search: items by text, folder, class and received time; accounts by name; calendars by time (docs/search.md)', async () => {
      const sam = await store.createUser({ email: 'sam.search@example.com', displayName: 'Sam Ärger', passwordHash: 'h' });
      const other = await store.createUser({ email: 'sue.search@example.com', displayName: 'Sue Searcher', passwordHash: 'h' });
      const f = Object.fromEntries((await store.listFolders(sam.id)).map(x => [x.type, x.id]));
      const mail = (folder: number, subject: string, received: number) => store.addItem(sam.id, folder, {
        class: 'Email', filterTime: received, props: [['Email:Subject', subject], ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', 'Größe 100%']]]],
      });
      const old = (await mail(f[2], 'Zebra crossing', 1000))!;
      const fresh = (await mail(f[2], 'ZEBRA "stripes"', 3000))!;
      const sent = (await mail(f[5], 'zebra sent', 2000))!;
      const gone = (await mail(f[2], 'zebra deleted', 4000))!;
      await store.deleteItem(sam.id, gone.id);
      const cal = (await store.addItem(sam.id, f[8], { class: 'Calendar', props: [], filterTime: 5000,
        event: { uid: 'zebra-event', start: 4000, end: 5000, allDay: false, timeZone: 'UTC', subject: 'Zebra meeting' } }))!;
      await store.addItem(other.id, (await store.listFolders(other.id))[0].id, { class: 'Email', props: [['Email:Subject', 'zebra']] });
      const ids = async (q: Parameters<Store['findItemCandidates']>[1]) => (await store.findItemCandidates(sam.id, q)).map(r => r.id);
      // Text in any case (ä/Ä too), newest received first, tombstones and other accounts left out.
      assert.deepEqual(await ids({ terms: ['zebra'] }), [cal.id, fresh.id, sent.id, old.id]);
      assert.deepEqual(await ids({ terms: ['größe', 'zebra'], classes: ['Email'] }), [fresh.id, sent.id, old.id]);
      assert.deepEqual(await ids({ terms: ['GRÖßE'], classes: ['Email'] }), [fresh.id, sent.id, old.id]);
      assert.deepEqual(await ids({ terms: ['"stripes"'] }), [fresh.id]);
      assert.deepEqual(await ids({ terms: ['100%'], folderIds: [f[5]] }), [sent.id]);
      assert.deepEqual(await ids({ terms: ['1_0'] }), []);
      assert.deepEqual(await ids({ terms: [], folderIds: [f[2]], receivedAfter: 1000, receivedBefore: 3001 }), [fresh.id]);
      assert.deepEqual(await ids({ terms: [], folderIds: [] }), []);
      const items = await store.getItemsInOrder(sam.id, [{ id: old.id, folderId: f[2] }, { id: sent.id, folderId: f[5] }, { id: gone.id, folderId: f[2] }]);
      assert.deepEqual(items.map(i => i.id), [old.id, sent.id]);
      assert.deepEqual(await store.getItemsInOrder(other.id, [{ id: old.id, folderId: f[2] }]), []);
      // Accounts: every term in the name or the address, in name order.
      assert.deepEqual((await store.findUserCandidates(['search'])).map(u => u.email), ['sam.search@example.com', 'sue.search@example.com']);
      assert.deepEqual((await store.findUserCandidates(['SEARCH', 'äRGER'])).map(u => u.displayName), ['Sam Ärger']);
      assert.deepEqual(await store.findUserCandidates(['search', '%']), []);
      // Calendars: items that end after the time asked, endless series included, Deleted Items not.
      const endless = (await store.addItem(sam.id, f[8], { class: 'Calendar', props: [], filterTime: null,
        event: { uid: 'weekly', start: 0, end: 10, allDay: false, timeZone: 'UTC', recurrence: { type: 1, interval: 1, dayOfWeek: 2 } } }))!;
      await store.addItem(sam.id, f[4], { class: 'Calendar', props: [], filterTime: 9000, event: { uid: 'binned', start: 8000, end: 9000, allDay: false, timeZone: 'UTC' } });
      assert.deepEqual((await store.listCalendarItems(sam.id, 4999)).map(i => i.id), [cal.id, endless.id]);
      assert.deepEqual((await store.listCalendarItems(sam.id, 5000)).map(i => i.id), [endless.id]);
      assert.equal((await store.listCalendarItems(sam.id, 0))[0]!.event?.subject, 'Zebra meeting');
      await store.removeUser(sam.id);
      await store.removeUser(other.id);
    });

    it('removes an account with its folders and devices', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      assert.equal(await store.removeUser(alice.id), true);
      assert.equal(await store.findUserByEmail('alice@example.com'), undefined);
      assert.deepEqual(await store.listFolders(alice.id), []);
      assert.deepEqual(await store.listDevices(alice.id), []);
      assert.equal(await store.removeUser(alice.id), false);
    });

    it('keeps policy keys, device information, remote wipes and Out of Office settings (docs/provisioning.md)', async () => {
      const dora = await store.createUser({ email: 'dora@example.com', displayName: 'Dora', passwordHash: 'h' });
      const sighting = { userId: dora.id, deviceId: 'DORA1', deviceType: 'iPhone', userAgent: 'ua', protocolVersion: '16.1' };
      const fresh = await store.recordDevice(sighting);
      assert.deepEqual([fresh.policyKey, fresh.pendingPolicyKey, fresh.policyHash, fresh.wipe, fresh.information], [null, null, null, null, null]);
      // A temporary key is swapped for the final one once; a second or wrong acknowledgement fails.
      await store.setPendingPolicyKey(fresh.id, 4_000_000_000);
      assert.equal(await store.acknowledgePolicyKey(fresh.id, 123, 77, 'hash'), false);
      assert.equal(await store.acknowledgePolicyKey(fresh.id, 4_000_000_000, 4_294_967_295, 'hash1'), true);
      assert.equal(await store.acknowledgePolicyKey(fresh.id, 4_000_000_000, 5, 'hash2'), false);
      await store.setDeviceInformation(fresh.id, { Model: 'iPhone16,2', FriendlyName: 'Dora’s' });
      // Every sighting hands back all of it.
      const seen = await store.recordDevice(sighting);
      assert.deepEqual([seen.policyKey, seen.pendingPolicyKey, seen.policyHash], [4_294_967_295, null, 'hash1']);
      assert.deepEqual(seen.information, { Model: 'iPhone16,2', FriendlyName: 'Dora’s' });
      await store.requestWipe(fresh.id, 'account');
      let [device] = await store.listDevices(dora.id);
      assert.deepEqual([device.wipe?.kind, device.wipe?.status], ['account', 'requested']);
      for (const status of ['sent', 'done'] as const) await store.recordWipe(fresh.id, status);
      [device] = await store.listDevices(dora.id);
      assert.equal(device.wipe?.status, 'done');
      assert.ok(device.wipe!.updatedAt >= device.wipe!.requestedAt);
      // Progress is only recorded for a device a wipe was requested for.
      const other = await store.recordDevice({ ...sighting, deviceId: 'DORA2' });
      await store.recordWipe(other.id, 'done');
      assert.equal((await store.recordDevice({ ...sighting, deviceId: 'DORA2' })).wipe, null);
      assert.equal(await store.removeDevice(dora.id, 'DORA1'), true);
      assert.equal(await store.removeDevice(dora.id, 'DORA1'), false);
      assert.deepEqual((await store.listDevices(dora.id)).map(d => d.deviceId), ['DORA2']);
      // Out of Office: one record per account, replaced whole, gone with the account.
      assert.equal(await store.getOof(dora.id), undefined);
      const oof = { state: 2 as const, startTime: 1, endTime: 2, messages: { Internal: { enabled: true, replyMessage: 'Away ✈', bodyType: 'Text' as const } } };
      await store.setOof(dora.id, oof);
      await store.setOof(dora.id, { ...oof, state: 1 });
      assert.deepEqual(await store.getOof(dora.id), { ...oof, state: 1 });
      await store.removeUser(dora.id);
      assert.equal(await store.getOof(dora.id), undefined);
    });

    it('remembers each sender an Out of Office period answered; a new Set starts a new period (docs/mail.md)', async () => {
      const eve = await store.createUser({ email: 'eve@example.com', displayName: 'Eve', passwordHash: 'h' });
      const fay = await store.createUser({ email: 'fay@example.com', displayName: 'Fay', passwordHash: 'h' });
      assert.equal(await store.rememberAutoReply(eve.id, 'sam@elsewhere.example'), false, 'no settings, no period');
      const oof = { state: 1 as const, startTime: null, endTime: null, messages: {} };
      await store.setOof(eve.id, oof);
      await store.setOof(fay.id, oof);
      assert.equal(await store.rememberAutoReply(eve.id, 'sam@elsewhere.example'), true);
      assert.equal(await store.rememberAutoReply(eve.id, 'Sam@Elsewhere.example'), false, 'once per sender, whatever the case');
      assert.equal(await store.rememberAutoReply(eve.id, 'tim@elsewhere.example'), true);
      assert.equal(await store.rememberAutoReply(fay.id, 'sam@elsewhere.example'), true, 'each account answers on its own');
      // A rolled-back delivery did not answer.
      await assert.rejects(store.transaction(async tx => {
        assert.equal(await tx.rememberAutoReply(eve.id, 'uma@elsewhere.example'), true);
        throw new Error('delivery failed');
      }), /delivery failed/);
      assert.equal(await store.rememberAutoReply(eve.id, 'uma@elsewhere.example'), true);
      await store.setOof(eve.id, { ...oof, state: 0 });
      assert.equal(await store.rememberAutoReply(eve.id, 'sam@elsewhere.example'), true, 'a new period');
      assert.equal(await store.rememberAutoReply(eve.id, 'sam@elsewhere.example'), false);
      assert.equal(await store.rememberAutoReply(fay.id, 'sam@elsewhere.example'), false, "another account's period goes on");
      await store.removeUser(eve.id);
      await store.removeUser(fay.id);
      assert.equal(await store.rememberAutoReply(eve.id, 'sam@elsewhere.example'), false);
    });

    it('finds an item by its CalDAV resource name and keeps the name on its tombstone (docs/dav.md)', async () => {
      const gil = await store.createUser({ email: 'gil@example.com', displayName: 'Gil', passwordHash: 'h' });
      const cal = (await store.listFolders(gil.id)).find(f => f.displayName === 'Calendar')!;
      const made = (await store.addItem(gil.id, cal.id, { class: 'Calendar', props: [], davName: 'a b.ics' }))!;
      const plain = (await store.addItem(gil.id, cal.id, { class: 'Calendar', props: [] }))!;
      assert.equal(made.davName, 'a b.ics');
      assert.equal(plain.davName, undefined);
      assert.equal((await store.findItemByDavName(cal.id, 'a b.ics'))?.id, made.id);
      const changed = (await store.updateItem(gil.id, made.id, { props: [['Calendar:Subject', 'x']] }))!;
      assert.equal(changed.davName, 'a b.ics');
      assert.equal((await store.findItemByDavName(cal.id, 'a b.ics'))?.id, made.id);
      await store.deleteItem(gil.id, made.id);
      assert.equal(await store.findItemByDavName(cal.id, 'a b.ics'), undefined);
      const [tomb] = await store.getItems(cal.id, [made.id]);
      assert.deepEqual([tomb.deleted, tomb.davName], [true, 'a b.ics']);
      await store.removeUser(gil.id);
    });
  });
}
