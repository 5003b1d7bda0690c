// A request that changes nothing commits nothing (docs/performance.md): no-change Sync, FolderSync
// and Ping over real HTTP write no row on either store — counted by the drivers (rows inserted,
// updated or deleted; SQLite's total_changes()), not timed. The devices' sightings they skip are
// kept in memory, listed exactly by this node, and written when the store closes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { event } from '../helpers/items.js';
import { folderId, startServer } from '../helpers/server.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

const p = tags('Ping');

/**
 * `n` Pings of one device, each answered (Status 1) when the next begins (MS-ASCMD 3.1.5.8); the
 * last stays held. When this returns, every one of them has done what it does before it waits.
 */
async function pings(client: EasClient, calendarId: string, n: number): Promise<void> {
  const held = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    const sent = client.send('Ping', p('Ping', [p('HeartbeatInterval', 900), p('Folders', [p('Folder', [p('Id', calendarId), p('Class', 'Calendar')])])]))
      .then(r => assert.equal(r.body?.childText('Status'), '1'));
    held.add(sent);
    void sent.then(() => held.delete(sent), () => held.delete(sent));
    if (held.size > 1) await Promise.race(held);
  }
}

for (const makeBackend of BACKENDS) {
  describe(`idle requests write nothing (${makeBackend.name.replace('Backend', '')})`, () => {
    it('no-change Sync, FolderSync and Ping write no row; the sighting is listed now and stored at close', async () => {
      let backend: Backend | undefined;
      let lastRequest = Infinity;
      const t = await startServer({
        // Kept past t.close(), so the closed store's files can be opened again below.
        backend: async () => {
          backend = await makeBackend();
          return { ...backend, dispose: async () => undefined };
        },
      });
      try {
        const user = (await t.store.findUserByEmail('alice@example.com'))!;
        const calendarId = await folderId(t, user.email, FolderType.Calendar);
        await t.store.transaction(async tx => {
          for (let i = 0; i < 25; i++) await tx.addItem(user.id, Number(calendarId), { class: 'Calendar', props: event(`Event ${i}`) });
        });
        const client = t.client(user.email, { deviceId: 'IDLE1' });
        const hierarchy = new FolderHierarchyMirror(client);
        await hierarchy.sync();
        const calendar = new CollectionMirror(client, calendarId);
        await calendar.sync();
        // Windows of 10: the kept answer (for a repeated key) holds items, as a phone's does.
        await calendar.syncAll({ windowSize: 10 });
        assert.equal(calendar.items.size, 25);
        await pings(client, calendarId, 2); // the first Ping caches its parameters: a change

        const before = t.store.statementCounts();
        const seenFrom = Date.now();
        for (let i = 0; i < 5; i++) assert.ok((await calendar.sync([], { windowSize: 10 })).empty);
        const key = hierarchy.syncKey;
        for (let i = 0; i < 5; i++) assert.equal(await hierarchy.sync(), 1);
        assert.equal(hierarchy.syncKey, key);
        await pings(client, calendarId, 5);
        const after = t.store.statementCounts();
        assert.equal(after.rowsWritten - before.rowsWritten, 0, '15 no-change requests wrote rows');
        assert.ok(after.statements > before.statements, 'the statements are counted');

        const listed = (await t.store.listDevices(user.id)).find(d => d.deviceId === 'IDLE1')!;
        assert.ok(listed.lastSeen >= seenFrom, 'this node lists the sighting it has not written');

        // A change still commits at once, and the key moves on as before.
        await t.store.addItem(user.id, Number(calendarId), { class: 'Calendar', props: event('New') });
        const keyBefore = calendar.syncKey;
        lastRequest = Date.now();
        assert.equal((await calendar.sync()).empty, false);
        assert.equal(calendar.items.size, 26);
        assert.equal(Number(calendar.syncKey), Number(keyBefore) + 1);
        assert.ok(t.store.statementCounts().rowsWritten > after.rowsWritten);
      } finally {
        await t.close();
      }
      const store = await backend!.open();
      try {
        const user = (await store.findUserByEmail('alice@example.com'))!;
        const stored = (await store.listDevices(user.id)).find(d => d.deviceId === 'IDLE1')!;
        assert.ok(stored.lastSeen >= lastRequest, 'the last sighting was written at close');
      } finally {
        await store.close();
        await backend!.dispose();
      }
    });
  });
}
