// MS-ASCMD 2.2.1.14 Provision and MS-ASPROV over real HTTP: both phases at each protocol
// generation, every Policy and Provision Status, 14.1 device information, remote wipe, and the
// gate that sends devices to Provision (HTTP 449 up to 12.1, Status 142/143/144/140 from 14.0).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { EasClient } from '../../src/client/EasClient.js';
import { provision } from '../../src/client/provision.js';
import { createEasServer } from '../../src/eas/http/server.js';
import { PERMISSIVE_POLICY } from '../../src/eas/provisioning/policy.js';
import { fromXml, tags, type Element } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const prov = tags('Provision');
const fh = tags('FolderHierarchy');
const folderSync0 = fh('FolderSync', [fh('SyncKey', '0')]);
const WBXML_TYPE = 'MS-EAS-Provisioning-WBXML';

const fixture = (name: string): Element => fromXml(readFileSync(new URL(`../../../test/fixtures/wbxml/${name}`, import.meta.url), 'utf8'));
const policyRequest = (type = WBXML_TYPE): Element => prov('Provision', [prov('Policies', [prov('Policy', [prov('PolicyType', type)])])]);
const ackRequest = (key: string, status = '1', type = WBXML_TYPE): Element =>
  prov('Provision', [prov('Policies', [prov('Policy', [prov('PolicyType', type), prov('PolicyKey', key), prov('Status', status)])])]);
const policyOf = (res: { body: Element | undefined }): Element | undefined => res.body?.child('Policies')?.child('Policy');

