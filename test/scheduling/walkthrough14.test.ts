// The meeting walkthrough with 14.1 devices: they send invitations and answers themselves as mail
// with a text/calendar part (MS-ASCMD 2.2.1.11); the server routes them. Also plain SendMail.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const cm = tags('ComposeMail');
const mr = tags('MeetingResponse');
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 4 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const UID = 'convene-14-walkthrough@example.com';

function mime(o: { from: string; to: string[]; subject: string; text: string; ics?: { method: string; body: string } }): Buffer {
  const head = [`From: ${o.from}`, `To: ${o.to.join(', ')}`, `Subject: ${o.subject}`, 'MIME-Version: 1.0', `Date: ${new Date().toUTCString()}`];
  if (!o.ics) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', o.text, ''].join('\r\n'));
  return Buffer.from([...head, 'Content-Type: multipart/alternative; boundary="b1"', '', '--b1', 'Content-Type: text/plain; charset=utf-8', '', o.text,
    '--b1', `Content-Type: text/calendar; charset=utf-8; method=${o.ics.method}`, '', o.ics.body, '--b1--', ''].join('\r\n'));
}

const meeting: CalendarEvent = {
  uid: UID, start: START, end: START + HOUR, allDay: false, timeZone: 'Europe/Berlin', subject: 'Fourteen-one', sequence: 0,
  organizer: { email: 'alice@example.com', name: 'Alice' }, dtStamp: Date.now(),
  attendees: [{ email: 'bob@example.com', name: 'Bob', type: 1, status: 5, rsvp: true }],
};

