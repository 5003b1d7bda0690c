// Tombstone expiry against the change scan (docs/sync.md): a device behind a folder's purge mark
// learns deletes from what it holds, also when a purge commits while the scan reads the log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/Store.js';
import type { Device, Folder, User } from '../../src/store/types.js';
import { scanChanges } from '../../src/sync/serverChanges.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

for (const makeBackend of BACKENDS) {
  describe(`tombstone expiry and the change scan: ${makeBackend.name.replace('Backend', '')}`, () => {
    let backend: Backend;
    let store: Store;
    let user: User;
    let folder: Folder;
    let device: Device;
    before(async () => {
      backend = await makeBackend();
      store = await backend.open();
      user = await store.createUser({ email: 'bob@example.com', displayName: 'Bob', passwordHash: 'h' });
      folder = (await store.listFolders(user.id)).find(f => f.type === 3)!;
      device = await store.recordDevice({ userId: user.id, deviceId: 'D1', deviceType: 't', userAgent: 'u', protocolVersion: '16.1' });
    });
    after(async () => {
      await store.close();
      await backend.dispose();
    });

    it('a purge committing while the log is read, after the first reconciliation, loses no delete', async () => {
      const add = async () => (await store.addItem(user.id, folder.id, { class: 'Email', props: [] }))!;
      const [a, x, y] = [await add(), await add(), await add()];
      await store.holdVersions(device.id, folder.id, [[a.id, a.modseq], [x.id, x.modseq], [y.id, y.modseq]]);
      const from = y.modseq;
      await store.deleteItem(user.id, a.id);
      await store.purgeTombstones(Date.now() + 1); // the mark covers A's delete: the scan starts by reconciling
      await store.deleteItem(user.id, x.id);
      await store.deleteItem(user.id, y.id);
      const z = await add();
      const state = (await store.getFolder(user.id, folder.id))!;
      let fired = false;
      // The purge lands between the scan's first look at the mark and its reading of the log.
      const racing = new Proxy(store, {
        get(target, name) {
          if (name === 'listChanges') {
            return async (...args: Parameters<Store['listChanges']>) => {
              if (!fired) { fired = true; await target.purgeTombstones(Date.now() + 1); }
              return target.listChanges(...args);
            };
          }
          const value = Reflect.get(target, name) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      });
      const scan = await scanChanges({ store: racing, device }, state, { filterType: 0 }, from, 100);
      assert.deepEqual(scan.decided.map(d => [d.kind, d.id]).sort(),
        [['Add', z.id], ['Delete', a.id], ['Delete', x.id], ['Delete', y.id]].sort());
    });
  });
}
