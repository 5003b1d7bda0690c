// MS-ASCMD 2.2.1.18 Settings over real HTTP: each container's Get or Set, every Status the
// containers answer with, version differences (UserInformation, RightsManagementInformation), and
// requests outside the schema.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { EasClient, EasResponse } from '../../src/client/EasClient.js';
import { fromXml, tags, toXml, type Element } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const s = tags('Settings');
const settingsRequest = (...containers: Element[]): Element => s('Settings', containers);
const oofGet = (bodyType?: string): Element => s('Oof', [s('Get', bodyType === undefined ? [] : [s('BodyType', bodyType)])]);
const oofSet = (children: Element[]): Element => s('Oof', [s('Set', children)]);
const message = (audience: string, reply: string, bodyType = 'Text', enabled = '1'): Element =>
  s('OofMessage', [s(`AppliesTo${audience}`), s('Enabled', enabled), s('ReplyMessage', reply), s('BodyType', bodyType)]);
const fixture = (name: string): Element => fromXml(readFileSync(new URL(`../../../test/fixtures/wbxml/${name}`, import.meta.url), 'utf8'));

/** The Status of each container of the response, in order: ["Settings=1", "Oof=1", …]. */
function statuses(res: EasResponse): string[] {
  assert.equal(res.status, 200);
  assert.equal(res.body?.name, 'Settings');
  return [`Settings=${res.body.childText('Status')}`, ...res.body.children.filter(c => c.name !== 'Status').map(c => `${c.name}=${c.childText('Status')}`)];
}

