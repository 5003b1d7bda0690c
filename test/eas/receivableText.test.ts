// docs/reliability.md, "Strings a device can receive": a NUL (or another character outside XML 1.0's
// Char) anywhere in a message, a meeting, a device's item or an item an older version stored never
// breaks a folder. Mail arrives over real SMTP on loopback; devices are real EAS clients over HTTP.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { eventFilterTime } from '../../src/calendar/window.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { repairStoredText, TEXT_REPAIR } from '../../src/sync/textRepair.js';
import { FolderType, type Item } from '../../src/store/types.js';
import { isReceivable, isReceivableDeep, tags, type Element } from '../../src/wbxml/index.js';
import { contact, email, propText } from '../helpers/items.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const io = tags('ItemOperations');
const sr = tags('Search');
const con = tags('Contacts');
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');

/** Every string in the decoded response; bytes (OPAQUE) may carry anything. */
function strings(el: Element | undefined): string[] {
  if (!el) return [];
  if (typeof el.content === 'string') return [el.content];
  return el.children.flatMap(strings);
}

function assertReceivable(el: Element | undefined, what: string): void {
  for (const s of strings(el)) assert.ok(isReceivable(s), `${what}: ${JSON.stringify(s)}`);
}

function mime(headers: string[], body: string | Buffer): Buffer {
  return Buffer.concat([Buffer.from([...headers, 'MIME-Version: 1.0', '', ''].join('\r\n'), 'utf8'), Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), Buffer.from('\r\n')]);
}

