// Sender authentication of inbound mail (docs/mail-auth.md), over real SMTP on loopback with real
// DKIM signatures, SPF and DMARC records served by a DNS zone on loopback (test/helpers/mailAuth.ts),
// verified by mailauth inside InboundSmtp. Who may change a calendar: RFC 6047 3, RFC 5546.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item } from '../../src/store/types.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { compose, DnsZone, publishDomain, signed, type MailDomain } from '../helpers/mailAuth.js';
import { startServer, type TestServer } from '../helpers/server.js';

const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 5 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
const LOCAL_UID = 'auth-review@example.com';
const REMOTE_UID = 'auth-remote@org.example';

/** Alice (here) organizes; Dave uses a calendar service (DKIM, bounce MAIL FROM), Erin's domain has DMARC p=reject. */
const localMeeting: CalendarEvent = {
  uid: LOCAL_UID, start: START, end: START + HOUR, allDay: false, timeZone: 'UTC', subject: 'Review', sequence: 0,
  organizer: { email: 'alice@example.com', name: 'Alice' }, meetingStatus: 1, responseType: 1, dtStamp: Date.now(),
  attendees: [{ email: 'dave@mailhost.example', name: 'Dave', type: 1, status: 5 }, { email: 'erin@strict.example', name: 'Erin', type: 1, status: 5 }],
};
/** Carol organizes elsewhere and invites Bob (here). */
const remoteMeeting: CalendarEvent = {
  uid: REMOTE_UID, start: START + 2 * HOUR, end: START + 3 * HOUR, allDay: false, timeZone: 'UTC', subject: 'Remote planning', sequence: 0,
  organizer: { email: 'carol@org.example', name: 'Carol' }, dtStamp: Date.now(),
  attendees: [{ email: 'bob@example.com', name: 'Bob', type: 1, status: 5, rsvp: true }],
};
const reply = (attendee: string, status: 2 | 3 | 4, dtStamp: number): string =>
  eventsToIcs([{ ...localMeeting, meetingStatus: undefined, responseType: undefined, dtStamp, attendees: [{ email: attendee, status }] }], { method: 'REPLY' });

