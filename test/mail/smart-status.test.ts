// Every way a SendMail / SmartReply / SmartForward can fail (MS-ASCMD 2.2.2 common Status; HTTP
// codes before 14.0), and that a failure leaves nothing behind: nothing queued, nothing filed, the
// ClientId still unused. No outbound mailer runs here, so anything queued would stay visible.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deliverInbound } from '../../src/mail/inbound.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { contact, event, propText } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';

const cm = tags('ComposeMail');
const asb = tags('AirSyncBase');
const LIMIT = 200_000;
const BIG = Buffer.alloc(160_000, 7);

function message(o: { subject: string; to?: string; attachment?: Buffer; from?: string }): Buffer {
  const head = [`From: ${o.from ?? 'carol@elsewhere.example'}`, `To: ${o.to ?? 'alice@example.com'}`, `Subject: ${o.subject}`, `Message-ID: <${o.subject.replace(/\W/g, '')}@x>`, 'MIME-Version: 1.0'];
  if (!o.attachment) return Buffer.from([...head, 'Content-Type: text/plain', '', `Text of ${o.subject}`, ''].join('\r\n'));
  return Buffer.from([...head, 'Content-Type: multipart/mixed; boundary=b', '', '--b', 'Content-Type: text/plain', '', 'See attached', '--b',
    'Content-Type: application/octet-stream; name=big.bin', 'Content-Transfer-Encoding: base64', '', o.attachment.toString('base64').replace(/(.{76})/g, '$1\r\n'), '--b--', ''].join('\r\n'));
}

const reply = (to = 'dave@far.example, bob@example.com') => message({ from: 'alice@example.com', to, subject: 'Re: x' });

