// The web console in real headless Chromium (puppeteer-core driving Debian's chromium): sign in,
// add an account, wipe a device and see its next EAS request get the wipe, set Out of Office and
// see the EAS Settings Oof answer change. CONVENE_SCREENSHOTS=1 writes docs/console/*.png.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'puppeteer-core';
import { getOof } from '../../src/client/commands/settings.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { consoleMount } from '../../src/web/console/mount.js';
import { NO_BROWSER, openBrowser, SHOTS } from '../helpers/browser.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';


describe('web console in headless Chromium', { skip: NO_BROWSER }, () => {
  let t: TestServer;
  let close: (() => Promise<void>) | undefined;
  let page: Page;

  const shot = async (name: string) => { if (SHOTS) await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true }); };
  const submit = async (selector: string) => { await Promise.all([page.waitForNavigation(), page.click(selector)]); };
  const open = async (path: string) => { await page.goto(`${t.url}${path}`); };

  before(async () => {
    t = await startServer({ users: ['ops@example.com', 'alice@example.com'], server: { mounts: [consoleMount()] } });
    await t.store.setAdmin((await t.store.findUserByEmail('ops@example.com'))!.id, true);
    ({ page, close } = await openBrowser(1000, 800));
  });
  after(async () => {
    await close?.();
    await t?.close();
  });

  it('signs in as an operator', async () => {
    await open('/console/accounts');
    assert.match(page.url(), /\/console\/signin/);
    await shot('signin');
    await page.type('input[name=address]', 'ops@example.com');
    await page.type('input[name=password]', PASSWORD);
    await submit('main button');
    assert.match(page.url(), /\/console\/accounts$/);
    assert.match(await page.$eval('header', e => e.textContent ?? ''), /ops@example\.com \(operator\)/);
  });

  it('adds an account, which can then sign in to EAS', async () => {
    await open('/console/accounts');
    await page.type('input[type=email][name=address]', 'erin@example.com');
    await page.type('input[name=name]', 'Erin <b>E</b>');
    await page.type('input[name=password]', 'a fine password');
    await submit('main form button');
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /Added erin@example\.com/);
    assert.match(await page.$eval('main table', e => e.textContent ?? ''), /Erin <b>E<\/b>/, 'the name shown as typed, not as markup');
    await shot('accounts');
    const erin = t.client('erin@example.com', { password: 'a fine password', deviceId: 'ERIN1' });
    await new FolderHierarchyMirror(erin).sync();
  });

  it('wipes a device; its next EAS request gets the wipe', async () => {
    const phone = t.client('alice@example.com', { deviceId: 'LOSTPHONE', version: '14.1', userAgent: 'Phone/1 <script>x</script>' });
    await new FolderHierarchyMirror(phone).sync();
    await open('/console/devices');
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /<script>x<\/script>/, 'user agent shown as text');
    await shot('devices');
    await Promise.all([page.waitForNavigation(), page.evaluate(() => {
      const row = [...document.querySelectorAll('tbody tr')].find(r => r.textContent?.includes('LOSTPHONE'))!;
      (row.querySelector('input[name=op][value=wipe]')!.closest('form')!.querySelector('button') as HTMLButtonElement).click();
    })]);
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /Wipe of LOSTPHONE requested/);
    assert.match(await page.$eval('main table', e => e.textContent ?? ''), /wipe requested/);
    // MS-ASCMD 2.2.2: with a wipe pending, a command is answered Status 140 (the device then Provisions).
    const ping = await phone.send('Ping');
    assert.equal(ping.body?.childText('Status'), '140');
  });

  it('shows the server status and the outbound queue to the operator', async () => {
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    await t.store.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['pat@remote.example'], mime: Buffer.from('Subject: x\r\n\r\nx\r\n') });
    await open('/console/status');
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /HTTP requests answered\d+/);
    await shot('status');
    await open('/console/queue');
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /pat@remote\.example — pending/);
    await shot('queue');
  });

  it('sets Out of Office as a user; EAS Settings Oof answers it', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICEOOF' });
    assert.equal((await getOof(alice)).oofState, 0);
    await open('/console/me/oof');
    // Sign out the operator, sign in as Alice.
    await submit('header form button');
    await page.type('input[name=address]', 'alice@example.com');
    await page.type('input[name=password]', PASSWORD);
    await submit('main button');
    await open('/console/me/oof');
    await page.click('input[name=state][value="1"]');
    await page.click('input[name="Internal-on"]');
    await page.type('textarea[name="Internal-text"]', 'Back on Monday.');
    await submit('main form button');
    assert.match(await page.$eval('main', e => e.textContent ?? ''), /Saved/);
    await shot('oof');
    const oof = await getOof(alice);
    assert.equal(oof.oofState, 1);
    assert.deepEqual(oof.messages.find(m => m.appliesTo === 'Internal'), { appliesTo: 'Internal', enabled: true, reply: 'Back on Monday.' });
    // A user reaches no operator page.
    const res = await page.goto(`${t.url}/console/accounts`);
    assert.equal(res?.status(), 403);
    await open('/console/me/devices');
    await shot('my-devices');
    await open('/console/me/agenda?tz=Europe/Berlin');
    assert.match(await page.$eval('h1', e => e.textContent ?? ''), /^Agenda: week of /);
    await shot('agenda');
  });
});
