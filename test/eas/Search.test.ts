// MS-ASCMD 2.2.1.16 Search over real HTTP and WBXML, on both store engines: the directory (GAL) by
// ANR prefix with Range and Total, the mailbox by text, folder, class, date and conversation with
// results ItemOperations can fetch, and every Store Status Convene answers with.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EasClient } from '../../src/client/EasClient.js';
import { resolveLongId } from '../../src/search/longId.js';
import { FolderType, type Folder, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email, event } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const s = tags('Search');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const em = tags('Email');
const io = tags('ItemOperations');

const galQuery = (text: string, options?: Element[]): Element =>
  s('Search', [s('Store', [s('Name', 'GAL'), s('Query', text), options && s('Options', options)])]);
const mailQuery = (and: (Element | false)[], options?: Element[]): Element =>
  s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('And', and)]), options && s('Options', options)])]);
const received = (op: 'GreaterThan' | 'LessThan', iso: string): Element => s(op, [em('DateReceived'), s('Value', iso)]);

interface StoreAnswer { status: string | undefined; results: Element[]; range: string | undefined; total: string | undefined }

for (const backend of BACKENDS) {
  describe(`Search (${backend.name.replace("Backend", "")})`, () => {
    let t: TestServer;
    let alice: number;
    let folders: Folder[];
    const folder = (type: number) => folders.find(f => f.type === type)!;
    let n = 0;
    const phone = (version = '14.1'): EasClient => t.client('alice@example.com', { deviceId: `SRCH${++n}`, version });
    const send = async (tree: Element, client = phone()): Promise<StoreAnswer> => {
      const res = await client.send('Search', tree);
      assert.equal(res.status, 200);
      assert.equal(res.body?.childText('Status'), '1');
      const store = res.body!.child('Response')!.child('Store')!;
      return { status: store.childText('Status'), results: store.all('Result'), range: store.childText('Range'), total: store.childText('Total') };
    };
    const gal = (r: Element, name: string) => r.child('Properties')!.childText(name, 'GAL');
    const subjects = (a: StoreAnswer) => a.results.map(r => r.child('Properties')?.childText('Subject', 'Email'));
    /** A mail item received at `at`; `own` replaces the helper's properties of the same names. */
    const mail = async (folderId: number, subject: string, at: string, own: ItemProps = []): Promise<number> => {
      const props = [...email(subject, new Date(at)).filter(p => !own.some(o => o[0] === p[0])), ...own];
      return (await t.store.addItem(alice, folderId, { class: 'Email', props, filterTime: Date.parse(at) }))!.id;
    };

    before(async () => {
      const users = ['alice@example.com', 'bob@example.com', 'bobby@example.com', 'carol@example.com', 'emile@example.fr', 'jl@example.com'];
      t = await startServer({ backend, users });
      const names: Record<string, string> = {
        'alice@example.com': 'Alice Example', 'bob@example.com': 'Bob Builder', 'bobby@example.com': 'Bobby Tables',
        'carol@example.com': 'Carol Ann Jones', 'emile@example.fr': 'Émile Zola', 'jl@example.com': 'James Littlejohn',
      };
      for (const [address, name] of Object.entries(names)) await t.store.setDisplayName((await t.store.findUserByEmail(address))!.id, name);
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folders = await t.store.listFolders(alice);
      const inbox = folder(FolderType.Inbox).id;
      const archive = (await t.store.createFolder(alice, { parentId: inbox, displayName: 'Archive', type: FolderType.UserMail })).id;
      folders = await t.store.listFolders(alice);
      await mail(inbox, 'Invoice 1001', '2025-03-01T09:00:00Z');
      await mail(inbox, 'Invoice 1002 reminder', '2025-04-01T09:00:00Z');
      await mail(archive, 'Old invoice 0999', '2024-12-01T09:00:00Z');
      await mail(folder(FolderType.SentItems).id, 'Re: lunch', '2025-04-02T09:00:00Z', [['Email:From', '"Carol" <carol@example.com>']]);
      await mail(inbox, 'Numbers', '2025-04-03T09:00:00Z', [['AirSyncBase:Body', [['AirSyncBase:Type', '2'],
        ['AirSyncBase:Data', '<html><body><div>The <b>quarterly</b> figures &amp; more</div></body></html>']]]]);
      await mail(inbox, '100% done_now "quoted"', '2025-04-04T09:00:00Z');
      await mail(inbox, 'Thread member', '2025-04-05T09:00:00Z', [['Email2:ConversationId', { b64: Buffer.from('conversation-1').toString('base64') }]]);
      await t.store.addItem(alice, folder(FolderType.Calendar).id, { class: 'Calendar', props: event('Invoice review') });
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      await t.store.addItem(bob, bobInbox, { class: 'Email', props: email('Invoice for Bob only'), filterTime: Date.now() });
    });
    after(() => t.close());

    // ---- GAL ------------------------------------------------------------------------------------

    it('MS-ASCMD 2.2.1.16: a GAL query is a prefix of a name or address word, answered in display-name order with Range and Total', async () => {
      const a = await send(galQuery('bob'));
      assert.equal(a.status, '1');
      assert.deepEqual(a.results.map(r => gal(r, 'DisplayName')), ['Bob Builder', 'Bobby Tables']);
      assert.deepEqual([a.range, a.total], ['0-1', '2']);
      const [bob] = a.results;
      assert.deepEqual(bob!.child('Properties')!.children.map(c => [c.name, c.text]), [
        ['DisplayName', 'Bob Builder'], ['Alias', 'bob'], ['FirstName', 'Bob'], ['LastName', 'Builder'], ['EmailAddress', 'bob@example.com'],
      ]);
    });

    it('MS-ASCMD 2.2.3.142.2: "John" finds a last name beginning with it, never one that merely contains it', async () => {
      assert.deepEqual((await send(galQuery('tab'))).results.map(r => gal(r, 'EmailAddress')), ['bobby@example.com']);
      assert.deepEqual((await send(galQuery('littlejohn'))).results.map(r => gal(r, 'EmailAddress')), ['jl@example.com']);
      const none = await send(galQuery('john'));
      assert.deepEqual([none.status, none.results.length, none.range, none.total], ['1', 0, undefined, '0']);
    });

    it('MS-ASCMD 2.2.1.16: every word must match ("Carol Jo", "Michael A."), by address too, in any case and script', async () => {
      assert.deepEqual((await send(galQuery('Carol Jo'))).results.map(r => gal(r, 'DisplayName')), ['Carol Ann Jones']);
      assert.deepEqual((await send(galQuery('carol a.'))).results.map(r => gal(r, 'DisplayName')), ['Carol Ann Jones']);
      assert.deepEqual((await send(galQuery('BOBBY@EX'))).results.map(r => gal(r, 'DisplayName')), ['Bobby Tables']);
      assert.deepEqual((await send(galQuery('émile'))).results.map(r => gal(r, 'DisplayName')), ['Émile Zola']);
      assert.deepEqual((await send(galQuery('ÉMILE zol'))).results.map(r => gal(r, 'DisplayName')), ['Émile Zola']);
    });

    it('MS-ASCMD 2.2.3.143.3: Range picks a window; past the end there is none; past the first 100 is Status 12', async () => {
      assert.deepEqual(await send(galQuery('bob', [s('Range', '1-1')])).then(a => [a.results.map(r => gal(r, 'Alias')), a.range, a.total]),
        [['bobby'], '1-1', '2']);
      assert.deepEqual(await send(galQuery('bob', [s('Range', '5-9')])).then(a => [a.results.length, a.range, a.total]), [0, undefined, '2']);
      const wide = await send(galQuery('bob', [s('Range', '0-149')]));
      assert.deepEqual([wide.status, wide.results.length, wide.range, wide.total], ['12', 2, '0-1', '2']);
      for (const bad of ['9-2', 'abc', '0-1000', '']) assert.equal((await send(galQuery('bob', [s('Range', bad)]))).status, '2', bad);
    });

    it('MS-ASCMD 2.2.3.135.3: 14.1 asks for photos and gets Status 173 (none kept); 14.0 has no gal:Picture', async () => {
      const withPicture = await send(galQuery('alice', [s('Picture', [s('MaxSize', 1000), s('MaxPictures', 2)])]));
      assert.equal(withPicture.results[0]!.child('Properties')!.child('Picture', 'GAL')!.childText('Status', 'GAL'), '173');
      const old = await send(galQuery('alice', [s('Picture')]), phone('14.0'));
      assert.equal(old.results[0]!.child('Properties')!.child('Picture', 'GAL'), undefined);
    });

    it('MS-ASCMD 6.18: a room shows in the GAL with its name as Office and its capacity in Title; people have neither', async () => {
      const room = await t.store.createUser({ email: 'zeppelin@example.com', displayName: 'Zeppelin Room', passwordHash: '!resource' });
      await t.store.setResource({ userId: room.id, name: 'Zeppelin Room, 3rd floor', capacity: 12, policy: 'auto', allowConflicts: false });
      const [entry] = (await send(galQuery('zeppelin'))).results;
      assert.deepEqual(entry!.child('Properties')!.children.map(c => [c.name, c.text]), [
        ['DisplayName', 'Zeppelin Room'], ['Office', 'Zeppelin Room, 3rd floor'], ['Title', 'Resource, capacity 12'],
        ['Alias', 'zeppelin'], ['FirstName', 'Zeppelin'], ['LastName', 'Room'], ['EmailAddress', 'zeppelin@example.com'],
      ]);
      const [bob] = (await send(galQuery('bob builder'))).results;
      assert.equal(gal(bob!, 'Title'), undefined);
      await t.store.removeUser(room.id);
    });

    it('MS-ASCMD 2.2.3.177.13: an empty or structured GAL Query, an unknown store, two Stores are Status 2', async () => {
      assert.equal((await send(galQuery(''))).status, '2');
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'GAL'), s('Query', [s('And', [s('FreeText', 'x')])])])]))).status, '2');
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'Intranet'), s('Query', 'x')])]))).status, '2');
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'GAL'), s('Query', 'a')]), s('Store', [s('Name', 'GAL'), s('Query', 'b')])]))).status, '2');
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'GAL')])]))).status, '2');
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'DocumentLibrary'), s('Query', [s('EqualTo', [])])])]))).status, '13');
    });

    // ---- Mailbox --------------------------------------------------------------------------------

    it('MS-ASCMD 2.2.3.80.2: FreeText finds mail in every folder, newest first, each with Class, LongId, CollectionId and Properties', async () => {
      const a = await send(mailQuery([as('Class', 'Email'), s('FreeText', 'invoice')]));
      assert.equal(a.status, '1');
      assert.deepEqual(subjects(a), ['Invoice 1002 reminder', 'Invoice 1001', 'Old invoice 0999']);
      assert.deepEqual([a.range, a.total], ['0-2', '3']);
      const [first] = a.results;
      assert.deepEqual(first!.children.map(c => c.name), ['Class', 'LongId', 'CollectionId', 'Properties']);
      assert.equal(first!.childText('Class', 'AirSync'), 'Email');
      assert.equal(first!.childText('CollectionId', 'AirSync'), String(folder(FolderType.Inbox).id));
      const item = await resolveLongId(t.store, alice, first!.childText('LongId', 'Search')!);
      assert.equal(item?.props.find(p => p[0] === 'Email:Subject')?.[1], 'Invoice 1002 reminder');
    });

    it('MS-ASCMD 2.2.1.16: a result is fetched with ItemOperations (the LongId is the item\'s ServerId in its folder)', async () => {
      const [hit] = (await send(mailQuery([s('FreeText', '1001')]))).results;
      const longId = hit!.childText('LongId', 'Search')!;
      const res = await phone().send('ItemOperations', io('ItemOperations', [io('Fetch', [
        io('Store', 'Mailbox'), as('CollectionId', hit!.childText('CollectionId', 'AirSync')!), as('ServerId', longId),
      ])]));
      const fetch = res.body!.child('Response')!.child('Fetch')!;
      assert.equal(fetch.childText('Status'), '1');
      assert.equal(fetch.child('Properties')!.childText('Subject', 'Email'), 'Invoice 1001');
      // …and by the LongId itself, as MS-ASCMD 2.2.3.98.3 intends (percent-encoded too).
      for (const id of [longId, encodeURIComponent(longId)]) {
        const byLongId = await phone().send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), s('LongId', id)])]));
        const f = byLongId.body!.child('Response')!.child('Fetch')!;
        assert.equal(f.childText('Status'), '1');
        assert.equal(f.childText('LongId', 'Search'), id);
        assert.equal(f.child('Properties')!.childText('Subject', 'Email'), 'Invoice 1001');
      }
    });

    it('non-ASCII words match whatever their normal form or case (e + combining accent, İ, Ü)', async () => {
      const id = await mail(folder(FolderType.Inbox).id, 'Café İstanbul Übersicht', '2025-04-06T09:00:00Z');
      try {
        for (const q of ['CAFE\u0301', 'café', 'İSTANBUL', 'übersicht']) {
          assert.deepEqual(subjects(await send(mailQuery([s('FreeText', q)]))), ['Café İstanbul Übersicht'], q);
        }
      } finally {
        await t.store.deleteItem(alice, id);
      }
    });

    it('MS-ASCMD 2.2.3.80.2: words match subject, sender and the text of HTML bodies (not their markup), all of them', async () => {
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', 'QUARTERLY figures')]))), ['Numbers']);
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', 'figures & more')]))), ['Numbers']);
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', 'carol@example')]))), ['Re: lunch']);
      const none = await send(mailQuery([s('FreeText', 'invoice lunch')]));
      assert.deepEqual([none.results.length, none.results[0]!.children.length, none.range, none.total], [1, 0, undefined, '0']);
      assert.equal((await send(mailQuery([s('FreeText', 'div')]))).total, '0');
      assert.equal((await send(mailQuery([s('FreeText', 'subject')]))).total, '0', 'property names are not text');
    });

    it('MS-ASCMD 2.2.3.30.5, 2.2.3.41.2: CollectionId limits the folders; DeepTraversal adds those below', async () => {
      const inbox = String(folder(FolderType.Inbox).id);
      assert.deepEqual(subjects(await send(mailQuery([as('CollectionId', inbox), s('FreeText', 'invoice')]))), ['Invoice 1002 reminder', 'Invoice 1001']);
      assert.deepEqual(subjects(await send(mailQuery([as('CollectionId', inbox), s('FreeText', 'invoice')], [s('DeepTraversal')]))),
        ['Invoice 1002 reminder', 'Invoice 1001', 'Old invoice 0999']);
      const sent = String(folder(FolderType.SentItems).id);
      assert.deepEqual(subjects(await send(mailQuery([as('CollectionId', inbox), as('CollectionId', sent), s('FreeText', 'lunch')]))), ['Re: lunch']);
      assert.deepEqual(subjects(await send(mailQuery([as('CollectionId', sent), s('FreeText', 'invoice')]))), [undefined]);
    });

    it('MS-ASCMD 2.2.3.86, 2.2.3.96: GreaterThan and LessThan compare the time mail was received', async () => {
      const a = await send(mailQuery([s('FreeText', 'invoice'), received('GreaterThan', '2025-01-01T00:00:00.000Z'), received('LessThan', '2025-04-01T09:00:00.000Z')]));
      assert.deepEqual(subjects(a), ['Invoice 1001']);
    });

    it('MS-ASCMD 2.2.3.27.5: Class chooses what is searched; without it every class is', async () => {
      const calendar = await send(mailQuery([as('Class', 'Calendar'), s('FreeText', 'invoice')]));
      assert.deepEqual(calendar.results.map(r => r.child('Properties')!.childText('Subject', 'Calendar')), ['Invoice review']);
      assert.equal(calendar.results[0]!.childText('Class', 'AirSync'), 'Calendar');
      assert.equal((await send(mailQuery([s('FreeText', 'invoice')]))).total, '4');
    });

    it('MS-ASCMD 2.2.3.35.2: ConversationId finds the messages of one conversation', async () => {
      const a = await send(mailQuery([s('ConversationId', Buffer.from('conversation-1'))]));
      assert.deepEqual(subjects(a), ['Thread member']);
      assert.equal((await send(mailQuery([s('ConversationId', Buffer.from('conversation-2'))]))).total, '0');
    });

    it('MS-ASCMD 2.2.3.143.3: Range pages through the results and Total counts them all', async () => {
      const page = await send(mailQuery([s('FreeText', 'invoice')], [s('Range', '1-1')]));
      assert.deepEqual([subjects(page), page.range, page.total], [['Invoice 1001'], '1-1', '4']);
    });

    it('MS-ASAIRS 2.2.2.7: BodyPreference shapes the result bodies', async () => {
      const a = await send(mailQuery([s('FreeText', '1001')]));
      const cut = await send(mailQuery([s('FreeText', '1001')], [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 4)])]));
      assert.equal(a.results[0]!.child('Properties')!.child('Body', 'AirSyncBase')!.childText('Data'), 'Body of Invoice 1001');
      const body = cut.results[0]!.child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.deepEqual([body.childText('Truncated'), body.childText('Data')], ['1', 'Body']);
    });

    it('MS-ASCMD 2.2.3.98.3: a LongId names the item of its folder, percent-encoded or not, for its own account only', async () => {
      const [hit] = (await send(mailQuery([s('FreeText', '1001')]))).results;
      const longId = hit!.childText('LongId', 'Search')!;
      assert.equal((await resolveLongId(t.store, alice, encodeURIComponent(longId)))?.id, Number(longId.split(':')[1]));
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      assert.equal(await resolveLongId(t.store, bob, longId), undefined);
      for (const bad of ['', 'x', '1:', `${Number(longId.split(':')[0]) + 1}:${longId.split(':')[1]}`, '%E0%A4%A']) {
        assert.equal(await resolveLongId(t.store, alice, bad), undefined, bad);
      }
    });

    it("never shows another account's mail", async () => {
      assert.equal((await send(mailQuery([s('FreeText', 'bob only')]))).total, '0');
    });

    it('treats LIKE wildcards, quotes and SQL as text', async () => {
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', '100%')]))), ['100% done_now "quoted"']);
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', 'e_n')]))), ['100% done_now "quoted"']);
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', '"quoted" done')]))), ['100% done_now "quoted"']);
      assert.deepEqual(subjects(await send(mailQuery([s('FreeText', 'now "quoted"')]))), ['100% done_now "quoted"']);
      assert.equal((await send(mailQuery([s('FreeText', '%')]))).total, '1');
      assert.equal((await send(mailQuery([s('FreeText', "'; DROP TABLE items; --")]))).total, '0');
      // A long word of letters SQLite cannot fold is scanned by its first characters only.
      const long = await send(mailQuery([s('FreeText', 'ä'.repeat(500))]));
      assert.deepEqual([long.status, long.total], ['1', '0']);
      assert.deepEqual(await send(galQuery('é'.repeat(500))).then(a => [a.status, a.total]), ['1', '0']);
      assert.ok((await t.store.listFolders(alice)).length > 0);
    });

    it('MS-ASCMD 2.2.3.177.13: Status 8 for conditions outside the one And, several Ands, Or', async () => {
      const query = (children: Element[]) => s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', children)])]);
      for (const tree of [
        query([s('FreeText', 'x')]),
        query([as('Class', 'Email'), s('And', [s('FreeText', 'x')])]),
        query([s('And', [s('FreeText', 'x')]), s('And', [s('FreeText', 'y')])]),
        query([s('Or', [s('FreeText', 'x')])]),
        query([s('And', [s('And', [s('FreeText', 'x')])])]),
        mailQuery([s('FreeText', Array.from({ length: 25 }, (_, i) => `w${i}`).join(' '))]),
      ]) assert.equal((await send(tree)).status, '8');
    });

    it('MS-ASCMD 2.2.3.177.13: Status 2 for what the schema refuses; 11 for a folder the account does not have', async () => {
      for (const and of [
        [as('Class', 'Journal')], [as('CollectionId', 'inbox')], [s('FreeText', 'x'.repeat(1025))],
        [s('GreaterThan', [s('Value', '2025-01-01T00:00:00.000Z')])], [received('LessThan', 'yesterday')],
        [received('LessThan', '2025-01-01T00:00:00.000Z'), received('LessThan', '2025-02-01T00:00:00.000Z')],
        [s('EqualTo', [s('Value', 'x')])],
      ]) assert.equal((await send(mailQuery(and))).status, '2', JSON.stringify(and.map(e => e.name)));
      assert.equal((await send(s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('EqualTo', [s('Value', 'x')])])])]))).status, '2');
      assert.equal((await send(mailQuery([as('Class', 'SMS')]), phone('12.1'))).status, '2');
      // MS-ASCMD 2.2.1.16: 2.5 searches the GAL only; a Mailbox store is Status 2 there.
      assert.equal((await send(mailQuery([s('FreeText', 'invoice')]), phone('2.5'))).status, '2');
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Inbox)!.id;
      assert.equal((await send(mailQuery([as('CollectionId', String(bobInbox)), s('FreeText', 'invoice')]))).status, '11');
      assert.equal((await send(mailQuery([s('FreeText', 'x')], [asb('BodyPreference', [asb('Type', 9)])]))).status, '2');
    });

    it('a body that is not a Search is the common Status 103 (HTTP 400 before 14.0)', async () => {
      const res = await phone().send('Search', s('Store', [s('Name', 'GAL')]));
      assert.deepEqual([res.status, res.body?.name, res.body?.childText('Status')], [200, 'Search', '103']);
      assert.equal((await phone('12.1').send('Search', s('Store', [s('Name', 'GAL')]))).status, 400);
    });
  });
}
