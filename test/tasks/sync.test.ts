// MS-ASTASK Task class items through Sync over real HTTP and WBXML, on SQLite and PostgreSQL: the
// element table of each protocol version, the Status 6 rules, what a Change keeps, and Search.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');
const s = tags('Search');

const T = (name: string) => `Tasks:${name}`;
const body = (type: number, data: string): ItemProps[number] => ['AirSyncBase:Body', [['AirSyncBase:Type', String(type)], ['AirSyncBase:Data', data]]];
const recurrence = (...children: [string, string][]): ItemProps[number] => [T('Recurrence'), children.map(([k, v]) => [T(k), v] as ItemProps[number])];

/** A full task as a 16.1 device writes it: weekly on Mondays from 6 April 2026, due the same day. */
function weeklyTask(subject: string, extra: ItemProps = []): ItemProps {
  return [
    body(2, '<html><body><p>Water the <b>ferns</b></p></body></html>'),
    [T('Subject'), subject], [T('Importance'), '2'],
    [T('UtcStartDate'), '2026-04-05T22:00:00.000Z'], [T('StartDate'), '2026-04-06T00:00:00.000Z'],
    [T('UtcDueDate'), '2026-04-06T22:00:00.000Z'], [T('DueDate'), '2026-04-07T00:00:00.000Z'],
    [T('Categories'), [[T('Category'), 'Home']]],
    recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['Interval', '1'], ['DayOfWeek', '2'], ['FirstDayOfWeek', '1']),
    [T('Complete'), '0'], [T('Sensitivity'), '0'],
    [T('ReminderTime'), '2026-04-06T07:00:00.000Z'], [T('ReminderSet'), '1'],
    ...extra,
  ];
}

