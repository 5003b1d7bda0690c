// Client-side Sync of one collection: the device's copy of a folder, kept as a phone keeps it.
import type { ItemProps } from '../store/types.js';
import { toElements, toProps } from '../eas/props.js';
import { tags, type Element } from '../wbxml/index.js';
import type { EasClient, EasResponse } from './EasClient.js';

const as = tags('AirSync');
const asb = tags('AirSyncBase');

export type PendingCommand =
  | { kind: 'Add'; clientId: string; props: ItemProps }
  | { kind: 'Change'; serverId: string; props: ItemProps; instanceId?: string }
  | { kind: 'Delete'; serverId: string; instanceId?: string }
  | { kind: 'Fetch'; serverId: string };

export interface SyncRound {
  status: number;
  response: EasResponse;
  collection: Element | undefined;
  /** Responses/Add: ClientId → ServerId (and Status). */
  added: Map<string, { serverId: string | undefined; status: number }>;
  /** Statuses the server gave individual commands (Responses). */
  statuses: { kind: string; serverId?: string | undefined; clientId?: string | undefined; status: number; data?: ItemProps | undefined }[];
  moreAvailable: boolean;
  empty: boolean;
}

export interface SyncRoundOptions {
  windowSize?: number;
  getChanges?: boolean;
  options?: Element[];
  /** Extra children of the Sync element (Wait, HeartbeatInterval, WindowSize, Partial). */
  extra?: Element[];
  deletesAsMoves?: boolean;
  supported?: Element[];
  /** MS-ASProtocolVersion of this round only. */
  version?: string | undefined;
}

/** What a saved device remembers of one collection (src/client/state.ts). */
export interface CollectionState {
  syncKey: string;
  items: Record<string, ItemProps>;
}

export class CollectionMirror {
  syncKey = '0';
  readonly items = new Map<string, ItemProps>();

  constructor(private readonly client: EasClient, readonly collectionId: string) {}

  /** Builds the Sync request for this collection (public so tests can replay or alter it). */
  request(commands: PendingCommand[] = [], o: SyncRoundOptions = {}): Element {
    return as('Sync', [
      as('Collections', [as('Collection', [
        as('SyncKey', this.syncKey),
        as('CollectionId', this.collectionId),
        o.supported && as('Supported', o.supported),
        o.deletesAsMoves !== undefined && as('DeletesAsMoves', o.deletesAsMoves ? 1 : 0),
        this.syncKey !== '0' && (o.getChanges ?? true) && as('GetChanges'),
        this.syncKey !== '0' && o.getChanges === false && as('GetChanges', 0),
        o.windowSize !== undefined && as('WindowSize', o.windowSize),
        o.options && as('Options', o.options),
        commands.length > 0 && as('Commands', commands.map(commandElement)),
      ])]),
      ...(o.extra ?? []),
    ]);
  }

  /** One round: send, then apply what the server said to the local copy. */
  async sync(commands: PendingCommand[] = [], o: SyncRoundOptions = {}): Promise<SyncRound> {
    const response = await this.client.send('Sync', this.request(commands, o), { version: o.version });
    return this.apply(response, commands);
  }

  toState(): CollectionState {
    return { syncKey: this.syncKey, items: Object.fromEntries(this.items) };
  }

  /** Continues where a saved device stopped: same SyncKey, same items. */
  restore(state: CollectionState): this {
    this.syncKey = state.syncKey;
    this.items.clear();
    for (const [id, props] of Object.entries(state.items)) this.items.set(id, props);
    return this;
  }

  /**
   * Syncs until the server has nothing more (MoreAvailable), keeping each SyncKey, and returns the
   * rounds. A first sync (SyncKey 0) is followed by the round that brings the items.
   */
  async syncAll(o: SyncRoundOptions = {}): Promise<SyncRound[]> {
    const rounds: SyncRound[] = [];
    for (let i = 0; i < 10_000; i++) {
      const first = this.syncKey === '0';
      const round = await this.sync([], o);
      rounds.push(round);
      if (round.status !== 1 || (!round.moreAvailable && !first)) break;
    }
    return rounds;
  }

  apply(response: EasResponse, sent: PendingCommand[]): SyncRound {
    const empty = response.status === 200 && response.raw.length === 0;
    const collection = response.body?.child('Collections')?.all('Collection').find(c => c.childText('CollectionId') === this.collectionId);
    const status = empty ? 1 : Number(collection?.childText('Status') ?? response.body?.childText('Status') ?? 0);
    const round: SyncRound = { status, response, collection, added: new Map(), statuses: [], moreAvailable: false, empty };
    if (!collection || status !== 1) return round;
    this.syncKey = collection.childText('SyncKey') ?? this.syncKey;
    round.moreAvailable = collection.has('MoreAvailable');
    this.applySent(sent);
    for (const r of collection.child('Responses')?.children ?? []) {
      const entry = { kind: r.name, serverId: r.childText('ServerId'), clientId: r.childText('ClientId'), status: Number(r.childText('Status')),
        data: r.child('ApplicationData') && toProps(r.child('ApplicationData')!) };
      round.statuses.push(entry);
      if (r.name === 'Add' && entry.clientId) {
        round.added.set(entry.clientId, { serverId: entry.serverId, status: entry.status });
        const pending = sent.find(c => c.kind === 'Add' && c.clientId === entry.clientId) as { props: ItemProps } | undefined;
        if (entry.status === 1 && entry.serverId && pending) this.items.set(entry.serverId, pending.props);
      }
    }
    for (const c of collection.child('Commands')?.children ?? []) {
      const serverId = c.childText('ServerId') ?? '';
      if (c.name === 'Delete' || c.name === 'SoftDelete') this.items.delete(serverId);
      else this.items.set(serverId, toProps(c.child('ApplicationData')!));
    }
    return round;
  }

  /** The device applied its own changes and deletes locally when it made them. */
  private applySent(sent: PendingCommand[]): void {
    for (const c of sent) {
      if (c.kind === 'Change' && !c.instanceId && this.items.has(c.serverId)) this.items.set(c.serverId, c.props);
      if (c.kind === 'Delete' && !c.instanceId) this.items.delete(c.serverId);
    }
  }
}

function commandElement(c: PendingCommand): Element {
  switch (c.kind) {
    case 'Add': return as('Add', [as('ClientId', c.clientId), as('ApplicationData', toElements(c.props))]);
    case 'Change': return as('Change', [as('ServerId', c.serverId), c.instanceId && asb('InstanceId', c.instanceId), as('ApplicationData', toElements(c.props))]);
    case 'Delete': return as('Delete', [as('ServerId', c.serverId), c.instanceId && asb('InstanceId', c.instanceId)]);
    case 'Fetch': return as('Fetch', [as('ServerId', c.serverId)]);
  }
}
