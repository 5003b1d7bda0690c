// MS-ASCAL items through Sync, end to end: series with exceptions across protocol versions, 16.x
// occurrence edits with InstanceId (MS-ASAIRS 2.2.2.25), and bad input answered per item.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import type { EasClient } from '../../src/client/EasClient.js';
import { formatCompact } from '../../src/calendar/timezone.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/element.js';
import { PACIFIC } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
/** Mondays 10:00–11:00 Pacific from 6 April 2026 (17:00 UTC, no DST change for ten weeks), ten times. */
const FIRST = Date.UTC(2026, 3, 6, 17, 0);

function weekly(subject: string, extra: ItemProps = []): ItemProps {
  return [
    ['Calendar:Timezone', PACIFIC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)], ['Calendar:Sensitivity', '0'],
    ['Calendar:MeetingStatus', '0'], ['Calendar:Reminder', '10'],
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '10'], ['Calendar:DayOfWeek', '2']]],
    ...extra,
  ];
}


describe('calendar items through Sync', () => {
  let t: TestServer;
  let calId: string;
  let n = 0;
  const device = async (version: string): Promise<{ client: EasClient; cal: CollectionMirror }> => {
    const { client, collection } = await syncedDevice(t, 'alice@example.com', calId, { deviceId: `CAL${++n}`, version });
    return { client, cal: collection };
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com'] });
    calId = await folderId(t, 'alice@example.com', FolderType.Calendar);
  });
  after(() => t.close());

  it('a 16.1 Change with InstanceId moves one occurrence; other devices see the series with that one exception', async () => {
    const a = await device('16.1');
    const b = await device('16.1');
    const old = await device('14.1');
    const added = await a.cal.sync([{ kind: 'Add', clientId: 'series', props: weekly('Weekly sync', [['Calendar:ClientUid', 'client-uid-1']]) }]);
    const serverId = added.added.get('series')!.serverId!;
    const third = FIRST + 2 * WEEK;
    const moved = await a.cal.sync([{
      kind: 'Change', serverId, instanceId: formatCompact(third),
      props: [['Calendar:Subject', 'Weekly sync (moved)'], ['Calendar:StartTime', formatCompact(third + HOUR)], ['Calendar:EndTime', formatCompact(third + 2 * HOUR)]],
    }]);
    const echo = moved.statuses.find(s => s.kind === 'Change');
    assert.equal(echo?.status, 1);
    assert.equal(moved.collection?.child('Responses')?.child('Change')?.childText('InstanceId', 'AirSyncBase'), formatCompact(third));

    await b.cal.syncAll();
    const seen = b.cal.items.get(serverId);
    assert.equal(text(seen, 'Calendar:Subject'), 'Weekly sync');
    assert.equal(text(seen, 'Calendar:StartTime'), formatCompact(FIRST));
    assert.ok(text(seen, 'Calendar:UID'), '16.x: the server made a UID');
    assert.equal(text(seen, 'Calendar:ClientUid'), 'client-uid-1');
    const exceptions = nodes(seen, 'Calendar:Exceptions').map(e => e[1] as ItemProps);
    assert.equal(exceptions.length, 1);
    assert.equal(text(exceptions[0], 'AirSyncBase:InstanceId'), formatCompact(third));
    assert.equal(text(exceptions[0], 'Calendar:StartTime'), formatCompact(third + HOUR));
    assert.equal(text(exceptions[0], 'Calendar:Subject'), 'Weekly sync (moved)');

    await old.cal.syncAll();
    const legacy = nodes(old.cal.items.get(serverId), 'Calendar:Exceptions').map(e => e[1] as ItemProps);
    assert.equal(text(legacy[0], 'Calendar:ExceptionStartTime'), formatCompact(third), '≤14.1: ExceptionStartTime');
    assert.equal(text(legacy[0], 'AirSyncBase:InstanceId'), undefined);
    assert.equal(text(old.cal.items.get(serverId), 'Calendar:ClientUid'), undefined, 'ClientUid is 16.0+');

    // A Delete with InstanceId cancels that date only.
    const fifth = FIRST + 4 * WEEK;
    const del = await a.cal.sync([{ kind: 'Delete', serverId, instanceId: formatCompact(fifth) }]);
    assert.equal(del.statuses.find(s => s.kind === 'Delete')?.status, 1);
    await b.cal.syncAll();
    assert.ok(b.cal.items.has(serverId), 'the series stays');
    const after = nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').map(e => e[1] as ItemProps);
    assert.deepEqual(after.map(e => [text(e, 'AirSyncBase:InstanceId'), text(e, 'Calendar:Deleted')]),
      [[formatCompact(third), undefined], [formatCompact(fifth), '1']]);

    // An InstanceId that is not an occurrence touches nothing.
    const wrong = await a.cal.sync([{ kind: 'Change', serverId, instanceId: formatCompact(FIRST + HOUR), props: [['Calendar:Subject', 'No']] }]);
    assert.equal(wrong.statuses.find(s => s.kind === 'Change')?.status, 8);
    assert.equal((await b.cal.sync()).empty, true);
  });

  it('a 16.x series Change keeps the exceptions; changing the series times drops them (MS-ASCAL 2.2.2.22)', async () => {
    const a = await device('16.1');
    const b = await device('16.1');
    const added = await a.cal.sync([{ kind: 'Add', clientId: 's2', props: weekly('Standup') }]);
    const serverId = added.added.get('s2')!.serverId!;
    await a.cal.sync([{ kind: 'Delete', serverId, instanceId: formatCompact(FIRST + WEEK) }]);
    await a.cal.sync([{ kind: 'Change', serverId, props: weekly('Standup (renamed)') }]);
    await b.cal.syncAll();
    assert.equal(text(b.cal.items.get(serverId), 'Calendar:Subject'), 'Standup (renamed)');
    assert.equal(nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').length, 1);
    const later = weekly('Standup (later)').map(([k, v]) => [k, k === 'Calendar:StartTime' ? formatCompact(FIRST + HOUR) : k === 'Calendar:EndTime' ? formatCompact(FIRST + 2 * HOUR) : v] as ItemProps[number]);
    await a.cal.sync([{ kind: 'Change', serverId, props: later }]);
    await b.cal.syncAll();
    assert.equal(nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').length, 0);
  });

  it('MS-ASCAL R541/R54111: a 14.1 Change without Exceptions keeps them, even when Supported lists Exceptions', async () => {
    const cal = tags('Calendar');
    const client = t.client('alice@example.com', { deviceId: `CAL${++n}`, version: '14.1' });
    const a = new CollectionMirror(client, calId);
    await a.sync([], { supported: [cal('Subject'), cal('Exceptions'), cal('Recurrence'), cal('StartTime'), cal('EndTime')] });
    await a.syncAll();
    const b = await device('14.1');
    const added = await a.sync([{ kind: 'Add', clientId: 'r541', props: weekly('Review') }]);
    const serverId = added.added.get('r541')!.serverId!;
    const exceptions: ItemProps = [['Calendar:Exception', [['Calendar:Deleted', '1'], ['Calendar:ExceptionStartTime', formatCompact(FIRST + WEEK)]]]];
    await a.sync([{ kind: 'Change', serverId, props: weekly('Review', [['Calendar:Exceptions', exceptions]]) }]);
    await b.cal.syncAll();
    assert.equal(nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').length, 1);

    await a.sync([{ kind: 'Change', serverId, props: weekly('Review (renamed)') }]);
    await b.cal.syncAll();
    assert.equal(text(b.cal.items.get(serverId), 'Calendar:Subject'), 'Review (renamed)');
    const kept = nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').map(e => e[1] as ItemProps);
    assert.equal(kept.length, 1, 'the declined occurrence survives a rename');
    assert.equal(text(kept[0], 'Calendar:ExceptionStartTime'), formatCompact(FIRST + WEEK));

    // An empty Exceptions element is the device saying it has none left.
    await a.sync([{ kind: 'Change', serverId, props: weekly('Review (renamed)', [['Calendar:Exceptions', []]]) }]);
    await b.cal.syncAll();
    assert.equal(nodes(b.cal.items.get(serverId), 'Calendar:Exceptions').length, 0);
  });

  it('MS-ASCAL 2.2.2: a 16.x Change that omits elements leaves them as they were (ghosted by default)', async () => {
    const a = await device('16.1');
    const b = await device('16.1');
    const added = await a.cal.sync([{ kind: 'Add', clientId: 'g', props: weekly('Ghosted', [['AirSyncBase:Location', [['AirSyncBase:DisplayName', 'Room 7']]]]) }]);
    const serverId = added.added.get('g')!.serverId!;
    await a.cal.sync([{ kind: 'Change', serverId, props: [['Calendar:Subject', 'Ghosted (renamed)']] }]);
    await b.cal.syncAll();
    const seen = b.cal.items.get(serverId);
    assert.equal(text(seen, 'Calendar:Subject'), 'Ghosted (renamed)');
    assert.equal(text(nodes(seen, 'AirSyncBase:Location'), 'AirSyncBase:DisplayName'), 'Room 7');
    assert.equal(text(seen, 'Calendar:Reminder'), '10');
    assert.ok(nodes(seen, 'Calendar:Recurrence').length > 0);
  });

  it('MS-ASCMD 2.2.3.179 Supported (14.1): an omitted element goes when Supported lists it (or there is no list), stays when the list leaves it out', async () => {
    const cal = tags('Calendar');
    const ghosting = new CollectionMirror(t.client('alice@example.com', { deviceId: `CAL${++n}`, version: '14.1' }), calId);
    await ghosting.sync([], { supported: [cal('Subject'), cal('StartTime'), cal('EndTime'), cal('Reminder'), cal('Timezone')] });
    await ghosting.syncAll();
    const plain = await device('14.1');
    const viewer = await device('14.1');
    const extra: ItemProps = [['Calendar:Location', 'Room 7'], ['Calendar:Categories', [['Calendar:Category', 'Team']]]];
    const a = (await ghosting.sync([{ kind: 'Add', clientId: 'g1', props: weekly('Ghost 14.1', extra) }])).added.get('g1')!.serverId!;
    const b = (await plain.cal.sync([{ kind: 'Add', clientId: 'g2', props: weekly('Plain 14.1', extra) }])).added.get('g2')!.serverId!;
    const only = (subject: string): ItemProps => weekly(subject).filter(([k]) => ['Calendar:Timezone', 'Calendar:Subject', 'Calendar:StartTime', 'Calendar:EndTime'].includes(k));
    const r1 = await ghosting.sync([{ kind: 'Change', serverId: a, props: only('Ghost 14.1 (renamed)') }]);
    const r2 = await plain.cal.sync([{ kind: 'Change', serverId: b, props: only('Plain 14.1 (renamed)') }]);
    assert.deepEqual([...r1.statuses, ...r2.statuses].map(s => s.status), []);
    await viewer.cal.syncAll();
    const ghosted = viewer.cal.items.get(a);
    assert.equal(text(ghosted, 'Calendar:Subject'), 'Ghost 14.1 (renamed)');
    assert.equal(text(ghosted, 'Calendar:Reminder'), undefined, 'Reminder is listed: left out means removed');
    assert.equal(text(ghosted, 'Calendar:Location'), 'Room 7', 'Location is not listed: ghosted');
    assert.equal(nodes(ghosted, 'Calendar:Categories').length, 1);
    assert.ok(nodes(ghosted, 'Calendar:Recurrence').length > 0, 'the pattern is not listed: ghosted');
    const managed = viewer.cal.items.get(b);
    assert.equal(text(managed, 'Calendar:Subject'), 'Plain 14.1 (renamed)');
    for (const gone of ['Calendar:Location', 'Calendar:Reminder', 'Calendar:Categories', 'Calendar:Recurrence']) {
      assert.equal(managed?.find(p => p[0] === gone), undefined, `${gone}: no Supported list, the device manages every element`);
    }
  });

  it('MS-ASCAL 2.2.2.46, 2.2.2.13, 2.2.2.27: UID in a 16.1 request, ClientUid from 14.1 and the other version\'s Location form are ignored', async () => {
    const v16 = await device('16.1');
    const v14 = await device('14.1');
    const added = await v16.cal.sync([{ kind: 'Add', clientId: 'u', props: weekly('UIDs', [['Calendar:UID', 'DEVICE-MADE'], ['Calendar:ClientUid', 'cu-16']]) }]);
    assert.equal(added.added.get('u')?.status, 1);
    const serverId = added.added.get('u')!.serverId!;
    await v14.cal.syncAll();
    const uid = text(v14.cal.items.get(serverId), 'Calendar:UID');
    assert.ok(uid && uid !== 'DEVICE-MADE', 'the server makes the UID in 16.x');
    const c16 = await v16.cal.sync([{ kind: 'Change', serverId, props: [['Calendar:UID', 'CHANGED-BY-DEVICE'], ['Calendar:Subject', 'UIDs (2)']] }]);
    assert.deepEqual(c16.statuses.map(s => s.status), []);
    // 14.1: ClientUid (16.0+) and airsyncbase:Location (16.0+) are not its elements.
    await v14.cal.syncAll();
    const c14 = await v14.cal.sync([{ kind: 'Change', serverId, props: weekly('UIDs (3)', [['Calendar:UID', uid!], ['Calendar:ClientUid', 'cu-14'], ['AirSyncBase:Location', [['AirSyncBase:DisplayName', 'Nowhere']]]]) }]);
    assert.deepEqual(c14.statuses.map(s => s.status), []);
    const other = await device('16.1');
    const seen = other.cal.items.get(serverId);
    assert.equal(text(seen, 'Calendar:UID'), uid);
    assert.equal(text(seen, 'Calendar:ClientUid'), 'cu-16');
    assert.equal(text(seen, 'Calendar:Subject'), 'UIDs (3)');
    assert.equal(seen?.find(p => p[0] === 'AirSyncBase:Location'), undefined, 'a 14.1 Location is calendar:Location; the 16.x container is not read from it');
    assert.equal(text((await device('14.1')).cal.items.get(serverId), 'Calendar:ClientUid'), undefined, 'ClientUid is not sent to 14.1');
  });

  it('MS-ASCAL 2.2.2.18: a 16.1 request\'s DtStamp is ignored (clients must not send it); a 14.1 one is kept', async () => {
    const v16 = await device('16.1');
    const v14 = await device('14.1');
    const stamp = (ms: number): ItemProps => [['Calendar:DtStamp', formatCompact(ms)]];
    const early = Date.UTC(2020, 0, 1);
    const r = await v14.cal.sync([{ kind: 'Add', clientId: 'd14', props: weekly('Stamped 14.1', stamp(early)) }]);
    const from14 = r.added.get('d14')!.serverId!;
    const r16 = await v16.cal.sync([{ kind: 'Add', clientId: 'd16', props: weekly('Stamped 16.1', stamp(early)) }]);
    const from16 = r16.added.get('d16')!.serverId!;
    const c = await v16.cal.sync([{ kind: 'Change', serverId: from14, props: [['Calendar:Subject', 'Stamped 14.1 (2)'], ...stamp(Date.UTC(2030, 0, 1))] }]);
    assert.deepEqual([...r.statuses, ...r16.statuses, ...c.statuses].map(s => s.status), [1, 1]);
    const viewer = await device('14.1');
    assert.equal(text(viewer.cal.items.get(from14), 'Calendar:Subject'), 'Stamped 14.1 (2)');
    assert.equal(text(viewer.cal.items.get(from14), 'Calendar:DtStamp'), formatCompact(early), 'the 16.1 Change did not move it');
    assert.notEqual(text(viewer.cal.items.get(from16), 'Calendar:DtStamp'), formatCompact(early), 'the 16.1 Add did not set it');
  });

  it('MS-ASCAL 3.2.4.4 (R52511–R52518): an Add without StartTime or EndTime gets the times the table gives, or Status 6', async () => {
    const a = await device('14.1');
    const HALF = 30 * 60_000;
    const up = (ms: number) => Math.ceil(ms / HALF) * HALF;
    const base: ItemProps = [['Calendar:Timezone', PACIFIC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2']];
    const before = Date.now();
    const past = before - 2 * HOUR;
    const future = before + 3 * HOUR;
    const r = await a.cal.sync([
      { kind: 'Add', clientId: 'none', props: [...base, ['Calendar:Subject', 'Subject only']] },
      { kind: 'Add', clientId: 'pastStart', props: [...base, ['Calendar:Subject', 'Past start'], ['Calendar:StartTime', formatCompact(past)]] },
      { kind: 'Add', clientId: 'futureEnd', props: [...base, ['Calendar:Subject', 'Future end'], ['Calendar:EndTime', formatCompact(future)]] },
      { kind: 'Add', clientId: 'futureStart', props: [...base, ['Calendar:Subject', 'Future start'], ['Calendar:StartTime', formatCompact(future)]] },
      { kind: 'Add', clientId: 'pastEnd', props: [...base, ['Calendar:Subject', 'Past end'], ['Calendar:EndTime', formatCompact(past)]] },
    ]);
    const after = Date.now();
    assert.deepEqual(['none', 'pastStart', 'futureEnd', 'futureStart', 'pastEnd'].map(id => r.added.get(id)?.status), [1, 1, 1, 6, 6]);
    const b = await device('14.1');
    const times = (id: string) => {
      const p = b.cal.items.get(r.added.get(id)!.serverId!);
      return [text(p, 'Calendar:StartTime'), text(p, 'Calendar:EndTime')].map(x => Date.UTC(+x!.slice(0, 4), +x!.slice(4, 6) - 1, +x!.slice(6, 8), +x!.slice(9, 11), +x!.slice(11, 13)));
    };
    const within = (ms: number, from: number, to: number) => assert.ok(ms >= from && ms <= to, `${new Date(ms).toISOString()} in [${new Date(from).toISOString()}, ${new Date(to).toISOString()}]`);
    const [s1, e1] = times('none');
    within(s1, up(before), up(after));
    assert.equal(e1 - s1, HALF);
    const [s2, e2] = times('pastStart');
    assert.equal(s2, Math.floor(past / 60_000) * 60_000);
    within(e2, up(before) + HALF, up(after) + HALF);
    const [s3, e3] = times('futureEnd');
    within(s3, up(before), up(after));
    assert.equal(e3, Math.floor(future / 60_000) * 60_000);
  });

  it('bad calendar input gets Status 6 for that item and changes nothing stored', async () => {
    const a = await device('14.1');
    const good = await a.cal.sync([{ kind: 'Add', clientId: 'ok', props: weekly('Fine') }]);
    const serverId = good.added.get('ok')!.serverId!;
    const before = await t.store.getItem((await t.store.findUserByEmail('alice@example.com'))!.id, Number(serverId.split(':')[1]));
    const truncatedZone = weekly('Bad zone').map(([k, v]) => [k, k === 'Calendar:Timezone' ? 'AAAA' : v] as ItemProps[number]);
    const impossible = weekly('Bad rule').map(([k, v]) => [k, k === 'Calendar:Recurrence' ? [['Calendar:Type', '4'], ['Calendar:Interval', '1']] : v] as ItemProps[number]);
    const r = await a.cal.sync([
      { kind: 'Add', clientId: 'tz', props: truncatedZone },
      { kind: 'Add', clientId: 'rule', props: impossible },
      { kind: 'Add', clientId: 'nostart', props: [['Calendar:Subject', 'No start'], ['Calendar:EndTime', formatCompact(Date.now() - HOUR)]] },
      { kind: 'Change', serverId, props: impossible },
    ]);
    assert.deepEqual(r.statuses.map(s => [s.kind, s.status]), [['Add', 6], ['Add', 6], ['Add', 6], ['Change', 6]]);
    const now = await t.store.getItem((await t.store.findUserByEmail('alice@example.com'))!.id, Number(serverId.split(':')[1]));
    assert.deepEqual(now, before);
  });
});
