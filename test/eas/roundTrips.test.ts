// Round trips per request (docs/performance.md): on PostgreSQL each statement is one, so the
// no-change Sync — what every idle phone sends — is held to its count: the account, the device
// with its cached request, the folder with the device's state. Counted by the drivers, never timed;
// the count must not grow with the folder.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderType } from '../../src/store/types.js';
import { event } from '../helpers/items.js';
import { folderId, startServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

/** Statements of one no-change Sync: the account, the device (with its caches), the folder with its state. */
const NO_CHANGE_SYNC = 2;

for (const makeBackend of BACKENDS) {
  describe(`statements per request (${makeBackend.name.replace('Backend', '')})`, () => {
    it(`a no-change Sync sends ${NO_CHANGE_SYNC} statements, whatever the folder holds; a change still goes the full way`, async () => {
      const t = await startServer({ backend: makeBackend });
      try {
        const user = (await t.store.findUserByEmail('alice@example.com'))!;
        const calendarId = await folderId(t, user.email, FolderType.Calendar);
        const perSync = async (calendar: CollectionMirror): Promise<number> => {
          // The first poll after windowed rounds caches the request without their WindowSize: a change.
          assert.ok((await calendar.sync()).empty);
          const before = t.store.statementCounts().statements;
          for (let i = 0; i < 4; i++) assert.ok((await calendar.sync()).empty);
          return (t.store.statementCounts().statements - before) / 4;
        };
        const add = (n: number) => t.store.transaction(async tx => {
          for (let i = 0; i < n; i++) await tx.addItem(user.id, Number(calendarId), { class: 'Calendar', props: event(`Event ${i}`) });
        });
        await add(3);
        const calendar = new CollectionMirror(t.client(user.email, { deviceId: 'TRIPS1' }), calendarId);
        await calendar.sync();
        await calendar.syncAll({ windowSize: 2 });
        assert.equal(calendar.items.size, 3);
        assert.equal(await perSync(calendar), NO_CHANGE_SYNC);

        await add(40);
        assert.equal((await calendar.sync()).empty, false);
        await calendar.syncAll({ windowSize: 10 });
        assert.equal(calendar.items.size, 43);
        assert.equal(await perSync(calendar), NO_CHANGE_SYNC, 'the count does not grow with the folder');

        // The same key again with new options is no idle poll: it is answered (and stored) in full.
        const key = calendar.syncKey;
        await calendar.sync([], { options: undefined, deletesAsMoves: false });
        assert.equal(calendar.syncKey, key);
        assert.equal((await t.store.getCollectionState(
          (await t.store.listDevices(user.id)).find(d => d.deviceId === 'TRIPS1')!.id, Number(calendarId)))!.options.deletesAsMoves, false);
      } finally {
        await t.close();
      }
    });
  });
}
