// CalDAV free-busy-query (RFC 4791 7.10, docs/dav.md "Free/busy"): the collection's busy times
// from the one availability function (directory/availability.ts) — series expanded in their zone
// with their exceptions, tentative / busy / out-of-office apart, free and cancelled left out — on
// SQLite and PostgreSQL, over raw requests.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const auth = (who: string) => `Basic ${Buffer.from(`${who}:${PASSWORD}`).toString('base64')}`;
const NS = 'xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"';

const BERLIN = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
  'END:VTIMEZONE'];

function ics(events: string[][], zone = false): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...(zone ? BERLIN : []),
    ...events.flatMap(e => ['BEGIN:VEVENT', 'DTSTAMP:20261101T000000Z', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
}

const freeBusyLines = (text: string): string[] => text.replace(/\r\n[ \t]/g, '').split('\r\n').filter(l => l.startsWith('FREEBUSY'));

for (const makeBackend of BACKENDS) {
  describe(`CalDAV free/busy on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    let calPath: string;
    const raw = (path: string, init: RequestInit = {}, who = ALICE): Promise<Response> => {
      const headers = new Headers(init.headers);
      headers.set('Authorization', auth(who));
      return fetch(new URL(path, t.url), { ...init, headers, redirect: 'manual' });
    };
    const put = async (path: string, body: string) => {
      const res = await raw(path, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' }, body });
      assert.equal(res.status, 201, await res.text());
    };
    const query = (path: string, range: string, who = ALICE) => raw(path, { method: 'REPORT', headers: { Depth: '1' },
      body: `<c:free-busy-query ${NS}>${range}</c:free-busy-query>` }, who);

    before(async () => {
      t = await startServer({ users: [ALICE, BOB], backend: makeBackend, server: { mounts: [davMount()] } });
      calPath = `/dav/calendars/${encodeURIComponent(ALICE)}/${await folderId(t, ALICE, FolderType.Calendar)}/`;
      await put(`${calPath}busy.ics`, ics([['UID:busy', 'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Secret']]));
      await put(`${calPath}overlap.ics`, ics([['UID:overlap', 'DTSTART:20261201T103000Z', 'DTEND:20261201T120000Z']]));
      await put(`${calPath}tentative.ics`, ics([['UID:tent', 'DTSTART:20261202T100000Z', 'DTEND:20261202T110000Z', 'X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE']]));
      await put(`${calPath}free.ics`, ics([['UID:free', 'DTSTART:20261203T100000Z', 'DTEND:20261203T110000Z', 'TRANSP:TRANSPARENT']]));
      await put(`${calPath}oof.ics`, ics([['UID:oof', 'DTSTART:20261204T000000Z', 'DTEND:20261205T000000Z', 'X-MICROSOFT-CDO-BUSYSTATUS:OOF']]));
      await put(`${calPath}cancelled.ics`, ics([['UID:gone', 'DTSTART:20261204T100000Z', 'DTEND:20261204T110000Z', 'STATUS:CANCELLED']]));
      // Weekly at 09:00 Berlin (08:00Z in winter): the 14th deleted, the 21st moved to 15:00 (14:00Z).
      await put(`${calPath}weekly.ics`, ics([
        ['UID:weekly', 'DTSTART;TZID=Europe/Berlin:20261207T090000', 'DTEND;TZID=Europe/Berlin:20261207T100000',
          'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/Berlin:20261214T090000'],
        ['UID:weekly', 'RECURRENCE-ID;TZID=Europe/Berlin:20261221T090000',
          'DTSTART;TZID=Europe/Berlin:20261221T150000', 'DTEND;TZID=Europe/Berlin:20261221T160000'],
      ], true));
      // Another calendar of hers is not this collection's.
      const other = `/dav/calendars/${encodeURIComponent(ALICE)}/second/`;
      assert.equal((await raw(other, { method: 'MKCALENDAR' })).status, 201);
      await put(`${other}elsewhere.ics`, ics([['UID:elsewhere', 'DTSTART:20261209T100000Z', 'DTEND:20261209T110000Z']]));
    });
    after(() => t.close());

    it('RFC 4791 7.10: a VFREEBUSY of the collection: series expanded in its zone with its exceptions, overlaps merged, types apart', async () => {
      const res = await query(calPath, '<c:time-range start="20261201T000000Z" end="20261229T000000Z"/>');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/calendar/);
      const text = await res.text();
      assert.match(text, /BEGIN:VFREEBUSY\r\n/);
      assert.match(text, /DTSTART:20261201T000000Z\r\n/);
      assert.match(text, /DTEND:20261229T000000Z\r\n/);
      assert.doesNotMatch(text, /Secret|SUMMARY/, 'only times leave the server');
      assert.deepEqual(freeBusyLines(text).sort(), [
        'FREEBUSY;FBTYPE=BUSY-TENTATIVE:20261202T100000Z/20261202T110000Z',
        'FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20261204T000000Z/20261205T000000Z',
        'FREEBUSY;FBTYPE=BUSY:20261201T100000Z/20261201T120000Z',
        'FREEBUSY;FBTYPE=BUSY:20261207T080000Z/20261207T090000Z',
        'FREEBUSY;FBTYPE=BUSY:20261221T140000Z/20261221T150000Z',
        'FREEBUSY;FBTYPE=BUSY:20261228T080000Z/20261228T090000Z',
      ].sort());
    });

    it('RFC 4791 9.9: periods are cut at the window; an open end is cut at 366 days (DTEND says so)', async () => {
      const cut = await (await query(calPath, '<c:time-range start="20261201T103000Z" end="20261201T110000Z"/>')).text();
      assert.deepEqual(freeBusyLines(cut), ['FREEBUSY;FBTYPE=BUSY:20261201T103000Z/20261201T110000Z']);
      const open = await query(calPath, '<c:time-range start="20261201T000000Z"/>');
      assert.equal(open.status, 200);
      assert.match(await open.text(), /DTEND:20271202T000000Z\r\n/);
    });

    it('bad requests are 4xx and change nothing: no time-range, a reversed or malformed one, an address book, another account', async () => {
      assert.equal((await query(calPath, '')).status, 400);
      assert.equal((await query(calPath, '<c:time-range start="20261202T000000Z" end="20261201T000000Z"/>')).status, 400);
      assert.equal((await query(calPath, '<c:time-range start="tomorrow"/>')).status, 400);
      const book = `/dav/addressbooks/${encodeURIComponent(ALICE)}/${await folderId(t, ALICE, FolderType.Contacts)}/`;
      assert.equal((await query(book, '<c:time-range start="20261201T000000Z" end="20261202T000000Z"/>')).status, 403);
      const bobs = await query(calPath, '<c:time-range start="20261201T000000Z" end="20261202T000000Z"/>', BOB);
      assert.ok(bobs.status === 403 || bobs.status === 404, `Bob reads Alice's calendar: ${bobs.status}`);
    });

    const OUTBOX = `/dav/scheduling/${encodeURIComponent(ALICE)}/outbox/`;
    const fbRequest = (organizer: string, attendees: string[], component = 'VFREEBUSY', method = 'REQUEST') => ['BEGIN:VCALENDAR', 'VERSION:2.0',
      'PRODID:-//test//EN', `METHOD:${method}`, `BEGIN:${component}`, 'UID:fb-1', 'DTSTAMP:20261130T000000Z', 'DTSTART:20261201T000000Z',
      'DTEND:20261202T000000Z', `ORGANIZER:mailto:${organizer}`, ...attendees.map(a => `ATTENDEE:mailto:${a}`), `END:${component}`, 'END:VCALENDAR', ''].join('\r\n');
    const post = (body: string, who = ALICE, path = OUTBOX) => raw(path, { method: 'POST', headers: { 'Content-Type': 'text/calendar' }, body }, who);

    it('RFC 6638 2.1-2.2: the principal names its outbox and inbox; the outbox is a schedule-outbox the owner may send from', async () => {
      const principal = await raw(`/dav/principals/${encodeURIComponent(ALICE)}/`, { method: 'PROPFIND', headers: { Depth: '0' },
        body: `<d:propfind ${NS}><d:prop><c:schedule-outbox-URL/><c:schedule-inbox-URL/></d:prop></d:propfind>` });
      const text = await principal.text();
      assert.match(text, /<c:schedule-outbox-URL><d:href>\/dav\/scheduling\/alice%40example\.com\/outbox\/<\/d:href>/);
      assert.match(text, /<c:schedule-inbox-URL><d:href>\/dav\/scheduling\/alice%40example\.com\/inbox\/<\/d:href>/);
      const box = await (await raw(OUTBOX, { method: 'PROPFIND', headers: { Depth: '1' },
        body: `<d:propfind ${NS}><d:prop><d:resourcetype/><d:current-user-privilege-set/></d:prop></d:propfind>` })).text();
      assert.match(box, /<c:schedule-outbox\/>/);
      assert.match(box, /<c:schedule-send\/>/);
    });

    it('RFC 6638 5: a free/busy request to the outbox answers each recipient: busy times of an account here, 3.7 for others', async () => {
      const bobCal = `/dav/calendars/${encodeURIComponent(BOB)}/${await folderId(t, BOB, FolderType.Calendar)}/`;
      const res0 = await raw(`${bobCal}bob.ics`, { method: 'PUT', headers: { 'Content-Type': 'text/calendar' },
        body: ics([['UID:bob-1', 'DTSTART:20261201T150000Z', 'DTEND:20261201T153000Z', 'SUMMARY:Dentist']]) }, BOB);
      assert.equal(res0.status, 201);
      const res = await post(fbRequest(ALICE, [ALICE, 'BOB@example.com', 'carol@elsewhere.example']));
      assert.equal(res.status, 200);
      const text = await res.text();
      assert.match(text, /^<\?xml[^>]*>\s*<c:schedule-response /);
      const responses = [...text.matchAll(/<c:response>(.*?)<\/c:response>/gs)].map(m => m[1]!);
      assert.equal(responses.length, 3);
      const unfold = (r: string) => r.replace(/&#13;|\r/g, '').replace(/\n[ \t]/g, '');
      assert.match(responses[0]!, /2\.0;Success/);
      assert.match(unfold(responses[0]!), /FREEBUSY;FBTYPE=BUSY:20261201T100000Z\/20261201T120000Z/);
      assert.match(unfold(responses[0]!), /METHOD:REPLY/);
      assert.match(responses[1]!, /2\.0;Success/);
      assert.match(unfold(responses[1]!), /FREEBUSY;FBTYPE=BUSY:20261201T150000Z\/20261201T153000Z/);
      assert.doesNotMatch(responses[1]!, /Dentist/);
      assert.match(responses[2]!, /<d:href>mailto:carol@elsewhere\.example<\/d:href>.*3\.7;Invalid calendar user/s);
    });

    it('RFC 6638 5.1: another ORGANIZER, an invitation, no iCalendar, another account\'s outbox, the inbox: 4xx', async () => {
      const organizer = await post(fbRequest(BOB, [ALICE]));
      assert.equal(organizer.status, 403);
      assert.match(await organizer.text(), /organizer-allowed/);
      const invitation = await post(fbRequest(ALICE, [BOB], 'VEVENT'));
      assert.equal(invitation.status, 403);
      assert.match(await invitation.text(), /valid-scheduling-message/);
      assert.equal((await post(fbRequest(ALICE, [BOB], 'VFREEBUSY', 'PUBLISH'))).status, 403);
      assert.equal((await post('not a calendar')).status, 400);
      assert.equal((await post(fbRequest(ALICE, []))).status, 400);
      assert.equal((await post(fbRequest(BOB, [ALICE]), BOB)).status, 404, 'Bob posting to Alice\'s outbox');
      assert.equal((await post(fbRequest(ALICE, [BOB]), ALICE, `/dav/scheduling/${encodeURIComponent(ALICE)}/inbox/`)).status, 405);
    });

    it('RFC 3253 3.1.5: supported-report-set names free-busy-query', async () => {
      const res = await raw(calPath, { method: 'PROPFIND', headers: { Depth: '0' }, body: `<d:propfind ${NS}><d:prop><d:supported-report-set/></d:prop></d:propfind>` });
      assert.match(await res.text(), /<c:free-busy-query\/>/);
    });
  });
}
