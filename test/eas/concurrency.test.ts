// Many devices of several accounts at once, on two nodes over one PostgreSQL (and on SQLite, one
// node): parallel Sync Add/Change/Delete, MoveItems and SendMail between the accounts, organizers
// inviting each other, and two devices of one attendee answering the same invitation at the same
// moment (MeetingResponse). Every answer must be a real one (no HTTP 500, no Status 5/110/111), and
// every meeting must end with one answer: one calendar copy (none when declined), the attendee's
// status equal on both sides, one reply with the organizer. docs/store.md, "Lock order".
//
// Bounded by counts, not time. A seeded draw decides the operations: CONCURRENCY_SEED=<n> draws others.
// The companion of sync-sim.test.ts (one step at a time) for many steps at once.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient, type EasResponse } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { createEasServer } from '../../src/eas/http/server.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { propText as text } from '../helpers/items.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const mr = tags('MeetingResponse');
const mv = tags('Move');
const cm = tags('ComposeMail');

/** Counts for `npm test`; CONCURRENCY_ACCOUNTS / _DEVICES / _ROUNDS / _OPS make a heavier run by hand. */
const count = (name: string, fallback: number, min: number) => Math.max(min, Number(process.env[`CONCURRENCY_${name}`] ?? fallback) || fallback);
const SEED = count('SEED', 20260611, 0);
const ACCOUNTS = count('ACCOUNTS', 4, 2);
/** At least 3: two race for each invitation, the third organizes and keeps working meanwhile. */
const DEVICES_PER_ACCOUNT = count('DEVICES', 3, 3);
const ROUNDS = count('ROUNDS', 3, 1);
const OPS_PER_DEVICE = count('OPS', 4, 1);
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 4 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();
/** Statuses that say "the server failed" (Sync/MoveItems 5; common 110, 111), never acceptable. */
const SERVER_ERRORS = new Set([5, 110, 111]);

/** mulberry32, as in sync-sim. */
function rng(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const email = (i: number) => `user${i}@example.com`;

function calendarProps(subject: string, hourOffset: number, attendee?: string): ItemProps {
  const start = START + hourOffset * HOUR;
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2026))], ['Calendar:AllDayEvent', '0'],
    ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject], ['Calendar:StartTime', formatCompact(start)],
    ['Calendar:EndTime', formatCompact(start + HOUR)], ['Calendar:MeetingStatus', attendee ? '1' : '0'],
    ...(attendee ? [['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', attendee], ['Calendar:Name', attendee], ['Calendar:AttendeeType', '1']]]]]] as ItemProps : []),
  ];
}

interface Device {
  account: number;
  /** 0 and 1 race for invitations; 2 organizes and keeps working meanwhile. */
  n: number;
  client: EasClient;
  inbox: CollectionMirror;
  trash: CollectionMirror;
  calendar: CollectionMirror;
}

/** Every response seen, so that one 500 anywhere fails the run. */
class Watch {
  readonly failures: string[] = [];
  requests = 0;

  check(what: string, res: EasResponse, statuses: number[] = []): void {
    this.requests++;
    if (res.status >= 500) this.failures.push(`${what}: HTTP ${res.status}`);
    const top = Number(res.body?.childText('Status') ?? 0);
    for (const s of [top, ...statuses]) if (SERVER_ERRORS.has(s)) this.failures.push(`${what}: Status ${s}`);
  }
}

/** The statuses inside a Sync response: each collection's, and each Responses entry's. */
function syncStatuses(res: EasResponse): number[] {
  const out: number[] = [];
  for (const c of res.body?.child('Collections')?.all('Collection') ?? []) {
    out.push(Number(c.childText('Status') ?? 1));
    for (const r of c.child('Responses')?.children ?? []) out.push(Number(r.childText('Status') ?? 1));
  }
  return out;
}

class Load {
  private readonly random: () => number;
  private sent = 0;

  constructor(readonly watch: Watch, seed: number) {
    this.random = rng(seed);
  }

  pick<T>(xs: readonly T[]): T | undefined {
    return xs.length ? xs[Math.floor(this.random() * xs.length)] : undefined;
  }

  async sync(d: Device, m: CollectionMirror, what: string, commands: Parameters<CollectionMirror['sync']>[0] = []): Promise<void> {
    const round = await m.sync(commands);
    this.watch.check(`${what} (${email(d.account)})`, round.response, syncStatuses(round.response));
    for (let i = 0; round.moreAvailable && i < 100; i++) {
      const more = await m.sync();
      this.watch.check(`${what} more`, more.response, syncStatuses(more.response));
      if (!more.moreAvailable) break;
    }
  }