const FROM = ['From: "Eve\0 Outside" <eve@elsewhere.example>', 'To: "Bob\0" <bob@example.com>', 'Date: Mon, 5 Jan 2026 10:00:00 +0000'];
const ics = (summary: string, location: string) => [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//elsewhere//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT',
  `UID:nul-${summary.length}-${location.length}@elsewhere.example`, `DTSTAMP:${stamp(Date.now())}`, `DTSTART:${stamp(START)}`, `DTEND:${stamp(START + HOUR)}`,
  `SUMMARY:${summary}`, `LOCATION:${location}`, 'ORGANIZER;CN=Eve:mailto:eve@elsewhere.example',
  'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
const meeting = (subject: string, text: string) => mime(
  ['From: eve@elsewhere.example', 'To: bob@example.com', `Subject: ${subject}`, 'Content-Type: text/calendar; method=REQUEST; charset=utf-8'], text);

/** One message for each place a NUL can hide in mail (the brief of issue 10, item 2). */
const MESSAGES: Record<string, Buffer> = {
  'raw body': mime([...FROM, 'Subject: raw body', 'Content-Type: text/plain; charset=utf-8'], 'Hello\0World \x01\x0B\uFFFF'),
  'Subject': mime([...FROM, 'Subject: Sub\0ject', 'Content-Type: text/plain'], 'x'),
  'encoded word': mime([...FROM, 'Subject: =?utf-8?Q?encoded=00word?=', 'Content-Type: text/plain'], 'x'),
  'quoted-printable': mime([...FROM, 'Subject: quoted-printable', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: quoted-printable'], 'a=00b=01c'),
  'base64 HTML': mime([...FROM, 'Subject: base64 HTML', 'Content-Type: text/html; charset=utf-8', 'Content-Transfer-Encoding: base64'],
    Buffer.from('<p>a\0b &#1; &#0; c</p>').toString('base64')),
  'attachment name': mime([...FROM, 'Subject: attachment name', 'Content-Type: multipart/mixed; boundary="b"'], [
    '--b', 'Content-Type: text/plain', '', 'see attached', '--b', 'Content-Type: text/plain; name="a\0b.txt"',
    'Content-Disposition: attachment; filename*=utf-8\'\'r%00e%01port.txt', '', 'data', '--b--'].join('\r\n')),
  'meeting SUMMARY': meeting('meeting SUMMARY', ics('Plan\0ning', 'Room 1')),
  'meeting LOCATION': meeting('meeting LOCATION', ics('Review', 'Room\0 \x02 2')),
};

describe('NUL and other characters a device cannot receive, delivered by SMTP', () => {
  let t: TestServer;
  let smtp: InboundSmtp;
  let inbox: string;
  let calendar: string;

  before(async () => {
    t = await startServer({ users: ['bob@example.com'] });
    smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', log: () => {}, auth: await testWorldAuth() });
    const port = await smtp.listen(0, '127.0.0.1');
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    for (const [name, raw] of Object.entries(MESSAGES)) {
      const info = await transport.sendMail({ envelope: { from: 'eve@elsewhere.example', to: ['bob@example.com'] }, raw });
      assert.deepEqual(info.accepted, ['bob@example.com'], name);
    }
    transport.close();
    inbox = await folderId(t, 'bob@example.com', FolderType.Inbox);
    calendar = await folderId(t, 'bob@example.com', FolderType.Calendar);
  });
  after(async () => {
    await smtp.close();
    await t.close();
  });

  it('every message is filed, and stored with U+FFFD where the characters were', async () => {
    const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
    const items = await t.store.getItems(Number(inbox), await t.store.liveItemIds(Number(inbox)));
    assert.equal(items.length, Object.keys(MESSAGES).length);
    for (const item of items) assert.ok(isReceivableDeep(item.props) && isReceivableDeep(item.event), JSON.stringify(item.props));
    const subjects = items.map(i => propText(i.props, 'Email:Subject'));
    assert.ok(subjects.includes('Sub\uFFFDject') && subjects.includes('encoded\uFFFDword'), subjects.join(' | '));
    const events = (await t.store.getItems(Number(calendar), await t.store.liveItemIds(Number(calendar)))).map(i => i.event!);
    assert.deepEqual(events.map(e => e.subject).sort(), ['Plan\uFFFDning', 'Review']);
    assert.ok(events.some(e => JSON.stringify(e.location).includes('Room\uFFFD \uFFFD 2')));
    // The message as it arrived stays byte-exact, below our Authentication-Results (docs/mail-auth.md).
    const raw = items.find(i => propText(i.props, 'Email:Subject') === 'raw body')!;
    const kept = (await t.store.getItemContent(bob, raw.id))!;
    const sent = MESSAGES['raw body']!;
    assert.deepEqual(kept.subarray(kept.length - sent.length), sent);
    assert.match(kept.subarray(0, kept.length - sent.length).toString(), /^(Received-SPF: [^\r]*\r\n)?Authentication-Results: /);
  });

  for (const version of ['14.1', '16.1']) {
    it(`${version}: Inbox and Calendar sync (every body type) and every item is fetchable by ItemOperations`, async () => {
      const client = t.client('bob@example.com', { deviceId: `NUL${version.replace('.', '')}`, version });
      await new FolderHierarchyMirror(client).sync();
      for (const [collectionId, type] of [[inbox, 1], [inbox, 2], [inbox, 4], [calendar, 1]] as const) {
        const options = [as('Options', [asb('BodyPreference', [asb('Type', type)]), as('MIMESupport', 2)])];
        const m = new CollectionMirror(client, collectionId);
        await m.sync([], { options });
        for (const round of await m.syncAll({ options })) {
          assert.equal(round.status, 1, `Sync ${collectionId} type ${type}`);
          assertReceivable(round.response.body, `Sync type ${type}`);
        }
        assert.equal(m.items.size, collectionId === inbox ? Object.keys(MESSAGES).length : 2);
        for (const serverId of m.items.keys()) {
          const res = await client.send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', collectionId), as('ServerId', serverId),
            io('Options', [asb('BodyPreference', [asb('Type', type)]), as('MIMESupport', 2)])])]));
          assert.equal(res.status, 200);
          assert.equal(res.body?.child('Response')?.child('Fetch')?.childText('Status'), '1', `fetch ${serverId}`);
          assertReceivable(res.body, 'ItemOperations');
        }
      }
    });
  }

  it('MIME (Type 4) with a NUL goes out as OPAQUE bytes, exactly as it arrived', async () => {
    const client = t.client('bob@example.com', { deviceId: 'NULMIME', version: '14.1' });
    const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
    const items = await t.store.getItems(Number(inbox), await t.store.liveItemIds(Number(inbox)));
    const raw = items.find(i => propText(i.props, 'Email:Subject') === 'raw body')!;
    const res = await client.send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', inbox), as('ServerId', `${inbox}:${raw.id}`),
      io('Options', [asb('BodyPreference', [asb('Type', 4)]), as('MIMESupport', 2)])])]));
    const data = res.body?.child('Response')?.child('Fetch')?.child('Properties')?.child('Body', 'AirSyncBase')?.child('Data', 'AirSyncBase');
    assert.ok(data?.content instanceof Uint8Array, 'OPAQUE');
    assert.deepEqual(Buffer.from(data.content as Uint8Array), await t.store.getItemContent(bob, raw.id));
  });
});

