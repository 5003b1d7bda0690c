// The set-wise store operations behind one-statement paths (docs/performance.md), on both backends:
// they answer what their one-by-one forms answer, refuse what those refuse, and write nothing then.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type User } from '../../src/store/types.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

for (const makeBackend of BACKENDS) {
  describe(`set-wise store operations: ${makeBackend.name.replace('Backend', '')}`, () => {
    let backend: Backend;
    let store: Store;
    let ann: User;
    let ben: User;
    const folder = async (u: User, type: number) => (await store.listFolders(u.id)).find(f => f.type === type)!.id;
    before(async () => {
      backend = await makeBackend();
      store = await backend.open();
      ann = await store.createUser({ email: 'ann@example.com', displayName: 'Ann', passwordHash: 'h' });
      ben = await store.createUser({ email: 'ben@example.com', displayName: 'Ben', passwordHash: 'h' });
    });
    after(async () => {
      await store.close();
      await backend.dispose();
    });

    it('findUsersByEmail: any case, unknown addresses left out, each account once', async () => {
      const found = await store.findUsersByEmail(['ANN@example.com', 'nobody@example.com', 'ben@example.com', 'ann@example.com']);
      assert.deepEqual(found.map(u => u.email).sort(), ['ann@example.com', 'ben@example.com']);
      assert.deepEqual(await store.findUsersByEmail([]), []);
    });

    it('findUserWithDevice: the account with its device and caches, or with null; recordDevice then reads nothing', async () => {
      assert.deepEqual(await store.findUserWithDevice('ann@example.com', 'PHONE'), { user: ann, device: null });
      assert.equal(await store.findUserWithDevice('nobody@example.com', 'PHONE'), undefined);
      const sighting = { userId: ann.id, deviceId: 'PHONE', deviceType: 'iPhone', userAgent: 'ua', protocolVersion: '16.1' };
      const made = await store.recordDevice(sighting, null);
      await store.setDeviceCache(made.id, 'sync_request', '{"collections":[]}');
      const read = (await store.findUserWithDevice('Ann@Example.com', 'PHONE'))!;
      assert.equal(read.user.id, ann.id);
      assert.equal(read.device?.id, made.id);
      assert.deepEqual(read.device?.cached, { ping: null, syncRequest: '{"collections":[]}' });
      const before = store.statementCounts().statements;
      const again = await store.recordDevice(sighting, read.device);
      assert.equal(store.statementCounts().statements, before, 'a known device reporting nothing new: no statement');
      assert.equal(again.id, made.id);
      // Something new (a new User-Agent) is written at once, as without the read.
      const updated = await store.recordDevice({ ...sighting, userAgent: 'ua2' }, read.device);
      assert.equal(updated.userAgent, 'ua2');
      assert.equal((await store.listDevices(ann.id)).find(d => d.deviceId === 'PHONE')?.userAgent, 'ua2');
      // Another account's device is not this one's.
      assert.equal((await store.findUserWithDevice('ben@example.com', 'PHONE'))?.device, null);
    });

    it('addItems: numbers each folder densely in order; a folder not the account\'s gets undefined and no change', async () => {
      const annCal = await folder(ann, FolderType.Calendar);
      const benCal = await folder(ben, FolderType.Calendar);
      const benTop = (await store.getFolder(ben.id, benCal))!.modseq;
      const start = (await store.getFolder(ann.id, annCal))!.modseq;
      const item = (n: string) => ({ class: 'Calendar' as const, props: [['Calendar:Subject', n]] as [string, string][] });
      const made = await store.addItems([
        { userId: ann.id, folderId: annCal, item: item('a') },
        { userId: ann.id, folderId: benCal, item: item('not hers') },
        { userId: ann.id, folderId: annCal, item: item('b') },
      ]);
      assert.deepEqual(made.map(m => m?.modseq), [start + 1, undefined, start + 2]);
      assert.deepEqual(made.map(m => m?.props[0]?.[1]), ['a', undefined, 'b']);
      assert.equal((await store.getFolder(ben.id, benCal))!.modseq, benTop, 'the other account\'s folder is untouched');
      const stored = await store.getItems(annCal, made.flatMap(m => (m ? [m.id] : [])));
      assert.deepEqual(stored.map(i => [i.props[0][1], i.modseq]).sort(), [['a', start + 1], ['b', start + 2]]);
    });

    it('findItemsByUidOf and moveItem: another account\'s folder refused with nothing written', async () => {
      const inbox = await folder(ann, FolderType.Inbox);
      const ev = { uid: 'uid-1', start: 0, end: 3600_000 } as never;
      const a = (await store.addItem(ann.id, inbox, { class: 'Email', props: [['Email:Subject', 'x']], event: ev }))!;
      const b = (await store.addItem(ben.id, await folder(ben, FolderType.Inbox), { class: 'Email', props: [], event: ev }))!;
      assert.deepEqual((await store.findItemsByUidOf([ann.id, ben.id], 'uid-1')).map(i => i.id).sort((x, y) => x - y), [a.id, b.id].sort((x, y) => x - y));
      const written = store.statementCounts().rowsWritten;
      assert.equal(await store.moveItem(ann.id, a.id, await folder(ben, FolderType.DeletedItems)), undefined);
      assert.equal(await store.moveItem(ann.id, b.id, await folder(ann, FolderType.DeletedItems)), undefined);
      assert.equal(store.statementCounts().rowsWritten, written, 'nothing written');
      const moved = (await store.moveItem(ann.id, a.id, await folder(ann, FolderType.DeletedItems)))!;
      assert.deepEqual(moved.props, [['Email:Subject', 'x']]);
      assert.equal(moved.event?.uid, 'uid-1');
      assert.equal(await store.getItem(ann.id, a.id), undefined);
    });
  });
}
