// 16.x drafts over real HTTP (MS-ASEMAIL 16.0/16.1, MS-ASAIRS 16.0 attachments, MS-ASCMD 2.2.1.21
// Sync): a device writes, changes, sends and deletes messages in its Drafts folder; another device
// sees them as the first wrote them, the body as it asks; Send delivers like SendMail and leaves
// the copy in Sent Items. Everything else a device might try is Status 6 and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { CollectionMirror, type PendingCommand } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderType, type ItemProps, type PropNode } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email, propNodes, propText } from '../helpers/items.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { BACKENDS } from '../helpers/stores.js';
import { PDF, PNG } from '../mail/messages.js';

const asb = tags('AirSyncBase');
const em2 = tags('Email2');
const io = tags('ItemOperations');

const A = (n: string) => `AirSyncBase:${n}`;

function attachmentAdd(clientId: string, name: string, content: Buffer, extra: ItemProps = []): PropNode {
  return [A('Add'), [[A('ClientId'), clientId], [A('DisplayName'), name], [A('Method'), '1'], [A('Content'), content.toString('base64')], ...extra]];
}

function draft(subject: string, extra: ItemProps = []): ItemProps {
  return [
    ['Email:To', '"Bob" <bob@example.com>, carol@elsewhere.example'], ['Email:Cc', 'dave@elsewhere.example'],
    ['Email2:Bcc', 'erin@example.com'], ['Email:Subject', subject], ['Email:Importance', '2'],
    [A('Body'), [[A('Type'), '1'], [A('Data'), 'First words — ünïcödé ✓\r\nSecond line.']]],
    ...extra,
  ];
}

