// RFC 6638 leftovers over CalDAV (issue 15): the schedule tag (3.2.10) survives an attendee's reply
// merged into the organizer's copy, so the organizer's If-Schedule-Tag-Match PUT passes where
// If-Match fails, and keeps the answer; a stale tag is 412 (8.3). SCHEDULE-STATUS (3.2.9) on the
// ATTENDEEs after the organizer's PUT (1.2 here, 1.0 queued as iMIP, 3.7 no address) and on the
// ORGANIZER after a reply, never in what attendees get; SCHEDULE-AGENT=CLIENT kept, so a DELETE
// sends nothing to that attendee (7.1); SCHEDULE-FORCE-SEND=REQUEST (7.2). SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { formatCompact } from '../../src/calendar/timezone.js';
import { objectHref, resourceName } from '../../src/dav/paths.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { propText } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const [ALICE, BOB, CAROL] = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const DAVE = 'dave@elsewhere.example';
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const ics = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;
const unfold = (text: string): string => text.replace(/\r\n[ \t]/g, '');
/** The content line of the property about `email` (ATTENDEE or ORGANIZER), unfolded. */
const lineOf = (text: string, name: string, email: string): string =>
  unfold(text).split('\r\n').find(l => l.toUpperCase().startsWith(name) && l.toLowerCase().endsWith(`mailto:${email}`)) ?? '';

