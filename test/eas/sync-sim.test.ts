// The randomized proof that Sync (MS-ASCMD 2.2.1.21) is lossless. A simulated phone — CollectionMirror
// over EasClient, real HTTP and WBXML against a real server — works for thousands of operations
// while the server, mail delivery and a second phone of the same account change the same folders.
// After every step the phone syncs until nothing is MoreAvailable, and its copy of every folder must
// equal the server's live items: nothing lost, nothing duplicated, nothing stale.
//
// Replay a failure: SYNC_SIM_SEED=<seed> [SYNC_SIM_STEPS=<n>] node scripts/run-tests.js sim
// (the seed is printed at the start and in every assertion message).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror, type PendingCommand, type SyncRound, type SyncRoundOptions } from '../../src/client/collection.js';
import type { EasClient, EasResponse } from '../../src/client/EasClient.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type Item, type ItemProps, type PropNode } from '../../src/store/types.js';
import { codecFor } from '../../src/sync/codecs.js';
import { encode, tags, toXml, type Element } from '../../src/wbxml/index.js';
import { email, event } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const as = tags('AirSync');
/** The simulated devices' protocol version (EasClient's default). */
const VERSION = 14.1;

/** CI runs one known seed so that its verdict is about the change, not the draw; locally a new one each run. */
const CI_SEED = 20261121;
const SEED = seedFromEnv(process.env.SYNC_SIM_SEED ?? (process.env.CI ? String(CI_SEED) : undefined));
/** Steps per backend; each step is 1–3 random operations, then a full sync and the comparison. */
const DEFAULT_STEPS: Record<string, number> = { sqlite: 1500, postgres: 600 };
const STEPS_OVERRIDE = stepsFromEnv(process.env.SYNC_SIM_STEPS);

console.log(`sync-sim: SYNC_SIM_SEED=${SEED}`);

function seedFromEnv(s: string | undefined): number {
  if (s === undefined || s.trim() === '') return Math.floor(Math.random() * 2 ** 32);
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) throw new Error(`SYNC_SIM_SEED must be an integer 0…2^32-1, not "${s}"`);
  return n;
}

function stepsFromEnv(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const n = Number(s.trim());
  if (!Number.isInteger(n) || n < 0) throw new Error(`SYNC_SIM_STEPS must be a whole number, not "${s}"`);
  return n;
}

/** mulberry32: small, fast, and the same sequence everywhere for the same seed. */
class Rng {
  constructor(private state: number) {}

  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** lo…hi, both included. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from nothing');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }

  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [x, w] of entries) if ((r -= w) < 0) return x;
    return entries[entries.length - 1]![0];
  }
}

// ---- What the device may see -------------------------------------------------------------------

const DAY = 86400_000;
/** FilterType → days (MS-ASCMD 2.2.3.70.2), the email values 0–5; 0 is no window. */
const FILTER_DAYS: Record<number, number | undefined> = { 0: undefined, 1: 1, 2: 3, 3: 7, 4: 14, 5: 31 };
/** How old generated mail is, in days: every age at least half a day from every FilterType edge. */
const MAIL_AGES = [0.05, 0.5, 2, 5, 10, 20, 45, 120];

function text(props: ItemProps, name: string): string | undefined {
  const node = props.find(p => p[0] === name);
  return node && typeof node[1] === 'string' ? node[1] : undefined;
}

/**
 * The server's item as a 14.1 device that asked for no BodyPreference receives it: in its class's
 * form for that version (calendar items are kept as events), the body whole with its
 * EstimatedDataSize in UTF-8 bytes (MS-ASAIRS 2.2.2.9).
 */
async function visible(store: Store, item: Item): Promise<ItemProps> {
  return (await codecFor(item.class).toDevice(item, { version: VERSION, store })).map(([name, value]): PropNode => {
    if (name !== 'AirSyncBase:Body' || !Array.isArray(value)) return [name, value];
    const data = text(value, 'AirSyncBase:Data') ?? '';
    const rest = value.filter(p => !['AirSyncBase:Type', 'AirSyncBase:Data', 'AirSyncBase:EstimatedDataSize', 'AirSyncBase:Truncated'].includes(p[0]));
    return [name, [['AirSyncBase:Type', text(value, 'AirSyncBase:Type') ?? '1'],
      ['AirSyncBase:EstimatedDataSize', String(Buffer.byteLength(data, 'utf8'))], ['AirSyncBase:Data', data], ...rest]];
  });
}

/** What the server adds to an item a device created or changed, which that device does not see. */
const SERVER_ASSIGNED = new Set(['Calendar:UID']);

/** ApplicationData is a set of properties: compare without regard to order. */
function canon(props: ItemProps): string {
  const sort = (nodes: PropNode[]): PropNode[] => nodes
    .map(([n, v]): PropNode => [n, Array.isArray(v) ? sort(v) : v])
    .map(node => [JSON.stringify(node), node] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, node]) => node);
  return JSON.stringify(sort(props));
}

function inWindow(props: ItemProps, filterType: number, now: number): boolean {
  const days = FILTER_DAYS[filterType];
  if (days === undefined) return true;
  const received = text(props, 'Email:DateReceived');
  return received === undefined || Date.parse(received) >= now - days * DAY;
}

/** MS-ASEMAIL: a device's Change of mail carries only what it may change; it merges that locally. */
function mergeLocally(held: ItemProps, change: ItemProps): ItemProps {
  const names = new Set(change.map(p => p[0]));
  return [...held.filter(p => !names.has(p[0])), ...change];
}

