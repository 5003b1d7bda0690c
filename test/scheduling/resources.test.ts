// Rooms that answer invitations themselves (src/scheduling/resources.ts, resourceAnswers.ts), over
// EAS: a 16.1 organizer device does Sync Add with the room as attendee; the room answers at once.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CollectionMirror } from '../../src/client/collection.js';
import { main } from '../../src/cli/main.js';
import { NO_LOGON } from '../../src/cli/resource.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { decideBooking } from '../../src/scheduling/resources.js';
import { zoneLookup } from '../../src/calendar/window.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';

const HOUR = 3600_000;
const WEEK = 7 * 24 * HOUR;
const ROOM = 'room-4@example.com';
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();
const DAY_BIT = 1 << new Date(START).getUTCDay();
const UTC = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));

function meeting(subject: string, start: number, end: number, weekly?: number): ItemProps {
  return [
    ['Calendar:Timezone', UTC], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(start)], ['Calendar:EndTime', formatCompact(end)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', ROOM], ['Calendar:Name', 'Room 4'], ['Calendar:AttendeeType', '3']]]]],
    ...(weekly ? [['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', String(weekly)], ['Calendar:DayOfWeek', String(DAY_BIT)]]]] as ItemProps : []),
  ];
}

const roomStatus = (props: ItemProps | undefined) =>
  text(nodes(props, 'Calendar:Attendees').map(a => a[1] as ItemProps).find(a => text(a, 'Calendar:Email') === ROOM), 'Calendar:AttendeeStatus');