  /** One random operation of one device, after it has caught up with the folder it works on. */
  async operate(d: Device, tag: string): Promise<void> {
    const r = this.random();
    const plain = (m: CollectionMirror, kind: 'mail' | 'event') => [...m.items.entries()]
      .filter(([, p]) => (kind === 'mail' ? text(p, 'Email:MessageClass') === 'IPM.Note' : text(p, 'Calendar:MeetingStatus') === '0'))
      .map(([id]) => id);
    if (r < 0.2) {
      await this.sync(d, d.calendar, 'Sync Add', [{ kind: 'Add', clientId: tag, props: calendarProps(`Event ${tag}`, 2 + Math.floor(this.random() * 40)) }]);
    } else if (r < 0.35) {
      await this.sync(d, d.calendar, 'Sync');
      const id = this.pick(plain(d.calendar, 'event'));
      if (id) await this.sync(d, d.calendar, 'Sync Change', [{ kind: 'Change', serverId: id, props: calendarProps(`Changed ${tag}`, 3) }]);
    } else if (r < 0.45) {
      await this.sync(d, d.calendar, 'Sync');
      const id = this.pick(plain(d.calendar, 'event'));
      if (id) await this.sync(d, d.calendar, 'Sync Delete', [{ kind: 'Delete', serverId: id }]);
    } else if (r < 0.55) {
      await this.sync(d, d.inbox, 'Sync');
      const id = this.pick(plain(d.inbox, 'mail'));
      if (id) await this.sync(d, d.inbox, 'Sync Change', [{ kind: 'Change', serverId: id, props: [['Email:Read', '1']] }]);
    } else if (r < 0.65) {
      await this.sync(d, d.inbox, 'Sync');
      const id = this.pick(plain(d.inbox, 'mail'));
      // DeletesAsMoves: the Delete moves the mail to Deleted Items, two folders in one transaction.
      if (id) await this.sync(d, d.inbox, 'Sync Delete', [{ kind: 'Delete', serverId: id }]);
    } else if (r < 0.8) {
      const [from, to] = this.random() < 0.5 ? [d.inbox, d.trash] : [d.trash, d.inbox];
      await this.sync(d, from, 'Sync');
      const id = this.pick(plain(from, 'mail'));
      if (id) await this.move(d, id, from, to);
    } else {
      await this.sendMail(d, [...new Set([this.pickOther(d.account), this.pickOther(d.account)])]);
    }
  }

  private pickOther(account: number): number {
    return (account + 1 + Math.floor(this.random() * (ACCOUNTS - 1))) % ACCOUNTS;
  }

  /** MoveItems; on Status 3 the device moves its copy itself (the server sends it no echo). */
  async move(d: Device, serverId: string, from: CollectionMirror, to: CollectionMirror): Promise<void> {
    const res = await d.client.send('MoveItems', mv('MoveItems', [mv('Move', [
      mv('SrcMsgId', serverId), mv('SrcFldId', from.collectionId), mv('DstFldId', to.collectionId)])]));
    const response = res.body?.child('Response');
    this.watch.check('MoveItems', res, [Number(response?.childText('Status'))]);
    const dst = response?.childText('DstMsgId');
    if (response?.childText('Status') === '3' && dst) {
      to.items.set(dst, from.items.get(serverId)!);
      from.items.delete(serverId);
    }
  }

  async sendMail(d: Device, to: number[]): Promise<void> {
    const id = `m${++this.sent}-${d.account}`;
    const mime = Buffer.from([`From: ${email(d.account)}`, `To: ${to.map(email).join(', ')}`, `Subject: Note ${id}`,
      `Message-ID: <${id}@example.com>`, 'Content-Type: text/plain; charset=utf-8', '', `Hello from ${id}.`, ''].join('\r\n'));
    const res = await d.client.send('SendMail', cm('SendMail', [cm('ClientId', id), cm('SaveInSentItems'), cm('MIME', mime)]));
    this.watch.check('SendMail', res);
    if (res.status !== 200 || res.raw.length !== 0) this.watch.failures.push(`SendMail ${id}: HTTP ${res.status}, ${res.raw.length} bytes`);
  }
}

async function device(url: string, account: number, n: number, folders: Record<number, string>): Promise<Device> {
  const client = new EasClient({ baseUrl: url, user: email(account), password: PASSWORD, deviceId: `D${account}X${n}`, version: '16.1' });
  await new FolderHierarchyMirror(client).sync();
  const mirror = async (type: number) => {
    const m = new CollectionMirror(client, folders[type]!);
    await m.sync();
    await m.syncAll();
    return m;
  };
  return { account, n, client, inbox: await mirror(FolderType.Inbox), trash: await mirror(FolderType.DeletedItems), calendar: await mirror(FolderType.Calendar) };
}

