// Delegates (src/scheduling/delegates.ts, docs/resources-delegates.md "Delegates"), over EAS with
// real HTTP: a 16.1 organizer invites two principals who share one delegate; the delegate's Inbox
// gets the requests (one per principal), the principal keeps its calendar copy and — unless it
// asked for none — a copy it must not answer (MeetingMessageType 6, MeetingResponse Status 2). The
// delegate answers for the principal from a 16.1 device (SendResponse) and from a 14.1 device (its
// own REPLY mail with SENT-BY); the organizer sees the principal's AttendeeStatus and a Resp.* mail
// from the principal, sent by the delegate.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventsToIcs } from '../../src/calendar/ical.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { main } from '../../src/cli/main.js';
import { receiveItip } from '../../src/scheduling/incoming.js';
import type { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const mr = tags('MeetingResponse');
const cm = tags('ComposeMail');
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 5 * 24 * HOUR); d.setUTCHours(10, 0, 0, 0); return d.getTime(); })();
const UTC = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));
const [ALICE, BOSS, DAVE, ASSISTANT] = ['alice@example.com', 'boss@example.com', 'dave@example.com', 'assistant@example.com'];

function meeting(subject: string, start: number): ItemProps {
  const attendee = (email: string, name: string): ItemProps[number] =>
    ['Calendar:Attendee', [['Calendar:Email', email], ['Calendar:Name', name], ['Calendar:AttendeeType', '1']]];
  return [
    ['Calendar:Timezone', UTC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(start + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [attendee(BOSS, 'Boss'), attendee(DAVE, 'Dave')]],
  ];
}

const messageType = (p: ItemProps | undefined) => text(nodes(p, 'Email:MeetingRequest'), 'Email2:MeetingMessageType');
/** MS-ASCAL AttendeeStatus 2, 3, 4: tentative, accepted, declined. */
const answered = (status: string | undefined) => ['2', '3', '4'].includes(status ?? '');
const statusOf = (p: ItemProps | undefined, email: string) =>
  text(nodes(p, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === email), 'Calendar:AttendeeStatus');

/** `convene delegate …` against the test's store; its output lines and exit code. */
async function cli(t: TestServer, ...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => { out.push(a.join(' ')); };
  console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
  try {
    const where = t.backend.db ? ['--db', t.backend.db] : ['--data', t.backend.dataDir];
    return { code: await main(['delegate', ...args, ...where]), out, err };
  } finally {
    [console.log, console.error] = [log, error];
  }
}

for (const backend of BACKENDS) describe(`delegates answer for their principal (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  const m: Record<string, CollectionMirror> = {};
  const c: Record<string, EasClient> = {};
  let aliceItem = '';
  const respond = (client: EasClient, collectionId: string, requestId: string, userResponse: number, send = true) =>
    client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', userResponse), mr('CollectionId', collectionId), mr('RequestId', requestId), send && mr('SendResponse'),
    ])]));
  const requestsIn = (mirror: CollectionMirror, subject: string) =>
    [...mirror.items.entries()].filter(([, p]) => text(p, 'Email:Subject') === subject && text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
  const forWhom = (mirror: CollectionMirror, subject: string, name: string) => requestsIn(mirror, subject).find(([, p]) => text(p, 'Email:DisplayTo') === name);

  before(async () => {
    t = await startServer({ users: [ALICE, BOSS, DAVE, ASSISTANT], backend });
    const devices: [string, string, number, string][] = [
      ['aliceCal', ALICE, FolderType.Calendar, '16.1'], ['aliceInbox', ALICE, FolderType.Inbox, '16.1'],
      ['bossInbox', BOSS, FolderType.Inbox, '14.1'], ['bossCal', BOSS, FolderType.Calendar, '14.1'],
      ['daveInbox', DAVE, FolderType.Inbox, '16.1'], ['daveCal', DAVE, FolderType.Calendar, '16.1'],
      ['assistantInbox', ASSISTANT, FolderType.Inbox, '16.1'], ['assistantCal', ASSISTANT, FolderType.Calendar, '16.1'],
      ['assistant14Inbox', ASSISTANT, FolderType.Inbox, '14.1'],
    ];
    for (const [key, user, type, version] of devices) {
      const d = await syncedDevice(t, user, await folderId(t, user, type), { version, deviceId: `${key.toUpperCase()}${version.replace('.', '')}` });
      m[key] = d.collection;
      c[key] = d.client;
    }
  });
  after(() => t.close());

  it('convene delegate add / list: boss keeps copies, dave asks for none', async () => {
    assert.equal((await cli(t, 'add', BOSS, ASSISTANT)).code, 0);
    assert.equal((await cli(t, 'add', DAVE, ASSISTANT, '--requests-to-delegate-only')).code, 0);
    const all = await cli(t, 'list');
    assert.deepEqual(all.out, [
      `${BOSS}\t${ASSISTANT}\tcalendar editor, receives meeting requests, the principal keeps copies`,
      `${DAVE}\t${ASSISTANT}\tcalendar editor, receives meeting requests, the principal none`,
    ]);
    assert.deepEqual((await cli(t, 'list', DAVE)).out, [`${DAVE}\t${ASSISTANT}\tcalendar editor, receives meeting requests, the principal none`]);
  });

  it('the invitation: the delegate gets one answerable request per principal, boss a type-6 copy, dave none; both keep their calendar copy', async () => {
    const r = await m.aliceCal!.sync([{ kind: 'Add', clientId: 'm1', props: meeting('Board', START) }]);
    aliceItem = r.added.get('m1')!.serverId!;
    for (const k of ['assistantInbox', 'assistantCal', 'bossInbox', 'bossCal', 'daveInbox', 'daveCal', 'assistant14Inbox']) await m[k]!.syncAll();
    const delegated = requestsIn(m.assistantInbox!, 'Board');
    assert.equal(delegated.length, 2, 'one request for each principal');
    assert.deepEqual(delegated.map(([, p]) => messageType(p)), ['1', '1'], 'answerable: an initial request');
    assert.ok(forWhom(m.assistantInbox!, 'Board', 'boss') && forWhom(m.assistantInbox!, 'Board', 'dave'), 'each addressed to its principal');
    assert.ok(!JSON.stringify(delegated).includes('Convene:'), 'the bookkeeping never reaches the device');
    assert.equal(m.assistantCal!.items.size, 0, 'the delegate gets no calendar copy of its own');
    const [copy] = requestsIn(m.bossInbox!, 'Board');
    assert.equal(messageType(copy?.[1]), '6', 'the principal\'s copy: MS-ASEMAIL 2.2.2.47 "delegated", not to be answered');
    assert.equal(requestsIn(m.daveInbox!, 'Board').length, 0, '--requests-to-delegate-only: no Inbox item');
    for (const cal of [m.bossCal!, m.daveCal!]) {
      const [own] = [...cal.items.values()];
      assert.equal(text(own, 'Calendar:MeetingStatus'), '3');
      assert.equal(text(own, 'Calendar:ResponseType'), '5', 'the placeholder: not responded yet');
    }
  });

  it('MS-ASCMD 2.2.3.177.9: MeetingResponse on the principal\'s type-6 copy is Status 2 and changes nothing', async () => {
    const [id] = requestsIn(m.bossInbox!, 'Board')[0]!;
    const res = await respond(c.bossInbox!, m.bossInbox!.collectionId, id, 1, false);
    assert.equal(res.body?.child('Result')?.childText('Status'), '2');
    await m.bossInbox!.syncAll();
    await m.bossCal!.syncAll();
    assert.ok(m.bossInbox!.items.has(id), 'the copy stays in the Inbox');
    assert.equal(text([...m.bossCal!.items.values()][0], 'Calendar:ResponseType'), '5', 'the calendar copy is unchanged');
    await m.aliceCal!.syncAll();
    assert.ok(!answered(statusOf(m.aliceCal!.items.get(aliceItem), BOSS)), 'the organizer heard nothing');
  });

  it('the delegate accepts for boss from a 16.1 device: boss\'s calendar, boss\'s AttendeeStatus, a Resp.Pos from boss sent by the delegate', async () => {
    const [id] = forWhom(m.assistantInbox!, 'Board', 'boss')!;
    const res = await respond(c.assistantInbox!, m.assistantInbox!.collectionId, id, 1);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    await m.bossCal!.syncAll();
    const [own] = [...m.bossCal!.items.values()];
    assert.equal(text(own, 'Calendar:ResponseType'), '3', 'boss\'s copy is accepted');
    await m.assistantInbox!.syncAll();
    await m.assistantCal!.syncAll();
    assert.ok(!m.assistantInbox!.items.has(id), 'the request left the delegate\'s Inbox');
    assert.ok(forWhom(m.assistantInbox!, 'Board', 'dave'), 'dave\'s request is still there');
    assert.equal(m.assistantCal!.items.size, 0, 'nothing on the delegate\'s own calendar');
    await m.aliceCal!.syncAll();
    await m.aliceInbox!.syncAll();
    assert.equal(statusOf(m.aliceCal!.items.get(aliceItem), BOSS), '3');
    assert.equal(statusOf(m.aliceCal!.items.get(aliceItem), ASSISTANT), undefined, 'the delegate is no attendee');
    const reply = [...m.aliceInbox!.items.values()].find(p => text(p, 'Email:Subject') === 'Accepted: Board')!;
    assert.equal(text(reply, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Pos');
    assert.match(text(reply, 'Email:From')!, /<boss@example\.com>$/);
    assert.match(text(reply, 'Email2:Sender')!, /<assistant@example\.com>$/, 'sent by the delegate on behalf of boss');
  });

  it('the delegate declines for dave from a 14.1 device, whose own REPLY (ATTENDEE;SENT-BY) reaches the organizer as dave\'s', async () => {
    await m.assistant14Inbox!.syncAll();
    const [id] = forWhom(m.assistant14Inbox!, 'Board', 'dave')!;
    const res = await respond(c.assistant14Inbox!, m.assistant14Inbox!.collectionId, id, 3, false);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    await m.daveCal!.syncAll();
    assert.equal(m.daveCal!.items.size, 0, 'declined: dave\'s copy is removed');
    const alice = (await t.store.findUserByEmail(ALICE))!;
    const event = (await t.store.getItem(alice.id, Number(aliceItem.split(':')[1])))!.event!;
    const reply = eventsToIcs([{ ...event, dtStamp: Date.now(), attendees: [{ email: DAVE, name: 'Dave', status: 4 }] } as CalendarEvent], { method: 'REPLY' })
      .replace(/^ATTENDEE/m, `ATTENDEE;SENT-BY="mailto:${ASSISTANT}"`);
    const mime = Buffer.from([`From: ${ASSISTANT}`, `To: ${ALICE}`, 'Subject: Declined: Board', 'MIME-Version: 1.0', `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/calendar; charset=utf-8; method=REPLY', '', reply].join('\r\n'));
    const sent = await c.assistant14Inbox!.send('SendMail', cm('SendMail', [cm('ClientId', 'decline-dave'), cm('MIME', mime)]));
    assert.equal(sent.status, 200);
    await m.aliceCal!.syncAll();
    await m.aliceInbox!.syncAll();
    assert.equal(statusOf(m.aliceCal!.items.get(aliceItem), DAVE), '4');
    const neg = [...m.aliceInbox!.items.values()].find(p => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Neg')!;
    assert.match(text(neg, 'Email:From')!, /<dave@example\.com>$/);
    assert.match(text(neg, 'Email2:Sender')!, /<assistant@example\.com>$/);
  });

  it('an update outdates the delegate\'s and the principal\'s older requests; a removed delegate can no longer answer', async () => {
    await m.aliceCal!.sync([{ kind: 'Change', serverId: aliceItem, props: meeting('Board', START + 2 * HOUR) }]);
    await m.assistantInbox!.syncAll();
    await m.bossInbox!.syncAll();
    const forBoss = requestsIn(m.assistantInbox!, 'Board').filter(([, p]) => text(p, 'Email:DisplayTo') === 'boss').map(([, p]) => messageType(p));
    assert.deepEqual(forBoss, ['2'], 'the full update (the answered request went to Deleted Items)');
    assert.deepEqual(requestsIn(m.bossInbox!, 'Board').map(([, p]) => messageType(p)).sort(), ['4', '6'], 'the old copy outdated, the new one type 6');
    const forDave = requestsIn(m.assistantInbox!, 'Board').filter(([, p]) => text(p, 'Email:DisplayTo') === 'dave');
    assert.deepEqual(forDave.map(([, p]) => messageType(p)), ['2'], 'dave declined, so the update is his to answer again');
    const latest = forDave[0]!;
    assert.equal((await cli(t, 'remove', DAVE, ASSISTANT)).code, 0);
    const res = await respond(c.assistantInbox!, m.assistantInbox!.collectionId, latest[0], 1);
    assert.equal(res.body?.child('Result')?.childText('Status'), '2', 'no longer dave\'s delegate');
    await m.aliceCal!.syncAll();
    assert.ok(!answered(statusOf(m.aliceCal!.items.get(aliceItem), DAVE)), 'dave\'s answer was reset by the update and nothing new came');
  });

  it('iMIP: an outside organizer\'s invitation reaches the delegate; its answer leaves as boss\'s REPLY with SENT-BY and Sender', async () => {
    const boss = (await t.store.findUserByEmail(BOSS))!;
    const invitation: CalendarEvent = {
      uid: 'outside-1@elsewhere.example', start: START + 24 * HOUR, end: START + 25 * HOUR, allDay: false, timeZone: 'UTC', subject: 'Supplier call',
      sequence: 0, dtStamp: Date.now(), organizer: { email: 'olga@elsewhere.example', name: 'Olga' }, attendees: [{ email: BOSS, name: 'Boss', status: 5, rsvp: true }],
    };
    const outcome = await receiveItip(t.store, { envelopeFrom: 'olga@elsewhere.example', headerFrom: 'olga@elsewhere.example',
      auth: { fromDomain: 'elsewhere.example', sender: true, summary: 'dkim=pass' }, recipients: [boss], method: 'REQUEST',
      ics: eventsToIcs([invitation], { method: 'REQUEST' }) }, () => {});
    assert.ok(outcome.handled.has(BOSS));
    await m.assistantInbox!.syncAll();
    await m.bossInbox!.syncAll();
    assert.equal(messageType(requestsIn(m.bossInbox!, 'Supplier call')[0]?.[1]), '6');
    const [id] = forWhom(m.assistantInbox!, 'Supplier call', 'boss')!;
    const res = await respond(c.assistantInbox!, m.assistantInbox!.collectionId, id, 2);
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');
    const [queued] = await t.store.claimOutbound('delegates-test', { limit: 10, leaseMs: 60_000 });
    // Unfolded, quoted-printable soft breaks and '=' undone: the REPLY as the organizer's calendar reads it.
    const mime = queued!.mime.toString('utf8').replace(/\r\n[ \t]/g, '').replace(/=\r\n/g, '').replace(/=3D/g, '=');
    assert.deepEqual(queued!.recipients, ['olga@elsewhere.example']);
    assert.match(mime, /^From: boss <boss@example\.com>/m);
    assert.match(mime, /^Sender: assistant <assistant@example\.com>/m);
    assert.match(mime, /ATTENDEE;SENT-BY="mailto:assistant@example\.com"[^\r\n]*PARTSTAT=TENTATIVE[^\r\n]*:mailto:boss@example\.com/);
    await m.bossCal!.syncAll();
    const own = [...m.bossCal!.items.values()].find(p => text(p, 'Calendar:Subject') === 'Supplier call');
    assert.equal(text(own, 'Calendar:ResponseType'), '2', 'boss\'s copy is tentatively accepted');
  });

  it('convene delegate: bad input is one line and a non-zero exit', async () => {
    for (const [args, pattern] of [
      [['add', BOSS], /two addresses are needed/],
      [['add', BOSS, BOSS], /cannot be its own delegate/],
      [['add', BOSS, ASSISTANT, '--calendar', 'owner'], /--calendar must be none, reviewer or editor/],
      [['add', BOSS, ASSISTANT, '--receive-copies', '--requests-to-delegate-only'], /exclude each other/],
      [['add', BOSS, 'nobody@example.com'], /no account nobody@example.com \(the delegate\)/],
      [['add', 'not-an-address', ASSISTANT], /is not an email address/],
      [['remove', DAVE, ASSISTANT], /is not a delegate of/],
      [['frobnicate'], /unknown action "delegate frobnicate"/],
    ] as const) {
      const r = await cli(t, ...args);
      assert.notEqual(r.code, 0, args.join(' '));
      assert.equal(r.err.length, 1, args.join(' '));
      assert.equal(r.err[0]!.split('\n').length, 1, r.err[0]);
      assert.match(r.err[0]!, pattern);
    }
  });
});
