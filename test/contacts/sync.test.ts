// The Contact class (MS-ASCNTC) over real HTTP and WBXML, on both store engines: which elements each
// protocol version has, Status 6 for values that cannot be stored, ghosting per Supported, photos
// and their 48 KB limit, and the notes as 2.5 and 12.0+ devices see them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror, type SyncRoundOptions } from '../../src/client/collection.js';
import { FolderType, type ItemProps, type PropNode } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes, propText } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const con = tags('Contacts');

const body = (data: string, type = '1'): PropNode => ['AirSyncBase:Body', [['AirSyncBase:Type', type], ['AirSyncBase:Data', data]]];
const list = (name: 'Categories' | 'Children', entries: string[]): PropNode =>
  [`Contacts:${name}`, entries.map(e => [name === 'Categories' ? 'Contacts:Category' : 'Contacts:Child', e] as PropNode)];
const names = (props: ItemProps | undefined): string[] => (props ?? []).map(p => p[0]);
/** A base64 photo of `chars` characters (a multiple of 4). */
const photo = (chars: number): string => Buffer.alloc((chars / 4) * 3, 7).toString('base64');

for (const backend of BACKENDS) {
  describe(`Contacts, MS-ASCNTC (${backend.name.replace("Backend", "")})`, () => {
    let t: TestServer;
    let alice: number;
    let folderId: number;
    let n = 0;
    let clientIds = 0;

    before(async () => {
      t = await startServer({ backend });
      alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      folderId = (await t.store.listFolders(alice)).find(f => f.type === FolderType.Contacts)!.id;
    });
    after(() => t.close());

    /** A new device of this version with the whole Contacts folder downloaded. */
    const device = async (version: string, o: SyncRoundOptions = {}): Promise<CollectionMirror> => {
      const m = new CollectionMirror(t.client('alice@example.com', { deviceId: `CNT${++n}`, version }), String(folderId));
      await m.sync([], o);
      await m.syncAll(o);
      return m;
    };
    const add = async (m: CollectionMirror, props: ItemProps): Promise<{ status: number; serverId?: string | undefined }> => {
      const clientId = `c${++clientIds}`;
      const r = await m.sync([{ kind: 'Add', clientId, props }]);
      return r.added.get(clientId)!;
    };
    const change = async (m: CollectionMirror, serverId: string, props: ItemProps): Promise<number> => {
      const r = await m.sync([{ kind: 'Change', serverId, props }]);
      return r.statuses.find(s => s.serverId === serverId)?.status ?? 1;
    };
    const stored = async (serverId: string): Promise<ItemProps> => (await t.store.getItem(alice, Number(serverId.split(':')[1])))!.props;
    const seenBy = async (version: string, serverId: string, o: SyncRoundOptions = {}): Promise<ItemProps | undefined> =>
      (await device(version, o)).items.get(serverId);
    const count = async (): Promise<number> => (await t.store.liveItemIds(folderId)).length;

    describe('MS-ASCNTC 2.2.2: the elements of each protocol version', () => {
      let serverId: string;
      before(async () => {
        const added = await add(await device('14.1'), [
          ['Contacts:FileAs', 'Table, Person'], ['Contacts:LastName', 'Table'], ['Contacts:Alias', 'tperson'], ['Contacts:WeightedRank', '7'],
          ['Contacts2:NickName', 'TP'], ['Contacts2:MMS', '+1 555 0101'], body('Met at the fair'),
        ]);
        assert.equal(added.status, 1);
        serverId = added.serverId!;
      });

      it('16.1 and 14.1 get Alias and WeightedRank (2.2.2.2, 2.2.2.64: 14.0+), Contacts2 and airsyncbase:Body (2.2.2.7.1)', async () => {
        for (const version of ['16.1', '14.1']) {
          const seen = await seenBy(version, serverId);
          assert.deepEqual(names(seen), ['Contacts:FileAs', 'Contacts:LastName', 'Contacts:Alias', 'Contacts:WeightedRank',
            'Contacts2:NickName', 'Contacts2:MMS', 'AirSyncBase:Body'], version);
          assert.equal(propText(propNodes(seen, 'AirSyncBase:Body'), 'AirSyncBase:Data'), 'Met at the fair');
        }
      });

      it('12.1 and 12.0 get neither Alias nor WeightedRank (2.2.2.2, 2.2.2.64)', async () => {
        for (const version of ['12.1', '12.0']) {
          assert.deepEqual(names(await seenBy(version, serverId)),
            ['Contacts:FileAs', 'Contacts:LastName', 'Contacts2:NickName', 'Contacts2:MMS', 'AirSyncBase:Body'], version);
        }
      });

      it('2.5 gets the notes as contacts:Body with BodyTruncated, never airsyncbase:Body (2.2.2.7.2, 2.2.2.9)', async () => {
        const seen = await seenBy('2.5', serverId);
        assert.deepEqual(names(seen), ['Contacts:FileAs', 'Contacts:LastName', 'Contacts2:NickName', 'Contacts2:MMS', 'Contacts:Body', 'Contacts:BodyTruncated']);
        assert.equal(propText(seen, 'Contacts:Body'), 'Met at the fair');
        assert.equal(propText(seen, 'Contacts:BodyTruncated'), '0');
      });

      it('an element the sender\'s version does not have is ignored: not stored, not over the stored value', async () => {
        const old = await device('12.1');
        assert.equal(await change(old, serverId, [
          ['Contacts:FileAs', 'Table, Person'], ['Contacts:LastName', 'Table'], ['Contacts2:NickName', 'TP'], ['Contacts2:MMS', '+1 555 0101'],
          ['Contacts:Alias', 'hijacked'], ['Contacts:WeightedRank', '99'], ['Contacts:Body', 'legacy notes'], ['Email:Subject', 'not a contact element'],
        ]), 1);
        const props = await stored(serverId);
        assert.equal(propText(props, 'Contacts:Alias'), 'tperson');
        assert.equal(propText(props, 'Contacts:WeightedRank'), '7');
        assert.equal(propText(propNodes(props, 'AirSyncBase:Body'), 'AirSyncBase:Data'), 'Met at the fair');
        assert.ok(!names(props).includes('Email:Subject') && !names(props).includes('Contacts:Body'));
      });

      it('server-only 2.5 elements (BodySize, BodyTruncated) and CompressedRTF a device sends are not stored', async () => {
        const added = await add(await device('2.5'), [['Contacts:FileAs', 'Legacy'], ['Contacts:Body', 'notes'],
          ['Contacts:BodySize', '5'], ['Contacts:BodyTruncated', '0'], ['Contacts:CompressedRTF', 'e1xydGYxfQ==']]);
        assert.equal(added.status, 1);
        assert.deepEqual(await stored(added.serverId!), [['Contacts:FileAs', 'Legacy'], body('notes')]);
      });
    });

    describe('MS-ASCMD 2.2.3.177.17 Status 6: values that cannot be stored', () => {
      const bad: [string, ItemProps][] = [
        ['MS-ASCNTC 2.2.2.6 Birthday that is no date', [['Contacts:Birthday', 'next tuesday']]],
        ['MS-ASCNTC 2.2.2.3 Anniversary on a day that does not exist', [['Contacts:Anniversary', '2023-02-29T00:00:00.000Z']]],
        ['MS-ASCNTC 2.2.2.58 Picture over 48 KB of base64', [['Contacts:Picture', photo(48 * 1024 + 4)]]],
        ['MS-ASCNTC 2.2.2.58 Picture that is no base64', [['Contacts:Picture', 'not*base64!']]],
        ['MS-ASCNTC 2.2.2.19 Categories holding something other than Category', [['Contacts:Categories', [['Contacts:Child', 'x']]]]],
        ['MS-ASCNTC 2.2.2.20 more than 300 Category', [list('Categories', Array.from({ length: 301 }, (_, i) => `c${i}`))]],
        ['MS-ASCNTC 2.2.2.22 more than 300 Child', [list('Children', Array.from({ length: 301 }, (_, i) => `k${i}`))]],
        ['MS-ASCNTC 2.2.2.64 WeightedRank that is no integer', [['Contacts:WeightedRank', 'high']]],
        ['MS-ASCNTC 6.1 a string element holding elements', [['Contacts:FirstName', [['Contacts:Category', 'x']]]]],
        ['MS-ASAIRS 2.2.2.41.1 notes of Type 4 (MIME is for mail)', [body('x', '4')]],
      ];

      it('an Add with any of them is answered with Status 6 and stores nothing', async () => {
        const m = await device('14.1');
        const before = await count();
        for (const [why, props] of bad) assert.equal((await add(m, [['Contacts:FileAs', 'Bad'], ...props])).status, 6, why);
        assert.equal(await count(), before);
      });

      it('a Change with any of them is answered with Status 6 and leaves the stored contact as it was', async () => {
        const m = await device('14.1');
        const { serverId } = await add(m, [['Contacts:FileAs', 'Kept'], ['Contacts:Birthday', '1980-05-17T00:00:00.000Z']]);
        const before = await stored(serverId!);
        for (const [why, props] of bad) assert.equal(await change(m, serverId!, [['Contacts:FileAs', 'Changed'], ...props]), 6, why);
        assert.deepEqual(await stored(serverId!), before);
      });

      it('harmless variations are accepted and normalised, not refused', async () => {
        const base64 = Buffer.alloc(301, 0xfb).toString('base64'); // '+/v7…', ends in '=='
        const wrapped = base64.replace(/=+$/, '').replace(/(.{76})/g, '$1\r\n').replace(/\+/g, '-').replace(/\//g, '_');
        const { status, serverId } = await add(await device('14.1'), [
          ['Contacts:FileAs', 'Normal Form'], ['Contacts:FirstName', ''],
          ['Contacts:Birthday', '1604-03-15'], // a birthday without a year, as some phones write it
          ['Contacts:Anniversary', '20100612T110000Z'],
          list('Categories', ['VIP', '', 'VIP', 'Golf']), ['Contacts:Children', 'Ann'],
          ['Contacts:Picture', wrapped], ['Contacts:WeightedRank', ' 007 '],
        ]);
        assert.equal(status, 1);
        assert.deepEqual(await stored(serverId!), [
          ['Contacts:FileAs', 'Normal Form'],
          ['Contacts:Birthday', '1604-03-15T00:00:00.000Z'], ['Contacts:Anniversary', '2010-06-12T11:00:00.000Z'],
          list('Categories', ['VIP', 'Golf']), list('Children', ['Ann']),
          ['Contacts:Picture', base64], ['Contacts:WeightedRank', '7'],
        ]);
      });
    });

    describe('MS-ASCNTC 2.2.2.58 Picture', () => {
      it('a photo of exactly 48 KB of base64 is stored and sent; one byte of image more is Status 6', async () => {
        const m = await device('14.1');
        const { status, serverId } = await add(m, [['Contacts:FileAs', 'Big Photo'], ['Contacts:Picture', photo(48 * 1024)]]);
        assert.equal(status, 1);
        assert.equal(propText(await seenBy('16.1', serverId!), 'Contacts:Picture'), photo(48 * 1024));
        assert.equal(await change(m, serverId!, [['Contacts:FileAs', 'Big Photo'], ['Contacts:Picture', photo(48 * 1024 + 4)]]), 6);
        assert.equal(propText(await stored(serverId!), 'Contacts:Picture'), photo(48 * 1024));
      });

      it('a photo sent as OPAQUE image bytes is kept as base64 text', async () => {
        const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 1)]);
        const { status, serverId } = await add(await device('14.1'), [['Contacts:FileAs', 'Opaque'], ['Contacts:Picture', { b64: jpeg.toString('base64') }]]);
        assert.equal(status, 1);
        assert.equal(propText(await seenBy('14.1', serverId!), 'Contacts:Picture'), jpeg.toString('base64'));
      });

      it('a stored photo over the limit is not sent broken: the contact travels without it', async () => {
        const item = (await t.store.addItem(alice, folderId, { class: 'Contacts', props: [['Contacts:FileAs', 'Imported'], ['Contacts:Picture', photo(64 * 1024)]] }))!;
        assert.deepEqual(await seenBy('14.1', `${folderId}:${item.id}`), [['Contacts:FileAs', 'Imported']]);
      });

      it('an empty Picture in a Change removes the photo', async () => {
        const m = await device('14.1');
        const { serverId } = await add(m, [['Contacts:FileAs', 'No Photo'], ['Contacts:Picture', photo(40)]]);
        assert.equal(await change(m, serverId!, [['Contacts:FileAs', 'No Photo'], ['Contacts:Picture', '']]), 1);
        assert.deepEqual(await stored(serverId!), [['Contacts:FileAs', 'No Photo']]);
      });
    });

    describe('MS-ASCMD 2.2.3.179 Supported: ghosting', () => {
      const full = (): ItemProps => [
        ['Contacts:FileAs', 'Ghost, Gary'], ['Contacts:FirstName', 'Gary'], ['Contacts:JobTitle', 'Haunter'], ['Contacts:Picture', photo(40)],
        list('Categories', ['A', 'B']), list('Children', ['X', 'Y']), body('Notes stay'),
      ];

      it('elements not in Supported are kept whole on Change (Picture, Categories, Children); listed ones omitted are removed', async () => {
        const supported = [con('FileAs'), con('FirstName'), con('JobTitle'), con('Categories')];
        const m = await device('14.1', { supported });
        const { serverId } = await add(m, full());
        assert.equal(await change(m, serverId!, [['Contacts:FileAs', 'Ghost, G.'], ['Contacts:FirstName', 'G.']]), 1);
        assert.deepEqual(await stored(serverId!), [['Contacts:FileAs', 'Ghost, G.'], ['Contacts:FirstName', 'G.'],
          ['Contacts:Picture', photo(40)], list('Children', ['X', 'Y']), body('Notes stay')]);
        // A list the device does send replaces the stored one whole, even when it is ghosted.
        await change(m, serverId!, [['Contacts:FileAs', 'Ghost, G.'], list('Children', ['Z']), list('Categories', ['C'])]);
        const props = await stored(serverId!);
        assert.deepEqual(propNodes(props, 'Contacts:Children'), [['Contacts:Child', 'Z']]);
        assert.deepEqual(propNodes(props, 'Contacts:Categories'), [['Contacts:Category', 'C']]);
        // An empty element clears it.
        await change(m, serverId!, [['Contacts:FileAs', 'Ghost, G.'], ['Contacts:Categories', ''], ['Contacts:Children', '']]);
        assert.ok(!names(await stored(serverId!)).some(name => name === 'Contacts:Categories' || name === 'Contacts:Children'));
      });

      it('without Supported every omitted element is removed, except the notes (MS-ASCNTC 3.1.5.4); 16.1 alike (no default ghosting, unlike Calendar)', async () => {
        for (const version of ['14.1', '16.1']) {
          const m = await device(version);
          const { serverId } = await add(m, full());
          assert.equal(await change(m, serverId!, [['Contacts:FileAs', 'Only me']]), 1);
          assert.deepEqual(await stored(serverId!), [['Contacts:FileAs', 'Only me'], body('Notes stay')], version);
        }
      });

      it('an empty Supported ghosts every element', async () => {
        const m = await device('14.1', { supported: [] });
        const { serverId } = await add(m, full());
        await change(m, serverId!, [['Contacts:FileAs', 'Renamed']]);
        assert.deepEqual(await stored(serverId!), [['Contacts:FileAs', 'Renamed'], ...full().slice(1)]);
      });

      it('notes: empty Data clears them; a Body without Data says nothing and keeps them', async () => {
        const m = await device('14.1');
        const { serverId } = await add(m, [['Contacts:FileAs', 'Noted'], body('Remember')]);
        await change(m, serverId!, [['Contacts:FileAs', 'Noted'], ['AirSyncBase:Body', [['AirSyncBase:Type', '1']]]]);
        assert.deepEqual(propNodes(await stored(serverId!), 'AirSyncBase:Body'), body('Remember')[1]);
        await change(m, serverId!, [['Contacts:FileAs', 'Noted'], body('')]);
        assert.deepEqual(await stored(serverId!), [['Contacts:FileAs', 'Noted']]);
      });
    });

    describe('the notes by BodyPreference (12.0+) and by Truncation (2.5)', () => {
      let serverId: string;
      const notes = `${'Long notes. '.repeat(60)}end`;
      before(async () => {
        ({ serverId } = (await add(await device('14.1'), [['Contacts:FileAs', 'Verbose'], body(notes)])) as { serverId: string });
      });

      it('MS-ASCNTC 3.1.5.4, MS-ASAIRS 2.2.2.40: TruncationSize cuts the notes, with Truncated and EstimatedDataSize; AllOrNone sends no Data', async () => {
        const cut = await seenBy('14.1', serverId, { options: [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 20)])] });
        assert.deepEqual(propNodes(cut, 'AirSyncBase:Body'), [['AirSyncBase:Type', '1'], ['AirSyncBase:EstimatedDataSize', String(notes.length)],
          ['AirSyncBase:Truncated', '1'], ['AirSyncBase:Data', notes.slice(0, 20)]]);
        const none = await seenBy('14.1', serverId, { options: [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 20), asb('AllOrNone', 1)])] });
        assert.equal(propText(propNodes(none, 'AirSyncBase:Body'), 'AirSyncBase:Data'), undefined);
        const whole = await seenBy('14.1', serverId, { options: [asb('BodyPreference', [asb('Type', 1)])] });
        assert.equal(propText(propNodes(whole, 'AirSyncBase:Body'), 'AirSyncBase:Data'), notes);
      });

      it('MS-ASCNTC 2.2.2.7.2–2.2.2.9: 2.5 Truncation cuts contacts:Body, with BodySize and BodyTruncated 1', async () => {
        const seen = await seenBy('2.5', serverId, { options: [as('Truncation', 1)] }); // 1: 512 (MS-ASCMD 2.2.3.185)
        assert.equal(propText(seen, 'Contacts:Body'), notes.slice(0, 512));
        assert.equal(propText(seen, 'Contacts:BodySize'), String(notes.length));
        assert.equal(propText(seen, 'Contacts:BodyTruncated'), '1');
      });

      it('2.5 notes reach 12.0+ as airsyncbase:Body; a 2.5 Change sending back the text of HTML notes keeps the HTML', async () => {
        const legacy = await device('2.5');
        const plain = await add(legacy, [['Contacts:FileAs', 'From 2.5'], ['Contacts:Body', 'plain notes']]);
        assert.deepEqual(propNodes(await seenBy('12.0', plain.serverId!), 'AirSyncBase:Body'),
          [['AirSyncBase:Type', '1'], ['AirSyncBase:EstimatedDataSize', '11'], ['AirSyncBase:Data', 'plain notes']]);
        const html = await add(await device('14.1'), [['Contacts:FileAs', 'Rich'], body('<p>Hello <b>there</b></p>', '2')]);
        await legacy.syncAll();
        const text = propText(legacy.items.get(html.serverId!), 'Contacts:Body');
        assert.equal(text, 'Hello there');
        await change(legacy, html.serverId!, [['Contacts:FileAs', 'Rich'], ['Contacts:Body', text!]]);
        assert.deepEqual(propNodes(await stored(html.serverId!), 'AirSyncBase:Body'), body('<p>Hello <b>there</b></p>', '2')[1]);
        await change(legacy, html.serverId!, [['Contacts:FileAs', 'Rich'], ['Contacts:Body', 'Edited on 2.5']]);
        assert.deepEqual(propNodes(await stored(html.serverId!), 'AirSyncBase:Body'), body('Edited on 2.5')[1]);
      });
    });
  });
}