for (const backend of BACKENDS) describe(`resources: a room answers for itself (${backend.name.replace('Backend', '')})`, () => {
  let t: TestServer;
  let cal: CollectionMirror;
  let inbox: CollectionMirror;
  const ids: Record<string, string> = {};
  const add = async (key: string, props: ItemProps) => {
    const r = await cal.sync([{ kind: 'Add', clientId: key, props }]);
    ids[key] = r.added.get(key)!.serverId!;
    await cal.syncAll();
    await inbox.syncAll();
    return cal.items.get(ids[key]!);
  };
  const responses = (subject: string) => [...inbox.items.values()].filter(p => text(p, 'Email:Subject')?.endsWith(`: ${subject}`));

  before(async () => {
    t = await startServer({ users: ['alice@example.com'], backend });
    // As `convene resource add` makes it: no usable password.
    const room = await t.store.createUser({ email: ROOM, displayName: 'Room 4', passwordHash: NO_LOGON });
    await t.store.setResource({ userId: room.id, name: 'Room 4', capacity: 8, policy: 'auto', bookingWindowDays: 180, maxDurationMinutes: 240, allowConflicts: false });
    const device = { version: '16.1', deviceId: 'ALICE161' };
    cal = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Calendar), device)).collection;
    inbox = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Inbox), device)).collection;
  });
  after(() => t.close());

  it('accepts the first meeting: the organizer sees AttendeeStatus 3 and an Accepted mail', async () => {
    const item = await add('a', meeting('Budget', START, START + HOUR));
    assert.equal(roomStatus(item), '3');
    const [mail] = responses('Budget');
    assert.equal(text(mail, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Pos');
  });

  it('declines an overlapping second one, the reason in the Resp.Neg mail (a time, never the other subject)', async () => {
    const item = await add('b', meeting('Hiring', START + HOUR / 2, START + 2 * HOUR));
    assert.equal(roomStatus(item), '4');
    const [mail] = responses('Hiring');
    assert.equal(text(mail, 'Email:MessageClass'), 'IPM.Schedule.Meeting.Resp.Neg');
    const body = await fullBody(mail);
    assert.match(body, /conflict: already booked/);
    assert.doesNotMatch(body, /Budget/);
  });

  it('a weekly series with one conflicting week: accepted, that occurrence declined with its date', async () => {
    const item = await add('s', meeting('Standup', START + HOUR / 2, START + HOUR, 3));
    assert.equal(roomStatus(item), '3', 'the series is accepted');
    const exceptions = nodes(item, 'Calendar:Exceptions').map(x => x[1] as ItemProps);
    const first = exceptions.find(x => text(x, 'AirSyncBase:InstanceId') === formatCompact(START + HOUR / 2));
    assert.equal(roomStatus(first), '4', 'the conflicting occurrence is declined on its exception');
    assert.equal(exceptions.length, 1);
    const mails = responses('Standup');
    assert.deepEqual(mails.map(m => text(m, 'Email:MessageClass')).sort(), ['IPM.Schedule.Meeting.Resp.Neg', 'IPM.Schedule.Meeting.Resp.Pos']);
    const accepted = await fullBody(mails.find(m => text(m, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Resp.Pos')!);
    assert.match(accepted, new RegExp(`except the occurrence of ${new Date(START).toISOString().slice(0, 10)}`));
  });

  it('an update is decided again: the declined meeting moved to a free time is accepted', async () => {
    const later = START + 3 * HOUR;
    await cal.sync([{ kind: 'Change', serverId: ids.b!, props: meeting('Hiring', later, later + HOUR) }]);
    await cal.syncAll();
    assert.equal(roomStatus(cal.items.get(ids.b!)), '3');
  });

  it('a cancel frees the slot: the next meeting at that time is accepted', async () => {
    await cal.sync([{ kind: 'Delete', serverId: ids.a! }]);
    const item = await add('c', meeting('Retro', START, START + HOUR));
    assert.equal(roomStatus(item), '3');
    // A second week of the series is still the room's: a meeting then is declined.
    const clash = await add('d', meeting('Offsite', START + WEEK, START + WEEK + HOUR));
    assert.equal(roomStatus(clash), '4');
  });

  it('too long, and past the booking window: declined with that reason', async () => {
    const long = await add('l', meeting('Workshop', START + 2 * WEEK, START + 2 * WEEK + 5 * HOUR));
    assert.equal(roomStatus(long), '4');
    assert.match(await fullBody(responses('Workshop')[0]!), /too long: 5 h, .* at most 4 h/);
    const far = START + 200 * 24 * HOUR;
    const late = await add('f', meeting('Next year', far, far + HOUR));
    assert.equal(roomStatus(late), '4');
    assert.match(await fullBody(responses('Next year')[0]!), /outside the booking window/);
  });

  it('the room cannot sign in', async () => {
    const res = await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=${ROOM}&DeviceId=X&DeviceType=Y`, {
      method: 'POST', headers: { Authorization: `Basic ${Buffer.from(`${ROOM}:${NO_LOGON}`).toString('base64')}`, 'MS-ASProtocolVersion': '16.1' },
    });
    assert.equal(res.status, 401);
  });

  /** The mail's text as the device reads it (Sync gives a truncated preview at most). */
  async function fullBody(mail: ItemProps): Promise<string> {
    const [id] = [...inbox.items.entries()].find(([, p]) => p === mail)!;
    const room = (await t.store.findUserByEmail('alice@example.com'))!;
    const item = (await t.store.getItem(room.id, Number(id.split(':')[1])))!;
    return JSON.stringify(item.props);
  }
});

for (const backend of BACKENDS) describe(`resources: two organizers book one room at once (${backend.name.replace('Backend', '')})`, () => {
  it('exactly one meeting is accepted: the room decides under its own lock', async () => {
    const t = await startServer({ users: ['alice@example.com', 'bob@example.com'], backend });
    try {
      const room = await t.store.createUser({ email: ROOM, displayName: 'Room 4', passwordHash: NO_LOGON });
      await t.store.setResource({ userId: room.id, name: 'Room 4', policy: 'auto', allowConflicts: false });
      const cals = await Promise.all(['alice@example.com', 'bob@example.com'].map(async u =>
        (await syncedDevice(t, u, await folderId(t, u, FolderType.Calendar), { version: '16.1', deviceId: `D${u.length}${u[0]}` })).collection));
      const added = await Promise.all(cals.map((c, i) => c.sync([{ kind: 'Add', clientId: 'x', props: meeting(`Race ${i}`, START, START + HOUR) }])));
      const statuses: string[] = [];
      for (const [i, c] of cals.entries()) {
        await c.syncAll();
        statuses.push(roomStatus(c.items.get(added[i]!.added.get('x')!.serverId!))!);
      }
      assert.deepEqual(statuses.sort(), ['3', '4']);
    } finally {
      await t.close();
    }
  });
});

for (const backend of BACKENDS) describe(`Store.afterCommit (${backend.name.replace('Backend', '')})`, () => {
  it('runs after the outermost commit, outside the transaction; a rolled-back run forgets it', async () => {
    const b = await backend();
    const store = await b.open();
    try {
      const seen: string[] = [];
      await store.transaction(async tx => {
        await tx.transaction(async inner => inner.afterCommit(async s => { seen.push(s === store ? 'root' : 'other'); }));
        seen.push('body');
      });
      assert.deepEqual(seen, ['body', 'root']);
      await assert.rejects(store.transaction(async tx => {
        await tx.afterCommit(async () => { seen.push('rolled back'); });
        throw new Error('no');
      }));
      await store.afterCommit(async () => { seen.push('now'); });
      assert.deepEqual(seen, ['body', 'root', 'now']);
    } finally {
      await store.close();
      await b.dispose();
    }
  });
});

describe('resources: the decision alone', () => {
  const policy = { allowConflicts: false, bookingWindowDays: 180, maxDurationMinutes: 240 };
  const base = { uid: 'u', start: START, end: START + HOUR, subject: 'x' } as Parameters<typeof decideBooking>[0];
  it('free → accepted; a clash → declined naming the time only', () => {
    assert.deepEqual(decideBooking(base, policy, [], START - WEEK, zoneLookup), { answer: 'ACCEPTED', declined: [] });
    const d = decideBooking(base, policy, [{ start: START, end: START + HOUR, status: 2 }], START - WEEK, zoneLookup);
    assert.equal(d.answer, 'DECLINED');
  });
  it('allow-conflicts accepts a clash', () => {
    const d = decideBooking(base, { ...policy, allowConflicts: true }, [{ start: START, end: START + HOUR, status: 2 }], START - WEEK, zoneLookup);
    assert.equal(d.answer, 'ACCEPTED');
  });
});

describe('convene resource: bad input', () => {
  const run = async (...args: string[]) => {
    const err: string[] = [];
    const saved = console.error;
    console.error = (...a: unknown[]) => { err.push(a.join(' ')); };
    try {
      return { code: await main(['resource', ...args]), err };
    } finally {
      console.error = saved;
    }
  };
  for (const [args, pattern] of [
    [['add', ROOM], /--name is needed/],
    [['add', ROOM, '--name', 'R', '--policy', 'maybe'], /--policy must be auto or manual/],
    [['add', ROOM, '--name', 'R', '--booking-window', '6 months'], /--booking-window must be a number with a unit/],
    [['add', ROOM, '--name', 'R', '--max-duration', '0h'], /--max-duration must be/],
    [['add', ROOM, '--name', 'R', '--capacity', '-3'], /'--capacity' argument is ambiguous/],
    [['add', ROOM, '--name', 'R', '--capacity=0'], /--capacity must be a whole number/],
    [['add', 'not-an-address', '--name', 'R'], /is not an email address/],
    [['frobnicate'], /unknown action "resource frobnicate"/],
  ] as const) {
    it(`${args.join(' ')} → one line, non-zero`, async () => {
      const r = await run(...args);
      assert.notEqual(r.code, 0);
      assert.equal(r.err.length, 1);
      assert.equal(r.err[0]!.split('\n').length, 1, r.err[0]);
      assert.match(r.err[0]!, pattern);
    });
  }
});
