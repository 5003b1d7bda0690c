// Out of Office automatic replies end to end (MS-ASCMD 2.2.3.122 Oof, RFC 3834): Bob sets his Oof
// with the Settings command as a phone does; Alice (here) writes with SendMail over HTTP, outsiders
// over real SMTP to InboundSmtp; replies to outsiders leave through the outbound queue to a listener
// on loopback that records the envelope. "No reply" is read from the store: a reply is queued or
// filed in the delivery's own transaction, so once SendMail or the SMTP 250 returns, it would be there.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import nodemailer, { type Transporter } from 'nodemailer';
import { pino } from 'pino';
import PostalMime, { type Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { OutboundMailer } from '../../src/mail/outbound.js';
import { FolderType, type Item } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { contact, propText as text } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const s = tags('Settings');
const cm = tags('ComposeMail');
const p = tags('Ping');
const HOUR = 3600_000;

type Audience = 'Internal' | 'ExternalKnown' | 'ExternalUnknown';
interface OofText { reply: string; bodyType?: 'Text' | 'HTML'; enabled?: boolean }

/** A Settings Oof Set as a device sends it (MS-ASCMD 2.2.3.167). */
function oofSet(state: 0 | 1 | 2, messages: Partial<Record<Audience, OofText>>, window?: { start: number; end: number }): Element {
  return s('Settings', [s('Oof', [s('Set', [
    s('OofState', state),
    window && s('StartTime', new Date(window.start).toISOString()),
    window && s('EndTime', new Date(window.end).toISOString()),
    ...Object.entries(messages).map(([audience, m]) => s('OofMessage', [
      s(`AppliesTo${audience}`), s('Enabled', m.enabled === false ? 0 : 1), s('ReplyMessage', m.reply), s('BodyType', m.bodyType ?? 'Text'),
    ])),
  ])])]);
}

const AWAY: Partial<Record<Audience, OofText>> = {
  Internal: { reply: 'Away this week; Dave covers for me.' },
  ExternalKnown: { reply: '<p>Hello friend, I am away until <b>Monday</b>.</p>', bodyType: 'HTML' },
  ExternalUnknown: { reply: 'I am out of the office.' },
};

/** An SMTP listener standing for the outside world, with the outbound mailer relaying to it; keeps the envelope. */
async function outsideWorld(t: TestServer) {
  const received: { mailFrom: string; rcpt: string[]; raw: Buffer }[] = [];
  const listener = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, disableReverseLookup: true,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom;
        received.push({ mailFrom: from ? from.address : '', rcpt: session.envelope.rcptTo.map(r => r.address), raw: Buffer.concat(chunks) });
        done();
      });
    },
  });
  await new Promise<void>(r => listener.listen(0, '127.0.0.1', r));
  const mailer = new OutboundMailer({ store: t.store, relay: `smtp://127.0.0.1:${(listener.server.address() as AddressInfo).port}`, log: pino({ level: 'silent' }) });
  await mailer.start();
  return {
    received,
    async next(count: number) {
      for (let i = 0; i < 250 && received.length < count; i++) await new Promise(r => setTimeout(r, 20));
      assert.equal(received.length, count, 'the automatic reply arrived outside');
      return received[count - 1]!;
    },
    async close() {
      await mailer.stop({ graceMs: 1000 });
      await new Promise<void>(r => listener.close(() => r()));
    },
  };
}

