// Issue 6's first check, over real HTTP and real SMTP: a device sends one message to a local account
// and to an outside address; the local one hears of it through Ping, the outside one arrives at an
// SMTP listener with the device's MIME, and the copy is in Sent Items.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type Arrival, type SmtpSink } from '../helpers/smtpSink.js';

const cm = tags('ComposeMail');
const p = tags('Ping');

describe('SendMail to a local and an outside recipient', () => {
  let t: TestServer;
  let sink: SmtpSink;
  let received: Arrival[];

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    sink = await smtpSink(t.store);
    received = sink.received;
  });
  after(async () => {
    await sink.close();
    await t.close();
  });

  it('Bob\'s Ping wakes, the outside copy arrives as sent, and Alice has it in Sent Items', async () => {
    const bobInbox = await folderId(t, 'bob@example.com', FolderType.Inbox);
    const bob = await syncedDevice(t, 'bob@example.com', bobInbox, { deviceId: 'BOB' });
    const sent = await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.SentItems), { deviceId: 'ALICE' });
    const ping = bob.client.send('Ping', p('Ping', [p('HeartbeatInterval', 120), p('Folders', [p('Folder', [p('Id', bobInbox), p('Class', 'Email')])])]));
    await new Promise(r => setTimeout(r, 200));
    const mime = Buffer.from([
      'From: "Alice" <alice@example.com>', 'To: bob@example.com, carol@elsewhere.example', 'Subject: Quarterly numbers',
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit', '', 'Numbers attached — ünïcödé.', '',
    ].join('\r\n'));
    const res = await sent.client.send('SendMail', cm('SendMail', [cm('ClientId', 'q1'), cm('SaveInSentItems'), cm('MIME', mime)]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);

    const woke = await ping;
    assert.equal(woke.body?.childText('Status'), '2');
    await bob.collection.syncAll();
    assert.ok([...bob.collection.items.values()].some(props => props.find(x => x[0] === 'Email:Subject')?.[1] === 'Quarterly numbers'));

    for (let i = 0; i < 100 && received.length === 0; i++) await new Promise(r => setTimeout(r, 100));
    assert.equal(received.length, 1);
    assert.deepEqual(received[0].rcpt, ['carol@elsewhere.example'], 'only the outside recipient goes out by SMTP');
    const parsed = await PostalMime.parse(received[0].raw);
    assert.equal(parsed.subject, 'Quarterly numbers');
    assert.equal(parsed.from?.address, 'alice@example.com');
    assert.equal(parsed.text?.trim(), 'Numbers attached — ünïcödé.');

    await sent.collection.syncAll();
    assert.ok([...sent.collection.items.values()].some(props => props.find(x => x[0] === 'Email:Subject')?.[1] === 'Quarterly numbers'));
    const again = await sent.client.send('SendMail', cm('SendMail', [cm('ClientId', 'q1'), cm('MIME', mime)]));
    assert.equal(again.body?.childText('Status'), '118');
    await new Promise(r => setTimeout(r, 300));
    assert.equal(received.length, 1, 'the same ClientId sends nothing');
  });

  it('RFC 5322 3.6.3: a blind copy stays blind — no Bcc in what a local recipient or the outside world receives; the sender keeps it', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE' });
    const mime = Buffer.from([
      'From: alice@example.com', 'To: carol@elsewhere.example', 'Bcc: bob@example.com, dave@elsewhere.example', 'Subject: Blind',
      'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'psst', '',
    ].join('\r\n'));
    const before = received.length;
    const res = await alice.send('SendMail', cm('SendMail', [cm('ClientId', 'bcc1'), cm('SaveInSentItems'), cm('MIME', mime)]));
    assert.equal(res.status, 200);
    const stored = async (email: string, type: number) => {
      const user = (await t.store.findUserByEmail(email))!;
      const folder = await folderId(t, email, type);
      const items = await t.store.getItems(Number(folder), await t.store.liveItemIds(Number(folder)));
      const item = items.find(i => i.props.some(x => x[0] === 'Email:Subject' && x[1] === 'Blind'))!;
      return (await t.store.getItemContent(user.id, item.id))!.toString('utf8');
    };
    assert.doesNotMatch(await stored('bob@example.com', FolderType.Inbox), /^bcc:/im);
    assert.match(await stored('alice@example.com', FolderType.SentItems), /^Bcc: bob@example.com, dave@elsewhere.example/m);
    for (let i = 0; i < 100 && received.length === before; i++) await new Promise(r => setTimeout(r, 50));
    const out = received.slice(before);
    assert.deepEqual(out.flatMap(m => m.rcpt).sort(), ['carol@elsewhere.example', 'dave@elsewhere.example']);
    assert.ok(out.every(m => !/^bcc:/im.test(m.raw.toString('utf8'))));
  });
});
