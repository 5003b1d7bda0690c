// Several calendars per account (issue 18 part 3; src/scheduling/calendars.ts): a meeting organized
// in a user-created calendar (FolderCreate type 13) schedules as from the default one; invitations
// land in the default Calendar; copies moved to another calendar (MoveItems) are followed there by
// updates, answers and cancellations; moving sends nothing. 16.1 and 14.1 devices, real HTTP, both stores.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { eventsToIcs } from '../../src/calendar/ical.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const fh = tags('FolderHierarchy');
const mr = tags('MeetingResponse');
const mv = tags('Move');
const cm = tags('ComposeMail');
const [ALICE, BOB, CAROL] = ['alice@example.com', 'bob@example.com', 'carol@example.com'];
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const UTC = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));

function meeting(subject: string, start: number): ItemProps {
  const attendee = (email: string, name: string) => ['Calendar:Attendee', [['Calendar:Email', email], ['Calendar:Name', name], ['Calendar:AttendeeType', '1']]];
  return [
    ['Calendar:Timezone', UTC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(start + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [attendee(BOB, 'Bob'), attendee(CAROL, 'Carol')]],
  ] as ItemProps;
}

const statusOf = (props: ItemProps | undefined, email: string) =>
  text(nodes(props, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === email), 'Calendar:AttendeeStatus');
const requests = (m: CollectionMirror) => [...m.items.entries()].filter(([, p]) => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request'
  && text(p, 'Email2:MeetingMessageType') !== '4');

for (const backend of BACKENDS) describe(`several calendars through the scheduling engine (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  const c: Record<string, EasClient> = {};
  const m: Record<string, CollectionMirror> = {};
  let meetingId = '';

  /** A calendar the user makes on its device (MS-ASCMD 2.2.1.3, type 13), synced as a collection. */
  async function ownCalendar(user: string, name: string): Promise<CollectionMirror> {
    const h = new FolderHierarchyMirror(c[user]!);
    await h.sync();
    const res = await c[user]!.send('FolderCreate', fh('FolderCreate', [fh('SyncKey', h.syncKey), fh('ParentId', '0'), fh('DisplayName', name), fh('Type', 13)]));
    assert.equal(res.body?.childText('Status'), '1');
    const mirror = new CollectionMirror(c[user]!, res.body!.childText('ServerId')!);
    await mirror.sync();
    return mirror;
  }
  const moveItem = async (user: string, serverId: string, from: CollectionMirror, to: CollectionMirror) => {
    const res = await c[user]!.send('MoveItems', mv('MoveItems', [mv('Move', [mv('SrcMsgId', serverId), mv('SrcFldId', from.collectionId), mv('DstFldId', to.collectionId)])]));
    assert.equal(res.body?.child('Response')?.childText('Status'), '3', 'MS-ASCMD 2.2.3.177.10: 3 is success');
    return res.body!.child('Response')!.childText('DstMsgId')!;
  };
  const respond = (user: string, collectionId: string, requestId: string, userResponse: number, send: boolean) =>
    c[user]!.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', userResponse), mr('CollectionId', collectionId), mr('RequestId', requestId), send && mr('SendResponse')])]));
  const syncAll = () => Promise.all(Object.values(m).map(x => x.syncAll()));
  const itemOf = (mirror: CollectionMirror) => [...mirror.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'Roadmap');
  const inboxSizes = () => [m.aliceInbox!, m.bobInbox!, m.carolInbox!].map(x => x.items.size);

  before(async () => {
    t = await startServer({ users: [ALICE, BOB, CAROL], backend });
    for (const [user, version] of [[ALICE, '16.1'], [BOB, '16.1'], [CAROL, '14.1']] as const) {
      const name = user.split('@')[0]!;
      for (const [key, type] of [['Inbox', FolderType.Inbox], ['Cal', FolderType.Calendar]] as const) {
        const d = await syncedDevice(t, user, await folderId(t, user, type), { version, deviceId: `${name.toUpperCase()}${version.replace('.', '')}` });
        m[`${name}${key}`] = d.collection;
        c[user] = d.client;
      }
    }
    m.aliceProjects = await ownCalendar(ALICE, 'Projects');
    m.bobPrivate = await ownCalendar(BOB, 'Private');
    m.carolPersonal = await ownCalendar(CAROL, 'Personal');
  });
  after(() => t.close());

  it('a meeting organized in a second calendar (16.1) invites: requests in the Inboxes, placeholders in the default Calendars', async () => {
    const added = await m.aliceProjects!.sync([{ kind: 'Add', clientId: 'r', props: meeting('Roadmap', START) }]);
    meetingId = added.added.get('r')!.serverId!;
    await syncAll();
    for (const [inbox, cal, own] of [[m.bobInbox!, m.bobCal!, m.bobPrivate!], [m.carolInbox!, m.carolCal!, m.carolPersonal!]]) {
      assert.equal(requests(inbox).length, 1);
      assert.equal(text(itemOf(cal)?.[1], 'Calendar:ResponseType'), '5', 'the placeholder is in the default Calendar');
      assert.equal(own.items.size, 0);
    }
  });

  it('a 16.1 answer reaches the meeting in the organizer\'s second calendar', async () => {
    const [requestId] = requests(m.bobInbox!)[0]!;
    const res = await respond(BOB, m.bobInbox!.collectionId, requestId, 1, true);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    await syncAll();
    assert.equal(statusOf(m.aliceProjects!.items.get(meetingId), BOB), '3');
    assert.equal(m.aliceInbox!.items.size, 1, 'the Resp.Pos');
  });

  it('attendees move their copies to their own calendars (MoveItems): nothing is sent, the answer stays', async () => {
    const before = inboxSizes();
    await moveItem(BOB, itemOf(m.bobCal!)![0], m.bobCal!, m.bobPrivate!);
    await moveItem(CAROL, itemOf(m.carolCal!)![0], m.carolCal!, m.carolPersonal!);
    await syncAll();
    assert.deepEqual(inboxSizes(), before);
    assert.equal((await t.store.claimOutbound('calendars-test', { limit: 10, leaseMs: 60_000 })).length, 0, 'no mail queued');
    assert.equal(text(itemOf(m.bobPrivate!)?.[1], 'Calendar:ResponseType'), '3', 'Bob\'s accepted copy, moved');
    assert.equal(itemOf(m.bobCal!), undefined);
  });

  it('an update follows each copy into the calendar it was moved to (no second copy in the default Calendar)', async () => {
    const later = START + 2 * HOUR;
    await m.aliceProjects!.sync([{ kind: 'Change', serverId: meetingId, props: meeting('Roadmap', later) }]);
    await syncAll();
    for (const [inbox, cal, own] of [[m.bobInbox!, m.bobCal!, m.bobPrivate!], [m.carolInbox!, m.carolCal!, m.carolPersonal!]]) {
      assert.ok(requests(inbox).length >= 1, 'the new request (14.1 devices are not told of MeetingMessageType)');
      assert.equal(itemOf(cal), undefined, 'nothing new in the default Calendar');
      const copy = itemOf(own)?.[1];
      assert.equal(text(copy, 'Calendar:StartTime'), formatCompact(later));
      assert.equal(text(copy, 'Calendar:ResponseType'), '5', 'a time change asks again');
    }
  });

  it('14.1: the answer from the calendar item in a second calendar replaces it there; the device\'s REPLY reaches the organizer', async () => {
    const [copyId] = itemOf(m.carolPersonal!)!;
    const res = await respond(CAROL, m.carolPersonal!.collectionId, copyId, 1, false);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    assert.equal(res.body?.child('Result')?.childText('CalendarId')?.split(':')[0], m.carolPersonal!.collectionId);
    const alice = (await t.store.findUserByEmail(ALICE))!;
    const event = (await t.store.getItem(alice.id, Number(meetingId.split(':')[1])))!.event!;
    const reply = eventsToIcs([{ ...event, attendees: [{ email: CAROL, name: 'Carol', status: 3 }] }], { method: 'REPLY' });
    const mime = Buffer.from([`From: ${CAROL}`, `To: ${ALICE}`, 'Subject: Accepted: Roadmap', 'MIME-Version: 1.0',
      'Content-Type: text/calendar; charset=utf-8; method=REPLY', '', reply].join('\r\n'));
    assert.equal((await c[CAROL]!.send('SendMail', cm('SendMail', [cm('ClientId', 'reply-1'), cm('MIME', mime)]))).status, 200);
    await syncAll();
    assert.equal(text(itemOf(m.carolPersonal!)?.[1], 'Calendar:ResponseType'), '3');
    assert.equal(itemOf(m.carolCal!), undefined);
    assert.equal(statusOf(m.aliceProjects!.items.get(meetingId), CAROL), '3');
  });

  it('the organizer moves the meeting to the default Calendar: nothing sent; an answer from Bob\'s moved copy reaches it there', async () => {
    const before = inboxSizes();
    const moved = await moveItem(ALICE, meetingId, m.aliceProjects!, m.aliceCal!);
    await syncAll();
    assert.deepEqual(inboxSizes(), before, 'no request, no cancellation');
    const [copyId] = itemOf(m.bobPrivate!)!;
    const res = await respond(BOB, m.bobPrivate!.collectionId, copyId, 2, true);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    assert.equal(res.body?.child('Result')?.childText('CalendarId')?.split(':')[0], m.bobPrivate!.collectionId, 'answered where it is');
    await syncAll();
    assert.equal(statusOf(m.aliceCal!.items.get(moved), BOB), '2');
    meetingId = moved;
  });

  it('a cancellation reaches the copies in the calendars they were moved to', async () => {
    await m.aliceCal!.sync([{ kind: 'Delete', serverId: meetingId }]);
    await syncAll();
    for (const own of [m.bobPrivate!, m.carolPersonal!]) assert.equal(text(itemOf(own)?.[1], 'Calendar:MeetingStatus'), '7');
    assert.ok([m.bobInbox!, m.carolInbox!].every(x => [...x.items.values()].some(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Canceled')));
  });
});