describe('Out of Office automatic replies', () => {
  let t: TestServer;
  let inbound: InboundSmtp;
  let smtpPort: number;
  let world: Awaited<ReturnType<typeof outsideWorld>>;
  /** Another server delivering to ours; one pooled connection (smtp-server holds each greeting 100 ms). */
  let outside: Transporter;
  const logs: string[] = [];
  let sent = 0;

  const user = async (email: string) => (await t.store.findUserByEmail(email))!;
  const inbox = async (email: string): Promise<Item[]> => {
    const id = Number(await folderId(t, email, FolderType.Inbox));
    return t.store.getItems(id, await t.store.liveItemIds(id));
  };
  const autoReplies = async (email: string) => (await inbox(email)).filter(i => /^Automatic reply:/.test(text(i.props, 'Email:Subject') ?? ''));
  /** Messages ever queued for SMTP (the queue's ids count up from 1; nothing is purged here). */
  const queued = async () => {
    let n = 0;
    while (await t.store.getOutbound(n + 1)) n++;
    return n;
  };
  const setOof = async (email: string, request: Element) => {
    const res = await t.client(email, { deviceId: 'OOFPHONE' }).send('Settings', request);
    assert.equal(res.body?.child('Oof')?.childText('Status'), '1');
  };
  const sendMail = async (from: string, mime: string[]) => {
    const res = await t.client(from, { deviceId: 'SENDER' }).send('SendMail', cm('SendMail', [cm('ClientId', `m${++sent}`), cm('MIME', Buffer.from(mime.join('\r\n')))]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0, 'SendMail succeeded');
  };
  const fromAlice = (subject: string, to = 'bob@example.com', extra: string[] = []) => sendMail('alice@example.com', [
    'From: "Alice" <alice@example.com>', `To: ${to}`, `Subject: ${subject}`, `Message-ID: <${subject.replace(/\W+/g, '-')}@example.com>`, ...extra,
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'Hello Bob', '',
  ]);
  /** Mail from another server: `mailFrom` is the envelope sender ('' for the null return path). */
  const fromOutside = (mailFrom: string, o: { subject: string; from?: string; to?: string; headers?: Record<string, string>; messageId?: string }) =>
    outside.sendMail({
      envelope: { from: mailFrom, to: ['bob@example.com'] }, from: o.from ?? (mailFrom || 'someone@elsewhere.example'), to: o.to ?? 'bob@example.com',
      subject: o.subject, text: 'Hi Bob', headers: o.headers, messageId: o.messageId,
    });
  const parse = (raw: Buffer): Promise<Email> => PostalMime.parse(raw);
  const header = (m: Email, name: string) => m.headers.find(h => h.key === name)?.value;

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    await t.store.setDisplayName((await user('bob@example.com')).id, 'Bob Away');
    inbound = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', log: msg => logs.push(msg), auth: await testWorldAuth() });
    smtpPort = await inbound.listen(0, '127.0.0.1');
    outside = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true, pool: true, maxConnections: 1 });
    world = await outsideWorld(t);
  });
  after(async () => {
    outside.close();
    await world.close();
    await inbound.close();
    await t.close();
  });

  it('nothing is sent while OofState is 0, though the messages are set', async () => {
    await setOof('bob@example.com', oofSet(0, AWAY));
    await fromAlice('Before leaving');
    await fromOutside('early@elsewhere.example', { subject: 'Before leaving too' });
    assert.deepEqual(await autoReplies('alice@example.com'), []);
    assert.equal(await queued(), 0);
  });

  it('a local sender gets the Internal reply in its Inbox (its Ping wakes), once per Out of Office period', async () => {
    await setOof('bob@example.com', oofSet(1, AWAY));
    const aliceInbox = await folderId(t, 'alice@example.com', FolderType.Inbox);
    const alice = await syncedDevice(t, 'alice@example.com', aliceInbox, { deviceId: 'ALICEPHONE' });
    const ping = alice.client.send('Ping', p('Ping', [p('HeartbeatInterval', 120), p('Folders', [p('Folder', [p('Id', aliceInbox), p('Class', 'Email')])])]));
    await new Promise(r => setTimeout(r, 200));
    await fromAlice('Lunch on Friday?');
    assert.equal((await ping).body?.childText('Status'), '2', 'the reply woke Alice\'s Ping');
    await alice.collection.syncAll();
    const seen = [...alice.collection.items.values()].filter(props => text(props, 'Email:Subject') === 'Automatic reply: Lunch on Friday?');
    assert.equal(seen.length, 1);
    assert.equal(text(seen[0], 'Email:From'), '"Bob Away" <bob@example.com>');

    const [reply] = await autoReplies('alice@example.com');
    const mime = await parse((await t.store.getItemContent((await user('alice@example.com')).id, reply!.id))!);
    assert.equal(mime.text?.trim(), 'Away this week; Dave covers for me.');
    assert.equal(mime.to?.[0]?.address, 'alice@example.com');
    assert.equal(header(mime, 'auto-submitted'), 'auto-replied');
    assert.equal(header(mime, 'in-reply-to'), '<Lunch-on-Friday-@example.com>');
    assert.equal(header(mime, 'references'), '<Lunch-on-Friday-@example.com>');
    assert.equal(await queued(), 0, 'a local reply never goes out by SMTP');

    // RFC 3834 2: the same sender is not answered again in this period…
    await fromAlice('And Saturday?');
    assert.equal((await autoReplies('alice@example.com')).length, 1);
    // …until Bob sets his Out of Office again, which starts a new one.
    await setOof('bob@example.com', oofSet(1, {}));
    await fromAlice('Sunday, then?');
    assert.deepEqual((await autoReplies('alice@example.com')).map(i => text(i.props, 'Email:Subject')).sort(),
      ['Automatic reply: Lunch on Friday?', 'Automatic reply: Sunday, then?']);
  });

  it('a sender elsewhere gets the ExternalUnknown reply through the outbound queue, from the null return path (RFC 3834 3.1, 3.3)', async () => {
    await setOof('bob@example.com', oofSet(1, AWAY));
    await fromOutside('zed+travel@mail.elsewhere.example', {
      from: '"Zed" <zed@elsewhere.example>', subject: 'Are you there?', messageId: '<are-you-there@elsewhere.example>',
      headers: { References: '<earlier@elsewhere.example>' },
    });
    const arrival = await world.next(1);
    assert.equal(arrival.mailFrom, '', 'MAIL FROM:<>');
    assert.deepEqual(arrival.rcpt, ['zed+travel@mail.elsewhere.example'], 'to the return path, not the From header');
    const mime = await parse(arrival.raw);
    assert.equal(mime.subject, 'Automatic reply: Are you there?');
    assert.deepEqual([mime.from?.name, mime.from?.address], ['Bob Away', 'bob@example.com']);
    assert.equal(mime.to?.[0]?.address, 'zed+travel@mail.elsewhere.example');
    assert.equal(mime.text?.trim(), 'I am out of the office.');
    assert.equal(header(mime, 'auto-submitted'), 'auto-replied');
    assert.equal(header(mime, 'x-auto-response-suppress'), 'All');
    assert.equal(header(mime, 'in-reply-to'), '<are-you-there@elsewhere.example>');
    assert.equal(header(mime, 'references'), '<earlier@elsewhere.example> <are-you-there@elsewhere.example>');
    assert.ok(mime.messageId, 'the reply has its own Message-ID');
    // The message itself was filed as usual, and the same sender gets no second reply.
    assert.ok((await inbox('bob@example.com')).some(i => text(i.props, 'Email:Subject') === 'Are you there?'));
    await fromOutside('zed+travel@mail.elsewhere.example', { subject: 'Hello?' });
    assert.equal(await queued(), 1);
  });

  it('a sender in the recipient\'s Contacts gets the ExternalKnown reply, in HTML with a text alternative', async () => {
    const contacts = await folderId(t, 'bob@example.com', FolderType.Contacts);
    const bobPhone = await syncedDevice(t, 'bob@example.com', contacts, { deviceId: 'BOBPHONE' });
    const round = await bobPhone.collection.sync([{ kind: 'Add', clientId: 'c1', props: contact('Carol Known', [['Contacts:Email2Address', '"Carol" <Carol@Elsewhere.example>']]) }]);
    assert.equal(round.added.get('c1')?.status, 1);
    const before = await queued();
    await fromOutside('carol@elsewhere.example', { subject: 'Coffee' });
    const mime = await parse((await world.next(before + 1)).raw);
    assert.equal(mime.subject, 'Automatic reply: Coffee');
    assert.equal(mime.html?.trim(), '<p>Hello friend, I am away until <b>Monday</b>.</p>');
    assert.match(mime.text ?? '', /Hello friend, I am away until Monday\./);
  });

  it('time-based Out of Office (OofState 2) answers only within [StartTime, EndTime)', async () => {
    const now = Date.now();
    await setOof('bob@example.com', oofSet(2, AWAY, { start: now + 24 * HOUR, end: now + 48 * HOUR }));
    const before = await queued();
    await fromOutside('later@elsewhere.example', { subject: 'Too early' });
    await fromAlice('Too early as well');
    await setOof('bob@example.com', oofSet(2, AWAY, { start: now - 48 * HOUR, end: now - 24 * HOUR }));
    await fromOutside('later@elsewhere.example', { subject: 'Too late' });
    assert.equal(await queued(), before);
    assert.ok(!(await autoReplies('alice@example.com')).some(i => /Too early/.test(text(i.props, 'Email:Subject')!)));
    await setOof('bob@example.com', oofSet(2, AWAY, { start: now - HOUR, end: now + HOUR }));
    await fromOutside('later@elsewhere.example', { subject: 'Just right' });
    assert.equal((await parse((await world.next(before + 1)).raw)).subject, 'Automatic reply: Just right');
  });

  it('an audience whose message is not enabled gets nothing; the others still do', async () => {
    await setOof('bob@example.com', oofSet(1, { ...AWAY, ExternalUnknown: { reply: 'unused', enabled: false } }));
    const before = await queued();
    await fromOutside('stranger@elsewhere.example', { subject: 'Disabled audience' });
    assert.equal(await queued(), before);
    await fromAlice('Internal still enabled');
    assert.ok((await autoReplies('alice@example.com')).some(i => text(i.props, 'Email:Subject') === 'Automatic reply: Internal still enabled'));
  });

  it('RFC 3834 2, 3.1.1: no reply to the null return path, automated senders, list or bulk mail, mail not naming the recipient, or an address of this server from outside', async () => {
    await setOof('bob@example.com', oofSet(1, AWAY));
    const cases: [string, string, { from?: string; to?: string; headers?: Record<string, string> }, RegExp][] = [
      ['null return path', '', { from: 'someone@elsewhere.example' }, /the null return path/],
      ['Auto-Submitted', 'robot1@elsewhere.example', { headers: { 'Auto-Submitted': 'auto-generated' } }, /Auto-Submitted: auto-generated/],
      ['an auto-reply', 'robot2@elsewhere.example', { headers: { 'Auto-Submitted': 'auto-replied' } }, /Auto-Submitted: auto-replied/],
      ['Precedence: bulk', 'news@elsewhere.example', { headers: { Precedence: 'bulk' } }, /Precedence: bulk/],
      ['Precedence: list', 'news@elsewhere.example', { headers: { Precedence: 'List' } }, /Precedence: list/],
      ['Precedence: junk', 'news@elsewhere.example', { headers: { Precedence: 'junk' } }, /Precedence: junk/],
      ['List-Id', 'member@elsewhere.example', { headers: { 'List-Id': '<team.lists.elsewhere.example>' } }, /list mail/],
      ['List-Unsubscribe', 'shop@elsewhere.example', { headers: { 'List-Unsubscribe': '<mailto:leave@elsewhere.example>' } }, /list mail/],
      ['X-Auto-Response-Suppress', 'app@elsewhere.example', { headers: { 'X-Auto-Response-Suppress': 'DR, OOF' } }, /X-Auto-Response-Suppress/],
      ['MAILER-DAEMON', 'MAILER-DAEMON@elsewhere.example', {}, /an automated sender/],
      ['postmaster', 'postmaster@elsewhere.example', {}, /an automated sender/],
      ['noreply', 'no-reply+42@elsewhere.example', {}, /an automated sender/],
      ['a list\'s -request address', 'team-request@elsewhere.example', {}, /an automated sender/],
      ['a VERP bounce address', 'bounces+x1@news.elsewhere.example', {}, /an automated sender/],
      ['a robot in From only', 'alerts@elsewhere.example', { from: 'noreply@elsewhere.example' }, /an automated sender/],
      ['the recipient\'s own address', 'bob@example.com', {}, /the recipient itself/],
      ['another account here, from outside', 'alice@example.com', {}, /an address of this server arriving from outside/],
      ['Bob not named (a blind copy, a forwarding address)', 'friend@elsewhere.example', { to: 'team@elsewhere.example' }, /not named in To, Cc or Bcc/],
    ];
    const before = await queued();
    const aliceReplies = (await autoReplies('alice@example.com')).length;
    for (const [name, mailFrom, o, reason] of cases) {
      logs.length = 0;
      await fromOutside(mailFrom, { subject: name, ...o });
      assert.ok(logs.some(l => reason.test(l)), `${name}: ${logs.join(' | ')}`);
    }
    assert.equal(await queued(), before, 'nothing queued');
    assert.equal((await autoReplies('alice@example.com')).length, aliceReplies, 'nothing filed for Alice');
    // Auto-Submitted: no is a person's mail (RFC 3834 5), and is answered.
    await fromOutside('person@elsewhere.example', { subject: 'Written by hand', headers: { 'Auto-Submitted': 'no' } });
    assert.equal((await parse((await world.next(before + 1)).raw)).subject, 'Automatic reply: Written by hand');
  });

  it('no reply to mail Bob sends himself, to Alice\'s Auto-Submitted mail, or to meeting requests from here or elsewhere', async () => {
    await setOof('bob@example.com', oofSet(1, AWAY));
    await sendMail('bob@example.com', ['From: bob@example.com', 'To: bob@example.com', 'Subject: Note to self', '', 'milk', '']);
    assert.deepEqual(await autoReplies('bob@example.com'), []);
    await fromAlice('Generated report', 'bob@example.com', ['Auto-Submitted: auto-generated']);
    const start = Date.now() + 72 * HOUR;
    const meeting = (uid: string, organizer: string): CalendarEvent => ({
      uid, start, end: start + HOUR, allDay: false, timeZone: 'UTC', subject: 'Planning', sequence: 0, dtStamp: Date.now(),
      organizer: { email: organizer }, attendees: [{ email: 'bob@example.com', type: 1, status: 5, rsvp: true }],
    });
    const before = await queued();
    await outside.sendMail({
      from: 'org@elsewhere.example', to: 'bob@example.com', subject: 'Planning', text: 'Please come',
      icalEvent: { method: 'REQUEST', content: eventsToIcs([meeting('remote-planning@elsewhere.example', 'org@elsewhere.example')], { method: 'REQUEST' }) },
    });
    const ics = eventsToIcs([meeting('local-planning@example.com', 'alice@example.com')], { method: 'REQUEST' });
    await sendMail('alice@example.com', [
      'From: alice@example.com', 'To: bob@example.com', 'Subject: Planning here', 'MIME-Version: 1.0',
      'Content-Type: text/calendar; method=REQUEST; charset=utf-8', '', ics,
    ]);
    const requests = (await inbox('bob@example.com')).filter(i => text(i.props, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
    assert.equal(requests.length, 2, 'both meeting requests reached Bob');
    assert.equal(await queued(), before);
    assert.ok(!(await autoReplies('alice@example.com')).some(i => /Generated report|Planning/.test(text(i.props, 'Email:Subject')!)));
  });
});