for (const backend of BACKENDS) {
  describe(`Provision (${backend.name})`, () => {
    let t: TestServer;
    let n = 0;
    const phone = (version: string, overrides = {}): EasClient => t.client('alice@example.com', { version, deviceId: `PROV${++n}`, ...overrides });
    const device = async (client: EasClient) => {
      const alice = (await t.store.findUserByEmail('alice@example.com'))!;
      return (await t.store.listDevices(alice.id)).find(d => d.deviceId === client.options.deviceId)!;
    };

    before(async () => { t = await startServer({ backend }); });
    after(() => t.close());

    for (const version of ['12.1', '14.1', '16.1']) {
      it(`MS-ASPROV 3.2.5.1: ${version} gets a temporary key with the policy, then the final key for its acknowledgement`, async () => {
        const client = phone(version);
        const info = version === '12.1' ? undefined : { Model: 'iPhone16,2', FriendlyName: 'Alice’s iPhone', OS: 'iOS 18.3' };
        const out = await provision(client, { deviceInformation: info });
        assert.equal(out.initial.status, 200);
        assert.equal(out.initial.body?.childText('Status'), '1');
        const policy = policyOf(out.initial)!;
        assert.equal(policy.childText('PolicyType'), WBXML_TYPE);
        assert.equal(policy.childText('Status'), '1');
        assert.match(out.temporaryKey!, /^[1-9]\d*$/);
        // The permissive default: no password, everything allowed; 12.1 elements present from 12.1 on.
        const doc = out.data?.child('EASProvisionDoc');
        assert.equal(doc?.childText('DevicePasswordEnabled'), '0');
        assert.equal(doc?.childText('RequireDeviceEncryption'), '0');
        assert.equal(doc?.childText('AllowCamera'), '1');
        assert.ok(doc?.has('ApprovedApplicationList'));
        // MS-ASPROV 3.2.5.1.1: 14.1's device information is stored and answered with its own Status.
        assert.equal(out.initial.body?.child('DeviceInformation', 'Settings')?.childText('Status', 'Settings'), info ? '1' : undefined);
        const ack = policyOf(out.acknowledgement!)!;
        assert.equal(out.acknowledgement?.body?.childText('Status'), '1');
        assert.equal(ack.childText('Status'), '1');
        assert.equal(ack.has('Data'), false);
        assert.match(out.finalKey!, /^[1-9]\d*$/);
        assert.notEqual(out.finalKey, out.temporaryKey);
        const d = await device(client);
        assert.equal(d.policyKey, Number(out.finalKey));
        assert.equal(d.pendingPolicyKey, null);
        assert.deepEqual(d.information, info ?? null);
      });
    }

    it('MS-ASPROV 2.2.2.24.2: protocol 2.5 gets the MS-WAP-Provisioning-XML document as text', async () => {
      const client = phone('2.5');
      const out = await provision(client);
      const policy = policyOf(out.initial)!;
      assert.equal(policy.childText('PolicyType'), 'MS-WAP-Provisioning-XML');
      assert.match(out.data?.text ?? '', /^<wap-provisioningdoc><characteristic type="SecurityPolicy"><parm name="4131" value="1"\/>/);
      assert.equal(policyOf(out.acknowledgement!)?.childText('Status'), '1');
      assert.equal((await device(client)).policyKey, Number(out.finalKey));
    });

    it('MS-ASHTTP 2.2.1.1.1.1: the base64 query carries the key; 12.0 gets the 12.0 elements only', async () => {
      const client = phone('12.0', { base64Query: true, deviceId: 'A1B2C3D4' });
      const out = await provision(client);
      assert.equal(out.data?.child('EASProvisionDoc')?.has('AllowCamera'), false);
      assert.equal(out.data?.child('EASProvisionDoc')?.childText('AttachmentsEnabled'), '1');
      assert.equal(policyOf(out.acknowledgement!)?.childText('Status'), '1');
    });

    it('MS-ASPROV 2.2.2.54.1: unknown PolicyType is Policy Status 3; a wrong or reused temporary key is 5', async () => {
      const client = phone('14.1');
      const unknown = await client.send('Provision', policyRequest('MS-Bogus-Policy'));
      assert.equal(unknown.body?.childText('Status'), '1');
      assert.equal(policyOf(unknown)?.childText('Status'), '3');
      assert.equal(policyOf(unknown)?.has('PolicyKey'), false);
      const out = await provision(client);
      for (const key of [out.temporaryKey!, out.finalKey!, '0', '99999999999999999999', 'not-a-key']) {
        const res = await client.send('Provision', ackRequest(key));
        assert.equal(res.body?.childText('Status'), '1', key);
        assert.equal(policyOf(res)?.childText('Status'), '5', key);
        assert.equal(policyOf(res)?.has('PolicyKey'), false, key);
      }
      // The acknowledged key stays valid.
      assert.equal((await device(client)).policyKey, Number(out.finalKey));
    });

    it("MS-ASPROV 2.2.2.43: a PolicyType of another protocol version is Policy Status 3 and gets no key", async () => {
      for (const [version, type] of [['14.1', 'MS-WAP-Provisioning-XML'], ['12.0', 'MS-WAP-Provisioning-XML'], ['2.5', WBXML_TYPE]] as const) {
        const client = phone(version, { deviceId: `CROSS${version.replace('.', '')}` });
        const res = await client.send('Provision', policyRequest(type));
        assert.deepEqual([res.body?.childText('Status'), policyOf(res)?.childText('Status'), policyOf(res)?.has('PolicyKey'), policyOf(res)?.has('Data')],
          ['1', '3', false, false], `${version} ${type}`);
        assert.equal((await device(client)).pendingPolicyKey, null, `${version}: no temporary key was made`);
      }
    });

    it('MS-ASPROV 2.2.2.54.2: a request outside the schema is Provision Status 2; nothing is stored', async () => {
      const client = phone('14.1');
      const bad = [
        fh('FolderSync', [fh('SyncKey', '0')]),
        prov('Provision', [prov('Policies', [])]),
        prov('Provision', [prov('Policies', [prov('Policy', [prov('PolicyKey', '1')])])]),
        prov('Provision', [prov('Policies', [prov('Policy', [prov('PolicyType', WBXML_TYPE), prov('PolicyKey', '12')])])]),
        prov('Provision', [prov('RemoteWipe', [prov('Status', '7')])]),
      ];
      for (const body of bad) {
        const res = await client.send('Provision', body);
        assert.equal(res.status, 200);
        assert.equal(res.body?.name, 'Provision');
        assert.deepEqual(res.body?.children.map(c => `${c.name}=${c.text}`), ['Status=2']);
      }
      assert.equal((await device(client)).pendingPolicyKey, null);
      // No body at all, or bytes that are not WBXML: the transport's answers.
      assert.equal((await client.send('Provision')).body?.childText('Status'), '101');
      assert.equal((await client.send('Provision', undefined, { raw: Buffer.from([3, 1, 0x6a, 0, 0x45, 0x99]) })).body?.childText('Status'), '102');
    });

    it('MS-ASCMD 2.2.3.45: DeviceInformation without Set gets settings:Status 2; the policy is still answered', async () => {
      const client = phone('14.1');
      const settings = tags('Settings');
      const res = await client.send('Provision', prov('Provision', [
        settings('DeviceInformation', [settings('Model', 'no Set around me')]),
        prov('Policies', [prov('Policy', [prov('PolicyType', WBXML_TYPE)])]),
      ]));
      assert.equal(res.body?.child('DeviceInformation', 'Settings')?.childText('Status', 'Settings'), '2');
      assert.equal(policyOf(res)?.childText('Status'), '1');
      assert.equal((await device(client)).information, null);
    });

    it('the 14.1 request a real device sends (fixture) is answered and its device information kept', async () => {
      const client = phone('14.1');
      const res = await client.send('Provision', fixture('provision-request.xml'));
      assert.equal(policyOf(res)?.childText('Status'), '1');
      const d = await device(client);
      assert.equal(d.information?.Model, 'Pixel 9');
      assert.equal(d.information?.MobileOperator, 'Swisscom');
      assert.equal(d.pendingPolicyKey, Number(policyOf(res)?.childText('PolicyKey')));
    });

    it('MS-ASPROV 3.1.5.2: a stricter policy refuses a device that did not apply it (Status 139, HTTP 403 before 14.0)', async () => {
      const strict = { ...PERMISSIVE_POLICY, DevicePasswordEnabled: 1, MinDevicePasswordLength: 6 };
      const server = createEasServer({ store: t.store, log: pino({ level: 'silent' }), policy: strict });
      await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
      try {
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        for (const version of ['14.1', '12.1']) {
          const client = phone(version, { baseUrl: url });
          const out = await provision(client, { applied: '2' });
          assert.equal(out.data?.child('EASProvisionDoc')?.childText('DevicePasswordEnabled'), '1');
          assert.equal(out.data?.child('EASProvisionDoc')?.childText('MinDevicePasswordLength'), '6');
          if (version === '14.1') assert.equal(out.acknowledgement?.body?.childText('Status'), '139');
          else assert.equal(out.acknowledgement?.status, 403);
          assert.equal((await device(client)).policyKey, null);
        }
        // The permissive default takes a device whatever it reports.
        const lax = await provision(phone('14.1'), { applied: '3' });
        assert.equal(policyOf(lax.acknowledgement!)?.childText('Status'), '1');
      } finally {
        server.closeAllConnections();
        await new Promise(resolve => server.close(resolve));
      }
    });
  });
}

