// The meeting walkthrough (issue 5, shared/spec/README.md) through real HTTP and WBXML, 16.1:
// Alice invites Bob; Bob sees the request and a tentative item; accepts from the Inbox with
// SendResponse; Alice sees "Accepted:" and AttendeeStatus 3; Bob declines from the calendar; Alice sees 4.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const mr = tags('MeetingResponse');
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();

function invitation(subject: string): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2026))], ['Calendar:AllDayEvent', '0'],
    ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject], ['Calendar:StartTime', formatCompact(START)],
    ['Calendar:EndTime', formatCompact(START + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'bob@example.com'], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]]]],
  ];
}

describe('the meeting walkthrough (16.1, SendResponse)', () => {
  let t: TestServer;
  const mirrors: Record<string, CollectionMirror> = {};
  let bobClient: EasClient;
  let aliceClient: EasClient;
  const folderOf = (user: string, type: number) => folderId(t, user, type);
  const respond = (client: EasClient, collectionId: string, requestId: string, userResponse: number, send = true) =>
    client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', userResponse), mr('CollectionId', collectionId), mr('RequestId', requestId), send && mr('SendResponse'),
    ])]));
  let uid = '';

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    for (const [key, user, type] of [['aliceCal', 'alice@example.com', FolderType.Calendar], ['aliceInbox', 'alice@example.com', FolderType.Inbox],
      ['bobInbox', 'bob@example.com', FolderType.Inbox], ['bobCal', 'bob@example.com', FolderType.Calendar], ['bobTrash', 'bob@example.com', FolderType.DeletedItems]] as const) {
      const d = await syncedDevice(t, user, await folderOf(user, type), { version: '16.1', deviceId: user.startsWith('alice') ? 'ALICE' : 'BOB' });
      mirrors[key] = d.collection;
      if (user.startsWith('bob')) bobClient = d.client; else aliceClient = d.client;
    }
  });
  after(() => t.close());

  it('Bob sees the request in the Inbox and a tentative item on the Calendar', async () => {
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'w', props: invitation('Walkthrough') }]);
    await mirrors.bobInbox.syncAll();
    const request = [...mirrors.bobInbox.items.values()].find(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request')!;
    uid = text(nodes(request, 'Email:MeetingRequest'), 'Calendar:UID')!;
    await mirrors.bobCal.syncAll();
    const item = [...mirrors.bobCal.items.values()].find(p => text(p, 'Calendar:UID') === uid)!;
    assert.deepEqual([text(item, 'Calendar:BusyStatus'), text(item, 'Calendar:ResponseType')], ['1', '5']);
  });

  it('accepting from the Inbox: Status 1 and CalendarId; the request moves to Deleted Items; the item is replaced; Alice hears it', async () => {
    const [requestId] = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request')!;
    const placeholder = [...mirrors.bobCal.items.entries()].find(([, p]) => text(p, 'Calendar:UID') === uid)![0];
    const res = await respond(bobClient, mirrors.bobInbox.collectionId, requestId, 1);
    const result = res.body!.child('Result')!;
    assert.equal(result.childText('Status'), '1');
    const calendarId = result.childText('CalendarId')!;
    assert.ok(calendarId && calendarId !== placeholder, 'a new ServerId');

    await mirrors.bobInbox.syncAll();
    assert.ok(!mirrors.bobInbox.items.has(requestId), 'gone from the Inbox');
    await mirrors.bobTrash.syncAll();
    assert.ok([...mirrors.bobTrash.items.values()].some(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request'));

    const rounds = await mirrors.bobCal.syncAll();
    const commands = rounds.flatMap(r => r.collection?.child('Commands')?.children ?? []);
    assert.ok(commands.some(c => c.name === 'Delete' && c.childText('ServerId') === placeholder), 'Delete of the placeholder');
    assert.ok(commands.some(c => c.name === 'Add' && c.childText('ServerId') === calendarId), 'Add of the accepted item');
    const accepted = mirrors.bobCal.items.get(calendarId);
    assert.deepEqual([text(accepted, 'Calendar:UID'), text(accepted, 'Calendar:ResponseType'), text(accepted, 'Calendar:BusyStatus')], [uid, '3', '2']);

    await mirrors.aliceInbox.syncAll();
    const reply = [...mirrors.aliceInbox.items.values()].find(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Pos');
    assert.equal(text(reply, 'Email:Subject'), 'Accepted: Walkthrough');
    assert.match(text(reply, 'Email:From') ?? '', /bob@example.com/);
    const changes = (await mirrors.aliceCal.syncAll()).flatMap(r => r.collection?.child('Commands')?.all('Change') ?? []);
    assert.equal(changes.length, 1);
    const attendees = [...mirrors.aliceCal.items.values()].map(p => nodes(p, 'Calendar:Attendees')).flat();
    assert.equal(text(attendees[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '3');
  });

  it('declining later from the Calendar item: Bob\'s item is deleted, no CalendarId, Alice sees 4', async () => {
    const [itemId] = [...mirrors.bobCal.items.entries()].find(([, p]) => text(p, 'Calendar:UID') === uid)!;
    const res = await respond(bobClient, mirrors.bobCal.collectionId, itemId, 3);
    const result = res.body!.child('Result')!;
    assert.equal(result.childText('Status'), '1');
    assert.equal(result.child('CalendarId'), undefined);
    await mirrors.bobCal.syncAll();
    assert.ok(![...mirrors.bobCal.items.values()].some(p => text(p, 'Calendar:UID') === uid));
    await mirrors.aliceInbox.syncAll();
    assert.ok([...mirrors.aliceInbox.items.values()].some(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Neg'));
    await mirrors.aliceCal.syncAll();
    const attendees = [...mirrors.aliceCal.items.values()].map(p => nodes(p, 'Calendar:Attendees')).flat();
    assert.equal(text(attendees[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '4');
  });

  it('a client that answers by editing its own copy: the organizer hears it, nobody is re-invited', async () => {
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'e', props: invitation('By edit') }]);
    await mirrors.bobInbox.syncAll();
    const before = mirrors.bobInbox.items.size;
    await mirrors.bobCal.syncAll();
    const [itemId] = [...mirrors.bobCal.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'By edit')!;
    await mirrors.bobCal.sync([{ kind: 'Change', serverId: itemId, props: [['Calendar:ResponseType', '3']] }]);
    await mirrors.aliceInbox.syncAll();
    assert.ok([...mirrors.aliceInbox.items.values()].some(p => text(p, 'Email:Subject') === 'Accepted: By edit'));
    await mirrors.bobInbox.syncAll();
    assert.equal(mirrors.bobInbox.items.size, before, 'no invitation went back to Bob');
  });

  it('a 16.1 counter-proposal reaches the organizer as a tentative answer with the proposed time', async () => {
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'c', props: invitation('Counter') }]);
    await mirrors.bobInbox.syncAll();
    const [requestId] = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Counter')!;
    const res = await bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 2), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', requestId),
      mr('SendResponse', [mr('ProposedStartTime', formatCompact(START + 4 * HOUR)), mr('ProposedEndTime', formatCompact(START + 5 * HOUR))]),
    ])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    await mirrors.aliceInbox.syncAll();
    const reply = [...mirrors.aliceInbox.items.values()].find(p => text(p, 'Email:Subject') === 'Tentative: Counter')!;
    assert.equal(text(reply, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Tent');
    assert.match(text(nodes(reply, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Proposed new time/);
  });

  it('MS-ASCMD 2.2.3.140/2.2.3.141: ProposedStartTime/ProposedEndTime are 16.1 elements; a 16.0 answer is sent without a proposal', async () => {
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'c16', props: invitation('Counter16') }]);
    await mirrors.bobInbox.syncAll();
    const [requestId] = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Counter16')!;
    const bob16 = t.client('bob@example.com', { version: '16.0', deviceId: 'BOB160' });
    const res = await bob16.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 2), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', requestId),
      mr('SendResponse', [mr('ProposedStartTime', formatCompact(START + 4 * HOUR)), mr('ProposedEndTime', formatCompact(START + 5 * HOUR))]),
    ])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    await mirrors.aliceInbox.syncAll();
    const reply = [...mirrors.aliceInbox.items.values()].find(p => text(p, 'Email:Subject') === 'Tentative: Counter16')!;
    assert.equal(text(reply, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Tent');
    assert.doesNotMatch(text(nodes(reply, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Proposed new time/);
  });

  it('MS-ASEMAIL 2.2.2.47: a delegated request (MeetingMessageType 6) is never answerable', async () => {
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    const inbox = Number(mirrors.bobInbox.collectionId);
    const event = { uid: 'delegated-1', start: START, end: START + HOUR, allDay: false, timeZone: 'UTC', subject: 'Delegated',
      organizer: { email: 'alice@example.com' }, attendees: [{ email: 'bob@example.com' }] };
    const item = (await t.store.addItem(bob.id, inbox, { class: 'Email', event, props: [
      ['Email:Subject', 'Delegated'], ['Email:MessageClass', 'IPM.Schedule.Meeting.Request'], ['Email2:MeetingMessageType', '6']] }))!;
    const res = await respond(bobClient, String(inbox), `${inbox}:${item.id}`, 1);
    assert.equal(res.body?.child('Result')?.childText('Status'), '2', 'MS-ASCMD 2.2.3.177.9: an invalid meeting request');
    assert.ok(await t.store.getItem(bob.id, item.id), 'the request stays where it was');
    assert.equal((await t.store.findItemsByUid(bob.id, 'delegated-1')).length, 1, 'no calendar item was made');
  });

  it('answers each failure with its Status and changes nothing', async () => {
    const aliceItem = [...mirrors.aliceCal.items.keys()][0];
    const own = await respond(aliceClient, mirrors.aliceCal.collectionId, aliceItem, 1);
    assert.equal(own.body?.child('Result')?.childText('Status'), '2', 'the organizer cannot answer her own meeting');
    const missing = await respond(bobClient, mirrors.bobInbox.collectionId, `${mirrors.bobInbox.collectionId}:999999`, 1);
    assert.equal(missing.body?.child('Result')?.childText('Status'), '4', 'request missing');
    const bad = await bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [mr('UserResponse', 9), mr('CollectionId', '1'), mr('RequestId', '1:1')])]));
    assert.equal(bad.body?.child('Result')?.childText('Status'), '2', 'malformed');
    const byLongId = (client: typeof bobClient, longId: string) =>
      client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [mr('UserResponse', 1), tags('Search')('LongId', longId), mr('SendResponse')])]));
    assert.equal((await byLongId(bobClient, 'not-a-long-id')).body?.child('Result')?.childText('Status'), '2', 'a LongId this server never gave');
    assert.equal((await byLongId(aliceClient, aliceItem)).body?.child('Result')?.childText('Status'), '2', 'the organizer, by LongId');
    // An outdated request: Alice changes the time twice; the first update is outdated by the second.
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'o', props: invitation('Outdated') }]);
    const [sid] = [...mirrors.aliceCal.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'Outdated')!;
    await mirrors.aliceCal.sync([{ kind: 'Change', serverId: sid, props: [['Calendar:StartTime', formatCompact(START + HOUR)], ['Calendar:EndTime', formatCompact(START + 2 * HOUR)]] }]);
    await mirrors.bobInbox.syncAll();
    const old = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(nodes(p, 'Email:MeetingRequest'), 'Email2:MeetingMessageType') === '4');
    assert.ok(old, 'the first request is outdated');
    const outdated = await respond(bobClient, mirrors.bobInbox.collectionId, old[0], 1);
    assert.equal(outdated.body?.child('Result')?.childText('Status'), '4');
    // A time change puts Bob's answer on Alice's copy back to "not responded".
    const [current] = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Outdated' && text(nodes(p, 'Email:MeetingRequest'), 'Email2:MeetingMessageType') === '2')!;
    // MS-ASCMD 2.2.3.92.3: InstanceId on a meeting that does not recur is 146; one that is no date-time, 104.
    const withInstance = (instanceId: string) => bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', current), mr('InstanceId', instanceId)])]));
    assert.equal((await withInstance(new Date(START + HOUR).toISOString())).body?.child('Result')?.childText('Status'), '146');
    assert.equal((await withInstance('tomorrow')).body?.child('Result')?.childText('Status'), '104');
    // MS-ASCMD 2.2.3.177.9: an InstanceId that is null is 2.
    assert.equal((await withInstance('')).body?.child('Result')?.childText('Status'), '2', 'empty InstanceId');
    // MS-ASCMD 2.2.3.92.1: InstanceId is not supported in 12.1 and 14.0: Status 2, before anything else is looked at.
    const bob14 = t.client('bob@example.com', { version: '14.0', deviceId: 'BOB14' });
    const old14 = await bob14.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', current), mr('InstanceId', new Date(START + HOUR).toISOString())])]));
    assert.equal(old14.body?.child('Result')?.childText('Status'), '2', 'InstanceId from 14.0');
    // MS-ASCMD 2.2.3.150.2: with search:LongId, CollectionId and RequestId MUST NOT be present: 2.
    const both = await bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', current), tags('Search')('LongId', current)])]));
    assert.deepEqual([both.body?.child('Result')?.childText('Status'), both.body?.child('Result')?.childText('RequestId')], ['2', current], 'LongId with RequestId');
    const aliceId = (await t.store.findUserByEmail('alice@example.com'))!.id;
    const status = async () => (await t.store.getItem(aliceId, Number(sid.split(':')[1])))?.event?.attendees?.[0]?.status;
    assert.notEqual(await status(), 3, 'none of the refused answers reached the organizer');
    assert.ok(mirrors.bobInbox.items.has(current) && (await t.store.getItem((await t.store.findUserByEmail('bob@example.com'))!.id, Number(current.split(':')[1])))?.folderId === Number(mirrors.bobInbox.collectionId), 'the request is still in the Inbox');
    // Answered by LongId, as after a Search (MS-ASCMD 2.2.3.98.2): no RequestId to repeat.
    const answered = (await byLongId(bobClient, current)).body?.child('Result');
    assert.equal(answered?.childText('Status'), '1');
    assert.equal(answered?.child('RequestId'), undefined);
    assert.equal(await status(), 3);
    await mirrors.aliceCal.syncAll();
    await mirrors.aliceCal.sync([{ kind: 'Change', serverId: sid, props: [['Calendar:StartTime', formatCompact(START + 3 * HOUR)], ['Calendar:EndTime', formatCompact(START + 4 * HOUR)]] }]);
    assert.equal(await status(), 5);
    // Cancelled: answering from the calendar item is Status 4.
    await mirrors.aliceCal.sync([{ kind: 'Delete', serverId: sid }]);
    await mirrors.bobCal.syncAll();
    const [cancelled] = [...mirrors.bobCal.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'Outdated' && text(p, 'Calendar:MeetingStatus') === '7')!;
    assert.equal((await respond(bobClient, mirrors.bobCal.collectionId, cancelled, 1)).body?.child('Result')?.childText('Status'), '4');
  });
  it('MS-ASCMD 2.2.1.11, 2.2.3.155.2: each Request gets its own Result, in request order; a refused one does not stop the others', async () => {
    await mirrors.aliceCal.sync([{ kind: 'Add', clientId: 'b', props: invitation('Batch') }]);
    await mirrors.bobInbox.syncAll();
    const [batch] = [...mirrors.bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Batch'
      && text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request')!;
    const res = await bobClient.send('MeetingResponse', mr('MeetingResponse', [
      mr('Request', [mr('UserResponse', 9), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', batch)]),
      mr('Request', [mr('UserResponse', 2), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', batch)]),
      mr('Request', [mr('UserResponse', 1), mr('CollectionId', mirrors.bobInbox.collectionId), mr('RequestId', `${mirrors.bobInbox.collectionId}:999999`)]),
    ]));
    const results = res.body!.all('Result').map(r => [r.childText('RequestId'), r.childText('Status'), r.has('CalendarId')]);
    assert.deepEqual(results, [[batch, '2', false], [batch, '1', true], [`${mirrors.bobInbox.collectionId}:999999`, '4', false]]);
    await mirrors.bobCal.syncAll();
    const item = [...mirrors.bobCal.items.values()].find(p => text(p, 'Calendar:Subject') === 'Batch')!;
    assert.equal(text(item, 'Calendar:ResponseType'), '2', 'the tentative answer (the valid Request) is the one applied');
  });
});
