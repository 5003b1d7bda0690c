// The organizer side end to end over real HTTP and WBXML: a 16.1 organizer's Sync edits reach
// local attendees as meeting mail and calendar items — and only what really changed, never the past.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { encodeTimeZoneBlob, formatCompact, formatExtended, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const TOKYO = encodeTimeZoneBlob(timeZoneInfoForIana('Asia/Tokyo', 2026));
/** Weekly, ten times, from the same weekday next week at 01:00 UTC (10:00 in Tokyo, which has no DST). */
const FIRST = (() => { const d = new Date(Date.now() + WEEK); d.setUTCHours(1, 0, 0, 0); return d.getTime(); })();
const DAY_BIT = 1 << new Date(FIRST + 9 * HOUR).getUTCDay();

function meeting(subject: string, extra: ItemProps = []): ItemProps {
  return [
    ['Calendar:Timezone', TOKYO], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)], ['Calendar:Sensitivity', '0'],
    ['Calendar:MeetingStatus', '1'], ['Calendar:Reminder', '15'],
    ['Calendar:Attendees', [
      ['Calendar:Attendee', [['Calendar:Email', 'bob@example.com'], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]],
      ['Calendar:Attendee', [['Calendar:Email', 'carol@example.com'], ['Calendar:Name', 'Carol'], ['Calendar:AttendeeType', '2']]],
    ]],
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '10'], ['Calendar:DayOfWeek', String(DAY_BIT)]]],
    ...extra,
  ];
}


