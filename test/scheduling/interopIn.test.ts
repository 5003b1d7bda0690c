// Invitations as the big calendar systems send them (test/fixtures/imip, docs/scheduling-interop.md
// "Inbound"): each corpus message is DKIM-signed for its producer's test domain, delivered over
// real SMTP on loopback through the real sender authentication (DNS zone on loopback), synced to a
// 14.1 and a 16.1 device, checked as an EAS meeting request (MS-ASEMAIL 2.2.2.48) and a tentative
// calendar item (MS-ASCAL), then answered from the 16.1 device: the REPLY that leaves must be one the
// producer matches (RFC 5546 3.2.3: its UID byte for byte, RECURRENCE-ID for one occurrence).
// One row per message: adding a corpus message is adding a row.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { icsToEvents } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, parseEasDateTime, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { compose, DnsZone, publishDomain, signed, type MailDomain } from '../helpers/mailAuth.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const mr = tags('MeetingResponse');
// dist/test/scheduling/… → the repository root; the corpus is read from the source tree.
const ms = (iso: string) => Date.parse(iso);
const CORPUS = join(dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/imip');
const SAM = 'sam@convene.example';

/** MS-ASCAL Recurrence children as the device sees them (Calendar: names; Email: the same in MeetingRequest). */
type Pattern = Partial<Record<'Type' | 'Interval' | 'Occurrences' | 'Until' | 'DayOfWeek' | 'WeekOfMonth' | 'FirstDayOfWeek', string>>;

interface Occurrence {
  /** Original start (ExceptionStartTime / InstanceId), UTC ISO. */
  at: string;
  deleted?: boolean;
  start?: string;
  end?: string;
  subject?: string;
}

interface Row {
  file: string;
  /** SMTP MAIL FROM: the producer's bounce or sending address. */
  mailFrom: string;
  /** What the message must become. */
  uid: string;
  organizer: string;
  subject: string;
  /** The VALARM's minutes before the start (MS-ASEMAIL 2.2.2.63 Reminder counts seconds). */
  reminder?: number;
  /** LOCATION as the device shows it; none for an empty LOCATION. */
  location?: string;
  start: string;
  end: string;
  allDay?: boolean;
  /** The IANA zone whose rules the TimeZone blob must carry. */
  zone: string;
  /** MS-ASEMAIL 2.2.2.39: 0 single, 1 master, 3 exception (an invitation to one occurrence). */
  instanceType: 0 | 1 | 3;
  /** An invitation to one occurrence: its original start. */
  recurrenceId?: string;
  recurrence?: Pattern;
  exceptions?: Occurrence[];
  /** MS-ASEMAIL 2.2.2.14: the status once accepted. */
  busyStatus: number;
  disallowCounter?: boolean;
  /** MS-ASCAL OnlineMeetingExternalLink / OnlineMeetingConfLink (14.1+). */
  link?: string;
  confLink?: string;
  /** The 16.1 device's MeetingResponse: 1 accept, 2 tentative, 3 decline; `instance` answers one occurrence. */
  answer: { response: 1 | 2 | 3; instance?: string };
  sequence: number;
}

const ROWS: Row[] = [
  {
    file: 'google/weekly-series.eml', reminder: 10, mailFrom: 'bounce-7a1c@calendar-server.bounces.google.example',
    uid: '5k2f8q1v7c3n9m0p4r6t8w2y1a@google.com', organizer: 'ana.lima@gmail.example', subject: 'Product sync',
    start: '2030-01-08T09:00:00Z', end: '2030-01-08T09:45:00Z', zone: 'Europe/Berlin', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '1', Interval: '1', DayOfWeek: '4', Occurrences: '10', FirstDayOfWeek: '1' },
    exceptions: [
      { at: '2030-01-22T09:00:00Z', deleted: true },
      { at: '2030-01-29T09:00:00Z', start: '2030-01-29T10:30:00Z', end: '2030-01-29T11:15:00Z', subject: 'Product sync (later this week)' },
    ],
    link: 'https://meet.google.example/kpw-trzq-mxa', answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'google/one-occurrence.eml', location: 'Sala 4', mailFrom: 'bounce-02fe@calendar-server.bounces.google.example',
    uid: '3hq7d0c6o1e5m8a2f4k9s0t3vb_R20300110T170000@google.com', organizer: 'bruno@acme-gw.example', subject: 'Design review',
    start: '2030-02-07T17:00:00Z', end: '2030-02-07T18:00:00Z', zone: 'America/Sao_Paulo', instanceType: 3, busyStatus: 2,
    recurrenceId: '2030-02-07T17:00:00Z', link: 'https://meet.google.example/dvb-qpmx-owe', answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'google/all-day.eml', location: 'Lake house, Potsdam', mailFrom: 'bounce-55d0@calendar-server.bounces.google.example',
    uid: '0ah3k5m7p9r1t3v5x7z9b1d3f5@google.com', organizer: 'ana.lima@gmail.example', subject: 'Team offsite',
    start: '2030-03-14T00:00:00Z', end: '2030-03-16T00:00:00Z', allDay: true, zone: 'UTC', instanceType: 0, busyStatus: 0,
    answer: { response: 3 }, sequence: 0,
  },
  {
    file: 'outlook/m365-teams.eml', reminder: 15, location: 'Microsoft Teams Meeting', mailFrom: 'olivia.chen@mail.contoso.example',
    uid: '040000008200E00074C5B7101A82E00800000000D04E3C0A1B6ADB01000000000000000010000000A7C3F95B2E4D1A4F8B6C0D2E9F1A3B5C',
    organizer: 'olivia.chen@contoso.example', subject: 'Quarterly planning',
    start: '2030-02-11T14:00:00Z', end: '2030-02-11T15:00:00Z', zone: 'Europe/Berlin', instanceType: 0, busyStatus: 2,
    link: 'https://teams.microsoft.example/l/meetup-join/19%3ameeting_NzQ2MWE4ZjEtYjM3Yy00ZDU2@thread.v2/0',
    confLink: 'conf:sip:olivia.chen@contoso.example;gruu;opaque=app:conf:focus:id:teams:2:0!19:meeting_NzQ2MWE4ZjEtYjM3Yy00ZDU2',
    answer: { response: 2 }, sequence: 0,
  },
  {
    file: 'outlook/exchange-series.eml', reminder: 15, location: 'Room 4A', mailFrom: 'marcus.webb@mail.fabrikam.example',
    uid: '040000008200E00074C5B7101A82E00800000000705F9E3D2C6ADB01000000000000000010000000E1D2C3B4A5968778695A4B3C2D1E0F11',
    organizer: 'marcus.webb@fabrikam.example', subject: 'Vendor check-in',
    start: '2030-02-04T17:00:00Z', end: '2030-02-04T17:30:00Z', zone: 'America/Los_Angeles', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '1', Interval: '1', DayOfWeek: '10', Until: '2030-03-27T16:00:00Z', FirstDayOfWeek: '0' },
    exceptions: [
      { at: '2030-02-13T17:00:00Z', deleted: true },
      { at: '2030-02-20T17:00:00Z', start: '2030-02-20T19:00:00Z', end: '2030-02-20T20:00:00Z', subject: 'Vendor check-in (pricing)' },
    ],
    answer: { response: 1, instance: '2030-02-20T17:00:00Z' }, sequence: 0,
  },
  {
    file: 'outlook/outlookcom-one-occurrence.eml', reminder: 30, location: "The Crypt, St Anne's", mailFrom: 'priya.nair@mail.outlook.example',
    uid: '040000008200E00074C5B7101A82E00800000000C8A0F2B19B6DDB0100000000000000001000000096B8D0F2143658A7BCDE0F1A2B3C4D5E',
    organizer: 'priya.nair@outlook.example', subject: 'Book launch rehearsal',
    start: '2030-03-06T18:00:00Z', end: '2030-03-06T19:30:00Z', zone: 'Europe/London', instanceType: 3, busyStatus: 2,
    recurrenceId: '2030-03-06T17:30:00Z', disallowCounter: true, answer: { response: 1 }, sequence: 2,
  },
  {
    file: 'outlook/desktop-customized-zone.eml', reminder: 15, location: 'Board room', mailFrom: 'grace.miller@mail.northwind.example',
    uid: '040000008200E00074C5B7101A82E0080000000010C7E2A4F36ADB01000000000000000010000000F0E1D2C3B4A5968778695A4B3C2D1E0F',
    organizer: 'grace.miller@northwind.example', subject: 'Finance review',
    start: '2030-03-05T15:30:00Z', end: '2030-03-05T16:30:00Z', zone: 'America/New_York', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '3', Interval: '1', WeekOfMonth: '1', DayOfWeek: '4', Occurrences: '6' },
    answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'icloud/series-token-organizer.eml', reminder: 60, location: "Jo's place", mailFrom: 'bounces+7f3e@email.apple.example',
    uid: '8C2E5F4A-1B7D-4E39-A0C6-5D9F3E2B1A74', organizer: '2_gmzdamjqgeztanjsge3dsmrugu4tknzygaydcmbqgiydgnbyhazdsmzsgeytsnzq@imip.me.example',
    subject: 'Book club', start: '2030-02-08T03:00:00Z', end: '2030-02-08T04:30:00Z', zone: 'America/Los_Angeles', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '3', Interval: '1', WeekOfMonth: '1', DayOfWeek: '16', Occurrences: '6' },
    exceptions: [{ at: '2030-03-08T03:00:00Z', start: '2030-03-15T02:00:00Z', end: '2030-03-15T03:30:00Z', subject: 'Book club (a week later)' }],
    answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'fastmail/utc-biweekly.eml', location: 'https://meet.fastmail.example/ohrs-2030', mailFrom: 'lee@fastmail.example',
    uid: 'b3f1c7e2-5a9d-4e08-96c4-2d7f0a8e1b53', organizer: 'lee@fastmail.example', subject: 'Infra office hours',
    start: '2030-01-15T16:00:00Z', end: '2030-01-15T16:50:00Z', zone: 'UTC', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '1', Interval: '2', DayOfWeek: '4', Until: '2030-04-02T16:00:00Z' },
    exceptions: [{ at: '2030-02-26T16:00:00Z', deleted: true }],
    answer: { response: 3, instance: '2030-03-12T16:00:00Z' }, sequence: 1,
  },
  {
    file: 'nextcloud-sogo/nextcloud-no-vtimezone.eml', reminder: 5, location: 'Kitchen', mailFrom: 'nextcloud@cloud.example',
    uid: '3d7e0b55-8c21-4f6a-b9e4-17a2c6d0f8b3', organizer: 'kim@cloud.example', subject: 'Standup',
    start: '2030-02-19T07:30:00Z', end: '2030-02-19T08:00:00Z', zone: 'Europe/Berlin', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '1', Interval: '1', DayOfWeek: '20', Occurrences: '8' },
    answer: { response: 2 }, sequence: 2,
  },
  {
    file: 'nextcloud-sogo/sogo-sent-by.eml', location: 'Salle Verte', mailFrom: 'max.leroy@sogo.example',
    uid: '1A3C-65E0B200-1-4F2D8C00', organizer: 'pat.durand@sogo.example', subject: 'Budget committee',
    start: '2030-02-27T13:00:00Z', end: '2030-02-27T15:00:00Z', zone: 'Europe/Paris', instanceType: 0, busyStatus: 2,
    answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'thunderbird/invite-attachment.eml', reminder: 15, location: 'Room Danube', mailFrom: 'ruth@tb.example',
    uid: '5e9b1d2a-7c34-4f8e-a6b0-3d1c9e7f5a28', organizer: 'ruth@tb.example', subject: 'Release retro',
    start: '2030-03-12T15:00:00Z', end: '2030-03-12T16:00:00Z', zone: 'Europe/Vienna', instanceType: 0, busyStatus: 2,
    answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'thunderbird/floating.eml', mailFrom: 'ruth@tb.example',
    uid: '0b2d4f6a-8c1e-4a3b-9d5f-7e9a1c3b5d7f', organizer: 'ruth@tb.example', subject: 'Dentist run',
    start: '2030-03-04T09:00:00Z', end: '2030-03-04T09:30:00Z', zone: 'UTC', instanceType: 0, busyStatus: 2,
    answer: { response: 1 }, sequence: 0,
  },
  {
    file: 'thunderbird/this-and-future.eml', location: 'Room 12', mailFrom: 'ruth@tb.example',
    uid: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', organizer: 'ruth@tb.example', subject: 'Language class',
    start: '2030-02-06T17:00:00Z', end: '2030-02-06T18:30:00Z', zone: 'Europe/Vienna', instanceType: 1, busyStatus: 2,
    recurrence: { Type: '1', Interval: '1', DayOfWeek: '8', Occurrences: '8' },
    // RFC 5545 3.8.4.4 RANGE=THISANDFUTURE: that occurrence and every later one, half an hour later.
    exceptions: ['02-27', '03-06', '03-13', '03-20', '03-27'].map(d => ({ at: `2030-${d}T17:00:00Z`, start: `2030-${d}T17:30:00Z`, end: `2030-${d}T19:00:00Z` })),
    answer: { response: 1 }, sequence: 1,
  },
];

