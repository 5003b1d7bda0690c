// DAV collections as EAS folders (docs/dav.md, "Collections"): MKCALENDAR (RFC 4791 5.3.1) and
// extended MKCOL (RFC 5689) make user calendars and address books an EAS device sees in its next
// FolderSync (types 13 and 14), a device's FolderCreate appears to tsdav, a displayname PROPPATCH
// is a FolderUpdate, a DELETE a FolderDelete; the properties round-trip and protected ones are
// refused with nothing changed. tsdav where it has the call, raw requests for the edge cases, on
// SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAVClient } from 'tsdav';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const HOME = '/dav/calendars/alice%40example.com/';
const BOOKS = '/dav/addressbooks/alice%40example.com/';
const fh = tags('FolderHierarchy');
const basic = `Basic ${Buffer.from(`${ALICE}:${PASSWORD}`).toString('base64')}`;
const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav" xmlns:a="http://apple.com/ns/ical/"';
const VTIMEZONE = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VTIMEZONE', 'TZID:Europe/Berlin', 'BEGIN:STANDARD',
  'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
  'END:VTIMEZONE', 'END:VCALENDAR', ''].join('\r\n');

interface Change { kind: string; serverId: string; displayName: string | undefined; type: number | undefined }

/** A device's FolderSync rounds, keeping its SyncKey: the changes of each round as sent. */
class Hierarchy {
  private key = '0';
  constructor(private readonly client: EasClient) {}
  async sync(): Promise<Change[]> {
    const res = await this.client.send('FolderSync', fh('FolderSync', [fh('SyncKey', this.key)]));
    const body = res.body as Element;
    assert.equal(body.childText('Status'), '1');
    this.key = body.childText('SyncKey') ?? this.key;
    return (body.child('Changes')?.children ?? []).filter(c => c.name !== 'Count').map(c => ({
      kind: c.name, serverId: c.childText('ServerId') ?? '', displayName: c.childText('DisplayName'),
      type: c.childText('Type') === undefined ? undefined : Number(c.childText('Type')),
    }));
  }
  get syncKey(): string { return this.key; }
  /** After a FolderCreate/Update/Delete of the device's own: the key it answered. */
  set syncKey(key: string) { this.key = key; }
}

