// The principal's calendar on its delegates' devices (src/sync/sharedCalendars.ts): FolderSync lists
// it as a type-13 calendar; an editor-delegate's 16.1 device organizes a meeting in it — the
// principal's meeting, iMIP with ORGANIZER;SENT-BY and Sender — and sees the answers arrive (Ping
// wakes); a ≤14.1 delegate's own invitation mail for the principal is delivered; a reviewer reads,
// and its writes come back as the server has them; removing the delegate removes the folder.
// Real HTTP, SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { HEARTBEAT } from '../../src/eas/commands/Ping.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const mr = tags('MeetingResponse');
const pg = tags('Ping');
const cm = tags('ComposeMail');
const [BOSS, ASSISTANT, READER, ALICE] = ['boss@example.com', 'assistant@example.com', 'reader@example.com', 'alice@example.com'];
const OLGA = 'olga@elsewhere.example';
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const UTC = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));
const WAIT = { timeout: 120_000 };

function appointment(subject: string, start: number, attendees: string[] = []): ItemProps {
  return [
    ['Calendar:Timezone', UTC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(start + HOUR)],
    ...(attendees.length ? [['Calendar:MeetingStatus', '1'], ['Calendar:Attendees', attendees.map(a =>
      ['Calendar:Attendee', [['Calendar:Email', a], ['Calendar:Name', a.split('@')[0]], ['Calendar:AttendeeType', '1']]])]] as ItemProps : []),
  ];
}
const statusOf = (props: ItemProps | undefined, email: string) =>
  text(nodes(props, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === email), 'Calendar:AttendeeStatus');
const bySubject = (m: CollectionMirror, subject: string) => [...m.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === subject || text(p, 'Email:Subject') === subject);