for (const backend of BACKENDS) {
  describe(`Tasks through Sync (${backend.name})`, () => {
    let t: TestServer;
    let tasksId: string;
    let n = 0;
    /** A device with the Tasks folder synced; `options` are its collection Options. */
    const device = async (version: string, options: Element[] = []): Promise<CollectionMirror> => {
      const client = t.client('alice@example.com', { deviceId: `TASK${++n}`, version });
      await new FolderHierarchyMirror(client).sync();
      const m = new CollectionMirror(client, tasksId);
      await m.sync([], { options });
      await m.syncAll();
      return m;
    };
    /** Adds one task from `m`: its Status and ServerId. */
    const add = async (m: CollectionMirror, props: ItemProps): Promise<{ status: number; serverId: string | undefined }> => {
      const id = `c${++n}`;
      const round = await m.sync([{ kind: 'Add', clientId: id, props }]);
      const r = round.added.get(id)!;
      return { status: r.status, serverId: r.serverId };
    };
    /** The task as another device of `version` receives it. */
    const seenBy = async (version: string, serverId: string, options: Element[] = []): Promise<ItemProps> => {
      const m = await device(version, options);
      return m.items.get(serverId)!;
    };

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com'] });
      tasksId = await folderId(t, 'alice@example.com', FolderType.Tasks);
    });
    after(() => t.close());

    it('MS-ASTASK 2.2.2: each version is sent the elements it has (R505/R506 CalendarType 14.0+, R546/R547 FirstDayOfWeek 14.1+, 2.2.2.1 body)', async () => {
      const a = await device('16.1');
      const weekly = await add(a, weeklyTask('Ferns', [[T('OrdinalDate'), '2026-04-01T00:00:00.000Z']]));
      const monthly = await add(a, [[T('Subject'), 'Rent'], recurrence(['Type', '2'], ['Start', '2026-04-01T00:00:00.000Z'], ['DayOfMonth', '1'])]);
      assert.equal(weekly.status, 1);
      assert.equal(monthly.status, 1);

      const v161 = await seenBy('16.1', weekly.serverId!, [asb('BodyPreference', [asb('Type', 2)])]);
      assert.equal(text(v161, T('Subject')), 'Ferns');
      assert.equal(text(nodes(v161, 'AirSyncBase:Body'), 'AirSyncBase:Type'), '2');
      assert.equal(text(nodes(v161, T('Recurrence')), T('FirstDayOfWeek')), '1');
      assert.equal(text(v161, T('Complete')), '0', 'R116: Complete is always there');
      assert.equal(text(v161, T('OrdinalDate')), undefined, '2.2.2.19: OrdinalDate is email:Flag\'s, no task element');
      assert.deepEqual(nodes(v161, T('Categories')).map(c => c[1]), ['Home']);

      const v140 = await seenBy('14.0', weekly.serverId!);
      assert.equal(text(nodes(v140, T('Recurrence')), T('FirstDayOfWeek')), undefined, 'R547: not 14.0\'s');
      const m140 = await seenBy('14.0', monthly.serverId!);
      assert.equal(text(nodes(m140, T('Recurrence')), T('CalendarType')), '1', 'R82: CalendarType for Type 2 from 14.0');
      const m121 = await seenBy('12.1', monthly.serverId!);
      assert.equal(text(nodes(m121, T('Recurrence')), T('CalendarType')), undefined, 'R505: not 12.1\'s');
      assert.equal(text(nodes(m121, T('Recurrence')), T('DayOfMonth')), '1');

      const v25 = await seenBy('2.5', weekly.serverId!);
      assert.match(text(v25, T('Body'))!, /^Water the ferns/i, 'tasks:Body, plain text');
      assert.doesNotMatch(text(v25, T('Body'))!, /</);
      assert.equal(nodes(v25, 'AirSyncBase:Body').length, 0, '2.5 has no airsyncbase:Body');
    });

    it('elements a version lacks are not stored from it, and what it cannot show is kept through its Change', async () => {
      const a = await device('16.1');
      const added = await add(a, weeklyTask('Plants'));
      const old = await device('12.1');
      // A 12.1 device sends a FirstDayOfWeek it has not got: not stored; its Change keeps the 16.1 value.
      const own = await add(old, [[T('Subject'), 'Old'], recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['FirstDayOfWeek', '3'])]);
      await old.sync([{ kind: 'Change', serverId: added.serverId!, props: weeklyTask('Plants (renamed)').map(p => (p[0] === T('Recurrence')
        ? recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['Interval', '1'], ['DayOfWeek', '2'])
        : p)) }]);
      await a.syncAll();
      assert.equal(text(a.items.get(added.serverId!), T('Subject')), 'Plants (renamed)');
      assert.equal(text(nodes(a.items.get(added.serverId!), T('Recurrence')), T('FirstDayOfWeek')), '1', 'carried over');
      assert.equal(text(nodes(a.items.get(own.serverId!), T('Recurrence')), T('FirstDayOfWeek')), '0', 'R167: the server\'s own, not 12.1\'s 3');
    });

    const refused: [string, ItemProps][] = [
      ['R119 Complete other than 0 or 1', [[T('Subject'), 'x'], [T('Complete'), '2']]],
      ['R259 Sensitivity outside 0–3', [[T('Subject'), 'x'], [T('Sensitivity'), '4']]],
      ['R252 ReminderSet other than 0 or 1', [[T('Subject'), 'x'], [T('ReminderSet'), '2']]],
      ['R182 Importance that is no unsignedByte', [[T('Subject'), 'x'], [T('Importance'), 'high']]],
      ['R161 DueDate that is no dateTime', [[T('Subject'), 'x'], [T('DueDate'), 'next Tuesday']]],
      ['R289 Recurrence without Type', [[T('Subject'), 'x'], recurrence(['Start', '2026-04-06T00:00:00.000Z'])]],
      ['R37011 Recurrence without Start', [[T('Subject'), 'x'], recurrence(['Type', '0'])]],
      ['R292 Type 4', [[T('Subject'), 'x'], recurrence(['Type', '4'], ['Start', '2026-04-06T00:00:00.000Z'])]],
      ['R132 DayOfMonth with Type 0', [[T('Subject'), 'x'], recurrence(['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfMonth', '6'])]],
      ['R532 DayOfWeek with Type 2', [[T('Subject'), 'x'], recurrence(['Type', '2'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfMonth', '6'], ['DayOfWeek', '2'])]],
      ['R533 DayOfWeek with Type 5', [[T('Subject'), 'x'], recurrence(['Type', '5'], ['Start', '2026-04-06T00:00:00.000Z'], ['MonthOfYear', '4'], ['DayOfMonth', '6'], ['DayOfWeek', '2'])]],
      ['R320 WeekOfMonth with Type 1', [[T('Subject'), 'x'], recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['WeekOfMonth', '1'])]],
      ['R81 CalendarType with Type 1', [[T('Subject'), 'x'], recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['CalendarType', '1'])]],
      ['R171 FirstDayOfWeek outside 0–6', [[T('Subject'), 'x'], recurrence(['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['FirstDayOfWeek', '7'])]],
      ['R4221 Regenerate other than 0 or 1', [[T('Subject'), 'x'], recurrence(['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z'], ['Regenerate', '2'])]],
      ['R192 Interval above 999', [[T('Subject'), 'x'], recurrence(['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z'], ['Interval', '1000'])]],
      ['MS-ASAIRS 2.2.2.22.1 body of Type 4', [[T('Subject'), 'x'], body(4, 'MIME-Version: 1.0')]],
    ];
    it('Status 6 for what MS-ASTASK refuses, nothing stored', async () => {
      const a = await device('14.1');
      for (const [name, props] of refused) assert.equal((await add(a, props)).status, 6, name);
      const b = await device('14.1');
      assert.equal([...b.items.values()].filter(p => text(p, T('Subject')) === 'x').length, 0);
    });

    it('values MS-ASTASK leaves open are accepted: R187/R550 Importance 3 echoed, R397 Type 0 with DayOfWeek, R116 no Complete, R124 DateCompleted added, R37013 Occurrences over Until, R436 empty Categories', async () => {
      const a = await device('14.1');
      const loose = await add(a, [[T('Subject'), 'loose'], [T('Importance'), '3'], [T('Categories'), ''],
        [T('UtcStartDate'), '2026-05-02T00:00:00.000Z'], [T('UtcDueDate'), '2026-05-01T00:00:00.000Z'],
        recurrence(['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfWeek', '62'], ['Occurrences', '5'], ['Until', '2026-12-31T00:00:00.000Z'])]);
      const done = await add(a, [[T('Subject'), 'done'], [T('Complete'), '1']]);
      assert.equal(loose.status, 1);
      assert.equal(done.status, 1);
      const b = await device('14.1');
      const l = b.items.get(loose.serverId!)!;
      assert.equal(text(l, T('Importance')), '3');
      assert.equal(text(l, T('Complete')), '0');
      assert.equal(nodes(l, T('Categories')).length, 0);
      assert.equal(text(nodes(l, T('Recurrence')), T('Occurrences')), '5');
      assert.equal(text(nodes(l, T('Recurrence')), T('Until')), undefined);
      assert.ok(text(b.items.get(done.serverId!), T('DateCompleted')), 'R124');
    });

    it('a Change keeps Importance (R369), ReminderSet (R370) and the body when it leaves them out; an empty Categories removes them (R436)', async () => {
      const a = await device('14.1');
      const added = await add(a, weeklyTask('Keep'));
      await a.sync([{ kind: 'Change', serverId: added.serverId!, props: [[T('Subject'), 'Kept'], [T('Categories'), '']] }]);
      const b = await device('14.1', [asb('BodyPreference', [asb('Type', 2)])]);
      const seen = b.items.get(added.serverId!)!;
      assert.equal(text(seen, T('Subject')), 'Kept');
      assert.equal(text(seen, T('Importance')), '2');
      assert.equal(text(seen, T('ReminderSet')), '1');
      assert.equal(text(seen, T('ReminderTime')), '2026-04-06T07:00:00.000Z');
      assert.match(text(nodes(seen, 'AirSyncBase:Body'), 'AirSyncBase:Data')!, /ferns/);
      assert.equal(nodes(seen, T('Categories')).length, 0);
      assert.equal(text(seen, T('StartDate')), undefined, 'what the Change left out otherwise goes');
    });

    it('task bodies follow BodyPreference (MS-ASAIRS 2.2.2.12): HTML to text, cut with EstimatedDataSize', async () => {
      const a = await device('14.1');
      const added = await add(a, weeklyTask('Body'));
      const seen = await seenBy('14.1', added.serverId!, [asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 8)])]);
      const b = nodes(seen, 'AirSyncBase:Body');
      assert.equal(text(b, 'AirSyncBase:Type'), '1');
      assert.equal(text(b, 'AirSyncBase:Truncated'), '1');
      assert.equal(text(b, 'AirSyncBase:Data'), 'Water th');
      assert.ok(Number(text(b, 'AirSyncBase:EstimatedDataSize')) > 8);
    });

    it('MS-ASTASK 3.2.5.2: Search with Class Tasks finds tasks by subject and body text, and returns them as tasks', async () => {
      const a = await device('14.1');
      await add(a, weeklyTask('Repot the orchid'));
      const query = (words: string) => s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('And', [as('Class', 'Tasks'), s('FreeText', words)])]),
        s('Options', [s('Range', '0-9'), asb('BodyPreference', [asb('Type', 1)])])])]);
      const client = t.client('alice@example.com', { deviceId: `TASK${++n}`, version: '14.1' });
      const run = async (words: string) => (await client.send('Search', query(words))).body!.child('Response')!.child('Store')!;
      const found = await run('orchid ferns');
      assert.equal(found.childText('Status'), '1');
      assert.equal(found.childText('Total'), '1');
      const props = found.child('Result')!.child('Properties')!;
      assert.equal(props.childText('Subject', 'Tasks'), 'Repot the orchid');
      assert.equal(props.child('Body', 'AirSyncBase')!.childText('Type', 'AirSyncBase'), '1');
      assert.equal((await run('<b>')).childText('Total'), '0', 'markup is no text');
      // R364: Task class elements in the query are Status 2.
      const bad = await client.send('Search', s('Search', [s('Store', [s('Name', 'Mailbox'), s('Query', [s('And', [as('Class', 'Tasks'), tags('Tasks')('Subject', 'x')])])])]));
      assert.equal(bad.body!.child('Response')!.child('Store')!.childText('Status'), '2');
    });
  });
}
