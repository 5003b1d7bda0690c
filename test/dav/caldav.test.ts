// CalDAV end to end (docs/dav.md): tsdav, an independent client library, and raw requests for the
// edge cases, against the EAS listener with the DAV mount, on SQLite and PostgreSQL; EAS devices
// (src/client) on the same account see CalDAV's changes and CalDAV sees theirs, each once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DAVClient, type DAVCalendar } from 'tsdav';
import { MULTIGET_MAX } from '../../src/dav/reports.js';
import { davMount } from '../../src/dav/server.js';
import { parseXml } from '../../src/dav/xml.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { event } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const p = tags('Ping');

function ics(uid: string, summary: string, start = '20261201T100000Z', end = '20261201T110000Z'): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20261101T000000Z',
    `DTSTART:${start}`, `DTEND:${end}`, `SUMMARY:${summary}`, 'X-TEST-KEPT:yes', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

const basic = (user = ALICE, password = PASSWORD): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

for (const makeBackend of BACKENDS) {
  describe(`CalDAV (RFC 4791, RFC 6578) on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    let dav: DAVClient;
    let calendar: DAVCalendar;
    let calId: string;
    let n = 0;

    const raw = (path: string, init: RequestInit & { auth?: string | null } = {}): Promise<Response> => {
      const headers = new Headers(init.headers);
      if (init.auth !== null) headers.set('Authorization', init.auth ?? basic());
      return fetch(new URL(path, t.url), { ...init, headers, redirect: 'manual' });
    };
    const modseq = async (): Promise<number> => {
      const alice = (await t.store.findUserByEmail(ALICE))!;
      return (await t.store.getFolder(alice.id, Number(calId)))!.modseq;
    };

    before(async () => {
      t = await startServer({ users: [ALICE, 'carol@example.com'], backend: makeBackend, server: { mounts: [davMount()] } });
      calId = await folderId(t, ALICE, FolderType.Calendar);
      dav = new DAVClient({ serverUrl: t.url, credentials: { username: ALICE, password: PASSWORD }, authMethod: 'Basic', defaultAccountType: 'caldav' });
      await dav.login();
      calendar = (await dav.fetchCalendars()).find(c => c.url.endsWith(`/${calId}/`))!;
    });
    after(() => t.close());

    it('RFC 6764: discovery from /.well-known/caldav reaches the principal, the home and every calendar folder', async () => {
      const wk = await raw('/.well-known/caldav', { method: 'PROPFIND', auth: null });
      assert.equal(wk.status, 301);
      assert.equal(wk.headers.get('location'), '/dav/');
      assert.equal(dav.account?.principalUrl, `${t.url}/dav/principals/alice%40example.com/`);
      assert.equal(dav.account?.homeUrl, `${t.url}/dav/calendars/alice%40example.com/`);
      assert.ok(calendar, 'the EAS Calendar folder is a calendar collection');
      assert.equal(calendar.displayName, 'Calendar');
      assert.deepEqual(calendar.components, ['VEVENT']);
      assert.match(String(calendar.syncToken), /^urn:convene:sync:/);
      assert.deepEqual([...(calendar.reports ?? [])].sort(), ['calendarMultiget', 'calendarQuery', 'freeBusyQuery', 'syncCollection']);
      // A calendar folder made by an EAS device is a collection too.
      const alice = (await t.store.findUserByEmail(ALICE))!;
      const made = await t.store.createFolder(alice.id, { parentId: 0, displayName: 'Work', type: FolderType.UserCalendar });
      const all = await dav.fetchCalendars();
      assert.ok(all.some(c => c.url.endsWith(`/${made.id}/`) && c.displayName === 'Work'));
      const options = await raw('/dav/', { method: 'OPTIONS', auth: null });
      assert.equal(options.status, 200);
      assert.match(options.headers.get('dav') ?? '', /calendar-access/);
    });

    it('RFC 4791 5.3.2: create, update and delete with strong ETags; a stale If-Match gets 412 and changes nothing', async () => {
      const created = await dav.createCalendarObject({ calendar, filename: 'team.ics', iCalString: ics('team-1', 'Team') });
      assert.equal(created.status, 201);
      const [obj] = await dav.fetchCalendarObjects({ calendar, objectUrls: [`${calendar.url}team.ics`] });
      assert.match(obj.etag ?? '', /^"\d+-\d+"$/);
      assert.match(String(obj.data), /SUMMARY:Team/);
      assert.match(String(obj.data), /X-TEST-KEPT:yes/, 'properties the model does not know are kept');
      const updated = await dav.updateCalendarObject({ calendarObject: { ...obj, data: ics('team-1', 'Team (moved)') } });
      assert.equal(updated.status, 204);
      const [after] = await dav.fetchCalendarObjects({ calendar, objectUrls: [obj.url] });
      assert.notEqual(after.etag, obj.etag);
      assert.match(String(after.data), /SUMMARY:Team \(moved\)/);
      // RFC 7232 3.1: the old ETag no longer matches.
      const before = await modseq();
      const stale = await raw(new URL(obj.url).pathname, { method: 'PUT', body: ics('team-1', 'Lost update'), headers: { 'If-Match': obj.etag!, 'Content-Type': 'text/calendar' } });
      assert.equal(stale.status, 412);
      const exists = await raw(new URL(obj.url).pathname, { method: 'PUT', body: ics('team-1', 'Clobber'), headers: { 'If-None-Match': '*', 'Content-Type': 'text/calendar' } });
      assert.equal(exists.status, 412);
      assert.equal(await modseq(), before);
      const get = await raw(new URL(obj.url).pathname);
      assert.equal(get.headers.get('etag'), after.etag);
      assert.equal((await raw(new URL(obj.url).pathname, { headers: { 'If-None-Match': after.etag! } })).status, 304);
      assert.equal((await dav.deleteCalendarObject({ calendarObject: { url: obj.url, etag: obj.etag } })).status, 412);
      assert.equal((await dav.deleteCalendarObject({ calendarObject: after })).status, 204);
      assert.equal((await raw(new URL(obj.url).pathname)).status, 404);
    });

    it('RFC 6578: sync-collection shows an EAS device\'s Add once, then a CalDAV delete as 404, with tokens on the EAS change log', async () => {
      const start = (await dav.fetchCalendars()).find(c => c.url === calendar.url)!.syncToken as string;
      const { collection } = await syncedDevice(t, ALICE, calId, { deviceId: `DAVS${++n}` });
      const added = await collection.sync([{ kind: 'Add', clientId: 'c1', props: event('From the phone') }]);
      assert.equal(added.added.get('c1')?.status, 1);
      const first = await dav.syncCollection({ url: calendar.url, props: { 'd:getetag': {}, 'c:calendar-data': {} }, syncLevel: 1, syncToken: start });
      const changed = first.filter(r => r.href);
      assert.equal(changed.length, 1);
      assert.match(String(changed[0].props?.calendarData), /SUMMARY:From the phone/);
      const token = first[0].raw?.multistatus?.syncToken as string;
      assert.match(token, /^urn:convene:sync:/);
      const again = await dav.syncCollection({ url: calendar.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      assert.equal(again.filter(r => r.href).length, 0, 'seen exactly once');
      const href = changed[0].href!;
      assert.equal((await raw(href, { method: 'DELETE' })).status, 204);
      const gone = await dav.syncCollection({ url: calendar.url, props: { 'd:getetag': {} }, syncLevel: 1, syncToken: token });
      assert.deepEqual(gone.filter(r => r.href).map(r => [r.href, r.status]), [[href, 404]]);
      // The device learns of the CalDAV delete on its next Sync.
      const round = await collection.sync();
      assert.equal(round.collection?.child('Commands')?.all('Delete').length, 1);
    });

    it('RFC 6578 3.6: a sync-collection cut by DAV:limit ends with 507 and the next token goes on from there', async () => {
      const home = new URL(calendar.url).pathname;
      const report = async (token: string, limit?: number) => {
        const res = await raw(home, { method: 'REPORT', body: '<d:sync-collection xmlns:d="DAV:"><d:sync-level>1</d:sync-level>'
          + `<d:sync-token>${token}</d:sync-token>${limit ? `<d:limit><d:nresults>${limit}</d:nresults></d:limit>` : ''}<d:prop><d:getetag/></d:prop></d:sync-collection>` });
        assert.equal(res.status, 207);
        const text = await res.text();
        return { hrefs: [...text.matchAll(/<d:href>([^<]*)<\/d:href>/g)].map(m => m[1]), token: /<d:sync-token>([^<]*)</.exec(text)![1] };
      };
      const start = (await report('')).token;
      for (const name of ['p1', 'p2', 'p3']) await dav.createCalendarObject({ calendar, filename: `${name}.ics`, iCalString: ics(name, name) });
      const first = await report(start, 2);
      assert.deepEqual(first.hrefs, [`${home}p1.ics`, `${home}p2.ics`, home]);
      const rest = await report(first.token, 2);
      assert.deepEqual(rest.hrefs, [`${home}p3.ics`]);
      assert.deepEqual((await report(rest.token)).hrefs, []);
    });

    it('an EAS device sees a CalDAV PUT on its next Sync, once, and a held Ping wakes for it', async () => {
      const { client, collection } = await syncedDevice(t, ALICE, calId, { deviceId: `DAVP${++n}` });
      const ping = client.send('Ping', p('Ping', [p('HeartbeatInterval', 300), p('Folders', [p('Folder', [p('Id', calId), p('Class', 'Calendar')])])]));
      await new Promise(r => setTimeout(r, 200));
      assert.equal((await dav.createCalendarObject({ calendar, filename: 'lunch.ics', iCalString: ics('lunch-1', 'Lunch') })).status, 201);
      assert.equal((await ping).body?.childText('Status'), '2');
      const round = await collection.sync();
      const adds = round.collection?.child('Commands')?.all('Add') ?? [];
      assert.equal(adds.length, 1);
      assert.equal(adds[0].child('ApplicationData')?.childText('Subject'), 'Lunch');
      assert.equal((await collection.sync()).collection?.child('Commands'), undefined, 'once');
    });

    it('an EAS device\'s Change shows once in sync-collection and keeps what only iCalendar says', async () => {
      const { collection } = await syncedDevice(t, ALICE, calId, { deviceId: `DAVC${++n}` });
      assert.equal((await dav.createCalendarObject({ calendar, filename: 'kept.ics', iCalString: ics('kept-1', 'Kept') })).status, 201);
      const token = (await dav.fetchCalendars()).find(c => c.url === calendar.url)!.syncToken as string;
      const round = await collection.sync();
      const add = round.collection!.child('Commands')!.all('Add')[0];
      const serverId = add.childText('ServerId')!;
      const changed = await collection.sync([{ kind: 'Change', serverId, props: event('Kept (phone)') }]);
      assert.equal(changed.status, 1);
      const seen = await dav.syncCollection({ url: calendar.url, props: { 'd:getetag': {}, 'c:calendar-data': {} }, syncLevel: 1, syncToken: token });
      const hits = seen.filter(r => r.href);
      assert.deepEqual(hits.map(r => r.href?.split('/').pop()), ['kept.ics']);
      assert.match(String(hits[0].props?.calendarData), /SUMMARY:Kept \(phone\)/);
      assert.match(String(hits[0].props?.calendarData), /X-TEST-KEPT:yes/);
    });

    it('a multiget naming more hrefs than MULTIGET_MAX is refused before any lookup', async () => {
      const home = new URL(calendar.url).pathname;
      const hrefs = Array.from({ length: MULTIGET_MAX + 1 }, (_, i) => `<d:href>${home}n${i}.ics</d:href>`).join('');
      const res = await raw(home, { method: 'REPORT', headers: { Depth: '1' }, body: '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        + `<d:prop><d:getetag/></d:prop>${hrefs}</c:calendar-multiget>` });
      assert.equal(res.status, 403);
      assert.match(await res.text(), /number-of-matches-within-limits/);
    });

    it('RFC 4791 7.8, 7.9: calendar-query by time-range and calendar-multiget', async () => {
      await dav.createCalendarObject({ calendar, filename: 'jan.ics', iCalString: ics('jan-1', 'January', '20270105T100000Z', '20270105T110000Z') });
      await dav.createCalendarObject({ calendar, filename: 'mar.ics', iCalString: ics('mar-1', 'March', '20270305T100000Z', '20270305T110000Z') });
      const found = await dav.fetchCalendarObjects({ calendar, timeRange: { start: '2027-01-01T00:00:00Z', end: '2027-02-01T00:00:00Z' } });
      assert.deepEqual(found.map(o => new URL(o.url).pathname.split('/').pop()), ['jan.ics']);
      const multi = await dav.calendarMultiGet({ url: calendar.url, props: { 'd:getetag': {}, 'c:calendar-data': {} },
        objectUrls: [new URL(`${calendar.url}mar.ics`).pathname], depth: '1' });
      assert.deepEqual(multi.map(r => r.ok), [true]);
      assert.match(String(multi[0].props?.calendarData), /SUMMARY:March/);
      // RFC 4791 7.9: a member that is not there is a 404 response of its own (tsdav throws on those: raw).
      const home = new URL(calendar.url).pathname;
      const missing = await raw(home, { method: 'REPORT', headers: { Depth: '1' }, body: '<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
        + `<d:prop><d:getetag/></d:prop><d:href>${home}mar.ics</d:href><d:href>${home}missing.ics</d:href></c:calendar-multiget>` });
      assert.equal(missing.status, 207);
      const text = await missing.text();
      assert.match(text, /mar\.ics<\/d:href><d:propstat><d:prop><d:getetag>/);
      assert.match(text, /missing\.ics<\/d:href><d:status>HTTP\/1\.1 404 Not Found/);
    });

    it('bad XML, bad iCalendar, a bad sync token and unknown REPORTs get 4xx and change nothing', async () => {
      const before = await modseq();
      const home = new URL(calendar.url).pathname;
      assert.equal((await raw(home, { method: 'PROPFIND', headers: { Depth: '0' }, body: '<d:propfind xmlns:d="DAV:"><d:prop>' })).status, 400);
      const bomb = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&a;</d:displayname></d:prop></d:propfind>';
      assert.equal((await raw(home, { method: 'PROPFIND', headers: { Depth: '0' }, body: bomb })).status, 400);
      assert.equal((await raw(home, { method: 'PROPFIND', headers: { Depth: 'infinity' } })).status, 403);
      const bad = await raw(`${home}bad.ics`, { method: 'PUT', body: 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:no end\r\n', headers: { 'Content-Type': 'text/calendar' } });
      assert.equal(bad.status, 403);
      assert.match(await bad.text(), /valid-calendar-data/);
      const todo = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VTODO', 'UID:t1', 'SUMMARY:Todo', 'END:VTODO', 'END:VCALENDAR', ''].join('\r\n');
      const todoPut = await raw(`${home}todo.ics`, { method: 'PUT', body: todo, headers: { 'Content-Type': 'text/calendar' } });
      assert.equal(todoPut.status, 403);
      assert.match(await todoPut.text(), /supported-calendar-component/);
      assert.equal((await raw(`${home}x.ics`, { method: 'PUT', body: ics('x', 'X'), headers: { 'Content-Type': 'text/plain' } })).status, 415);
      const token = await raw(home, { method: 'REPORT', body: '<d:sync-collection xmlns:d="DAV:"><d:sync-token>urn:convene:sync:999:1</d:sync-token><d:prop><d:getetag/></d:prop></d:sync-collection>' });
      assert.equal(token.status, 403);
      assert.match(await token.text(), /valid-sync-token/);
      assert.equal((await raw(home, { method: 'REPORT', body: '<x:other xmlns:x="urn:x"/>' })).status, 403);
      assert.equal((await raw(home, { method: 'MKCALENDAR' })).status, 405);
      assert.equal((await raw('/dav/calendars/carol%40example.com/', { method: 'PROPFIND', headers: { Depth: '0' } })).status, 404);
      assert.equal(await modseq(), before);
    });

    it('a property in no namespace is answered in well-formed XML (no prefix bound to "")', async () => {
      const home = new URL(calendar.url).pathname;
      const res = await raw(home, { method: 'PROPFIND', headers: { Depth: '0' },
        body: '<d:propfind xmlns:d="DAV:"><d:prop><d:displayname/><plain/></d:prop></d:propfind>' });
      assert.equal(res.status, 207);
      const text = await res.text();
      assert.doesNotThrow(() => parseXml(Buffer.from(text)), text);
      assert.match(text, /<plain xmlns=""\/>/);
    });

    it('RFC 7232 3.2: GET with If-None-Match: * on an event that exists is 304, not 412', async () => {
      assert.equal((await dav.createCalendarObject({ calendar, filename: 'inm.ics', iCalString: ics('inm-1', 'INM') })).status, 201);
      const path = `${new URL(calendar.url).pathname}inm.ics`;
      const res = await raw(path, { headers: { 'If-None-Match': '*' } });
      assert.equal(res.status, 304);
      assert.match(res.headers.get('etag') ?? '', /^"\d+-\d+"$/);
      assert.equal((await raw(path, { method: 'PUT', body: ics('inm-1', 'INM 2'), headers: { 'If-None-Match': '*', 'Content-Type': 'text/calendar' } })).status, 412);
    });

    it('Basic auth with the same accounts and the same logon throttle as EAS', async () => {
      const none = await raw('/dav/', { method: 'PROPFIND', headers: { Depth: '0' }, auth: null });
      assert.equal(none.status, 401);
      assert.match(none.headers.get('www-authenticate') ?? '', /^Basic /);
      for (let i = 0; i < 5; i++) {
        assert.equal((await raw('/dav/', { method: 'PROPFIND', headers: { Depth: '0' }, auth: basic('carol@example.com', 'wrong') })).status, 401);
      }
      // Wrong passwords over CalDAV hold the account back over EAS too, from the same address.
      const eas = await t.client('carol@example.com', { deviceId: 'CAROL1' }).send('FolderSync', tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]));
      assert.equal(eas.status, 503);
      assert.equal((await raw('/dav/', { method: 'PROPFIND', headers: { Depth: '0' }, auth: basic('carol@example.com') })).status, 503);
    });
  });
}
