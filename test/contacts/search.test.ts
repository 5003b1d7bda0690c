// Free-text Search over contacts (MS-ASCMD 2.2.1.16, Store Mailbox, airsync:Class Contacts) over
// real HTTP and WBXML on both store engines: found by what a person is called, works for and lives
// at, returned with the Contact class elements of the asking device's version (MS-ASCNTC 2.2.2).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { email } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const s = tags('Search');
const as = tags('AirSync');
const asb = tags('AirSyncBase');
const io = tags('ItemOperations');

const query = (and: (Element | false)[], options?: Element[]): Element =>
  s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('And', and)]), options && s('Options', options)])]);

for (const backend of BACKENDS) {
  describe(`Search over contacts (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let n = 0;

    before(async () => {
      t = await startServer({ backend });
      const alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      const folders = await t.store.listFolders(alice);
      const contacts = folders.find(f => f.type === FolderType.Contacts)!.id;
      const contact = (props: ItemProps) => t.store.addItem(alice, contacts, { class: 'Contacts', props });
      await contact([
        ['Contacts:FileAs', 'Quimby, Zed'], ['Contacts:FirstName', 'Zed'], ['Contacts:LastName', 'Quimby'],
        ['Contacts:CompanyName', 'Acme Widgets'], ['Contacts:BusinessStreet', '743 Evergreen Terrace'], ['Contacts:BusinessCity', 'Springfield'],
        ['Contacts:Email1Address', 'zed@acme.example'], ['Contacts:Alias', 'zq'],
        ['AirSyncBase:Body', [['AirSyncBase:Type', '2'], ['AirSyncBase:Data', '<p>Prefers <b>email</b> over calls</p>']]],
      ]);
      await contact([['Contacts:FileAs', 'Other, Olive'], ['Contacts:HomeCity', 'Shelbyville'],
        ['Contacts:Categories', [['Contacts:Category', 'Springfield Club']]]]);
      // Base64 letters that spell a name are a photo, not a name.
      await contact([['Contacts:FileAs', 'Photo Only'], ['Contacts:Picture', 'QUIMBYQUIMBYQUIMBYQUIMBYQUIM'], ['Contacts:WeightedRank', '5']]);
      const inbox = folders.find(f => f.type === FolderType.Inbox)!.id;
      await t.store.addItem(alice, inbox, { class: 'Email', props: email('Springfield news'), filterTime: Date.now() });
    });
    after(() => t.close());

    const search = async (tree: Element, version = '14.1'): Promise<Element[]> => {
      const res = await t.client('alice@example.com', { deviceId: `SC${++n}`, version }).send('Search', tree);
      assert.equal(res.status, 200);
      const store = res.body!.child('Response')!.child('Store')!;
      assert.equal(store.childText('Status'), '1');
      return store.all('Result').filter(r => r.has('Properties'));
    };
    const fileAs = (results: Element[]) => results.map(r => r.child('Properties')!.childText('FileAs', 'Contacts')).sort();
    const contactsWith = async (text: string) => fileAs(await search(query([as('Class', 'Contacts'), s('FreeText', text)])));

    it('MS-ASCMD 2.2.3.27.5 Class Contacts: FreeText finds contacts by name, company, address and category, not mail', async () => {
      assert.deepEqual(await contactsWith('quimby'), ['Quimby, Zed']);
      assert.deepEqual(await contactsWith('ACME'), ['Quimby, Zed']);
      assert.deepEqual(await contactsWith('evergreen terrace'), ['Quimby, Zed']);
      assert.deepEqual(await contactsWith('zed@acme'), ['Quimby, Zed']);
      assert.deepEqual(await contactsWith('springfield'), ['Other, Olive', 'Quimby, Zed']);
      const everything = await search(query([s('FreeText', 'springfield')]));
      assert.deepEqual(everything.map(r => r.childText('Class', 'AirSync')).sort(), ['Contacts', 'Contacts', 'Email']);
    });

    it('the notes are searched as their text; the photo, the notes\' Type and WeightedRank are not words', async () => {
      assert.deepEqual(await contactsWith('prefers email'), ['Quimby, Zed']);
      assert.deepEqual(await contactsWith('<b>'), []);
      assert.deepEqual(await contactsWith('2'), []);
      assert.deepEqual(await contactsWith('5'), []);
    });

    it('results carry Class Contacts and the Contact class elements of the device\'s version (MS-ASCNTC 2.2.2.2: Alias 14.0+)', async () => {
      const [hit] = await search(query([as('Class', 'Contacts'), s('FreeText', 'quimby')]));
      assert.equal(hit!.childText('Class', 'AirSync'), 'Contacts');
      const props = hit!.child('Properties')!;
      assert.equal(props.childText('CompanyName', 'Contacts'), 'Acme Widgets');
      assert.equal(props.childText('Alias', 'Contacts'), 'zq');
      const [old] = await search(query([as('Class', 'Contacts'), s('FreeText', 'quimby')]), '12.1');
      assert.equal(old!.child('Properties')!.child('Alias', 'Contacts'), undefined);
      assert.equal(old!.child('Properties')!.childText('BusinessCity', 'Contacts'), 'Springfield');
    });

    it('MS-ASAIRS 2.2.2.12: the notes in a result follow the Search BodyPreference; ItemOperations fetches the result whole', async () => {
      const [hit] = await search(query([as('Class', 'Contacts'), s('FreeText', 'quimby')],
        [asb('BodyPreference', [asb('Type', 2), asb('TruncationSize', 9)])]));
      const notes = hit!.child('Properties')!.child('Body', 'AirSyncBase')!;
      assert.equal(notes.childText('Truncated', 'AirSyncBase'), '1');
      assert.equal(notes.childText('Data', 'AirSyncBase'), '<p>Prefer');
      const fetched = await t.client('alice@example.com', { deviceId: `SC${++n}` }).send('ItemOperations', io('ItemOperations', [
        io('Fetch', [io('Store', 'Mailbox'), s('LongId', hit!.childText('LongId')!)]),
      ]));
      const fetch = fetched.body!.child('Response')!.child('Fetch')!;
      assert.equal(fetch.childText('Status'), '1');
      assert.equal(fetch.childText('Class', 'AirSync'), 'Contacts');
      assert.equal(fetch.child('Properties')!.childText('FileAs', 'Contacts'), 'Quimby, Zed');
    });
  });
}
