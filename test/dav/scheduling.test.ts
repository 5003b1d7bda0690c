// Meetings across protocols (issue 15): an EAS (16.1) organizer invites a CalDAV attendee and an
// EAS attendee; the CalDAV attendee accepts by PUT of its own copy with PARTSTAT=ACCEPTED (RFC 6638
// 3.2.2.1); the organizer's device shows AttendeeStatus 3 and a Resp.Pos message, and the
// attendee's copy says ResponseType 3 to its phones. SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { objectHref, resourceName } from '../../src/dav/paths.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const [ALICE, BOB, CAROL] = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const basic = (user: string): string => `Basic ${Buffer.from(`${user}:${PASSWORD}`).toString('base64')}`;

const attendee = (email: string): ItemProps[number] =>
  ['Calendar:Attendee', [['Calendar:Email', email], ['Calendar:Name', email.split('@')[0]!], ['Calendar:AttendeeType', '1']]];

function invitation(subject: string): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2026))], ['Calendar:AllDayEvent', '0'],
    ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject], ['Calendar:StartTime', formatCompact(START)],
    ['Calendar:EndTime', formatCompact(START + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [attendee(ALICE), attendee(BOB)]],
  ];
}

/** The iCalendar text with the user's own ATTENDEE line answering `partstat` (lines unfolded first). */
function answered(ics: string, email: string, partstat: string): string {
  return ics.replace(/\r\n[ \t]/g, '').split('\r\n').map(line => {
    if (!/^ATTENDEE[;:]/i.test(line) || !line.toLowerCase().endsWith(`mailto:${email}`)) return line;
    const [params, value] = [line.slice(0, line.lastIndexOf(':mailto:')), line.slice(line.lastIndexOf(':mailto:'))];
    return `${params.replace(/;PARTSTAT=[^;:]*/i, '')};PARTSTAT=${partstat}${value}`;
  }).join('\r\n');
}

for (const makeBackend of BACKENDS) {
  describe(`a meeting between EAS and CalDAV (${makeBackend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer({ users: [ALICE, BOB, CAROL], backend: makeBackend, server: { mounts: [davMount()] } });
    });
    after(() => t.close());

    it('RFC 6638 3.2.2.1: the CalDAV attendee accepts by PUT; the EAS organizer sees AttendeeStatus 3 and a Resp.Pos', async () => {
      const carolCal = (await syncedDevice(t, CAROL, await folderId(t, CAROL, FolderType.Calendar), { version: '16.1', deviceId: 'CAROL' })).collection;
      const carolInbox = (await syncedDevice(t, CAROL, await folderId(t, CAROL, FolderType.Inbox), { version: '16.1', deviceId: 'CAROL' })).collection;
      await carolCal.sync([{ kind: 'Add', clientId: 'm', props: invitation('Across protocols') }]);

      const alice = (await t.store.findUserByEmail(ALICE))!;
      const calendar = Number(await folderId(t, ALICE, FolderType.Calendar));
      const copy = (await t.store.getItems(calendar, await t.store.liveItemIds(calendar))).find(i => i.event?.subject === 'Across protocols')!;
      assert.ok(copy, 'the CalDAV attendee has its copy');
      const href = objectHref('calendars', ALICE, calendar, resourceName(copy));
      const got = await fetch(new URL(href, t.url), { headers: { Authorization: basic(ALICE) } });
      assert.equal(got.status, 200);
      const put = await fetch(new URL(href, t.url), {
        method: 'PUT', body: answered(await got.text(), ALICE, 'ACCEPTED'),
        headers: { Authorization: basic(ALICE), 'Content-Type': 'text/calendar; charset=utf-8', 'If-Match': got.headers.get('etag')! },
      });
      assert.equal(put.status, 204, await put.text());

      await carolInbox.syncAll();
      const reply = [...carolInbox.items.values()].find(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Pos');
      assert.equal(text(reply, 'Email:Subject'), 'Accepted: Across protocols');
      assert.match(text(reply, 'Email:From') ?? '', /alice@example.com/);
      await carolCal.syncAll();
      const meeting = [...carolCal.items.values()].find(p => text(p, 'Calendar:Subject') === 'Across protocols')!;
      const statuses = Object.fromEntries(nodes(meeting, 'Calendar:Attendees').map(a => {
        const props = a[1] as ItemProps;
        return [text(props, 'Calendar:Email'), text(props, 'Calendar:AttendeeStatus')];
      }));
      assert.equal(statuses[ALICE], '3');
      assert.notEqual(statuses[BOB], '3', 'only the one who answered');
      const stored = await t.store.getItem(alice.id, copy.id);
      assert.equal(stored?.event?.responseType, 3, "the attendee's phones see ResponseType 3");

      // The same PUT again is no new answer: no second Resp.Pos.
      const again = await fetch(new URL(href, t.url), { headers: { Authorization: basic(ALICE) } });
      await fetch(new URL(href, t.url), {
        method: 'PUT', body: answered(await again.text(), ALICE, 'ACCEPTED'),
        headers: { Authorization: basic(ALICE), 'Content-Type': 'text/calendar; charset=utf-8' },
      });
      await carolInbox.syncAll();
      assert.equal([...carolInbox.items.values()].filter(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Pos').length, 1);
    });
  });
}