for (const makeBackend of BACKENDS) {
  describe(`DAV collections as EAS folders on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    let dav: DAVClient;
    let cards: DAVClient;
    let phone: Hierarchy;
    let alice: number;

    const raw = (path: string, init: RequestInit = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('Authorization', basic);
      return fetch(new URL(path, t.url), { ...init, headers, redirect: 'manual' });
    };
    const folders = async () => t.store.listFolders(alice);
    const propfind = async (path: string, props: string): Promise<string> => {
      const res = await raw(path, { method: 'PROPFIND', headers: { Depth: '0' }, body: `<d:propfind ${NS}><d:prop>${props}</d:prop></d:propfind>` });
      assert.equal(res.status, 207);
      return res.text();
    };
    const proppatch = (path: string, inner: string) => raw(path, { method: 'PROPPATCH', body: `<d:propertyupdate ${NS}>${inner}</d:propertyupdate>` });

    before(async () => {
      t = await startServer({ users: [ALICE], backend: makeBackend, server: { mounts: [davMount()] } });
      alice = (await t.store.findUserByEmail(ALICE))!.id;
      dav = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
      await dav.login();
      cards = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'carddav' });
      await cards.login();
      phone = new Hierarchy(t.client(ALICE, { deviceId: 'COLLPHONE', version: '16.1' }));
      await phone.sync();
    });
    after(() => t.close());

    it('RFC 4791 5.3.1: a MKCALENDAR by tsdav is a user calendar (type 13) in the next FolderSync, with its properties stored', async () => {
      const made = await dav.makeCalendar({
        url: `${t.url}${HOME}work-cal/`,
        props: { 'd:displayname': 'Work', 'c:calendar-description': 'Team & projects', 'ca:calendar-color': '#FF8800FF', 'c:calendar-timezone': VTIMEZONE },
      });
      assert.equal(made[0]?.status, 201);
      const folder = (await folders()).find(f => f.davName === 'work-cal')!;
      assert.equal(folder.type, FolderType.UserCalendar);
      assert.equal(folder.displayName, 'Work');
      assert.deepEqual(await phone.sync(), [{ kind: 'Add', serverId: String(folder.id), displayName: 'Work', type: FolderType.UserCalendar }]);
      // tsdav reads it back from the home, under the URL it made, with description, colour and time zone.
      const cal = (await dav.fetchCalendars()).find(c => c.url.endsWith('/work-cal/'))!;
      assert.ok(cal, 'the new calendar is listed at the client\'s URL');
      assert.equal(cal.displayName, 'Work');
      assert.equal(cal.description, 'Team & projects');
      assert.equal(cal.calendarColor, '#FF8800FF');
      assert.match(cal.timezone ?? '', /TZID:Europe\/Berlin/);
      assert.deepEqual(cal.components, ['VEVENT']);
      // Its folder id names it too; an event PUT there reaches the device's Sync of the new folder.
      assert.match(await propfind(`${HOME}${folder.id}/`, '<d:displayname/>'), /<d:href>\/dav\/calendars\/alice%40example.com\/work-cal\/<\/d:href>/);
      assert.equal((await dav.createCalendarObject({ calendar: cal, filename: 'kickoff.ics', iCalString: [
        'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:kickoff-1', 'DTSTAMP:20261101T000000Z',
        'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Kick-off', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n') })).status, 201);
      const collection = new CollectionMirror(t.client(ALICE, { deviceId: 'COLLPHONE', version: '16.1' }), String(folder.id));
      await collection.sync();
      await collection.syncAll();
      assert.deepEqual([...collection.items.values()].map(props => props.find(p => p[0] === 'Calendar:Subject')?.[1]), ['Kick-off']);
    });

    it('RFC 4791 5.2.2: floating times PUT into a calendar with a calendar-timezone are in that zone', async () => {
      const folder = (await folders()).find(f => f.davName === 'work-cal')!;
      const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:floating-1', 'DTSTAMP:20261101T000000Z',
        'DTSTART:20261211T100000', 'DTEND:20261211T110000', 'SUMMARY:Floating', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      assert.equal((await raw(`${HOME}work-cal/floating.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body })).status, 201);
      const item = (await t.store.findItemsByUidInFolder(alice, folder.id, 'floating-1'))[0]!;
      assert.equal(item.event?.timeZone, 'Europe/Berlin');
      assert.equal(new Date(item.event!.start).toISOString(), '2026-12-11T09:00:00.000Z', '10:00 in Berlin (UTC+1 in December)');
      // The same object in the default calendar (no calendar-timezone) stays in UTC.
      const main = (await folders()).find(f => f.type === FolderType.Calendar)!;
      assert.equal((await raw(`${HOME}${main.id}/floating.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body })).status, 201);
      const utc = (await t.store.findItemsByUidInFolder(alice, main.id, 'floating-1'))[0]!;
      assert.equal(new Date(utc.event!.start).toISOString(), '2026-12-11T10:00:00.000Z');
      await raw(`${HOME}${main.id}/floating.ics`, { method: 'DELETE' });
    });

    it('RFC 5689: an extended MKCOL makes an address book (type 14); tsdav lists it and the device gets it', async () => {
      const res = await raw(`${BOOKS}friends/`, { method: 'MKCOL', body: `<d:mkcol ${NS}><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype>`
        + '<d:displayname>Friends</d:displayname><card:addressbook-description>People I know</card:addressbook-description></d:prop></d:set></d:mkcol>' });
      assert.equal(res.status, 201);
      const folder = (await folders()).find(f => f.davName === 'friends')!;
      assert.equal(folder.type, FolderType.UserContacts);
      assert.deepEqual(await phone.sync(), [{ kind: 'Add', serverId: String(folder.id), displayName: 'Friends', type: FolderType.UserContacts }]);
      const book = (await cards.fetchAddressBooks()).find(b => b.url.endsWith('/friends/'));
      assert.equal(book?.displayName, 'Friends');
      assert.match(await propfind(`${BOOKS}friends/`, '<card:addressbook-description/><card:max-resource-size/>'),
        /<card:addressbook-description>People I know<\/card:addressbook-description><card:max-resource-size>\d+<\/card:max-resource-size>/);
    });

    it('a FolderCreate from an EAS device is a collection tsdav finds; FolderSync has nothing more to tell the device', async () => {
      const res = await t.client(ALICE, { deviceId: 'COLLPHONE', version: '16.1' }).send('FolderCreate',
        fh('FolderCreate', [fh('SyncKey', phone.syncKey), fh('ParentId', '0'), fh('DisplayName', 'Holidays'), fh('Type', '13')]));
      const serverId = res.body?.childText('ServerId');
      assert.ok(serverId);
      const cal = (await dav.fetchCalendars()).find(c => c.url.endsWith(`/${serverId}/`));
      assert.equal(cal?.displayName, 'Holidays');
      const book = await t.client(ALICE, { deviceId: 'COLLPHONE', version: '16.1' }).send('FolderCreate',
        fh('FolderCreate', [fh('SyncKey', res.body!.childText('SyncKey')!), fh('ParentId', '0'), fh('DisplayName', 'Clients'), fh('Type', '14')]));
      const bookId = book.body?.childText('ServerId');
      phone.syncKey = book.body!.childText('SyncKey')!;
      assert.ok((await cards.fetchAddressBooks()).some(b => b.url.endsWith(`/${bookId}/`) && b.displayName === 'Clients'));
      assert.deepEqual(await phone.sync(), []);
      // The device renames and deletes: tsdav sees the new name, then no collection.
      const device = t.client(ALICE, { deviceId: 'COLLPHONE', version: '16.1' });
      const renamed = await device.send('FolderUpdate', fh('FolderUpdate', [fh('SyncKey', phone.syncKey), fh('ServerId', bookId!), fh('ParentId', '0'), fh('DisplayName', 'Customers')]));
      assert.equal(renamed.body?.childText('Status'), '1');
      assert.ok((await cards.fetchAddressBooks()).some(b => b.url.endsWith(`/${bookId}/`) && b.displayName === 'Customers'));
      const gone = await device.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', renamed.body!.childText('SyncKey')!), fh('ServerId', bookId!)]));
      assert.equal(gone.body?.childText('Status'), '1');
      phone.syncKey = gone.body!.childText('SyncKey')!;
      assert.equal((await raw(`${BOOKS}${bookId}/`, { method: 'PROPFIND', headers: { Depth: '0' } })).status, 404);
      assert.deepEqual(await phone.sync(), []);
    });

    it('a held Ping answers Status 7 (FolderSync needed) when a MKCALENDAR makes a calendar', async () => {
      const main = (await folders()).find(f => f.type === FolderType.Calendar)!;
      const p = tags('Ping');
      // A device with the hierarchy and the calendar synced, as before it pings.
      const { client: device } = await syncedDevice(t, ALICE, String(main.id), { deviceId: 'PINGER', version: '16.1' });
      const ping = device.send('Ping', p('Ping', [p('HeartbeatInterval', 300), p('Folders', [p('Folder', [p('Id', String(main.id)), p('Class', 'Calendar')])])]));
      await new Promise(r => setTimeout(r, 200));
      assert.equal((await raw(`${HOME}pinged/`, { method: 'MKCALENDAR' })).status, 201);
      assert.equal((await ping).body?.childText('Status'), '7');
      const made = (await folders()).find(f => f.davName === 'pinged')!;
      assert.equal(made.displayName, 'pinged', 'no displayname: the URL segment names it');
      assert.deepEqual(await phone.sync(), [{ kind: 'Add', serverId: String(made.id), displayName: 'pinged', type: FolderType.UserCalendar }]);
      assert.equal((await raw(`${HOME}pinged/`, { method: 'DELETE' })).status, 204);
      assert.equal((await phone.sync())[0]?.kind, 'Delete');
    });

    it('RFC 4918 9.2: PROPPATCH renames (a FolderUpdate the device sees), sets and removes colour and dead properties', async () => {
      const folder = (await folders()).find(f => f.davName === 'work-cal')!;
      const res = await proppatch(`${HOME}work-cal/`, '<d:set><d:prop><d:displayname>Work (team)</d:displayname><a:calendar-color>#00FF00</a:calendar-color>'
        + '<x:tag xmlns:x="urn:example:client"><x:v level="2">deep &amp; kept</x:v></x:tag></d:prop></d:set>'
        + '<d:remove><d:prop><c:calendar-description/></d:prop></d:remove>');
      assert.equal(res.status, 207);
      const text = await res.text();
      assert.match(text, /<d:propstat><d:prop><d:displayname\/>.*<\/d:prop><d:status>HTTP\/1.1 200 OK<\/d:status><\/d:propstat>/);
      assert.doesNotMatch(text, /424|403/);
      assert.deepEqual(await phone.sync(), [{ kind: 'Update', serverId: String(folder.id), displayName: 'Work (team)', type: FolderType.UserCalendar }]);
      const props = await propfind(`${HOME}work-cal/`, '<d:displayname/><a:calendar-color/><c:calendar-description/><x:tag xmlns:x="urn:example:client"/>');
      assert.match(props, /<d:displayname>Work \(team\)<\/d:displayname>/);
      assert.match(props, /calendar-color xmlns:x="http:\/\/apple.com\/ns\/ical\/">#00FF00</);
      assert.match(props, /<x:v xmlns:x="urn:example:client" level="2">deep &amp; kept<\/x:v>/);
      assert.match(props, /<d:propstat><d:prop><c:calendar-description\/><\/d:prop><d:status>HTTP\/1.1 404 Not Found/);
      // allprop lists the dead property too (RFC 4918 9.1).
      const all = await raw(`${HOME}work-cal/`, { method: 'PROPFIND', headers: { Depth: '0' } });
      assert.match(await all.text(), /urn:example:client/);
    });

    it('PROPPATCH of protected properties is 403 in the multistatus, the rest 424, and nothing changes', async () => {
      const folder = (await folders()).find(f => f.davName === 'work-cal')!;
      const res = await proppatch(`${HOME}work-cal/`, '<d:set><d:prop><d:displayname>Renamed</d:displayname><d:getetag>"x"</d:getetag>'
        + '<d:resourcetype><d:collection/></d:resourcetype><c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set>');
      assert.equal(res.status, 207);
      const text = await res.text();
      assert.match(text, /<d:prop><d:getetag\/><d:resourcetype\/><c:supported-calendar-component-set\/><\/d:prop><d:status>HTTP\/1.1 403 Forbidden<\/d:status><d:error><d:cannot-modify-protected-property\/><\/d:error>/);
      assert.match(text, /<d:prop><d:displayname\/><\/d:prop><d:status>HTTP\/1.1 424 Failed Dependency/);
      assert.equal((await t.store.getFolder(alice, folder.id))!.displayName, 'Work (team)');
      assert.deepEqual(await phone.sync(), []);
      // A time zone that is no VCALENDAR with one VTIMEZONE; the default calendar's name (as FolderUpdate's Status 2).
      const tz = await proppatch(`${HOME}work-cal/`, '<d:set><d:prop><c:calendar-timezone>BEGIN:VCALENDAR\r\nEND:VCALENDAR</c:calendar-timezone></d:prop></d:set>');
      assert.match(await tz.text(), /403 Forbidden<\/d:status><d:error><c:valid-calendar-data\/>/);
      const main = (await folders()).find(f => f.type === FolderType.Calendar)!;
      const rename = await proppatch(`${HOME}${main.id}/`, '<d:set><d:prop><d:displayname>Mine</d:displayname></d:prop></d:set>');
      assert.match(await rename.text(), /403 Forbidden/);
      assert.equal((await t.store.getFolder(alice, main.id))!.displayName, 'Calendar');
      // A name another root folder has: 409 (EAS names are unique per parent).
      const taken = await proppatch(`${HOME}work-cal/`, '<d:set><d:prop><d:displayname>holidays</d:displayname></d:prop></d:set>');
      assert.match(await taken.text(), /409 Conflict/);
      assert.equal((await raw(HOME, { method: 'PROPPATCH', body: `<d:propertyupdate ${NS}><d:set><d:prop><d:displayname>x</d:displayname></d:prop></d:set></d:propertyupdate>` })).status, 405);
    });

    it('MKCALENDAR / MKCOL edge cases answer 4xx and make no folder', async () => {
      const count = (await folders()).length;
      const mk = (path: string, body?: string, method = 'MKCALENDAR') => raw(path, { method, ...(body ? { body } : {}) });
      // RFC 4791 5.3.1.1: the URL is taken (by name, by folder id).
      assert.equal((await mk(`${HOME}work-cal/`)).status, 405);
      const main = (await folders()).find(f => f.type === FolderType.Calendar)!;
      assert.equal((await mk(`${HOME}${main.id}/`)).status, 405);
      assert.equal((await mk(`${HOME}424242/`)).status, 403, 'digits are folder ids');
      // A calendar in the address book home, an address book made by MKCALENDAR, a plain MKCOL, a wrong resourcetype.
      assert.match(await (await mk(`${BOOKS}cal/`)).text(), /calendar-collection-location-ok/);
      assert.match(await (await mk(`${HOME}plain/`, undefined, 'MKCOL')).text(), /valid-resourcetype/);
      const wrong = await mk(`${BOOKS}wrong/`, `<d:mkcol ${NS}><d:set><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop></d:set></d:mkcol>`, 'MKCOL');
      assert.equal(wrong.status, 403);
      assert.match(await wrong.text(), /<d:mkcol-response [^>]*><d:propstat><d:prop><d:resourcetype\/><\/d:prop><d:status>HTTP\/1.1 403 Forbidden<\/d:status><d:error><d:valid-resourcetype\/>/);
      // RFC 4791 5.2.3: a VTODO-only calendar is refused; the other properties fail with it (424).
      const todo = await mk(`${HOME}tasks/`, `<c:mkcalendar ${NS}><d:set><d:prop><d:displayname>Tasks</d:displayname>`
        + '<c:supported-calendar-component-set><c:comp name="VTODO"/></c:supported-calendar-component-set></d:prop></d:set></c:mkcalendar>');
      assert.equal(todo.status, 403);
      const text = await todo.text();
      assert.match(text, /<c:mkcalendar-response /);
      assert.match(text, /supported-calendar-component/);
      assert.match(text, /424 Failed Dependency/);
      assert.equal((await mk(`${HOME}bad/`, '<d:propfind xmlns:d="DAV:"/>')).status, 400);
      assert.equal((await mk(`${HOME}bomb/`, '<!DOCTYPE x [<!ENTITY a "a">]><c:mkcalendar xmlns:c="urn:ietf:params:xml:ns:caldav"/>')).status, 400);
      assert.equal((await folders()).length, count);
      assert.deepEqual(await phone.sync(), []);
      // A second calendar with a name the root has already gets a suffix rather than a refusal.
      assert.equal((await mk(`${HOME}other/`, `<c:mkcalendar ${NS}><d:set><d:prop><d:displayname>Holidays</d:displayname></d:prop></d:set></c:mkcalendar>`)).status, 201);
      assert.deepEqual((await phone.sync()).map(c => c.displayName), ['Holidays (2)']);
    });

    it('DELETE of a user collection is a FolderDelete with its items; the default calendar and address book stay', async () => {
      const folder = (await folders()).find(f => f.davName === 'other')!;
      const put = await raw(`${HOME}other/e.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body: ['BEGIN:VCALENDAR', 'VERSION:2.0',
        'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:other-1', 'DTSTAMP:20261101T000000Z', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z',
        'SUMMARY:Gone', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n') });
      assert.equal(put.status, 201);
      const [itemId] = await t.store.liveItemIds(folder.id);
      assert.equal((await raw(`${HOME}other/`, { method: 'DELETE' })).status, 204);
      assert.equal(await t.store.getFolder(alice, folder.id), undefined);
      assert.equal(await t.store.getItem(alice, itemId), undefined);
      assert.deepEqual(await phone.sync(), [{ kind: 'Delete', serverId: String(folder.id), displayName: undefined, type: undefined }]);
      assert.equal((await raw(`${HOME}other/`, { method: 'PROPFIND', headers: { Depth: '0' } })).status, 404);
      const main = (await folders()).find(f => f.type === FolderType.Calendar)!;
      const contacts = (await folders()).find(f => f.type === FolderType.Contacts)!;
      assert.equal((await raw(`${HOME}${main.id}/`, { method: 'DELETE' })).status, 403);
      assert.equal((await raw(`${BOOKS}${contacts.id}/`, { method: 'DELETE' })).status, 403);
      assert.deepEqual(await phone.sync(), []);
      // The URL is free again.
      assert.equal((await raw(`${HOME}other/`, { method: 'MKCALENDAR' })).status, 201);
    });
  });
}
