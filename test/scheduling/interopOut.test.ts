// Issue 12 part 4, outbound: what Convene sends to people on other calendar systems, captured where
// their MX would receive it (an SMTP listener on loopback behind the outbound queue), read with
// postal-mime and ical.js, held to what Google Calendar, Microsoft 365/Exchange, iCloud, Fastmail,
// Nextcloud/SOGo and Thunderbird need (test/helpers/imipCheck.ts), and authenticated by mailauth
// against the DKIM, SPF and DMARC records published for example.com in a DNS zone on loopback.
// Organizer and attendee on 16.1 devices (the server writes the iMIP); on 14.1 the device writes it
// and the server relays it unchanged, signed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { authenticate } from 'mailauth';
import nodemailer from 'nodemailer';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { createDnsLookup } from '../../src/mail/dnsResolver.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { dkimRecord, generateDkimKey } from '../../src/mail/outboundDkim.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { inspect, violations, type Expected } from '../helpers/imipCheck.js';
import { propText as text } from '../helpers/items.js';
import { compose, DnsZone, publishDomain, signed, type MailDomain } from '../helpers/mailAuth.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type Arrival, type SmtpSink } from '../helpers/smtpSink.js';

const mr = tags('MeetingResponse');
const cm = tags('ComposeMail');
const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
/** Next week's same weekday, 08:00 UTC (09:00 or 10:00 in Berlin). */
const FIRST = (() => { const d = new Date(Date.now() + WEEK); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();
const DAY_BIT = 1 << new Date(FIRST).getUTCDay();
const BERLIN = encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', new Date(FIRST).getUTCFullYear()));
/** One outside attendee per calendar system the rules speak for. */
const GUESTS = ['ann@gmail.example', 'ben@outlook.example', 'cat@icloud.example', 'dan@fastmail.example', 'eve@nextcloud.example', 'fay@thunderbird.example'];
const SUBJECT = 'Réunion d\'équipe — 東京 office roadmap, budget and the long list of everything else 🎉';

function attendees(list: string[]): ItemProps[number] {
  return ['Calendar:Attendees', list.map(email => ['Calendar:Attendee', [['Calendar:Email', email], ['Calendar:Name', email.split('@')[0]!.toUpperCase()], ['Calendar:AttendeeType', '1']]] as ItemProps[number])];
}

function meeting(list: string[], start = FIRST): ItemProps {
  return [
    ['Calendar:Timezone', BERLIN], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', SUBJECT],
    ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(start + HOUR)], ['Calendar:Location', 'Salle 4 — Bâtiment B'],
    ['Calendar:MeetingStatus', '1'], ['Calendar:Reminder', '10'], ['Calendar:ResponseRequested', '1'],
    attendees(list),
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '8'], ['Calendar:DayOfWeek', String(DAY_BIT)]]],
  ];
}

