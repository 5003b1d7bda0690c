// MS-ASCMD 2.2.1.3/2.2.1.4/2.2.1.6 FolderCreate, FolderDelete, FolderUpdate over real HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { tags } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

const fh = tags('FolderHierarchy');

describe('FolderCreate / FolderUpdate / FolderDelete', () => {
  let t: TestServer;
  before(async () => { t = await startServer({ users: ['alice@example.com', 'bob@example.com'] }); });
  after(() => t.close());

  const create = (m: FolderHierarchyMirror, parentId: string, name: string, type = 12) =>
    t.client('alice@example.com', { deviceId: 'FOLDERS' }).send('FolderCreate',
      fh('FolderCreate', [fh('SyncKey', m.syncKey), fh('ParentId', parentId), fh('DisplayName', name), fh('Type', type)]));

  it('creates a folder, returns its ServerId and a new key, and FolderSync does not echo it back', async () => {
    const m = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'FOLDERS' }));
    await m.sync();
    const res = await create(m, '0', 'Projects');
    assert.equal(res.body?.childText('Status'), '1');
    const serverId = res.body!.childText('ServerId')!;
    assert.ok(serverId);
    assert.equal(res.body?.childText('SyncKey'), String(Number(m.syncKey) + 1));
    m.syncKey = res.body!.childText('SyncKey')!;
    const again = await t.client('alice@example.com', { deviceId: 'FOLDERS' }).send('FolderSync', fh('FolderSync', [fh('SyncKey', m.syncKey)]));
    assert.equal(again.body?.child('Changes')?.childText('Count'), '0');
    // Another device of the same account learns about it through FolderSync.
    const other = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'OTHER' }));
    await other.sync();
    assert.equal(other.folders.get(serverId)?.displayName, 'Projects');
  });

  it('answers each failure with its Status', async () => {
    const m = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'FOLDERS' }));
    await m.sync();
    const status = async (p: Promise<{ body?: { childText(n: string): string | undefined } | undefined }>) => (await p).body?.childText('Status');
    assert.equal(await status(create(m, '0', 'projects')), '2', 'exists (names compare without case)');
    assert.equal(await status(create(m, '999999', 'Orphan')), '5', 'parent not found');
    assert.equal(await status(create(m, '0', 'Inboxy', 2)), '10', 'a default type cannot be created');
    assert.equal(await status(create(m, '0', '   ')), '10', 'empty name');
    const stale = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'FOLDERS' }));
    stale.syncKey = String(Number(m.syncKey) + 5);
    assert.equal(await status(create(stale, '0', 'Late')), '9', 'a key that is not the newest');
    const c = t.client('alice@example.com', { deviceId: 'FOLDERS' });
    const inbox = m.byType(2)!;
    assert.equal(await status(c.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey), fh('ServerId', inbox.serverId)]))), '3');
    // R4101/R4102: FolderUpdate of a special folder is 2 (3 is FolderDelete's).
    assert.equal(await status(c.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', m.syncKey), fh('ServerId', inbox.serverId), fh('ParentId', '0'), fh('DisplayName', 'In')]))), '2');
    // R4581: a SyncKey that is there but empty is an unknown key (9), not a bad request (10).
    assert.equal(await status(c.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', ''), fh('ServerId', inbox.serverId)]))), '9');
    assert.equal(await status(c.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', ''), fh('ServerId', inbox.serverId), fh('ParentId', '0'), fh('DisplayName', 'In')]))), '9');
    assert.equal(await status(c.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey), fh('ServerId', '999999')]))), '4');
    assert.equal(await status(c.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey)]))), '10');
  });

  it('MS-ASCMD DisplayName (FolderCreate), schema 6.9: DisplayName is 1 to 256 characters (not UTF-16 units); a refused request changes nothing', async () => {
    const c = t.client('alice@example.com', { deviceId: 'FOLDERS' });
    const m = new FolderHierarchyMirror(c);
    await m.sync();
    const aliceId = (await t.store.findUserByEmail('alice@example.com'))!.id;
    const before = (await t.store.listFolders(aliceId)).map(f => `${f.id}:${f.parentId}:${f.displayName}`).sort();
    const status = async (p: ReturnType<typeof create>) => (await p).body?.childText('Status');
    assert.equal(await status(create(m, '0', 'x'.repeat(257))), '10', '257 characters');
    assert.equal(await status(create(m, '0', '')), '10', 'empty');
    assert.equal(await status(create(m, '0', 'Tab\there')), '10', 'a control character');
    const inbox = m.byType(2)!;
    for (const [cmd, tree] of [
      ['FolderUpdate', fh('FolderUpdate', [fh('SyncKey', m.syncKey), fh('ServerId', inbox.serverId), fh('ParentId', '0'), fh('DisplayName', 'In')])],
      ['FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey), fh('ServerId', inbox.serverId)])],
      ['FolderCreate', fh('FolderCreate', [fh('SyncKey', m.syncKey), fh('ParentId', '999999'), fh('DisplayName', 'Orphan'), fh('Type', 12)])],
      ['FolderCreate', fh('FolderCreate', [fh('SyncKey', m.syncKey), fh('ParentId', '0'), fh('DisplayName', 'No type')])],
    ] as const) assert.notEqual((await c.send(cmd, tree)).body?.childText('Status'), '1');
    assert.deepEqual((await t.store.listFolders(aliceId)).map(f => `${f.id}:${f.parentId}:${f.displayName}`).sort(), before);
    // The key was not used up: the next request with it succeeds, and FolderSync has nothing to tell.
    const again = await c.send('FolderSync', fh('FolderSync', [fh('SyncKey', m.syncKey)]));
    assert.equal(again.body?.child('Changes')?.childText('Count'), '0');
    const emoji = '\u{1F4C1}'.repeat(256);
    const ok = await create(m, '0', emoji);
    assert.equal(ok.body?.childText('Status'), '1', '256 characters outside the BMP');
    const created = (await t.store.listFolders(aliceId)).find(f => String(f.id) === ok.body!.childText('ServerId'));
    assert.equal(created?.displayName, emoji);
  });

  it("cannot touch another account's folder", async () => {
    const bob = new FolderHierarchyMirror(t.client('bob@example.com', { deviceId: 'BOB' }));
    await bob.sync();
    const m = new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'FOLDERS' }));
    await m.sync();
    const bobsCreated = await t.client('bob@example.com', { deviceId: 'BOB' }).send('FolderCreate',
      fh('FolderCreate', [fh('SyncKey', bob.syncKey), fh('ParentId', '0'), fh('DisplayName', 'Bob private'), fh('Type', 12)]));
    const bobFolder = bobsCreated.body!.childText('ServerId')!;
    const res = await t.client('alice@example.com', { deviceId: 'FOLDERS' }).send('FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey), fh('ServerId', bobFolder)]));
    assert.equal(res.body?.childText('Status'), '4');
    const bobId = (await t.store.findUserByEmail('bob@example.com'))!.id;
    assert.ok((await t.store.listFolders(bobId)).some(f => String(f.id) === bobFolder));
  });

  it('renames and moves a folder, refuses to move it below itself, and deletes it with its subfolders', async () => {
    const c = t.client('alice@example.com', { deviceId: 'FOLDERS' });
    const m = new FolderHierarchyMirror(c);
    await m.sync();
    const a = await create(m, '0', 'A');
    m.syncKey = a.body!.childText('SyncKey')!;
    const aId = a.body!.childText('ServerId')!;
    const b = await create(m, aId, 'B');
    m.syncKey = b.body!.childText('SyncKey')!;
    const bId = b.body!.childText('ServerId')!;
    const loop = await c.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', m.syncKey), fh('ServerId', aId), fh('ParentId', bId), fh('DisplayName', 'A')]));
    assert.equal(loop.body?.childText('Status'), '5');
    const renamed = await c.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', m.syncKey), fh('ServerId', bId), fh('ParentId', '0'), fh('DisplayName', 'B top')]));
    assert.equal(renamed.body?.childText('Status'), '1');
    m.syncKey = renamed.body!.childText('SyncKey')!;
    const moveBack = await c.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', m.syncKey), fh('ServerId', bId), fh('ParentId', aId), fh('DisplayName', 'B')]));
    m.syncKey = moveBack.body!.childText('SyncKey')!;
    const deleted = await c.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', m.syncKey), fh('ServerId', aId)]));
    assert.equal(deleted.body?.childText('Status'), '1');
    m.syncKey = deleted.body!.childText('SyncKey')!;
    const aliceId = (await t.store.findUserByEmail('alice@example.com'))!.id;
    const ids = (await t.store.listFolders(aliceId)).map(f => String(f.id));
    assert.ok(!ids.includes(aId) && !ids.includes(bId));
    const after = await c.send('FolderSync', fh('FolderSync', [fh('SyncKey', m.syncKey)]));
    assert.equal(after.body?.child('Changes')?.childText('Count'), '0');
  });
});
