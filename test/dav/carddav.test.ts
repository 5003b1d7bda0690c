// CardDAV end to end (docs/dav.md, "CardDAV"): tsdav and raw requests against the EAS listener with
// the DAV mount, on SQLite and PostgreSQL; an EAS device on the same account sees CardDAV's contacts
// with their fields, and CardDAV sees the device's as vCards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAVClient, type DAVAddressBook } from 'tsdav';
import { davMount } from '../../src/dav/server.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { propText } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const basic = (): string => `Basic ${Buffer.from(`${ALICE}:${PASSWORD}`).toString('base64')}`;
const PHOTO = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 9)]).toString('base64');

function vcard(uid: string, fn: string, extra: string[] = []): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, 'N:Doe;Jo;Q;Dr.;Jr.', 'EMAIL;TYPE=INTERNET,WORK:jo@work.example',
    'EMAIL;TYPE=HOME:jo@home.example', 'TEL;TYPE=CELL:+1 555 0100', 'TEL;TYPE=WORK,VOICE:+1 555 0200', 'TEL;TYPE=HOME,FAX:+1 555 0300',
    'ADR;TYPE=WORK:;;1 Main St;Springfield;IL;62701;USA', 'ORG:Acme;Research', 'TITLE:Chemist', 'BDAY:1980-02-03',
    'NOTE:first line\\nsecond\\, line', 'CATEGORIES:Friends,Work', 'URL:https://jo.example', 'NICKNAME:JD',
    `PHOTO;ENCODING=b;TYPE=JPEG:${PHOTO}`, 'X-SOCIALPROFILE;TYPE=mastodon:https://social.example/@jo', ...extra, 'END:VCARD', ''].join('\r\n');
}

const categories = (props: ItemProps | undefined): string[] | undefined => {
  const node = props?.find(p => p[0] === 'Contacts:Categories')?.[1];
  return Array.isArray(node) ? node.map(c => String(c[1])) : undefined;
};
const notes = (props: ItemProps | undefined): string | undefined => {
  const node = props?.find(p => p[0] === 'AirSyncBase:Body')?.[1];
  return Array.isArray(node) ? propText(node, 'AirSyncBase:Data') : undefined;
};

