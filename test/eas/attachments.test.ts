// Attachments and whole items over real HTTP: ItemOperations Fetch by FileReference (base64 Data,
// multipart, Range), GetAttachment (plain and base64 queries), references after MoveItems, another
// account's and hostile references, ItemOperations Fetch of an item with its own Options, and MIME
// composed for server-made meeting mail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import type { CalendarEvent } from '../../src/calendar/model.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { mailItemProps } from '../../src/mail/item.js';
import { FolderType, type Item, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { message, PDF, PNG, value } from '../mail/messages.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const io = tags('ItemOperations');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const cm = tags('ComposeMail');
const mv = tags('Move');

const HOUR = 3600_000;

for (const backend of BACKENDS) {
  describe(`Attachments and ItemOperations Fetch (${backend.name})`, () => {
    let t: TestServer;
    let n = 0;
    let mail: Item;
    let refs: { pdf: string; png: string };
    const client = (version = '14.1', user = 'bob@example.com', extra: Partial<Parameters<TestServer['client']>[1]> = {}): EasClient =>
      t.client(user, { deviceId: `ATT${++n}`, version, ...extra });
    const folderOf = async (user: string, type: number) => {
      const u = (await t.store.findUserByEmail(user))!;
      return (await t.store.listFolders(u.id)).find(f => f.type === type)!.id;
    };
    const fetchRef = (ref: string, options: Element[] = []) => io('Fetch', [io('Store', 'Mailbox'), asb('FileReference', ref), options.length > 0 && io('Options', options)]);
    const operations = async (fetches: Element[], c = client(), headers: Record<string, string> = {}) => {
      const res = await c.send('ItemOperations', io('ItemOperations', fetches), { headers });
      assert.equal(res.status, 200);
      assert.equal(res.body?.childText('Status'), '1');
      return { res, answers: res.body!.child('Response')!.children };
    };
    const status = (e: Element) => Number(e.childText('Status'));
    const data = (e: Element) => Buffer.from(e.child('Properties')!.childText('Data')!, 'base64');

    before(async () => {
      t = await startServer({ users: ['alice@example.com', 'bob@example.com'], backend });
      const res = await t.client('alice@example.com', { deviceId: 'ALICE' })
        .send('SendMail', cm('SendMail', [cm('ClientId', 'att-1'), cm('MIME', await message({ subject: 'With files' }))]));
      assert.equal(res.status, 200);
      const inbox = await folderOf('bob@example.com', FolderType.Inbox);
      [mail] = await t.store.getItems(inbox, await t.store.liveItemIds(inbox));
      const names = (mail.props.find(p => p[0] === 'AirSyncBase:Attachments')![1] as ItemProps)
        .map(a => value(a[1] as ItemProps, 'AirSyncBase:DisplayName'));
      refs = { pdf: `${inbox}:${mail.id}:${names.indexOf('numbers.pdf')}`, png: `${inbox}:${mail.id}:${names.indexOf('chart.png')}` };
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.1.10: Fetch by FileReference returns the bytes as sent, with their ContentType', async () => {
      const { answers } = await operations([fetchRef(refs.pdf), fetchRef(refs.png), fetchRef(encodeURIComponent(refs.pdf))]);
      assert.deepEqual(answers.map(status), [1, 1, 1]);
      assert.deepEqual(data(answers[0]), PDF);
      assert.equal(answers[0].child('Properties')!.childText('ContentType', 'AirSyncBase'), 'application/pdf');
      assert.deepEqual(data(answers[1]), PNG);
      assert.equal(answers[1].child('Properties')!.childText('ContentType', 'AirSyncBase'), 'image/png');
      assert.equal(answers[2].childText('FileReference', 'AirSyncBase'), encodeURIComponent(refs.pdf), 'the reference is echoed as sent');
      assert.deepEqual(data(answers[2]), PDF);
      assert.equal(answers[0].child('Properties')!.has('Total'), false, 'no Range asked, no Total');
    });

    it('MS-ASCMD 2.2.1.10.1.1: with MS-ASAcceptMultiPart (header, or the base64 query\'s flag) the bytes come as parts', async () => {
      const viaHeader = () => client().send('ItemOperations', io('ItemOperations', [fetchRef(refs.pdf), fetchRef(refs.png), fetchRef('1:2:3')]),
        { headers: { 'MS-ASAcceptMultiPart': 'T' } });
      const viaQuery = () => client('14.1', 'bob@example.com', { base64Query: true, deviceId: `0A0B0C${++n}` })
        .send('ItemOperations', io('ItemOperations', [fetchRef(refs.pdf), fetchRef(refs.png), fetchRef('1:2:3')]), { query: { AcceptMultiPart: 'T' } });
      for (const res of [await viaHeader(), await viaQuery()]) {
        assert.equal(res.headers['content-type'], 'application/vnd.ms-sync.multipart');
        const answers = res.body!.child('Response')!.children;
        assert.equal(res.parts?.length, 2);
        const part = (e: Element) => Number(e.child('Properties')!.childText('Part'));
        assert.deepEqual(res.parts![part(answers[0]) - 1], PDF);
        assert.deepEqual(res.parts![part(answers[1]) - 1], PNG);
        assert.equal(answers[0].child('Properties')!.has('Data'), false);
        assert.equal(status(answers[2]), 15);
      }
    });

    it('MS-ASCMD 2.2.3.143.2 Range: a slice with Range and Total; past the end it is cut; a bad range is Status 8', async () => {
      const range = (r: string) => fetchRef(refs.pdf, [io('Range', r)]);
      const { answers } = await operations([range('0-9'), range('500-100000'), range(`${PDF.length}-${PDF.length + 5}`), range('9-2'), range('abc'), range('-5'), range('0-99999999999999999999')]);
      assert.deepEqual(answers.map(status), [1, 1, 8, 8, 8, 8, 8]);
      const props = (e: Element) => [e.child('Properties')!.childText('Range'), e.child('Properties')!.childText('Total')];
      assert.deepEqual(props(answers[0]), ['0-9', String(PDF.length)]);
      assert.deepEqual(data(answers[0]), PDF.subarray(0, 10));
      assert.deepEqual(props(answers[1]), [`500-${PDF.length - 1}`, String(PDF.length)]);
      assert.deepEqual(data(answers[1]), PDF.subarray(500));
    });

    it('MS-ASAIRS 2.2.2.24: another account\'s references, empty and hostile ones are Status 15', async () => {
      const bobInbox = await folderOf('bob@example.com', FolderType.Inbox);
      const hostile = ['', ' ', '../../etc/passwd', `${bobInbox}:${mail.id}:99`, `${bobInbox}:${mail.id}:-1`, `${bobInbox}:${mail.id}`,
        `${bobInbox}:${mail.id}:0:0`, '%zz', `${bobInbox}:999999999999999999999:0`, `${bobInbox + 1}:${mail.id}:0`, 'x'.repeat(5000), `${bobInbox}%3A${mail.id}%3A0%00`];
      const { answers } = await operations(hostile.map(r => fetchRef(r)));
      assert.deepEqual(answers.map(status), hostile.map(() => 15));
      // Alice cannot read Bob's attachment, whatever she knows of its reference.
      const theirs = await operations([fetchRef(refs.pdf)], client('14.1', 'alice@example.com'));
      assert.equal(status(theirs.answers[0]), 15);
    });

    it('R765: a Fetch with more than one FileReference is Status 2; the other operations are answered', async () => {
      const both = io('Fetch', [io('Store', 'Mailbox'), asb('FileReference', refs.pdf), asb('FileReference', refs.png)]);
      const { answers } = await operations([both, fetchRef(refs.png)]);
      assert.deepEqual(answers.map(status), [2, 1]);
      assert.equal(answers[0].has('Properties'), false, 'nothing fetched');
    });

    it('after MoveItems the new FileReference works and the old one is Status 15', async () => {
      const alice = (await t.store.findUserByEmail('alice@example.com'))!;
      const res = await t.client('alice@example.com', { deviceId: 'ALICE' })
        .send('SendMail', cm('SendMail', [cm('ClientId', 'att-move'), cm('MIME', await message({ subject: 'To be moved', to: 'alice@example.com', messageId: '<move@example.com>' }))]));
      assert.equal(res.status, 200);
      const inbox = await folderOf('alice@example.com', FolderType.Inbox);
      const item = (await t.store.getItems(inbox, await t.store.liveItemIds(inbox))).find(i => value(i.props, 'Email:Subject') === 'To be moved')!;
      const archive = await t.store.createFolder(alice.id, { parentId: 0, displayName: 'Archive', type: FolderType.UserMail });
      const alices = client('14.1', 'alice@example.com');
      const moved = await alices.send('MoveItems', mv('MoveItems', [mv('Move', [mv('SrcMsgId', `${inbox}:${item.id}`), mv('SrcFldId', String(inbox)), mv('DstFldId', String(archive.id))])]));
      const dst = moved.body!.child('Response')!.childText('DstMsgId')!;
      const index = (mail.props.find(p => p[0] === 'AirSyncBase:Attachments')![1] as ItemProps).findIndex(a => value(a[1] as ItemProps, 'AirSyncBase:DisplayName') === 'numbers.pdf');
      const { answers } = await operations([fetchRef(`${dst}:${index}`), fetchRef(`${inbox}:${item.id}:${index}`)], alices);
      assert.deepEqual(answers.map(status), [1, 15]);
      assert.deepEqual(data(answers[0]), PDF);
    });

    it('MS-ASCMD 2.2.1.7 GetAttachment (≤14.1): the raw bytes with their Content-Type, by plain and base64 query', async () => {
      for (const version of ['2.5', '12.1', '14.1']) {
        const res = await client(version).send('GetAttachment', undefined, { query: { AttachmentName: refs.pdf } });
        assert.equal(res.status, 200, version);
        assert.equal(res.headers['content-type'], 'application/pdf');
        assert.deepEqual(res.raw, PDF);
      }
      const b64 = await t.client('bob@example.com', { deviceId: 'C0FFEE01', version: '12.1', base64Query: true })
        .send('GetAttachment', undefined, { query: { AttachmentName: refs.png } });
      assert.equal(b64.status, 200);
      assert.equal(b64.headers['content-type'], 'image/png');
      assert.deepEqual(b64.raw, PNG);
    });

    it('GetAttachment: no name 400, nothing of this account 500 (as for a deleted attachment), 16.x 501', async () => {
      assert.equal((await client('12.1').send('GetAttachment')).status, 400);
      for (const name of ['1:2:3', 'garbage', `${refs.pdf}9`]) assert.equal((await client('12.1').send('GetAttachment', undefined, { query: { AttachmentName: name } })).status, 500);
      assert.equal((await client('12.1', 'alice@example.com').send('GetAttachment', undefined, { query: { AttachmentName: refs.pdf } })).status, 500);
      assert.equal((await client('16.1').send('GetAttachment', undefined, { query: { AttachmentName: refs.pdf } })).status, 501);
    });

    it('ItemOperations Fetch of an item renders its body with the Fetch\'s own Options; multipart puts the body in a part', async () => {
      const byId = (options: Element[]) => io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', String(mail.folderId)), as('ServerId', `${mail.folderId}:${mail.id}`), io('Options', options)]);
      const { answers } = await operations([
        byId([as('MIMESupport', 2), asb('BodyPreference', [asb('Type', 4)])]),
        byId([asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 10)])]),
        byId([as('MIMESupport', 'two')]),
      ]);
      assert.deepEqual(answers.map(status), [1, 1, 2]);
      const mime = answers[0].child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.equal(mime.childText('Type'), '4');
      assert.deepEqual(Buffer.from(mime.childText('Data')!, 'utf8'), await t.store.getItemContent(mail.userId, mail.id));
      const cut = answers[1].child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.deepEqual([cut.childText('Type'), cut.childText('Truncated'), cut.childText('Data')], ['1', '1', 'Hello Bob,']);
      const multi = await operations([byId([as('MIMESupport', 2), asb('BodyPreference', [asb('Type', 4)])])], client(), { 'MS-ASAcceptMultiPart': 'T' });
      const body = multi.answers[0].child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.equal(body.has('Data'), false);
      assert.deepEqual(multi.res.parts![Number(body.childText('Part')) - 1], await t.store.getItemContent(mail.userId, mail.id));
    });

    it('server-made meeting mail asked for as MIME is composed: parseable, with its iCalendar REQUEST', async () => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!;
      const inbox = await folderOf('bob@example.com', FolderType.Inbox);
      const start = Date.UTC(2026, 5, 1, 9);
      const event: CalendarEvent = {
        uid: 'planning-1@example.com', start, end: start + HOUR, allDay: false, timeZone: 'UTC', subject: 'Planning', sequence: 0,
        organizer: { email: 'alice@example.com', name: 'Alice' }, dtStamp: Date.now(),
        attendees: [{ email: 'bob@example.com', name: 'Bob', type: 1, status: 5, rsvp: true }],
      };
      const props = mailItemProps({
        to: 'bob@example.com', from: '"Alice" <alice@example.com>', subject: 'Planning', displayTo: 'Bob',
        body: { type: 1, data: 'When: Monday 09:00' }, messageClass: 'IPM.Schedule.Meeting.Request', calendarMessage: true,
        extra: [['Email2:MeetingMessageType', '1']],
      });
      const item = (await t.store.addItem(bob.id, inbox, { class: 'Email', props, event, filterTime: Date.now() }))!;
      const byId = io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', String(inbox)), as('ServerId', `${inbox}:${item.id}`),
        io('Options', [as('MIMESupport', 2), asb('BodyPreference', [asb('Type', 4)])])]);
      const { answers } = await operations([byId], client('16.1'));
      const properties = answers[0].child('Properties')!;
      assert.ok(properties.has('MeetingRequest', 'Email'), 'the meeting is still rendered');
      const mime = properties.child('Body', 'AirSyncBase')!.childText('Data')!;
      const parsed = await PostalMime.parse(mime);
      assert.equal(parsed.subject, 'Planning');
      assert.equal(parsed.from?.address, 'alice@example.com');
      assert.equal(parsed.text?.trim(), 'When: Monday 09:00');
      const ics = parsed.attachments.find(a => a.mimeType === 'text/calendar');
      assert.ok(ics, 'an iCalendar part');
      const icsText = typeof ics.content === 'string' ? ics.content : Buffer.from(ics.content as ArrayBuffer).toString('utf8');
      assert.match(icsText, /METHOD:REQUEST/);
      assert.match(icsText, /UID:planning-1@example\.com/);
      // Stable: the same item composes to the same Message-ID each time.
      const again = await operations([byId], client('16.1'));
      const twice = await PostalMime.parse(again.answers[0].child('Properties')!.child('Body', 'AirSyncBase')!.childText('Data')!);
      assert.equal(twice.messageId, parsed.messageId);
    });
  });
}