for (const backend of BACKENDS) describe(`the principal's calendar on the delegate's devices (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  let bossCalendar = '';
  const folders: Record<string, FolderHierarchyMirror> = {};
  const shared: Record<string, CollectionMirror> = {};
  let aliceInbox: CollectionMirror;
  const device = (user: string, version: string) => t.client(user, { version, deviceId: `${user.split('@')[0]!.toUpperCase()}${version.replace('.', '')}` });

  before(async () => {
    t = await startServer({ users: [BOSS, ASSISTANT, READER, ALICE], backend });
    const id = async (email: string) => (await t.store.findUserByEmail(email))!.id;
    await t.store.setDelegate({ principalId: await id(BOSS), delegateId: await id(ASSISTANT), calendar: 'editor', principalCopies: true });
    await t.store.setDelegate({ principalId: await id(BOSS), delegateId: await id(READER), calendar: 'reviewer', principalCopies: true });
    bossCalendar = await folderId(t, BOSS, FolderType.Calendar);
    const boss = await syncedDevice(t, BOSS, bossCalendar, { version: '16.1', deviceId: 'BOSS161' });
    await boss.collection.sync([{ kind: 'Add', clientId: 'd', props: appointment('Dentist', START + 26 * HOUR) }]);
    aliceInbox = (await syncedDevice(t, ALICE, await folderId(t, ALICE, FolderType.Inbox), { version: '16.1', deviceId: 'ALICE161' })).collection;
    for (const [key, user, version] of [['assistant', ASSISTANT, '16.1'], ['assistant14', ASSISTANT, '14.1'], ['reader', READER, '16.1']] as const) {
      folders[key] = new FolderHierarchyMirror(device(user, version));
      await folders[key]!.sync();
    }
  });
  after(() => t.close());

  it('FolderSync lists the principal\'s Calendar as a type-13 calendar named after it; Sync reads what is in it', async () => {
    for (const key of ['assistant', 'assistant14', 'reader']) {
      const folder = folders[key]!.folders.get(bossCalendar);
      assert.deepEqual(folder && { type: folder.type, parentId: folder.parentId, displayName: folder.displayName }, { type: 13, parentId: '0', displayName: 'boss (calendar)' });
      shared[key] = new CollectionMirror(device(key === 'reader' ? READER : ASSISTANT, key === 'assistant14' ? '14.1' : '16.1'), bossCalendar);
      await shared[key]!.syncAll();
      assert.ok(bySubject(shared[key]!, 'Dentist'), `${key} sees the principal's appointment`);
    }
    assert.ok(!folders.assistant!.folders.has(await folderId(t, READER, FolderType.Calendar)), 'nobody else\'s calendar');
  });

  it('an editor (16.1) organizes in it: the principal\'s meeting, SENT-BY the delegate; the answer reaches its device through Ping', WAIT, async () => {
    const added = await shared.assistant!.sync([{ kind: 'Add', clientId: 'm', props: appointment('Quarterly', START, [ALICE, OLGA]) }]);
    assert.equal(added.added.get('m')?.status, 1);
    const boss = (await t.store.findUserByEmail(BOSS))!;
    const meeting = (await t.store.findItemsByUid(boss.id, (await t.store.getItem(boss.id, Number(added.added.get('m')!.serverId!.split(':')[1])))!.event!.uid))[0]!;
    assert.equal(meeting.event?.organizer?.email, BOSS, 'the principal organizes');
    await aliceInbox.syncAll();
    const [requestId, request] = bySubject(aliceInbox, 'Quarterly')!;
    assert.equal(text(request, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
    assert.match(text(request, 'Email:From') ?? '', /boss@example\.com/);
    const [queued] = await t.store.claimOutbound('shared-test', { limit: 10, leaseMs: 60_000 });
    const mime = queued!.mime.toString('utf8').replace(/\r\n[ \t]/g, '').replace(/=\r\n/g, '').replace(/=3D/g, '=');
    assert.deepEqual(queued!.recipients, [OLGA]);
    assert.match(mime, /^From: boss <boss@example\.com>/m);
    assert.match(mime, /^Sender: assistant <assistant@example\.com>/m);
    assert.match(mime, /ORGANIZER;SENT-BY="mailto:assistant@example\.com"[^\r\n]*:mailto:boss@example\.com/);
    await shared.assistant!.syncAll();
    // The delegate's device waits on the shared calendar; Alice's acceptance wakes it.
    const client = device(ASSISTANT, '16.1');
    const ping = client.send('Ping', pg('Ping', [pg('HeartbeatInterval', HEARTBEAT.max), pg('Folders', [pg('Folder', [pg('Id', bossCalendar), pg('Class', 'Calendar')])])]));
    await new Promise(r => setTimeout(r, 100));
    const res = await t.client(ALICE, { version: '16.1', deviceId: 'ALICE161' }).send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', aliceInbox.collectionId), mr('RequestId', requestId), mr('SendResponse')])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    const woke = (await ping).body;
    assert.equal(woke?.childText('Status'), '2');
    assert.deepEqual(woke?.child('Folders')?.all('Folder').map(f => f.text), [bossCalendar]);
    await shared.assistant!.syncAll();
    assert.equal(statusOf(bySubject(shared.assistant!, 'Quarterly')?.[1], ALICE), '3');
    // The principal's editor-delegate gets a copy of each response to the principal's meetings.
    const inbox = (await syncedDevice(t, ASSISTANT, await folderId(t, ASSISTANT, FolderType.Inbox), { version: '16.1', deviceId: 'ASSISTANTMAIL' })).collection;
    assert.equal(text(bySubject(inbox, 'Accepted: Quarterly')?.[1], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Pos');
    assert.ok(!JSON.stringify([...inbox.items.values()]).includes('Convene:'));
  });

  it('a 14.1 editor-delegate\'s own invitation mail for the principal is delivered as the principal\'s meeting', async () => {
    const event: CalendarEvent = {
      uid: 'shared-14@example.com', start: START + 4 * HOUR, end: START + 5 * HOUR, allDay: false, timeZone: 'UTC', subject: 'Planning', sequence: 0,
      dtStamp: Date.now(), organizer: { email: BOSS, name: 'boss' }, attendees: [{ email: ALICE, name: 'alice', status: 5, rsvp: true }],
    };
    await shared.assistant14!.sync([{ kind: 'Add', clientId: 'p', props: [...appointment('Planning', event.start, [ALICE]), ['Calendar:UID', event.uid],
      ['Calendar:OrganizerEmail', BOSS], ['Calendar:OrganizerName', 'boss']] as ItemProps }]);
    const mime = Buffer.from([`From: ${ASSISTANT}`, `To: ${ALICE}`, 'Subject: Planning', 'MIME-Version: 1.0',
      'Content-Type: text/calendar; charset=utf-8; method=REQUEST', '', eventsToIcs([event], { method: 'REQUEST' })].join('\r\n'));
    assert.equal((await device(ASSISTANT, '14.1').send('SendMail', cm('SendMail', [cm('ClientId', 'inv-14'), cm('MIME', mime)]))).status, 200);
    await aliceInbox.syncAll();
    assert.equal(text(bySubject(aliceInbox, 'Planning')?.[1], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
  });

  it('a reviewer reads only: an Add is Status 6, a Change and a Delete come back as the server has them; the principal\'s data is untouched', async () => {
    const reader = shared.reader!;
    await reader.syncAll();
    const [dentistId] = bySubject(reader, 'Dentist')!;
    const changed = await reader.sync([{ kind: 'Change', serverId: dentistId, props: appointment('Dentist (moved)', START + 30 * HOUR) }]);
    assert.equal(changed.statuses.find(s => s.kind === 'Change')?.status ?? 1, 1);
    assert.equal(text(reader.items.get(dentistId), 'Calendar:Subject'), 'Dentist', 'the server\'s version came back in the same response');
    const [quarterlyId] = bySubject(reader, 'Quarterly')!;
    const removed = await reader.sync([{ kind: 'Delete', serverId: quarterlyId }]);
    assert.equal(removed.statuses.find(s => s.kind === 'Delete')?.status ?? 1, 1);
    assert.ok(reader.items.has(quarterlyId), 'sent again as an Add');
    // With GetChanges 0 nothing comes back in that response; the next Sync brings the server's version.
    await reader.sync([{ kind: 'Change', serverId: dentistId, props: appointment('Dentist (again)', START + 31 * HOUR) }], { getChanges: false });
    assert.equal(text(reader.items.get(dentistId), 'Calendar:Subject'), 'Dentist (again)');
    await reader.syncAll();
    assert.equal(text(reader.items.get(dentistId), 'Calendar:Subject'), 'Dentist', 'sent back at the next Sync');
    const refused = await reader.sync([{ kind: 'Add', clientId: 'x', props: appointment('Mine', START + 50 * HOUR) }]);
    assert.equal(refused.added.get('x')?.status, 6);
    const boss = (await t.store.findUserByEmail(BOSS))!;
    const items = await t.store.getItems(Number(bossCalendar), await t.store.liveItemIds(Number(bossCalendar)));
    assert.deepEqual(items.map(i => i.event?.subject).sort(), ['Dentist', 'Planning', 'Quarterly']);
    assert.ok(boss);
  });

  it('an editor answers an invitation from the principal\'s calendar item; a reviewer cannot', async () => {
    const alice = await syncedDevice(t, ALICE, await folderId(t, ALICE, FolderType.Calendar), { version: '16.1', deviceId: 'ALICECAL' });
    const added = await alice.collection.sync([{ kind: 'Add', clientId: 'i', props: appointment('Review', START + 7 * HOUR, [BOSS]) }]);
    const aliceItem = added.added.get('i')!.serverId!;
    await shared.assistant!.syncAll();
    await shared.reader!.syncAll();
    const answer = (key: string, user: string) => {
      const [id] = bySubject(shared[key]!, 'Review')!;
      return device(user, '16.1').send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
        mr('UserResponse', 1), mr('CollectionId', bossCalendar), mr('RequestId', id), mr('SendResponse')])]));
    };
    const refused = await answer('reader', READER);
    assert.notEqual(refused.body?.child('Result')?.childText('Status'), '1', 'a reviewer does not answer for the principal');
    const res = await answer('assistant', ASSISTANT);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    assert.equal(res.body?.child('Result')?.childText('CalendarId')?.split(':')[0], bossCalendar);
    await alice.collection.syncAll();
    assert.equal(statusOf(alice.collection.items.get(aliceItem), BOSS), '3');
    await aliceInbox.syncAll();
    const mail = bySubject(aliceInbox, 'Accepted: Review')?.[1];
    assert.match(text(mail, 'Email:From') ?? '', /boss@example\.com/);
    assert.match(text(mail, 'Email2:Sender') ?? '', /assistant@example\.com/);
  });

  it('delegate remove: a held Ping asks for a FolderSync, the folder leaves the hierarchy, and a Sync of it is Status 12', WAIT, async () => {
    const boss = (await t.store.findUserByEmail(BOSS))!;
    const assistant = (await t.store.findUserByEmail(ASSISTANT))!;
    const client = device(ASSISTANT, '16.1');
    await folders.assistant!.sync();
    await shared.assistant!.syncAll();
    const ping = client.send('Ping', pg('Ping', [pg('HeartbeatInterval', HEARTBEAT.max), pg('Folders', [pg('Folder', [pg('Id', bossCalendar), pg('Class', 'Calendar')])])]));
    await new Promise(r => setTimeout(r, 100));
    assert.ok(await t.store.removeDelegate(boss.id, assistant.id));
    assert.equal((await ping).body?.childText('Status'), '7', 'MS-ASCMD 2.2.3.177.11: the folder hierarchy changed');
    await folders.assistant!.sync();
    assert.ok(!folders.assistant!.folders.has(bossCalendar));
    assert.equal((await shared.assistant!.sync()).status, 12);
  });
});
