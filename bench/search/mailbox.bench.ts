// Mailbox search over 50,000 messages (src/search/mailbox.ts): a rare word, a word every message
// has, and the worst case — a word the store's coarse test lets through everywhere (it is a property
// name in the stored JSON) that no message's text holds, so every candidate is read and refused.
// Each search answers Range 0-99 with Total (exact, or estimated past 2,000 candidates once the
// window is full: docs/search.md). Also the GAL over 2,000 accounts.
import { searchGal } from '../../src/directory/gal.js';
import { searchMailbox, type MailboxQuery } from '../../src/search/mailbox.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { email } from '../../test/helpers/items.js';
import { BACKENDS } from '../../test/helpers/stores.js';

const COUNT = 50_000;
const RARE_EVERY = 5_000;
const PARAGRAPH = 'The quarterly numbers are in, and they look better than the forecast we made in spring. ';

async function fill(store: Store, userId: number): Promise<void> {
  const inbox = (await store.listFolders(userId)).find(f => f.type === FolderType.Inbox)!;
  const start = Date.UTC(2024, 0, 1);
  for (let done = 0; done < COUNT; done += 1000) {
    await store.transaction(async tx => {
      for (let i = done; i < done + 1000; i++) {
        const word = i % RARE_EVERY === 0 ? ' zebra' : '';
        const props = email(`Numbers ${i}${word}`, new Date(start + i * 60_000))
          .map(p => (p[0] === 'AirSyncBase:Body' ? ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', PARAGRAPH.repeat(16)]]] : p)) as ItemProps;
        await tx.addItem(userId, inbox.id, { class: 'Email', props, filterTime: start + i * 60_000 });
      }
    });
  }
}

async function timed(label: string, fn: () => Promise<{ total: number }>): Promise<void> {
  await fn();
  const t0 = performance.now();
  const { total } = await fn();
  console.log(`  ${label.padEnd(46)} ${(performance.now() - t0).toFixed(0).padStart(6)} ms  (Total ${total})`);
}

export default async function run(): Promise<void> {
  for (const makeBackend of BACKENDS) {
    const backend = await makeBackend();
    const store = await backend.open();
    try {
      const user = await store.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'x' });
      for (let i = 0; i < 2000; i++) await store.createUser({ email: `user${i}@example.com`, displayName: `Person ${i} Name${i % 50}`, passwordHash: 'x' });
      const t0 = performance.now();
      await fill(store, user.id);
      console.log(`${backend.name}: ${COUNT} messages stored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const query = (text: string): MailboxQuery => ({ deepTraversal: false, classes: ['Email'], conditions: [{ text }] });
      const window = { first: 0, last: 99 };
      await timed('rare word (10 hits)', async () => searchMailbox(store, user.id, query('zebra'), window).then(o => ({ total: o.ok ? o.total : -1 })));
      await timed('word in every message', async () => searchMailbox(store, user.id, query('quarterly'), window).then(o => ({ total: o.ok ? o.total : -1 })));
      await timed('coarse match everywhere, refined to none', async () => searchMailbox(store, user.id, query('airsyncbase'), window).then(o => ({ total: o.ok ? o.total : -1 })));
      await timed('GAL "name4" (2,000 accounts)', async () => ({ total: (await searchGal(store, 'name4')).length }));
    } finally {
      await store.close();
      await backend.dispose();
    }
  }
}