for (const makeBackend of BACKENDS) {
  describe(`CardDAV (RFC 6352) on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    let dav: DAVClient;
    let book: DAVAddressBook;
    let bookId: string;
    let n = 0;

    const raw = (path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (init.auth !== null) headers.set('Authorization', init.auth ?? basic());
      return fetch(new URL(path, t.url), { ...init, headers, redirect: 'manual' });
    };
    const count = async (): Promise<number> => (await t.store.liveItemIds(Number(bookId))).length;

    before(async () => {
      t = await startServer({ users: [ALICE], backend: makeBackend, server: { mounts: [davMount()] } });
      bookId = await folderId(t, ALICE, FolderType.Contacts);
      dav = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'carddav' });
      await dav.login();
      book = (await dav.fetchAddressBooks()).find(b => b.url.endsWith(`/${bookId}/`))!;
    });
    after(() => t.close());

    it('RFC 6764, RFC 6352 7.1.1: discovery from /.well-known/carddav reaches the address book home and every Contacts folder', async () => {
      const wk = await raw('/.well-known/carddav', { method: 'PROPFIND', auth: null });
      assert.equal(wk.status, 301);
      assert.equal(wk.headers.get('location'), '/dav/');
      assert.equal(dav.account?.homeUrl, `${t.url}/dav/addressbooks/alice%40example.com/`);
      assert.ok(book, 'the EAS Contacts folder is an address book');
      assert.equal(book.displayName, 'Contacts');
      const alice = (await t.store.findUserByEmail(ALICE))!;
      const made = await t.store.createFolder(alice.id, { parentId: 0, displayName: 'Clients', type: FolderType.UserContacts });
      const books = await dav.fetchAddressBooks();
      assert.ok(books.some(b => b.url.endsWith(`/${made.id}/`) && b.displayName === 'Clients'));
      assert.ok(!books.some(b => /\/calendars\//.test(b.url)), 'no calendar among the address books');
      const props = await raw(new URL(book.url).pathname, { method: 'PROPFIND', headers: { Depth: '0' },
        body: '<d:propfind xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:resourcetype/><card:supported-address-data/></d:prop></d:propfind>' });
      const text = await props.text();
      assert.match(text, /<card:addressbook\/>/);
      assert.match(text, /version="4.0"/);
      assert.match((await raw('/dav/', { method: 'OPTIONS', auth: null })).headers.get('dav') ?? '', /addressbook/);
    });

    it('a contact PUT by CardDAV reaches an EAS device\'s Sync with its fields, and comes back with what EAS cannot hold', async () => {
      const created = await dav.createVCard({ addressBook: book, filename: 'jo.vcf', vCardString: vcard('jo-1', 'Jo Doe') });
      assert.equal(created.status, 201);
      const { collection } = await syncedDevice(t, ALICE, bookId, { deviceId: `CARD${++n}` });
      const props = [...collection.items.values()].find(p => propText(p, 'Contacts:FileAs') === 'Jo Doe');
      assert.ok(props, 'the device has the contact');
      const expect: Record<string, string> = {
        'Contacts:LastName': 'Doe', 'Contacts:FirstName': 'Jo', 'Contacts:MiddleName': 'Q', 'Contacts:Title': 'Dr.', 'Contacts:Suffix': 'Jr.',
        'Contacts:Email1Address': 'jo@work.example', 'Contacts:Email2Address': 'jo@home.example', 'Contacts:MobilePhoneNumber': '+1 555 0100',
        'Contacts:BusinessPhoneNumber': '+1 555 0200', 'Contacts:HomeFaxNumber': '+1 555 0300', 'Contacts:BusinessStreet': '1 Main St',
        'Contacts:BusinessCity': 'Springfield', 'Contacts:BusinessState': 'IL', 'Contacts:BusinessPostalCode': '62701', 'Contacts:BusinessCountry': 'USA',
        'Contacts:CompanyName': 'Acme', 'Contacts:Department': 'Research', 'Contacts:JobTitle': 'Chemist', 'Contacts:WebPage': 'https://jo.example',
        'Contacts2:NickName': 'JD', 'Contacts:Picture': PHOTO,
      };
      for (const [name, value] of Object.entries(expect)) assert.equal(propText(props, name), value, name);
      assert.match(propText(props, 'Contacts:Birthday') ?? '', /^1980-02-03T00:00:00/);
      assert.deepEqual(categories(props), ['Friends', 'Work']);
      assert.equal(notes(props), 'first line\nsecond, line');
      assert.ok(!props.some(p => p[0].startsWith('Convene:')), 'the kept vCard lines are no EAS element');
      // Back as vCard: the fields, the UID and the property EAS cannot hold.
      const [card] = await dav.fetchVCards({ addressBook: book, objectUrls: [`${book.url}jo.vcf`] });
      const data = String(card.data);
      assert.match(card.etag ?? '', /^"\d+-\d+"$/);
      for (const line of ['VERSION:3.0', 'UID:jo-1', 'FN:Jo Doe', 'N:Doe;Jo;Q;Dr.;Jr.', 'TEL;TYPE=cell:+1 555 0100', 'ORG:Acme;Research',
        'BDAY:1980-02-03', 'NOTE:first line\\nsecond\\, line', 'CATEGORIES:Friends,Work', 'X-SOCIALPROFILE;TYPE=mastodon:https://social.example/@jo']) {
        assert.ok(data.includes(line), `${line} in\n${data}`);
      }
      // vCard 4.0 when asked for.
      const v4 = await raw(new URL(card.url).pathname, { headers: { Accept: 'text/vcard; version=4.0' } });
      const v4text = await v4.text();
      assert.match(v4text, /VERSION:4\.0/);
      assert.match(v4text, /PHOTO:data:image\/jpeg;base64,/);
      assert.match(v4text, /BDAY:19800203/);
    });

    it('a contact added by an EAS device is fetched as a vCard with its fields; an EAS edit keeps the vCard-only lines', async () => {
      const { collection } = await syncedDevice(t, ALICE, bookId, { deviceId: `CARD${++n}` });
      const added = await collection.sync([{ kind: 'Add', clientId: 'p1', props: [
        ['Contacts:FirstName', 'Pat'], ['Contacts:LastName', 'Phone'], ['Contacts:Email1Address', 'pat@phone.example'],
        ['Contacts:HomePhoneNumber', '+44 20 0000'], ['Contacts:HomeCity', 'London'], ['Contacts:JobTitle', 'Pilot'],
        ['Contacts:Categories', [['Contacts:Category', 'VIP']]], ['AirSyncBase:Body', [['AirSyncBase:Type', '2'], ['AirSyncBase:Data', '<p>met; at work</p>']]], ['Contacts:Anniversary', '2015-06-01T00:00:00.000Z'],
      ] }]);
      const serverId = added.added.get('p1')!.serverId!;
      const cards = await dav.fetchVCards({ addressBook: book });
      const card = cards.find(c => String(c.data).includes('pat@phone.example'));
      assert.ok(card, 'tsdav fetchVCards (addressbook-query + multiget) finds it');
      assert.match(card.url, /\/eas-\d+\.vcf$/);
      const data = String(card.data);
      for (const line of ['FN:Pat Phone', 'N:Phone;Pat;;;', 'EMAIL;TYPE=INTERNET:pat@phone.example', 'TEL;TYPE=home:+44 20 0000',
        'ADR;TYPE=home:;;;London;;;', 'TITLE:Pilot', 'CATEGORIES:VIP', 'NOTE:met\\; at work', `UID:convene-${serverId.split(':')[1]}`]) {
        assert.ok(data.includes(line), `${line} in\n${data}`);
      }
      // CardDAV edit, then a phone edit: the phone sees the CardDAV edit, and the vCard-only line survives the phone's.
      const updated = await dav.updateVCard({ vCard: { ...card, data: data.replace('TITLE:Pilot', 'TITLE:Captain').replace('END:VCARD', 'X-KEPT:yes\r\nEND:VCARD') } });
      assert.equal(updated.status, 204);
      const round = await collection.sync();
      const change = round.collection?.child('Commands')?.all('Change') ?? [];
      assert.equal(change.length, 1);
      const seen = collection.items.get(serverId)!;
      assert.equal(propText(seen, 'Contacts:JobTitle'), 'Captain');
      assert.match(propText(seen, 'Contacts:Anniversary') ?? '', /^2015-06-01/, 'X-ANNIVERSARY read back');
      const stored = (await t.store.getItem((await t.store.findUserByEmail(ALICE))!.id, Number(serverId.split(':')[1])))!.props;
      assert.equal(notes(stored), '<p>met; at work</p>', 'HTML notes shown as text and sent back unchanged stay HTML');
      // A phone sends the whole contact back (no Supported list: it manages every element).
      const whole = collection.items.get(serverId)!.map(p => (p[0] === 'Contacts:JobTitle' ? ['Contacts:JobTitle', 'Admiral'] : p) as ItemProps[number]);
      await collection.sync([{ kind: 'Change', serverId, props: whole }]);
      const [after] = await dav.fetchVCards({ addressBook: book, objectUrls: [card.url] });
      assert.match(String(after.data), /TITLE:Admiral/);
      assert.match(String(after.data), /X-KEPT:yes/);
      assert.match(String(after.data), /EMAIL;TYPE=INTERNET:pat@phone.example/);
    });

    it('RFC 6578: sync-collection on an address book shows an EAS Add once, then a CardDAV delete as 404', async () => {
      const start = (await dav.fetchAddressBooks()).find(b => b.url === book.url)!.syncToken as string;
      assert.match(start, /^urn:convene:sync:/);
      const { collection } = await syncedDevice(t, ALICE, bookId, { deviceId: `CARD${++n}` });
      await collection.sync([{ kind: 'Add', clientId: 's1', props: [['Contacts:FileAs', 'Sync Sam'], ['Contacts:Email1Address', 'sam@x.example']] }]);
      const first = await dav.syncCollection({ url: book.url, props: { 'd:getetag': {}, 'card:address-data': {} }, syncLevel: 1, syncToken: start });
      const changed = first.filter(r => r.href);
      assert.equal(changed.length, 1);
      assert.match(String(changed[0].props?.addressData), /FN:Sync Sam/);
      const token = first[0].raw?.multistatus?.syncToken as string;
      const again = await dav.syncCollection({ url: book.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      assert.equal(again.filter(r => r.href).length, 0, 'seen exactly once');
      const href = changed[0].href!;
      assert.equal((await raw(href, { method: 'DELETE' })).status, 204);
      const gone = await dav.syncCollection({ url: book.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      assert.deepEqual(gone.filter(r => r.href).map(r => [r.href, r.status]), [[href, 404]]);
      const round = await collection.sync();
      assert.equal(round.collection?.child('Commands')?.all('Delete').length, 1);
    });

    it('RFC 7232: a stale If-Match gets 412 and changes nothing; DELETE with the current ETag works', async () => {
      await dav.createVCard({ addressBook: book, filename: 'etag.vcf', vCardString: vcard('etag-1', 'Etag One') });
      const [card] = await dav.fetchVCards({ addressBook: book, objectUrls: [`${book.url}etag.vcf`] });
      assert.equal((await dav.updateVCard({ vCard: { ...card, data: vcard('etag-1', 'Etag Two') } })).status, 204);
      const stale = await dav.updateVCard({ vCard: { ...card, data: vcard('etag-1', 'Etag Three') } });
      assert.equal(stale.status, 412);
      const [now] = await dav.fetchVCards({ addressBook: book, objectUrls: [card.url] });
      assert.match(String(now.data), /FN:Etag Two/);
      assert.equal((await dav.deleteVCard({ vCard: card })).status, 412, 'a stale ETag deletes nothing');
      assert.equal((await dav.deleteVCard({ vCard: now })).status, 204);
    });

    it('RFC 6352 6.3.2.1: a bad vCard is refused with valid-address-data and changes nothing', async () => {
      const path = `${new URL(book.url).pathname}bad.vcf`;
      const before = await count();
      const put = (body: string, type = 'text/vcard') => raw(path, { method: 'PUT', headers: { 'Content-Type': type }, body });
      for (const body of ['hello', 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:x\r\n', 'BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Old\r\nEND:VCARD\r\n',
        `${vcard('a', 'A')}${vcard('b', 'B')}`, vcard('d', 'Bad Day', ['ANNIVERSARY:2020-13-45'])]) {
        const res = await put(body);
        assert.equal(res.status, 403, body.slice(0, 40));
        assert.match(await res.text(), /valid-address-data/);
      }
      const big = await put(vcard('p', 'Big', []).replace(PHOTO, Buffer.alloc(40 * 1024, 1).toString('base64')));
      assert.equal(big.status, 403);
      assert.match(await big.text(), /max-resource-size/);
      assert.equal((await put(vcard('c', 'Cal'), 'text/calendar')).status, 415);
      assert.equal(await count(), before);
      assert.equal((await raw(path)).status, 404);
    });

    it('edge cases answer 4xx: calendar REPORTs on an address book, an unknown collation, a calendar as an address book, writes on the collection', async () => {
      const path = new URL(book.url).pathname;
      const report = (body: string) => raw(path, { method: 'REPORT', headers: { Depth: '1' }, body });
      const multiget = await report('<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop></c:calendar-multiget>');
      assert.equal(multiget.status, 403);
      assert.match(await multiget.text(), /supported-report/);
      const textMatch = await report('<card:addressbook-query xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:prop><d:getetag/></d:prop>'
        + '<card:filter><card:prop-filter name="FN"><card:text-match collation="i;bogus">Jo</card:text-match></card:prop-filter></card:filter></card:addressbook-query>');
      assert.equal(textMatch.status, 403);
      assert.match(await textMatch.text(), /supported-collation/);
      const calId = await folderId(t, ALICE, FolderType.Calendar);
      assert.equal((await raw(`/dav/addressbooks/alice%40example.com/${calId}/`, { method: 'PROPFIND', headers: { Depth: '0' } })).status, 404);
      assert.equal((await raw(path, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: vcard('x', 'X') })).status, 405);
      assert.equal((await raw(`${path}none.vcf`, { method: 'HEAD' })).status, 404);
    });
  });
}