interface Meeting { uid: string; subject: string; organizer: number; attendee: number }

const ANSWER_STATUS: Record<number, number> = { 1: 3, 2: 2, 3: 4 };
const REPLY_CLASS: Record<number, string> = { 1: 'IPM.Schedule.Meeting.Resp.Pos', 2: 'IPM.Schedule.Meeting.Resp.Tent', 3: 'IPM.Schedule.Meeting.Resp.Neg' };

/** Two devices of the attendee, each with the request in its Inbox, answer at the same moment. */
async function race(load: Load, devices: Device[], m: Meeting, answers: [number, number]): Promise<{ winner: number; statuses: number[] }> {
  const pair = devices.filter(d => d.account === m.attendee && d.n < 2);
  const requests = await Promise.all(pair.map(async d => {
    await load.sync(d, d.inbox, 'Sync (request)');
    const found = [...d.inbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === m.subject && text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
    assert.ok(found, `the request for ${m.subject} reached ${email(m.attendee)}`);
    return found[0];
  }));
  const results = await Promise.all(pair.map((d, i) => d.client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
    mr('UserResponse', answers[i]!), mr('CollectionId', d.inbox.collectionId), mr('RequestId', requests[i]!), mr('SendResponse'),
  ])]))));
  const statuses = results.map(res => {
    load.watch.check('MeetingResponse', res);
    return Number(res.body?.child('Result')?.childText('Status'));
  });
  // MS-ASCMD 2.2.3.177.9: one answer wins (1); the other named a request already answered (2).
  assert.deepEqual([...statuses].sort(), [1, 2], `${m.subject}: statuses ${statuses}`);
  return { winner: answers[statuses.indexOf(1)]!, statuses };
}

/** One consistent answer: the attendee's copy, the organizer's status and replies all agree with it. */
async function checkMeeting(store: Store, m: Meeting, answer: number): Promise<void> {
  const attendee = (await store.findUserByEmail(email(m.attendee)))!;
  const organizer = (await store.findUserByEmail(email(m.organizer)))!;
  const folders = async (id: number) => Object.fromEntries((await store.listFolders(id)).map(f => [f.type, f.id]));
  const af = await folders(attendee.id);
  const of = await folders(organizer.id);
  const copies = (await store.findItemsByUid(attendee.id, m.uid)).filter(i => i.folderId === af[FolderType.Calendar]);
  assert.equal(copies.length, answer === 3 ? 0 : 1, `${m.subject}: the attendee's calendar copies after answer ${answer}`);
  if (copies[0]) assert.equal(copies[0].event?.responseType, answer === 1 ? 3 : 2, `${m.subject}: ResponseType`);
  const requests = (await store.findItemsByUid(attendee.id, m.uid)).filter(i => i.folderId === af[FolderType.DeletedItems]);
  assert.equal(requests.length, 1, `${m.subject}: the request moved to Deleted Items once`);
  const own = (await store.findItemsByUid(organizer.id, m.uid)).filter(i => i.folderId === of[FolderType.Calendar]);
  assert.equal(own.length, 1, `${m.subject}: the organizer's copy`);
  const status = own[0]!.event?.attendees?.find(a => a.email.toLowerCase() === attendee.email)?.status;
  assert.equal(status, ANSWER_STATUS[answer], `${m.subject}: AttendeeStatus on the organizer's copy`);
  const inbox = await store.liveItemIds(of[FolderType.Inbox]!);
  const replies = (await store.getItems(of[FolderType.Inbox]!, inbox))
    .filter(i => text(i.props, 'Email:Subject')?.endsWith(`: ${m.subject}`) && text(i.props, 'Email:MessageClass')?.startsWith('IPM.Schedule.Meeting.Resp'));
  assert.deepEqual(replies.map(i => text(i.props, 'Email:MessageClass')), [REPLY_CLASS[answer]], `${m.subject}: the organizer's replies`);
}

/** Each device's copy of each folder equals the server's live items: nothing lost or doubled under load. */
async function checkMirrors(load: Load, store: Store, devices: Device[]): Promise<void> {
  for (const d of devices) {
    for (const m of [d.inbox, d.trash, d.calendar]) {
      await load.sync(d, m, 'final Sync');
      const live = (await store.liveItemIds(Number(m.collectionId))).map(id => `${m.collectionId}:${id}`).sort();
      assert.deepEqual([...m.items.keys()].sort(), live, `${email(d.account)} device folder ${m.collectionId}`);
    }
  }
}

