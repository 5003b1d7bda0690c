// The scheduling decision trace (src/scheduling/trace.ts): written by the engine as it decides,
// read back from the store as the console's meeting trace shows it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { receiveItip } from '../../src/scheduling/incoming.js';
import { TraceRecorder } from '../../src/scheduling/trace.js';
import type { TraceRow } from '../../src/store/traceTypes.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { startExpiry } from '../../src/store/expiry.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const TOKYO = encodeTimeZoneBlob(timeZoneInfoForIana('Asia/Tokyo', 2026));
const FIRST = (() => { const d = new Date(Date.now() + WEEK); d.setUTCHours(1, 0, 0, 0); return d.getTime(); })();
const DAY_BIT = 1 << new Date(FIRST + 9 * HOUR).getUTCDay();

function meeting(subject: string, attendees: string[]): ItemProps {
  return [
    ['Calendar:Timezone', TOKYO], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', attendees.map(e => ['Calendar:Attendee', [['Calendar:Email', e], ['Calendar:AttendeeType', '1']]] as ItemProps[number])],
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '10'], ['Calendar:DayOfWeek', String(DAY_BIT)]]],
  ];
}

/** The notes of the newest run whose 'edit' note says `what`. */
function runOf(rows: TraceRow[], what: RegExp): TraceRow[] {
  const edit = rows.filter(r => r.step === 'edit' && what.test(r.text)).at(-1);
  assert.ok(edit, `a run ${what}`);
  return rows.filter(r => r.run === edit.run);
}