for (const backend of BACKENDS) {
  describe(`Settings (${backend.name})`, () => {
    let t: TestServer;
    let alice: EasClient;
    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      alice = t.client('alice@example.com');
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.3.122: Oof Get before any Set is OofState 0 with no messages', async () => {
      const res = await alice.send('Settings', settingsRequest(oofGet('Text')));
      assert.deepEqual(statuses(res), ['Settings=1', 'Oof=1']);
      const get = res.body?.child('Oof')?.child('Get');
      assert.deepEqual(get?.children.map(c => `${c.name}=${c.text}`), ['OofState=0']);
    });

    it('Oof Set stores state, window and a message per audience; Get gives them back in the BodyType asked for', async () => {
      const set = await alice.send('Settings', settingsRequest(oofSet([
        s('OofState', '2'), s('StartTime', '2026-07-01T08:00:00.000Z'), s('EndTime', '2026-07-15T17:00:00.000Z'),
        message('Internal', 'Back on 15 July.\nAsk Bob meanwhile.'),
        message('ExternalKnown', '<p>Away until <b>15 July</b>.</p>', 'HTML'),
        message('ExternalUnknown', '', 'Text', '0'),
      ])));
      assert.deepEqual(statuses(set), ['Settings=1', 'Oof=1']);
      assert.equal(set.body?.child('Oof')?.has('Get'), false);
      const text = (await alice.send('Settings', settingsRequest(oofGet('Text')))).body!.child('Oof')!.child('Get')!;
      assert.equal(text.childText('OofState'), '2');
      assert.equal(text.childText('StartTime'), '2026-07-01T08:00:00.000Z');
      assert.equal(text.childText('EndTime'), '2026-07-15T17:00:00.000Z');
      const messages = text.all('OofMessage');
      assert.deepEqual(messages.map(m => m.children[0].name), ['AppliesToInternal', 'AppliesToExternalKnown', 'AppliesToExternalUnknown']);
      assert.equal(messages[0].childText('ReplyMessage'), 'Back on 15 July.\nAsk Bob meanwhile.');
      assert.equal(messages[1].childText('ReplyMessage'), 'Away until 15 July.');
      assert.deepEqual(messages.map(m => [m.childText('Enabled'), m.childText('BodyType')]), [['1', 'Text'], ['1', 'Text'], ['0', 'Text']]);
      const html = (await alice.send('Settings', settingsRequest(oofGet('HTML')))).body!.child('Oof')!.child('Get')!.all('OofMessage');
      assert.match(html[0].childText('ReplyMessage')!, /^<html><body>.*Back on 15 July\.<br>\nAsk Bob meanwhile\./s);
      assert.equal(html[1].childText('ReplyMessage'), '<p>Away until <b>15 July</b>.</p>');
      // A later Set replaces state and window, and only the audiences it names.
      await alice.send('Settings', settingsRequest(oofSet([s('OofState', '1'), message('Internal', 'Out today.')])));
      const again = (await alice.send('Settings', settingsRequest(oofGet('Text')))).body!.child('Oof')!.child('Get')!;
      assert.deepEqual([again.childText('OofState'), again.has('StartTime')], ['1', false]);
      assert.deepEqual(again.all('OofMessage').map(m => m.childText('ReplyMessage')), ['Out today.', 'Away until 15 July.', '']);
      // Each account has its own.
      const bob = (await t.client('bob@example.com').send('Settings', settingsRequest(oofGet('Text')))).body!.child('Oof')!.child('Get')!;
      assert.deepEqual(bob.children.map(c => c.name), ['OofState']);
    });

    it('MS-ASCMD 2.2.3.177.15: Oof Status 2 for what the schema forbids, 5 for bad values, 6 for a window that ends first', async () => {
      const cases: [string, Element, string][] = [
        ['Get without BodyType', oofGet(), '2'],
        ['Get with an unknown BodyType', oofGet('RTF'), '2'],
        ['neither Get nor Set', s('Oof', []), '2'],
        ['OofState 3', oofSet([s('OofState', '3')]), '2'],
        ['no OofState', oofSet([message('Internal', 'x')]), '2'],
        ['a message for no audience', oofSet([s('OofState', '1'), s('OofMessage', [s('Enabled', '1'), s('ReplyMessage', 'x')])]), '2'],
        ['a message for two audiences', oofSet([s('OofState', '1'), s('OofMessage', [s('AppliesToInternal'), s('AppliesToExternalKnown')])]), '2'],
        ['Enabled 7', oofSet([s('OofState', '1'), message('Internal', 'x', 'Text', '7')]), '2'],
        ['time-based without times', oofSet([s('OofState', '2')]), '5'],
        ['a StartTime that is no date', oofSet([s('OofState', '2'), s('StartTime', 'next Monday'), s('EndTime', '2026-07-15T17:00:00.000Z')]), '5'],
        ['a huge ReplyMessage', oofSet([s('OofState', '1'), message('Internal', 'x'.repeat(70_000))]), '5'],
        ['EndTime before StartTime', oofSet([s('OofState', '2'), s('StartTime', '2026-07-15T00:00:00.000Z'), s('EndTime', '2026-07-01T00:00:00.000Z')]), '6'],
      ];
      for (const [name, container, status] of cases) {
        assert.deepEqual(statuses(await t.client('bob@example.com').send('Settings', settingsRequest(container))), ['Settings=1', `Oof=${status}`], name);
      }
      // Nothing of it was stored.
      const bob = (await t.store.findUserByEmail('bob@example.com'))!;
      assert.equal(await t.store.getOof(bob.id), undefined);
    });

    it('MS-ASCMD 2.2.3.45/46: DeviceInformation Set is stored; DevicePassword Set is accepted but not kept', async () => {
      const phone = t.client('alice@example.com', { deviceId: 'SETTINGSDEV' });
      const res = await phone.send('Settings', settingsRequest(
        s('DeviceInformation', [s('Set', [s('Model', 'Pixel 9'), s('OS', 'Android 15'), s('EnableOutboundSMS', '0')])]),
        s('DevicePassword', [s('Set', [s('Password', 'recovery-1234')])]),
      ));
      assert.deepEqual(statuses(res), ['Settings=1', 'DeviceInformation=1', 'DevicePassword=1']);
      const aliceUser = (await t.store.findUserByEmail('alice@example.com'))!;
      const device = (await t.store.listDevices(aliceUser.id)).find(d => d.deviceId === 'SETTINGSDEV')!;
      assert.deepEqual(device.information, { Model: 'Pixel 9', OS: 'Android 15', EnableOutboundSMS: '0' });
      assert.doesNotMatch(JSON.stringify(device), /recovery-1234/);
      const bad = await phone.send('Settings', settingsRequest(
        s('DeviceInformation', [s('Model', 'no Set')]),
        s('DevicePassword', [s('Set', [s('Password', 'p'.repeat(256))])]),
        s('DevicePassword', [s('Set', [])]),
      ));
      assert.deepEqual(statuses(bad), ['Settings=1', 'DeviceInformation=2', 'DevicePassword=5', 'DevicePassword=2']);
    });

    it('MS-ASCMD 2.2.3.57: UserInformation lists the address under Get up to 14.0, under Accounts/Account from 14.1', async () => {
      const ui = settingsRequest(s('UserInformation', [s('Get')]));
      for (const version of ['12.1', '14.0']) {
        const get = (await t.client('alice@example.com', { version }).send('Settings', ui)).body!.child('UserInformation')!.child('Get')!;
        assert.equal(toXml(get), '<Get xmlns="Settings:"><EmailAddresses><SmtpAddress>alice@example.com</SmtpAddress></EmailAddresses></Get>', version);
      }
      for (const version of ['14.1', '16.1']) {
        const res = await t.client('alice@example.com', { version }).send('Settings', ui);
        assert.deepEqual(statuses(res), ['Settings=1', 'UserInformation=1']);
        const account = res.body!.child('UserInformation')!.child('Get')!.child('Accounts')!.child('Account')!;
        assert.equal(account.childText('UserDisplayName'), 'alice');
        assert.equal(account.childText('AccountName'), 'alice@example.com');
        assert.equal(account.childText('AccountId'), 'alice@example.com');
        assert.deepEqual(account.child('EmailAddresses')?.children.map(c => `${c.name}=${c.text}`),
          ['SmtpAddress=alice@example.com', 'PrimarySmtpAddress=alice@example.com']);
      }
      assert.deepEqual(statuses(await alice.send('Settings', settingsRequest(s('UserInformation', [s('Set')])))), ['Settings=1', 'UserInformation=2']);
    });

    it('MS-ASCMD 2.2.3.156: RightsManagementInformation (14.1+) has no templates; before 14.1 it is Status 2', async () => {
      const rmi = settingsRequest(s('RightsManagementInformation', [s('Get')]));
      const res = await t.client('alice@example.com', { version: '16.1' }).send('Settings', rmi);
      assert.deepEqual(statuses(res), ['Settings=1', 'RightsManagementInformation=1']);
      const templates = res.body!.child('RightsManagementInformation')!.child('Get')!.child('RightsManagementTemplates', 'RightsManagement');
      assert.deepEqual(templates?.children, []);
      assert.deepEqual(statuses(await t.client('alice@example.com', { version: '14.0' }).send('Settings', rmi)), ['Settings=1', 'RightsManagementInformation=2']);
    });

    it('a whole device request (fixture) is answered container by container, in request order', async () => {
      const res = await t.client('bob@example.com', { deviceId: 'BOBPHONE', version: '16.1' }).send('Settings', fixture('settings-request.xml'));
      assert.deepEqual(statuses(res),
        ['Settings=1', 'Oof=1', 'DevicePassword=1', 'UserInformation=1', 'RightsManagementInformation=1', 'DeviceInformation=1']);
      const bob = (await t.store.findUserByEmail('bob@example.com'))!;
      const oof = (await t.store.getOof(bob.id))!;
      assert.equal(oof.state, 2);
      assert.equal(oof.messages.ExternalKnown?.bodyType, 'HTML');
      assert.equal((await t.store.listDevices(bob.id)).find(d => d.deviceId === 'BOBPHONE')?.information?.FriendlyName, 'Bob’s iPhone');
    });

    it('a request outside the schema is overall Status 2 and changes nothing; 2.5 has no Settings', async () => {
      const wrong: Element[] = [
        settingsRequest(),
        settingsRequest(oofSet([s('OofState', '1')]), s('Password', 'a stray element')),
        tags('Provision')('Provision', [oofGet('Text')]),
        settingsRequest(tags('Provision')('Status', '1')),
      ];
      const bob = t.client('bob@example.com');
      const before = await bob.send('Settings', settingsRequest(oofGet('Text')));
      for (const body of wrong) {
        const res = await bob.send('Settings', body);
        assert.deepEqual(res.body?.children.map(c => `${c.name}=${c.text}`), ['Status=2'], toXml(body));
      }
      assert.equal(toXml((await bob.send('Settings', settingsRequest(oofGet('Text')))).body!), toXml(before.body!));
      assert.equal((await bob.send('Settings', undefined, { raw: Buffer.from([3, 1, 0x6a, 0, 0x45]) })).body?.childText('Status'), '102');
      assert.equal((await t.client('bob@example.com', { version: '2.5' }).send('Settings', settingsRequest(oofGet('Text')))).status, 400);
    });
  });
}
