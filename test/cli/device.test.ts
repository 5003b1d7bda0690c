// `convene device list|wipe|remove` as an administrator uses it on the data directory of a running
// server: the wipe (from a separate process) reaches the phone, and its acknowledgement shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { provision } from '../../src/client/provision.js';
import { openStore } from '../../src/store/open.js';
import { tags } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

// The `convene` entry point of the tree this test was built into (bin/convene.js runs dist/ only).
const MAIN = new URL('../../src/cli/main.js', import.meta.url).href;
const RUN = `import { main } from ${JSON.stringify(MAIN)}; process.exitCode = await main(process.argv.slice(1));`;
const prov = tags('Provision');
const fh = tags('FolderHierarchy');
const folderSync0 = fh('FolderSync', [fh('SyncKey', '0')]);

describe('convene device', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'convene-device-'));
  let t: TestServer;
  /** In another process, as a person at a shell would run it. */
  const conveneProcess = (...args: string[]) => {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', RUN, 'device', ...args],
      { encoding: 'utf8', env: { ...process.env, CONVENE_DATA: dataDir } });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  /** The same entry point in this process (half a second less per call), its output captured. */
  const convene = (...args: string[]) => run(['device', ...args]);
  const run = async (args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const saved = { log: console.log, error: console.error, data: process.env.CONVENE_DATA };
    console.log = (...a: unknown[]) => { out.push(`${a.join(' ')}\n`); };
    console.error = (...a: unknown[]) => { err.push(`${a.join(' ')}\n`); };
    process.env.CONVENE_DATA = dataDir;
    try {
      return { code: await main(args), out: out.join(''), err: err.join('') };
    } finally {
      Object.assign(console, { log: saved.log, error: saved.error });
      if (saved.data === undefined) delete process.env.CONVENE_DATA;
      else process.env.CONVENE_DATA = saved.data;
    }
  };

  before(async () => {
    t = await startServer({
      backend: async () => ({ name: 'sqlite', db: undefined, dataDir, open: () => openStore({ dataDir }), dispose: async () => undefined }),
    });
  });
  after(async () => {
    await t.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists an account\'s devices with their state and what they said about themselves', async () => {
    assert.match((await convene('list', 'alice@example.com')).out, /has no devices yet/);
    const phone = t.client('alice@example.com', { deviceId: 'IPHONE1', deviceType: 'iPhone', version: '16.1' });
    await provision(phone, { deviceInformation: { Model: 'iPhone16,2', FriendlyName: 'Alice’s iPhone', OS: 'iOS 18.3' } });
    await t.client('alice@example.com', { deviceId: 'OLDPHONE', version: '14.1' }).send('FolderSync', folderSync0);
    const r = await convene('list', 'alice@example.com');
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n');
    assert.match(lines[0], /^IPHONE1\tiPhone\tEAS 16\.1\tlast seen \d{4}-\d\d-\d\dT[\d:]+Z\tprovisioned\tiPhone16,2 \(Alice’s iPhone\), iOS 18\.3$/);
    assert.match(lines[1], /^OLDPHONE\tTestPhone\tEAS 14\.1\t.*\tnot provisioned$/);
  });

  it('wipe: the phone is sent to Provision, gets the directive, and its acknowledgement shows in the list', async () => {
    const r = conveneProcess('wipe', 'alice@example.com', 'IPHONE1');
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /Wipe of IPHONE1 \(alice@example.com\) requested/);
    assert.match((await convene('list', 'alice@example.com')).out, /^IPHONE1\t.*\twipe requested \(/m);
    const phone = t.client('alice@example.com', { deviceId: 'IPHONE1', deviceType: 'iPhone', version: '16.1' });
    assert.equal((await phone.send('FolderSync', folderSync0)).body?.childText('Status'), '140');
    const directive = await phone.send('Provision', prov('Provision'));
    assert.ok(directive.body?.has('RemoteWipe'));
    assert.match((await convene('list', 'alice@example.com')).out, /^IPHONE1\t.*\twipe sent to the device \(/m);
    await phone.send('Provision', prov('Provision', [prov('RemoteWipe', [prov('Status', '1')])]));
    assert.match((await convene('list', 'alice@example.com')).out, /^IPHONE1\t.*\twipe done \(/m);
    // Until it is removed, the device cannot sync again; removed, it starts afresh.
    assert.equal((await phone.send('FolderSync', folderSync0)).body?.childText('Status'), '140');
    const removed = await convene('remove', 'alice@example.com', 'IPHONE1');
    assert.equal(removed.code, 0, removed.err);
    assert.doesNotMatch((await convene('list', 'alice@example.com')).out, /IPHONE1/);
    assert.equal((await phone.send('FolderSync', folderSync0)).body?.childText('Status'), '1');
  });

  it('an account-only wipe needs a 16.1 device; mistakes are plain messages, never a stack', async () => {
    const old = await convene('wipe', 'alice@example.com', 'OLDPHONE', '--account-only');
    assert.equal(old.code, 1);
    assert.match(old.err, /needs 16\.1/);
    const cases: [string[], number, RegExp][] = [
      [['list', 'nobody@example.com'], 1, /no account nobody@example.com/],
      [['wipe', 'alice@example.com', 'NOSUCHPHONE'], 1, /has no device NOSUCHPHONE/],
      [['remove', 'alice@example.com', 'NOSUCHPHONE'], 1, /has no device NOSUCHPHONE/],
      [['wipe', 'alice@example.com'], 2, /a DeviceId is needed/],
      [['list'], 2, /an address is needed/],
      [['explode', 'alice@example.com', 'X'], 2, /unknown action/],
      [['wipe', 'alice@example.com', 'OLDPHONE', '--everything'], 2, /Unknown option/],
    ];
    for (const [args, code, message] of cases) {
      const r = await convene(...args);
      assert.equal(r.code, code, args.join(' '));
      assert.match(r.err, message, args.join(' '));
      assert.doesNotMatch(r.err, /at .*\.js/);
    }
    assert.match((await convene('--help')).out, /convene device wipe ADDRESS DEVICEID \[--account-only\]/);
  });

  it('a DeviceId is matched exactly first; letter case alone decides only when one device fits', async () => {
    for (const deviceId of ['CaseA', 'casea', 'Lonely']) {
      assert.equal((await t.client('alice@example.com', { deviceId }).send('FolderSync', folderSync0)).status, 200);
    }
    assert.equal((await convene('wipe', 'alice@example.com', 'CASEA')).code, 1, 'two devices differ from CASEA in case only');
    assert.equal((await convene('wipe', 'alice@example.com', 'casea')).code, 0);
    const listed = (await convene('list', 'alice@example.com')).out;
    assert.match(listed, /^casea\t.*wipe requested/m);
    assert.doesNotMatch(listed, /^CaseA\t.*wipe/m);
    const removed = await convene('remove', 'alice@example.com', 'LONELY');
    assert.equal(removed.code, 0);
    assert.match(removed.out, /Forgot Lonely/);
    assert.doesNotMatch((await convene('list', 'alice@example.com')).out, /^Lonely\t/m);
  });

  it('log on|off: the switch the console\'s device inspector reads, in the store; bad input is one line', async () => {
    assert.equal((await t.client('alice@example.com', { deviceId: 'LOGGED' }).send('FolderSync', folderSync0)).status, 200);
    const on = await convene('log', 'alice@example.com', 'LOGGED', 'on', '--hours', '2');
    assert.equal(on.code, 0, on.err);
    assert.match(on.out, /Protocol log of LOGGED \(alice@example\.com\) on for 2 hours/);
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const pk = (await t.store.listDevices(alice.id)).find(d => d.deviceId === 'LOGGED')!.id;
    const until = (await t.store.deviceLoggingUntil(pk))!;
    assert.ok(until > Date.now() + 3600_000 && until <= Date.now() + 2 * 3600_000);
    assert.equal((await convene('log', 'alice@example.com', 'LOGGED', 'off')).code, 0);
    assert.equal(await t.store.deviceLoggingUntil(pk), undefined);
    for (const [args, message] of [
      [['log', 'alice@example.com', 'LOGGED'], /needs on or off/],
      [['log', 'alice@example.com', 'LOGGED', 'on', '--hours', 'lots'], /--hours must be/],
      [['log', 'alice@example.com', 'NOSUCH', 'on'], /has no device NOSUCH/],
    ] as const) {
      const r = await convene(...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.match(r.err, message);
      assert.doesNotMatch(r.err, /at .*\.js/);
    }
    assert.match((await convene('--help')).out, /convene device log ADDRESS DEVICEID on\|off \[--hours N\]/);
  });

  it('serve refuses a --public-url that is not an http(s) address, before opening anything', async () => {
    for (const url of ['mail.example.com', 'ftp://mail.example.com']) {
      const r = await run(['serve', '--public-url', url, '--port', '0']);
      assert.equal(r.code, 2, url);
      assert.match(r.err, /--public-url/);
    }
  });
});
