// WebDAV MOVE (RFC 4918 9.9) of calendar objects between an account's calendars (src/dav/move.ts):
// moving a meeting sends nothing, and the engine finds it where it went — the organizer's meeting
// gets the answer of an attendee whose copy was moved too, an update reaches that copy, and a
// DELETE at the new place cancels. The errors: no Destination, another area or account, no such
// collection, Overwrite: F, a UID already in the destination. Raw HTTP, SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { objectHref, resourceName } from '../../src/dav/paths.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const [ALICE, BOB] = ['alice@example.com', 'bob@example.com'];
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const ics = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;
const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, '');

function event(uid: string, summary: string, start: number, attendees: string[] = []): string {
  const meeting = attendees.length ? ['ORGANIZER;CN=Alice:mailto:alice@example.com', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com',
    ...attendees.map(a => `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`)] : [];
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${ics(Date.now())}`,
    `DTSTART:${ics(start)}`, `DTEND:${ics(start + HOUR)}`, `SUMMARY:${summary}`, ...meeting, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

for (const makeBackend of BACKENDS) {
  describe(`WebDAV MOVE between calendars (${makeBackend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    before(async () => { t = await startServer({ users: [ALICE, BOB], backend: makeBackend, server: { mounts: [davMount()] } }); });
    after(() => t.close());

    const dav = (user: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
      fetch(new URL(path, t.url), { method: init.method ?? 'GET', body: init.body, headers: { Authorization: basic(user), ...init.headers } });
    const put = (user: string, path: string, body: string) => dav(user, path, { method: 'PUT', body, headers: { 'Content-Type': 'text/calendar; charset=utf-8' } });
    const move = (user: string, from: string, to: string, headers: Record<string, string> = {}) =>
      dav(user, from, { method: 'MOVE', headers: { Destination: new URL(to, t.url).href, ...headers } });
    const home = (user: string) => `/dav/calendars/${encodeURIComponent(user)}/`;
    const defaultCalendar = async (user: string) => `${home(user)}${await folderId(t, user, FolderType.Calendar)}/`;
    const inboxCount = async (user: string) => (await t.store.liveItemIds(Number(await folderId(t, user, FolderType.Inbox)))).length;
    const bobCopyHref = async () => {
      const bob = (await t.store.findUserByEmail(BOB))!;
      const [copy] = (await t.store.findItemsByUid(bob.id, 'moved@example.com')).filter(i => i.class === 'Calendar');
      return objectHref('calendars', BOB, (await t.store.getFolder(bob.id, copy!.folderId))!, resourceName(copy!));
    };
    const answered = (text: string, partstat: string) => unfold(text).split('\r\n')
      .map(l => (/^ATTENDEE/i.test(l) && l.endsWith(`mailto:${BOB}`) ? l.replace(/PARTSTAT=[^;:]*/i, `PARTSTAT=${partstat}`) : l)).join('\r\n');

    it('the organizer moves a meeting to another calendar: 201, nothing sent, gone from the old place', async () => {
      assert.equal((await dav(ALICE, `${home(ALICE)}work/`, { method: 'MKCALENDAR' })).status, 201);
      assert.equal((await put(ALICE, `${home(ALICE)}work/roadmap.ics`, event('moved@example.com', 'Roadmap', START, [BOB]))).status, 201);
      assert.equal(await inboxCount(BOB), 1, 'the invitation');
      const to = `${await defaultCalendar(ALICE)}roadmap.ics`;
      const moved = await move(ALICE, `${home(ALICE)}work/roadmap.ics`, to);
      assert.equal(moved.status, 201, await moved.text());
      assert.equal(await inboxCount(BOB), 1, 'a move re-invites nobody');
      assert.equal((await t.store.claimOutbound('move-test', { limit: 10, leaseMs: 60_000 })).length, 0);
      assert.equal((await dav(ALICE, `${home(ALICE)}work/roadmap.ics`)).status, 404);
      assert.match(await (await dav(ALICE, to)).text(), /UID:moved@example\.com/);
    });

    it('the attendee moves its copy too; its answer by PUT there reaches the moved meeting', async () => {
      assert.equal((await dav(BOB, `${home(BOB)}private/`, { method: 'MKCALENDAR' })).status, 201);
      const to = `${home(BOB)}private/roadmap.ics`;
      assert.equal((await move(BOB, await bobCopyHref(), to)).status, 201);
      const copy = await (await dav(BOB, to)).text();
      assert.equal((await put(BOB, to, answered(copy, 'ACCEPTED'))).status, 204);
      const organizer = await (await dav(ALICE, `${await defaultCalendar(ALICE)}roadmap.ics`)).text();
      assert.match(unfold(organizer), /ATTENDEE[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:bob@example\.com/);
    });

    it('an update and a DELETE at the new place reach the copy where Bob moved it', async () => {
      const href = `${await defaultCalendar(ALICE)}roadmap.ics`;
      assert.equal((await put(ALICE, href, event('moved@example.com', 'Roadmap', START + 2 * HOUR, [BOB]).replace('DTSTAMP', 'SEQUENCE:1\r\nDTSTAMP'))).status, 204);
      assert.equal(await bobCopyHref(), `${home(BOB)}private/roadmap.ics`, 'updated in place, not copied to the default calendar');
      assert.match(await (await dav(BOB, `${home(BOB)}private/roadmap.ics`)).text(), new RegExp(`DTSTART:${ics(START + 2 * HOUR)}`));
      assert.equal((await dav(ALICE, href, { method: 'DELETE' })).status, 204);
      assert.match(await (await dav(BOB, `${home(BOB)}private/roadmap.ics`)).text(), /STATUS:CANCELLED/);
    });

    it('errors: 400 without Destination, 403 to another area or account or onto itself, 409 no such calendar, 412 Overwrite: F, 409 UID taken', async () => {
      const cal = await defaultCalendar(ALICE);
      const from = `${home(ALICE)}work/plain.ics`;
      assert.equal((await put(ALICE, from, event('plain@example.com', 'Plain', START))).status, 201);
      assert.equal((await dav(ALICE, from, { method: 'MOVE' })).status, 400);
      assert.equal((await move(ALICE, from, `/dav/addressbooks/${encodeURIComponent(ALICE)}/x/plain.ics`)).status, 403);
      assert.equal((await move(ALICE, from, `${home(BOB)}private/plain.ics`)).status, 403);
      assert.equal((await move(ALICE, from, from)).status, 403);
      assert.equal((await move(ALICE, from, `${home(ALICE)}nowhere/plain.ics`)).status, 409);
      assert.equal((await put(ALICE, `${cal}taken.ics`, event('other@example.com', 'Other', START))).status, 201);
      assert.equal((await move(ALICE, from, `${cal}taken.ics`, { Overwrite: 'F' })).status, 412);
      assert.equal((await put(ALICE, `${cal}same-uid.ics`, event('plain@example.com', 'Plain elsewhere', START))).status, 201);
      const conflict = await move(ALICE, from, `${cal}new-name.ics`);
      assert.equal(conflict.status, 409);
      assert.match(await conflict.text(), /no-uid-conflict/);
      assert.equal((await dav(ALICE, from)).status, 200, 'a refused MOVE changes nothing');
      // Overwrite: T (the default) replaces the destination: 204.
      assert.equal((await dav(ALICE, `${cal}same-uid.ics`, { method: 'DELETE' })).status, 204);
      assert.equal((await move(ALICE, from, `${cal}taken.ics`)).status, 204);
      assert.match(await (await dav(ALICE, `${cal}taken.ics`)).text(), /UID:plain@example\.com/);
    });

    it('a rename within one collection is a MOVE too: 201, Location in the name the client gave the collection', async () => {
      assert.equal((await put(ALICE, `${home(ALICE)}work/rename-me.ics`, event('rename@example.com', 'Rename', START))).status, 201);
      const renamed = await move(ALICE, `${home(ALICE)}work/rename-me.ics`, `${home(ALICE)}work/renamed.ics`);
      assert.equal(renamed.status, 201, await renamed.text());
      assert.equal(renamed.headers.get('location'), `${home(ALICE)}work/renamed.ics`);
      assert.match(await (await dav(ALICE, `${home(ALICE)}work/renamed.ics`)).text(), /UID:rename@example\.com/);
    });

    it('a contact moves between address books (RFC 6352 6.3.2.1: 409 when the UID is already there)', async () => {
      const books = `/dav/addressbooks/${encodeURIComponent(ALICE)}/`;
      const defaultBook = `${books}${await folderId(t, ALICE, FolderType.Contacts)}/`;
      const mkcol = '<d:mkcol xmlns:d="DAV:" xmlns:card="urn:ietf:params:xml:ns:carddav"><d:set><d:prop><d:resourcetype><d:collection/><card:addressbook/></d:resourcetype></d:prop></d:set></d:mkcol>';
      assert.equal((await dav(ALICE, `${books}friends/`, { method: 'MKCOL', body: mkcol, headers: { 'Content-Type': 'application/xml' } })).status, 201);
      const card = (uid: string, fn: string) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, `FN:${fn}`, 'N:Doe;Jo;;;', 'END:VCARD', ''].join('\r\n');
      const putCard = (path: string, body: string) => dav(ALICE, path, { method: 'PUT', body, headers: { 'Content-Type': 'text/vcard; charset=utf-8' } });
      assert.equal((await putCard(`${defaultBook}jo.vcf`, card('jo-1', 'Jo'))).status, 201);
      assert.equal((await putCard(`${books}friends/jo-again.vcf`, card('jo-1', 'Jo again'))).status, 201);
      const conflict = await move(ALICE, `${defaultBook}jo.vcf`, `${books}friends/jo.vcf`);
      assert.equal(conflict.status, 409);
      assert.match(await conflict.text(), /no-uid-conflict/);
      assert.equal((await dav(ALICE, `${books}friends/jo-again.vcf`, { method: 'DELETE' })).status, 204);
      assert.equal((await move(ALICE, `${defaultBook}jo.vcf`, `${books}friends/jo.vcf`)).status, 201);
      assert.match(await (await dav(ALICE, `${books}friends/jo.vcf`)).text(), /FN:Jo/);
      assert.equal((await dav(ALICE, `${defaultBook}jo.vcf`)).status, 404);
      assert.equal((await move(ALICE, `${books}friends/jo.vcf`, `${home(ALICE)}work/jo.ics`)).status, 403, 'a contact is no calendar object');
    });
  });
}