for (const backend of BACKENDS) {
  describe(`stored items an older version kept with a NUL (${backend.name})`, () => {
    let t: TestServer;
    let bob: number;
    let ids: { inbox: number; calendar: number; contacts: number };
    const bad: Item[] = [];

    before(async () => {
      t = await startServer({ users: ['bob@example.com'], backend });
      bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const folders = await t.store.listFolders(bob);
      const of = (type: number) => folders.find(f => f.type === type)!.id;
      ids = { inbox: of(FolderType.Inbox), calendar: of(FolderType.Calendar), contacts: of(FolderType.Contacts) };
      // As an old store holds them: written past every door, straight into the store. (Not in the
      // UID: PostgreSQL refuses a NUL in a text column, so no old store there can hold one.)
      const event: CalendarEvent = { uid: 'old-uid', start: START, end: START + HOUR, allDay: false, timeZone: 'UTC', subject: 'Old\0 meeting', sequence: 0,
        location: { displayName: 'Basement\x01' } } as CalendarEvent;
      bad.push((await t.store.addItem(bob, ids.inbox, { class: 'Email', props: email('old\0subject', new Date(), [['Email:From', '"X\0" <x@elsewhere.example>']]) }))!);
      bad.push((await t.store.addItem(bob, ids.calendar, { class: 'Calendar', props: [], event, filterTime: eventFilterTime(event) }))!);
      bad.push((await t.store.addItem(bob, ids.contacts, { class: 'Contacts', props: contact('Null\0 Person', [['Contacts:Email1Address', 'n\uD800@x.example']]) }))!);
      await t.store.addItem(bob, ids.inbox, { class: 'Email', props: email('a good one') });
    });
    after(() => t.close());

    it('Sync (14.1, 16.1) sends them sanitised; the repair rewrites them once, with a Change for devices that hold them', async () => {
      const mirrors: CollectionMirror[] = [];
      for (const version of ['14.1', '16.1']) {
        const client = t.client('bob@example.com', { deviceId: `OLD${version.replace('.', '')}`, version });
        await new FolderHierarchyMirror(client).sync();
        for (const id of Object.values(ids)) {
          const m = new CollectionMirror(client, String(id));
          await m.sync();
          for (const round of await m.syncAll()) {
            assert.equal(round.status, 1);
            assertReceivable(round.response.body, `${version} ${id}`);
          }
          mirrors.push(m);
        }
      }
      const inboxMirror = mirrors[0]!;
      assert.equal(propText(inboxMirror.items.get(`${ids.inbox}:${bad[0]!.id}`), 'Email:Subject'), 'old\uFFFDsubject');
      assert.equal(inboxMirror.items.size, 2);

      // Search finds and shows it sanitised too.
      const found = await t.client('bob@example.com', { deviceId: 'OLDSEARCH' }).send('Search', sr('Search', [sr('Store', [sr('Name', 'Mailbox'),
        sr('Query', [sr('And', [as('Class', 'Email'), as('CollectionId', String(ids.inbox)), sr('FreeText', 'old')])])])]));
      assert.equal(found.status, 200);
      const store = found.body?.child('Response')?.child('Store');
      assert.equal(store?.childText('Status'), '1');
      assert.deepEqual(store?.all('Result').map(r => r.child('Properties')?.childText('Subject', 'Email')), ['old\uFFFDsubject']);
      assertReceivable(found.body, 'Search');

      const before = await Promise.all(bad.map(i => t.store.getItem(bob, i.id)));
      const first = await repairStoredText(t.store);
      assert.deepEqual(first, { ran: true, repaired: 3 });
      for (const [i, item] of bad.entries()) {
        const now = (await t.store.getItem(bob, item.id))!;
        assert.ok(isReceivableDeep(now.props) && isReceivableDeep(now.event));
        assert.ok(now.modseq > before[i]!.modseq, 'a new modseq, so devices get a Change');
      }
      assert.equal((await t.store.getItem(bob, bad[1]!.id))!.event!.subject, 'Old\uFFFD meeting');
      assert.equal(await t.store.maintenanceDone(TEXT_REPAIR), true);
      // Done: the next start looks at nothing.
      assert.deepEqual(await repairStoredText(t.store), { ran: false, repaired: 0 });
      assert.deepEqual(await repairStoredText(t.store, { force: true }), { ran: true, repaired: 0 });
      for (const m of mirrors) {
        const rounds = await m.syncAll();
        const changes = rounds.flatMap(r => r.collection?.child('Commands')?.all('Change') ?? []);
        assert.equal(changes.length, 1, `one Change in ${m.collectionId}`);
      }
    });
  });
}