/** An invitation as a calendar service elsewhere writes it (Google's layout and properties). */
function outsideRequest(o: { uid: string; start: number; rrule?: string; sequence?: number; method?: string }): string {
  const utc = (ms: number) => formatCompact(ms);
  return ['BEGIN:VCALENDAR', 'PRODID:-//Google Inc//Google Calendar 70.9054//EN', 'VERSION:2.0', 'CALSCALE:GREGORIAN', `METHOD:${o.method ?? 'REQUEST'}`,
    'BEGIN:VEVENT', `DTSTART:${utc(o.start)}`, `DTEND:${utc(o.start + HOUR)}`, `DTSTAMP:${utc(Date.now())}`, ...(o.rrule ? [`RRULE:${o.rrule}`] : []),
    'ORGANIZER;CN=Carol:mailto:carol@org.example', `UID:${o.uid}`,
    'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN=Carol;X-NUM-GUESTS=0:mailto:carol@org.example',
    'ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=bob@example.com;X-NUM-GUESTS=0:mailto:bob@example.com',
    `SEQUENCE:${o.sequence ?? 0}`, 'STATUS:CONFIRMED', `SUMMARY:Outside ${o.uid}`, 'TRANSP:OPAQUE', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
}

describe('what Convene sends to other calendar systems (iMIP out, 14.1 and 16.1)', () => {
  let zone: DnsZone;
  let t: TestServer;
  let sink: SmtpSink;
  let smtp: InboundSmtp;
  let port: number;
  let org: MailDomain;
  let aliceCal: CollectionMirror;
  let bobInbox: CollectionMirror;
  let bobClient: EasClient;
  let serverId = '';
  const sequences: number[] = [];

  /** The next message Convene sends, held to every rule, authenticated as a receiver would. */
  async function sent(e: Expected): Promise<{ got: Arrival; inspected: Awaited<ReturnType<typeof inspect>> }> {
    const got = await sink.next();
    assert.deepEqual([...got.rcpt].sort(), [...e.recipients].sort());
    const inspected = await inspect(got.raw);
    assert.deepEqual(violations(inspected, e), [], `${e.method}:\n${inspected.ics}`);
    await authenticated(got.raw, e.from);
    return { got, inspected };
  }

  /** mailauth at the receiving end: DKIM d=example.com passes, and DMARC (p=reject) passes aligned. */
  async function authenticated(raw: Buffer, from: string): Promise<void> {
    const result = await authenticate(raw, {
      ip: '127.0.0.1', helo: 'mx.example.com', sender: from, mta: 'mx.receiver.example', disableBimi: true,
      resolver: createDnsLookup({ server: zone.server, timeoutMs: 2000, tries: 1 }),
    });
    const dkim = result.dkim.results.find(r => r.signingDomain === 'example.com');
    assert.equal(dkim?.status.result, 'pass', JSON.stringify(result.dkim.results.map(r => r.status)));
    assert.equal(result.dmarc && result.dmarc.status.result, 'pass');
  }

  const sequenceOf = (i: Awaited<ReturnType<typeof inspect>>) => Number(i.vevents[0]!.getFirstPropertyValue('sequence'));

  before(async () => {
    zone = await DnsZone.start();
    const key = generateDkimKey('example.com', 'interop');
    const record = dkimRecord(key);
    zone.publish(record.name.replace(/\.$/, ''), record.text);
    zone.publish('example.com', 'v=spf1 ip4:127.0.0.1 -all');
    zone.publish('_dmarc.example.com', 'v=DMARC1; p=reject; adkim=s');
    org = publishDomain(zone, 'org.example', { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=reject' });
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    await t.store.addDkimKey(key);
    sink = await smtpSink(t.store);
    smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', auth: zone.auth() });
    port = await smtp.listen(0, '127.0.0.1');
    aliceCal = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Calendar), { version: '16.1', deviceId: 'ALICE16' })).collection;
    const bob = await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { version: '16.1', deviceId: 'BOB16' });
    bobInbox = bob.collection;
    bobClient = bob.client;
  });
  after(async () => {
    await sink.close();
    await smtp.close();
    await t.close();
    await zone.close();
  });

  describe('16.1 organizer: the server writes the iMIP', () => {
    it('a new weekly meeting: one REQUEST to every outside attendee, with text, HTML, the object and invite.ics', async () => {
      const r = await aliceCal.sync([{ kind: 'Add', clientId: 'm', props: meeting([...GUESTS, 'bob@example.com']) }]);
      serverId = r.added.get('m')!.serverId!;
      const { inspected } = await sent({ method: 'REQUEST', from: 'alice@example.com', recipients: GUESTS });
      assert.equal(inspected.mail.subject, SUBJECT);
      assert.match(inspected.mail.text ?? '', /Salle 4 — Bâtiment B/);
      assert.match(inspected.mail.html ?? '', /Europe\/Berlin/);
      const v = inspected.vevents[0]!;
      assert.equal(v.getFirstPropertyValue('summary'), SUBJECT, 'UTF-8 survives folding');
      assert.match(String(v.getFirstProperty('rrule')?.toICALString()), /FREQ=WEEKLY;COUNT=8/);
      assert.equal(v.getFirstProperty('dtstart')!.getParameter('tzid'), 'Europe/Berlin');
      sequences.push(sequenceOf(inspected));
    });

    it('one occurrence moved: a REQUEST for that occurrence alone, RECURRENCE-ID its original start', async () => {
      const third = FIRST + 2 * WEEK;
      await aliceCal.sync([{ kind: 'Change', serverId, instanceId: formatCompact(third),
        props: [['Calendar:StartTime', formatCompact(third + 2 * HOUR)], ['Calendar:EndTime', formatCompact(third + 3 * HOUR)]] }]);
      const { inspected } = await sent({ method: 'REQUEST', from: 'alice@example.com', recipients: GUESTS, recurrenceId: third });
      const start = inspected.vevents[0]!.getFirstPropertyValue('dtstart') as { toUnixTime(): number };
      assert.equal(start.toUnixTime() * 1000, third + 2 * HOUR);
      sequences.push(sequenceOf(inspected));
      assert.ok(sequences[1]! > sequences[0]!, 'a new time: SEQUENCE counts up (RFC 5546 2.1.4)');
    });

    it('one occurrence deleted: a CANCEL for it, STATUS:CANCELLED, RECURRENCE-ID', async () => {
      const fourth = FIRST + 3 * WEEK;
      await aliceCal.sync([{ kind: 'Delete', serverId, instanceId: formatCompact(fourth) }]);
      const { inspected } = await sent({ method: 'CANCEL', from: 'alice@example.com', recipients: GUESTS, recurrenceId: fourth });
      sequences.push(sequenceOf(inspected));
      assert.ok(sequences[2]! > sequences[1]!);
    });

    it('an attendee removed: the CANCEL goes to that attendee only and names it (RFC 5546 3.2.5)', async () => {
      await aliceCal.syncAll();
      const current = aliceCal.items.get(serverId)!;
      const kept = GUESTS.filter(g => g !== 'dan@fastmail.example');
      await aliceCal.sync([{ kind: 'Change', serverId, props: [...current.filter(p => p[0] !== 'Calendar:Attendees'), attendees([...kept, 'bob@example.com'])] }]);
      await sent({ method: 'CANCEL', from: 'alice@example.com', recipients: ['dan@fastmail.example'] });
    });

    it('the whole meeting cancelled: one CANCEL to everyone still invited', async () => {
      await aliceCal.sync([{ kind: 'Delete', serverId }]);
      const { inspected } = await sent({ method: 'CANCEL', from: 'alice@example.com', recipients: GUESTS.filter(g => g !== 'dan@fastmail.example') });
      assert.equal(inspected.vevents.length, 1, 'the master alone');
      assert.equal(inspected.vevents[0]!.getFirstPropertyValue('uid'), inspected.vevents[0]!.getFirstPropertyValue('uid'));
    });
  });

  describe('16.1 attendee answering an organizer elsewhere', () => {
    async function invite(uid: string, rrule?: string): Promise<string> {
      const raw = await signed(org, await compose({ from: '"Carol" <carol@org.example>', to: 'bob@example.com', subject: `Invitation: ${uid}`, text: 'Join us',
        icalEvent: { method: 'REQUEST', content: outsideRequest({ uid, start: FIRST + 5 * HOUR, rrule }) } }));
      await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
        .sendMail({ envelope: { from: 'calendar-bounces@bounce.org.example', to: ['bob@example.com'] }, raw });
      await bobInbox.syncAll();
      const found = [...bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === `Outside ${uid}` && text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
      assert.ok(found, 'the invitation is a meeting request');
      return found[0];
    }
    const respond = (requestId: string, response: number, send: ReturnType<typeof mr>[] = [], instanceId?: string) => bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', response), mr('CollectionId', bobInbox.collectionId), mr('RequestId', requestId), instanceId ? tags('AirSyncBase')('InstanceId', instanceId) : undefined, mr('SendResponse', send)])]));

    it('accept: a REPLY with Bob alone as ATTENDEE, PARTSTAT=ACCEPTED, the invitation\'s SEQUENCE', async () => {
      const id = await invite('out-accept@org.example');
      assert.equal((await respond(id, 1)).body?.child('Result')?.childText('Status'), '1');
      const { inspected } = await sent({ method: 'REPLY', from: 'bob@example.com', recipients: ['carol@org.example'] });
      const a = inspected.vevents[0]!.getFirstProperty('attendee')!;
      assert.equal(a.getParameter('partstat'), 'ACCEPTED');
      assert.equal(inspected.vevents[0]!.getFirstPropertyValue('uid'), 'out-accept@org.example');
      assert.equal(inspected.mail.subject, 'Accepted: Outside out-accept@org.example');
    });

    it('a proposed new time: a COUNTER (RFC 5546 3.2.7) with the proposed DTSTART/DTEND and Bob\'s words', async () => {
      const id = await invite('out-counter@org.example');
      const res = await respond(id, 2, [tags('AirSyncBase')('Body', [tags('AirSyncBase')('Type', 1), tags('AirSyncBase')('Data', 'Later works better; sorry')]),
        mr('ProposedStartTime', formatCompact(FIRST + 7 * HOUR)), mr('ProposedEndTime', formatCompact(FIRST + 8 * HOUR))]);
      assert.equal(res.body?.child('Result')?.childText('Status'), '1');
      const { inspected } = await sent({ method: 'COUNTER', from: 'bob@example.com', recipients: ['carol@org.example'] });
      const v = inspected.vevents[0]!;
      assert.equal((v.getFirstPropertyValue('dtstart') as { toUnixTime(): number }).toUnixTime() * 1000, FIRST + 7 * HOUR);
      assert.equal((v.getFirstPropertyValue('dtend') as { toUnixTime(): number }).toUnixTime() * 1000, FIRST + 8 * HOUR);
      assert.equal(v.getFirstPropertyValue('comment'), 'Later works better; sorry');
      assert.equal(v.getFirstProperty('attendee')!.getParameter('partstat'), 'TENTATIVE');
      assert.match(inspected.mail.subject ?? '', /^New Time Proposed: /);
    });

    it('one occurrence declined (InstanceId): a REPLY with its RECURRENCE-ID', async () => {
      const id = await invite('out-series@org.example', 'FREQ=WEEKLY;COUNT=4');
      const second = FIRST + 5 * HOUR + WEEK;
      assert.equal((await respond(id, 3, [], formatCompact(second))).body?.child('Result')?.childText('Status'), '1');
      const { inspected } = await sent({ method: 'REPLY', from: 'bob@example.com', recipients: ['carol@org.example'], recurrenceId: second });
      assert.equal(inspected.vevents[0]!.getFirstProperty('attendee')!.getParameter('partstat'), 'DECLINED');
    });
  });

  describe('14.1 devices write their own iMIP; the server relays it unchanged and signs it', () => {
    it('a 14.1 organizer\'s SendMail REQUEST arrives byte for byte below the DKIM-Signature and passes DMARC', async () => {
      const device = await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.SentItems), { version: '14.1', deviceId: 'ALICE14' });
      const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Apple Inc.//iPhone 17.0//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:device-14@example.com',
        `DTSTAMP:${formatCompact(Date.now())}`, `DTSTART:${formatCompact(FIRST)}`, `DTEND:${formatCompact(FIRST + HOUR)}`, 'SEQUENCE:0', 'SUMMARY:From the phone',
        'ORGANIZER;CN=alice:mailto:alice@example.com', 'ATTENDEE;CN=ANN;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;', ' PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:ann@gmail.example',
        'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const mime = await compose({ from: '"alice" <alice@example.com>', to: 'ann@gmail.example', subject: 'From the phone', text: 'Invitation', html: '<p>Invitation</p>',
        icalEvent: { method: 'REQUEST', content: ics }, headers: { 'Content-Class': 'urn:content-classes:calendarmessage' } });
      const res = await device.client.send('SendMail', cm('SendMail', [cm('ClientId', 'phone-1'), cm('MIME', mime)]));
      assert.equal(res.status, 200);
      const got = await sink.next();
      assert.deepEqual(got.rcpt, ['ann@gmail.example']);
      assert.ok(got.raw.subarray(got.raw.length - mime.length).equals(mime), 'the device\'s message, unchanged');
      assert.match(got.raw.subarray(0, got.raw.length - mime.length).toString(), /^DKIM-Signature: /);
      const inspected = await inspect(got.raw);
      assert.deepEqual(violations(inspected, { method: 'REQUEST', from: 'alice@example.com', recipients: ['ann@gmail.example'] })
        .filter(v => !/DTSTAMP/.test(v)), []);
      await authenticated(got.raw, 'alice@example.com');
    });

    it('a 14.1 attendee answers with MeetingResponse (nothing sent) and mails its own REPLY, relayed and signed', async () => {
      const raw = await signed(org, await compose({ from: '"Carol" <carol@org.example>', to: 'bob@example.com', subject: 'Invitation 14', text: 'Join us',
        icalEvent: { method: 'REQUEST', content: outsideRequest({ uid: 'out-14@org.example', start: FIRST + 9 * HOUR }) } }));
      await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: 'carol@org.example', to: ['bob@example.com'] }, raw });
      const phone = await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { version: '14.1', deviceId: 'BOB14' });
      const [requestId] = [...phone.collection.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Outside out-14@org.example')!;
      const res = await phone.client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [mr('UserResponse', 1), mr('CollectionId', phone.collection.collectionId), mr('RequestId', requestId)])]));
      assert.equal(res.body?.child('Result')?.childText('Status'), '1');
      const reply = outsideRequest({ uid: 'out-14@org.example', start: FIRST + 9 * HOUR, method: 'REPLY' })
        .replace(/ATTENDEE;[^\r\n]*carol@org.example\r\n/, '').replace('PARTSTAT=NEEDS-ACTION', 'PARTSTAT=ACCEPTED');
      const mime = await compose({ from: 'bob@example.com', to: 'carol@org.example', subject: 'Accepted: Outside out-14@org.example', text: 'Accepted', icalEvent: { method: 'REPLY', content: reply } });
      await phone.client.send('SendMail', cm('SendMail', [cm('ClientId', 'phone-2'), cm('MIME', mime)]));
      const got = await sink.next();
      assert.equal(sink.received.length, sink.received.indexOf(got) + 1, 'MeetingResponse itself sent nothing on 14.1');
      assert.ok(got.raw.subarray(got.raw.length - mime.length).equals(mime));
      const inspected = await inspect(got.raw);
      assert.equal(String(inspected.calendar.getFirstPropertyValue('method')), 'REPLY');
      await authenticated(got.raw, 'bob@example.com');
    });
  });
});
