// MS-ASNOTE Notes class items over real HTTP and WBXML, on SQLite and PostgreSQL: the element set
// (14.0+), MessageClass and LastModifiedDate, Change rules, bodies by BodyPreference, Search.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const s = tags('Search');
const io = tags('ItemOperations');
const N = (name: string) => `Notes:${name}`;
const body = (type: number, data: string): ItemProps[number] => ['AirSyncBase:Body', [['AirSyncBase:Type', String(type)], ['AirSyncBase:Data', data]]];
const COMPACT = /^\d{8}T\d{6}Z$/;

function note(subject: string, extra: ItemProps = []): ItemProps {
  return [body(2, '<p>Router: <b>cabin-5G</b>, key on the fridge</p>'), [N('Subject'), subject],
    [N('Categories'), [[N('Category'), 'Travel'], [N('Category'), 'Home']]], ...extra];
}

for (const backend of BACKENDS) {
  describe(`Notes through Sync (${backend.name})`, () => {
    let t: TestServer;
    let notesId: string;
    let n = 0;
    const client = (version = '14.1') => t.client('alice@example.com', { deviceId: `NOTE${++n}`, version });
    const device = async (version = '14.1', options: Element[] = []): Promise<CollectionMirror> => {
      const c = client(version);
      await new FolderHierarchyMirror(c).sync();
      const m = new CollectionMirror(c, notesId);
      await m.sync([], { options });
      await m.syncAll();
      return m;
    };
    const add = async (m: CollectionMirror, props: ItemProps): Promise<{ status: number; serverId: string | undefined }> => {
      const id = `c${++n}`;
      const r = (await m.sync([{ kind: 'Add', clientId: id, props }])).added.get(id)!;
      return { status: r.status, serverId: r.serverId };
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com'] });
      notesId = await folderId(t, 'alice@example.com', FolderType.Notes);
    });
    after(() => t.close());

    it('MS-ASNOTE 2.2.2.5/2.2.2.4: a note gets IPM.StickyNote by default and a LastModifiedDate the server sets (R209), as a Compact DateTime (R53)', async () => {
      const a = await device();
      const added = await add(a, note('Wi-Fi', [[N('LastModifiedDate'), '20010101T000000Z']]));
      assert.equal(added.status, 1);
      const seen = (await device('16.1')).items.get(added.serverId!)!;
      assert.equal(text(seen, N('Subject')), 'Wi-Fi');
      assert.equal(text(seen, N('MessageClass')), 'IPM.StickyNote', 'R54: required');
      assert.match(text(seen, N('LastModifiedDate'))!, COMPACT);
      assert.notEqual(text(seen, N('LastModifiedDate')), '20010101T000000Z', 'R84: the client\'s is ignored');
      assert.deepEqual(nodes(seen, N('Categories')).map(c => c[1]), ['Travel', 'Home']);
    });

    it('Status 6 for a MessageClass that is no sticky note (R119) and a body of Type 4 (R37); IPM.StickyNote.* is fine (R57)', async () => {
      const a = await device();
      assert.equal((await add(a, note('x', [[N('MessageClass'), 'IPM.Note']]))).status, 6);
      assert.equal((await add(a, [[N('Subject'), 'x'], body(4, 'MIME-Version: 1.0')])).status, 6);
      const own = await add(a, note('Yellow', [[N('MessageClass'), 'IPM.StickyNote.Yellow']]));
      assert.equal(own.status, 1);
      const b = await device();
      assert.equal(text(b.items.get(own.serverId!), N('MessageClass')), 'IPM.StickyNote.Yellow');
      assert.equal([...b.items.values()].filter(p => text(p, N('Subject')) === 'x').length, 0, 'nothing stored');
    });

    it('MS-ASNOTE 3.2.5.3: a Change without Subject or body keeps them (R113, R10003); Categories left out are removed (R112); LastModifiedDate moves', async () => {
      const a = await device();
      const added = await add(a, note('Keep me'));
      const b = await device();
      const first = text(b.items.get(added.serverId!), N('LastModifiedDate'))!;
      await new Promise(r => setTimeout(r, 1100)); // the Compact DateTime counts whole seconds
      await a.sync([{ kind: 'Change', serverId: added.serverId!, props: [[N('MessageClass'), 'IPM.StickyNote']] }]);
      await b.syncAll();
      const seen = b.items.get(added.serverId!)!;
      assert.equal(text(seen, N('Subject')), 'Keep me');
      assert.match(text(nodes(seen, 'AirSyncBase:Body'), 'AirSyncBase:Data')!, /cabin-5G/);
      assert.equal(nodes(seen, N('Categories')).length, 0);
      assert.ok(text(seen, N('LastModifiedDate'))! > first, 'R209: the actual time of the change');
    });

    it('note bodies follow BodyPreference (MS-ASAIRS 2.2.2.12): text from HTML, cut, and whole by ItemOperations Fetch', async () => {
      const a = await device();
      const added = await add(a, note('Body'));
      const cut = (await device('14.1', [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 6)])])).items.get(added.serverId!)!;
      const b = nodes(cut, 'AirSyncBase:Body');
      assert.equal(text(b, 'AirSyncBase:Type'), '1');
      assert.equal(text(b, 'AirSyncBase:Data'), 'Router');
      assert.equal(text(b, 'AirSyncBase:Truncated'), '1');
      const html = (await device('14.1', [asb('BodyPreference', [asb('Type', 2)])])).items.get(added.serverId!)!;
      assert.equal(text(nodes(html, 'AirSyncBase:Body'), 'AirSyncBase:Data'), '<p>Router: <b>cabin-5G</b>, key on the fridge</p>');
      const res = await client().send('ItemOperations', io('ItemOperations', [io('Fetch', [io('Store', 'Mailbox'), as('CollectionId', notesId),
        as('ServerId', added.serverId!), io('Options', [asb('BodyPreference', [asb('Type', 1)])])])]));
      const props = res.body!.child('Response')!.child('Fetch')!.child('Properties')!;
      assert.equal(props.childText('Subject', 'Notes'), 'Body');
      assert.match(props.child('Body', 'AirSyncBase')!.childText('Data', 'AirSyncBase')!, /^Router: cabin-5G/);
    });

    it('R114: Supported in a Notes Sync is Status 4; before 14.0 there is no Notes class (MS-ASWBXML R652)', async () => {
      const c = client();
      await new FolderHierarchyMirror(c).sync();
      const withSupported = await new CollectionMirror(c, notesId).sync([], { supported: [tags('Notes')('Subject')] });
      assert.equal(withSupported.status, 4);
      const old = client('12.1');
      await new FolderHierarchyMirror(old).sync();
      assert.equal((await new CollectionMirror(old, notesId).sync()).status, 4);
    });

    it('MS-ASNOTE 3.2.5.2: Search with Class Notes finds notes by their text (not their MessageClass) and returns them as notes', async () => {
      const a = await device();
      await add(a, note('Ferry times'));
      const query = (words: string) => s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('And', [as('Class', 'Notes'), s('FreeText', words)])]),
        s('Options', [s('Range', '0-9')])])]);
      const run = async (words: string) => (await client().send('Search', query(words))).body!.child('Response')!.child('Store')!;
      const found = await run('ferry fridge');
      assert.equal(found.childText('Total'), '1');
      assert.equal(found.child('Result')!.child('Properties')!.childText('Subject', 'Notes'), 'Ferry times');
      assert.equal((await run('StickyNote')).childText('Total'), '0');
    });
  });
}