function compactDate(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// ---- The simulation ---------------------------------------------------------------------------

interface Pending {
  cmd: PendingCommand;
  /** After a successful mail Change: the device's own merge of it (the mirror keeps only what it sent). */
  local?: ItemProps | undefined;
  /** Statuses the server may answer, decided when the request leaves (1: success, said by silence). */
  allowed: number[];
  /** Fetch: the item as the device may see it when the request left; null when it was gone. */
  fetchExpect?: string | null | undefined;
}

interface Dev {
  name: string;
  client: EasClient;
  folders: number[];
  mirrors: Map<number, CollectionMirror>;
  /** Commands made on the device since its last Sync, sent with the next one. */
  pending: Map<number, Pending[]>;
  /** Every SyncKey the device held since its last SyncKey 0, per collection (for stale-key probes). */
  keys: Map<number, string[]>;
  /** Inbox FilterType the server has for the device, and the one its next request asks for. */
  filter: number;
  wantFilter: number;
  /** Items someone else changed or deleted since the device last synced: its Change meets a conflict. */
  dirty: Set<string>;
  /**
   * Items whose copy on the device is the device's own (its Add, its Change): the server has not sent
   * them back, so they lack what the server assigned (SERVER_ASSIGNED).
   */
  own: Set<string>;
  /** A lost response planned for the device's next settle. */
  loss?: LossPlan | undefined;
  nextClientId: number;
}

interface LossPlan {
  /** How many times in a row the response is lost before one arrives (double loss: 2). */
  count: number;
  /** Other writers act while the device waits for the response it will never get. */
  interleave: boolean;
  used: boolean;
}

type Op = 'srvAddEvent' | 'srvChangeEvent' | 'srvDeleteEvent' | 'srvMoveEvent' | 'srvDeliver' | 'srvChangeMail' | 'srvDeleteMail'
  | 'srvMoveMail' | 'srvEmptyTrash' | 'devAdd' | 'devChange' | 'devDelete' | 'devFetch' | 'conflict' | 'otherDevice' | 'lose'
  | 'reset' | 'stale' | 'filter' | 'emptySync' | 'srvPurge';

const SERVER_OPS: readonly (readonly [Op, number])[] = [
  ['srvAddEvent', 8], ['srvChangeEvent', 6], ['srvDeleteEvent', 3], ['srvMoveEvent', 3],
  ['srvDeliver', 8], ['srvChangeMail', 5], ['srvDeleteMail', 3], ['srvMoveMail', 3], ['srvEmptyTrash', 1],
  ['srvPurge', 1.5],
];
const OPS: readonly (readonly [Op, number])[] = [
  ...SERVER_OPS,
  ['devAdd', 8], ['devChange', 8], ['devDelete', 5], ['devFetch', 3], ['conflict', 4], ['otherDevice', 4],
  ['lose', 6], ['reset', 1.5], ['stale', 1.5], ['filter', 3], ['emptySync', 3],
];

const WORDS = ['Standup', 'Dentist', 'Café ☕', '会議', 'Zoë & <Co>', 'Review 🎉', 'Lunch', 'Ünïcödé', 'Budget', 'Retro'];

class Simulation {
  readonly rng: Rng;
  step = 0;
  operations = 0;
  requests = 0;
  readonly stats = new Map<string, number>();
  private readonly history: string[] = [];
  readonly now = Date.now();
  user!: number;
  f!: { cal: number; cal2: number; inbox: number; archive: number; trash: number };
  a!: Dev;
  b!: Dev;

  constructor(readonly t: TestServer, readonly backend: string, readonly steps: number) {
    this.rng = new Rng(SEED);
  }

  // -- diagnostics

  replay(): string {
    return `[sync-sim ${this.backend}: SYNC_SIM_SEED=${SEED} SYNC_SIM_STEPS=${this.steps}, failed at step ${this.step}]`;
  }

  fail(message: string): never {
    assert.fail(`${this.replay()} ${message}\nlast operations:\n  ${this.history.slice(-40).join('\n  ')}`);
  }

  ok(condition: unknown, message: string): asserts condition {
    if (!condition) this.fail(message);
  }

  log(line: string): void {
    this.history.push(`#${this.step} ${line}`);
    if (this.history.length > 200) this.history.splice(0, 100);
  }

  count(key: string, n = 1): void {
    this.stats.set(key, (this.stats.get(key) ?? 0) + n);
  }

  // -- set-up

  async setUp(): Promise<void> {
    const store = this.t.store;
    this.user = (await store.findUserByEmail('alice@example.com'))!.id;
    const folders = await store.listFolders(this.user);
    const byType = (type: number) => folders.find(x => x.type === type)!.id;
    const cal2 = await store.createFolder(this.user, { parentId: 0, displayName: 'Team calendar', type: FolderType.UserCalendar });
    const archive = await store.createFolder(this.user, { parentId: 0, displayName: 'Archive', type: FolderType.UserMail });
    this.f = { cal: byType(FolderType.Calendar), cal2: cal2.id, inbox: byType(FolderType.Inbox), archive: archive.id, trash: byType(FolderType.DeletedItems) };
    for (let i = 0; i < 8; i++) await this.serverAddEvent(this.rng.pick([this.f.cal, this.f.cal2]));
    for (let i = 0; i < 15; i++) await this.serverDeliverOne();
    this.a = this.device('PHONE', [this.f.cal, this.f.cal2, this.f.inbox, this.f.archive, this.f.trash], this.rng.pick([0, 3, 5]));
    this.b = this.device('TABLET', [this.f.cal, this.f.inbox], 0);
    for (const dev of [this.a, this.b]) {
      await this.settle(dev);
      await this.check(dev);
    }
  }

  private device(name: string, folders: number[], filter: number): Dev {
    const client = this.t.client('alice@example.com', { deviceId: `SIM${name}` });
    return {
      name, client, folders, filter: 0, wantFilter: filter, dirty: new Set(), own: new Set(), nextClientId: 1,
      mirrors: new Map(folders.map(id => [id, new CollectionMirror(client, String(id))])),
      pending: new Map(folders.map(id => [id, []])),
      keys: new Map(folders.map(id => [id, []])),
    };
  }

  // -- the loop

  async run(): Promise<void> {
    for (this.step = 1; this.step <= this.steps; this.step++) {
      const n = this.rng.int(1, 3);
      for (let i = 0; i < n; i++) await this.operate(this.rng.weighted(OPS));
      await this.settle(this.a);
      await this.check(this.a);
    }
  }

  private async operate(op: Op): Promise<void> {
    this.operations++;
    this.count(`op ${op}`);
    const a = this.a;
    switch (op) {
      case 'srvAddEvent': return void (await this.serverAddEvent(this.rng.pick([this.f.cal, this.f.cal2])));
      case 'srvChangeEvent': return this.serverChange(this.rng.pick([this.f.cal, this.f.cal2]));
      case 'srvDeleteEvent': return this.serverDelete(this.rng.pick([this.f.cal, this.f.cal2]));
      case 'srvMoveEvent': return this.serverMove(this.f.cal, this.f.cal2);
      case 'srvDeliver': return this.serverDeliver();
      case 'srvChangeMail': return this.serverChange(this.rng.pick([this.f.inbox, this.f.inbox, this.f.archive]));
      case 'srvDeleteMail': return this.serverDelete(this.rng.pick([this.f.inbox, this.f.archive, this.f.trash]));
      case 'srvMoveMail': return this.serverMove(this.f.inbox, this.f.archive);
      case 'srvEmptyTrash': return this.serverEmptyTrash();
      case 'srvPurge': {
        // Tombstone expiry at its harshest: every tombstone goes, also those no device has seen yet.
        const removed = await this.t.store.purgeTombstones(Date.now() + 1);
        return this.log(`server purges ${removed} tombstones`);
      }
      case 'devAdd': return this.queue(a, 'Add', this.rng.pick([this.f.cal, this.f.cal2]));
      case 'devChange': return this.queue(a, 'Change', this.rng.pick([this.f.cal, this.f.cal2, this.f.inbox, this.f.archive]));
      case 'devDelete': return this.queue(a, 'Delete', this.rng.pick(a.folders));
      case 'devFetch': return this.queue(a, 'Fetch', this.rng.pick(a.folders));
      case 'conflict': return this.conflict();
      case 'otherDevice': return this.otherDevice();
      case 'lose': {
        a.loss = { count: this.rng.chance(0.25) ? 2 : 1, interleave: this.rng.chance(0.35), used: false };
        return this.log(`${a.name} will lose the next response ${a.loss.count}× (others write meanwhile: ${a.loss.interleave})`);
      }
      case 'reset': return this.reset(a, this.rng.pick(a.folders), 'SyncKey 0');
      case 'stale': return this.staleProbe(a);
      case 'filter': {
        a.wantFilter = this.rng.pick([0, 1, 2, 3, 4, 5].filter(x => x !== a.wantFilter));
        return this.log(`${a.name} asks for Inbox FilterType ${a.wantFilter}`);
      }
      case 'emptySync': return this.emptySync(a);
    }
  }

  // -- server-side writers: another device's server, mail delivery, webmail

  private async live(folderId: number): Promise<number[]> {
    return this.t.store.liveItemIds(folderId);
  }

  private touched(serverId: string, except?: Dev): void {
    for (const dev of [this.a, this.b]) if (dev !== except) dev.dirty.add(serverId);
  }

  private subject(): string {
    return `${this.rng.pick(WORDS)} ${this.rng.int(0, 99999)}`;
  }

  private randomEvent(): ItemProps {
    const start = Date.UTC(2026, 0, 1) + this.rng.int(0, 364) * DAY + this.rng.int(6, 20) * 3600_000;
    const end = start + this.rng.pick([30, 60, 90]) * 60_000;
    const extra: ItemProps = [];
    if (this.rng.chance(0.4)) extra.push(['Calendar:Location', `Room ${this.rng.int(1, 40)}`]);
    if (this.rng.chance(0.2)) extra.push(['Calendar:Categories', [['Calendar:Category', this.rng.pick(['Work', 'Home'])]]]);
    if (this.rng.chance(0.15)) {
      extra.push(['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'bob@example.com'], ['Calendar:Name', 'Bob']]]]]);
    }
    if (this.rng.chance(0.1)) extra.push(['Calendar:Recurrence', [['Calendar:Type', '0'], ['Calendar:Interval', '1']]]);
    return event(this.subject(), compactDate(start), compactDate(end), extra);
  }

  private async serverAddEvent(folderId: number): Promise<void> {
    if ((await this.live(folderId)).length >= 40) return this.serverDelete(folderId);
    const item = await this.t.store.addItem(this.user, folderId, { class: 'Calendar', ...codecFor('Calendar').fromDevice(this.randomEvent(), VERSION) });
    this.log(`server adds event ${folderId}:${item!.id}`);
  }

  private mail(): { props: ItemProps; filterTime: number } {
    const received = this.now - this.rng.pick(MAIL_AGES) * DAY - this.rng.int(0, 3600_000);
    const extra: ItemProps = this.rng.chance(0.2) ? [['Email:Importance', '2']] : [];
    return { props: email(this.subject(), new Date(received), extra), filterTime: received };
  }

  private async serverDeliverOne(): Promise<void> {
    const { props, filterTime } = this.mail();
    const item = await this.t.store.addItem(this.user, this.f.inbox, { class: 'Email', props, filterTime });
    this.log(`mail arrives ${this.f.inbox}:${item!.id} (${text(props, 'Email:DateReceived')})`);
  }

  private async serverDeliver(): Promise<void> {
    const size = (await this.live(this.f.inbox)).length;
    if (size >= 80) return this.serverDelete(this.f.inbox);
    const n = this.rng.chance(0.15) ? this.rng.int(5, 30) : 1;
    for (let i = 0; i < n; i++) await this.serverDeliverOne();
  }

  private async serverChange(folderId: number): Promise<void> {
    const ids = await this.live(folderId);
    if (!ids.length) return;
    const id = this.rng.pick(ids);
    const item = (await this.t.store.getItem(this.user, id))!;
    let change: Parameters<Store['updateItem']>[2];
    if (item.class === 'Calendar') {
      // As another device's Sync would: through the calendar codec, which keeps the event's UID.
      const props = this.rng.chance(0.5) ? this.randomEvent()
        : (await codecFor('Calendar').toDevice(item, { version: VERSION, store: this.t.store })).map(([n, v]): PropNode => (n === 'Calendar:Subject' ? [n, this.subject()] : [n, v]));
      change = codecFor('Calendar').merge(item, props, undefined, VERSION)!;
    } else {
      const what = this.rng.weighted([['read', 5], ['flag', 2], ['subject', 1], ['received', 1.5]] as const);
      if (what === 'read') change = { props: mergeLocally(item.props, [['Email:Read', text(item.props, 'Email:Read') === '1' ? '0' : '1']]) };
      else if (what === 'flag') change = { props: mergeLocally(item.props, [['Email:Flag', [['Email:FlagStatus', '2'], ['Email:FlagType', 'Follow up']]]]) };
      else if (what === 'subject') change = { props: mergeLocally(item.props, [['Email:Subject', this.subject()]]) };
      else {
        // Re-filed with another date: the item crosses FilterType windows while the device holds it.
        const { filterTime } = this.mail();
        change = { props: mergeLocally(item.props, [['Email:DateReceived', new Date(filterTime).toISOString()]]), filterTime };
      }
    }
    await this.t.store.updateItem(this.user, id, change);
    this.touched(`${folderId}:${id}`);
    this.log(`server changes ${folderId}:${id}`);
  }

  private async serverDelete(folderId: number): Promise<void> {
    const ids = await this.live(folderId);
    if (!ids.length) return;
    const id = this.rng.pick(ids);
    await this.t.store.deleteItem(this.user, id);
    this.touched(`${folderId}:${id}`);
    this.log(`server deletes ${folderId}:${id}`);
  }

  private async serverMove(one: number, other: number): Promise<void> {
    const [from, to] = this.rng.chance(0.5) ? [one, other] : [other, one];
    const ids = await this.live(from);
    if (!ids.length) return;
    const id = this.rng.pick(ids);
    const copy = await this.t.store.moveItem(this.user, id, to);
    this.touched(`${from}:${id}`);
    this.log(`server moves ${from}:${id} → ${to}:${copy!.id}`);
  }

  private async serverEmptyTrash(): Promise<void> {
    const ids = await this.live(this.f.trash);
    const keep = ids.length > 60 ? 10 : ids.length - this.rng.int(0, 5);
    for (const id of ids.slice(0, Math.max(0, ids.length - keep))) {
      await this.t.store.deleteItem(this.user, id);
      this.touched(`${this.f.trash}:${id}`);
    }
    this.log(`server empties Deleted Items down to ${keep}`);
  }

  // -- device-side changes, sent with the device's next Sync

  private isCalendar(folderId: number): boolean {
    return folderId === this.f.cal || folderId === this.f.cal2;
  }

  private queue(dev: Dev, kind: PendingCommand['kind'], folderId: number): void {
    const m = dev.mirrors.get(folderId)!;
    if (m.syncKey === '0') return; // starting over: nothing to act on until the collection is back
    const pending = dev.pending.get(folderId)!;
    if (kind === 'Add') {
      if (!this.isCalendar(folderId) || m.items.size >= 40) return;
      const clientId = `${dev.name}-${dev.nextClientId++}`;
      pending.push({ cmd: { kind: 'Add', clientId, props: this.randomEvent() }, allowed: [1] });
      return this.log(`${dev.name} adds ${clientId} in ${folderId}`);
    }
    const busy = new Set(pending.map(p => (p.cmd.kind === 'Add' ? '' : p.cmd.serverId)));
    const candidates = [...m.items.keys()].filter(id => !busy.has(id));
    if (kind === 'Fetch' && (this.rng.chance(0.1) || !candidates.length)) {
      const serverId = `${folderId}:${this.rng.int(1_000_000, 9_000_000)}`;
      pending.push({ cmd: { kind: 'Fetch', serverId }, allowed: [8] });
      return this.log(`${dev.name} fetches unknown ${serverId}`);
    }
    if (!candidates.length) return;
    const serverId = this.rng.pick(candidates);
    this.queueOn(dev, kind, folderId, serverId);
  }

  private queueOn(dev: Dev, kind: 'Change' | 'Delete' | 'Fetch', folderId: number, serverId: string): void {
    const pending = dev.pending.get(folderId)!;
    const held = dev.mirrors.get(folderId)!.items.get(serverId)!;
    if (kind === 'Change') {
      if (this.isCalendar(folderId)) {
        pending.push({ cmd: { kind: 'Change', serverId, props: this.randomEvent() }, allowed: [] });
      } else {
        if (folderId === this.f.trash || text(held, 'Email:Subject') === undefined) return;
        const change: ItemProps = this.rng.chance(0.75) ? [['Email:Read', text(held, 'Email:Read') === '1' ? '0' : '1']]
          : [['Email:Categories', [['Email:Category', this.rng.pick(['Red', 'Blue', 'Work'])]]]];
        pending.push({ cmd: { kind: 'Change', serverId, props: change }, local: mergeLocally(held, change), allowed: [] });
      }
    } else {
      pending.push({ cmd: { kind, serverId }, allowed: [] });
    }
    this.log(`${dev.name} ${kind.toLowerCase()}s ${serverId}${dev.dirty.has(serverId) ? ' (changed elsewhere)' : ''}`);
  }

  /** Someone else edits an item the phone holds, then the phone edits its stale copy: server wins. */
  private async conflict(): Promise<void> {
    const folderId = this.rng.pick([this.f.cal, this.f.cal2, this.f.inbox, this.f.archive]);
    const m = this.a.mirrors.get(folderId)!;
    const busy = new Set(this.a.pending.get(folderId)!.map(p => (p.cmd.kind === 'Add' ? '' : p.cmd.serverId)));
    const candidates = [...m.items.keys()].filter(id => !busy.has(id));
    if (m.syncKey === '0' || !candidates.length) return;
    const serverId = this.rng.pick(candidates);
    const b = this.b;
    const bm = b.mirrors.get(folderId);
    if (bm?.items.has(serverId) && !b.pending.get(folderId)!.some(p => p.cmd.kind !== 'Add' && p.cmd.serverId === serverId) && this.rng.chance(0.5)) {
      this.log(`${b.name} edits ${serverId} first`);
      this.count('conflicts set up by the tablet');
      this.queueOn(b, 'Change', folderId, serverId);
      await this.settle(b);
      await this.check(b);
    } else {
      const item = await this.t.store.getItem(this.user, Number(serverId.split(':')[1]));
      // Deleted or moved on the server earlier in this step: the device's edit will meet Status 8.
      if (!item) return this.queueOn(this.a, 'Change', folderId, serverId);
      await this.t.store.updateItem(this.user, item.id, item.class === 'Calendar'
        ? codecFor('Calendar').merge(item, this.randomEvent(), undefined, VERSION)!
        : { props: mergeLocally(item.props, [['Email:Read', text(item.props, 'Email:Read') === '1' ? '0' : '1']]), filterTime: item.filterTime });
      this.touched(serverId);
      this.log(`server edits ${serverId} first`);
    }
    this.queueOn(this.a, 'Change', folderId, serverId);
  }

  /** The tablet: acts on what it has (sometimes without syncing first), then syncs. */
  private async otherDevice(): Promise<void> {
    const b = this.b;
    if (this.rng.chance(0.5)) await this.settle(b);
    for (let i = this.rng.int(1, 3); i > 0; i--) {
      const folderId = this.rng.pick(b.folders);
      const kind = this.rng.weighted([['Add', this.isCalendar(folderId) ? 2 : 0], ['Change', 4], ['Delete', 2], ['Fetch', 1]] as const);
      this.queue(b, kind, folderId);
    }
    await this.settle(b);
    await this.check(b);
  }

  private reset(dev: Dev, folderId: number, why: string): void {
    const m = dev.mirrors.get(folderId)!;
    m.items.clear();
    m.syncKey = '0';
    dev.keys.set(folderId, []);
    dev.pending.set(folderId, []);
    for (const id of dev.own) if (id.startsWith(`${folderId}:`)) dev.own.delete(id);
    this.count('resets');
    this.log(`${dev.name} starts ${folderId} over (${why})`);
  }

  /** A key two or more behind the current one is gone: Status 3, and the device starts over. */
  private async staleProbe(dev: Dev): Promise<void> {
    const usable = dev.folders.filter(id => dev.keys.get(id)!.length >= 3);
    if (!usable.length) return;
    const folderId = this.rng.pick(usable);
    const keys = dev.keys.get(folderId)!;
    const stale = keys[this.rng.int(0, keys.length - 3)]!;
    const m = dev.mirrors.get(folderId)!;
    const current = m.syncKey;
    m.syncKey = stale;
    const request = m.request([], {});
    m.syncKey = current;
    const res = await this.http(dev, encode(request));
    const status = res.body?.child('Collections')?.child('Collection')?.childText('Status');
    this.ok(status === '3', `${dev.name} sent stale SyncKey ${stale} (current ${current}) for ${folderId}: expected Status 3, got ${status}\n${dump(res)}`);
    this.count('stale keys (Status 3)');
    this.reset(dev, folderId, `stale key ${stale} → Status 3`);
  }

  /** MS-ASCMD 2.2.1.21.1: an empty request repeats the cached one. */
  private async emptySync(dev: Dev): Promise<void> {
    // The empty request says "as before, nothing from me": a device with changes to send, or one that
    // started a collection over (the cached request still names its old key), sends a full one.
    if (dev.folders.some(id => dev.mirrors.get(id)!.syncKey === '0' || dev.pending.get(id)!.length)) return;
    const res = await this.http(dev, undefined);
    this.count('empty requests');
    if (this.rng.chance(0.2)) {
      // Lost. The device cannot re-send the same empty body (the server's cache already holds the new
      // keys), so it names its own keys: the server replays what it had answered.
      this.count('lost responses (empty request)');
      this.log(`${dev.name} sends an empty Sync; the response is lost, it retries naming its keys`);
      await this.exchange(dev, dev.folders, { commands: false, retry: true, loss: undefined });
      return;
    }
    this.log(`${dev.name} sends an empty Sync (${res.raw.length ? 'answered' : 'nothing new'})`);
    this.ok(res.status === 200 && !res.body?.child('Status'), `${dev.name}'s empty Sync failed\n${dump(res)}`);
    for (const id of dev.folders) {
      const round = await this.applyChecked(dev, id, res, []);
      this.ok(round.status === 1 || !round.collection, `${dev.name}'s empty Sync: Status ${round.status} for ${id}\n${dump(res)}`);
      // What the answer brought is now the device's view: a change made elsewhere before it is no
      // longer a conflict for the device's next edit.
      for (const c of round.collection?.child('Commands')?.children ?? []) dev.dirty.delete(c.childText('ServerId') ?? '');
    }
  }

  // -- syncing

  private async http(dev: Dev, bytes: Buffer | undefined): Promise<EasResponse> {
    this.requests++;
    return dev.client.send('Sync', undefined, bytes ? { raw: bytes } : {});
  }

  /** Syncs every collection of the device until none has MoreAvailable, with its pending commands. */
  async settle(dev: Dev): Promise<void> {
    let todo = [...dev.folders];
    for (let round = 1; todo.length; round++) {
      this.ok(round < 5000, `${dev.name} still had MoreAvailable after ${round} rounds`);
      const groups = this.rng.chance(0.6) ? [todo] : todo.map(id => [id]);
      const again = new Set<number>();
      let everything = false;
      for (const group of groups) {
        const loss = dev.loss && !dev.loss.used && this.rng.chance(0.7) ? dev.loss : undefined;
        const out = await this.exchange(dev, group, { commands: round === 1, retry: false, loss });
        for (const id of out.again) again.add(id);
        // Others wrote while the response was in flight: every collection may have news.
        if (out.interleaved) everything = true;
      }
      todo = everything ? [...dev.folders] : dev.folders.filter(id => again.has(id));
    }
    dev.loss = undefined;
    dev.dirty.clear();
  }

  /** One Sync request for `group`; applies the answer, checks every command's outcome. */
  private async exchange(dev: Dev, group: number[], o: { commands: boolean; retry: boolean; loss: LossPlan | undefined }): Promise<{ again: Set<number>; interleaved: boolean }> {
    const sent = new Map<number, Pending[]>();
    const filterSent = new Map<number, number>();
    const collections: Element[] = [];
    const zero = new Set<number>();
    for (const id of group) {
      const m = dev.mirrors.get(id)!;
      if (m.syncKey === '0') zero.add(id);
      const pending = o.commands && m.syncKey !== '0' ? dev.pending.get(id)! : [];
      for (const p of pending) await this.expect(dev, id, p);
      sent.set(id, pending);
      const options: SyncRoundOptions = {};
      if (this.rng.chance(0.75)) options.windowSize = this.rng.int(1, 20);
      if (id === this.f.inbox && (m.syncKey === '0' || (!o.retry && (dev.wantFilter !== dev.filter || this.rng.chance(0.4))))) {
        options.options = [as('FilterType', dev.wantFilter)];
        filterSent.set(id, dev.wantFilter);
      }
      if (!o.retry && this.rng.chance(0.05)) options.deletesAsMoves = this.rng.chance(0.5);
      collections.push(m.request(pending.map(p => p.cmd), options).children[0]!.children[0]!);
    }
    const windowSize = this.rng.chance(0.2) ? [as('WindowSize', this.rng.int(1, 30))] : [];
    const bytes = encode(as('Sync', [as('Collections', collections), ...windowSize]));
    let response = await this.http(dev, bytes);
    let interleaved = false;
    if (o.loss) {
      o.loss.used = true;
      if (o.loss.count > 1) this.count('double losses');
      if (o.loss.interleave) this.count('losses with writes meanwhile');
      for (let i = 0; i < o.loss.count; i++) {
        this.count('lost responses');
        if (o.loss.interleave) {
          interleaved = true;
          for (let k = this.rng.int(1, 2); k > 0; k--) await this.operate(this.rng.weighted(SERVER_OPS));
        }
        const again = await this.http(dev, bytes);
        if (!o.loss.interleave) {
          this.ok(again.raw.equals(response.raw),
            `${dev.name} re-sent a request whose response was lost and got another answer\nfirst:\n${dump(response)}\nthen:\n${dump(again)}`);
        }
        response = again;
      }
      this.log(`${dev.name} lost ${o.loss.count} response(s) to a request for ${group.join(',')}`);
    }
    this.ok(response.status === 200, `${dev.name}: HTTP ${response.status}\n${dump(response)}`);
    this.ok(!response.body?.child('Status'), `${dev.name}: Sync Status ${response.body?.childText('Status')}\n${dump(response)}`);
    const again = new Set<number>();
    for (const id of group) {
      const before = dev.mirrors.get(id)!.syncKey;
      const round = await this.applyChecked(dev, id, response, sent.get(id)!);
      if (round.status !== 1) {
        this.fail(`${dev.name}: Status ${round.status} for collection ${id} at SyncKey ${before}`
          + `${round.status === 3 ? ' — the device used the key it was given' : ''}\n${dump(response)}`);
      }
      if (filterSent.has(id)) {
        if (dev.filter !== filterSent.get(id)) this.count('FilterType changes');
        dev.filter = filterSent.get(id)!;
      }
      if (o.commands) dev.pending.set(id, []);
      await this.outcomes(dev, id, round, sent.get(id)!);
      if (round.moreAvailable) this.count('MoreAvailable');
      if (round.moreAvailable || zero.has(id)) again.add(id);
    }
    return { again, interleaved };
  }

  /** What the server may answer to a command, decided as the request leaves. */
  private async expect(dev: Dev, folderId: number, p: Pending): Promise<void> {
    const c = p.cmd;
    if (c.kind === 'Add') p.allowed = [1];
    else if (c.kind === 'Change') p.allowed = dev.dirty.has(c.serverId) ? [7, 8] : [1];
    else if (c.kind === 'Delete') p.allowed = dev.dirty.has(c.serverId) ? [1, 8] : [1];
    else {
      const item = await this.serverItem(folderId, c.serverId);
      p.allowed = item ? [1] : [8];
      p.fetchExpect = item ? canon(await visible(this.t.store, item)) : null;
    }
  }

  private async serverItem(folderId: number, serverId: string): Promise<Item | undefined> {
    const m = /^(\d+):(\d+)$/.exec(serverId);
    if (!m || Number(m[1]) !== folderId) return undefined;
    const item = await this.t.store.getItem(this.user, Number(m[2]));
    return item && item.folderId === folderId ? item : undefined;
  }

  private async outcomes(dev: Dev, folderId: number, round: SyncRound, sent: Pending[]): Promise<void> {
    const m = dev.mirrors.get(folderId)!;
    for (const p of sent) {
      const c = p.cmd;
      const entry = c.kind === 'Add' ? round.added.get(c.clientId) : round.statuses.find(s => s.kind === c.kind && s.serverId === c.serverId);
      // Exchange reports a successful Change or Delete by saying nothing about it.
      const status = entry?.status ?? (c.kind === 'Change' || c.kind === 'Delete' ? 1 : undefined);
      const what = `${dev.name} ${c.kind} ${c.kind === 'Add' ? c.clientId : c.serverId} in ${folderId}`;
      this.ok(status !== undefined && p.allowed.includes(status), `${what}: Status ${status}, expected ${p.allowed.join(' or ')}`);
      this.count(`${c.kind} → Status ${status}`);
      if (c.kind === 'Fetch' && status === 1) {
        const data = round.statuses.find(s => s.kind === 'Fetch' && s.serverId === c.serverId)?.data;
        this.ok(data && canon(data) === p.fetchExpect, `${what}: fetched ${JSON.stringify(data)}, the server had ${p.fetchExpect}`);
      }
      if (c.kind === 'Change' && status === 1 && p.local && m.items.get(c.serverId) === c.props) m.items.set(c.serverId, p.local);
      if (c.kind === 'Add' && status === 1) dev.own.add(round.added.get(c.clientId)!.serverId!);
      if (c.kind === 'Change' && status === 1 && m.items.get(c.serverId) === c.props) dev.own.add(c.serverId);
      if ((c.kind === 'Change' || c.kind === 'Delete') && status === 1) {
        for (const other of [this.a, this.b]) if (other !== dev) other.dirty.add(c.serverId);
      }
    }
  }

  /**
   * CollectionMirror.apply, after checking what the answer asks of the device: no Add of what it
   * holds (a duplicate), no Change, Delete or SoftDelete of what it does not hold, no hard Delete of
   * an item the server still has.
   */
  private async applyChecked(dev: Dev, folderId: number, response: EasResponse, sent: Pending[]): Promise<SyncRound> {
    const m = dev.mirrors.get(folderId)!;
    const collection = response.body?.child('Collections')?.all('Collection').find(c => c.childText('CollectionId') === String(folderId));
    if (collection?.childText('Status') === '1') {
      const holds = new Set(m.items.keys());
      for (const p of sent) if (p.cmd.kind === 'Delete') holds.delete(p.cmd.serverId);
      for (const r of collection.child('Responses')?.all('Add') ?? []) {
        const serverId = r.childText('ServerId');
        if (r.childText('Status') !== '1' || !serverId) continue;
        this.ok(!holds.has(serverId), `${dev.name}: Add answered with ServerId ${serverId}, which the device already holds\n${dump(response)}`);
        holds.add(serverId);
      }
      const seen = new Set<string>();
      for (const c of collection.child('Commands')?.children ?? []) {
        const serverId = c.childText('ServerId') ?? '';
        const where = `${dev.name} (${folderId}, SyncKey ${m.syncKey}): ${c.name} ${serverId}`;
        this.ok(!seen.has(serverId), `${where} appears twice in one response\n${dump(response)}`);
        seen.add(serverId);
        dev.own.delete(serverId);
        this.ok(serverId.startsWith(`${folderId}:`), `${where} names another folder\n${dump(response)}`);
        if (c.name === 'Add') {
          this.ok(!holds.has(serverId), `${where}: a duplicate, the device holds it already\n${dump(response)}`);
          holds.add(serverId);
        } else if (c.name === 'Change') {
          this.ok(holds.has(serverId), `${where}: the device does not hold it\n${dump(response)}`);
        } else {
          this.ok(holds.has(serverId), `${where}: the device does not hold it\n${dump(response)}`);
          holds.delete(serverId);
          if (c.name === 'Delete') {
            this.ok(!(await this.serverItem(folderId, serverId)), `${where}: the item is still there (only SoftDelete may say so)\n${dump(response)}`);
          } else {
            this.count('SoftDelete');
          }
        }
      }
    }
    const before = m.syncKey;
    const round = m.apply(response, sent.map(p => p.cmd));
    if (m.syncKey !== before) dev.keys.get(folderId)!.push(m.syncKey);
    return round;
  }

  // -- the invariant

  /** The device's copy of every collection equals the server's live items (within the Inbox's window). */
  async check(dev: Dev): Promise<void> {
    const store = this.t.store;
    const devicePk = (await store.listDevices(this.user)).find(d => d.deviceId === `SIM${dev.name}`)!.id;
    const now = Date.now();
    for (const folderId of dev.folders) {
      const m = dev.mirrors.get(folderId)!;
      const filter = folderId === this.f.inbox ? dev.filter : 0;
      this.ok(filter === dev.wantFilter || folderId !== this.f.inbox, `${dev.name} asked for FilterType ${dev.wantFilter} but has ${filter}`);
      const items = await store.getItems(folderId, await store.liveItemIds(folderId));
      const expected = new Map<string, { canon: string; modseq: number }>();
      for (const i of items.filter(x => !x.deleted && inWindow(x.props, filter, now))) {
        const serverId = `${folderId}:${i.id}`;
        const props = await visible(store, i);
        expected.set(serverId, { canon: canon(dev.own.has(serverId) ? props.filter(p => !SERVER_ASSIGNED.has(p[0])) : props), modseq: i.modseq });
      }
      const missing = [...expected.keys()].filter(id => !m.items.has(id));
      const extra = [...m.items.keys()].filter(id => !expected.has(id));
      const differ = [...m.items.entries()].filter(([id, props]) => expected.has(id) && canon(props) !== expected.get(id)!.canon);
      if (missing.length || extra.length || differ.length) {
        const show = ([id, props]: [string, ItemProps]) => `  ${id}\n    device: ${canon(props)}\n    server: ${expected.get(id)!.canon}`;
        this.fail(`${dev.name}'s copy of folder ${folderId} (FilterType ${filter}, SyncKey ${m.syncKey}) is not the server's:\n`
          + `  lost (on the server, not on the device): ${missing.join(' ') || '-'}\n`
          + `  extra (on the device, not on the server): ${extra.join(' ') || '-'}\n`
          + `  different: ${differ.length}\n${differ.slice(0, 5).map(show).join('\n')}`);
      }
      // The server's record of what the device holds says the same: every item, at its current version.
      const ids = [...m.items.keys()].map(id => Number(id.split(':')[1]));
      const held = await store.heldVersions(devicePk, folderId, ids);
      const wrong = ids.filter(id => held.get(id) !== expected.get(`${folderId}:${id}`)!.modseq);
      this.ok(!wrong.length, `${dev.name}/${folderId}: the server thinks the device holds other versions of ${wrong.join(' ')}`);
      const count = await store.heldCount(devicePk, folderId);
      this.ok(count === m.items.size, `${dev.name}/${folderId}: the server thinks the device holds ${count} items, it holds ${m.items.size}`);
    }
  }
}

function dump(res: EasResponse): string {
  if (!res.body) return `  HTTP ${res.status}, ${res.raw.length} bytes`;
  const xml = toXml(res.body);
  return xml.length > 4000 ? `${xml.slice(0, 4000)}…` : xml;
}

for (const backend of BACKENDS) {
  const name = backend.name.replace('Backend', '');
  const steps = STEPS_OVERRIDE ?? DEFAULT_STEPS[name] ?? 600;
  describe(`Sync simulation (${name})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer({ backend });
    });
    after(() => t.close());

    it(`${steps} random steps: the device's copy always equals the server's (SYNC_SIM_SEED=${SEED})`, async ctx => {
      ctx.diagnostic(`SYNC_SIM_SEED=${SEED} SYNC_SIM_STEPS=${steps} backend=${name}`);
      const started = Date.now();
      const sim = new Simulation(t, name, steps);
      try {
        await sim.setUp();
        await sim.run();
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        throw new Error(`${sim.replay()} ${(e as Error).stack ?? e}`);
      }
      const seconds = (Date.now() - started) / 1000;
      ctx.diagnostic(`${sim.operations} operations, ${sim.requests} Sync requests in ${seconds.toFixed(1)} s`);
      ctx.diagnostic([...sim.stats].sort().map(([k, v]) => `${k}: ${v}`).join(', '));
      console.log(`sync-sim ${name}: seed ${SEED}, ${steps} steps, ${sim.operations} operations, ${sim.requests} requests, ${seconds.toFixed(1)} s`);
      // The simulation proves something only if it went where it should.
      if (steps >= 600) {
        for (const key of ['Change → Status 7', 'SoftDelete', 'MoreAvailable', 'lost responses', 'double losses', 'losses with writes meanwhile',
          'stale keys (Status 3)', 'resets', 'empty requests', 'FilterType changes', 'conflicts set up by the tablet']) {
          assert.ok((sim.stats.get(key) ?? 0) > 0, `${sim.replay()} never saw "${key}" in ${steps} steps`);
        }
      }
    });
  });
}
