// CalDAV polling cost (issue 15, part 5): on a 10,000-event calendar, a no-change sync-collection
// beside a no-change EAS Sync of the same calendar, and a calendar-multiget of 100 events beside an
// EAS Sync that brings a device 100 changed events, in the same run — a desktop client's poll and
// fetch should cost about what a phone's do (target: ratios near 1).
import { onEachBackend } from '../helpers.js';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { collectionHref, objectHref, resourceName } from '../../src/dav/paths.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { event } from '../../test/helpers/items.js';

const EVENTS = 10_000;
const ROUNDS = 200;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timed(rounds: number, f: () => Promise<void>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await f();
    times.push(performance.now() - start);
  }
  return median(times);
}

export default async function run(): Promise<Record<string, unknown>> {
  const figures: Record<string, unknown> = {};
  await onEachBackend(async ({ backend, store, url }) => {
    const email = 'bench@example.com';
    const password = 'bench-password';
    const user = await createAccount(store, { email, password });
    const calendar = (await store.listFolders(user.id)).find(f => f.type === FolderType.Calendar)!;
    for (let done = 0; done < EVENTS; done += 1000) {
      await store.transaction(async tx => {
        for (let i = done; i < Math.min(EVENTS, done + 1000); i++) {
          await tx.addItem(user.id, calendar.id, { class: 'Calendar', props: event(`Event ${i}`, '20261201T100000Z', '20261201T110000Z') });
        }
      });
    }
    const auth = `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
    const report = async (path: string, body: string, depth?: string): Promise<string> => {
      const res = await fetch(new URL(path, url), {
        method: 'REPORT', body, headers: { Authorization: auth, 'Content-Type': 'application/xml', ...(depth ? { Depth: depth } : {}) },
      });
      const text = await res.text();
      if (res.status !== 207) throw new Error(`REPORT ${path}: ${res.status} ${text.slice(0, 200)}`);
      return text;
    };
    const home = collectionHref('calendars', email, calendar.id);
    const syncBody = (token: string) => '<d:sync-collection xmlns:d="DAV:"><d:sync-level>1</d:sync-level>'
      + `<d:sync-token>${token}</d:sync-token><d:prop><d:getetag/></d:prop></d:sync-collection>`;
    // The desktop's initial sync, page by page (507 marks a page), to its current token.
    let token = '';
    for (;;) {
      const text = await report(home, syncBody(token));
      token = /<d:sync-token>([^<]*)</.exec(text)![1]!;
      if (!text.includes('507')) break;
    }
    const ids = (await store.liveItemIds(calendar.id)).slice(0, 100);
    const hrefs = (await store.getItems(calendar.id, ids)).map(i => `<d:href>${objectHref('calendars', email, calendar.id, resourceName(i))}</d:href>`).join('');
    const multiget = '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
      + `<d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs}</c:calendar-multiget>`;
    const noChangeSync = await timed(ROUNDS, async () => {
      const text = await report(home, syncBody(token));
      if (text.includes('<d:response>')) throw new Error('expected no changes');
    });
    const multiget100 = await timed(ROUNDS / 4, async () => { await report(home, multiget, '1'); });

    const client = new EasClient({ baseUrl: url, user: email, password, deviceId: 'BENCHDAV' });
    const mirror = new CollectionMirror(client, String(calendar.id));
    await mirror.sync();
    await mirror.syncAll({ windowSize: 512 });
    const easNoChange = await timed(ROUNDS, async () => {
      const round = await mirror.sync();
      if (!round.empty) throw new Error('expected no changes');
    });
    // The reference for the multiget: 100 events changed (untimed), then the device's Sync that brings them.
    const times: number[] = [];
    for (let round = 0; round < ROUNDS / 4; round++) {
      await store.transaction(async tx => {
        for (const item of await tx.getItems(calendar.id, ids)) await tx.updateItem(user.id, item.id, { props: item.props, event: item.event });
      });
      const start = performance.now();
      const got = await mirror.sync([], { windowSize: 100 });
      times.push(performance.now() - start);
      if (got.moreAvailable || got.empty) throw new Error('expected exactly one page of 100 changes');
    }
    const eas100 = median(times);
    const name = backend.name.replace('Backend', '');
    console.log(`[${backend.name}] ${EVENTS} events: no-change sync-collection ${noChangeSync.toFixed(2)} ms, `
      + `no-change EAS Sync ${easNoChange.toFixed(2)} ms (ratio ${(noChangeSync / easNoChange).toFixed(2)}, target ≈ 1); `
      + `calendar-multiget of 100 ${multiget100.toFixed(1)} ms, EAS Sync of 100 changed ${eas100.toFixed(1)} ms `
      + `(ratio ${(multiget100 / eas100).toFixed(2)}, target ≈ 1) (median wall, keep-alive)`);
    figures[name] = {
      noChangeSyncCollectionMs: noChangeSync, noChangeEasSyncMs: easNoChange, ratio: noChangeSync / easNoChange,
      multiget100Ms: multiget100, easSync100ChangedMs: eas100, multigetRatio: multiget100 / eas100,
    };
  }, { mounts: [davMount()] });
  return figures;
}
