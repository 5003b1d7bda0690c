// MS-ASCMD 2.2.1.2 Find (16.1) over real HTTP and WBXML: mail by KQL free text (words, phrases,
// property restrictions) with its Find properties and a ServerId ItemOperations can fetch, the
// directory, Range and Total, and every Status.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderType, type Folder, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const f = tags('Find');
const as = tags('AirSync');
const io = tags('ItemOperations');

const mailFind = (freeText: string, opts: { collectionId?: string; options?: Element[]; cls?: string } = {}): Element =>
  f('Find', [f('SearchId', 'S1'), f('ExecuteSearch', [f('MailBoxSearchCriterion', [
    f('Query', [as('Class', opts.cls ?? 'Email'), opts.collectionId !== undefined && as('CollectionId', opts.collectionId), f('FreeText', freeText)]),
    opts.options && f('Options', opts.options),
  ])])]);
const galFind = (freeText: string, options?: Element[]): Element =>
  f('Find', [f('SearchId', 'S2'), f('ExecuteSearch', [f('GalSearchCriterion', [f('Query', [f('FreeText', freeText)]), options && f('Options', options)])])]);

for (const backend of BACKENDS) {
  describe(`Find (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let alice: number;
    let folders: Folder[];
    const folder = (type: number) => folders.find(x => x.type === type)!;
    let n = 0;
    const phone = (version = '16.1'): EasClient => t.client('alice@example.com', { deviceId: `FIND${++n}`, version });
    const send = async (tree: Element, client = phone()) => {
      const res = await client.send('Find', tree);
      assert.equal(res.status, 200);
      const response = res.body?.child('Response');
      return {
        status: res.body?.childText('Status'), store: response?.childText('Store', 'ItemOperations'), responseStatus: response?.childText('Status'),
        results: response?.all('Result') ?? [], range: response?.childText('Range'), total: response?.childText('Total'),
      };
    };
    const subjects = (a: { results: Element[] }) => a.results.map(r => r.child('Properties')!.childText('Subject', 'Email'));
    const mail = async (folderId: number, subject: string, at: string, own: ItemProps = []) => {
      const props = [...email(subject, new Date(at)).filter(p => !own.some(o => o[0] === p[0])), ...own];
      return (await t.store.addItem(alice, folderId, { class: 'Email', props, filterTime: Date.parse(at) }))!;
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com', 'bobby@example.com'] });
      await t.store.setDisplayName((await t.store.findUserByEmail('bob@example.com'))!.id, 'Bob Builder');
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folders = await t.store.listFolders(alice);
      const inbox = folder(FolderType.Inbox).id;
      await mail(inbox, 'Budget 2026', '2026-01-10T09:00:00Z', [
        ['Email:From', '"Carol Jones" <carol@example.com>'], ['Email:Cc', '"Dan Smith" <dan@example.com>, eve@example.com'],
        ['Email:DisplayTo', 'Alice Example'], ['Email:Importance', '2'],
        ['AirSyncBase:Body', [['AirSyncBase:Type', '2'], ['AirSyncBase:Data', '<p>The <b>budget</b> for next year is attached.</p>']]],
        ['AirSyncBase:Attachments', [['AirSyncBase:Attachment', [['AirSyncBase:DisplayName', 'budget.xlsx'], ['AirSyncBase:Method', '1']]]]],
      ]);
      await mail(inbox, 'Lunch on Friday', '2026-01-11T09:00:00Z', [['Email:From', '"Bob Builder" <bob@example.com>']]);
      await mail(folder(FolderType.SentItems).id, 'Re: Budget 2026', '2026-01-12T09:00:00Z', [['Email:To', '"Carol Jones" <carol@example.com>']]);
      await t.store.addItem(alice, folder(FolderType.Calendar).id, { class: 'Calendar', props: [], event: {
        uid: 'x', start: Date.parse('2026-01-20T10:00:00Z'), end: Date.parse('2026-01-20T11:00:00Z'), allDay: false, timeZone: 'UTC', subject: 'Budget review',
      } });
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.1.2: FreeText finds mail, newest first, each with Class, ServerId, CollectionId and Find properties', async () => {
      const a = await send(mailFind('budget'));
      assert.deepEqual([a.status, a.store, a.responseStatus, a.range, a.total], ['1', 'Mailbox', '1', '0-1', '2']);
      assert.deepEqual(subjects(a), ['Re: Budget 2026', 'Budget 2026']);
      const hit = a.results[1]!;
      assert.deepEqual(hit.children.map(c => c.name), ['Class', 'ServerId', 'CollectionId', 'Properties']);
      const p = hit.child('Properties')!;
      assert.deepEqual(p.children.map(c => `${c.namespace}:${c.name}`), ['Email:Subject', 'Email:DateReceived', 'Email:DisplayTo', 'Find:DisplayCc',
        'Email:Importance', 'Email:Read', 'Find:Preview', 'Find:HasAttachments', 'Email:From']);
      assert.deepEqual([p.childText('DisplayCc'), p.childText('Preview'), p.childText('HasAttachments'), p.childText('From', 'Email')],
        ['Dan Smith; eve@example.com', 'The budget for next year is attached.', '1', '"Carol Jones" <carol@example.com>']);
    });

    it('MS-ASCMD 2.2.1.2: a result is fetched with ItemOperations by its CollectionId and ServerId', async () => {
      const hit = (await send(mailFind('lunch'))).results[0]!;
      const res = await phone().send('ItemOperations', io('ItemOperations', [io('Fetch', [
        io('Store', 'Mailbox'), as('CollectionId', hit.childText('CollectionId', 'AirSync')!), as('ServerId', hit.childText('ServerId', 'AirSync')!),
      ])]));
      assert.equal(res.body!.child('Response')!.child('Fetch')!.child('Properties')!.childText('Subject', 'Email'), 'Lunch on Friday');
    });

    it('MS-ASCMD 2.2.3.80.1: KQL property restrictions and phrases', async () => {
      assert.deepEqual(subjects(await send(mailFind('from:carol'))), ['Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('to:carol'))), ['Re: Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('participants:carol'))), ['Re: Budget 2026', 'Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('subject:"on friday"'))), ['Lunch on Friday']);
      assert.deepEqual(subjects(await send(mailFind('attachment:xlsx'))), ['Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('body:"next year" AND budget'))), ['Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('subject:lunch from:carol'))), []);
    });

    it('MS-ASCMD 2.2.3.30.1: CollectionId limits the search to one folder (DeepTraversal: and those below)', async () => {
      const sent = String(folder(FolderType.SentItems).id);
      assert.deepEqual(subjects(await send(mailFind('budget', { collectionId: sent }))), ['Re: Budget 2026']);
      assert.deepEqual(subjects(await send(mailFind('budget', { collectionId: sent, options: [f('DeepTraversal')] }))), ['Re: Budget 2026']);
    });

    it('MS-ASCMD 2.2.3.143.1: Range picks a window, need not start at 0, and at most 100 come back', async () => {
      const second = await send(mailFind('budget', { options: [f('Range', '1-1')] }));
      assert.deepEqual([subjects(second), second.range, second.total], [['Budget 2026'], '1-1', '2']);
      const none = await send(mailFind('nothing-like-this'));
      assert.deepEqual([none.status, none.results.length, none.range, none.total], ['1', 0, undefined, '0']);
      assert.equal((await send(mailFind('budget', { options: [f('Range', '0-999')] }))).range, '0-1');
    });

    it('MS-ASCMD 2.2.1.2: the directory by name prefix, with GAL properties', async () => {
      const a = await send(galFind('bob'));
      assert.deepEqual(a.results.map(r => r.child('Properties')!.childText('DisplayName', 'GAL')), ['Bob Builder', 'bobby']);
      assert.deepEqual([a.range, a.total], ['0-1', '2']);
      assert.equal(a.results[0]!.child('Properties')!.childText('EmailAddress', 'GAL'), 'bob@example.com');
      const photo = await send(galFind('bob builder', [f('Picture', [f('MaxSize', 100)])]));
      assert.equal(photo.results[0]!.child('Properties')!.child('Picture', 'GAL')!.childText('Status', 'GAL'), '173');
    });

    it('MS-ASCMD 2.2.3.177.2: Status 2 for what the schema refuses, 3 for a folder the account lacks', async () => {
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const bobInbox = String((await t.store.listFolders(bob)).find(x => x.type === FolderType.Inbox)!.id);
      assert.equal((await send(mailFind('budget', { collectionId: bobInbox }))).status, '3');
      for (const [why, tree] of [
        ['Class Calendar', mailFind('budget', { cls: 'Calendar' })],
        ['bad Range', mailFind('budget', { options: [f('Range', '5-1')] })],
        ['Range over 999', mailFind('budget', { options: [f('Range', '0-1000')] })],
        ['CollectionId not a folder id', mailFind('budget', { collectionId: 'inbox' })],
        ['OR', mailFind('budget OR lunch')],
        ['no SearchId', f('Find', [f('ExecuteSearch', [f('GalSearchCriterion', [f('Query', [f('FreeText', 'bob')])])])])],
        ['no criterion', f('Find', [f('SearchId', 'S'), f('ExecuteSearch', [])])],
        ['two criteria', f('Find', [f('SearchId', 'S'), f('ExecuteSearch', [f('GalSearchCriterion', [f('Query', [f('FreeText', 'a')])]), f('GalSearchCriterion', [f('Query', [f('FreeText', 'b')])])])])],
        ['empty directory query', galFind(' ')],
        ['FreeText over 1 KB', mailFind('x'.repeat(1025))],
      ] as [string, Element][]) {
        const a = await send(tree);
        assert.deepEqual([a.status, a.results.length, a.store], ['2', 0, undefined], why);
      }
    });

    it('MS-ASCMD 2.2.1.2: Find is a 16.1 command', async () => {
      const res = await phone('16.0').send('Find', mailFind('budget'));
      assert.deepEqual([res.status, res.body?.childText('Status')], [200, '138']);
    });
  });
}
