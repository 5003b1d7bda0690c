// UIDs and filters (docs/dav.md): one UID per collection for contacts as for events (RFC 6352
// 6.3.2.1, RFC 4791 5.3.2.1: 409 no-uid-conflict naming the holder), text-match with its
// collations and match types, param-filter and is-not-defined in addressbook-query (RFC 6352 10.5)
// and prop-filters in calendar-query (RFC 4791 9.7.2-9.7.5); tsdav where it has the call, raw
// requests for the rest, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAVClient, type DAVAddressBook, type DAVCalendar } from 'tsdav';
import { MAX_FILTERS } from '../../src/dav/filters.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const basic = `Basic ${Buffer.from(`${ALICE}:${PASSWORD}`).toString('base64')}`;
const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav"';

function vcard(uid: string, fn: string, lines: string[] = []): string {
  return ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, ...lines, 'END:VCARD', ''].join('\r\n');
}

function ics(uid: string, summary: string, lines: string[] = []): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z',
    'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', `SUMMARY:${summary}`, ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

for (const makeBackend of BACKENDS) {
  describe(`DAV UIDs and filters on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    let cards: DAVClient;
    let cal: DAVClient;
    let book: DAVAddressBook;
    let calendar: DAVCalendar;
    let bookPath: string;
    let calPath: string;

    const raw = (path: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('Authorization', basic);
      return fetch(new URL(path, t.url), { ...init, headers, redirect: 'manual' });
    };
    /** The resource names an addressbook-query with this filter answers, sorted. */
    const cardQuery = async (filter: string): Promise<string[]> => {
      const res = await raw(bookPath, { method: 'REPORT', headers: { Depth: '1' },
        body: `<card:addressbook-query ${NS}><d:prop><d:getetag/></d:prop>${filter}</card:addressbook-query>` });
      assert.equal(res.status, 207, filter);
      return [...(await res.text()).matchAll(/<d:href>[^<]*\/([^/<]+)<\/d:href>/g)].map(m => m[1]).sort();
    };
    const calQuery = async (inner: string): Promise<string[]> => {
      const res = await raw(calPath, { method: 'REPORT', headers: { Depth: '1' },
        body: `<c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">${inner}</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>` });
      assert.equal(res.status, 207, inner);
      return [...(await res.text()).matchAll(/<d:href>[^<]*\/([^/<]+)<\/d:href>/g)].map(m => m[1]).sort();
    };

    before(async () => {
      t = await startServer({ users: [ALICE], backend: makeBackend, server: { mounts: [davMount()] } });
      const bookId = await folderId(t, ALICE, FolderType.Contacts);
      const calId = await folderId(t, ALICE, FolderType.Calendar);
      cards = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'carddav' });
      await cards.login();
      book = (await cards.fetchAddressBooks()).find(b => b.url.endsWith(`/${bookId}/`))!;
      bookPath = new URL(book.url).pathname;
      cal = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
      await cal.login();
      calendar = (await cal.fetchCalendars()).find(x => x.url.endsWith(`/${calId}/`))!;
      calPath = new URL(calendar.url).pathname;
    });
    after(() => t.close());

    it('RFC 6352 6.3.2.1: a second contact with a UID the address book has is 409 no-uid-conflict, naming the holder', async () => {
      assert.equal((await cards.createVCard({ addressBook: book, filename: 'jo.vcf', vCardString: vcard('jo-1', 'Jo Doe') })).status, 201);
      const before = (await t.store.liveItemIds(Number(book.url.split('/').at(-2)))).length;
      const dup = await cards.createVCard({ addressBook: book, filename: 'jo-again.vcf', vCardString: vcard('jo-1', 'Jo Again') });
      assert.equal(dup.status, 409);
      const body = await dup.text();
      assert.match(body, /<card:no-uid-conflict><d:href>[^<]*\/jo\.vcf<\/d:href><\/card:no-uid-conflict>/);
      assert.equal((await t.store.liveItemIds(Number(book.url.split('/').at(-2)))).length, before);
      // The holder itself may be written again with its UID; after a DELETE the UID is free.
      const again = await raw(`${bookPath}jo.vcf`, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: vcard('jo-1', 'Jo D.') });
      assert.equal(again.status, 204);
      assert.equal((await raw(`${bookPath}jo.vcf`, { method: 'DELETE' })).status, 204);
      assert.equal((await cards.createVCard({ addressBook: book, filename: 'jo-again.vcf', vCardString: vcard('jo-1', 'Jo Again') })).status, 201);
      assert.equal((await raw(`${bookPath}jo-again.vcf`, { method: 'DELETE' })).status, 204);
    });

    it('a device\'s contact is served with UID convene-<id>; a CardDAV copy under that UID elsewhere is a conflict too', async () => {
      const { collection } = await syncedDevice(t, ALICE, book.url.split('/').at(-2)!, { deviceId: 'UIDPHONE' });
      const add = await collection.sync([{ kind: 'Add', clientId: 'c1', props: [['Contacts:FileAs', 'Phone Made'], ['Contacts:FirstName', 'Phone']] }]);
      const serverId = add.added.get('c1')!.serverId!;
      const id = serverId.split(':')[1];
      const copy = await raw(`${bookPath}copy.vcf`, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: vcard(`convene-${id}`, 'Copy') });
      assert.equal(copy.status, 409);
      assert.match(await copy.text(), new RegExp(`eas-${id}\\.vcf</d:href>`));
      // The contact itself, PUT back by the client with that UID, keeps it; a device edit keeps it too.
      assert.equal((await raw(`${bookPath}eas-${id}.vcf`, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: vcard(`convene-${id}`, 'Phone Made') })).status, 204);
      assert.equal((await collection.sync([{ kind: 'Change', serverId, props: [['Contacts:FileAs', 'Phone Edited']] }])).status, 1);
      const second = await raw(`${bookPath}copy.vcf`, { method: 'PUT', headers: { 'Content-Type': 'text/vcard' }, body: vcard(`convene-${id}`, 'Copy') });
      assert.equal(second.status, 409, 'the UID stays indexed after an EAS edit');
      await raw(`${bookPath}eas-${id}.vcf`, { method: 'DELETE' });
    });

    it('RFC 4791 5.3.2.1: the same for events — 409 no-uid-conflict with the holder\'s href', async () => {
      assert.equal((await cal.createCalendarObject({ calendar, filename: 'a.ics', iCalString: ics('same-uid', 'A') })).status, 201);
      const dup = await cal.createCalendarObject({ calendar, filename: 'b.ics', iCalString: ics('same-uid', 'B') });
      assert.equal(dup.status, 409);
      assert.match(await dup.text(), /<c:no-uid-conflict><d:href>[^<]*\/a\.ics<\/d:href><\/c:no-uid-conflict>/);
      // A contact and an event may share a UID: the index is per collection.
      assert.equal((await cards.createVCard({ addressBook: book, filename: 'shared.vcf', vCardString: vcard('same-uid', 'Shared') })).status, 201);
      await raw(`${calPath}a.ics`, { method: 'DELETE' });
      await raw(`${bookPath}shared.vcf`, { method: 'DELETE' });
    });

    it('RFC 6352 10.5.4: text-match with match types, collations, negation, param-filter, is-not-defined, anyof/allof', async () => {
      const people: [string, string, string[]][] = [
        ['ann.vcf', 'Ann Smith', ['EMAIL;TYPE=INTERNET,WORK:ann@acme.example', 'NICKNAME:annie']],
        ['bob.vcf', 'Bob Smithers', ['EMAIL;TYPE=INTERNET,HOME:bob@home.example']],
        ['joran.vcf', 'Jöran Ærø', ['TEL;TYPE=CELL:+47 555 0100']],
      ];
      for (const [name, fn, lines] of people) {
        assert.equal((await cards.createVCard({ addressBook: book, filename: name, vCardString: vcard(name, fn, lines) })).status, 201);
      }
      const fn = (tm: string, attrs = '') => `<card:filter><card:prop-filter name="FN"><card:text-match${attrs}>${tm}</card:text-match></card:prop-filter></card:filter>`;
      assert.deepEqual(await cardQuery(fn('smith')), ['ann.vcf', 'bob.vcf'], 'contains, case-insensitive by default');
      assert.deepEqual(await cardQuery(fn('ann smith', ' match-type="equals"')), ['ann.vcf']);
      assert.deepEqual(await cardQuery(fn('bob', ' match-type="starts-with"')), ['bob.vcf']);
      assert.deepEqual(await cardQuery(fn('ERS', ' match-type="ends-with"')), ['bob.vcf']);
      assert.deepEqual(await cardQuery(fn('smith', ' negate-condition="yes"')), ['joran.vcf']);
      // i;unicode-casemap folds ö/Ö, i;ascii-casemap folds a-z only, i;octet nothing.
      assert.deepEqual(await cardQuery(fn('JÖRAN')), ['joran.vcf']);
      assert.deepEqual(await cardQuery(fn('JÖRAN', ' collation="i;ascii-casemap"')), []);
      assert.deepEqual(await cardQuery(fn('JöRAN', ' collation="i;ascii-casemap"')), ['joran.vcf']);
      assert.deepEqual(await cardQuery(fn('ann', ' collation="i;octet"')), []);
      // param-filter: a TEL whose TYPE is cell (as the vCard is served); is-not-defined: no EMAIL at all.
      assert.deepEqual(await cardQuery('<card:filter><card:prop-filter name="TEL"><card:param-filter name="TYPE"><card:text-match match-type="equals">CELL</card:text-match></card:param-filter></card:prop-filter></card:filter>'), ['joran.vcf']);
      assert.deepEqual(await cardQuery('<card:filter><card:prop-filter name="TEL"><card:param-filter name="TYPE"><card:text-match match-type="equals">work</card:text-match></card:param-filter></card:prop-filter></card:filter>'), []);
      assert.deepEqual(await cardQuery('<card:filter><card:prop-filter name="EMAIL"><card:is-not-defined/></card:prop-filter></card:filter>'), ['joran.vcf']);
      // anyof (default) and allof across prop-filters, and within one.
      const two = (test: string) => `<card:filter${test}><card:prop-filter name="FN"><card:text-match>smith</card:text-match></card:prop-filter>`
        + '<card:prop-filter name="NICKNAME"/></card:filter>';
      assert.deepEqual(await cardQuery(two('')), ['ann.vcf', 'bob.vcf']);
      assert.deepEqual(await cardQuery(two(' test="allof"')), ['ann.vcf']);
      assert.deepEqual(await cardQuery('<card:filter><card:prop-filter name="FN" test="allof"><card:text-match>smith</card:text-match><card:text-match>ers</card:text-match></card:prop-filter></card:filter>'), ['bob.vcf']);
      // tsdav's addressBookQuery with the same filter shape.
      const byTsdav = await cards.addressBookQuery({ url: book.url, props: { 'd:getetag': {} }, depth: '1',
        filters: { 'card:prop-filter': { _attributes: { name: 'FN' }, 'card:text-match': { _attributes: { 'match-type': 'starts-with' }, _text: 'ann' } } } });
      assert.deepEqual(byTsdav.map(r => r.href?.split('/').pop()), ['ann.vcf']);
    });

    it('addressbook-query and calendar-query refuse what they do not evaluate, and bound the work', async () => {
      const tooMany = `<card:filter>${Array.from({ length: MAX_FILTERS + 1 }, () => '<card:prop-filter name="FN"/>').join('')}</card:filter>`;
      const res = await raw(bookPath, { method: 'REPORT', body: `<card:addressbook-query ${NS}><d:prop><d:getetag/></d:prop>${tooMany}</card:addressbook-query>` });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /supported-filter/);
      const long = await raw(bookPath, { method: 'REPORT', body: `<card:addressbook-query ${NS}><d:prop><d:getetag/></d:prop><card:filter><card:prop-filter name="FN"><card:text-match>${'x'.repeat(2000)}</card:text-match></card:prop-filter></card:filter></card:addressbook-query>` });
      assert.equal(long.status, 403);
      const type = await raw(bookPath, { method: 'REPORT', body: `<card:addressbook-query ${NS}><d:prop><d:getetag/></d:prop><card:filter><card:prop-filter name="FN"><card:text-match match-type="regex">x</card:text-match></card:prop-filter></card:filter></card:addressbook-query>` });
      assert.equal(type.status, 403);
      const range = await raw(calPath, { method: 'REPORT', body: `<c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="DTSTAMP"><c:time-range start="20260101T000000Z"/></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>` });
      assert.equal(range.status, 403);
      assert.match(await range.text(), /supported-filter/);
      const collation = await raw(calPath, { method: 'REPORT', body: `<c:calendar-query ${NS}><d:prop><d:getetag/></d:prop><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:prop-filter name="SUMMARY"><c:text-match collation="i;klingon">x</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>` });
      assert.equal(collation.status, 403);
      assert.match(await collation.text(), /supported-collation/);
    });

    it('RFC 4791 9.7.2-9.7.5: calendar-query prop-filters with text-match, param-filter and is-not-defined', async () => {
      const events: [string, string, string[]][] = [
        ['standup.ics', 'Daily Standup', ['LOCATION:Room 1', 'ATTENDEE;PARTSTAT=ACCEPTED;CN=Bob:mailto:bob@example.com']],
        ['review.ics', 'Design review', ['ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com']],
        ['lunch.ics', 'Lunch', []],
      ];
      for (const [name, summary, lines] of events) {
        assert.equal((await cal.createCalendarObject({ calendar, filename: name, iCalString: ics(name, summary, lines) })).status, 201);
      }
      const summary = (text: string, attrs = '') => `<c:prop-filter name="SUMMARY"><c:text-match${attrs}>${text}</c:text-match></c:prop-filter>`;
      assert.deepEqual(await calQuery(summary('STANDUP')), ['standup.ics'], 'i;ascii-casemap by default');
      assert.deepEqual(await calQuery(summary('review', ' negate-condition="yes"')), ['lunch.ics', 'standup.ics']);
      assert.deepEqual(await calQuery('<c:prop-filter name="LOCATION"><c:is-not-defined/></c:prop-filter>'), ['lunch.ics', 'review.ics']);
      assert.deepEqual(await calQuery('<c:prop-filter name="ATTENDEE"><c:param-filter name="PARTSTAT"><c:text-match>NEEDS-ACTION</c:text-match></c:param-filter></c:prop-filter>'), ['review.ics']);
      // With a time-range: both must hold (RFC 4791 9.7.1).
      assert.deepEqual(await calQuery(`<c:time-range start="20261201T000000Z" end="20261202T000000Z"/>${summary('lunch')}`), ['lunch.ics']);
      assert.deepEqual(await calQuery(`<c:time-range start="20270101T000000Z" end="20270102T000000Z"/>${summary('lunch')}`), []);
      // tsdav's calendarQuery with a prop-filter.
      const byTsdav = await cal.calendarQuery({ url: calendar.url, props: { 'd:getetag': {} }, depth: '1',
        filters: { 'c:comp-filter': { _attributes: { name: 'VCALENDAR' }, 'c:comp-filter': { _attributes: { name: 'VEVENT' },
          'c:prop-filter': { _attributes: { name: 'SUMMARY' }, 'c:text-match': { _text: 'review' } } } } } });
      assert.deepEqual(byTsdav.map(r => r.href?.split('/').pop()), ['review.ics']);
    });
  });
}