describe('the meeting walkthrough (14.1, iMIP through SendMail)', () => {
  let t: TestServer;
  const m: Record<string, CollectionMirror> = {};
  const c: Record<string, EasClient> = {};
  const folderOf = (user: string, type: number) => folderId(t, user, type);
  const send = (client: EasClient, clientId: string, body: Buffer, save = true) =>
    client.send('SendMail', cm('SendMail', [cm('ClientId', clientId), save && cm('SaveInSentItems'), cm('MIME', body)]));

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
    for (const [key, user, type] of [['aliceCal', 'alice@example.com', FolderType.Calendar], ['aliceInbox', 'alice@example.com', FolderType.Inbox],
      ['aliceSent', 'alice@example.com', FolderType.SentItems], ['bobInbox', 'bob@example.com', FolderType.Inbox], ['bobCal', 'bob@example.com', FolderType.Calendar]] as const) {
      const d = await syncedDevice(t, user, await folderOf(user, type), { version: '14.1', deviceId: user.split('@')[0].toUpperCase() });
      m[key] = d.collection;
      c[user] = d.client;
    }
    c['carol@example.com'] = t.client('carol@example.com', { version: '14.1', deviceId: 'CAROL' });
  });
  after(() => t.close());

  it('a 14.1 Calendar Add invites nobody; the device\'s own invitation mail does, once', async () => {
    const props: ItemProps = [
      ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2026))], ['Calendar:AllDayEvent', '0'],
      ['Calendar:Subject', 'Fourteen-one'], ['Calendar:StartTime', formatCompact(START)], ['Calendar:EndTime', formatCompact(START + HOUR)],
      ['Calendar:UID', UID], ['Calendar:MeetingStatus', '1'], ['Calendar:OrganizerEmail', 'alice@example.com'], ['Calendar:OrganizerName', 'Alice'],
      ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'bob@example.com'], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]]]],
    ];
    await m.aliceCal.sync([{ kind: 'Add', clientId: 'a', props }]);
    await m.bobInbox.syncAll();
    assert.equal(m.bobInbox.items.size, 0);
    const res = await send(c['alice@example.com'], 'invite-1', mime({ from: 'alice@example.com', to: ['bob@example.com'], subject: 'Fourteen-one', text: 'Join us',
      ics: { method: 'REQUEST', body: eventsToIcs([meeting], { method: 'REQUEST' }) } }));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0, 'success is an empty response');
    await m.bobInbox.syncAll();
    const mail = [...m.bobInbox.items.values()];
    assert.equal(mail.length, 1, 'a meeting request, not also a plain copy');
    assert.equal(text(mail[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
    assert.ok(text(nodes(mail[0], 'Email:MeetingRequest'), 'Email:GlobalObjId'), '14.1 gets GlobalObjId');
    await m.bobCal.syncAll();
    assert.ok([...m.bobCal.items.values()].some(p => text(p, 'Calendar:UID') === UID && text(p, 'Calendar:ResponseType') === '5'));
    await m.aliceSent.syncAll();
    assert.equal(m.aliceSent.items.size, 1, 'SaveInSentItems');
  });

  it('Bob accepts (MeetingResponse, no SendResponse in 14.1) and his device mails the REPLY: Alice sees 3 and "Accepted:"', async () => {
    const [requestId] = [...m.bobInbox.items.keys()];
    const res = await c['bob@example.com'].send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', m.bobInbox.collectionId), mr('RequestId', requestId)])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    assert.ok(res.body?.child('Result')?.childText('CalendarId'));
    await m.aliceInbox.syncAll();
    assert.equal(m.aliceInbox.items.size, 0, '14.1: the server does not reply for the device');
    const reply = eventsToIcs([{ ...meeting, attendees: [{ email: 'bob@example.com', name: 'Bob', status: 3 }] }], { method: 'REPLY' });
    await send(c['bob@example.com'], 'reply-1', mime({ from: 'bob@example.com', to: ['alice@example.com'], subject: 'Accepted: Fourteen-one', text: 'Yes', ics: { method: 'REPLY', body: reply } }), false);
    await m.aliceInbox.syncAll();
    const inbox = [...m.aliceInbox.items.values()];
    assert.deepEqual(inbox.map(p => text(p, 'Email:MessageClass')), ['IPM.Schedule.Meeting.Resp.Pos'], 'one message: the meeting response, no plain copy');
    assert.equal(text(inbox[0], 'Email:Subject'), 'Accepted: Fourteen-one');
    await m.aliceCal.syncAll();
    const item = [...m.aliceCal.items.values()].find(p => text(p, 'Calendar:UID') === UID);
    const attendee = nodes(item, 'Calendar:Attendees')[0]?.[1] as ItemProps;
    assert.equal(text(attendee, 'Calendar:AttendeeStatus'), '3');
  });

  it('RFC 5546 3.2.3: a REPLY without DTSTART/DTEND (as a widely used 14.1 client sends it) is applied all the same', async () => {
    const stamp = formatCompact(Date.now() + 1000);
    const bare = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Phone//EN', 'METHOD:REPLY', 'BEGIN:VEVENT', `UID:${UID}`, `DTSTAMP:${stamp}`,
      'SEQUENCE:0', 'ORGANIZER:mailto:alice@example.com', 'ATTENDEE;PARTSTAT=TENTATIVE;CN=Bob:mailto:bob@example.com', 'SUMMARY:Fourteen-one',
      'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const before = m.aliceInbox.items.size;
    await send(c['bob@example.com'], 'reply-bare', mime({ from: 'bob@example.com', to: ['alice@example.com'], subject: 'Tentative: Fourteen-one', text: 'Maybe', ics: { method: 'REPLY', body: bare } }), false);
    await m.aliceInbox.syncAll();
    const added = [...m.aliceInbox.items.values()].slice(before);
    assert.deepEqual(added.map(p => text(p, 'Email:MessageClass')), ['IPM.Schedule.Meeting.Resp.Tent']);
    await m.aliceCal.syncAll();
    const item = [...m.aliceCal.items.values()].find(p => text(p, 'Calendar:UID') === UID);
    assert.equal(text(nodes(item, 'Calendar:Attendees')[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '2');
    // Bob accepts again, so the walkthrough goes on as it was.
    const again = eventsToIcs([{ ...meeting, dtStamp: Date.now() + 2000, attendees: [{ email: 'bob@example.com', name: 'Bob', status: 3 }] }], { method: 'REPLY' });
    await send(c['bob@example.com'], 'reply-2', mime({ from: 'bob@example.com', to: ['alice@example.com'], subject: 'Accepted: Fourteen-one', text: 'Yes', ics: { method: 'REPLY', body: again } }), false);
  });

  it('a forged REPLY (Carol answering as Bob) changes nothing', async () => {
    const forged = eventsToIcs([{ ...meeting, attendees: [{ email: 'bob@example.com', name: 'Bob', status: 4 }] }], { method: 'REPLY' });
    await send(c['carol@example.com'], 'forged', mime({ from: 'bob@example.com', to: ['alice@example.com'], subject: 'Declined', text: 'No', ics: { method: 'REPLY', body: forged } }), false);
    await m.aliceCal.syncAll();
    const item = [...m.aliceCal.items.values()].find(p => text(p, 'Calendar:UID') === UID);
    assert.equal(text(nodes(item, 'Calendar:Attendees')[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '3');
  });

  it('plain mail reaches a local Inbox; the same ClientId again is Status 118 and sends nothing; no recipient is 119', async () => {
    const before = (await m.bobInbox.syncAll(), m.bobInbox.items.size);
    const body = mime({ from: 'alice@example.com', to: ['bob@example.com', 'someone@elsewhere.example'], subject: 'Lunch?', text: 'At noon' });
    assert.equal((await send(c['alice@example.com'], 'lunch', body)).raw.length, 0);
    const again = await send(c['alice@example.com'], 'lunch', body);
    assert.equal(again.body?.childText('Status'), '118');
    await m.bobInbox.syncAll();
    assert.equal(m.bobInbox.items.size, before + 1);
    assert.ok([...m.bobInbox.items.values()].some(p => text(p, 'Email:Subject') === 'Lunch?' && text(p, 'Email:MessageClass') === 'IPM.Note'));
    const nobody = await send(c['alice@example.com'], 'nobody', mime({ from: 'alice@example.com', to: [], subject: 'x', text: 'y' }));
    assert.equal(nobody.body?.childText('Status'), '119');
  });
});