/** An answer from a producer's user to a meeting organized here (Sam's, seeded in the test). */
interface AnswerRow {
  file: string;
  mailFrom: string;
  uid: string;
  attendee: string;
  /** MS-ASCAL AttendeeStatus the organizer's item must show: 2 tentative, 3 accepted, 4 declined. */
  status: 2 | 3 | 4;
  /** The answer is for this occurrence only (its original start). */
  occurrence?: string;
  messageClass: string;
}

const ROADMAP = '6f1d2c3b-4a59-4e87-b6c5-d4e3f2a1b0c9@convene.example';
const DESIGN = 'a0b1c2d3-e4f5-4a6b-8c7d-9e0f1a2b3c4d@convene.example';

const ANSWERS: AnswerRow[] = [
  { file: 'outlook/reply-no-organizer.eml', mailFrom: 'olivia.chen@mail.contoso.example', uid: ROADMAP, attendee: 'olivia.chen@contoso.example',
    status: 3, messageClass: 'IPM.Schedule.Meeting.Resp.Pos' },
  { file: 'google/reply-one-occurrence.eml', mailFrom: 'bounce-9c1d@calendar-server.bounces.google.example', uid: DESIGN, attendee: 'ana.lima@gmail.example',
    status: 4, occurrence: '2030-04-17T16:00:00Z', messageClass: 'IPM.Schedule.Meeting.Resp.Neg' },
  { file: 'thunderbird/reply-tentative.eml', mailFrom: 'ruth@tb.example', uid: ROADMAP, attendee: 'ruth@tb.example',
    status: 2, messageClass: 'IPM.Schedule.Meeting.Resp.Tent' },
];

