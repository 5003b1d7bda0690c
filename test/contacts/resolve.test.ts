// Contact photos in ResolveRecipients (MS-ASCMD 2.2.3.135.2 Picture, 14.1+) over real HTTP and
// WBXML on both store engines: a contact's own photo (MS-ASCNTC 2.2.2.58) comes back as Data within
// MaxSize and MaxPictures, with Status 173, 174 or 175 otherwise; directory entries have none.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { PICTURE_BYTES_BUDGET } from '../../src/eas/commands/ResolveRecipients.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const rr = tags('ResolveRecipients');

const small = Buffer.alloc(600, 0xab);
const large = Buffer.alloc(3000, 0xcd);

for (const backend of BACKENDS) {
  describe(`ResolveRecipients photos of contacts (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let n = 0;

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'penny@example.com'] });
      const alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      const folder = (await t.store.listFolders(alice)).find(f => f.type === FolderType.Contacts)!.id;
      const contact = (props: ItemProps) => t.store.addItem(alice, folder, { class: 'Contacts', props });
      await contact([['Contacts:FileAs', 'Penn Small'], ['Contacts:Email1Address', 'penn@small.example'], ['Contacts:Picture', small.toString('base64')]]);
      await contact([['Contacts:FileAs', 'Penn Large'], ['Contacts:Email1Address', 'penn@large.example'], ['Contacts:Picture', large.toString('base64')]]);
      await contact([['Contacts:FileAs', 'Penn Plain'], ['Contacts:Email1Address', 'penn@plain.example']]);
      await contact([['Contacts:FileAs', 'Penn Second'], ['Contacts:Email1Address', 'penn@second.example'], ['Contacts:Picture', small.toString('base64')]]);
    });
    after(() => t.close());

    /** The Picture of each Recipient of one To, by address: [Status, Data length]. */
    const photos = async (to: string, picture: Element[], version = '14.1'): Promise<Record<string, [string | undefined, number | undefined]>> => {
      const res = await t.client('alice@example.com', { deviceId: `RP${++n}`, version })
        .send('ResolveRecipients', rr('ResolveRecipients', [rr('To', to), rr('Options', [rr('Picture', picture)])]));
      assert.equal(res.body?.childText('Status'), '1');
      return Object.fromEntries(res.body!.child('Response')!.all('Recipient').map(r => {
        const p = r.child('Picture');
        return [r.childText('EmailAddress')!, [p?.childText('Status'), p?.child('Data')?.bytes?.length]];
      }));
    };

    it('MS-ASCMD 2.2.3.135.2, 2.2.3.39.3: a resolved contact\'s photo comes back as Data', async () => {
      const got = await photos('penn@small.example', []);
      assert.deepEqual(got, { 'penn@small.example': ['1', small.length] });
    });

    it('MS-ASCMD 2.2.3.105.2 MaxSize: a larger photo is Status 174; 173 for a contact without one and for directory entries', async () => {
      assert.deepEqual(await photos('penn@large.example', [rr('MaxSize', 1000)]), { 'penn@large.example': ['174', undefined] });
      assert.deepEqual(await photos('penn@plain.example', [rr('MaxSize', 1000)]), { 'penn@plain.example': ['173', undefined] });
      assert.deepEqual(await photos('penny@example.com', []), { 'penny@example.com': ['173', undefined] });
    });

    it('MS-ASCMD 2.2.3.104.2 MaxPictures: past the limit a contact with a photo is Status 175 (counted per To)', async () => {
      const got = await photos('Penn', [rr('MaxSize', 1000), rr('MaxPictures', 1)]);
      assert.deepEqual(Object.values(got).map(([status]) => status).sort(), ['1', '173', '173', '174', '175']); // 173 twice: Penn Plain, and the directory's penny
      assert.deepEqual(got['penn@large.example'], ['174', undefined]);
      assert.deepEqual(got['penn@plain.example'], ['173', undefined]);
    });

    it('without MaxPictures, photo bytes in one answer stop at the budget; the rest are Status 175', async () => {
      const alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      const folder = (await t.store.listFolders(alice)).find(f => f.type === FolderType.Contacts)!.id;
      const photo = Buffer.alloc(36 * 1024, 0x5a).toString('base64'); // 48 KB of base64, the most a contact keeps
      const count = Math.ceil(PICTURE_BYTES_BUDGET / (36 * 1024)) + 5;
      for (let i = 0; i < count; i++) {
        await t.store.addItem(alice, folder, { class: 'Contacts', props: [['Contacts:FileAs', `Budget ${i}`], ['Contacts:Email1Address', `budget${i}@photo.example`], ['Contacts:Picture', photo]] });
      }
      const got = Object.values(await photos('budget', []));
      const given = got.filter(([status]) => status === '1');
      assert.equal(given.length, Math.floor(PICTURE_BYTES_BUDGET / (36 * 1024)));
      assert.ok(given.reduce((sum, [, bytes]) => sum + (bytes ?? 0), 0) <= PICTURE_BYTES_BUDGET);
      assert.equal(got.filter(([status]) => status === '175').length, count - given.length);
    });

    it('MS-ASCMD 2.2.3.135.2: no Picture before 14.1', async () => {
      assert.deepEqual(await photos('penn@small.example', [], '14.0'), { 'penn@small.example': [undefined, undefined] });
    });
  });
}
