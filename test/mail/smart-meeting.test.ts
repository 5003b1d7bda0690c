// Forwarding and replying to meetings (MS-ASCMD 2.2.1.19 / 2.2.1.20; docs/mail.md "Meetings"):
// Bob organizes, Alice attends and forwards — the Inbox request (14.1, MIME) and one occurrence of a
// recurring meeting from her calendar (16.1, Forwardees and MIME). Carol (local) gets a real meeting
// request and a placeholder; people elsewhere get the iMIP REQUEST; Bob's meeting gains the new
// attendees and Bob is told who forwarded it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import type { CollectionMirror } from '../../src/client/collection.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const cm = tags('ComposeMail');
const asb = tags('AirSyncBase');
const mr = tags('MeetingResponse');
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const START = (() => { const d = new Date(Date.now() + 3 * DAY); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();

function meeting(subject: string, start: number, daily?: number): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026))], ['Calendar:AllDayEvent', '0'],
    ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject], ['Calendar:StartTime', formatCompact(start)],
    ['Calendar:EndTime', formatCompact(start + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'alice@example.com'], ['Calendar:Name', 'Alice'], ['Calendar:AttendeeType', '1']]]]],
    ...(daily ? [['Calendar:Recurrence', [['Calendar:Type', '0'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', String(daily)]]] as ItemProps[number]] : []),
  ];
}

function forwardMime(to: string, subject: string, text: string): Buffer {
  return Buffer.from(['From: "Alice" <alice@example.com>', `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${Date.now()}.${Math.random()}@example.com>`,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', text, ''].join('\r\n'));
}

const iso = (ms: number) => new Date(ms).toISOString();
/** An EAS date-time in either form (compact or extended), for comparing. */
const compact = (v: string | undefined) => v?.replace(/[-:]|\.\d{3}/g, '');

describe('SmartForward / SmartReply of meetings', () => {
  let t: TestServer;
  let sink: SmtpSink;
  const m: Record<string, CollectionMirror> = {};
  const find = (mirror: CollectionMirror, pred: (p: ItemProps) => boolean) => [...mirror.items.entries()].find(([, p]) => pred(p));
  const bobsEvent = async (subject: string) => {
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    const calendar = Number(await folderId(t, 'bob@example.com', FolderType.Calendar));
    const items = await t.store.getItems(calendar, await t.store.liveItemIds(calendar));
    return items.find(i => i.event?.subject === subject && i.userId === bob.id)!.event!;
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
    sink = await smtpSink(t.store);
    for (const [key, user, type, version] of [
      ['bobCal', 'bob@example.com', FolderType.Calendar, '16.1'], ['bobInbox', 'bob@example.com', FolderType.Inbox, '16.1'],
      ['aliceInbox', 'alice@example.com', FolderType.Inbox, '14.1'], ['aliceCal', 'alice@example.com', FolderType.Calendar, '16.1'],
      ['aliceSent', 'alice@example.com', FolderType.SentItems, '16.1'],
      ['carolInbox', 'carol@example.com', FolderType.Inbox, '16.1'], ['carolCal', 'carol@example.com', FolderType.Calendar, '16.1'],
    ] as const) {
      const d = await syncedDevice(t, user, await folderId(t, user, type), { version, deviceId: `${user.split('@')[0]!.toUpperCase()}${version.replace('.', '')}` });
      m[key] = d.collection;
    }
    await m.bobCal!.sync([{ kind: 'Add', clientId: 'p', props: meeting('Planning', START) }]);
    await m.bobCal!.sync([{ kind: 'Add', clientId: 's', props: meeting('Standup', START + HOUR * 2, 5) }]);
    await m.aliceInbox!.syncAll();
    await m.aliceCal!.syncAll();
  });
  after(async () => {
    await sink.close();
    await t.close();
  });

  it('14.1 forward of the Inbox request: Carol gets a meeting request and a placeholder, Dave the iMIP REQUEST, Bob the new attendees and a notification', async () => {
    const [requestId] = find(m.aliceInbox!, p => text(p, 'Email:Subject') === 'Planning')!;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE141', version: '14.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-planning'),
      cm('Source', [cm('FolderId', m.aliceInbox!.collectionId), cm('ItemId', requestId)]), cm('SaveInSentItems'),
      cm('MIME', forwardMime('carol@example.com, "Dave" <dave@far.example>', 'FW: Planning', 'Please join us.'))]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);

    await m.carolInbox!.syncAll();
    const mail = [...m.carolInbox!.items.values()];
    assert.equal(mail.length, 1, 'a meeting request, no plain copy of the forward');
    assert.equal(text(mail[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
    const uid = text(nodes(mail[0], 'Email:MeetingRequest'), 'Calendar:UID')!;
    assert.ok(uid);
    await m.carolCal!.syncAll();
    const [, placeholder] = find(m.carolCal!, p => text(p, 'Calendar:UID') === uid)!;
    assert.deepEqual([text(placeholder, 'Calendar:ResponseType'), text(placeholder, 'Calendar:BusyStatus'), text(placeholder, 'Calendar:OrganizerEmail')],
      ['5', '1', 'bob@example.com']);

    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['dave@far.example']);
    const parsed = await PostalMime.parse(out.raw);
    assert.match(parsed.text ?? '', /^Please join us\.\n\n---------- Forwarded message ----------/);
    const ics = parsed.attachments.find(a => a.mimeType === 'text/calendar');
    assert.equal(ics?.method, 'REQUEST');
    const icsText = Buffer.from(ics!.content as ArrayBuffer).toString('utf8').replace(/\r?\n[ \t]/g, '');
    assert.match(icsText, /ORGANIZER[^\r\n]*mailto:bob@example\.com/i);
    assert.match(icsText, /ATTENDEE[^\r\n]*ROLE=OPT-PARTICIPANT[^\r\n]*mailto:dave@far\.example/i);
    assert.match(icsText, /ATTENDEE[^\r\n]*mailto:carol@example\.com/i);
    assert.match(icsText, new RegExp(`UID:${uid}`));

    const event = await bobsEvent('Planning');
    assert.deepEqual(event.attendees?.map(a => a.email).sort(), ['alice@example.com', 'carol@example.com', 'dave@far.example']);
    await m.bobInbox!.syncAll();
    const [, note] = find(m.bobInbox!, p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Notification.Forward')!;
    assert.equal(text(note, 'Email:Subject'), 'Meeting Forward Notification: Planning');
    assert.match(text(nodes(note, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /carol@example\.com[\s\S]*dave@far\.example/);
  });

  it('Carol, invited by a forward, answers: Bob\'s meeting shows her acceptance', async () => {
    const [requestId] = [...m.carolInbox!.items.keys()];
    const carol = t.client('carol@example.com', { deviceId: 'CAROL161', version: '16.1' });
    const res = await carol.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', m.carolInbox!.collectionId), mr('RequestId', requestId!), mr('SendResponse')])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    const event = await bobsEvent('Planning');
    assert.equal(event.attendees?.find(a => a.email === 'carol@example.com')?.status, 3);
  });

  it('16.1 forward of one occurrence from the calendar (Forwardees + note): Carol gets that occurrence, Erin its REQUEST with RECURRENCE-ID', async () => {
    const [itemId] = find(m.aliceCal!, p => text(p, 'Calendar:Subject') === 'Standup')!;
    const third = START + HOUR * 2 + 2 * DAY;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE161', version: '16.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-standup'),
      cm('Source', [cm('FolderId', m.aliceCal!.collectionId), cm('ItemId', itemId), cm('InstanceId', iso(third))]),
      asb('Body', [asb('Type', 1), asb('Data', 'Come to this one.')]),
      cm('Forwardees', [cm('Forwardee', [cm('ForwardeeName', 'Carol'), cm('ForwardeeEmail', 'carol@example.com')]),
        cm('Forwardee', [cm('ForwardeeEmail', 'erin@far.example')])])]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);

    await m.carolInbox!.syncAll();
    const [, request] = find(m.carolInbox!, p => text(p, 'Email:Subject') === 'Standup')!;
    const inner = nodes(request, 'Email:MeetingRequest');
    assert.equal(text(inner, 'Email:InstanceType'), '3', 'an occurrence');
    assert.equal(compact(text(inner, 'Email:RecurrenceId')), compact(iso(third)));
    await m.carolCal!.syncAll();
    const [, placeholder] = find(m.carolCal!, p => text(p, 'Calendar:Subject') === 'Standup')!;
    assert.equal(compact(text(placeholder, 'Calendar:StartTime')), compact(iso(third)));
    assert.equal(nodes(placeholder, 'Calendar:Recurrence').length, 0, 'only that occurrence, not the series');

    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['erin@far.example']);
    const parsed = await PostalMime.parse(out.raw);
    assert.equal(parsed.subject, 'FW: Standup');
    assert.match(parsed.text ?? '', /^Come to this one\./);
    const ics = Buffer.from(parsed.attachments.find(a => a.mimeType === 'text/calendar')!.content as ArrayBuffer).toString('utf8');
    assert.match(ics, /RECURRENCE-ID/);
    assert.match(ics, /METHOD:REQUEST/);

    const event = await bobsEvent('Standup');
    const x = event.exceptions?.find(e => e.originalStart === third);
    assert.deepEqual(x?.overrides.attendees?.map(a => a.email).sort(), ['alice@example.com', 'carol@example.com', 'erin@far.example']);
    assert.deepEqual(event.attendees?.map(a => a.email), ['alice@example.com'], 'the series keeps its attendees');
    await m.aliceSent!.syncAll();
    assert.ok(find(m.aliceSent!, p => text(p, 'Email:Subject') === 'FW: Standup'), 'the server-written forward is in Sent Items');
  });

  it('16.1 forward of an occurrence with MIME from the calendar reaches a local recipient as that occurrence', async () => {
    const [itemId] = find(m.aliceCal!, p => text(p, 'Calendar:Subject') === 'Standup')!;
    const fifth = START + HOUR * 2 + 4 * DAY;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE161', version: '16.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-standup-5'),
      cm('Source', [cm('FolderId', m.aliceCal!.collectionId), cm('ItemId', itemId), cm('InstanceId', iso(fifth))]),
      cm('MIME', forwardMime('carol@example.com', 'FW: Standup', 'And this one.'))]));
    assert.equal(res.raw.length, 0);
    await m.carolInbox!.syncAll();
    assert.ok([...m.carolInbox!.items.values()].some(p => compact(text(nodes(p, 'Email:MeetingRequest'), 'Email:RecurrenceId')) === compact(iso(fifth))));
  });

  it('14.1 forward of a whole recurring meeting from the calendar: an invitation with its recurrence, and Bob is told', async () => {
    const [itemId] = find(m.aliceCal!, p => text(p, 'Calendar:Subject') === 'Standup')!;
    await m.bobInbox!.syncAll();
    const notes = () => [...m.bobInbox!.items.values()].filter(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Notification.Forward').length;
    const before = notes();
    const alice = t.client('alice@example.com', { deviceId: 'ALICE141', version: '14.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-standup-series'),
      cm('Source', [cm('FolderId', m.aliceCal!.collectionId), cm('ItemId', itemId)]),
      cm('MIME', forwardMime('carol@example.com, ivan@far.example', 'FW: Standup', 'The whole series.'))]));
    assert.equal(res.raw.length, 0);
    await m.carolInbox!.syncAll();
    const requests = [...m.carolInbox!.items.values()].filter(p => text(p, 'Email:Subject') === 'Standup' && !text(nodes(p, 'Email:MeetingRequest'), 'Email:RecurrenceId'));
    assert.equal(requests.length, 1, 'a meeting request for the series');
    assert.equal(text(requests[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
    const inner = nodes(requests[0], 'Email:MeetingRequest');
    assert.equal(text(inner, 'Email:InstanceType'), '1', 'a recurring master');
    assert.ok(nodes(inner, 'Email:Recurrences').length > 0, 'with its recurrence');
    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['ivan@far.example']);
    const parsed = await PostalMime.parse(out.raw);
    const ics = Buffer.from(parsed.attachments.find(a => a.mimeType === 'text/calendar')!.content as ArrayBuffer).toString('utf8');
    assert.match(ics, /METHOD:REQUEST/);
    assert.match(ics, /RRULE:FREQ=DAILY/);
    assert.match(ics, /BEGIN:VEVENT(?:(?!END:VEVENT)[\s\S])*RRULE(?:(?!END:VEVENT)[\s\S])*END:VEVENT/, 'the series VEVENT, not only the occurrence');
    const event = await bobsEvent('Standup');
    assert.ok(['carol@example.com', 'ivan@far.example'].every(x => event.attendees?.some(a => a.email === x)), 'the series gains them');
    await m.bobInbox!.syncAll();
    assert.equal(notes(), before + 1, 'Bob is told');
  });

  it('MS-ASCMD 2.2.3.148: with ReplaceMime a forwarded meeting is still an invitation; the device\'s text is not quoted over', async () => {
    const [requestId] = find(m.aliceInbox!, p => text(p, 'Email:Subject') === 'Planning')!;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE141', version: '14.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-replace'),
      cm('Source', [cm('FolderId', m.aliceInbox!.collectionId), cm('ItemId', requestId)]), cm('ReplaceMime'),
      cm('MIME', forwardMime('grace@far.example', 'FW: Planning', 'My own complete text.'))]));
    assert.equal(res.raw.length, 0);
    const parsed = await PostalMime.parse((await sink.next()).raw);
    assert.equal(parsed.text?.trim(), 'My own complete text.');
    assert.equal(parsed.attachments.find(a => a.mimeType === 'text/calendar')?.method, 'REQUEST');
  });

  it('16.1 forward of an appointment nobody is invited to: an iCalendar PUBLISH, no invitation', async () => {
    await m.aliceCal!.sync([{ kind: 'Add', clientId: 'dentist', props: meeting('Dentist', START + 6 * HOUR).filter(p => p[0] !== 'Calendar:Attendees' && p[0] !== 'Calendar:MeetingStatus') }]);
    const [itemId] = find(m.aliceCal!, p => text(p, 'Calendar:Subject') === 'Dentist')!;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE161', version: '16.1' });
    const res = await alice.send('SmartForward', cm('SmartForward', [cm('ClientId', 'fw-dentist'),
      cm('Source', [cm('FolderId', m.aliceCal!.collectionId), cm('ItemId', itemId)]),
      cm('Forwardees', [cm('Forwardee', [cm('ForwardeeEmail', 'henry@far.example')])])]));
    assert.equal(res.raw.length, 0);
    const parsed = await PostalMime.parse((await sink.next()).raw);
    assert.equal(parsed.subject, 'FW: Dentist');
    assert.equal(parsed.attachments.find(a => a.mimeType === 'text/calendar')?.method, 'PUBLISH');
    // The appointment travels once: one iCalendar file, no alternative part and no application/ics copy.
    assert.equal(parsed.attachments.filter(a => /calendar|ics/.test(a.mimeType)).length, 1);
  });

  it('a reply to the meeting request is mail to the organizer, quoting the request', async () => {
    const [requestId] = find(m.aliceInbox!, p => text(p, 'Email:Subject') === 'Planning')!;
    const alice = t.client('alice@example.com', { deviceId: 'ALICE141', version: '14.1' });
    const res = await alice.send('SmartReply', cm('SmartReply', [cm('ClientId', 're-planning'),
      cm('Source', [cm('FolderId', m.aliceInbox!.collectionId), cm('ItemId', requestId)]),
      cm('MIME', forwardMime('bob@example.com', 'RE: Planning', 'Can we move it?'))]));
    assert.equal(res.raw.length, 0);
    await m.bobInbox!.syncAll();
    const [, mail] = find(m.bobInbox!, p => text(p, 'Email:Subject') === 'RE: Planning')!;
    assert.equal(text(mail, 'Email:MessageClass'), 'IPM.Note');
    assert.match(text(nodes(mail, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /Can we move it\?[\s\S]*wrote:[\s\S]*> When:/);
  });

  it('the organizer forwarding his own meeting invites without notifying himself', async () => {
    const [itemId] = find(m.bobCal!, p => text(p, 'Calendar:Subject') === 'Planning')!;
    await m.bobInbox!.syncAll();
    const before = m.bobInbox!.items.size;
    const bob = t.client('bob@example.com', { deviceId: 'BOB161', version: '16.1' });
    const res = await bob.send('SmartForward', cm('SmartForward', [cm('ClientId', 'own'),
      cm('Source', [cm('FolderId', m.bobCal!.collectionId), cm('ItemId', itemId)]),
      cm('MIME', forwardMime('frank@far.example', 'FW: Planning', 'Join?'))]));
    assert.equal(res.raw.length, 0);
    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['frank@far.example']);
    assert.ok((await bobsEvent('Planning')).attendees?.some(a => a.email === 'frank@far.example'));
    await m.bobInbox!.syncAll();
    assert.equal(m.bobInbox!.items.size, before, 'no notification to himself');
  });
});