/** Sam's meetings the answers are for. */
const ORGANIZED: CalendarEvent[] = [
  { uid: ROADMAP, start: ms('2030-04-02T14:00:00Z'), end: ms('2030-04-02T15:00:00Z'), allDay: false, timeZone: 'Europe/Berlin',
    subject: 'Convene roadmap', location: { displayName: 'Room 1' }, sequence: 0, dtStamp: ms('2030-02-28T09:00:00Z'), meetingStatus: 1, responseType: 1,
    organizer: { email: SAM, name: 'Sam Rivera' },
    attendees: [{ email: 'olivia.chen@contoso.example', name: 'Olivia Chen', type: 1, status: 5 }, { email: 'ruth@tb.example', name: 'Ruth Adler', type: 1, status: 5 }] },
  { uid: DESIGN, start: ms('2030-04-03T16:00:00Z'), end: ms('2030-04-03T17:00:00Z'), allDay: false, timeZone: 'Europe/Berlin',
    subject: 'Design sync', sequence: 0, dtStamp: ms('2030-03-05T12:00:00Z'), meetingStatus: 1, responseType: 1,
    organizer: { email: SAM, name: 'Sam Rivera' }, recurrence: { type: 1, interval: 1, dayOfWeek: 8, occurrences: 6 },
    attendees: [{ email: 'ana.lima@gmail.example', name: 'Ana Lima', type: 1, status: 5 }] },
];

