// Sync cost: the initial download of a 10,000-item calendar in windows of 100, and a Sync with no
// changes on a 100-item folder beside a 100,000-item one (the ratio should stay near 1: the
// no-change path reads one folder row, whatever the folder holds).
import { onEachBackend, serverMs } from '../helpers.js';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderType } from '../../src/store/types.js';
import type { Store } from '../../src/store/Store.js';
import { event } from '../../test/helpers/items.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function fill(store: Store, userId: number, folderId: number, count: number): Promise<void> {
  for (let done = 0; done < count; done += 1000) {
    await store.transaction(async tx => {
      for (let i = done; i < Math.min(count, done + 1000); i++) {
        await tx.addItem(userId, folderId, { class: 'Calendar', props: event(`Event ${i}`, '20261201T100000Z', '20261201T110000Z') });
      }
    });
  }
}

export default async function run(): Promise<void> {
  await onEachBackend(async ({ backend, store, url }) => {
    const user = await createAccount(store, { email: 'bench@example.com', password: 'bench-password' });
    const folders = await store.listFolders(user.id);
    const calendar = folders.find(f => f.type === FolderType.Calendar)!;
    await fill(store, user.id, calendar.id, 10_000);
    const client = new EasClient({ baseUrl: url, user: user.email, password: 'bench-password', deviceId: 'BENCH1' });
    const m = new CollectionMirror(client, String(calendar.id));
    const wall = performance.now();
    await m.sync();
    const rounds = await m.syncAll({ windowSize: 100 });
    const wallMs = performance.now() - wall;
    const server10k = rounds.reduce((s, r) => s + serverMs(r.response.headers), 0);
    console.log(`[${backend.name}] initial Sync of a 10,000-item calendar, WindowSize 100: ${rounds.length} requests, ` +
      `${server10k.toFixed(0)} ms server time (${(server10k / 10_000 * 1000).toFixed(1)} µs/item), ${wallMs.toFixed(0)} ms wall with client decode; items on device: ${m.items.size}`);

    const small = await store.createFolder(user.id, { parentId: 0, displayName: 'Small', type: FolderType.UserCalendar });
    const big = await store.createFolder(user.id, { parentId: 0, displayName: 'Big', type: FolderType.UserCalendar });
    await fill(store, user.id, small.id, 100);
    await fill(store, user.id, big.id, 100_000);
    const perFolder: Record<string, number> = {};
    for (const f of [small, big]) {
      const mirror = new CollectionMirror(client, String(f.id));
      await mirror.sync();
      // Bring the device up to date without downloading 100,000 items through HTTP: record what a
      // finished initial sync records (the items it holds, the watermark).
      const device = (await store.listDevices(user.id))[0];
      const ids = await store.liveItemIds(f.id);
      const items = await store.getItems(f.id, ids.slice(-1));
      const top = (await store.getFolder(user.id, f.id))!.modseq;
      await store.holdVersions(device.id, f.id, ids.map(id => [id, items[0]?.modseq ?? top]));
      const state = (await store.getCollectionState(device.id, f.id))!;
      await store.saveCollectionState({ ...state, modseq: top });
      const times: number[] = [];
      for (let i = 0; i < 300; i++) {
        const round = await mirror.sync();
        if (!round.empty) throw new Error('expected no changes');
        times.push(serverMs(round.response.headers));
      }
      perFolder[f.displayName] = median(times.slice(50));
    }
    console.log(`[${backend.name}] no-change Sync, median server time: 100 items ${perFolder.Small.toFixed(3)} ms, ` +
      `100,000 items ${perFolder.Big.toFixed(3)} ms, ratio ${(perFolder.Big / perFolder.Small).toFixed(2)} (target ≈ 1)`);
  });
}
