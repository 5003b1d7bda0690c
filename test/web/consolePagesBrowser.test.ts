// The device inspector and the meeting trace in real headless Chromium (puppeteer-core driving
// Debian's chromium), through the real console (signed in as an operator, then as a user): a
// device's Sync appears live in the inspector; the trace of a recurring meeting after one
// occurrence was moved shows exactly one update per attendee. Screenshots go to docs/console/
// with CONVENE_SCREENSHOTS=1 (docs/console.md).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { consoleMount } from '../../src/web/console/mount.js';
import { NO_BROWSER, openBrowser, SHOTS } from '../helpers/browser.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const FIRST = (() => { const d = new Date(Date.now() + WEEK); d.setUTCHours(1, 0, 0, 0); return d.getTime(); })();
const DAY_BIT = 1 << new Date(FIRST + 9 * HOUR).getUTCDay();

function meeting(subject: string): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Asia/Tokyo', 2026))], ['Calendar:AllDayEvent', '0'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', ['bob@example.com', 'carol@example.com'].map(e => ['Calendar:Attendee', [['Calendar:Email', e], ['Calendar:AttendeeType', '1']]] as ItemProps[number])],
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '10'], ['Calendar:DayOfWeek', String(DAY_BIT)]]],
  ];
}

describe('console pages in headless Chromium: device inspector and meeting trace', { skip: NO_BROWSER }, () => {
  let t: TestServer;
  let close: (() => Promise<void>) | undefined;
  let page: Page;

  const signIn = async (address: string) => {
    await page.goto(`${t.url}/console/signin`);
    await page.type('input[name=address]', address);
    await page.type('input[name=password]', PASSWORD);
    await Promise.all([page.waitForNavigation(), page.click('main button')]);
    assert.doesNotMatch(page.url(), /\/console\/signin/, `${address} signed in`);
  };

  before(async () => {
    const users = ['alice@example.com', 'bob@example.com', 'carol@example.com', 'ops@example.com'];
    t = await startServer({ users, server: { mounts: [consoleMount()] } });
    await t.store.setAdmin((await t.store.findUserByEmail('ops@example.com'))!.id, true);
    ({ page, close } = await openBrowser(1000, 900));
    await signIn('ops@example.com');
  });
  after(async () => {
    await close?.();
    await t?.close();
  });

  it('a device\'s Sync appears live in the inspector, its Status shown', async () => {
    const cal = await folderId(t, 'alice@example.com', FolderType.Calendar);
    const { collection } = await syncedDevice(t, 'alice@example.com', cal, { version: '16.1', deviceId: 'ALICEPHONE', deviceType: 'iPhone' });
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const pk = (await t.store.listDevices(alice.id)).find(d => d.deviceId === 'ALICEPHONE')!.id;
    await page.goto(`${t.url}/console/devices/${pk}/inspect`);
    assert.match(await page.$eval('#logging-state', e => e.textContent ?? ''), /off/);
    await Promise.all([page.waitForNavigation(), page.click('#logging-toggle')]);
    assert.match(await page.$eval('#logging-state', e => e.textContent ?? ''), /on until/);
    await page.waitForFunction(() => document.getElementById('live-state')?.textContent === 'Following live.');
    // The device syncs while the page is open: the exchange arrives without a reload.
    await collection.sync([{ kind: 'Add', clientId: 'n', props: [['Calendar:Subject', '<script>alert(1)</script>'], ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)]] }]);
    await page.waitForSelector('#exchanges li.exchange[data-cmd="Sync"]');
    const shown = await page.$eval('#exchanges li.exchange[data-cmd="Sync"]', e => ({ text: e.textContent ?? '', statuses: [...e.querySelectorAll('.statuses .status')].map(s => s.textContent) }));
    assert.match(shown.text, /Sync/);
    assert.ok(shown.statuses.includes('1'));
    assert.match(shown.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/, 'the subject is shown as the XML text it is');
    assert.equal(await page.$$eval('#exchanges script', s => s.length), 0, 'nothing a device wrote runs');
    assert.doesNotMatch(shown.text, /Basic [A-Za-z0-9+/=]{16,}/, 'no credentials');
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/inspector.png` });
    // The permalink opens that exchange alone.
    const href = await page.$eval('#exchanges li.exchange[data-cmd="Sync"] a.permalink', a => a.getAttribute('href')!);
    await page.goto(`${t.url}${href}`);
    assert.equal(await page.$$eval('li.exchange', l => l.length), 1);
    // The download, filtered like the page.
    // Fetched by the signed-in page: the download needs the session like every console page.
    const file = await page.evaluate(async (u: string) => {
      const r = await fetch(u);
      return { disposition: r.headers.get('content-disposition') ?? '', text: await r.text() };
    }, `${t.url}/console/devices/${pk}/exchanges.txt?cmd=Sync`);
    assert.match(file.disposition, /attachment; filename="ALICEPHONE-Sync.log"/);
    const text = file.text;
    assert.match(text, /=== #\d+ .* Sync → HTTP 200 Status 1/);
    assert.doesNotMatch(text, /FolderSync|alice@example\.com:[^*]/);
  });

  it('what a device calls itself is shown, never run', async () => {
    const hostile = '<img/src=x/onerror=alert(1)>';
    await new FolderHierarchyMirror(t.client('carol@example.com', { deviceId: 'HOSTILE', deviceType: hostile })).sync();
    const carol = (await t.store.findUserByEmail('carol@example.com'))!;
    const pk = (await t.store.listDevices(carol.id)).find(d => d.deviceId === 'HOSTILE')!.id;
    await page.goto(`${t.url}/console/devices/${pk}/inspect`);
    assert.equal(await page.$$eval('main img', i => i.length), 0);
    assert.ok((await page.$eval('dl.device', d => d.textContent ?? '')).includes(hostile));
  });

  it('the trace of a recurring meeting after one occurrence was moved: exactly one update per attendee', async () => {
    const cal = await folderId(t, 'alice@example.com', FolderType.Calendar);
    const alice = new CollectionMirror(t.client('alice@example.com', { version: '16.1', deviceId: 'ALICEPHONE', deviceType: 'iPhone' }), cal);
    await new FolderHierarchyMirror(t.client('alice@example.com', { version: '16.1', deviceId: 'ALICEPHONE', deviceType: 'iPhone' })).sync();
    await alice.sync();
    await alice.syncAll();
    const r = await alice.sync([{ kind: 'Add', clientId: 'm', props: meeting('Quarterly <b>planning</b>') }]);
    const third = FIRST + 2 * WEEK;
    await alice.sync([{ kind: 'Change', serverId: r.added.get('m')!.serverId!, instanceId: formatCompact(third),
      props: [['Calendar:StartTime', formatCompact(third + 2 * HOUR)], ['Calendar:EndTime', formatCompact(third + 3 * HOUR)]] }]);

    await page.goto(`${t.url}/console/trace`);
    await page.type('#q', 'quarterly');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    assert.equal(await page.$$eval('table.meetings b', b => b.length), 0, 'the subject is escaped');
    await Promise.all([page.waitForNavigation(), page.click('table.meetings a')]);
    const runs = await page.$$eval('ol.timeline > li.run', rs => rs.map(r => ({
      title: r.querySelector('h3')?.textContent ?? '',
      notes: [...r.querySelectorAll('li.note')].map(n => ({ step: n.getAttribute('data-step'), to: n.getAttribute('data-recipient'), text: n.textContent ?? '' })),
    })));
    const moved = runs.find(x => x.notes.some(n => /InstanceId/.test(n.text)));
    assert.ok(moved, 'a run for the moved occurrence');
    assert.match(moved.title, /EAS 16\.1 Sync from iPhone ALICEPHONE/);
    const sent = moved.notes.filter(n => n.step === 'sent');
    assert.deepEqual(sent.map(n => n.to).sort(), ['bob@example.com', 'carol@example.com']);
    for (const n of sent) assert.match(n.text, /full update\) for the occurrence of .* delivered here/);
    assert.ok(moved.notes.some(n => n.step === 'compared' && /the series: unchanged/.test(n.text)));
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/trace.png`, fullPage: true });
  });

  it('a user who is no operator: the inspector is refused, the trace shows only their own account\'s notes', async () => {
    await page.goto(`${t.url}/console/devices`);
    await Promise.all([page.waitForNavigation(), page.click('form[action="/console/signout"] button')]);
    await signIn('bob@example.com');
    const res = await page.goto(`${t.url}/console/devices/1/inspect`);
    assert.equal(res?.status(), 403);
    const events = await page.goto(`${t.url}/console/devices/1/inspect/events`);
    assert.equal(events?.status(), 403);
    await page.goto(`${t.url}/console/trace?q=quarterly`);
    await Promise.all([page.waitForNavigation(), page.click('table.meetings a')]);
    const accounts = await page.$$eval('li.note .account', a => [...new Set(a.map(x => x.textContent))]);
    assert.deepEqual(accounts, ['[bob@example.com]']);
  });
});