describe('ComposeMail failures leave nothing behind', () => {
  let t: TestServer;
  const ids: Record<string, string> = {};

  const state = async () => {
    const count = async (user: string, type: number) => {
      const folder = Number(await folderId(t, user, type));
      return (await t.store.liveItemIds(folder)).length;
    };
    return {
      queued: await t.store.nextOutboundDue(), bobInbox: await count('bob@example.com', FolderType.Inbox),
      aliceSent: await count('alice@example.com', FolderType.SentItems), aliceInbox: await count('alice@example.com', FolderType.Inbox),
    };
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'], server: { maxBodyBytes: LIMIT } });
    const deliver = (to: string, m: Buffer) => deliverInbound(t.store, { mailFrom: 'carol@elsewhere.example', rcptTo: [to] }, m, () => undefined);
    await deliver('alice@example.com', message({ subject: 'Plain' }));
    await deliver('alice@example.com', message({ subject: 'Heavy', attachment: BIG }));
    await deliver('alice@example.com', message({ subject: 'Doomed' }));
    await deliver('bob@example.com', message({ subject: 'Bob only', to: 'bob@example.com' }));
    const aliceInbox = await folderId(t, 'alice@example.com', FolderType.Inbox);
    const inbox = await syncedDevice(t, 'alice@example.com', aliceInbox, { deviceId: 'ALICE', version: '16.1' });
    for (const [serverId, props] of inbox.collection.items) ids[propText(props, 'Email:Subject')!] = serverId;
    const bobInbox = await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { deviceId: 'BOB' });
    ids.bobs = [...bobInbox.collection.items.keys()][0]!;
    await inbox.collection.sync([{ kind: 'Delete', serverId: ids.Doomed! }]);
    const contacts = await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Contacts), { deviceId: 'ALICE', version: '16.1' });
    ids.contact = [...(await contacts.collection.sync([{ kind: 'Add', clientId: 'c', props: contact('Pat Doe') }])).added.values()][0]!.serverId!;
    const calendar = await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Calendar), { deviceId: 'ALICE', version: '16.1' });
    ids.single = [...(await calendar.collection.sync([{ kind: 'Add', clientId: 'e', props: event('Dentist') }])).added.values()][0]!.serverId!;
    ids.inbox = aliceInbox;
  });
  after(() => t.close());

  const source = (itemId: string, extra: Element[] = []) => cm('Source', [cm('ItemId', itemId), ...extra]);
  const CASES: { name: string; cmd: 'SmartReply' | 'SmartForward' | 'SendMail'; version?: string; tree: () => Element; status: number }[] = [
    { name: 'MS-ASCMD 2.2.3.173: no Source is 105', cmd: 'SmartReply', tree: () => cm('SmartReply', [cm('ClientId', 'k'), cm('MIME', reply())]), status: 105 },
    { name: 'MS-ASCMD 2.2.3.98.4: LongId with ItemId is 105', cmd: 'SmartReply', status: 105,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!, [cm('LongId', 'abc')]), cm('MIME', reply())]) },
    { name: 'a LongId the server never gave out is 150', cmd: 'SmartForward', status: 150,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), cm('Source', [cm('LongId', 'RgAAAAD%2bVvl9')]), cm('MIME', reply())]) },
    { name: 'another user\'s item is 150', cmd: 'SmartReply', status: 150, tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.bobs!), cm('MIME', reply())]) },
    { name: 'a deleted item is 150', cmd: 'SmartForward', status: 150, tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.Doomed!), cm('MIME', reply())]) },
    { name: 'FolderId that does not hold the item is 150', cmd: 'SmartReply', status: 150,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), cm('Source', [cm('FolderId', '99999'), cm('ItemId', ids.Plain!)]), cm('MIME', reply())]) },
    { name: 'an ItemId that is no ServerId is 150', cmd: 'SmartReply', status: 150, tree: () => cm('SmartReply', [cm('ClientId', 'k'), source('../../etc'), cm('MIME', reply())]) },
    { name: 'MS-ASCMD 2.2.3.177.16: a contact cannot be replied to: 117', cmd: 'SmartReply', status: 117,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.contact!), cm('MIME', reply())]) },
    { name: 'MS-ASCMD 2.2.3.92.2: InstanceId on a single appointment is 146', cmd: 'SmartForward', status: 146,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.single!, [cm('InstanceId', '2026-12-01T10:00:00.000Z')]), cm('MIME', reply())]) },
    { name: 'MS-ASDTYPE 2.3: an InstanceId that is no date-time is 104', cmd: 'SmartForward', status: 104,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.single!, [cm('InstanceId', 'tomorrow')]), cm('MIME', reply())]) },
    { name: 'garbage instead of MIME is 107', cmd: 'SmartReply', status: 107,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!), cm('MIME', Buffer.from([0, 1, 2, 0xfa, 0xfb, 13, 10, 13, 10, 0x41]))]) },
    { name: 'a header with raw Latin-1 bytes (not UTF-8, RFC 6532) is 107', cmd: 'SmartReply', status: 107,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!), cm('MIME', Buffer.concat([Buffer.from('To: dave@far.example\r\nSubject: Gr'), Buffer.from([0xfc, 0xdf]), Buffer.from('e\r\n\r\nHi\r\n')]))]) },
    { name: 'a header with raw Latin-1 bytes is 107', cmd: 'SendMail', status: 107,
      tree: () => cm('SendMail', [cm('ClientId', 'k'), cm('MIME', Buffer.concat([Buffer.from('To: dave@far.example\r\nSubject: '), Buffer.from([0xe9]), Buffer.from('\r\n\r\nHi\r\n')]))]) },
    { name: 'text without a header block is 107', cmd: 'SendMail', status: 107, tree: () => cm('SendMail', [cm('ClientId', 'k'), cm('MIME', 'just words, no header\r\n')]) },
    { name: 'MS-ASCMD 2.2.2: no recipient is 119', cmd: 'SmartForward', status: 119, tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.Plain!), cm('MIME', reply(''))]) },
    { name: 'a forward whose original makes it larger than the limit is 122', cmd: 'SmartForward', status: 122,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.Heavy!), cm('MIME', reply())]) },
    { name: 'MS-ASCMD 2.2.3.3 (R724): an AccountId that is not one of the user\'s accounts is 166', cmd: 'SendMail', status: 166,
      tree: () => cm('SendMail', [cm('ClientId', 'k'), cm('AccountId', 'bob@example.com'), cm('MIME', reply())]) },
    { name: 'R724: a SmartReply with an unknown AccountId is 166', cmd: 'SmartReply', status: 166,
      tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!), cm('AccountId', 'x'), cm('MIME', reply())]) },
    { name: 'no MIME is 101', cmd: 'SmartReply', status: 101, tree: () => cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!)]) },
    { name: 'a SendMail body under the SmartReply command is 101', cmd: 'SmartReply', status: 101, tree: () => cm('SendMail', [cm('ClientId', 'k'), cm('MIME', reply())]) },
    { name: 'MS-ASCMD 2.2.3.169, 16.1: MIME with Forwardees is 178', cmd: 'SmartForward', version: '16.1', status: 178,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.Plain!), cm('MIME', reply()), cm('Forwardees', [cm('Forwardee', [cm('ForwardeeEmail', 'x@far.example')])])]) },
    { name: 'MS-ASCMD 2.2.3.169, 16.1: SaveInSentItems without MIME is 178', cmd: 'SmartForward', version: '16.1', status: 178,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.single!), cm('SaveInSentItems'), cm('Forwardees', [cm('Forwardee', [cm('ForwardeeEmail', 'x@far.example')])])]) },
    { name: '16.1: a Forwardee without a usable address is 179', cmd: 'SmartForward', version: '16.1', status: 179,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.single!), cm('Forwardees', [cm('Forwardee', [cm('ForwardeeName', 'Nobody'), cm('ForwardeeEmail', 'not an address')])])]) },
    { name: '16.1: Forwardees for a mail item (not a calendar item) is 179', cmd: 'SmartForward', version: '16.1', status: 179,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.Plain!), asb('Body', [asb('Type', 1), asb('Data', 'FYI')]), cm('Forwardees', [cm('Forwardee', [cm('ForwardeeEmail', 'x@far.example')])])]) },
    { name: '16.1: a note without Forwardees is 179', cmd: 'SmartForward', version: '16.1', status: 179,
      tree: () => cm('SmartForward', [cm('ClientId', 'k'), source(ids.single!), asb('Body', [asb('Type', 1), asb('Data', 'FYI')])]) },
  ];

  for (const c of CASES) {
    it(`${c.cmd}: ${c.name}`, async () => {
      const before = await state();
      const client = t.client('alice@example.com', { deviceId: 'ALICE', version: c.version ?? '14.1' });
      const res = await client.send(c.cmd, c.tree());
      assert.equal(res.status, 200);
      assert.equal(res.body?.name, c.cmd);
      assert.equal(res.body?.childText('Status'), String(c.status));
      assert.deepEqual(await state(), before, 'nothing queued or filed');
    });
  }

  it('the ClientId of every refused request is still unused: the same ClientId sends once, then is 118', async () => {
    const client = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const send = () => client.send('SmartReply', cm('SmartReply', [cm('ClientId', 'k'), source(ids.Plain!), cm('SaveInSentItems'), cm('MIME', reply())]));
    const before = await state();
    const first = await send();
    assert.equal(first.status, 200);
    assert.equal(first.raw.length, 0);
    const sent = await state();
    assert.notEqual(sent.queued, undefined, 'the outside copy is queued');
    assert.equal(sent.bobInbox, before.bobInbox + 1);
    assert.equal(sent.aliceSent, before.aliceSent + 1);
    const again = await send();
    assert.equal(again.body?.childText('Status'), '118');
    assert.deepEqual(await state(), sent, 'nothing sent twice');
  });

  it('the AccountId that Settings gives out (the address) is accepted', async () => {
    const client = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const res = await client.send('SendMail', cm('SendMail', [cm('ClientId', 'own-account'), cm('AccountId', 'Alice@Example.com'), cm('MIME', reply('bob@example.com'))]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
  });

  it('a reply to the large message is within the limit: only a forward carries its attachment', async () => {
    const client = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const res = await client.send('SmartReply', cm('SmartReply', [cm('ClientId', 'heavy-reply'), source(ids.Heavy!), cm('MIME', reply('bob@example.com'))]));
    assert.equal(res.raw.length, 0);
  });

  it('MS-ASHTTP: a request body over --max-body is HTTP 413 before it is read', async () => {
    const client = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const res = await client.send('SendMail', cm('SendMail', [cm('ClientId', 'huge'), cm('MIME', message({ subject: 'Huge', from: 'alice@example.com', to: 'dave@far.example', attachment: BIG }))]));
    assert.equal(res.status, 413);
  });

  const legacy = (cmd: string, query: Record<string, string>, mime: Buffer = reply()) =>
    t.client('alice@example.com', { deviceId: 'ALICE12', version: '12.1' }).send(cmd, undefined, { raw: mime, contentType: 'message/rfc822', query });
  const LEGACY: { name: string; cmd?: string; query: () => Record<string, string>; mime?: () => Buffer; http: number }[] = [
    { name: 'no ItemId is 400', query: () => ({ CollectionId: ids.inbox! }), http: 400 },
    { name: 'an item that is not there is 500', query: () => ({ ItemId: ids.Doomed!, CollectionId: ids.inbox! }), http: 500 },
    { name: 'an Occurrence that is no date is 400', query: () => ({ ItemId: ids.Plain!, CollectionId: ids.inbox!, Occurrence: 'soon' }), http: 400 },
    { name: 'garbage MIME is 400', query: () => ({ ItemId: ids.Plain!, CollectionId: ids.inbox! }), mime: () => Buffer.from('\u0000\u0001garbage'), http: 400 },
    { name: 'a forward over the limit is 413', cmd: 'SmartForward', query: () => ({ ItemId: ids.Heavy!, CollectionId: ids.inbox! }), http: 413 },
    { name: 'no recipient is 500', query: () => ({ ItemId: ids.Plain!, CollectionId: ids.inbox! }), mime: () => reply(''), http: 500 },
  ];
  for (const c of LEGACY) {
    it(`12.1 ${c.cmd ?? 'SmartReply'}: ${c.name}, nothing left behind`, async () => {
      const before = await state();
      const res = await legacy(c.cmd ?? 'SmartReply', c.query(), c.mime?.());
      assert.equal(res.status, c.http);
      assert.equal(res.raw.length, 0);
      assert.deepEqual(await state(), before);
    });
  }
});