describe('scheduling: the organizer side', () => {
  let t: TestServer;
  const folderOf = (user: string, type: number) => folderId(t, user, type);
  let alice: CollectionMirror;
  const inbox: Record<string, CollectionMirror> = {};
  const calendar: Record<string, CollectionMirror> = {};
  /** New Inbox messages of an attendee since the last look. */
  const newMail = async (user: string): Promise<ItemProps[]> => {
    const before = new Set(inbox[user].items.keys());
    await inbox[user].syncAll();
    return [...inbox[user].items.entries()].filter(([id]) => !before.has(id)).map(([, p]) => p);
  };
  let serverId = '';

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
    alice = (await syncedDevice(t, 'alice@example.com', await folderOf('alice@example.com', FolderType.Calendar), { version: '16.1', deviceId: 'ALICE' })).collection;
    for (const u of ['bob@example.com', 'carol@example.com']) {
      inbox[u] = (await syncedDevice(t, u, await folderOf(u, FolderType.Inbox), { version: '16.1', deviceId: `IN${u[0]}` })).collection;
      calendar[u] = (await syncedDevice(t, u, await folderOf(u, FolderType.Calendar), { version: '16.1', deviceId: `CAL${u[0]}` })).collection;
    }
  });
  after(() => t.close());

  it('a new meeting: each attendee gets one request and a tentative item with the same UID', async () => {
    const r = await alice.sync([{ kind: 'Add', clientId: 'm', props: meeting('Design review') }]);
    serverId = r.added.get('m')!.serverId!;
    for (const u of ['bob@example.com', 'carol@example.com']) {
      const mail = await newMail(u);
      assert.equal(mail.length, 1, u);
      assert.equal(text(mail[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Request');
      assert.equal(text(mail[0], 'Email:Subject'), 'Design review');
      const mr = nodes(mail[0], 'Email:MeetingRequest');
      assert.equal(text(mr, 'Email2:MeetingMessageType'), '1');
      assert.equal(text(mr, 'Email:InstanceType'), '1');
      assert.equal(text(mr, 'Email:StartTime'), formatExtended(FIRST));
      assert.ok(nodes(mr, 'Email:Recurrences').length);
      const uid = text(mr, 'Calendar:UID');
      assert.ok(uid);
      await calendar[u].syncAll();
      const item = [...calendar[u].items.values()].find(p => text(p, 'Calendar:UID') === uid);
      assert.ok(item, 'placeholder on the calendar');
      assert.deepEqual([text(item, 'Calendar:BusyStatus'), text(item, 'Calendar:ResponseType'), text(item, 'Calendar:MeetingStatus')], ['1', '5', '3']);
      assert.equal(text(item, 'Calendar:OrganizerEmail'), 'alice@example.com');
    }
  });

  it('the same series sent again produces no mail at all', async () => {
    await alice.sync([{ kind: 'Change', serverId, props: meeting('Design review') }]);
    for (const u of ['bob@example.com', 'carol@example.com']) assert.equal((await newMail(u)).length, 0, u);
  });

  it('one occurrence moved with InstanceId: exactly one update each, for that date only', async () => {
    const third = FIRST + 2 * WEEK;
    const r = await alice.sync([{ kind: 'Change', serverId, instanceId: formatCompact(third),
      props: [['Calendar:StartTime', formatCompact(third + 2 * HOUR)], ['Calendar:EndTime', formatCompact(third + 3 * HOUR)]] }]);
    assert.equal(r.statuses.find(s => s.kind === 'Change')?.status, 1);
    for (const u of ['bob@example.com', 'carol@example.com']) {
      const mail = await newMail(u);
      assert.equal(mail.length, 1, u);
      const mr = nodes(mail[0], 'Email:MeetingRequest');
      assert.equal(text(mr, 'Email:RecurrenceId'), formatExtended(third));
      assert.equal(text(mr, 'Email:InstanceType'), '3');
      assert.equal(text(mr, 'Email:StartTime'), formatExtended(third + 2 * HOUR));
      await calendar[u].syncAll();
      const item = [...calendar[u].items.values()].find(p => text(p, 'Calendar:Subject') === 'Design review')!;
      const x = nodes(item, 'Calendar:Exceptions').map(e => e[1] as ItemProps);
      assert.deepEqual(x.map(e => text(e, 'AirSyncBase:InstanceId')), [formatCompact(third)]);
    }
  });

  it('a series subject change is one informational update, and the first request becomes outdated', async () => {
    await alice.sync([{ kind: 'Change', serverId, props: [['Calendar:Subject', 'Design review (v2)']] }]);
    for (const u of ['bob@example.com', 'carol@example.com']) {
      const mail = await newMail(u);
      assert.equal(mail.length, 1, u);
      assert.equal(text(nodes(mail[0], 'Email:MeetingRequest'), 'Email2:MeetingMessageType'), '3');
      const types = [...inbox[u].items.values()].map(p => text(nodes(p, 'Email:MeetingRequest'), 'Email2:MeetingMessageType'));
      assert.ok(types.includes('4'), `${u}: an older request is outdated (${types})`);
    }
  });

  it('an attendee editing their own copy sends nothing to anyone', async () => {
    await calendar['bob@example.com'].syncAll();
    const bobsItem = [...calendar['bob@example.com'].items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'Design review (v2)')!;
    await calendar['bob@example.com'].sync([{ kind: 'Change', serverId: bobsItem[0], props: [['Calendar:Reminder', '5']] }]);
    for (const u of ['bob@example.com', 'carol@example.com']) assert.equal((await newMail(u)).length, 0, u);
  });

  it('deleting the meeting cancels it: one cancellation each, their items marked cancelled', async () => {
    await alice.sync([{ kind: 'Delete', serverId }]);
    for (const u of ['bob@example.com', 'carol@example.com']) {
      const mail = await newMail(u);
      assert.equal(mail.length, 1, u);
      assert.equal(text(mail[0], 'Email:MessageClass'), 'IPM.Schedule.Meeting.Canceled');
      await calendar[u].syncAll();
      const item = [...calendar[u].items.values()].find(p => text(p, 'Calendar:Subject') === 'Design review (v2)');
      assert.equal(text(item, 'Calendar:MeetingStatus'), '7');
    }
  });

  it('a meeting that ended in the past is never announced', async () => {
    const past = meeting('Old news').map(([k, v]) => [k,
      k === 'Calendar:StartTime' ? formatCompact(Date.UTC(2020, 0, 6, 1)) : k === 'Calendar:EndTime' ? formatCompact(Date.UTC(2020, 0, 6, 2)) : v] as ItemProps[number]);
    await alice.sync([{ kind: 'Add', clientId: 'old', props: past }]);
    for (const u of ['bob@example.com', 'carol@example.com']) assert.equal((await newMail(u)).length, 0, u);
  });
});