for (const backend of BACKENDS) {
  describe(`16.x drafts over Sync (${backend.name})`, () => {
    let t: TestServer;
    let sink: SmtpSink;
    let drafts: string;
    let n = 0;
    const phone = (version = '16.1', user = 'alice@example.com'): EasClient => t.client(user, { deviceId: `DRAFT${++n}`, version });
    const mirror = async (collectionId: string, client = phone()) => {
      const m = new CollectionMirror(client, collectionId);
      await m.sync();
      await m.syncAll();
      return m;
    };
    /** Sends the commands with email2:Send beside ApplicationData of the ones named (MS-ASEMAIL 2.2.2.69). */
    const syncSending = async (m: CollectionMirror, client: EasClient, commands: PendingCommand[], sending: string[]) => {
      const req = m.request(commands);
      const list = req.child('Collections')!.child('Collection')!.child('Commands')!.children;
      for (const c of list) {
        const id = c.childText('ClientId') ?? c.childText('ServerId');
        if (id && sending.includes(id)) (c.content as Element[]).push(em2('Send'));
      }
      return m.apply(await client.send('Sync', req), commands);
    };
    const fetchRef = async (client: EasClient, ref: string) => {
      const res = await client.send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), asb('FileReference', ref)])]));
      const answer = res.body!.child('Response')!.child('Fetch')!;
      return { status: Number(answer.childText('Status')), data: answer.child('Properties') && Buffer.from(answer.child('Properties')!.childText('Data')!, 'base64') };
    };
    const inboxSubjects = async (user: string) => {
      const u = (await t.store.findUserByEmail(user))!;
      const inbox = Number(await folderId(t, user, FolderType.Inbox));
      return (await t.store.getItems(inbox, await t.store.liveItemIds(inbox))).filter(i => i.userId === u.id).map(i => propText(i.props, 'Email:Subject'));
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com', 'erin@example.com'] });
      sink = await smtpSink(t.store);
      drafts = await folderId(t, 'alice@example.com', FolderType.Drafts);
    });
    after(async () => {
      await sink.close();
      await t.close();
    });

    it('MS-ASEMAIL 16.0 (Add in Drafts): the draft is kept as written; MS-ASAIRS 2.2.2.14: the Add answers each ClientId with its FileReference', async () => {
      const writer = phone();
      const m = await mirror(drafts, writer);
      const r = await m.sync([{ kind: 'Add', clientId: 'd1', props: draft('Trip report', [[A('Attachments'), [attachmentAdd('a1', 'photo.png', PNG, [[A('ContentType'), 'image/png']])]]]) }]);
      const added = r.statuses.find(s => s.clientId === 'd1')!;
      assert.equal(added.status, 1);
      const serverId = added.serverId!;
      const attachment = propNodes(added.data, A('Attachments'));
      assert.equal(attachment.length, 1);
      assert.equal(propText(attachment[0][1] as ItemProps, A('ClientId')), 'a1');
      const ref = propText(attachment[0][1] as ItemProps, A('FileReference'))!;
      assert.equal(ref, `${serverId}:0`);
      assert.equal(r.collection?.child('Commands'), undefined, 'the device is not told of its own draft');

      // Another 16.1 device: the draft with its envelope, Bcc, IsDraft, importance and file.
      const other = await mirror(drafts);
      const seen = other.items.get(serverId)!;
      assert.match(propText(seen, 'Email:To')!, /bob@example\.com.*carol@elsewhere\.example/);
      assert.equal(propText(seen, 'Email:Cc'), 'dave@elsewhere.example');
      assert.equal(propText(seen, 'Email2:Bcc'), 'erin@example.com');
      assert.equal(propText(seen, 'Email2:IsDraft'), '1');
      assert.equal(propText(seen, 'Email:Subject'), 'Trip report');
      assert.equal(propText(seen, 'Email:Importance'), '2');
      assert.match(propText(seen, 'Email:From')!, /alice@example\.com/);
      const files = propNodes(seen, A('Attachments'));
      assert.deepEqual(files.map(f => [propText(f[1] as ItemProps, A('DisplayName')), propText(f[1] as ItemProps, A('FileReference'))]), [['photo.png', ref]]);
      assert.deepEqual((await fetchRef(phone(), ref)).data, PNG, 'the file is fetched by its FileReference');

      // The body as each device asks (BodyPreference): plain text whole, or cut, or converted to HTML.
      const text = new CollectionMirror(phone(), drafts);
      await text.sync([], { options: [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 5)])] });
      await text.syncAll({ options: [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 5)])] });
      const cut = propNodes(text.items.get(serverId), A('Body'));
      assert.equal(propText(cut, A('Truncated')), '1');
      assert.equal(propText(cut, A('Data')), 'First');
      const html = new CollectionMirror(phone(), drafts);
      await html.sync([], { options: [asb('BodyPreference', [asb('Type', 2)])] });
      await html.syncAll({ options: [asb('BodyPreference', [asb('Type', 2)])] });
      const rich = propNodes(html.items.get(serverId), A('Body'));
      assert.equal(propText(rich, A('Type')), '2');
      assert.match(propText(rich, A('Data'))!, /First words — ünïcödé ✓/);
      const whole = propNodes(seen, A('Body'));
      assert.equal(propText(whole, A('Data'))!.replace(/\r\n/g, '\n'), 'First words — ünïcödé ✓\nSecond line.');

      // MS-ASEMAIL 2.2.2.42/2.2.2.7: IsDraft and Bcc are 16.0's; a 14.1 device sees the message without them.
      const old = await mirror(drafts, phone('14.1'));
      assert.equal(propText(old.items.get(serverId), 'Email:Subject'), 'Trip report');
      assert.equal(propText(old.items.get(serverId), 'Email2:IsDraft'), undefined);
      assert.equal(propText(old.items.get(serverId), 'Email2:Bcc'), undefined);
      assert.deepEqual(await inboxSubjects('bob@example.com'), [], 'a draft is not sent');
    });

    it('MS-ASEMAIL 16.0 (Change of a draft): what the Change carries replaces, what it omits stays; attachments are added (ClientId) and deleted (FileReference)', async () => {
      const writer = phone();
      const m = await mirror(drafts, writer);
      const r = await m.sync([{ kind: 'Add', clientId: 'd2', props: draft('Plans', [[A('Attachments'), [attachmentAdd('a1', 'one.pdf', PDF), attachmentAdd('a2', 'two.png', PNG)]]]) }]);
      const serverId = r.added.get('d2')!.serverId!;
      const refs = propNodes(r.statuses[0].data, A('Attachments')).map(a => propText(a[1] as ItemProps, A('FileReference')));
      assert.deepEqual(refs, [`${serverId}:0`, `${serverId}:1`]);

      // Subject, To and Body change; Cc and Importance are omitted and stay; the second file is deleted, a third added.
      const change = await m.sync([{ kind: 'Change', serverId, props: [
        ['Email:Subject', 'Plans (v2)'], ['Email:To', 'bob@example.com'],
        [A('Body'), [[A('Type'), '2'], [A('Data'), '<p>Now in <b>HTML</b></p>']]],
        [A('Attachments'), [[A('Delete'), [[A('FileReference'), refs[1]!]]], attachmentAdd('a3', 'three.txt', Buffer.from('three'), [[A('ContentType'), 'text/plain']])]],
      ] }]);
      const answered = change.statuses.find(s => s.kind === 'Change')!;
      assert.equal(answered.status, 1);
      assert.deepEqual(propNodes(answered.data, A('Attachments')).map(a => [propText(a[1] as ItemProps, A('ClientId')), propText(a[1] as ItemProps, A('FileReference'))]),
        [['a3', `${serverId}:1`]]);
      assert.equal(change.collection?.child('Commands'), undefined, 'nothing moved up the list: the device holds the draft as it is');

      const other = await mirror(drafts);
      const seen = other.items.get(serverId)!;
      assert.equal(propText(seen, 'Email:Subject'), 'Plans (v2)');
      assert.equal(propText(seen, 'Email:To'), 'bob@example.com');
      assert.equal(propText(seen, 'Email:Cc'), 'dave@elsewhere.example');
      assert.equal(propText(seen, 'Email2:Bcc'), 'erin@example.com');
      assert.equal(propText(seen, 'Email:Importance'), '2');
      assert.equal(propText(propNodes(seen, A('Body')), A('Type')), '2');
      assert.deepEqual(propNodes(seen, A('Attachments')).map(a => propText(a[1] as ItemProps, A('DisplayName'))), ['one.pdf', 'three.txt']);
      assert.deepEqual((await fetchRef(writer, `${serverId}:0`)).data, PDF);
      assert.deepEqual((await fetchRef(writer, `${serverId}:1`)).data, Buffer.from('three'));

      // An empty element clears; Read and Flag are kept through a rewrite.
      await m.sync([{ kind: 'Change', serverId, props: [['Email:Read', '0'], ['Email:Cc', '']] }]);
      await other.sync();
      assert.equal(propText(other.items.get(serverId), 'Email:Cc'), undefined);
      assert.equal(propText(other.items.get(serverId), 'Email:Read'), '0');
      await m.sync([{ kind: 'Change', serverId, props: [['Email:Subject', 'Plans (v3)']] }]);
      await other.sync();
      assert.equal(propText(other.items.get(serverId), 'Email:Read'), '0');

      // Deleting the first file moves the second up: the same response sends the draft with its new references.
      const shifted = await m.sync([{ kind: 'Change', serverId, props: [[A('Attachments'), [[A('Delete'), [[A('FileReference'), `${serverId}:0`]]]]]] }]);
      const resent = shifted.collection?.child('Commands')?.all('Change').find(c => c.childText('ServerId') === serverId);
      assert.ok(resent, 'the draft comes back with its references');
      assert.equal(m.items.get(serverId) && propNodes(m.items.get(serverId), A('Attachments')).length, 1);
      assert.equal(propText(propNodes(m.items.get(serverId), A('Attachments'))[0][1] as ItemProps, A('FileReference')), `${serverId}:0`);
      assert.deepEqual((await fetchRef(writer, `${serverId}:0`)).data, Buffer.from('three'));
    });

    it('MS-ASEMAIL 2.2.2.69 Send: the draft goes out as SendMail\'s mail does — Bcc blind, files attached — lands in Sent Items and leaves Drafts', async () => {
      const writer = phone();
      const m = await mirror(drafts, writer);
      const sent = await mirror(await folderId(t, 'alice@example.com', FolderType.SentItems), writer);
      const r = await m.sync([{ kind: 'Add', clientId: 'd3', props: draft('Quarterly numbers', [[A('Attachments'), [attachmentAdd('a1', 'numbers.pdf', PDF, [[A('ContentType'), 'application/pdf']])]]]) }]);
      const serverId = r.added.get('d3')!.serverId!;
      const send = await syncSending(m, writer, [{ kind: 'Change', serverId, props: [['Email:Subject', 'Quarterly numbers, final']] }], [serverId]);
      assert.equal(send.status, 1);
      assert.equal(send.statuses.find(s => s.kind === 'Change')?.status ?? 1, 1);
      assert.ok(send.collection?.child('Commands')?.all('Delete').some(d => d.childText('ServerId') === serverId), 'the draft leaves Drafts');
      assert.equal(m.items.has(serverId), false);

      // Local recipients (To and Bcc) get it in their Inbox; the outside ones by SMTP, without the Bcc.
      assert.deepEqual(await inboxSubjects('bob@example.com'), ['Quarterly numbers, final']);
      assert.deepEqual(await inboxSubjects('erin@example.com'), ['Quarterly numbers, final']);
      const out = await sink.next();
      assert.deepEqual(out.rcpt.sort(), ['carol@elsewhere.example', 'dave@elsewhere.example']);
      assert.doesNotMatch(out.raw.toString('latin1'), /^bcc:/im);
      const parsed = await PostalMime.parse(out.raw);
      assert.equal(parsed.subject, 'Quarterly numbers, final');
      assert.equal(parsed.from?.address, 'alice@example.com');
      assert.equal(parsed.text?.replace(/\r\n/g, '\n').trim(), 'First words — ünïcödé ✓\nSecond line.');
      assert.deepEqual(parsed.attachments.map(a => [a.filename, Buffer.from(a.content as ArrayBuffer).equals(PDF)]), [['numbers.pdf', true]]);
      assert.equal(parsed.headers.find(h => h.key === 'importance')?.value, 'high');

      await sent.syncAll();
      const copy = [...sent.items.values()].find(p => propText(p, 'Email:Subject') === 'Quarterly numbers, final');
      assert.ok(copy, 'the copy is in Sent Items');
      assert.equal(propText(copy, 'Email2:IsDraft'), undefined, 'a sent message is no draft');

      // Add with Send (inside ApplicationData, as some devices put it): written and sent at once.
      const direct = await m.sync([{ kind: 'Add', clientId: 'd4', props: [['Email:To', 'bob@example.com'], ['Email:Subject', 'Straight out'], ['Email2:Send', '']] }]);
      assert.equal(direct.added.get('d4')?.status, 1);
      assert.ok((await inboxSubjects('bob@example.com')).includes('Straight out'));
      assert.ok(direct.collection?.child('Commands')?.all('Delete').some(d => d.childText('ServerId') === direct.added.get('d4')?.serverId));
    });

    it('a draft is deleted like any mail (DeletesAsMoves: into Deleted Items); other devices lose it', async () => {
      const writer = phone();
      const m = await mirror(drafts, writer);
      const r = await m.sync([{ kind: 'Add', clientId: 'd5', props: draft('Never mind') }]);
      const serverId = r.added.get('d5')!.serverId!;
      const other = await mirror(drafts);
      assert.ok(other.items.has(serverId));
      await m.sync([{ kind: 'Delete', serverId }]);
      await other.sync();
      assert.equal(other.items.has(serverId), false);
      const trash = Number(await folderId(t, 'alice@example.com', FolderType.DeletedItems));
      const inTrash = await t.store.getItems(trash, await t.store.liveItemIds(trash));
      assert.ok(inTrash.some(i => propText(i.props, 'Email:Subject') === 'Never mind'));
    });

    it('Status 6 (MS-ASCMD 2.2.3.177.17) for what a draft cannot take; nothing is stored, changed or sent', async () => {
      const writer = phone();
      const m = await mirror(drafts, writer);
      const r = await m.sync([{ kind: 'Add', clientId: 'ok', props: draft('Keep me', [[A('Attachments'), [attachmentAdd('a1', 'one.pdf', PDF)]]]) }]);
      const serverId = r.added.get('ok')!.serverId!;
      const itemId = Number(serverId.split(':')[1]);
      const before = (await t.store.getItem((await t.store.findUserByEmail('alice@example.com'))!.id, itemId))!;
      const refused: [string, ItemProps][] = [
        ['Importance 7', [['Email:Importance', '7']]],
        ['a Body of Type 3 (RTF)', [[A('Body'), [[A('Type'), '3'], [A('Data'), 'e1xydGYxfQ==']]]]],
        ['an attachment Add without Content', [[A('Attachments'), [[A('Add'), [[A('ClientId'), 'x'], [A('DisplayName'), 'x.bin'], [A('Method'), '1']]]]]]],
        ['an attachment Add without ClientId', [[A('Attachments'), [[A('Add'), [[A('DisplayName'), 'x.bin'], [A('Method'), '1'], [A('Content'), 'AAAA']]]]]]],
        ['Content that is not base64', [[A('Attachments'), [[A('Add'), [[A('ClientId'), 'x'], [A('DisplayName'), 'x.bin'], [A('Method'), '1'], [A('Content'), 'not base64!']]]]]]],
        ['a Delete of another item\'s file', [[A('Attachments'), [[A('Delete'), [[A('FileReference'), `${drafts}:${itemId + 999}:0`]]]]]]],
        ['a ConversationId (MS-ASEMAIL 2.2.2.21)', [['Email2:ConversationId', { b64: Buffer.alloc(16).toString('base64') }]]],
      ];
      for (const [what, props] of refused) {
        const res = await m.sync([{ kind: 'Change', serverId, props: [['Email:Subject', 'Changed'], ...props] }]);
        assert.equal(res.statuses.find(s => s.kind === 'Change')?.status, 6, what);
      }
      // Send with nobody to send to, or an address that is none: refused, the draft as it was, nothing sent.
      for (const to of ['', 'bob']) {
        const res = await syncSending(m, writer, [{ kind: 'Change', serverId, props: [['Email:To', to], ['Email:Cc', ''], ['Email2:Bcc', '']] }], [serverId]);
        assert.equal(res.statuses.find(s => s.kind === 'Change')?.status, 6, `Send to "${to}"`);
      }
      const afterwards = (await t.store.getItem(before.userId, itemId))!;
      assert.deepEqual(afterwards.props, before.props);
      assert.equal(afterwards.modseq, before.modseq);
      assert.deepEqual(await inboxSubjects('bob@example.com').then(s => s.filter(x => x === 'Changed' || x === 'Keep me')), []);

      // A new draft that already deletes a file, or is one: 6 too.
      const add = await m.sync([
        { kind: 'Add', clientId: 'del', props: [['Email:Subject', 'x'], [A('Attachments'), [[A('Delete'), [[A('FileReference'), `${serverId}:0`]]]]]] },
        { kind: 'Add', clientId: 'imp', props: [['Email:Subject', 'x'], ['Email:Importance', 'high']] },
      ]);
      assert.deepEqual([add.added.get('del')?.status, add.added.get('imp')?.status], [6, 6]);
    });

    it('drafts elsewhere or before 16.0 are refused as before: an email Add outside Drafts, or from 14.1, is Status 6; Send of an email that is no draft is Status 6', async () => {
      const inbox = await folderId(t, 'alice@example.com', FolderType.Inbox);
      const in16 = await mirror(inbox);
      const r = await in16.sync([{ kind: 'Add', clientId: 'x', props: draft('Nope') }]);
      assert.equal(r.added.get('x')?.status, 6);
      const old = await mirror(drafts, phone('14.1'));
      const r14 = await old.sync([{ kind: 'Add', clientId: 'y', props: draft('Nope') }]);
      assert.equal(r14.added.get('y')?.status, 6);

      const alice = (await t.store.findUserByEmail('alice@example.com'))!;
      const mail = (await t.store.addItem(alice.id, Number(inbox), { class: 'Email', props: email('Received') }))!;
      const client = phone();
      const reader = await mirror(inbox, client);
      const send = await syncSending(reader, client, [{ kind: 'Change', serverId: `${inbox}:${mail.id}`, props: [['Email:Read', '1']] }], [`${inbox}:${mail.id}`]);
      assert.equal(send.statuses.find(s => s.kind === 'Change')?.status, 6);
      assert.equal(propText((await t.store.getItem(alice.id, mail.id))!.props, 'Email:Read'), '0', 'a refused Change changes nothing');
      // The same Change without Send is the usual Read flag.
      await reader.sync([{ kind: 'Change', serverId: `${inbox}:${mail.id}`, props: [['Email:Read', '1']] }]);
      assert.equal(propText((await t.store.getItem(alice.id, mail.id))!.props, 'Email:Read'), '1');
    });
  });
}