describe('inbound mail authentication (SPF, DKIM, DMARC) and who may change a calendar', () => {
  let zone: DnsZone;
  let t: TestServer;
  let smtp: InboundSmtp;
  let port: number;
  let mailhost: MailDomain;
  let org: MailDomain;
  let assist: MailDomain;
  const logs: string[] = [];
  const user = async (email: string) => (await t.store.findUserByEmail(email))!;
  const items = async (email: string, type: number): Promise<Item[]> => {
    const id = (await t.store.listFolders((await user(email)).id)).find(f => f.type === type)!.id;
    return t.store.getItems(id, await t.store.liveItemIds(id));
  };
  const calendarItem = async (email: string, uid: string) => (await items(email, FolderType.Calendar)).find(i => i.event?.uid === uid);
  const status = async (attendee: string) => (await calendarItem('alice@example.com', LOCAL_UID))!.event!.attendees!.find(a => a.email === attendee)!.status;
  const inbox = async (email: string, subject: string) => (await items(email, FolderType.Inbox)).filter(i => text(i.props, 'Email:Subject') === subject);
  const bodyOf = (i: Item | undefined) => text(nodes(i?.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '';
  const send = (mailFrom: string, to: string, raw: Buffer, toPort = port) =>
    nodemailer.createTransport({ host: '127.0.0.1', port: toPort, secure: false, ignoreTLS: true }).sendMail({ envelope: { from: mailFrom, to: [to] }, raw });
  const imip = (o: { from: string; to: string; method: string; ics: string; subject: string }) =>
    compose({ from: o.from, to: o.to, subject: o.subject, text: `iMIP ${o.method}`, icalEvent: { method: o.method, content: o.ics } });

  before(async () => {
    zone = await DnsZone.start();
    // Dave's calendar service signs for his domain and sends from its own bounce domain (Google's pattern).
    mailhost = publishDomain(zone, 'mailhost.example', { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=reject' });
    publishDomain(zone, 'bounces.calservice.example', { dkim: false });
    publishDomain(zone, 'strict.example', { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=reject' });
    org = publishDomain(zone, 'org.example', { spf: 'v=spf1 -all', dmarc: 'v=DMARC1; p=quarantine' });
    assist = publishDomain(zone, 'assist.example', { spf: 'v=spf1 -all' });
    publishDomain(zone, 'evil.example', { dkim: false }); // its SPF passes for loopback: MAIL FROM proves nothing about From
    for (const name of ['slow.example', '_dmarc.slow.example']) zone.silent.add(name);
    for (const name of ['broken.example', '_dmarc.broken.example']) zone.failing.add(name);
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    smtp = new InboundSmtp({ store: t.store, hostname: "mx.example.com", log: msg => logs.push(msg), auth: zone.auth() });
    port = await smtp.listen(0, '127.0.0.1');
    const alice = await user('alice@example.com');
    const calendar = (await t.store.listFolders(alice.id)).find(f => f.type === FolderType.Calendar)!.id;
    await t.store.addItem(alice.id, calendar, { class: 'Calendar', props: [], event: localMeeting, filterTime: eventFilterTime(localMeeting) });
  });
  after(async () => {
    await smtp.close();
    await t.close();
    await zone.close();
  });

  it('RFC 8601: the stored message has our Authentication-Results on top, the rest byte for byte', async () => {
    const raw = await signed(mailhost, await compose({ from: 'dave@mailhost.example', to: 'bob@example.com', subject: 'Stored as it came', text: 'Hi' }));
    await send('bounce-1@bounces.calservice.example', 'bob@example.com', raw);
    const [item] = await inbox('bob@example.com', 'Stored as it came');
    const stored = (await t.store.getItemContent((await user('bob@example.com')).id, item!.id))!;
    const head = stored.subarray(0, stored.length - raw.length).toString();
    assert.ok(stored.subarray(stored.length - raw.length).equals(raw), 'the message below the new fields is unchanged');
    assert.match(head, /^(Received-SPF: .*\r\n)?Authentication-Results: mx\.example\.com;/m);
    assert.match(head, /dkim=pass header\.i=@mailhost\.example/);
    assert.match(head, /spf=pass/);
    assert.match(head, /dmarc=pass/);
  });

  let answeredAt = 0;
  it('a DKIM-signed REPLY whose MAIL FROM is a bounce address (Google Calendar) updates the organizer\'s AttendeeStatus', async () => {
    answeredAt = Date.now();
    const raw = await signed(mailhost, await imip({ from: 'dave@mailhost.example', to: 'alice@example.com', method: 'REPLY', ics: reply('dave@mailhost.example', 3, answeredAt), subject: 'Accepted: Review' }));
    await send('bounce-2@bounces.calservice.example', 'alice@example.com', raw);
    assert.equal(await status('dave@mailhost.example'), 3);
    assert.equal((await items('alice@example.com', FolderType.Inbox)).filter(i => text(i.props, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Pos').length, 1);
  });

  it('the same REPLY with a broken signature arrives as plain mail with a note and changes nothing', async () => {
    const good = await signed(mailhost, await imip({ from: 'dave@mailhost.example', to: 'alice@example.com', method: 'REPLY', ics: reply('dave@mailhost.example', 4, answeredAt + 60_000), subject: 'Tampered: Review' }));
    const tampered = Buffer.from(good.toString('latin1').replace('PARTSTAT=DECLINED', 'PARTSTAT=DECLINED;X-A=1'), 'latin1');
    assert.notEqual(tampered.length, good.length);
    await send('bounce-3@bounces.calservice.example', 'alice@example.com', tampered);
    assert.equal(await status('dave@mailhost.example'), 3);
    const [note] = await inbox('alice@example.com', 'Tampered: Review');
    assert.equal(text(note?.props, 'Email:MessageClass'), 'IPM.Note');
    assert.match(bodyOf(note), /^\[Convene\] This answer to your meeting was not applied to your calendar: the sender dave@mailhost\.example could not be verified \(dmarc=fail/);
    assert.ok(logs.some(l => /^forged iMIP REPLY for auth-review@example.com ignored: From dave@mailhost.example is not authenticated/.test(l)));
  });

  it('a REPLY from a domain whose DMARC fails (unsigned, SPF fail) arrives as plain mail with the note and changes nothing', async () => {
    const raw = await imip({ from: 'erin@strict.example', to: 'alice@example.com', method: 'REPLY', ics: reply('erin@strict.example', 3, Date.now()), subject: 'Erin: Review' });
    await send('erin@strict.example', 'alice@example.com', raw);
    assert.equal(await status('erin@strict.example'), 5);
    assert.match(bodyOf((await inbox('alice@example.com', 'Erin: Review'))[0]), /^\[Convene\] .*could not be verified \(dmarc=fail spf=fail/);
  });

  it('a REQUEST signed by the organizer\'s domain reaches the attendee; a forged CANCEL (SPF pass for another MAIL FROM only) leaves it alone', async () => {
    const request = eventsToIcs([remoteMeeting], { method: 'REQUEST' });
    await send('carol@org.example', 'bob@example.com', await signed(org, await imip({ from: 'carol@org.example', to: 'bob@example.com', method: 'REQUEST', ics: request, subject: 'Remote planning' })));
    assert.equal((await calendarItem('bob@example.com', REMOTE_UID))?.event?.meetingStatus, 3);
    const cancel = eventsToIcs([{ ...remoteMeeting, sequence: 1, meetingStatus: 5, dtStamp: Date.now() }], { method: 'CANCEL' });
    await send('mallory@evil.example', 'bob@example.com', await imip({ from: 'carol@org.example', to: 'bob@example.com', method: 'CANCEL', ics: cancel, subject: 'Canceled: Remote planning' }));
    const held = await calendarItem('bob@example.com', REMOTE_UID);
    assert.equal(held?.event?.meetingStatus, 3, 'the forged CANCEL did not touch the calendar');
    assert.equal((await items('bob@example.com', FolderType.Inbox)).filter(i => text(i.props, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Canceled').length, 0);
    assert.match(bodyOf((await inbox('bob@example.com', 'Canceled: Remote planning'))[0]), /^\[Convene\] This meeting cancellation was not applied/);
  });

  it('RFC 5545 3.2.18: a REQUEST from an authenticated delegate the ORGANIZER names in SENT-BY works; an unnamed one does not', async () => {
    const update = { ...remoteMeeting, sequence: 2, subject: 'Remote planning (moved)', start: START + 4 * HOUR, end: START + 5 * HOUR, dtStamp: Date.now() };
    const byDelegate = eventsToIcs([update], { method: 'REQUEST' }).replace(/^ORGANIZER/m, 'ORGANIZER;SENT-BY="mailto:sam@assist.example"');
    const unnamed = eventsToIcs([{ ...update, sequence: 3, subject: 'Remote planning (hijacked)' }], { method: 'REQUEST' });
    await send('sam@assist.example', 'bob@example.com', await signed(assist, await imip({ from: 'sam@assist.example', to: 'bob@example.com', method: 'REQUEST', ics: unnamed, subject: 'Hijack' })));
    assert.equal((await calendarItem('bob@example.com', REMOTE_UID))?.event?.sequence, 0);
    await send('sam@assist.example', 'bob@example.com', await signed(assist, await imip({ from: 'sam@assist.example', to: 'bob@example.com', method: 'REQUEST', ics: byDelegate, subject: 'Moved' })));
    const held = (await calendarItem('bob@example.com', REMOTE_UID))?.event;
    assert.equal(held?.sequence, 2);
    assert.equal(held?.start, START + 4 * HOUR);
  });

  it('a DNS timeout or SERVFAIL on what decides is 451 4.4.3 and nothing is stored', async () => {
    for (const domain of ['slow.example', 'broken.example']) {
      const raw = await compose({ from: `x@${domain}`, to: 'bob@example.com', subject: `DNS ${domain}`, text: 'Hi' });
      await assert.rejects(send(`x@${domain}`, 'bob@example.com', raw), (e: Error & { responseCode?: number }) => {
        assert.equal(e.responseCode, 451);
        assert.match(e.message, /4\.4\.3 DNS lookup failed/);
        return true;
      });
      assert.equal((await inbox('bob@example.com', `DNS ${domain}`)).length, 0);
    }
  });

  it('RFC 3834: Out of Office answers an authenticated sender, never a forged one (no backscatter)', async () => {
    const bob = await user('bob@example.com');
    await t.store.setOof(bob.id, { state: 1, startTime: null, endTime: null, messages: { ExternalUnknown: { enabled: true, replyMessage: 'Away', bodyType: 'Text' } } });
    const queuedTo = async () => {
      const out: string[] = [];
      for (let id = 1; ; id++) {
        const entry = await t.store.getOutbound(id);
        if (!entry) return out;
        out.push(...entry.recipients);
      }
    };
    // Forged: the victim's domain publishes SPF that loopback fails, and nothing is signed.
    await send('victim@strict.example', 'bob@example.com', await compose({ from: 'victim@strict.example', to: 'bob@example.com', subject: 'Forged', text: 'Hi' }));
    assert.equal((await inbox('bob@example.com', 'Forged')).length, 1, 'the mail itself is delivered');
    assert.deepEqual(await queuedTo(), []);
    assert.ok(logs.some(l => /no automatic reply from bob@example.com to victim@strict.example: the sender is not authenticated/.test(l)));
    await send('dave@mailhost.example', 'bob@example.com', await signed(mailhost, await compose({ from: 'dave@mailhost.example', to: 'bob@example.com', subject: 'Signed', text: 'Hi' })));
    assert.deepEqual(await queuedTo(), ['dave@mailhost.example']);
  });

  it('a trusted relay: its Authentication-Results count only from its IP and with its authserv-id', async () => {
    const relayed = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', auth: zone.auth({ trustedRelays: ['127.0.0.1'], trustedAuthservIds: ['relay.example'] }) });
    const relayPort = await relayed.listen(0, '127.0.0.1');
    try {
      const answer = async (subject: string, dtStamp: number, status: 2 | 4) => {
        const raw = await imip({ from: 'erin@strict.example', to: 'alice@example.com', method: 'REPLY', ics: reply('erin@strict.example', status, dtStamp), subject });
        return Buffer.concat([Buffer.from('Authentication-Results: relay.example;\r\n dkim=pass header.d=strict.example;\r\n dmarc=pass (p=REJECT) header.from=strict.example\r\n'), raw]);
      };
      // The same claim sent straight to the MX that trusts nobody is just a header.
      await send('erin@strict.example', 'alice@example.com', await answer('Claimed: Review', Date.now(), 4));
      assert.equal(await status('erin@strict.example'), 5);
      await send('erin@strict.example', 'alice@example.com', await answer('Relayed: Review', Date.now() + 1000, 2), relayPort);
      assert.equal(await status('erin@strict.example'), 2);
    } finally {
      await relayed.close();
    }
  });
});
