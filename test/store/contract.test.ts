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

    it('removes an account with its folders and devices', async () => {
      const alice = (await store.findUserByEmail('alice@example.com'))!;
      assert.equal(await store.removeUser(alice.id), true);
      assert.equal(await store.findUserByEmail('alice@example.com'), undefined);
      assert.deepEqual(await store.listFolders(alice.id), []);
      assert.deepEqual(await store.listDevices(alice.id), []);
      assert.equal(await store.removeUser(alice.id), false);
    });
  });
}
