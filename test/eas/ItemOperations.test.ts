// MS-ASCMD 2.2.1.10 ItemOperations over real HTTP and WBXML: Fetch of items (bodies as asked) and of
// attachments (FileReference), EmptyFolderContents, conversation Move, every Status Convene gives,
// and other accounts refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { deliverInbound } from '../../src/mail/inbound.js';
import { FolderType, type Folder, type ItemProps } from '../../src/store/types.js';
import { fetchAttachment, formatFileReference, parseFileReference } from '../../src/sync/itemOperations.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const io = tags('ItemOperations');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const em = tags('Email');
const search = tags('Search');
const dl = tags('DocumentLibrary');

const mailbox = (...parts: (Element | false)[]): Element => io('Fetch', [io('Store', 'Mailbox'), ...parts]);
const byId = (folderId: number | string, serverId: string, options?: Element[]): Element =>
  mailbox(as('CollectionId', String(folderId)), as('ServerId', serverId), options !== undefined && io('Options', options));
const empty = (folderId: number | string, deleteSubFolders = false): Element =>
  io('EmptyFolderContents', [as('CollectionId', String(folderId)), deleteSubFolders && io('Options', [io('DeleteSubFolders')])]);

const withAttachment = (subject: string): ItemProps => [
  ...email(subject),
  ['AirSyncBase:Attachments', [['AirSyncBase:Attachment', [
    ['AirSyncBase:DisplayName', 'report.pdf'], ['AirSyncBase:Method', '1'], ['AirSyncBase:EstimatedDataSize', '1234'],
  ]]]],
];

