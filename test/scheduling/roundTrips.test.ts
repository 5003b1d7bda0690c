// Issue 12 part 4, the round trips other calendar systems perform with Convene, over real SMTP both
// ways (InboundSmtp with DKIM/DMARC checked against a DNS zone on loopback; the outbound queue to an
// SMTP listener), with 16.1 devices, on SQLite and PostgreSQL:
// - a COUNTER to an organizer elsewhere and its DECLINECOUNTER (shown, nothing changes);
// - a REFRESH from an attendee elsewhere answered with the current REQUEST (only to an attendee);
// - updates arriving out of order (older SEQUENCE, or the same SEQUENCE with an older DTSTAMP);
// - a CANCEL of one occurrence from elsewhere;
// - an organizer elsewhere inviting a local attendee to one occurrence only, and the answer for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import ICAL from 'ical.js';
import nodemailer from 'nodemailer';
import PostalMime from 'postal-mime';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { formatCompact } from '../../src/calendar/timezone.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { compose, DnsZone, publishDomain, signed, type MailDomain } from '../helpers/mailAuth.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { BACKENDS } from '../helpers/stores.js';

const mr = tags('MeetingResponse');
const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const FIRST = (() => { const d = new Date(Date.now() + WEEK); d.setUTCHours(13, 0, 0, 0); return d.getTime(); })();
const utc = (ms: number) => formatCompact(ms);

interface Vevent { uid: string; start: number; sequence?: number; dtStamp?: number; rrule?: string; recurrenceId?: number; attendees?: string[]; organizer?: string; extra?: string[] }

/** A VEVENT as an outside calendar service writes it (UTC times; Carol organizes). */
function vevent(v: Vevent): string[] {
  return ['BEGIN:VEVENT', `UID:${v.uid}`, `DTSTAMP:${utc(v.dtStamp ?? Date.now())}`, ...(v.recurrenceId === undefined ? [] : [`RECURRENCE-ID:${utc(v.recurrenceId)}`]),
    `DTSTART:${utc(v.start)}`, `DTEND:${utc(v.start + HOUR)}`, ...(v.rrule ? [`RRULE:${v.rrule}`] : []), `SUMMARY:Meeting ${v.uid}`,
    `ORGANIZER;CN=Carol:mailto:${v.organizer ?? 'carol@org.example'}`,
    ...(v.attendees ?? ['bob@example.com']).map(a => `ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${a}`),
    `SEQUENCE:${v.sequence ?? 0}`, ...(v.extra ?? []), 'END:VEVENT'];
}
const calendar = (method: string, events: string[][]) =>
  ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Elsewhere//Calendar//EN', `METHOD:${method}`, ...events.flat(), 'END:VCALENDAR', ''].join('\r\n');