async function deadlocks(t: TestServer): Promise<number | undefined> {
  if (t.backend.name !== 'postgres') return undefined;
  const c = new pg.Client({ connectionString: t.backend.db });
  await c.connect();
  try {
    const row = await c.query('SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()');
    return Number(row.rows[0]?.deadlocks ?? 0);
  } finally {
    await c.end();
  }
}

for (const backend of BACKENDS) {
  const pgNodes = backend.name === 'postgresBackend';
  describe(`concurrent devices and meeting answers (${pgNodes ? 'PostgreSQL, two nodes' : 'SQLite, one node'})`, () => {
    let t: TestServer;
    let second: { server: Server; store: Store } | undefined;
    const devices: Device[] = [];

    before(async () => {
      t = await startServer({ backend, users: Array.from({ length: ACCOUNTS }, (_, i) => email(i)) });
      const urls = [t.url];
      if (pgNodes) {
        const store = await t.backend.open();
        const server = createEasServer({ store, log: pino({ level: 'silent' }) });
        await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
        second = { server, store };
        urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
      }
      for (let a = 0; a < ACCOUNTS; a++) {
        const user = (await t.store.findUserByEmail(email(a)))!;
        const folders = Object.fromEntries((await t.store.listFolders(user.id)).map(f => [f.type, String(f.id)]));
        // The attendee's two racing devices sit on different nodes.
        for (let n = 0; n < DEVICES_PER_ACCOUNT; n++) devices.push(await device(urls[n % urls.length]!, a, n, folders));
      }
    });
    after(async () => {
      if (second) {
        second.server.closeAllConnections();
        await new Promise(r => second!.server.close(r));
        await second.store.close();
      }
      await t.close();
    });

    it(`${ROUNDS} rounds: ${ACCOUNTS * DEVICES_PER_ACCOUNT} devices in parallel, every meeting answered once`, async () => {
      const load = new Load(new Watch(), SEED);
      const random = rng(SEED ^ 0x5eed);
      const before = await deadlocks(t);
      for (let round = 0; round < ROUNDS; round++) {
        // Every account invites the next one, all at once: deliveries cross accounts in both orders.
        const meetings: Meeting[] = Array.from({ length: ACCOUNTS }, (_, a) => ({
          uid: '', subject: `Meeting r${round} from ${a}`, organizer: a, attendee: (a + 1) % ACCOUNTS,
        }));
        await Promise.all(meetings.map(async (m, i) => {
          const organizer = devices.find(d => d.account === m.organizer && d.n === 2)!;
          await load.sync(organizer, organizer.calendar, 'Sync Add (meeting)', [{ kind: 'Add', clientId: `meet${round}-${i}`, props: calendarProps(m.subject, 50 + round, email(m.attendee)) }]);
          const user = (await t.store.findUserByEmail(email(m.organizer)))!;
          const copy = (await t.store.listCalendarItems(user.id, 0)).find(item => item.event?.subject === m.subject);
          m.uid = copy!.event!.uid;
        }));
        const answers = meetings.map((): [number, number] => [1 + Math.floor(random() * 3), 1 + Math.floor(random() * 3)]);
        // Load on every device, then the answers racing while the third device of each account keeps working.
        await Promise.all(devices.map(async (d, i) => {
          for (let op = 0; op < OPS_PER_DEVICE; op++) await load.operate(d, `r${round}d${i}o${op}`);
        }));
        const [outcomes] = await Promise.all([
          Promise.all(meetings.map((m, i) => race(load, devices, m, answers[i]!))),
          ...devices.filter(d => d.n === 2).map(async (d, i) => {
            for (let op = 0; op < OPS_PER_DEVICE; op++) await load.operate(d, `r${round}x${i}o${op}`);
          }),
        ]);
        for (const [i, m] of meetings.entries()) await checkMeeting(t.store, m, outcomes[i]!.winner);
        assert.deepEqual(load.watch.failures, [], `seed ${SEED}, round ${round}`);
      }
      await checkMirrors(load, t.store, devices);
      assert.deepEqual(load.watch.failures, [], `seed ${SEED}`);
      const after = await deadlocks(t);
      console.log(`concurrency (${backend.name}): ${load.watch.requests} requests checked` +
        (after === undefined ? '' : `; PostgreSQL deadlocks detected (each retried): ${after - (before ?? 0)}`));
    });
  });
}
