// Completing tasks over real HTTP and WBXML, on SQLite and PostgreSQL: a recurring task's occurrence
// (MS-ASTASK 2.2.2.11, 2.2.2.21; MS-OXOTASK 3.1.4.6) and the FilterType 8 window (MS-ASCMD 2.2.3.70.1).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expansionSteps } from '../../src/calendar/recurrence/expand.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
const gie = tags('GetItemEstimate');
const T = (name: string) => `Tasks:${name}`;
type Pattern = [string, string][];

/** A recurring task whose current occurrence is on `day` (local, as EAS writes it), due the day after. */
function recurring(subject: string, day: string, pattern: Pattern, extra: ItemProps = []): ItemProps {
  const at = Date.parse(`${day}T00:00:00.000Z`);
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    [T('Subject'), subject],
    [T('UtcStartDate'), iso(at - 2 * 3600_000)], [T('StartDate'), iso(at)],
    [T('UtcDueDate'), iso(at + 22 * 3600_000)], [T('DueDate'), iso(at + 86400_000)],
    [T('Recurrence'), pattern.map(([k, v]) => [T(k), v] as ItemProps[number])],
    [T('ReminderTime'), iso(at + 7 * 3600_000)], [T('ReminderSet'), '1'],
    ...extra,
  ];
}

const completedAt = (props: ItemProps, when: string): ItemProps => [
  ...props.filter(p => p[0] !== T('Complete') && p[0] !== T('DateCompleted')), [T('Complete'), '1'], [T('DateCompleted'), when],
];