/** The producers' domains in the test zone: From domains sign (DMARC p=reject, SPF fails: only DKIM can pass). */
const SIGNING = ['gmail.example', 'acme-gw.example', 'contoso.example', 'fabrikam.example', 'outlook.example', 'northwind.example',
  'email.apple.example', 'fastmail.example', 'cloud.example', 'sogo.example', 'tb.example'];
/** Envelope domains (bounce addresses, outbound hosts): SPF passes for loopback but is not aligned with From. */
const ENVELOPE = ['calendar-server.bounces.google.example', 'mail.contoso.example', 'mail.fabrikam.example', 'mail.outlook.example',
  'mail.northwind.example'];

const at = (value: string | undefined) => (value === undefined ? undefined : parseEasDateTime(value));
const blob = (zone: string, iso: string) => encodeTimeZoneBlob(timeZoneInfoForIana(zone, new Date(iso).getUTCFullYear()));

/** MS-OXOCAL 2.2.1.27 built here from the UID, independently of src: an Exchange UID is the id's hex, anything else vCal-Uid. */
function expectedGlobalObjId(uid: string, instance?: string): string {
  let bytes: Buffer;
  if (/^040000008200E00074C5B7101A82E008/i.test(uid)) bytes = Buffer.from(uid, 'hex');
  else {
    const data = Buffer.concat([Buffer.from('vCal-Uid\x01\x00\x00\x00', 'latin1'), Buffer.from(uid, 'utf8'), Buffer.from([0])]);
    bytes = Buffer.concat([Buffer.from('040000008200E00074C5B7101A82E008', 'hex'), Buffer.alloc(20), Buffer.alloc(4), data]);
    bytes.writeUInt32LE(data.length, 36);
  }
  if (instance) {
    const d = new Date(instance);
    bytes.writeUInt16BE(d.getUTCFullYear(), 16);
    bytes.writeUInt8(d.getUTCMonth() + 1, 18);
    bytes.writeUInt8(d.getUTCDate(), 19);
  }
  return bytes.toString('base64');
}