for (const backend of BACKENDS) {
  describe(`ItemOperations (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let alice: number;
    let bob: number;
    let folders: Folder[];
    const folder = (type: number) => folders.find(f => f.type === type)!;
    let n = 0;
    const phone = (overrides = {}): EasClient => t.client('alice@example.com', { deviceId: `IOPS${++n}`, ...overrides });
    const newFolder = async (parentId = 0): Promise<number> =>
      (await t.store.createFolder(alice, { parentId, displayName: `Folder ${++n}`, type: 12 })).id;
    /** Sends the operations; returns the top-level Status and the Response children. */
    const send = async (children: Element[], client = phone()): Promise<{ status: string | undefined; answers: Element[] }> => {
      const res = await client.send('ItemOperations', io('ItemOperations', children));
      assert.equal(res.status, 200);
      return { status: res.body?.childText('Status'), answers: res.body?.child('Response')?.children ?? [] };
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com'] });
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      folders = await t.store.listFolders(alice);
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.3.67.1: Fetch by CollectionId and ServerId returns the item, its body as BodyPreference asks', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const props: ItemProps = [['Email:Subject', 'Quarterly'], ['Email:Read', '0'],
        ['AirSyncBase:Body', [['AirSyncBase:Type', '1'], ['AirSyncBase:Data', 'The numbers are in, and they are good.']]]];
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props }))!;
      const serverId = `${inbox}:${item.id}`;
      const { status, answers } = await send([
        byId(inbox, serverId, [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 11)])]),
        byId(inbox, serverId),
        byId(inbox, serverId, [io('Schema', [em('Subject')])]),
      ]);
      assert.equal(status, '1');
      const [cut, whole, subjectOnly] = answers;
      assert.deepEqual([cut.name, cut.childText('Status'), cut.childText('CollectionId'), cut.childText('ServerId'), cut.childText('Class')],
        ['Fetch', '1', String(inbox), serverId, 'Email']);
      const body = cut.child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.equal(cut.child('Properties')!.childText('Subject', 'Email'), 'Quarterly');
      assert.deepEqual([body.childText('Truncated'), body.childText('Data'), body.childText('EstimatedDataSize')], ['1', 'The numbers', '38']);
      assert.equal(whole.child('Properties')!.child('Body', 'AirSyncBase')!.childText('Data'), 'The numbers are in, and they are good.');
      assert.deepEqual(subjectOnly.child('Properties')!.children.map(c => c.name), ['Subject']);
    });

    it('MS-ASCMD 2.2.3.177.8: Fetch statuses 2, 6, 9 and 15; another account\'s items are not found', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      const bobs = (await t.store.addItem(bob, bobInbox, { class: 'Email', props: withAttachment('bob only') }))!;
      const plain = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('no attachments') }))!;
      const attached = (await t.store.addItem(alice, inbox, { class: 'Email', props: withAttachment('one attachment') }))!;
      const ref = (folderId: number, itemId: number, index: number) => asb('FileReference', formatFileReference({ folderId, itemId, index }));
      const { status, answers } = await send([
        byId(inbox, `${inbox}:999999`), // 6: no such item
        byId(bobInbox, `${bobInbox}:${bobs.id}`), // 6: another account's folder and item
        byId(inbox, `${inbox}:${bobs.id}`), // 6: another account's item through one's own folder
        mailbox(search('LongId', 'RgAAAAD')), // 6: not a LongId this server hands out
        io('Fetch', [io('Store', 'DocumentLibrary'), dl('LinkId', '\\\\server\\share\\a.docx')]), // 9
        io('Fetch', [io('Store', 'Elsewhere'), as('CollectionId', String(inbox)), as('ServerId', `${inbox}:${plain.id}`)]), // 9
        io('Fetch', [as('CollectionId', String(inbox)), as('ServerId', `${inbox}:${plain.id}`)]), // 2: no Store
        mailbox(), // 2: nothing to fetch
        mailbox(asb('FileReference', '')), // 15: MS-ASAIRS, an empty FileReference
        mailbox(asb('FileReference', 'not-a-reference')), // 15
        mailbox(ref(inbox, plain.id, 0)), // 15: the item has no attachments
        mailbox(ref(inbox, attached.id, 1)), // 15: it has one, not two
        mailbox(ref(bobInbox, bobs.id, 0)), // 15: another account's attachment
        mailbox(ref(inbox, attached.id, 0)), // 15: a listed attachment, but the item has no stored message to read it from
      ]);
      assert.equal(status, '1');
      assert.ok(answers.every(a => a.name === 'Fetch'));
      assert.deepEqual(answers.map(a => Number(a.childText('Status'))), [6, 6, 6, 6, 9, 9, 2, 2, 15, 15, 15, 15, 15, 15]);
      assert.ok(answers.every(a => !a.has('Properties')));
      assert.equal(answers[1].childText('ServerId'), `${bobInbox}:${bobs.id}`, 'the request is echoed, nothing more');
      assert.equal(answers[13].childText('FileReference', 'AirSyncBase'), `${inbox}:${attached.id}:0`);
    });

    it('FileReference `${folderId}:${itemId}:${index}` names the index-th attachment (percent-encoded too)', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const attached = (await t.store.addItem(alice, inbox, { class: 'Email', props: withAttachment('for the store') }))!;
      const text = formatFileReference({ folderId: inbox, itemId: attached.id, index: 0 });
      assert.deepEqual(parseFileReference(encodeURIComponent(text)), parseFileReference(text));
      const ctx = { store: t.store, user: (await t.store.findUserByEmail('alice@example.com'))!, device: (await t.store.listDevices(alice))[0], version: 14.1 };
      const source = {
        read: async (_: number, __: unknown, attachment: ItemProps) => ({
          contentType: 'application/pdf', data: Buffer.from(String(attachment.find(p => p[0] === 'AirSyncBase:DisplayName')?.[1])),
        }),
      };
      const found = await fetchAttachment(ctx, encodeURIComponent(text), source);
      assert.deepEqual(found, { ok: true, kind: 'attachment', contentType: 'application/pdf', data: Buffer.from('report.pdf'), total: 10 });
      assert.deepEqual(await fetchAttachment(ctx, `${inbox}:${attached.id}:1`, source), { ok: false, reason: 'ATTACHMENT_INVALID' });
    });

    it('MS-ASCMD 2.2.3.58: EmptyFolderContents deletes every item, subfolders only with DeleteSubFolders; every device sees the Deletes', async () => {
      const trash = await newFolder();
      const sub = await newFolder(trash);
      for (let i = 0; i < 3; i++) await t.store.addItem(alice, trash, { class: 'Email', props: email(`trash ${i}`) });
      const kept = (await t.store.addItem(alice, sub, { class: 'Email', props: email('in a subfolder') }))!;
      const asker = phone();
      const [mine, theirs] = [new CollectionMirror(asker, String(trash)), new CollectionMirror(phone(), String(trash))];
      for (const m of [mine, theirs]) { await m.sync(); await m.syncAll(); }
      assert.equal(theirs.items.size, 3);
      const first = await send([empty(trash)], asker);
      assert.equal(first.status, '1');
      assert.deepEqual(first.answers.map(a => [a.name, a.childText('Status'), a.childText('CollectionId')]), [['EmptyFolderContents', '1', String(trash)]]);
      assert.deepEqual(await t.store.liveItemIds(trash), []);
      assert.deepEqual(await t.store.liveItemIds(sub), [kept.id], 'without DeleteSubFolders the subfolder stays whole');
      for (const m of [mine, theirs]) {
        const deletes = (await m.syncAll()).flatMap(r => r.collection?.child('Commands')?.all('Delete') ?? []);
        assert.equal(deletes.length, 3);
        assert.equal(m.items.size, 0);
      }
      const second = await send([empty(trash, true)], asker);
      assert.equal(second.answers[0].childText('Status'), '1');
      const left = (await t.store.listFolders(alice)).map(f => f.id);
      assert.ok(left.includes(trash) && !left.includes(sub));
      assert.equal(await t.store.getItem(alice, kept.id), undefined);
      assert.equal((await new CollectionMirror(asker, String(sub)).sync()).status, 12, 'the subfolder is gone: FolderSync');
    });

    it('MS-ASCMD 2.2.3.177.8 Status 2 for one Fetch with Options that are no numbers; the other operations are answered', async () => {
      const inbox = folder(FolderType.Inbox).id;
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: email('options') }))!;
      const bad = (options: ReturnType<typeof io>[]) => io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', String(inbox)),
        as('ServerId', `${inbox}:${item.id}`), io('Options', options)]);
      const { status, answers } = await send([
        bad([asb('BodyPreference', [asb('Type', 'html')])]),
        bad([asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', '-1')])]),
        bad([as('MIMESupport', 'yes')]),
        byId(inbox, `${inbox}:${item.id}`),
      ]);
      assert.equal(status, '1');
      assert.deepEqual(answers.map(a => a.childText('Status')), ['2', '2', '2', '1']);
    });

    it('EmptyFolderContents of an unknown or another account\'s folder: Status 6, nothing touched; no CollectionId: Status 2', async () => {
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      const bobs = (await t.store.addItem(bob, bobInbox, { class: 'Email', props: email('still here') }))!;
      const { answers } = await send([empty(999999), empty(bobInbox, true), io('EmptyFolderContents')]);
      assert.deepEqual(answers.map(a => a.childText('Status')), ['6', '6', '2']);
      assert.equal((await t.store.getItem(bob, bobs.id))?.folderId, bobInbox);
    });

    it('R201, R3465: a conversation Move takes every message of it to DstFldId; devices Sync the Deletes and Adds', async () => {
      const conversationId = Buffer.from('c0nversati0nM0veTest0001', 'base64');
      const inbox = folder(FolderType.Inbox).id;
      const sent = folder(FolderType.SentItems).id;
      const [other, archive] = [await newFolder(), await newFolder()];
      const inConversation = (subject: string): ItemProps => [...email(subject), ['Email2:ConversationId', { b64: conversationId.toString('base64') }]];
      const add = async (folderId: number, props: ItemProps) => (await t.store.addItem(alice, folderId, { class: 'Email', props }))!;
      const first = await add(inbox, inConversation('first'));
      const reply = await add(other, inConversation('Re: first'));
      const sentCopy = await add(sent, inConversation('Re: first (sent)'));
      const unrelated = await add(inbox, email('unrelated'));
      const client = phone({ version: '14.1' });
      const mirrors = await Promise.all([inbox, other, archive].map(async id => {
        const m = new CollectionMirror(client, String(id));
        await m.sync();
        await m.syncAll();
        return m;
      }));
      const { status, answers } = await send([
        io('Move', [io('ConversationId', conversationId), io('DstFldId', String(archive)), io('Options', [io('MoveAlways')])]),
      ], client);
      assert.equal(status, '1');
      assert.deepEqual(answers.map(a => [a.name, a.childText('Status')]), [['Move', '1']]);
      assert.deepEqual(Buffer.from(answers[0].child('ConversationId')!.bytes!), conversationId);
      const where = async (id: number) => (await t.store.getItem(alice, id))?.folderId;
      assert.equal((await t.store.liveItemIds(archive)).length, 2, 'first and the reply moved');
      assert.equal(await where(first.id), undefined, 'the original id is gone (a tombstone stays)');
      assert.equal(await where(sentCopy.id), sent, 'the sent copy stays in Sent Items');
      assert.equal(await where(unrelated.id), inbox);
      const seen = await Promise.all(mirrors.map(async m => (await m.syncAll()).flatMap(r => r.collection?.child('Commands')?.children ?? []).map(c => c.name)));
      assert.deepEqual(seen, [['Delete'], ['Delete'], ['Add', 'Add']]);
      assert.equal(await where(reply.id), undefined, 'the reply left its folder');
    });

    it('MS-ASCMD 2.2.3.118 MoveAlways: later mail of the conversation is filed in DstFldId, until that folder goes', async () => {
      const mime = (id: string, subject: string, ...references: string[]) => Buffer.from([
        'From: Carol <carol@elsewhere.example>', 'To: alice@example.com', `Subject: ${subject}`, `Message-ID: <${id}>`,
        ...(references.length ? [`In-Reply-To: <${references.at(-1)}>`, `References: ${references.map(r => `<${r}>`).join(' ')}`] : []),
        'Date: Thu, 03 Dec 2026 08:00:00 +0000', '', 'text', '',
      ].join('\r\n'));
      const deliver = (raw: Buffer) => deliverInbound(t.store, { mailFrom: 'carol@elsewhere.example', rcptTo: ['alice@example.com'] }, raw, () => undefined);
      const inbox = folder(FolderType.Inbox).id;
      const archive = await newFolder();
      await deliver(mime('always-1@elsewhere.example', 'Plans'));
      const subjectIn = async (folderId: number) => Promise.all((await t.store.liveItemIds(folderId)).map(async id => {
        const item = await t.store.getItem(alice, id);
        return item?.props.find(p => p[0] === 'Email:Subject')?.[1];
      }));
      const original = (await Promise.all((await t.store.liveItemIds(inbox)).map(id => t.store.getItem(alice, id))))
        .find(i => i?.props.some(p => p[0] === 'Email:Subject' && p[1] === 'Plans'))!;
      const conversation = original.props.find(p => p[0] === 'Email2:ConversationId')![1] as { b64: string };
      const { answers } = await send([
        io('Move', [io('ConversationId', Buffer.from(conversation.b64, 'base64')), io('DstFldId', String(archive)), io('Options', [io('MoveAlways')])]),
      ], phone({ version: '14.1' }));
      assert.deepEqual(answers.map(a => a.childText('Status')), ['1']);
      await deliver(mime('always-2@elsewhere.example', 'Re: Plans', 'always-1@elsewhere.example'));
      await deliver(mime('always-3@elsewhere.example', 'Other plans'));
      assert.deepEqual((await subjectIn(archive)).sort(), ['Plans', 'Re: Plans']);
      assert.ok((await subjectIn(inbox)).includes('Other plans'));
      assert.ok(!(await subjectIn(inbox)).includes('Re: Plans'));
      await deliver(mime('always-3b@elsewhere.example', 'Re: Re: Plans (before)', 'always-1@elsewhere.example', 'always-2@elsewhere.example'));
      assert.ok((await subjectIn(archive)).includes('Re: Re: Plans (before)'), 'a reply further down the thread follows too');
      // The rule goes with its folder: mail of the conversation is the Inbox's again.
      assert.ok(await t.store.deleteFolder(alice, archive));
      await deliver(mime('always-4@elsewhere.example', 'Re: Re: Plans', 'always-1@elsewhere.example', 'always-2@elsewhere.example'));
      assert.ok((await subjectIn(inbox)).includes('Re: Re: Plans'));
    });

    it('a conversation Move: 155 without MoveAlways, 6 for an unknown conversation or destination, 2 malformed or before 14.0', async () => {
      const conversationId = Buffer.from('c0nversati0nM0veTest0002', 'base64');
      const inbox = folder(FolderType.Inbox).id;
      const item = (await t.store.addItem(alice, inbox, { class: 'Email', props: [...email('stays'), ['Email2:ConversationId', { b64: conversationId.toString('base64') }]] }))!;
      const moveOf = (id: Buffer | undefined, dst: string | undefined, always = true): Element => io('Move', [
        id !== undefined && io('ConversationId', id), dst !== undefined && io('DstFldId', dst), always && io('Options', [io('MoveAlways')]),
      ]);
      const archive = String(await newFolder());
      const { status, answers } = await send([
        moveOf(conversationId, archive, false),
        moveOf(Buffer.from('unknownConversation0', 'base64'), archive),
        moveOf(conversationId, '999999'),
        moveOf(conversationId, String(folder(FolderType.Calendar).id)),
        moveOf(undefined, archive),
        moveOf(conversationId, undefined),
        byId(inbox, `${inbox}:${item.id}`),
      ], phone({ version: '14.1' }));
      assert.equal(status, '1');
      assert.deepEqual(answers.map(a => [a.name, a.childText('Status')]), [['Move', '155'], ['Move', '6'], ['Move', '6'], ['Move', '6'], ['Move', '2'], ['Move', '2'], ['Fetch', '1']]);
      const old = await send([moveOf(conversationId, archive)], phone({ version: '12.1' }));
      assert.deepEqual(old.answers.map(a => a.childText('Status')), ['2']);
      assert.equal((await t.store.getItem(alice, item.id))?.folderId, inbox, 'nothing moved');
    });

    it('a malformed request: top-level Status 2 and no Response; ItemOperations needs 12.0', async () => {
      for (const body of [io('ItemOperations'), io('ItemOperations', [io('Store', 'Mailbox')]), io('Fetch', [io('Store', 'Mailbox')])]) {
        const res = await phone().send('ItemOperations', body);
        assert.equal(res.body?.childText('Status'), '2');
        assert.equal(res.body?.has('Response'), false);
      }
      const none = await phone().send('ItemOperations');
      assert.equal(none.body?.childText('Status'), '2');
      assert.equal((await phone({ version: '2.5' }).send('ItemOperations', io('ItemOperations', [mailbox()]))).status, 400);
    });
  });
}