describe('devices and render failures', () => {
  let t: TestServer;
  let bob: number;
  before(async () => {
    t = await startServer({ users: ['bob@example.com'] });
    bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
  });
  after(() => t.close());

  it('Sync Add with control characters (STR_I) and a NUL (OPAQUE) is stored clean; another device syncs it', async () => {
    const contacts = await folderId(t, 'bob@example.com', FolderType.Contacts);
    const calendar = await folderId(t, 'bob@example.com', FolderType.Calendar);
    const adder = t.client('bob@example.com', { deviceId: 'ADDER' });
    const phone = new CollectionMirror(adder, contacts);
    await phone.sync();
    const added = await adder.send('Sync', as('Sync', [as('Collections', [as('Collection', [
      as('SyncKey', phone.syncKey), as('CollectionId', contacts), as('Commands', [as('Add', [as('ClientId', 'c1'), as('ApplicationData', [
        con('FileAs', 'Ctrl\x01 \x1F\uFFFE'), con('FirstName', new Uint8Array([0x4e, 0x00, 0x55])), con('LastName', 'L\uDC00ast'),
      ])])]),
    ])])]));
    assert.equal(added.body?.child('Collections')?.child('Collection')?.child('Responses')?.child('Add')?.childText('Status'), '1');
    const cal16 = new CollectionMirror(t.client('bob@example.com', { deviceId: 'ADDER16', version: '16.1' }), calendar);
    await cal16.sync();
    const r = await cal16.sync([{ kind: 'Add', clientId: 'e1', props: [['Calendar:Subject', 'Meet\x07ing'], ['Calendar:StartTime', new Date(START).toISOString()],
      ['Calendar:EndTime', new Date(START + HOUR).toISOString()], ['Calendar:Location', 'Here\x0C']] }]);
    assert.equal(r.statuses[0]?.status, 1);
    const [stored] = await t.store.getItems(Number(contacts), await t.store.liveItemIds(Number(contacts)));
    assert.equal(propText(stored!.props, 'Contacts:FileAs'), 'Ctrl\uFFFD \uFFFD\uFFFD');
    assert.equal(propText(stored!.props, 'Contacts:LastName'), 'L\uFFFDast');
    const [event] = await t.store.getItems(Number(calendar), await t.store.liveItemIds(Number(calendar)));
    assert.equal(event!.event!.subject, 'Meet\uFFFDing');
    for (const [id, n] of [[contacts, 1], [calendar, 1]] as const) {
      const other = new CollectionMirror(t.client('bob@example.com', { deviceId: 'READER' }), id);
      await other.sync();
      for (const round of await other.syncAll()) {
        assert.equal(round.status, 1);
        assertReceivable(round.response.body, `reader ${id}`);
      }
      assert.equal(other.items.size, n);
    }
  });

  it('an item that fails to render is left out of Sync (not held, logged), Status 14 in ItemOperations; it comes once it changes', async () => {
    const calendar = Number(await folderId(t, 'bob@example.com', FolderType.Calendar));
    const good: CalendarEvent = { uid: 'fine', start: START, end: START + HOUR, allDay: false, timeZone: 'UTC', subject: 'Fine', sequence: 0 };
    const broken: CalendarEvent = { ...good, uid: 'broken', subject: 'Broken', timeZone: 'Nowhere/Land' };
    const b = (await t.store.addItem(bob, calendar, { class: 'Calendar', props: [], event: broken, filterTime: eventFilterTime(good) }))!;
    await t.store.addItem(bob, calendar, { class: 'Calendar', props: [], event: good, filterTime: eventFilterTime(good) });
    const client = t.client('bob@example.com', { deviceId: 'BROKEN' });
    const m = new CollectionMirror(client, String(calendar));
    await m.sync();
    for (const round of await m.syncAll()) assert.equal(round.status, 1);
    const subjects = () => [...m.items.values()].map(p => propText(p, 'Calendar:Subject'));
    assert.ok(subjects().includes('Fine') && !subjects().includes('Broken'), subjects().join());
    const device = (await t.store.listDevices(bob)).find(d => d.deviceId === 'BROKEN')!;
    assert.equal((await t.store.heldVersions(device.id, calendar, [b.id])).has(b.id), false);
    // Not offered again while it stays as it is: the next Sync is empty.
    const again = await m.sync();
    assert.ok(again.empty, 'no retry loop');
    const fetched = await client.send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', String(calendar)), as('ServerId', `${calendar}:${b.id}`)]),
      io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', String(calendar)), as('ServerId', `${calendar}:${b.id + 1}`)])]));
    assert.deepEqual(fetched.body?.child('Response')?.all('Fetch').map(f => f.childText('Status')), ['14', '1']);
    await t.store.updateItem(bob, b.id, { props: [], event: { ...broken, timeZone: 'Europe/Berlin' }, filterTime: eventFilterTime(good) });
    await m.syncAll();
    assert.ok(subjects().includes('Broken'));
  });
});
