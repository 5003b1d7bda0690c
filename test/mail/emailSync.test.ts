// Email over Sync end to end (MS-ASEMAIL, MS-ASAIRS): messages delivered by SendMail and by inbound
// SMTP, then synced by devices of 2.5, 12.1, 14.1 and 16.1 asking for plain text, HTML or MIME,
// truncated or whole, with AllOrNone, Preview and every MIMESupport; device changes to Read and Flag.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { propNodes as nodes } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { htmlToPlain } from '../../src/mail/bodyText.js';
import { latin1Message, message, PDF, PNG, signedMessage, value } from './messages.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const cm = tags('ComposeMail');

type Pref = { type: number; truncationSize?: number; allOrNone?: boolean; preview?: number };
const pref = (p: Pref): Element => asb('BodyPreference', [
  asb('Type', p.type), p.truncationSize !== undefined && asb('TruncationSize', p.truncationSize),
  p.allOrNone && asb('AllOrNone', 1), p.preview !== undefined && asb('Preview', p.preview),
]);

for (const backend of BACKENDS) {
  describe(`Email over Sync (${backend.name})`, () => {
    let t: TestServer;
    let smtp: InboundSmtp;
    let n = 0;
    /** Bob's Inbox items by subject, as the store has them. */
    const stored = async (subject: string): Promise<Item> => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!;
      const inbox = (await t.store.listFolders(bob.id)).find(f => f.type === FolderType.Inbox)!;
      const items = await t.store.getItems(inbox.id, await t.store.liveItemIds(inbox.id));
      return items.find(i => value(i.props, 'Email:Subject') === subject)!;
    };
    const inbox = async (user = 'bob@example.com') => {
      const u = (await t.store.findUserByEmail(user))!;
      return String((await t.store.listFolders(u.id)).find(f => f.type === FolderType.Inbox)!.id);
    };
    const device = (version: string, user = 'bob@example.com'): EasClient => t.client(user, { deviceId: `MAIL${++n}`, version });
    /** A fresh device's whole Inbox with these Options: subject → ApplicationData. */
    const syncInbox = async (version: string, options: Element[], user = 'bob@example.com'): Promise<Map<string, ItemProps>> => {
      const m = new CollectionMirror(device(version, user), await inbox(user));
      await m.sync([], { options });
      const rounds = await m.syncAll({ options });
      assert.equal(rounds.at(-1)!.status, 1);
      return new Map([...m.items.values()].map(p => [value(p, 'Email:Subject') ?? '', p]));
    };
    const body = (props: ItemProps | undefined) => nodes(props, 'AirSyncBase:Body');

    let sentMime: Buffer;
    let smtpMime: Buffer;
    /** What SMTP delivered, as stored: our Authentication-Results on top of the bytes sent (docs/mail-auth.md). */
    const asStored = new Map<Buffer, Buffer>();
    /** The plain text of the HTML body, as the server makes it (html-to-text; MS-ASAIRS Type 1 of an HTML message). */
    let plain: string;

    before(async () => {
      t = await startServer({ users: ['alice@example.com', 'bob@example.com'], backend });
      smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', auth: await testWorldAuth() });
      const port = await smtp.listen(0, '127.0.0.1');
      // By SendMail (14.1) from Alice …
      sentMime = await message();
      plain = htmlToPlain((await PostalMime.parse(sentMime)).html!);
      assert.ok(plain.startsWith('Hello Bob,\n\nThe quarterly numbers') && plain.endsWith('Alice — ünïcödé ✓') && !plain.includes('<'), plain);
      assert.ok(Buffer.byteLength(plain) > 2500, 'longer than the stored summary');
      const sent = await t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' })
        .send('SendMail', cm('SendMail', [cm('ClientId', 'numbers-1'), cm('MIME', sentMime)]));
      assert.equal(sent.status, 200);
      // … and by SMTP from elsewhere: the same structure, a reply in the same thread.
      smtpMime = await message({
        from: '"Carol Outside" <carol@elsewhere.example>', subject: 'Re: Quarterly numbers', messageId: '<reply-1@elsewhere.example>',
        inReplyTo: '<numbers-1@example.com>', references: ['<numbers-1@example.com>'],
      });
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
      await transport.sendMail({ envelope: { from: 'carol@elsewhere.example', to: ['bob@example.com'] }, raw: smtpMime });
      await transport.sendMail({ envelope: { from: 'juergen@elsewhere.example', to: ['bob@example.com'] }, raw: latin1Message() });
      await transport.sendMail({ envelope: { from: 'alice@example.com', to: ['bob@example.com'] }, raw: signedMessage() });
      await transport.sendMail({ envelope: { from: 'alice@example.com', to: ['bob@example.com'] }, raw: await message({ subject: 'Plain only', html: undefined, attachments: false, messageId: '<plain@example.com>' }) });
      transport.close();
      const bob = (await t.store.findUserByEmail('bob@example.com'))!;
      const inbox = (await t.store.listFolders(bob.id)).find(f => f.type === FolderType.Inbox)!;
      const contents = await Promise.all((await t.store.liveItemIds(inbox.id)).map(id => t.store.getItemContent(bob.id, id)));
      for (const sent of [smtpMime, latin1Message(), signedMessage()]) {
        const kept = contents.find(c => c && c.length > sent.length && c.subarray(c.length - sent.length).equals(sent));
        assert.match(kept?.subarray(0, kept.length - sent.length).toString() ?? '', /^(Received-SPF: [^\r]*\r\n)?Authentication-Results: mx\.example\.com;/);
        asStored.set(sent, kept!);
      }
      smtpMime = asStored.get(smtpMime)!;
    });
    after(async () => {
      await smtp.close();
      await t.close();
    });

    it('MS-ASEMAIL: a filed message keeps sender name, Reply-To, Importance, native body type, attachments and its conversation', async () => {
      for (const subject of ['Quarterly numbers', 'Re: Quarterly numbers']) {
        const item = await stored(subject);
        assert.equal(value(item.props, 'Email:Importance'), '2');
        assert.equal(value(item.props, 'Email:ReplyTo'), '"Alice at home" <alice@home.example>');
        assert.equal(value(item.props, 'Email:To'), '"Bob Builder" <bob@example.com>');
        assert.equal(value(item.props, 'Email:DisplayTo'), 'Bob Builder');
        assert.equal(value(item.props, 'Email:ThreadTopic'), 'Quarterly numbers');
        assert.equal(value(item.props, 'AirSyncBase:NativeBodyType'), '2');
        const list = nodes(item.props, 'AirSyncBase:Attachments').map(a => a[1] as ItemProps);
        assert.deepEqual(list.map(a => [value(a, 'AirSyncBase:DisplayName'), value(a, 'AirSyncBase:EstimatedDataSize'), value(a, 'AirSyncBase:IsInline'), value(a, 'AirSyncBase:ContentId')]).sort(),
          [['chart.png', String(PNG.length), '1', 'chart@example.com'], ['numbers.pdf', String(PDF.length), undefined, undefined]]);
      }
      // SendMail names the sender by its account; SMTP mail by its From header's display name.
      assert.equal(value((await stored('Quarterly numbers')).props, 'Email:From'), '"alice" <alice@example.com>');
      assert.equal(value((await stored('Re: Quarterly numbers')).props, 'Email:From'), '"Carol Outside" <carol@elsewhere.example>');
      // MS-ASEMAIL 2.2.2.21: the reply lands in its original's conversation; another thread does not.
      const ids = await Promise.all(['Quarterly numbers', 'Re: Quarterly numbers', 'Plain only'].map(async s => value((await stored(s)).props, 'Email2:ConversationId')));
      assert.equal(Buffer.from(ids[0]!, 'base64').length, 16);
      assert.equal(ids[0], ids[1]);
      assert.notEqual(ids[0], ids[2]);
      // MS-ASCON 2.2.2.4: the reply's index is one response level longer.
      const index = async (s: string) => Buffer.from(value((await stored(s)).props, 'Email2:ConversationIndex')!, 'base64').length;
      assert.deepEqual([await index('Quarterly numbers'), await index('Re: Quarterly numbers')], [5, 10]);
      assert.equal(value((await stored('Signed')).props, 'Email:MessageClass'), 'IPM.Note.SMIME.MultipartSigned');
    });

    it('16.1: HTML whole (Type 2), NativeBodyType, attachments with FileReference, ConversationId as opaque bytes', async () => {
      const items = await syncInbox('16.1', [pref({ type: 2 })]);
      const props = items.get('Quarterly numbers')!;
      const b = body(props);
      assert.equal(value(b, 'AirSyncBase:Type'), '2');
      assert.equal(value(b, 'AirSyncBase:Data'), (await PostalMime.parse(sentMime)).html);
      assert.equal(value(b, 'AirSyncBase:Truncated'), undefined);
      assert.equal(value(props, 'AirSyncBase:NativeBodyType'), '2');
      const item = await stored('Quarterly numbers');
      const refs = nodes(props, 'AirSyncBase:Attachments').map(a => value(a[1] as ItemProps, 'AirSyncBase:FileReference'));
      assert.deepEqual(refs, [`${item.folderId}:${item.id}:0`, `${item.folderId}:${item.id}:1`]);
      assert.ok(nodes(props, 'AirSyncBase:Attachments').every(a => !(a[1] as ItemProps).some(p => p[0] === 'AirSyncBase:ContentType')), 'ContentType stays on the server');
      const conversation = props.find(p => p[0] === 'Email2:ConversationId')![1];
      assert.ok(typeof conversation === 'object' && !Array.isArray(conversation), 'ConversationId travels as OPAQUE');
      // A plain-text message asked for as HTML is converted; its native type says so.
      const plain = items.get('Plain only')!;
      assert.equal(value(body(plain), 'AirSyncBase:Type'), '2');
      assert.match(value(body(plain), 'AirSyncBase:Data')!, /^<html>.*Hello Bob,<br>/s);
      assert.equal(value(plain, 'AirSyncBase:NativeBodyType'), '1');
    });

    it('14.1: Type 1 cut at TruncationSize with EstimatedDataSize of the whole text, Truncated, and a Preview', async () => {
      const items = await syncInbox('14.1', [pref({ type: 1, truncationSize: 100, preview: 40 })]);
      const b = body(items.get('Quarterly numbers'));
      assert.equal(value(b, 'AirSyncBase:Type'), '1');
      assert.equal(value(b, 'AirSyncBase:Truncated'), '1');
      assert.equal(value(b, 'AirSyncBase:EstimatedDataSize'), String(Buffer.byteLength(plain)));
      const data = value(b, 'AirSyncBase:Data')!;
      assert.ok(Buffer.byteLength(data) <= 100 && plain.startsWith(data) && data.length > 90, data);
      assert.equal(value(b, 'AirSyncBase:Preview'), 'Hello Bob, The quarterly numbers are in,', '40 characters, whitespace folded');
      // A small message is not truncated, and its EstimatedDataSize is its size.
      const whole = body(items.get('Signed'));
      assert.deepEqual([value(whole, 'AirSyncBase:Data'), value(whole, 'AirSyncBase:Truncated'), value(whole, 'AirSyncBase:EstimatedDataSize')], ['Signed text.\n', undefined, '13']);
    });

    it('Type 1 of an HTML-only message is converted from the HTML, truncated or whole', async () => {
      const mime = await message({ subject: 'HTML only', text: undefined, attachments: false, messageId: '<html-only@example.com>' });
      const res = await t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' }).send('SendMail', cm('SendMail', [cm('ClientId', 'html-only'), cm('MIME', mime)]));
      assert.equal(res.status, 200);
      const [cut, whole] = [await syncInbox('14.1', [pref({ type: 1, truncationSize: 50 })]), await syncInbox('14.1', [pref({ type: 1 })])];
      const full = value(body(whole.get('HTML only')), 'AirSyncBase:Data')!;
      assert.match(full, /^Hello Bob,\n\nThe quarterly numbers/);
      assert.ok(!full.includes('<'), 'no markup');
      assert.ok(full.includes('Alice — ünïcödé ✓'));
      assert.equal(value(body(cut.get('HTML only')), 'AirSyncBase:EstimatedDataSize'), String(Buffer.byteLength(full)));
      assert.ok(full.startsWith(value(body(cut.get('HTML only')), 'AirSyncBase:Data')!));
    });

    it('12.1: no Preview, no Email2 elements; plain text past the stored 2 KB summary is converted again from the HTML', async () => {
      const items = await syncInbox('12.1', [pref({ type: 1, truncationSize: 2500, preview: 100 })]);
      const props = items.get('Quarterly numbers')!;
      assert.equal(value(body(props), 'AirSyncBase:Preview'), undefined);
      assert.ok(!props.some(p => p[0].startsWith('Email2:')));
      const data = value(body(props), 'AirSyncBase:Data')!;
      assert.ok(Buffer.byteLength(data) <= 2500 && Buffer.byteLength(data) > 2400, 'past the 2 KB summary');
      assert.ok(plain.startsWith(data));
      const whole = await syncInbox('12.1', [pref({ type: 1 })]);
      assert.equal(value(body(whole.get('Quarterly numbers')), 'AirSyncBase:Data'), plain);
    });

    it('MS-ASAIRS 2.2.2.3.2 AllOrNone: a type that would be cut gives way to the next; alone, it comes without Data', async () => {
      const next = await syncInbox('14.1', [pref({ type: 2, truncationSize: 200, allOrNone: true }), pref({ type: 1, truncationSize: 100_000, allOrNone: true })]);
      assert.equal(value(body(next.get('Quarterly numbers')), 'AirSyncBase:Type'), '1');
      assert.equal(value(body(next.get('Quarterly numbers')), 'AirSyncBase:Data'), plain);
      // Without AllOrNone in the way, a body's own type comes first (MS-ASAIRS 2.2.2.3.2).
      assert.equal(value(body(next.get('Signed')), 'AirSyncBase:Type'), '1');
      const alone = body((await syncInbox('14.1', [pref({ type: 2, truncationSize: 200, allOrNone: true })])).get('Quarterly numbers'));
      assert.deepEqual([value(alone, 'AirSyncBase:Type'), value(alone, 'AirSyncBase:Truncated'), value(alone, 'AirSyncBase:Data')], ['2', '1', undefined]);
      assert.ok(Number(value(alone, 'AirSyncBase:EstimatedDataSize')) > 200);
    });

    it('MS-ASCMD 2.2.3.110 MIMESupport: 0 never MIME, 1 only S/MIME, 2 the message as it arrived', async () => {
      const options = (mime: number) => [as('MIMESupport', mime), pref({ type: 4 }), pref({ type: 2 })];
      const never = await syncInbox('14.1', options(0));
      assert.equal(value(body(never.get('Quarterly numbers')), 'AirSyncBase:Type'), '2');
      assert.equal(value(body(never.get('Signed')), 'AirSyncBase:Type'), '2');
      const smime = await syncInbox('14.1', options(1));
      assert.equal(value(body(smime.get('Quarterly numbers')), 'AirSyncBase:Type'), '2');
      assert.equal(value(body(smime.get('Signed')), 'AirSyncBase:Type'), '4');
      assert.equal(value(body(smime.get('Signed')), 'AirSyncBase:Data'), [...asStored].find(([sent]) => sent.equals(signedMessage()))![1].toString('utf8'));
      const always = await syncInbox('16.1', options(2));
      assert.equal(value(body(always.get('Quarterly numbers')), 'AirSyncBase:Type'), '4');
      assert.equal(value(body(always.get('Re: Quarterly numbers')), 'AirSyncBase:Data'), smtpMime.toString('utf8'));
      // Only MIME asked for while MIMESupport says no: plain text rather than nothing.
      const refused = await syncInbox('14.1', [as('MIMESupport', 0), pref({ type: 4 })]);
      assert.equal(value(body(refused.get('Quarterly numbers')), 'AirSyncBase:Type'), '1');
      // Truncated MIME says how big the whole message is.
      const cut = body((await syncInbox('14.1', [as('MIMESupport', 2), pref({ type: 4, truncationSize: 1000 })])).get('Re: Quarterly numbers'));
      assert.deepEqual([value(cut, 'AirSyncBase:Truncated'), value(cut, 'AirSyncBase:EstimatedDataSize')], ['1', String(smtpMime.length)]);
      assert.equal(value(cut, 'AirSyncBase:Data'), smtpMime.subarray(0, 1000).toString('utf8'));
    });

    it('MIME that is not UTF-8 reaches the device unchanged, as OPAQUE bytes', async () => {
      const items = await syncInbox('14.1', [as('MIMESupport', 2), pref({ type: 4 })]);
      const data = body(items.get('Grüße aus Köln')).find(p => p[0] === 'AirSyncBase:Data')![1];
      assert.ok(typeof data === 'object' && !Array.isArray(data), 'OPAQUE');
      assert.deepEqual(Buffer.from(data.b64, 'base64'), [...asStored].find(([sent]) => sent.equals(latin1Message()))![1]);
      // As text it is decoded, not mangled.
      const text = await syncInbox('14.1', [pref({ type: 1 })]);
      assert.equal(value(body(text.get('Grüße aus Köln')), 'AirSyncBase:Data')!.trim(), 'Grüße, schöne Äpfel und Öl.');
    });

    it('2.5: Email:Body with Truncation codes, Email:Attachments with AttName; MIMEData with MIMETruncation', async () => {
      const items = await syncInbox('2.5', [as('Truncation', 1)]);
      const props = items.get('Quarterly numbers')!;
      assert.ok(!props.some(p => p[0].startsWith('AirSyncBase:') || p[0].startsWith('Email2:')), 'no 12.0+ elements');
      assert.equal(value(props, 'Email:BodyTruncated'), '1');
      assert.equal(value(props, 'Email:BodySize'), String(Buffer.byteLength(plain)));
      assert.ok(Buffer.byteLength(value(props, 'Email:Body')!) <= 512 && plain.startsWith(value(props, 'Email:Body')!));
      const item = await stored('Quarterly numbers');
      const atts = nodes(props, 'Email:Attachments').map(a => a[1] as ItemProps);
      const order = nodes(item.props, 'AirSyncBase:Attachments').map(a => value(a[1] as ItemProps, 'AirSyncBase:DisplayName'));
      const size: Record<string, number> = { 'numbers.pdf': PDF.length, 'chart.png': PNG.length };
      assert.deepEqual(atts.map(a => [value(a, 'Email:DisplayName'), value(a, 'Email:AttSize'), value(a, 'Email:AttMethod'), value(a, 'Email:AttName')]),
        order.map((name, i) => [name, String(size[name!]), '1', `${item.folderId}:${item.id}:${i}`]));
      const whole = await syncInbox('2.5', [as('Truncation', 9)]);
      assert.equal(value(whole.get('Quarterly numbers'), 'Email:BodyTruncated'), '0');
      const mime = (await syncInbox('2.5', [as('MIMESupport', 2), as('MIMETruncation', 1)])).get('Re: Quarterly numbers')!;
      assert.deepEqual([value(mime, 'Email:MIMETruncated'), value(mime, 'Email:MIMESize')], ['1', String(smtpMime.length)]);
      assert.equal(value(mime, 'Email:MIMEData'), smtpMime.subarray(0, 4096).toString('utf8'));
      assert.equal(value(mime, 'Email:Body'), undefined);
    });

    it('hostile Options (unknown types, negative sizes, codes out of range) give sane bodies, never a failure', async () => {
      const odd = await syncInbox('14.1', [as('MIMESupport', 7), as('MIMETruncation', 77),
        pref({ type: 99, truncationSize: -5, preview: -3 }), pref({ type: 3, truncationSize: 10, allOrNone: true })]);
      const b = body(odd.get('Quarterly numbers'));
      assert.equal(value(b, 'AirSyncBase:Type'), '1', 'neither 99 nor RTF is produced: plain text');
      assert.equal(value(b, 'AirSyncBase:Data'), '');
      assert.equal(value(b, 'AirSyncBase:Preview'), undefined);
      const legacy = await syncInbox('2.5', [as('Truncation', -1), as('MIMESupport', 9)]);
      assert.equal(value(legacy.get('Quarterly numbers'), 'Email:BodyTruncated'), '0');
      const huge = await syncInbox('16.1', [pref({ type: 2, truncationSize: 999_999_999, preview: 100_000 })]);
      assert.equal([...value(body(huge.get('Quarterly numbers')), 'AirSyncBase:Preview')!].length, 255, 'Preview is at most 255 characters');
    });

    it('Sync Fetch (MS-ASCMD 2.2.3.67.2) sends the body whole, in the collection\'s type', async () => {
      const m = new CollectionMirror(device('14.1'), await inbox());
      const options = [pref({ type: 1, truncationSize: 20 })];
      await m.sync([], { options });
      await m.syncAll({ options });
      const item = await stored('Quarterly numbers');
      const r = await m.sync([{ kind: 'Fetch', serverId: `${item.folderId}:${item.id}` }], { getChanges: false });
      const b = body(r.statuses[0].data);
      assert.deepEqual([value(b, 'AirSyncBase:Type'), value(b, 'AirSyncBase:Truncated'), value(b, 'AirSyncBase:Data')], ['1', undefined, plain]);
    });

    it('MS-ASEMAIL: Read and Flag from one device reach another; other properties are ignored; the message survives', async () => {
      const options = [as('MIMESupport', 2), pref({ type: 4 })];
      const [phone, tablet] = [new CollectionMirror(device('16.1'), await inbox()), new CollectionMirror(device('14.1'), await inbox())];
      for (const m of [phone, tablet]) { await m.sync([], { options }); await m.syncAll({ options }); }
      const item = await stored('Re: Quarterly numbers');
      const serverId = `${item.folderId}:${item.id}`;
      const flag: ItemProps[number] = ['Email:Flag', [['Email:FlagStatus', '2'], ['Email:FlagType', 'Follow up'], ['Tasks:StartDate', '2026-03-04T00:00:00.000Z'], ['Tasks:DueDate', '2026-03-05T00:00:00.000Z']]];
      const r = await phone.sync([{ kind: 'Change', serverId, props: [['Email:Read', '1'], flag, ['Email:Subject', 'Hijacked'], ['Email:Importance', '0']] }], { options });
      assert.equal(r.statuses.length, 0, 'a successful Change is acknowledged by silence');
      await tablet.syncAll({ options });
      const seen = tablet.items.get(serverId)!;
      assert.equal(value(seen, 'Email:Read'), '1');
      assert.deepEqual(seen.find(p => p[0] === 'Email:Flag')![1], flag[1]);
      assert.equal(value(seen, 'Email:Subject'), 'Re: Quarterly numbers');
      assert.equal(value(seen, 'Email:Importance'), '2');
      assert.equal(value(body(seen), 'AirSyncBase:Data'), smtpMime.toString('utf8'), 'the stored message is still there');
      // Clearing the flag: an empty Flag element.
      await tablet.sync([{ kind: 'Change', serverId, props: [['Email:Flag', '']] }], { options });
      await phone.syncAll({ options });
      assert.equal(value(phone.items.get(serverId), 'Email:Flag'), '');
      // MS-ASEMAIL 2.2.2.21: a client must not change ConversationId (Status 6).
      const bad = await phone.sync([{ kind: 'Change', serverId, props: [['Email2:ConversationId', { b64: Buffer.alloc(16).toString('base64') }]] }], { options });
      assert.equal(bad.statuses[0]?.status, 6);
    });

    it('MS-ASEMAIL 2.2.2.14, 2.2.2.34, 2.2.2.44: Flag (12.0+), Categories and LastVerbExecuted (14.0+) are changed only by versions that have them', async () => {
      const mirror = async (version: string, options: Element[]) => {
        const m = new CollectionMirror(device(version), await inbox());
        await m.sync([], { options });
        await m.syncAll({ options });
        return m;
      };
      const modern = [pref({ type: 1 })];
      const legacyOptions = [as('Truncation', 1)];
      const [v25, v121, v141, v161] = [await mirror('2.5', legacyOptions), await mirror('12.1', modern), await mirror('14.1', modern), await mirror('16.1', modern)];
      const item = await stored('Plain only');
      const serverId = `${item.folderId}:${item.id}`;
      const categories: ItemProps[number] = ['Email:Categories', [['Email:Category', 'Travel']]];
      const flag: ItemProps[number] = ['Email:Flag', [['Email:FlagStatus', '2'], ['Email:FlagType', 'Follow up']]];
      const verb: ItemProps = [['Email2:LastVerbExecuted', '1'], ['Email2:LastVerbExecutionTime', '2026-03-04T10:00:00.000Z']];
      // A 12.1 Change carrying 14.0's elements, and a 2.5 one carrying 12.0's Flag: those elements are ignored.
      const r121 = await v121.sync([{ kind: 'Change', serverId, props: [['Email:Read', '1'], categories] }], { options: modern });
      assert.equal(r121.statuses.length, 0);
      await v25.syncAll({ options: legacyOptions });
      const r25 = await v25.sync([{ kind: 'Change', serverId, props: [flag] }], { options: legacyOptions });
      assert.deepEqual(r25.statuses.map(s => [s.kind, s.status]), []);
      await v161.syncAll({ options: modern });
      let seen = v161.items.get(serverId)!;
      assert.equal(value(seen, 'Email:Read'), '1', 'Read is every version\'s');
      assert.equal(seen.find(p => p[0] === 'Email:Categories'), undefined, '12.1 has no Categories');
      assert.equal(seen.find(p => p[0] === 'Email:Flag'), undefined, '2.5 has no Flag');
      // The same elements from 14.1 reach 16.1; 12.1 is sent Flag but not Categories (MS-ASEMAIL 2.2.2.14).
      await v141.syncAll({ options: modern });
      const r141 = await v141.sync([{ kind: 'Change', serverId, props: [categories, flag, ...verb] }], { options: modern });
      assert.deepEqual(r141.statuses.map(s => s.status), []);
      await v161.syncAll({ options: modern });
      seen = v161.items.get(serverId)!;
      assert.deepEqual(seen.find(p => p[0] === 'Email:Categories')![1], categories[1]);
      assert.deepEqual(seen.find(p => p[0] === 'Email:Flag')![1], flag[1]);
      assert.equal(value(seen, 'Email2:LastVerbExecuted'), '1');
      assert.equal(value(seen, 'Email:Read'), '1', 'a Change without Read keeps it: no ghosting on email');
      await v121.syncAll({ options: modern });
      const old = v121.items.get(serverId)!;
      assert.deepEqual(old.find(p => p[0] === 'Email:Flag')![1], flag[1]);
      assert.equal(old.find(p => p[0] === 'Email:Categories'), undefined);
      assert.equal(old.find(p => p[0] === 'Email2:LastVerbExecuted'), undefined);
      assert.ok(!old.some(p => p[0].startsWith('Email2:')), 'the Email2 code page is 14.0\'s: nothing of it goes to 12.1');
    });
  });
}
