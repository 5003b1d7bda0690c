// Rooms answer invitations that arrive as mail (resourceAnswers.ts, called from delivery.ts):
// a 14.1 organizer device adds the meeting and mails the REQUEST itself (MS-ASCMD 2.2.1.11), and
// an organizer elsewhere sends iMIP (RFC 6047). The room answers at once, as for a 16.1 organizer.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { NO_LOGON } from '../../src/cli/resource.js';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent, Recurrence } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { receiveItip } from '../../src/scheduling/incoming.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const cm = tags('ComposeMail');
const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const ALICE = 'alice@example.com';
const ROOM = 'room-4@example.com';
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();
const UTC = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));

const weekly = (count: number): Recurrence => ({ type: 1, interval: 1, occurrences: count, dayOfWeek: 1 << new Date(START).getUTCDay() });

function event(uid: string, subject: string, start: number, end: number, recurrence?: Recurrence): CalendarEvent {
  return {
    uid, subject, start, end, allDay: false, timeZone: 'UTC', sequence: 0, dtStamp: Date.now(), recurrence,
    organizer: { email: ALICE, name: 'Alice' }, attendees: [{ email: ROOM, name: 'Room 4', type: 3, status: 5, rsvp: true }],
  };
}

/** The organizer's own item as a 14.1 device adds it (it invites nobody by itself). */
function calendarItem(e: CalendarEvent): ItemProps {
  return [
    ['Calendar:Timezone', UTC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', e.subject!],
    ['Calendar:StartTime', formatCompact(e.start)], ['Calendar:EndTime', formatCompact(e.end)], ['Calendar:UID', e.uid],
    ['Calendar:MeetingStatus', '1'], ['Calendar:OrganizerEmail', ALICE], ['Calendar:OrganizerName', 'Alice'],
    ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', ROOM], ['Calendar:Name', 'Room 4'], ['Calendar:AttendeeType', '3']]]]],
    ...(e.recurrence ? [['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'],
      ['Calendar:Occurrences', String(e.recurrence.occurrences)], ['Calendar:DayOfWeek', String(e.recurrence.dayOfWeek)]]]] as ItemProps : []),
  ];
}

/** The invitation mail a 14.1 device sends: text and a text/calendar part with METHOD:REQUEST. */
function invitation(e: CalendarEvent): Buffer {
  return Buffer.from([`From: Alice <${ALICE}>`, `To: Room 4 <${ROOM}>`, `Subject: ${e.subject}`, 'MIME-Version: 1.0', `Date: ${new Date().toUTCString()}`,
    'Content-Type: multipart/alternative; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '', 'Please come',
    '--b1', 'Content-Type: text/calendar; charset=utf-8; method=REQUEST', '', eventsToIcs([e], { method: 'REQUEST' }), '--b1--', ''].join('\r\n'));
}

const roomStatus = (props: ItemProps | undefined) =>
  text(nodes(props, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === ROOM), 'Calendar:AttendeeStatus');