describe('Remote wipe through Provision (MS-ASPROV 3.2.5.1.2.2)', () => {
  let t: TestServer;
  before(async () => { t = await startServer(); });
  after(() => t.close());
  const wiped = async (deviceId: string, version: string, kind: 'full' | 'account' = 'full') => {
    const client = t.client('alice@example.com', { deviceId, version });
    assert.equal((await client.send('FolderSync', folderSync0)).status, 200);
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const d = (await t.store.listDevices(alice.id)).find(x => x.deviceId === deviceId)!;
    await t.store.requestWipe(d.id, kind);
    const state = async () => (await t.store.listDevices(alice.id)).find(x => x.deviceId === deviceId)!.wipe;
    return { client, state };
  };

  it('MS-ASCMD 2.2.2: with a wipe pending, commands get Status 140 (HTTP 449 before 14.0), even with the gate off', async () => {
    const { client } = await wiped('WIPE14', '14.1');
    const res = await client.send('FolderSync', folderSync0);
    assert.equal(res.status, 200);
    assert.equal(res.body?.childText('Status'), '140');
    assert.equal((await client.send('Ping')).body?.childText('Status'), '140');
    const { client: old } = await wiped('WIPE12', '12.1');
    assert.equal((await old.send('FolderSync', folderSync0)).status, 449);
  });

  it('the empty Provision gets the RemoteWipe directive; success is recorded and answered Status 1', async () => {
    const { client, state } = await wiped('WIPEACK', '14.1');
    const first = await client.send('Provision', prov('Provision'));
    assert.deepEqual(first.body?.children.map(c => c.name), ['Status', 'RemoteWipe']);
    assert.equal(first.body?.childText('Status'), '1');
    assert.equal((await state())?.status, 'sent');
    // A policy request in the meantime also carries the directive.
    const policy = await client.send('Provision', policyRequest());
    assert.ok(policy.body?.has('RemoteWipe'));
    // As iOS sends it: a stray Policy Status beside the acknowledgement.
    const ack = await client.send('Provision', prov('Provision', [
      prov('Policies', [prov('Policy', [prov('Status', '1')])]), ...fixture('provision-remotewipe-ack.xml').children,
    ]));
    assert.deepEqual(ack.body?.children.map(c => `${c.name}=${c.text}`), ['Status=1']);
    assert.equal((await state())?.status, 'done');
    // The wipe stands until the device is removed: it keeps being sent to Provision.
    assert.equal((await client.send('FolderSync', folderSync0)).body?.childText('Status'), '140');
    assert.ok((await client.send('Provision', prov('Provision'))).body?.has('RemoteWipe'));
  });

  it('a failed wipe is answered Status 2 with the directive again; an acknowledgement nobody asked for changes nothing', async () => {
    const { client, state } = await wiped('WIPEFAIL', '12.1');
    // Acknowledged before the directive went out: not believed; the directive is what it gets.
    const early = await client.send('Provision', prov('Provision', [prov('RemoteWipe', [prov('Status', '1')])]));
    assert.ok(early.body?.has('RemoteWipe'));
    assert.equal((await state())?.status, 'sent', 'that answer carried the directive; nothing was recorded as done');
    const res = await client.send('Provision', prov('Provision', [prov('RemoteWipe', [prov('Status', '2')])]));
    assert.deepEqual(res.body?.children.map(c => c.name), ['Status', 'RemoteWipe']);
    assert.equal(res.body?.childText('Status'), '2');
    assert.equal((await state())?.status, 'failed');
    const innocent = t.client('alice@example.com', { deviceId: 'INNOCENT' });
    const fake = await innocent.send('Provision', prov('Provision', [prov('RemoteWipe', [prov('Status', '1')])]));
    assert.deepEqual(fake.body?.children.map(c => `${c.name}=${c.text}`), ['Status=1']);
    assert.equal((await innocent.send('FolderSync', folderSync0)).body?.childText('Status'), '1');
  });

  it('MS-ASPROV 2.2.2.1: an account-only wipe reaches a 16.1 device as AccountOnlyRemoteWipe; older requests are refused', async () => {
    const { client, state } = await wiped('ACCOUNTWIPE', '16.1', 'account');
    assert.equal((await client.send('Sync', tags('AirSync')('Sync'))).body?.childText('Status'), '140');
    const res = await client.send('Provision', prov('Provision'));
    assert.deepEqual(res.body?.children.map(c => c.name), ['Status', 'AccountOnlyRemoteWipe']);
    const ack = await client.send('Provision', prov('Provision', [prov('AccountOnlyRemoteWipe', [prov('Status', '1')])]));
    assert.deepEqual(ack.body?.children.map(c => `${c.name}=${c.text}`), ['Status=1']);
    assert.equal((await state())?.status, 'done');
    const downgraded = t.client('alice@example.com', { deviceId: 'ACCOUNTWIPE', version: '14.1' });
    assert.equal((await downgraded.send('FolderSync', folderSync0)).body?.childText('Status'), '130');
    assert.equal((await t.client('alice@example.com', { deviceId: 'ACCOUNTWIPE', version: '12.1' }).send('FolderSync', folderSync0)).status, 403);
  });
});