for (const makeBackend of BACKENDS) {
  describe(`round trips with an organizer and attendees elsewhere (${makeBackend.name})`, () => {
    let zone: DnsZone;
    let t: TestServer;
    let sink: SmtpSink;
    let smtp: InboundSmtp;
    let port: number;
    let org: MailDomain;
    let bobInbox: CollectionMirror;
    let bobClient: EasClient;
    let aliceCal: CollectionMirror;
    const logs: string[] = [];

    /** A signed message from someone at org.example, delivered over SMTP with a bounce MAIL FROM. */
    async function fromOutside(o: { from: string; to: string; subject: string; method: string; ics: string }): Promise<void> {
      const raw = await signed(org, await compose({ from: o.from, to: o.to, subject: o.subject, text: o.subject, icalEvent: { method: o.method, content: o.ics } }));
      await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
        .sendMail({ envelope: { from: 'bounces+x@bounce.org.example', to: [o.to] }, raw });
    }
    const user = async (email: string) => (await t.store.findUserByEmail(email))!;
    const items = async (email: string, type: number): Promise<Item[]> => {
      const id = (await t.store.listFolders((await user(email)).id)).find(f => f.type === type)!.id;
      return t.store.getItems(id, await t.store.liveItemIds(id));
    };
    const copyOf = async (email: string, uid: string) => (await items(email, FolderType.Calendar)).find(i => i.event?.uid === uid)?.event;
    const inboxNamed = async (email: string, subject: string) => (await items(email, FolderType.Inbox)).filter(i => text(i.props, 'Email:Subject') === subject);
    async function requestId(subject: string): Promise<string> {
      await bobInbox.syncAll();
      const found = [...bobInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === subject && text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
      assert.ok(found, `a meeting request "${subject}"`);
      return found[0];
    }
    const respond = (id: string, response: number, send?: ReturnType<typeof mr>[]) => bobClient.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', response), mr('CollectionId', bobInbox.collectionId), mr('RequestId', id), send ? mr('SendResponse', send) : undefined])]));
    async function nextIcs() {
      const got = await sink.next();
      const ics = (await PostalMime.parse(got.raw)).attachments.find(a => a.mimeType === 'text/calendar')!;
      const cal = new ICAL.Component(ICAL.parse(Buffer.from(ics.content as ArrayBuffer).toString('utf8')));
      return { rcpt: got.rcpt, method: String(cal.getFirstPropertyValue('method')), vevents: cal.getAllSubcomponents('vevent') };
    }

    before(async () => {
      zone = await DnsZone.start();
      org = publishDomain(zone, 'org.example', { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=reject' });
      t = await startServer({ users: ['alice@example.com', 'bob@example.com'], backend: makeBackend });
      sink = await smtpSink(t.store);
      smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', auth: zone.auth(), log: m => logs.push(m) });
      port = await smtp.listen(0, '127.0.0.1');
      const bob = await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { version: '16.1', deviceId: 'BOB' });
      bobInbox = bob.collection;
      bobClient = bob.client;
      aliceCal = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Calendar), { version: '16.1', deviceId: 'ALICE' })).collection;
    });
    after(async () => {
      await sink.close();
      await smtp.close();
      await t.close();
      await zone.close();
    });

    it('COUNTER to the organizer elsewhere, then its DECLINECOUNTER: shown as mail, the meeting unchanged', async () => {
      const uid = 'counter@org.example';
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'Invitation', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST })]) });
      const res = await respond(await requestId(`Meeting ${uid}`), 2, [mr('ProposedStartTime', utc(FIRST + 2 * HOUR)), mr('ProposedEndTime', utc(FIRST + 3 * HOUR))]);
      assert.equal(res.body?.child('Result')?.childText('Status'), '1');
      const counter = await nextIcs();
      assert.equal(counter.method, 'COUNTER');
      assert.deepEqual(counter.rcpt, ['carol@org.example']);
      const before = await copyOf('bob@example.com', uid);
      assert.equal(before?.responseType, 2);
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'New Time Proposal Declined', method: 'DECLINECOUNTER',
        ics: calendar('DECLINECOUNTER', [['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${utc(Date.now())}`, 'ORGANIZER:mailto:carol@org.example',
          'ATTENDEE;PARTSTAT=TENTATIVE:mailto:bob@example.com', 'SEQUENCE:0', 'END:VEVENT']]) });
      const [shown] = await inboxNamed('bob@example.com', 'New Time Proposal Declined');
      assert.equal(text(shown?.props, 'Email:MessageClass'), 'IPM.Note', 'arrives and is shown');
      assert.doesNotMatch(text(nodes(shown?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /not applied/);
      assert.deepEqual(await copyOf('bob@example.com', uid), before, 'nothing changes');
      assert.ok(logs.some(l => l.startsWith(`iMIP DECLINECOUNTER for ${uid}`)));
    });

    it('REFRESH from an attendee elsewhere is answered with the current REQUEST, to that attendee only', async () => {
      const r = await aliceCal.sync([{ kind: 'Add', clientId: 'r', props: [
        ['Calendar:AllDayEvent', '0'], ['Calendar:Subject', 'Refreshed'], ['Calendar:StartTime', utc(FIRST)], ['Calendar:EndTime', utc(FIRST + HOUR)],
        ['Calendar:MeetingStatus', '1'], ['Calendar:BusyStatus', '2'],
        ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'dave@org.example'], ['Calendar:Name', 'Dave'], ['Calendar:AttendeeType', '1']]],
          ['Calendar:Attendee', [['Calendar:Email', 'erin@org.example'], ['Calendar:Name', 'Erin'], ['Calendar:AttendeeType', '1']]]]],
      ] }]);
      assert.ok(r.added.get('r')?.serverId);
      const first = await nextIcs();
      assert.equal(first.method, 'REQUEST');
      const uid = String(first.vevents[0]!.getFirstPropertyValue('uid'));
      const sequence = Number(first.vevents[0]!.getFirstPropertyValue('sequence'));
      const refresh = (from: string) => calendar('REFRESH', [['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${utc(Date.now())}`, 'ORGANIZER:mailto:alice@example.com', `ATTENDEE:mailto:${from}`, 'END:VEVENT']]);
      const aliceInbox = (await items('alice@example.com', FolderType.Inbox)).length;
      await fromOutside({ from: 'dave@org.example', to: 'alice@example.com', subject: 'Refresh', method: 'REFRESH', ics: refresh('dave@org.example') });
      const again = await nextIcs();
      assert.equal(again.method, 'REQUEST');
      assert.deepEqual(again.rcpt, ['dave@org.example']);
      assert.equal(again.vevents[0]!.getFirstPropertyValue('uid'), uid);
      assert.equal(Number(again.vevents[0]!.getFirstPropertyValue('sequence')), sequence, 'the current revision, not a new one');
      assert.equal((await items('alice@example.com', FolderType.Inbox)).length, aliceInbox, 'answered for the organizer, not filed');
      // A RECURRENCE-ID the meeting does not have (it does not even repeat) is no occurrence to send.
      await fromOutside({ from: 'dave@org.example', to: 'alice@example.com', subject: 'Refresh one', method: 'REFRESH',
        ics: calendar('REFRESH', [['BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${utc(Date.now())}`, `RECURRENCE-ID:${utc(FIRST + 24 * HOUR)}`,
          'ORGANIZER:mailto:alice@example.com', 'ATTENDEE:mailto:dave@org.example', 'END:VEVENT']]) });
      const [noOccurrence] = await inboxNamed('alice@example.com', 'Refresh one');
      assert.match(text(nodes(noOccurrence?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /the meeting has no such occurrence/);
      // Someone who is not an attendee learns nothing: the organizer sees the message with the reason.
      await fromOutside({ from: 'mallory@org.example', to: 'alice@example.com', subject: 'Refresh please', method: 'REFRESH', ics: refresh('mallory@org.example') });
      const [note] = await inboxNamed('alice@example.com', 'Refresh please');
      assert.match(text(nodes(note?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', /^\[Convene\] This request for the current version of your meeting was not answered/);
      const count = sink.received.length;
      await new Promise(res => setTimeout(res, 300));
      assert.equal(sink.received.length, count, 'no REQUEST went to mallory');
    });

    it('updates arriving out of order: an older SEQUENCE, or the same SEQUENCE with an older DTSTAMP, is not applied', async () => {
      const uid = 'order@org.example';
      const t0 = Date.now() - 60_000;
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'v1', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST + 2 * HOUR, sequence: 1, dtStamp: t0 + 20_000 })]) });
      assert.equal((await respond(await requestId(`Meeting ${uid}`), 1, [])).body?.child('Result')?.childText('Status'), '1');
      assert.equal((await nextIcs()).method, 'REPLY');
      // The original invitation (SEQUENCE 0) arrives late.
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'v0', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST, sequence: 0, dtStamp: t0 })]) });
      // A same-SEQUENCE revision written before the one applied (Google does not count SEQUENCE up for every change).
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'v1-early', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST + 4 * HOUR, sequence: 1, dtStamp: t0 + 10_000 })]) });
      const copy = await copyOf('bob@example.com', uid);
      assert.equal(copy?.start, FIRST + 2 * HOUR, 'the newest revision stands');
      assert.equal(copy?.responseType, 3, 'Bob\'s answer stands');
      const outdated = (await items('bob@example.com', FolderType.Inbox)).filter(i => i.event?.uid === uid).map(i => text(i.props, 'Email2:MeetingMessageType'));
      assert.deepEqual(outdated, ['4', '4'], 'both late ones shown as outdated');
      // A newer one (same SEQUENCE, later DTSTAMP) is applied.
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'v1-late', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST + 5 * HOUR, sequence: 1, dtStamp: t0 + 30_000 })]) });
      assert.equal((await copyOf('bob@example.com', uid))?.start, FIRST + 5 * HOUR);
    });

    it('a CANCEL of one occurrence from elsewhere removes that occurrence only', async () => {
      const uid = 'weekly@org.example';
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'weekly', method: 'REQUEST', ics: calendar('REQUEST', [vevent({ uid, start: FIRST, rrule: 'FREQ=WEEKLY;COUNT=4' })]) });
      assert.equal((await respond(await requestId(`Meeting ${uid}`), 1, [])).body?.child('Result')?.childText('Status'), '1');
      await nextIcs();
      const second = FIRST + WEEK;
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'Canceled: one', method: 'CANCEL',
        ics: calendar('CANCEL', [vevent({ uid, start: second, recurrenceId: second, sequence: 1, extra: ['STATUS:CANCELLED'] })]) });
      const copy = await copyOf('bob@example.com', uid);
      assert.ok(copy?.recurrence, 'the series stays');
      assert.notEqual(copy?.meetingStatus, 7, 'the meeting itself is not cancelled');
      assert.deepEqual(copy?.exceptions?.filter(x => x.deleted).map(x => x.originalStart), [second]);
      assert.equal(copy?.responseType, 3);
      assert.ok((await items('bob@example.com', FolderType.Inbox)).some(i => i.event?.uid === uid && text(i.props, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Canceled'));
    });

    it('an organizer elsewhere adds Bob to one occurrence only: that occurrence alone, and his answer names it', async () => {
      const uid = 'one-of-many@org.example';
      const third = FIRST + 2 * WEEK;
      // The series is Carol's and Dave's; Bob is invited to the third occurrence (moved an hour later) only.
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'one occurrence', method: 'REQUEST',
        ics: calendar('REQUEST', [vevent({ uid, start: third + HOUR, recurrenceId: third, sequence: 2, attendees: ['dave@org.example', 'bob@example.com'] })]) });
      const copy = await copyOf('bob@example.com', uid);
      assert.equal(copy?.recurrence, undefined, 'not the series');
      assert.equal(copy?.start, third + HOUR);
      assert.equal(copy?.recurrenceId, third);
      assert.equal((await respond(await requestId(`Meeting ${uid}`), 1, [])).body?.child('Result')?.childText('Status'), '1');
      const reply = await nextIcs();
      assert.equal(reply.method, 'REPLY');
      const v = reply.vevents[0]!;
      assert.equal((v.getFirstPropertyValue('recurrence-id') as ICAL.Time).toUnixTime() * 1000, third, 'the answer is for that occurrence');
      assert.equal(Number(v.getFirstPropertyValue('sequence')), 2);
      assert.equal(v.getFirstProperty('attendee')!.getParameter('partstat'), 'ACCEPTED');
      // Carol cancels that occurrence: Bob's copy (that occurrence alone) is cancelled.
      await fromOutside({ from: 'carol@org.example', to: 'bob@example.com', subject: 'Canceled: occurrence', method: 'CANCEL',
        ics: calendar('CANCEL', [vevent({ uid, start: third + HOUR, recurrenceId: third, sequence: 3, attendees: ['bob@example.com'], extra: ['STATUS:CANCELLED'] })]) });
      assert.equal((await copyOf('bob@example.com', uid))?.meetingStatus, 7);
    });
  });
}