for (const backend of BACKENDS) describe(`resources: a room answers invitations sent as mail (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  let cal: CollectionMirror;
  let inbox: CollectionMirror;
  let client: EasClient;
  /** Adds the meeting on the 14.1 device, mails the invitation, and reads the organizer's item back. */
  const invite = async (e: CalendarEvent) => {
    const added = await cal.sync([{ kind: 'Add', clientId: e.uid, props: calendarItem(e) }]);
    const serverId = added.added.get(e.uid)!.serverId!;
    const res = await client.send('SendMail', cm('SendMail', [cm('ClientId', `send-${e.uid}`), cm('MIME', invitation(e))]));
    assert.equal(res.status, 200);
    await cal.syncAll();
    await inbox.syncAll();
    return cal.items.get(serverId);
  };
  const responses = (subject: string) => [...inbox.items.values()].filter(p => text(p, 'Email:Subject')?.endsWith(`: ${subject}`));

  before(async () => {
    t = await startServer({ users: [ALICE], backend });
    const room = await t.store.createUser({ email: ROOM, displayName: 'Room 4', passwordHash: NO_LOGON });
    await t.store.setResource({ userId: room.id, name: 'Room 4', capacity: 8, policy: 'auto', bookingWindowDays: 180, maxDurationMinutes: 240, allowConflicts: false });
    const device = { version: '14.1', deviceId: 'ALICE141' };
    const calendar = await syncedDevice(t, ALICE, await folderId(t, ALICE, FolderType.Calendar), device);
    cal = calendar.collection;
    client = calendar.client;
    inbox = (await syncedDevice(t, ALICE, await folderId(t, ALICE, FolderType.Inbox), device)).collection;
  });
  after(() => t.close());

  it('14.1 SendMail: the first meeting is accepted (AttendeeStatus 3, an Accepted mail)', async () => {
    const item = await invite(event('mail-a@example.com', 'Budget', START, START + HOUR));
    assert.equal(roomStatus(item), '3');
    assert.deepEqual(responses('Budget').map(m => text(m, 'Email:MessageClass')), ['IPM.Schedule.Meeting.Resp.Pos']);
  });

  it('14.1 SendMail: an overlapping second one is declined, with the reason in the Resp.Neg mail', async () => {
    const item = await invite(event('mail-b@example.com', 'Hiring', START + HOUR / 2, START + 2 * HOUR));
    assert.equal(roomStatus(item), '4');
    const [mail] = responses('Hiring');
    assert.equal(text(mail, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Neg');
    assert.match(await fullBody(mail!), /conflict: already booked/);
  });

  it('14.1 SendMail: a weekly series is accepted except the week it conflicts, declined on that occurrence\'s exception', async () => {
    const item = await invite(event('mail-s@example.com', 'Standup', START + HOUR / 2, START + HOUR, weekly(3)));
    assert.equal(roomStatus(item), '3', 'the series is accepted');
    const exceptions = nodes(item, 'Calendar:Exceptions').map(x => x[1] as ItemProps);
    assert.equal(exceptions.length, 1);
    assert.equal(text(exceptions[0], 'Calendar:ExceptionStartTime'), formatCompact(START + HOUR / 2));
    assert.equal(roomStatus(exceptions[0]), '4', 'the conflicting occurrence is declined');
    assert.deepEqual(responses('Standup').map(m => text(m, 'Email:MessageClass')).sort(), ['IPM.Schedule.Meeting.Resp.Neg', 'IPM.Schedule.Meeting.Resp.Pos']);
  });

  it('iMIP from elsewhere: the room answers with a REPLY mail to the organizer there', async () => {
    const room = (await t.store.findUserByEmail(ROOM))!;
    const outside: CalendarEvent = { ...event('imip-1@elsewhere.example', 'Supplier visit', START + WEEK + 4 * HOUR, START + WEEK + 5 * HOUR),
      organizer: { email: 'olga@elsewhere.example', name: 'Olga' } };
    const clash: CalendarEvent = { ...outside, uid: 'imip-2@elsewhere.example', subject: 'Second visit' };
    for (const e of [outside, clash]) {
      const outcome = await receiveItip(t.store, { envelopeFrom: 'olga@elsewhere.example', headerFrom: 'olga@elsewhere.example',
        auth: { fromDomain: 'elsewhere.example', sender: true, summary: 'dkim=pass' }, recipients: [room], method: 'REQUEST',
        ics: eventsToIcs([e], { method: 'REQUEST' }) }, () => {});
      assert.ok(outcome.handled.has(ROOM));
    }
    const queued = await t.store.claimOutbound('resources-test', { limit: 10, leaseMs: 60_000 });
    const replies = queued.map(q => q.mime.toString('utf8').replace(/\r\n[ \t]/g, '').replace(/=\r\n/g, '').replace(/=3D/g, '='));
    assert.equal(replies.length, 2);
    assert.deepEqual(queued.map(q => q.recipients), [['olga@elsewhere.example'], ['olga@elsewhere.example']]);
    const of = (uid: string) => replies.find(r => r.includes(`UID:${uid}`))!;
    assert.match(of(outside.uid), /METHOD:REPLY/);
    assert.match(of(outside.uid), /ATTENDEE[^\r\n]*PARTSTAT=ACCEPTED[^\r\n]*:mailto:room-4@example\.com/);
    assert.match(of(clash.uid), /ATTENDEE[^\r\n]*PARTSTAT=DECLINED[^\r\n]*:mailto:room-4@example\.com/);
    assert.match(of(clash.uid), /conflict: already booked/);
  });

  /** The mail's stored text (Sync gives a preview at most). */
  async function fullBody(mail: ItemProps): Promise<string> {
    const [id] = [...inbox.items.entries()].find(([, p]) => p === mail)!;
    const alice = (await t.store.findUserByEmail(ALICE))!;
    return JSON.stringify((await t.store.getItem(alice.id, Number(id.split(':')[1])))!.props);
  }
});