interface Device { client: EasClient; inbox: CollectionMirror; calendar: CollectionMirror; version: string }

describe('iMIP from the major calendar systems, inbound (test/fixtures/imip)', () => {
  let zone: DnsZone;
  let t: TestServer;
  let smtp: InboundSmtp;
  let port: number;
  let sink: SmtpSink;
  const keys = new Map<string, MailDomain>();
  const devices: Device[] = [];
  const logs: string[] = [];

  before(async () => {
    zone = await DnsZone.start();
    for (const name of SIGNING) keys.set(name, publishDomain(zone, name, { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=reject' }));
    for (const name of ENVELOPE) publishDomain(zone, name, { dkim: false });
    t = await startServer({ users: [SAM] });
    // iCloud's service sends from its own address for organizers named by reply-token addresses of its own.
    smtp = new InboundSmtp({ store: t.store, hostname: 'mx.convene.example', log: m => logs.push(m),
      auth: zone.auth({ calendarServices: { 'email.apple.example': ['imip.me.example'] } }) });
    port = await smtp.listen(0, '127.0.0.1');
    sink = await smtpSink(t.store);
    const sam = (await t.store.findUserByEmail(SAM))!;
    const calendarId = Number(await folderId(t, SAM, FolderType.Calendar));
    for (const event of ORGANIZED) await t.store.addItem(sam.id, calendarId, { class: 'Calendar', props: [], event, filterTime: eventFilterTime(event) });
    for (const version of ['14.1', '16.1']) {
      const client = t.client(SAM, { version, deviceId: `PHONE${version.replace('.', '')}` });
      await new FolderHierarchyMirror(client).sync();
      const inbox = new CollectionMirror(client, await folderId(t, SAM, FolderType.Inbox));
      const calendar = new CollectionMirror(client, await folderId(t, SAM, FolderType.Calendar));
      for (const m of [inbox, calendar]) await m.syncAll();
      devices.push({ client, inbox, calendar, version });
    }
  });
  after(async () => {
    await sink.close();
    await smtp.close();
    await t.close();
    await zone.close();
  });

  for (const row of ROWS) {
    it(`${row.file}: a meeting request on 14.1 and 16.1, a tentative item, and a REPLY its organizer matches`, async () => {
      const before = logs.length;
      await deliver(row.file, row.mailFrom);
      assert.deepEqual(logs.slice(before).filter(l => /refused|not applied|unreadable|ignored/.test(l)), []);

      for (const d of devices) {
        await d.inbox.syncAll();
        await d.calendar.syncAll();
        checkRequest(row, d);
        checkCalendarItem(row, d);
      }
      await answerAndCheckReply(row, devices.find(d => d.version === '16.1')!, sink);
    });
  }

  for (const row of ANSWERS) {
    it(`${row.file}: the answer reaches the organizer here (AttendeeStatus ${row.status}, ${row.messageClass}) on 14.1 and 16.1`, async () => {
      const before = logs.length;
      await deliver(row.file, row.mailFrom);
      assert.deepEqual(logs.slice(before).filter(l => /refused|not applied|unreadable|ignored|not a recipient|NO_|NOT_|OUTDATED|OLDER/.test(l)), []);
      for (const d of devices) {
        await d.inbox.syncAll();
        await d.calendar.syncAll();
        const item = [...d.calendar.items.values()].find(p => text(p, 'Calendar:UID') === row.uid);
        assert.ok(item, `the meeting on ${d.version}`);
        const occurrence = row.occurrence === undefined ? undefined
          : nodes(item, 'Calendar:Exceptions').map(x => x[1] as ItemProps)
            .find(x => at(text(x, d.version === '16.1' ? 'AirSyncBase:InstanceId' : 'Calendar:ExceptionStartTime')) === ms(row.occurrence!));
        const list = nodes(occurrence ?? item, 'Calendar:Attendees').map(a => a[1] as ItemProps);
        const status = list.find(a => text(a, 'Calendar:Email') === row.attendee);
        assert.equal(text(status, 'Calendar:AttendeeStatus'), String(row.status), `AttendeeStatus on ${d.version}`);
        if (occurrence) {
          const series = nodes(item, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === row.attendee);
          assert.equal(text(series, 'Calendar:AttendeeStatus'), '5', `the series answer unchanged on ${d.version}`);
        }
        const responses = [...d.inbox.items.values()].filter(p => text(p, 'Email:MessageClass') === row.messageClass && (text(p, 'Email:From') ?? '').includes(row.attendee));
        assert.equal(responses.length, 1, `one ${row.messageClass} on ${d.version}`);
      }
    });
  }

  /** A corpus file DKIM-signed for its From domain, delivered over SMTP to Sam. */
  async function deliver(file: string, mailFrom: string): Promise<void> {
    const raw = readFileSync(join(CORPUS, file), 'latin1').replace(/\r?\n/g, '\r\n');
    const from = /^From:.*<([^>]+)>/m.exec(raw)?.[1] ?? '';
    const message = await signed(keys.get(from.split('@')[1]!)!, Buffer.from(raw, 'latin1'));
    await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: mailFrom, to: [SAM] }, raw: message });
  }

  it('a calendar service acts only for the domains it is configured for: elsewhere its invitation is plain mail with the note', async () => {
    const mail = await PostalMime.parse(readFileSync(join(CORPUS, 'icloud/series-token-organizer.eml')));
    const ics = Buffer.from(mail.attachments.find(a => a.mimeType === 'text/calendar')!.content as ArrayBuffer).toString('utf8');
    const strict = new InboundSmtp({ store: t.store, hostname: 'mx.convene.example', log: m => logs.push(m), auth: zone.auth() });
    const strictPort = await strict.listen(0, '127.0.0.1');
    try {
      const cases = [
        // The service names an organizer in a domain it does not speak for.
        { uid: 'service-elsewhere-1', ics: ics.replace(/@imip\.me\.example/g, '@gmail.example'), port },
        // A listener without the service configured (only Apple's real domains are built in).
        { uid: 'service-unknown-1', ics, port: strictPort },
      ];
      for (const c of cases) {
        const raw = await compose({ from: 'Jo Park <noreply@email.apple.example>', to: SAM, subject: c.uid, text: 'Event Invitation',
          icalEvent: { method: 'REQUEST', content: c.ics.replace(/^UID:.*$/gm, `UID:${c.uid}`) } });
        await nodemailer.createTransport({ host: '127.0.0.1', port: c.port, secure: false, ignoreTLS: true })
          .sendMail({ envelope: { from: 'bounces+1@email.apple.example', to: [SAM] }, raw: await signed(keys.get('email.apple.example')!, raw) });
        const sam = (await t.store.findUserByEmail(SAM))!;
        assert.deepEqual(await t.store.findItemsByUid(sam.id, c.uid), [], `${c.uid}: no meeting`);
        const inbox = Number(await folderId(t, SAM, FolderType.Inbox));
        const copy = (await t.store.getItems(inbox, await t.store.liveItemIds(inbox))).find(i => text(i.props, 'Email:Subject') === c.uid);
        assert.equal(text(copy?.props, 'Email:MessageClass'), 'IPM.Note', `${c.uid}: plain mail`);
        assert.match(text(nodes(copy?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /^\[Convene\] This meeting request was not applied to your calendar: it was sent by noreply@email\.apple\.example, not by the organizer/);
      }
    } finally {
      await strict.close();
    }
  });
});

function requestOf(row: Row, d: Device): [string, ItemProps] {
  const found = [...d.inbox.items.entries()].filter(([, p]) => {
    const m = nodes(p, 'Email:MeetingRequest');
    return d.version === '16.1' ? text(m, 'Calendar:UID') === row.uid : text(m, 'Email:GlobalObjId') === expectedGlobalObjId(row.uid, row.recurrenceId);
  });
  assert.equal(found.length, 1, `one meeting request for ${row.uid} on ${d.version}`);
  return found[0]!;
}

/** MS-ASEMAIL 2.2.2.48 MeetingRequest as each version sees it. */
function checkRequest(row: Row, d: Device): void {
  const [, p] = requestOf(row, d);
  const m = nodes(p, 'Email:MeetingRequest');
  const v = d.version;
  assert.equal(text(p, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request', v);
  assert.equal(at(text(m, 'Email:StartTime')), ms(row.start), `StartTime ${v}`);
  assert.equal(at(text(m, 'Email:EndTime')), ms(row.end), `EndTime ${v}`);
  assert.equal(text(m, 'Email:AllDayEvent'), row.allDay ? '1' : '0');
  assert.equal(text(m, 'Email:TimeZone'), blob(row.zone, row.start), `TimeZone ${v}`);
  assert.equal(text(m, 'Email:InstanceType'), String(row.instanceType), `InstanceType ${v}`);
  assert.match(text(m, 'Email:Organizer') ?? '', new RegExp(`<?${row.organizer.replace(/[.+]/g, '\\$&')}>?$`, 'i'), `Organizer ${v}`);
  assert.equal(text(m, 'Email:ResponseRequested'), '1', `ResponseRequested ${v}`);
  assert.equal(text(m, 'Email:BusyStatus'), String(row.busyStatus), `BusyStatus ${v}`);
  assert.equal(text(m, 'Email:DisallowNewTimeProposal'), row.disallowCounter ? '1' : '0');
  assert.equal(text(m, 'Email2:MeetingMessageType'), '1', `MeetingMessageType ${v}`);
  const location = v === '16.1' ? text(nodes(m, 'AirSyncBase:Location'), 'AirSyncBase:DisplayName') : text(m, 'Email:Location');
  assert.equal(location, row.location, `Location ${v}`);
  assert.equal(text(m, 'Email:Reminder'), row.reminder === undefined ? undefined : String(row.reminder * 60), `Reminder ${v}`);
  assert.equal(at(text(m, 'Email:RecurrenceId')), row.recurrenceId && ms(row.recurrenceId), `RecurrenceId ${v}`);
  if (v === '16.1') {
    assert.equal(text(m, 'Calendar:UID'), row.uid);
    assert.equal(text(m, 'Email:GlobalObjId'), undefined);
  } else {
    // The id the device answers with (MS-ASEMAIL 3.1.4.7): Exchange's own id for an Outlook UID.
    assert.equal(text(m, 'Email:GlobalObjId'), expectedGlobalObjId(row.uid, row.recurrenceId));
  }
  const pattern = nodes(nodes(m, 'Email:Recurrences'), 'Email:Recurrence');
  if (!row.recurrence) assert.equal(text(m, 'Email:Recurrences'), undefined, `no Recurrences ${v}`);
  else checkPattern(pattern, 'Email', row.recurrence, v);
}

function checkPattern(p: ItemProps, ns: string, want: Pattern, v: string): void {
  for (const [name, value] of Object.entries(want)) {
    const got = name === 'FirstDayOfWeek' && ns === 'Email' ? text(p, 'Email2:FirstDayOfWeek') : text(p, `${ns}:${name}`);
    if (name === 'Until') assert.equal(at(got), ms(value), `Until ${v}`);
    else assert.equal(got, value, `${ns}:${name} ${v}`);
  }
}

/** MS-ASCAL: the attendee's own tentative copy, with the series' exceptions. */
function checkCalendarItem(row: Row, d: Device): void {
  const v = d.version;
  const found = [...d.calendar.items.values()].filter(p => text(p, 'Calendar:UID') === row.uid);
  assert.equal(found.length, 1, `one calendar item for ${row.uid} on ${v}`);
  const c = found[0]!;
  assert.deepEqual([text(c, 'Calendar:MeetingStatus'), text(c, 'Calendar:ResponseType')], ['3', '5'], `MeetingStatus, ResponseType ${v}`);
  assert.equal(text(c, 'Calendar:BusyStatus'), row.busyStatus === 0 ? '0' : '1', `tentative BusyStatus ${v}`);
  assert.equal(text(c, 'Calendar:OrganizerEmail'), row.organizer);
  // An all-day row's zone is UTC, so its 16.x dates (UTC midnights) are its instants too.
  assert.equal(at(text(c, 'Calendar:StartTime')), ms(row.start), `StartTime ${v}`);
  assert.equal(at(text(c, 'Calendar:EndTime')), ms(row.end), `EndTime ${v}`);
  if (!(row.allDay && v === '16.1')) assert.equal(text(c, 'Calendar:Timezone'), blob(row.zone, row.start), `Timezone ${v}`);
  assert.equal(text(c, 'Calendar:OnlineMeetingExternalLink'), row.link, `OnlineMeetingExternalLink ${v}`);
  assert.equal(text(c, 'Calendar:OnlineMeetingConfLink'), row.confLink, `OnlineMeetingConfLink ${v}`);
  if (row.recurrence) checkPattern(nodes(c, 'Calendar:Recurrence'), 'Calendar', row.recurrence, v);
  else assert.equal(text(c, 'Calendar:Recurrence'), undefined);
  const exceptions = nodes(c, 'Calendar:Exceptions').map(x => x[1] as ItemProps);
  const idOf = (x: ItemProps) => at(text(x, v === '16.1' ? 'AirSyncBase:InstanceId' : 'Calendar:ExceptionStartTime'));
  const want = row.exceptions ?? [];
  assert.deepEqual(exceptions.map(idOf), want.map(x => ms(x.at)), `exceptions ${v}`);
  for (const [i, x] of want.entries()) {
    const got = exceptions[i]!;
    assert.equal(text(got, 'Calendar:Deleted'), x.deleted ? '1' : undefined, `Deleted ${x.at} ${v}`);
    if (x.start) assert.equal(at(text(got, 'Calendar:StartTime')), ms(x.start), `exception StartTime ${x.at} ${v}`);
    if (x.end) assert.equal(at(text(got, 'Calendar:EndTime')), ms(x.end), `exception EndTime ${x.at} ${v}`);
    if (x.subject) assert.equal(text(got, 'Calendar:Subject'), x.subject, `exception Subject ${x.at} ${v}`);
  }
}

/** MeetingResponse with SendResponse (16.1): the server mails the organizer a REPLY (RFC 5546 3.2.3). */
async function answerAndCheckReply(row: Row, d: Device, sink: SmtpSink): Promise<void> {
  const [requestId] = requestOf(row, d);
  const res = await d.client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
    mr('UserResponse', row.answer.response), mr('CollectionId', d.inbox.collectionId), mr('RequestId', requestId),
    row.answer.instance && mr('InstanceId', row.answer.instance), mr('SendResponse')])]));
  assert.equal(res.body?.child('Result')?.childText('Status'), '1', 'MeetingResponse Status');
  const reply = await replyFor(sink, row.uid);
  assert.deepEqual(reply.rcpt, [row.organizer], 'the REPLY goes to the ORGANIZER address as written');
  const calendar = reply.ics.replace(/\r?\n[ \t]/g, '');
  assert.match(calendar, /^METHOD:REPLY\r?$/m);
  assert.ok(calendar.split(/\r?\n/).includes(`UID:${row.uid}`), 'the UID exactly as the producer wrote it');
  const [event] = icsToEvents(reply.ics, { method: 'REPLY' });
  const occurrence = row.answer.instance ?? row.recurrenceId;
  assert.equal(event!.recurrenceId, occurrence && ms(occurrence), 'RECURRENCE-ID for one occurrence, none for the series');
  assert.equal(event!.organizer?.email, row.organizer);
  assert.equal(event!.sequence ?? 0, row.sequence, 'the SEQUENCE answered');
  assert.deepEqual(event!.attendees?.map(a => [a.email, a.status]), [[SAM, { 1: 3, 2: 2, 3: 4 }[row.answer.response]]]);
}

async function replyFor(sink: SmtpSink, uid: string): Promise<{ rcpt: string[]; ics: string }> {
  for (let i = 0; i < 600; i++) {
    for (const arrival of sink.received) {
      const mail = await PostalMime.parse(arrival.raw);
      const part = mail.attachments.find(a => a.mimeType === 'text/calendar');
      const ics = part && (typeof part.content === 'string' ? part.content : Buffer.from(part.content as ArrayBuffer).toString('utf8'));
      if (ics?.replace(/\r?\n[ \t]/g, '').includes(`UID:${uid}`)) return { rcpt: arrival.rcpt, ics };
    }
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`no REPLY for ${uid} arrived`);
}
