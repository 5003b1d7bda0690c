// Two stores on one SQLite file — as `convene serve` and a CLI command in another process are —
// hear each other's changes (src/store/sqlite/crossProcess.ts), each exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAccount } from '../../src/accounts/accounts.js';
import type { ChangeEvent } from '../../src/store/changes.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType } from '../../src/store/types.js';
import { event } from '../helpers/items.js';
import { sqliteBackend, type Backend } from '../helpers/stores.js';

/** Waits (no deadline of its own: the test runner's timeout is the limit) until `events` has `n` entries. */
async function until(events: ChangeEvent[], n: number): Promise<void> {
  while (events.length < n) await new Promise(r => setTimeout(r, 20));
}

describe('SQLite: changes from another connection on the same file', { timeout: 60_000 }, () => {
  let backend: Backend;
  let server: Store;
  let cli: Store;
  before(async () => {
    backend = await sqliteBackend();
    server = await backend.open();
    cli = await backend.open();
  });
  after(async () => {
    await cli.close();
    await server.close();
    await backend.dispose();
  });

  it('an item and a folder written through the other store reach this store\'s feed, once each; its own writes once too', async () => {
    const user = await createAccount(cli, { email: 'dee@example.com', password: 'dee-secret-1' });
    const calendar = (await cli.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!;
    const heard: ChangeEvent[] = [];
    server.changes.subscribe(e => heard.push(e), user.id);
    // Let the first poll record where the feed starts.
    await new Promise(r => setTimeout(r, 50));

    await cli.addItem(user.id, calendar.id, { class: 'Calendar', props: event('From the CLI') });
    await until(heard, 1);
    assert.deepEqual(heard[0], { userId: user.id, folderId: calendar.id });

    await cli.transaction(async tx => {
      await tx.addItem(user.id, calendar.id, { class: 'Calendar', props: event('In a transaction') });
      await tx.createFolder(user.id, { parentId: 0, displayName: 'Projects', type: FolderType.UserCalendar });
    });
    await until(heard, 3);
    assert.deepEqual(heard.slice(1, 3).sort((a, b) => Number(!!a.hierarchy) - Number(!!b.hierarchy)),
      [{ userId: user.id, folderId: calendar.id }, { userId: user.id, hierarchy: true }]);

    await server.addItem(user.id, calendar.id, { class: 'Calendar', props: event('From the server') });
    await until(heard, 4);
    // Several poll intervals later nothing was heard twice.
    await new Promise(r => setTimeout(r, 1000));
    assert.equal(heard.length, 4);
  });
});
