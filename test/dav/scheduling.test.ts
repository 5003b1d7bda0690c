// Meetings across protocols (issue 15, RFC 6638 implicit scheduling): an EAS (16.1) organizer
// invites a CalDAV and an EAS attendee, the CalDAV attendee accepts by PUT of its own copy (3.2.2.1);
// a CalDAV organizer invites an EAS attendee by PUT, moves one occurrence (exactly one update, for
// that date) and cancels by DELETE; SCHEDULE-AGENT=CLIENT (7.1); an attendee's DELETE declines
// (3.2.2.3). SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeTimeZoneBlob, formatCompact, formatExtended, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { objectHref, resourceName } from '../../src/dav/paths.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const [ALICE, BOB, CAROL] = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const ics = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
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

    it('RFC 6638 3.2.1: a CalDAV organizer invites by PUT, moves one occurrence (one update, for that date), cancels by DELETE', async () => {
      const bobInbox = (await syncedDevice(t, BOB, await folderId(t, BOB, FolderType.Inbox), { version: '16.1', deviceId: 'BOBORG' })).collection;
      const calendar = Number(await folderId(t, ALICE, FolderType.Calendar));
      const href = objectHref('calendars', ALICE, calendar, 'weekly.ics');
      const uid = 'caldav-organizer-weekly@example.com';
      const day = 24 * HOUR;
      const second = START + 7 * day;
      const vevent = (extra: string[]) => ['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${ics(Date.now())}`, ...extra,
        'ORGANIZER;CN=Alice:mailto:alice@example.com', 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:alice@example.com',
        'ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:bob@example.com', 'END:VEVENT'];
      const series = vevent([`DTSTART:${ics(START)}`, `DTEND:${ics(START + HOUR)}`, 'RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Weekly by CalDAV']);
      const body = (...events: string[][]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');
      const put = (text: string) => fetch(new URL(href, t.url), { method: 'PUT', body: text, headers: { Authorization: basic(ALICE), 'Content-Type': 'text/calendar; charset=utf-8' } });
      const requests = async () => {
        await bobInbox.syncAll();
        return [...bobInbox.items.values()].filter(p => text(p, 'Email:Subject')?.includes('Weekly by CalDAV'));
      };
      assert.equal((await put(body(series))).status, 201);
      const first = await requests();
      assert.equal(first.length, 1, 'one invitation');
      assert.equal(text(first[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');

      const moved = vevent([`RECURRENCE-ID:${ics(second)}`, `DTSTART:${ics(second + HOUR)}`, `DTEND:${ics(second + 2 * HOUR)}`, 'SUMMARY:Weekly by CalDAV']);
      assert.equal((await put(body(series, moved))).status, 204);
      const after = await requests();
      assert.equal(after.length, 2, 'exactly one update');
      const update = after.find(p => !first.includes(p))!;
      const request = nodes(update, 'Email:MeetingRequest');
      assert.equal(text(request, 'Email:InstanceType'), '3', 'an exception of the series');
      assert.equal(text(request, 'Email:RecurrenceId'), formatExtended(second), 'for that date');

      const del = await fetch(new URL(href, t.url), { method: 'DELETE', headers: { Authorization: basic(ALICE) } });
      assert.equal(del.status, 204);
      const last = await requests();
      assert.ok(last.some(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Canceled'), 'the cancellation');
    });

    it('RFC 6638 7.1: SCHEDULE-AGENT=CLIENT is the client\'s to schedule: stored, nobody told; OPTIONS says calendar-auto-schedule', async () => {
      const options = await fetch(new URL('/dav/', t.url), { method: 'OPTIONS', headers: { Authorization: basic(ALICE) } });
      assert.match(options.headers.get('dav') ?? '', /calendar-auto-schedule/);
      const bobInbox = (await syncedDevice(t, BOB, await folderId(t, BOB, FolderType.Inbox), { version: '16.1', deviceId: 'BOBAGENT' })).collection;
      await bobInbox.syncAll();
      const before = bobInbox.items.size;
      const calendar = Number(await folderId(t, ALICE, FolderType.Calendar));
      const text = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:client-agent@example.com',
        `DTSTAMP:${ics(Date.now())}`, `DTSTART:${ics(START + 2 * HOUR)}`, `DTEND:${ics(START + 3 * HOUR)}`, 'SUMMARY:Client schedules',
        'ORGANIZER:mailto:alice@example.com', 'ATTENDEE;SCHEDULE-AGENT=CLIENT;PARTSTAT=NEEDS-ACTION:mailto:bob@example.com',
        'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const res = await fetch(new URL(objectHref('calendars', ALICE, calendar, 'agent.ics'), t.url), {
        method: 'PUT', body: text, headers: { Authorization: basic(ALICE), 'Content-Type': 'text/calendar; charset=utf-8' },
      });
      assert.equal(res.status, 201);
      await bobInbox.syncAll();
      assert.equal(bobInbox.items.size, before);
    });

    it('RFC 6638 3.2.2.3: an attendee\'s DELETE of its copy is its decline', async () => {
      const carolCal = (await syncedDevice(t, CAROL, await folderId(t, CAROL, FolderType.Calendar), { version: '16.1', deviceId: 'CAROLDEL' })).collection;
      const carolInbox = (await syncedDevice(t, CAROL, await folderId(t, CAROL, FolderType.Inbox), { version: '16.1', deviceId: 'CAROLDEL' })).collection;
      await carolCal.sync([{ kind: 'Add', clientId: 'd', props: invitation('Declined by delete') }]);
      const calendar = Number(await folderId(t, ALICE, FolderType.Calendar));
      const copy = (await t.store.getItems(calendar, await t.store.liveItemIds(calendar))).find(i => i.event?.subject === 'Declined by delete')!;
      const del = await fetch(new URL(objectHref('calendars', ALICE, calendar, resourceName(copy)), t.url), { method: 'DELETE', headers: { Authorization: basic(ALICE) } });
      assert.equal(del.status, 204);
      await carolInbox.syncAll();
      assert.ok([...carolInbox.items.values()].some(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Neg'
        && text(p, 'Email:Subject') === 'Declined: Declined by delete'));
    });
  });
}