describe('The provisioning gate (--require-provisioning)', () => {
  let t: TestServer;
  let n = 0;
  const phone = (version = '14.1', overrides = {}): EasClient => t.client('alice@example.com', { version, deviceId: `GATE${++n}`, ...overrides });
  before(async () => { t = await startServer({ server: { requireProvisioning: true } }); });
  after(() => t.close());

  it('MS-ASPROV 3.2.5.1: without a key, 12.1 gets HTTP 449 and 14.0+ Status 142; Provision, Ping and OPTIONS stay open', async () => {
    assert.equal((await phone('12.1').send('FolderSync', folderSync0)).status, 449);
    for (const version of ['14.0', '16.1']) {
      const res = await phone(version).send('FolderSync', folderSync0);
      assert.equal(res.status, 200);
      assert.equal(res.body?.name, 'FolderSync');
      assert.equal(res.body?.childText('Status'), '142');
    }
    const settings = tags('Settings');
    assert.equal((await phone().send('Settings', settings('Settings', [settings('UserInformation', [settings('Get')])]))).body?.childText('Status'), '142');
    // MS-ASPROV 3.1.5.1: Ping carries no policy key; without cached parameters it asks for them (Status 3).
    assert.equal((await phone().send('Ping')).body?.childText('Status'), '3');
    assert.equal((await phone().discover()).status, 200);
    assert.equal(policyOf(await phone().send('Provision', policyRequest()))?.childText('Status'), '1');
  });

  it('a provisioned device passes, by header and by base64 query; a wrong key gets Status 144 (449 before 14.0)', async () => {
    for (const overrides of [{}, { base64Query: true, deviceId: 'B64DE7' }]) {
      const client = phone('14.1', overrides);
      await provision(client);
      const res = await client.send('FolderSync', folderSync0);
      assert.equal(res.body?.childText('Status'), '1', JSON.stringify(overrides));
      client.policyKey = client.policyKey! + 1;
      assert.equal((await client.send('FolderSync', folderSync0)).body?.childText('Status'), '144');
    }
    const old = phone('12.1');
    await provision(old);
    assert.equal((await old.send('FolderSync', folderSync0)).status, 200);
    assert.equal((await old.send('FolderSync', folderSync0, { headers: { 'X-MS-PolicyKey': 'garbage' } })).status, 449);
    // The temporary key is not enough.
    const halfway = phone('14.1');
    const first = await halfway.send('Provision', policyRequest());
    halfway.policyKey = Number(policyOf(first)?.childText('PolicyKey'));
    assert.equal((await halfway.send('FolderSync', folderSync0)).body?.childText('Status'), '144');
  });

  it('MS-ASCMD 2.2.2 Status 143: a device provisioned for an earlier policy must provision again', async () => {
    const client = phone('14.1');
    await provision(client);
    const stricter = createEasServer({
      store: t.store, log: pino({ level: 'silent' }), requireProvisioning: true, policy: { ...PERMISSIVE_POLICY, AllowCamera: 0 },
    });
    await new Promise<void>(resolve => stricter.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(stricter.address() as AddressInfo).port}`;
      const moved = t.client('alice@example.com', { baseUrl: url, deviceId: client.options.deviceId });
      moved.policyKey = client.policyKey;
      assert.equal((await moved.send('FolderSync', folderSync0)).body?.childText('Status'), '143');
      const old = t.client('alice@example.com', { baseUrl: url, version: '12.1', deviceId: client.options.deviceId });
      old.policyKey = client.policyKey;
      assert.equal((await old.send('FolderSync', folderSync0)).status, 449);
      await provision(moved);
      assert.equal((await moved.send('FolderSync', folderSync0)).body?.childText('Status'), '1');
    } finally {
      stricter.closeAllConnections();
      await new Promise(resolve => stricter.close(resolve));
    }
  });
});