function meeting(uid: string, summary: string, people: string[]): string {
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${ics(Date.now())}`,
    `DTSTART:${ics(START)}`, `DTEND:${ics(START + HOUR)}`, `SUMMARY:${summary}`, 'ORGANIZER;CN=Alice:mailto:alice@example.com',
    'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com', ...people, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

/** The iCalendar text with the user's own ATTENDEE line answering `partstat`. */
function answered(text: string, email: string, partstat: string): string {
  return unfold(text).split('\r\n').map(line => {
    if (!/^ATTENDEE[;:]/i.test(line) || !line.toLowerCase().endsWith(`mailto:${email}`)) return line;
    const at = line.lastIndexOf(':mailto:');
    return `${line.slice(0, at).replace(/;PARTSTAT=[^;:]*/i, '')};PARTSTAT=${partstat}${line.slice(at)}`;
  }).join('\r\n');
}

for (const makeBackend of BACKENDS) {
  describe(`RFC 6638 schedule-tag, SCHEDULE-STATUS, SCHEDULE-AGENT over CalDAV (${makeBackend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer({ users: [ALICE, BOB, CAROL], backend: makeBackend, server: { mounts: [davMount()] } });
    });
    after(() => t.close());

    const dav = (user: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) =>
      fetch(new URL(path, t.url), { method: init.method ?? 'GET', body: init.body, headers: { Authorization: basic(user), ...init.headers } });
    const put = (user: string, path: string, body: string, headers: Record<string, string> = {}) =>
      dav(user, path, { method: 'PUT', body, headers: { 'Content-Type': 'text/calendar; charset=utf-8', ...headers } });
    const calendarOf = async (user: string) => Number(await folderId(t, user, FolderType.Calendar));
    const inboxCount = async (user: string) => (await t.store.liveItemIds(Number(await folderId(t, user, FolderType.Inbox)))).length;
    /** The iCalendar objects queued as iMIP mail to `to` (read back from the outbound queue). */
    const queuedTo = async (to: string): Promise<string[]> => {
      const entries = await t.store.claimOutbound('test', { limit: 100, leaseMs: 60_000 });
      const out: string[] = [];
      for (const e of entries.filter(x => x.recipients.includes(to))) {
        const part = (await PostalMime.parse(e.mime)).attachments.find(a => a.mimeType === 'text/calendar');
        if (part) out.push(typeof part.content === 'string' ? part.content : Buffer.from(part.content as ArrayBuffer).toString('utf8'));
      }
      return out;
    };

    it('3.2.9, 3.2.10, 8.3: SCHEDULE-STATUS written back; a reply merged keeps the schedule tag; If-Schedule-Tag-Match passes, keeps the answer, 412 when stale', async () => {
      const href = objectHref('calendars', ALICE, await calendarOf(ALICE), 'tagged.ics');
      const body = meeting('tagged@example.com', 'Tagged', ['ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com',
        `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${DAVE}`, 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:not-an-address']);
      const created = await put(ALICE, href, body);
      assert.equal(created.status, 201);
      const tag = created.headers.get('schedule-tag');
      assert.ok(tag, 'a PUT of a scheduling object answers its Schedule-Tag');

      const got = await dav(ALICE, href);
      const first = await got.text();
      assert.equal(got.headers.get('schedule-tag'), tag);
      assert.match(lineOf(first, 'ATTENDEE', BOB), /SCHEDULE-STATUS="?1\.2"?/, 'delivered here');
      assert.match(lineOf(first, 'ATTENDEE', DAVE), /SCHEDULE-STATUS="?1\.0"?/, 'queued as iMIP');
      assert.match(lineOf(first, 'ATTENDEE', 'not-an-address'), /SCHEDULE-STATUS="?3\.7"?/, 'no address a message can go to');
      assert.doesNotMatch(lineOf(first, 'ATTENDEE', ALICE), /SCHEDULE-STATUS/, 'the organizer is sent nothing');
      // 3.2.9: what attendees get carries none of it: the iMIP REQUEST, and Bob's delivered copy.
      const imip = await queuedTo(DAVE);
      assert.equal(imip.length, 1);
      assert.match(imip[0]!, /METHOD:REQUEST/);
      assert.doesNotMatch(imip[0]!, /SCHEDULE-/);
      const bobCalendar = await calendarOf(BOB);
      const copy = (await t.store.getItems(bobCalendar, await t.store.liveItemIds(bobCalendar))).find(i => i.event?.uid === 'tagged@example.com')!;
      const bobHref = objectHref('calendars', BOB, bobCalendar, resourceName(copy));
      const bobGot = await dav(BOB, bobHref);
      const bobText = await bobGot.text();
      assert.doesNotMatch(bobText, /SCHEDULE-STATUS/);

      // Bob accepts by PUT of his copy: Alice's copy gets his answer, a new ETag, the same schedule tag.
      const bobTag = bobGot.headers.get('schedule-tag')!;
      const reply = await put(BOB, bobHref, answered(bobText, BOB, 'ACCEPTED'), { 'If-Schedule-Tag-Match': bobTag });
      assert.equal(reply.status, 204, await reply.text());
      assert.match(lineOf(await (await dav(BOB, bobHref)).text(), 'ORGANIZER', ALICE), /SCHEDULE-STATUS="?1\.2"?/, 'the reply was delivered');
      const merged = await dav(ALICE, href);
      const mergedText = await merged.text();
      assert.notEqual(merged.headers.get('etag'), got.headers.get('etag'));
      assert.equal(merged.headers.get('schedule-tag'), tag, 'a merged reply keeps the schedule tag');
      assert.match(lineOf(mergedText, 'ATTENDEE', BOB), /PARTSTAT=ACCEPTED/);
      const found = await dav(ALICE, href, { method: 'PROPFIND', headers: { Depth: '0', 'Content-Type': 'application/xml' },
        body: '<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:schedule-tag/><d:getetag/></d:prop></d:propfind>' });
      assert.equal(found.status, 207);
      const quoted = `schedule-tag>${tag!.replace(/"/g, '&quot;')}<`;
      assert.ok((await found.text()).includes(quoted), 'CALDAV:schedule-tag in PROPFIND');
      const collection = href.slice(0, href.lastIndexOf('/') + 1);
      const multiget = await dav(ALICE, collection, { method: 'REPORT', headers: { Depth: '1', 'Content-Type': 'application/xml' },
        body: `<c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:schedule-tag/></d:prop><d:href>${href}</d:href></c:calendar-multiget>` });
      assert.equal(multiget.status, 207);
      assert.ok((await multiget.text()).includes(quoted), 'CALDAV:schedule-tag in a REPORT');

      // Alice's client still holds the first version: If-Match fails, If-Schedule-Tag-Match passes
      // and Bob's answer stays (the client never saw it).
      const edited = first.replace('SUMMARY:Tagged', 'SUMMARY:Tagged (agenda)');
      assert.equal((await put(ALICE, href, edited, { 'If-Match': got.headers.get('etag')! })).status, 412);
      const written = await put(ALICE, href, edited, { 'If-Schedule-Tag-Match': tag! });
      assert.equal(written.status, 204);
      const newTag = written.headers.get('schedule-tag');
      assert.ok(newTag && newTag !== tag, 'the organizer\'s own change gives a new schedule tag');
      const after = await (await dav(ALICE, href)).text();
      assert.match(after, /SUMMARY:Tagged \(agenda\)/);
      assert.match(lineOf(after, 'ATTENDEE', BOB), /PARTSTAT=ACCEPTED/, 'the merged answer is kept');

      // The first tag is stale now: 412 for PUT and DELETE, nothing changed.
      const stale = await put(ALICE, href, first, { 'If-Schedule-Tag-Match': tag! });
      assert.equal(stale.status, 412);
      assert.equal((await dav(ALICE, href, { method: 'DELETE', headers: { 'If-Schedule-Tag-Match': tag! } })).status, 412);
      assert.match(await (await dav(ALICE, href)).text(), /SUMMARY:Tagged \(agenda\)/);
      // A resource that is no scheduling object has no schedule tag: If-Schedule-Tag-Match fails.
      const plain = objectHref('calendars', ALICE, await calendarOf(ALICE), 'plain.ics');
      const plainBody = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:plain@example.com', `DTSTAMP:${ics(Date.now())}`,
        `DTSTART:${ics(START)}`, `DTEND:${ics(START + HOUR)}`, 'SUMMARY:Plain', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const plainPut = await put(ALICE, plain, plainBody);
      assert.equal(plainPut.status, 201);
      assert.equal(plainPut.headers.get('schedule-tag'), null);
      assert.equal((await put(ALICE, plain, plainBody, { 'If-Schedule-Tag-Match': '"1-1"' })).status, 412);
    });

    it('7.1: SCHEDULE-AGENT=CLIENT is kept, so the organizer\'s DELETE cancels only for the attendees the server schedules', async () => {
      const href = objectHref('calendars', ALICE, await calendarOf(ALICE), 'client-agent.ics');
      const [bobBefore, carolBefore] = [await inboxCount(BOB), await inboxCount(CAROL)];
      const created = await put(ALICE, href, meeting('client-agent-delete@example.com', 'Client agent',
        ['ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com', 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com']));
      assert.equal(created.status, 201);
      assert.equal(await inboxCount(BOB), bobBefore, 'the client schedules Bob');
      assert.equal(await inboxCount(CAROL), carolBefore + 1, 'Carol is invited by the server');
      const stored = await (await dav(ALICE, href)).text();
      assert.match(lineOf(stored, 'ATTENDEE', BOB), /SCHEDULE-AGENT=CLIENT/);
      assert.doesNotMatch(lineOf(stored, 'ATTENDEE', BOB), /SCHEDULE-STATUS/);

      // Alice's phone moves it (a 16.1 Change with the attendee list): the agent stays, Bob is told nothing.
      const phone = (await syncedDevice(t, ALICE, String(await calendarOf(ALICE)), { version: '16.1', deviceId: 'ALICEPHONE' })).collection;
      const [sid, props] = [...phone.items].find(([, p]) => propText(p, 'Calendar:Subject') === 'Client agent')!;
      const moved = props.filter(p => ['Calendar:Subject', 'Calendar:Attendees', 'Calendar:AllDayEvent', 'Calendar:BusyStatus'].includes(p[0]))
        .concat([['Calendar:StartTime', formatCompact(START + HOUR)], ['Calendar:EndTime', formatCompact(START + 2 * HOUR)]]);
      await phone.sync([{ kind: 'Change', serverId: sid, props: moved }]);
      assert.equal(await inboxCount(CAROL), carolBefore + 2, 'Carol gets the update');
      assert.equal(await inboxCount(BOB), bobBefore, 'Bob does not');
      assert.match(lineOf(await (await dav(ALICE, href)).text(), 'ATTENDEE', BOB), /SCHEDULE-AGENT=CLIENT/, 'an EAS Change keeps the agent');

      assert.equal((await dav(ALICE, href, { method: 'DELETE' })).status, 204);
      assert.equal(await inboxCount(BOB), bobBefore, 'no CANCEL to Bob');
      assert.equal(await inboxCount(CAROL), carolBefore + 3, 'Carol gets the cancellation');

      // CLIENT on the ORGANIZER: the whole resource is the client's, the DELETE included.
      const whole = objectHref('calendars', ALICE, await calendarOf(ALICE), 'client-organizer.ics');
      const text = meeting('client-organizer@example.com', 'Client organizer', ['ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com'])
        .replace('ORGANIZER;CN=Alice:', 'ORGANIZER;CN=Alice;SCHEDULE-AGENT=CLIENT:');
      assert.equal((await put(ALICE, whole, text)).status, 201);
      assert.equal((await dav(ALICE, whole, { method: 'DELETE' })).status, 204);
      assert.equal(await inboxCount(CAROL), carolBefore + 3, 'nothing sent either way');
    });

    it('7.2: SCHEDULE-FORCE-SEND=REQUEST sends an unchanged meeting again, and is not stored', async () => {
      const href = objectHref('calendars', ALICE, await calendarOf(ALICE), 'forced.ics');
      const text = meeting('forced@example.com', 'Forced', ['ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol@example.com']);
      const before = await inboxCount(CAROL);
      assert.equal((await put(ALICE, href, text)).status, 201);
      assert.equal((await put(ALICE, href, text)).status, 204);
      assert.equal(await inboxCount(CAROL), before + 1, 'an unchanged PUT sends nothing');
      assert.equal((await put(ALICE, href, text.replace('ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:carol', 'ATTENDEE;SCHEDULE-FORCE-SEND=REQUEST;PARTSTAT=NEEDS-ACTION:mailto:carol'))).status, 204);
      assert.equal(await inboxCount(CAROL), before + 2, 'forced: sent again');
      assert.doesNotMatch(await (await dav(ALICE, href)).text(), /SCHEDULE-FORCE-SEND/);
    });
  });
}
