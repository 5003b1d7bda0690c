// MS-ASCMD 2.2.1.5 FolderSync over real HTTP and WBXML, on SQLite and on PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { DEFAULT_FOLDERS, FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const fh = tags('FolderHierarchy');
const folderSync = (key: string) => fh('FolderSync', [fh('SyncKey', key)]);

for (const backend of BACKENDS) {
  describe(`FolderSync (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let aliceId: number;
    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      aliceId = (await t.store.findUserByEmail('alice@example.com'))!.id;
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.1.5: SyncKey 0 returns every default folder as an Add under the root', async () => {
      const res = await t.client('alice@example.com').send('FolderSync', folderSync('0'));
      const body = res.body!;
      assert.equal(body.childText('Status'), '1');
      assert.equal(body.childText('SyncKey'), '1');
      const changes = body.child('Changes')!;
      assert.equal(changes.childText('Count'), '10');
      const adds = changes.all('Add');
      assert.deepEqual(adds.map(a => [a.childText('DisplayName'), Number(a.childText('Type')), a.childText('ParentId')]),
        DEFAULT_FOLDERS.map(f => [f.name, f.type, '0']));
      assert.equal(new Set(adds.map(a => a.childText('ServerId'))).size, 10);
    });

    it('an unchanged hierarchy keeps the SyncKey and reports Count 0', async () => {
      const m = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'STEADY' }));
      assert.equal(await m.sync(), 1);
      const key = m.syncKey;
      const res = await t.client('alice@example.com', { deviceId: 'STEADY' }).send('FolderSync', folderSync(key));
      assert.equal(res.body?.childText('SyncKey'), key);
      assert.equal(res.body?.child('Changes')?.childText('Count'), '0');
    });

    it('reports added, renamed and deleted folders, each once', async () => {
      const m = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'CHANGES' }));
      await m.sync();
      const added = await t.store.createFolder(aliceId, { parentId: 0, displayName: 'Projects', type: FolderType.UserMail });
      const child = await t.store.createFolder(aliceId, { parentId: added.id, displayName: 'Convene', type: FolderType.UserMail });
      assert.equal(await m.sync(), 1);
      assert.equal(m.folders.get(String(child.id))?.parentId, String(added.id));
      await t.store.updateFolder(aliceId, child.id, { parentId: 0, displayName: 'Convene (top)' });
      assert.equal(await m.sync(), 1);
      assert.deepEqual(m.folders.get(String(child.id)), { serverId: String(child.id), parentId: '0', displayName: 'Convene (top)', type: 12 });
      await t.store.deleteFolder(aliceId, added.id);
      await t.store.deleteFolder(aliceId, child.id);
      assert.equal(await m.sync(), 1);
      const server = await t.store.listFolders(aliceId);
      assert.deepEqual([...m.folders.keys()].sort(), server.map(f => String(f.id)).sort());
    });

    it('a device that lost the response re-sends its key and gets the same changes under the same new key', async () => {
      const c = t.client('alice@example.com', { deviceId: 'RETRY' });
      const m = new FolderHierarchyMirror(c);
      await m.sync();
      const before = m.syncKey;
      const f = await t.store.createFolder(aliceId, { parentId: 0, displayName: 'Lost', type: FolderType.UserMail });
      const first = await c.send('FolderSync', folderSync(before));
      const again = await c.send('FolderSync', folderSync(before));
      assert.equal(again.body?.childText('SyncKey'), first.body?.childText('SyncKey'));
      assert.deepEqual(again.body?.child('Changes')?.all('Add').map(a => a.childText('ServerId')), [String(f.id)]);
      // The new key works; the one before the previous is gone.
      const next = await c.send('FolderSync', folderSync(first.body!.childText('SyncKey')!));
      assert.equal(next.body?.childText('Status'), '1');
      await t.store.createFolder(aliceId, { parentId: 0, displayName: 'Later', type: FolderType.UserMail });
      const moved = await c.send('FolderSync', folderSync(first.body!.childText('SyncKey')!));
      assert.equal(moved.body?.childText('Status'), '1');
      assert.equal((await c.send('FolderSync', folderSync(before))).body?.childText('Status'), '9');
    });

    it('MS-ASCMD 2.2.3.181.2, R4060: an unknown, malformed or empty SyncKey gets Status 9; a missing one Status 10', async () => {
      const c = t.client('bob@example.com', { deviceId: 'BADKEYS' });
      for (const key of ['5', '999999999999', 'abc', '-1', '1.5', '', ' ']) {
        const res = await c.send('FolderSync', folderSync(key));
        assert.equal(res.status, 200);
        assert.equal(res.body?.childText('Status'), '9', key);
        assert.equal(res.body?.child('Changes'), undefined);
      }
      assert.equal((await c.send('FolderSync', fh('FolderSync'))).body?.childText('Status'), '10');
      assert.equal((await c.send('FolderSync', tags('AirSync')('Sync'))).body?.childText('Status'), '10');
      // After Status 9 the device starts over with 0 and gets everything.
      const m = new FolderHierarchyMirror(c);
      assert.equal(await m.sync(), 1);
      assert.equal(m.folders.size, 10);
    });

    it("one device's SyncKey means nothing to another device or another account", async () => {
      const a = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'OWNKEY' }));
      await a.sync();
      await t.store.createFolder(aliceId, { parentId: 0, displayName: 'Bump', type: FolderType.UserMail });
      await a.sync();
      const other = await t.client('bob@example.com', { deviceId: 'OWNKEY' }).send('FolderSync', folderSync(a.syncKey));
      assert.equal(other.body?.childText('Status'), '9');
      const otherDevice = await t.client('alice@example.com', { deviceId: 'NEWDEV' }).send('FolderSync', folderSync(a.syncKey));
      assert.equal(otherDevice.body?.childText('Status'), '9');
    });

    it("never shows another account's folders", async () => {
      const bobMirror = new FolderHierarchyMirror(t.client('bob@example.com', { deviceId: 'BOBS' }));
      await bobMirror.sync();
      const aliceFolders = new Set((await t.store.listFolders(aliceId)).map(f => String(f.id)));
      for (const id of bobMirror.folders.keys()) assert.ok(!aliceFolders.has(id));
    });
  });
}