for (const backend of BACKENDS) describe(`scheduling: the decision trace (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  let alice: CollectionMirror;

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'], backend });
    const cal = await folderId(t, 'alice@example.com', FolderType.Calendar);
    alice = (await syncedDevice(t, 'alice@example.com', cal, { version: '16.1', deviceId: 'ALICEPHONE', deviceType: 'iPhone' })).collection;
  });
  after(() => t.close());

  it('one occurrence moved (16.1 InstanceId): one update per attendee for that date, the series unchanged', async () => {
    const r = await alice.sync([{ kind: 'Add', clientId: 'm', props: meeting('Trace review', ['bob@example.com', 'carol@example.com']) }]);
    const serverId = r.added.get('m')!.serverId!;
    const third = FIRST + 2 * WEEK;
    await alice.sync([{ kind: 'Change', serverId, instanceId: formatCompact(third),
      props: [['Calendar:StartTime', formatCompact(third + 2 * HOUR)], ['Calendar:EndTime', formatCompact(third + 3 * HOUR)]] }]);
    const [found] = await t.store.findTracedMeetings({ text: 'trace rev', limit: 10 });
    assert.equal(found?.subject, 'Trace review');
    const rows = await t.store.schedulingTrace(found!.uid, { limit: 1000 });

    const added = runOf(rows, /Sync Add/);
    assert.deepEqual(added.filter(n => n.step === 'sent').map(n => [n.data?.recipient, n.recurrenceId]).sort(),
      [['bob@example.com', undefined], ['carol@example.com', undefined]]);

    const moved = runOf(rows, /InstanceId/);
    assert.deepEqual(moved[0]!.source, { via: 'eas', account: 'alice@example.com', deviceId: 'ALICEPHONE', deviceType: 'iPhone', protocol: '16.1', command: 'Sync' });
    const sent = moved.filter(n => n.step === 'sent');
    assert.deepEqual(sent.map(n => n.data?.recipient).sort(), ['bob@example.com', 'carol@example.com'], 'exactly one update per attendee');
    for (const n of sent) {
      assert.equal(n.recurrenceId, third);
      assert.equal(n.data?.method, 'REQUEST');
      assert.equal(n.data?.where, 'local');
      assert.match(n.text, /full update.*delivered here/);
    }
    const compared = moved.filter(n => n.step === 'compared').map(n => [n.recurrenceId, n.data?.outcome]);
    assert.deepEqual(compared, [[undefined, 'unchanged'], [third, 'changed']]);
  });

  it('an identical re-send is traced as "no message: unchanged"', async () => {
    const [found] = await t.store.findTracedMeetings({ text: 'Trace review', limit: 10 });
    await alice.syncAll();
    const [serverId] = [...alice.items.keys()];
    await alice.sync([{ kind: 'Change', serverId: serverId!, props: [['Calendar:Subject', 'Trace review']] }]);
    const run = runOf(await t.store.schedulingTrace(found!.uid, { limit: 1000 }), /^Sync Change$/);
    assert.deepEqual(run.filter(n => n.step === 'sent'), []);
    assert.match(run.find(n => n.step === 'none')!.text, /unchanged/);
  });

  it('answers from elsewhere: applied, then a replayed one refused as older, a forged one refused', async () => {
    await alice.sync([{ kind: 'Add', clientId: 'x', props: meeting('Outside review', ['dave@elsewhere.example']) }]);
    const [found] = await t.store.findTracedMeetings({ text: 'dave@elsewhere', limit: 10 });
    assert.equal(found?.subject, 'Outside review');
    const aliceUser = (await t.store.findUserByEmail('alice@example.com'))!;
    const reply = (stamp: string) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'METHOD:REPLY', 'BEGIN:VEVENT', `UID:${found!.uid}`,
      `DTSTAMP:${stamp}`, `DTSTART:${formatCompact(FIRST)}`, 'SEQUENCE:0', 'ORGANIZER:mailto:alice@example.com',
      'ATTENDEE;PARTSTAT=ACCEPTED:mailto:dave@elsewhere.example', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const pass = { fromDomain: 'elsewhere.example', sender: true, summary: 'dmarc=pass' };
    const deliver = (from: string, stamp: string, auth = pass) => receiveItip(t.store,
      { envelopeFrom: from, headerFrom: from, auth, recipients: [aliceUser], method: 'REPLY', ics: reply(stamp) }, () => {});
    await deliver('dave@elsewhere.example', '20260101T100000Z');
    await deliver('dave@elsewhere.example', '20260101T090000Z');
    await deliver('mallory@evil.example', '20260101T110000Z', { fromDomain: 'evil.example', sender: true, summary: 'dmarc=pass' });
    await deliver('dave@elsewhere.example', '20260101T120000Z', { fromDomain: undefined, sender: false, summary: 'dmarc=fail' } as never);
    const answers = (await t.store.schedulingTrace(found!.uid, { limit: 1000 })).filter(n => n.step === 'applied' || n.step === 'refused');
    assert.deepEqual(answers.map(n => n.step), ['applied', 'refused', 'refused', 'refused']);
    assert.match(answers[1]!.text, /older DTSTAMP/);
    assert.match(answers[2]!.text, /mallory@evil\.example, not from the attendee/);
    assert.match(answers[3]!.text, /could not be verified/);
    assert.deepEqual(answers[0]!.source, { via: 'imip', from: 'dave@elsewhere.example', envelopeFrom: 'dave@elsewhere.example', auth: 'dmarc=pass' });
    // Users see their own account's notes only: bob has none of this meeting.
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    assert.deepEqual(await t.store.findTracedMeetings({ text: 'Outside', userId: bob.id, limit: 10 }), []);
  });

  it('cost: the notes of a run, however many, are one INSERT', async () => {
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const trace = new TraceRecorder({ via: 'server', what: 'test' });
    for (let i = 0; i < 40; i++) trace.note({ step: 'sent', userId: alice.id, uid: 'cost-test', text: `note ${i}` });
    const before = t.store.statementCounts();
    await trace.flush(t.store);
    const after = t.store.statementCounts();
    assert.equal(after.statements - before.statements, 1);
    assert.equal(after.rowsWritten - before.rowsWritten, 40);
    assert.equal((await t.store.schedulingTrace('cost-test', { limit: 100 })).length, 40);
  });

  it('retention: the expiry job keeps the newest notes per meeting and drops old ones', async () => {
    const [found] = await t.store.findTracedMeetings({ text: 'Trace review', limit: 10 });
    const before = (await t.store.schedulingTrace(found!.uid, { limit: 1000 })).length;
    assert.ok(before > 3);
    assert.ok(await t.store.purgeSchedulingTrace(0, 3) > 0);
    const kept = await t.store.schedulingTrace(found!.uid, { limit: 1000 });
    assert.ok(kept.length <= 3 * 3, 'at most 3 per account (alice, bob, carol)');
    const expiry = startExpiry(t.store, { retentionDays: -1, everyMs: 3600_000 });
    await expiry.runOnce();
    expiry.stop();
    assert.deepEqual(await t.store.schedulingTrace(found!.uid, { limit: 1000 }), []);
  });
});
