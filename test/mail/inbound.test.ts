// Mail from other servers over real SMTP on loopback (RFC 5321, RFC 1870 SIZE, RFC 6047 iMIP):
// nodemailer's SMTP transport (or a raw socket) delivers to InboundSmtp, which shares its store with
// a running EAS server; results are read from the store and with an EasClient Sync.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item, type ItemProps } from '../../src/store/types.js';
import { startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 5 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const REMOTE_UID = 'remote-meeting@elsewhere.example';
const LOCAL_UID = 'alice-meeting@example.com';

/** Carol organizes elsewhere and invites Bob (here). */
const remoteMeeting: CalendarEvent = {
  uid: REMOTE_UID, start: START, end: START + HOUR, allDay: false, timeZone: 'UTC', subject: 'Remote planning', sequence: 0,
  organizer: { email: 'carol@elsewhere.example', name: 'Carol' }, dtStamp: Date.now(),
  attendees: [{ email: 'bob@example.com', name: 'Bob', type: 1, status: 5, rsvp: true }],
};
/** Alice organizes here and invited Dave (elsewhere). */
const localMeeting: CalendarEvent = {
  uid: LOCAL_UID, start: START + 2 * HOUR, end: START + 3 * HOUR, allDay: false, timeZone: 'UTC', subject: 'Review', sequence: 0,
  organizer: { email: 'alice@example.com', name: 'Alice' }, meetingStatus: 1, responseType: 1, dtStamp: Date.now(),
  attendees: [{ email: 'dave@elsewhere.example', name: 'Dave', type: 1, status: 5 }, { email: 'bob@example.com', name: 'Bob', type: 1, status: 5 }],
};
const reply = (status: 2 | 3 | 4, dtStamp: number): string =>
  eventsToIcs([{ ...localMeeting, meetingStatus: undefined, responseType: undefined, dtStamp, attendees: [{ email: 'dave@elsewhere.example', name: 'Dave', status }] }], { method: 'REPLY' });

/** One SMTP dialogue on a raw socket: each line is sent after the previous reply; returns the replies. */
async function dialogue(port: number, lines: string[]): Promise<string[]> {
  const socket = connect(port, '127.0.0.1');
  let buffer = '';
  let wake: (() => void) | undefined;
  socket.on('data', d => { buffer += d.toString('latin1'); wake?.(); });
  const reply = async (): Promise<string> => {
    for (;;) {
      const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(buffer);
      if (m) {
        const end = m.index + m[0].length;
        const out = buffer.slice(0, end).trim();
        buffer = buffer.slice(end);
        return out;
      }
      await new Promise<void>(resolve => { wake = resolve; });
    }
  };
  const replies = [await reply()];
  for (const line of lines) {
    socket.write(Buffer.from(`${line}\r\n`, 'utf8'));
    replies.push(await reply());
  }
  socket.end();
  return replies;
}

describe('inbound SMTP (an MX for the accounts here)', () => {
  let t: TestServer;
  let smtp: InboundSmtp;
  let port: number;
  const logs: string[] = [];
  const transport = () => nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
  const user = async (email: string) => (await t.store.findUserByEmail(email))!;
  const folder = async (email: string, type: number) => (await t.store.listFolders((await user(email)).id)).find(f => f.type === type)!.id;
  const items = async (email: string, type: number): Promise<Item[]> => {
    const id = await folder(email, type);
    return t.store.getItems(id, await t.store.liveItemIds(id));
  };
  const count = async () => {
    let n = 0;
    for (const email of ['alice@example.com', 'bob@example.com']) for (const type of [FolderType.Inbox, FolderType.Calendar]) n += (await items(email, type)).length;
    return n;
  };
  const calendarItem = async (email: string, uid: string) => (await items(email, FolderType.Calendar)).find(i => i.event?.uid === uid);
  const daveStatus = async () => (await calendarItem('alice@example.com', LOCAL_UID))!.event!.attendees![0]!.status;
  const mailOf = async (email: string, messageClass: string) => (await items(email, FolderType.Inbox)).filter(i => text(i.props, 'Email:MessageClass') === messageClass);
  const imip = (o: { from: string; envelopeFrom?: string; to: string; method: string; ics: string; subject?: string }) =>
    transport().sendMail({
      envelope: { from: o.envelopeFrom ?? o.from, to: [o.to] }, from: o.from, to: o.to, subject: o.subject ?? o.method, text: `iMIP ${o.method}`,
      icalEvent: { method: o.method, content: o.ics },
    });

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    smtp = new InboundSmtp({ store: t.store, maxSize: 16_384, hostname: 'mx.example.com', log: msg => logs.push(msg), auth: await testWorldAuth() });
    port = await smtp.listen(0, '127.0.0.1');
    const alice = await user('alice@example.com');
    await t.store.addItem(alice.id, await folder('alice@example.com', FolderType.Calendar),
      { class: 'Calendar', props: [], event: localMeeting, filterTime: eventFilterTime(localMeeting) });
  });
  after(async () => {
    await smtp.close();
    await t.close();
  });

  it('RFC 5321: plain mail for a local account lands in its Inbox, seen by the store and by an EAS Sync', async () => {
    const info = await transport().sendMail({ from: '"Someone" <someone@elsewhere.example>', to: 'bob@example.com', subject: 'Hello from afar', text: 'Hi Bob' });
    assert.deepEqual(info.accepted, ['bob@example.com']);
    const [stored] = await mailOf('bob@example.com', 'IPM.Note');
    assert.equal(text(stored?.props, 'Email:Subject'), 'Hello from afar');
    assert.equal(text(stored?.props, 'Email:From'), '"Someone" <someone@elsewhere.example>', 'the From header\'s display name is kept');
    const { collection } = await syncedDevice(t, 'bob@example.com', String(await folder('bob@example.com', FolderType.Inbox)));
    const seen = [...collection.items.values()].find(p => text(p, 'Email:Subject') === 'Hello from afar');
    assert.equal(text(seen, 'Email:MessageClass'), 'IPM.Note');
    assert.match(text(nodes(seen, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Hi Bob/);
  });

  it('the same Message-ID again (a sender retrying after a lost 250) is accepted and filed once per account', async () => {
    const mail = { from: 'someone@elsewhere.example', subject: 'Once only', text: 'x', messageId: '<once-only@elsewhere.example>' };
    await transport().sendMail({ ...mail, to: 'bob@example.com' });
    const again = await transport().sendMail({ ...mail, to: ['bob@example.com', 'alice@example.com'] });
    assert.deepEqual(again.accepted, ['bob@example.com', 'alice@example.com']);
    const subjects = async (email: string) => (await mailOf(email, 'IPM.Note')).filter(i => text(i.props, 'Email:Subject') === 'Once only').length;
    assert.equal(await subjects('bob@example.com'), 1);
    assert.equal(await subjects('alice@example.com'), 1);
    assert.ok(logs.some(l => l.includes('<once-only@elsewhere.example> already delivered to bob@example.com')));
    for (const email of ['alice@example.com', 'bob@example.com']) {
      for (const item of (await mailOf(email, 'IPM.Note')).filter(i => text(i.props, 'Email:Subject') === 'Once only')) await t.store.deleteItem(item.userId, item.id);
    }
  });

  it('an unknown recipient is 550 5.1.1 (no open relay) and nothing is stored', async () => {
    const before = await count();
    await assert.rejects(transport().sendMail({ from: 'someone@elsewhere.example', to: 'nobody@example.com', subject: 'x', text: 'y' }),
      (e: { rejectedErrors?: { responseCode?: number; response?: string }[] }) =>
        e.rejectedErrors?.[0]?.responseCode === 550 && /5\.1\.1/.test(e.rejectedErrors[0].response ?? ''));
    const replies = await dialogue(port, ['EHLO relay.test', 'MAIL FROM:<spam@elsewhere.example>', 'RCPT TO:<victim@other.example>', 'QUIT']);
    assert.match(replies[3]!, /^550 5\.1\.1/);
    assert.equal(await count(), before);
  });

  it('RFC 1870: SIZE is advertised; a larger SIZE, or a larger message, is 552 5.3.4 and nothing is stored', async () => {
    const before = await count();
    const big = `From: someone@elsewhere.example\r\nTo: bob@example.com\r\nSubject: big\r\n\r\n${'x'.repeat(76)}\r\n`.repeat(250);
    const replies = await dialogue(port, ['EHLO big.test', 'MAIL FROM:<someone@elsewhere.example> SIZE=100000', 'MAIL FROM:<someone@elsewhere.example>',
      'RCPT TO:<bob@example.com>', 'DATA', `${big}.`, 'QUIT']);
    assert.match(replies[1]!, /250[ -]SIZE 16384/);
    assert.match(replies[2]!, /^552 5\.3\.4/);
    assert.match(replies[6]!, /^552 5\.3\.4/);
    await assert.rejects(transport().sendMail({ from: 'someone@elsewhere.example', to: 'bob@example.com', subject: 'big', text: 'x'.repeat(20_000) }),
      (e: { responseCode?: number }) => e.responseCode === 552);
    assert.equal(await count(), before);
  });

  it('8-bit headers are accepted; a message postal-mime cannot read is 554 5.6.0 and nothing is stored', async () => {
    const replies = await dialogue(port, ['EHLO eight.test', 'MAIL FROM:<jörg@elsewhere.example> SMTPUTF8', 'RCPT TO:<bob@example.com>', 'DATA',
      'From: Jörg <jörg@elsewhere.example>\r\nTo: bob@example.com\r\nSubject: Grüße aus Köln\r\n\r\nHallo!\r\n.', 'QUIT']);
    assert.match(replies[5]!, /^250 /);
    assert.ok((await mailOf('bob@example.com', 'IPM.Note')).some(i => text(i.props, 'Email:Subject') === 'Grüße aus Köln'));
    const before = await count();
    const bad = await dialogue(port, ['EHLO bad.test', 'MAIL FROM:<someone@elsewhere.example>', 'RCPT TO:<bob@example.com>', 'RCPT TO:<alice@example.com>',
      'DATA', '\r\nno header at all\r\n.', 'QUIT']);
    assert.match(bad[6]!, /^554 5\.6\.0 .*no header/);
    assert.equal(await count(), before);
  });

  it('an unreadable text/calendar part is delivered as plain mail (logged)', async () => {
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', subject: 'Broken invitation',
      ics: 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:no UID\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n' });
    assert.ok((await mailOf('bob@example.com', 'IPM.Note')).some(i => text(i.props, 'Email:Subject') === 'Broken invitation'));
    assert.ok(logs.some(l => /^unreadable iCalendar part from carol@elsewhere.example/.test(l)));
  });

  it('RFC 6047: a REQUEST from an organizer elsewhere gives the attendee IPM.Schedule.Meeting.Request and a tentative calendar item', async () => {
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([remoteMeeting], { method: 'REQUEST' }), subject: 'Remote planning' });
    const [request] = await mailOf('bob@example.com', 'IPM.Schedule.Meeting.Request');
    assert.equal(text(request?.props, 'Email2:MeetingMessageType'), '1', 'a UID Bob has not seen');
    assert.equal((await mailOf('bob@example.com', 'IPM.Note')).filter(i => text(i.props, 'Email:Subject') === 'Remote planning').length, 0, 'no plain copy');
    const own = (await calendarItem('bob@example.com', REMOTE_UID))?.event;
    assert.deepEqual([own?.meetingStatus, own?.responseType, own?.busyStatus, own?.organizer?.email], [3, 5, 1, 'carol@elsewhere.example']);
    const { collection } = await syncedDevice(t, 'bob@example.com', String(await folder('bob@example.com', FolderType.Inbox)), { deviceId: 'BOB2' });
    const seen = [...collection.items.values()].find(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
    assert.ok(text(nodes(seen, 'Email:MeetingRequest'), 'Email:GlobalObjId'), 'the MeetingRequest container reaches the device');
  });

  it('RFC 5546 2.1.5: a newer SEQUENCE updates (type 2); an older one afterwards is outdated (type 4) and leaves the calendar alone', async () => {
    const moved = { ...remoteMeeting, sequence: 2, start: START + HOUR, end: START + 2 * HOUR, dtStamp: Date.now() };
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([moved], { method: 'REQUEST' }) });
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([{ ...remoteMeeting, sequence: 1 }], { method: 'REQUEST' }) });
    const types = (await mailOf('bob@example.com', 'IPM.Schedule.Meeting.Request')).map(i => text(i.props, 'Email2:MeetingMessageType'));
    assert.deepEqual(types, ['4', '2', '4'], 'the first request outdated by the update; the late older one outdated on arrival');
    const own = (await calendarItem('bob@example.com', REMOTE_UID))?.event;
    assert.deepEqual([own?.start, own?.sequence], [START + HOUR, 2]);
  });

  it('RFC 5546 2.1.4: the same SEQUENCE again (an informational update) is delivered and keeps the attendee\'s answer', async () => {
    const bob = await user('bob@example.com');
    const item = (await calendarItem('bob@example.com', REMOTE_UID))!;
    await t.store.updateItem(bob.id, item.id, { props: [], event: { ...item.event!, responseType: 3, busyStatus: 2 }, filterTime: item.filterTime });
    const renamed = { ...remoteMeeting, sequence: 2, start: START + HOUR, end: START + 2 * HOUR, subject: 'Remote planning (agenda)', dtStamp: Date.now() };
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([renamed], { method: 'REQUEST' }) });
    const own = (await calendarItem('bob@example.com', REMOTE_UID))!.event!;
    assert.deepEqual([own.subject, own.responseType, own.busyStatus], ['Remote planning (agenda)', 3, 2]);
  });

  it('MS-ASEMAIL R1070: the same SEQUENCE with a DtStamp older than a request already here is outdated (type 4)', async () => {
    const before = (await calendarItem('bob@example.com', REMOTE_UID))!.event!;
    const stale = { ...remoteMeeting, sequence: 2, start: START + 5 * HOUR, end: START + 6 * HOUR, subject: 'Stale', dtStamp: Date.now() - 86_400_000 };
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([stale], { method: 'REQUEST' }) });
    const requests = await mailOf('bob@example.com', 'IPM.Schedule.Meeting.Request');
    assert.equal(text(requests.at(-1)?.props, 'Email2:MeetingMessageType'), '4');
    assert.equal(text(requests.at(-2)?.props, 'Email2:MeetingMessageType'), '2', 'the newer request stays answerable');
    assert.deepEqual((await calendarItem('bob@example.com', REMOTE_UID))!.event, before, 'the calendar is left alone');
  });

  it('MS-ASEMAIL R716 and R291: ResponseRequested follows the attendee\'s RSVP; a monthly pattern carries CalendarType', async () => {
    const uid = 'convene-rsvp-false@elsewhere.example';
    const monthly: CalendarEvent = { ...remoteMeeting, uid, subject: 'FYI monthly', attendees: [{ email: 'bob@example.com', name: 'Bob', type: 2, status: 5, rsvp: false }],
      recurrence: { type: 2, interval: 1, dayOfMonth: new Date(START).getUTCDate(), occurrences: 6 } };
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([monthly], { method: 'REQUEST' }) });
    const { collection } = await syncedDevice(t, 'bob@example.com', String(await folder('bob@example.com', FolderType.Inbox)), { deviceId: 'BOBRSVP', version: '14.1' });
    const seen = [...collection.items.values()].find(p => text(p, 'Email:Subject') === 'FYI monthly');
    const inner = nodes(seen, 'Email:MeetingRequest');
    assert.equal(text(inner, 'Email:ResponseRequested'), '0');
    assert.equal(text(nodes(nodes(inner, 'Email:Recurrences'), 'Email:Recurrence'), 'Email2:CalendarType'), '1');
  });

  it('a REQUEST from outside naming a local organizer is refused as spoofed: no meeting, logged, delivered as plain mail', async () => {
    const spoof = { ...localMeeting, uid: 'spoof@example.com', attendees: [{ email: 'bob@example.com', status: 5 as const }] };
    await imip({ from: 'alice@example.com', to: 'bob@example.com', method: 'REQUEST', ics: eventsToIcs([spoof], { method: 'REQUEST' }), subject: 'Spoofed' });
    assert.equal(await calendarItem('bob@example.com', 'spoof@example.com'), undefined);
    assert.ok((await mailOf('bob@example.com', 'IPM.Note')).some(i => text(i.props, 'Email:Subject') === 'Spoofed'));
    assert.ok(logs.some(l => /refused iMIP REQUEST for spoof@example.com/.test(l)));
  });

  let acceptedAt = 0;
  it('a REPLY from the attendee\'s own address: the local organizer\'s AttendeeStatus becomes 3 and a Resp.Pos mail arrives', async () => {
    acceptedAt = Date.now();
    await imip({ from: 'dave@elsewhere.example', to: 'alice@example.com', method: 'REPLY', ics: reply(3, acceptedAt), subject: 'Accepted: Review' });
    assert.equal(await daveStatus(), 3);
    const [resp] = await mailOf('alice@example.com', 'IPM.Schedule.Meeting.Resp.Pos');
    assert.equal(text(resp?.props, 'Email:Subject'), 'Accepted: Review');
    const { collection } = await syncedDevice(t, 'alice@example.com', String(await folder('alice@example.com', FolderType.Calendar)));
    const item = [...collection.items.values()].find(p => text(p, 'Calendar:UID') === LOCAL_UID);
    assert.equal(text(nodes(item, 'Calendar:Attendees')[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '3');
  });

  it('a forged REPLY (From not the attendee, From not authenticated by an aligned MAIL FROM or DKIM, or a local account from outside) changes nothing and is logged', async () => {
    const later = Date.now() + 60_000;
    await imip({ from: 'mallory@elsewhere.example', to: 'alice@example.com', method: 'REPLY', ics: reply(4, later), subject: 'Declined: Review' });
    await imip({ from: 'dave@elsewhere.example', envelopeFrom: 'mallory@evil.example', to: 'alice@example.com', method: 'REPLY', ics: reply(4, later), subject: 'Declined: Review' });
    const fromBob = eventsToIcs([{ ...localMeeting, dtStamp: later, attendees: [{ email: 'bob@example.com', status: 4 }] }], { method: 'REPLY' });
    await imip({ from: 'bob@example.com', to: 'alice@example.com', method: 'REPLY', ics: fromBob, subject: 'Declined: Review' });
    assert.deepEqual((await calendarItem('alice@example.com', LOCAL_UID))!.event!.attendees!.map(a => a.status), [3, 5], 'not even a local account from outside');
    assert.equal((await mailOf('alice@example.com', 'IPM.Schedule.Meeting.Resp.Neg')).length, 0);
    assert.equal(logs.filter(l => /^forged iMIP REPLY for alice-meeting/.test(l)).length, 3);
  });

  it('RFC 5546 2.1.5: a REPLY with an older DTSTAMP than the one applied (or the same one again) changes nothing', async () => {
    await imip({ from: 'dave@elsewhere.example', to: 'alice@example.com', method: 'REPLY', ics: reply(4, Date.now() - 3_600_000), subject: 'Declined: Review' });
    await imip({ from: 'dave@elsewhere.example', to: 'alice@example.com', method: 'REPLY', ics: reply(3, acceptedAt), subject: 'Accepted: Review' });
    assert.equal(await daveStatus(), 3);
    assert.equal((await mailOf('alice@example.com', 'IPM.Schedule.Meeting.Resp.Neg')).length, 0);
    assert.equal((await mailOf('alice@example.com', 'IPM.Schedule.Meeting.Resp.Pos')).length, 1, 'a redelivered REPLY is not news');
    assert.equal((await mailOf('alice@example.com', 'IPM.Note')).length, 3, 'only the forged ones came as plain mail');
    const stamps = (await calendarItem('alice@example.com', LOCAL_UID))!.event!.extraIcal!.filter(l => l.startsWith('X-CONVENE-REPLY-DTSTAMP'));
    assert.equal(stamps.length, 1);
  });

  it('RFC 5546 3.2.7: a COUNTER is a tentative answer with the proposed time in the text', async () => {
    const counter = eventsToIcs([{ ...localMeeting, start: START + 4 * HOUR, end: START + 5 * HOUR, dtStamp: Date.now() + 120_000,
      extraIcal: ['COMMENT:Later would suit me'], attendees: [{ email: 'dave@elsewhere.example', status: 2 }] }], { method: 'COUNTER' });
    await imip({ from: 'dave@elsewhere.example', to: 'alice@example.com', method: 'COUNTER', ics: counter, subject: 'New time proposed: Review' });
    assert.equal(await daveStatus(), 2);
    const [resp] = await mailOf('alice@example.com', 'IPM.Schedule.Meeting.Resp.Tent');
    const body = text(nodes(resp?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '';
    assert.match(body, /Later would suit me/);
    assert.ok(body.includes(`Proposed new time: ${new Date(START + 4 * HOUR).toUTCString()}`));
  });

  it('a CANCEL from the organizer elsewhere: the attendee\'s item becomes MeetingStatus 7 and IPM.Schedule.Meeting.Canceled arrives', async () => {
    const cancel = eventsToIcs([{ ...remoteMeeting, sequence: 3, meetingStatus: 5, dtStamp: Date.now() }], { method: 'CANCEL' });
    await imip({ from: 'carol@elsewhere.example', to: 'bob@example.com', method: 'CANCEL', ics: cancel, subject: 'Canceled: Remote planning' });
    assert.equal((await calendarItem('bob@example.com', REMOTE_UID))?.event?.meetingStatus, 7);
    assert.equal((await mailOf('bob@example.com', 'IPM.Schedule.Meeting.Canceled')).length, 1);
  });
});