for (const backend of BACKENDS) {
  describe(`Task completion (${backend.name})`, () => {
    let t: TestServer;
    let tasksId: string;
    let n = 0;
    const device = async (options: Element[] = []): Promise<CollectionMirror> => {
      const client = t.client('alice@example.com', { deviceId: `DONE${++n}`, version: '14.1' });
      await new FolderHierarchyMirror(client).sync();
      const m = new CollectionMirror(client, tasksId);
      await m.sync([], { options });
      await m.syncAll();
      return m;
    };
    const add = async (m: CollectionMirror, props: ItemProps): Promise<string> => {
      const id = `c${++n}`;
      const round = await m.sync([{ kind: 'Add', clientId: id, props }]);
      assert.equal(round.added.get(id)?.status, 1);
      return round.added.get(id)!.serverId!;
    };
    const bySubject = (m: CollectionMirror, subject: string) => [...m.items.entries()].filter(([, p]) => text(p, T('Subject')) === subject);

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com'] });
      tasksId = await folderId(t, 'alice@example.com', FolderType.Tasks);
    });
    after(() => t.close());

    it('MS-OXOTASK 3.1.4.6: completing a weekly task keeps that occurrence as a completed task (an Add) and moves the task to the next week (a Change)', async () => {
      const a = await device();
      const b = await device();
      const task = recurring('Bins', '2026-04-06', [['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfWeek', '2'], ['Occurrences', '10']]);
      const serverId = await add(a, task);
      // MS-ASTASK R157: a device marking it complete sends DeadOccur non-zero.
      const marked = recurring('Bins', '2026-04-06', [['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfWeek', '2'], ['Occurrences', '10'], ['DeadOccur', '1']]);
      const round = await a.sync([{ kind: 'Change', serverId, props: completedAt(marked, '2026-04-06T15:00:00.000Z') }]);
      assert.deepEqual(round.collection?.child('Commands')?.children.map(c => c.name).sort(), ['Add', 'Change'], 'both reach the completing device');
      for (const m of [a, b]) {
        await m.syncAll();
        const series = m.items.get(serverId)!;
        assert.equal(text(series, T('Complete')), '0');
        assert.equal(text(series, T('DateCompleted')), undefined);
        assert.equal(text(series, T('StartDate')), '2026-04-13T00:00:00.000Z');
        assert.equal(text(series, T('UtcStartDate')), '2026-04-12T22:00:00.000Z');
        assert.equal(text(series, T('DueDate')), '2026-04-14T00:00:00.000Z', '3.1.4.6.2: due − start stays');
        assert.equal(text(series, T('ReminderTime')), '2026-04-13T07:00:00.000Z', 'MS-OXORMDR 3.1.4.8');
        assert.equal(text(series, T('ReminderSet')), '1');
        assert.equal(text(nodes(series, T('Recurrence')), T('Start')), '2026-04-06T00:00:00.000Z', 'a fixed pattern keeps its Start');
        assert.equal(text(nodes(series, T('Recurrence')), T('DeadOccur')), '0', 'occurrences remain');
        const done = bySubject(m, 'Bins').filter(([id]) => id !== serverId);
        assert.equal(done.length, 1);
        const [, occurrence] = done[0]!;
        assert.equal(text(occurrence, T('Complete')), '1');
        assert.equal(text(occurrence, T('DateCompleted')), '2026-04-06T15:00:00.000Z');
        assert.equal(text(occurrence, T('StartDate')), '2026-04-06T00:00:00.000Z');
        assert.equal(nodes(occurrence, T('Recurrence')).length, 0, 'the occurrence is no series');
        assert.equal(text(occurrence, T('ReminderSet')), '0', 'MS-OXORMDR 3.1.4.8: its reminder is off');
      }
    });

    it('MS-ASTASK 2.2.2.21 Regenerate: the next occurrence is due a period after the completion day, Occurrences counting down', async () => {
      const a = await device();
      const task = recurring('Mow', '2026-04-06', [['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z'], ['Interval', '3'], ['Occurrences', '4'], ['Regenerate', '1']]);
      const serverId = await add(a, task);
      await a.sync([{ kind: 'Change', serverId, props: completedAt(task, '2026-04-10T09:00:00.000Z') }]);
      await a.syncAll();
      const series = a.items.get(serverId)!;
      assert.equal(text(series, T('StartDate')), '2026-04-13T00:00:00.000Z');
      assert.equal(text(nodes(series, T('Recurrence')), T('Start')), '2026-04-13T00:00:00.000Z');
      assert.equal(text(nodes(series, T('Recurrence')), T('Occurrences')), '3');
      assert.equal(bySubject(a, 'Mow').length, 2);
    });

    it('the last occurrence completes the task itself, DeadOccur set (MS-ASTASK 2.2.2.11); no new task', async () => {
      const a = await device();
      const fixed = recurring('Last', '2026-04-13', [['Type', '1'], ['Start', '2026-04-06T00:00:00.000Z'], ['DayOfWeek', '2'], ['Occurrences', '2']]);
      const sliding = recurring('Last once', '2026-04-13', [['Type', '0'], ['Start', '2026-04-13T00:00:00.000Z'], ['Occurrences', '1'], ['Regenerate', '1']]);
      for (const [subject, task] of [['Last', fixed], ['Last once', sliding]] as const) {
        const serverId = await add(a, task);
        await a.sync([{ kind: 'Change', serverId, props: completedAt(task, '2026-04-13T10:00:00.000Z') }]);
        await a.syncAll();
        assert.equal(bySubject(a, subject).length, 1, subject);
        const series = a.items.get(serverId)!;
        assert.equal(text(series, T('Complete')), '1');
        assert.equal(text(series, T('DateCompleted')), '2026-04-13T10:00:00.000Z');
        assert.equal(text(nodes(series, T('Recurrence')), T('DeadOccur')), '1');
      }
    });

    it('the next occurrence of a long-running series is found in bounded work (docs/limits.md)', async () => {
      const a = await device();
      const task = recurring('Daily since 1990', '2026-04-06', [['Type', '0'], ['Start', '1990-01-01T00:00:00.000Z']]);
      const serverId = await add(a, task);
      const steps = expansionSteps.total;
      await a.sync([{ kind: 'Change', serverId, props: completedAt(task, '2026-04-06T10:00:00.000Z') }]);
      assert.ok(expansionSteps.total - steps < 100, `${expansionSteps.total - steps} recurrence steps`);
      await a.syncAll();
      assert.equal(text(a.items.get(serverId), T('StartDate')), '2026-04-07T00:00:00.000Z');
    });

    it('MS-ASCMD 2.2.3.70.1 FilterType 8: only incomplete tasks; a task that is completed leaves (SoftDelete), one reopened comes back', async () => {
      const all = await device();
      const open = await add(all, [[T('Subject'), 'Open']]);
      const closed = await add(all, [[T('Subject'), 'Closed'], [T('Complete'), '1']]);
      const f8 = await device([as('FilterType', 8)]);
      assert.ok(f8.items.has(open));
      assert.ok(!f8.items.has(closed), 'a completed task is outside');

      await all.sync([{ kind: 'Change', serverId: open, props: [[T('Subject'), 'Open'], [T('Complete'), '1']] }]);
      await all.sync([{ kind: 'Change', serverId: closed, props: [[T('Subject'), 'Closed'], [T('Complete'), '0']] }]);
      const round = (await f8.syncAll())[0]!;
      assert.deepEqual(round.collection?.child('Commands')?.children.map(c => c.name).sort(), ['Add', 'SoftDelete']);
      assert.ok(!f8.items.has(open));
      assert.ok(f8.items.has(closed));

      // The filtered device completes a task itself: it leaves that device too.
      await f8.sync([{ kind: 'Change', serverId: closed, props: [[T('Subject'), 'Closed'], [T('Complete'), '1']] }]);
      await f8.syncAll();
      assert.ok(!f8.items.has(closed));

      // A recurring task completed there moves on; the completed occurrence stays outside.
      const task = recurring('Water', '2026-04-06', [['Type', '0'], ['Start', '2026-04-06T00:00:00.000Z']]);
      const series = await add(f8, task);
      await f8.sync([{ kind: 'Change', serverId: series, props: completedAt(task, '2026-04-06T10:00:00.000Z') }]);
      await f8.syncAll();
      assert.equal(text(f8.items.get(series), T('StartDate')), '2026-04-07T00:00:00.000Z');
      assert.equal(bySubject(f8, 'Water').length, 1);
      await all.syncAll();
      assert.equal(bySubject(all, 'Water').length, 2);
    });

    it('GetItemEstimate with FilterType 8 counts the incomplete tasks only (MS-ASCMD 2.2.3.70.1)', async () => {
      const a = await device();
      const client = t.client('alice@example.com', { deviceId: `DONE${++n}`, version: '14.1' });
      await new FolderHierarchyMirror(client).sync();
      const m = new CollectionMirror(client, tasksId);
      await m.sync([], { options: [as('FilterType', 8)] });
      const before = Number((await estimate()).childText('Estimate'));
      await add(a, [[T('Subject'), 'Estimated open']]);
      await add(a, [[T('Subject'), 'Estimated done'], [T('Complete'), '1']]);
      assert.equal(Number((await estimate()).childText('Estimate')), before + 1);

      async function estimate(): Promise<Element> {
        const res = await client.send('GetItemEstimate', gie('GetItemEstimate', [gie('Collections', [gie('Collection', [
          as('SyncKey', m.syncKey), gie('CollectionId', tasksId), as('Options', [as('FilterType', 8)]),
        ])])]));
        return res.body!.child('Response')!.child('Collection')!;
      }
    });
  });
}
