// The Store on any SqlDriver. Every query here runs unchanged on SQLite and PostgreSQL.
import { ChangeFeed, type ChangeEvent } from '../changes.js';
import type {
  DeviceSighting, ItemChangeInput, NewItem, NewItemIn, NewOutbound, NewUser, OutboundEntry, OutboundFailure, OutboundQueueStats, OutboundRetry, Store,
} from '../Store.js';
import {
  type CollectionState, type Device, type DeviceInformation, type DeviceWipe, type Folder, type FolderAndState, type FolderTypeValue,
  type HierarchySnapshot, type Item, type ItemChange, type OofSettings, type User,
} from '../types.js';
import * as autoReplies from './autoReplies.js';
import * as consoleSessions from './consoleSessions.js';
import * as outboundAdmin from './outboundAdmin.js';
import { DEVICE_COLUMNS, DEVICE_COLUMNS_CACHED, toDevice, type DeviceRow } from './devices.js';
import * as devices from './devices.js';
import * as dkimKeys from './dkimKeys.js';
import * as resources from './resources.js';
import * as delegates from './delegates.js';
import * as folders from './folders.js';
import * as rules from './conversationRules.js';
import type { SqlDriver, StatementCounts } from './driver.js';
import * as items from './items.js';
import { Sightings } from './lastSeen.js';
import * as maintenance from './maintenance.js';
import * as outbound from './outbound.js';
import { migrate } from './schema.js';
import * as search from './search.js';
import type { ConsoleSession, Delegate, DkimKey, ItemRef, ItemSearch, OutboundListing, Resource, SyncedCollection } from '../Store.js';
import * as state from './syncState.js';
import * as traces from './traces.js';
import type { NewProtocolExchange, NewTraceRow, ProtocolExchange, TracedMeeting, TraceRow } from '../traceTypes.js';
import * as users from './users.js';

const CHANNEL = 'convene_changes';

/** What a store and the stores of its transactions share. */
interface Shared {
  feed: ChangeFeed;
  sightings: Sightings;
  listening?: Promise<unknown>;
}

interface FolderRow { id: number; user_id: number; parent_id: number; display_name: string; type: number; dav_name: string | null; modseq?: number }
const FOLDER = 'id, user_id, parent_id, display_name, type, dav_name';

export async function openSqlStore(db: SqlDriver): Promise<Store> {
  await migrate(db);
  return new SqlStore(db, { feed: new ChangeFeed(), sightings: new Sightings(db) });
}

class SqlStore implements Store {
  /** Inside a transaction: announcements wait here for the commit. */
  private readonly pending: ChangeEvent[] | undefined;

  constructor(private readonly db: SqlDriver, private readonly shared: Shared, pending?: ChangeEvent[],
    private readonly committed?: ((store: Store) => Promise<void>)[]) {
    this.pending = pending;
  }

  get changes(): ChangeFeed {
    // The first listener starts the LISTEN connection (PostgreSQL); CLI commands never need one.
    this.shared.listening ??= this.db.listen(CHANNEL, payload => {
      try { this.shared.feed.emit(JSON.parse(payload) as ChangeEvent); } catch { /* not ours */ }
    });
    return this.shared.feed;
  }

  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.pending) return fn(this);
    const pending: ChangeEvent[] = [];
    const committed: ((store: Store) => Promise<void>)[] = [];
    const result = await this.db.transaction(tx => {
      // A run that rolled back announces nothing and leaves nothing to do after it.
      pending.length = 0;
      committed.length = 0;
      return fn(new SqlStore(tx, this.shared, pending, committed));
    });
    const events = dedupe(pending);
    if (events.length) await this.db.notifyAll(CHANNEL, events.map(e => JSON.stringify(e))).catch(() => undefined);
    for (const next of committed) await next(this);
    return result;
  }

  async afterCommit(fn: (store: Store) => Promise<void>): Promise<void> {
    if (this.committed) this.committed.push(fn);
    else await fn(this);
  }

  lockAccounts(userIds: readonly number[]): Promise<void> {
    return this.db.lockAccounts(userIds);
  }

  private async announce(event: ChangeEvent): Promise<void> {
    if (this.pending) this.pending.push(event);
    else await this.deliver(event);
  }

  private async deliver(event: ChangeEvent): Promise<void> {
    await this.db.notify(CHANNEL, JSON.stringify(event)).catch(() => undefined);
  }

  createUser(user: NewUser): Promise<User> { return this.db.transaction(tx => users.create(tx, user)); }
  findUserByEmail(email: string): Promise<User | undefined> { return users.byEmail(this.db, email); }
  findUsersByEmail(emails: readonly string[]): Promise<User[]> { return users.byEmails(this.db, emails); }
  findUserWithDevice(email: string, deviceId: string): Promise<{ user: User; device: Device | null } | undefined> {
    return devices.userWithDevice(this.db, email, deviceId);
  }
  findUsersByLocalPart(localPart: string): Promise<User[]> { return users.byLocalPart(this.db, localPart); }
  listUsers(): Promise<User[]> { return users.list(this.db); }
  countUsers(): Promise<number> { return users.count(this.db); }
  setPassword(userId: number, passwordHash: string): Promise<void> { return users.setPassword(this.db, userId, passwordHash); }
  setDisplayName(userId: number, displayName: string): Promise<void> { return users.setDisplayName(this.db, userId, displayName); }
  removeUser(userId: number): Promise<boolean> { return users.remove(this.db, userId); }

  async recordDevice(s: DeviceSighting, read?: Device | null): Promise<Device> {
    const now = Date.now();
    // Read with the account for this request (findUserWithDevice): a known device that reports
    // nothing new costs no statement; a changed or new one goes to the upsert below at once.
    if (read && read.userId === s.userId && read.deviceId === s.deviceId
      && read.deviceType === s.deviceType && read.userAgent === s.userAgent && read.protocolVersion === s.protocolVersion) {
      this.shared.sightings.note(read.id, now);
      return { ...read, lastSeen: Math.max(read.lastSeen, now) };
    }
    const known = read !== undefined ? undefined
      : await this.db.get<DeviceRow>(`SELECT ${DEVICE_COLUMNS_CACHED} FROM devices WHERE user_id = ? AND device_id = ?`, [s.userId, s.deviceId]);
    if (known && known.device_type === s.deviceType && known.user_agent === s.userAgent && known.protocol_version === s.protocolVersion) {
      // Nothing it reports changed: only the sighting, which is written later in a batch (lastSeen.ts).
      this.shared.sightings.note(known.id, now);
      return toDevice({ ...known, last_seen: Math.max(known.last_seen, now) });
    }
    const row = (await this.db.get<DeviceRow>(
      `INSERT INTO devices (user_id, device_id, device_type, user_agent, protocol_version, first_seen, last_seen)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (user_id, device_id) DO UPDATE SET device_type = excluded.device_type,
         user_agent = excluded.user_agent, protocol_version = excluded.protocol_version, last_seen = excluded.last_seen
       RETURNING ${DEVICE_COLUMNS_CACHED}`,
      [s.userId, s.deviceId, s.deviceType, s.userAgent, s.protocolVersion, now, now],
    )) as DeviceRow;
    return toDevice(row);
  }

  async listDevices(userId: number): Promise<Device[]> {
    const rows = await this.db.all<DeviceRow>(`SELECT ${DEVICE_COLUMNS} FROM devices WHERE user_id = ? ORDER BY device_id`, [userId]);
    // This node's sightings not written yet: what it lists is exact, other nodes' at most a flush behind.
    return rows.map(r => toDevice({ ...r, last_seen: Math.max(r.last_seen, this.shared.sightings.unwritten(r.id) ?? 0) }));
  }

  // Provisioning (src/store/sql/devices.ts, docs/provisioning.md).
  setPendingPolicyKey(devicePk: number, key: number): Promise<void> {
    return devices.setPendingPolicyKey(this.db, devicePk, key);
  }

  acknowledgePolicyKey(devicePk: number, temporaryKey: number, finalKey: number, policyHash: string): Promise<boolean> {
    return devices.acknowledgePolicyKey(this.db, devicePk, temporaryKey, finalKey, policyHash);
  }

  setDeviceInformation(devicePk: number, info: DeviceInformation): Promise<void> {
    return devices.setInformation(this.db, devicePk, info);
  }

  requestWipe(devicePk: number, kind: DeviceWipe['kind']): Promise<void> {
    return devices.requestWipe(this.db, devicePk, kind);
  }

  recordWipe(devicePk: number, status: 'sent' | 'done' | 'failed'): Promise<void> {
    return devices.recordWipe(this.db, devicePk, status);
  }

  removeDevice(userId: number, deviceId: string): Promise<boolean> {
    return devices.removeDevice(this.db, userId, deviceId);
  }

  getOof(userId: number): Promise<OofSettings | undefined> {
    return devices.getOof(this.db, userId);
  }

  setOof(userId: number, oof: OofSettings): Promise<void> {
    return this.db.transaction(async tx => {
      await devices.setOof(tx, userId, oof);
      await autoReplies.startPeriod(tx, userId);
    });
  }

  rememberAutoReply(userId: number, sender: string): Promise<boolean> {
    return autoReplies.rememberAutoReply(this.db, userId, sender);
  }

  async listFolders(userId: number): Promise<Folder[]> {
    const rows = await this.db.all<FolderRow>(
      `SELECT ${FOLDER} FROM folders WHERE user_id = ? ORDER BY id`, [userId]);
    return rows.map(toFolder);
  }

  listFoldersOfType(userIds: readonly number[], types: readonly FolderTypeValue[]): Promise<Folder[]> {
    return folders.ofType(this.db, userIds, types);
  }

  async createFolder(userId: number, f: { parentId: number; displayName: string; type: FolderTypeValue; davName?: string | undefined; davProps?: Record<string, string> | undefined }): Promise<Folder> {
    const row = (await this.db.get<FolderRow>(
      `INSERT INTO folders (user_id, parent_id, display_name, type, dav_name, dav_props) VALUES (?, ?, ?, ?, ?, ?) RETURNING ${FOLDER}`,
      [userId, f.parentId, f.displayName, f.type, f.davName ?? null, f.davProps ? JSON.stringify(f.davProps) : null],
    )) as FolderRow;
    await this.announce({ userId, hierarchy: true });
    return toFolder(row);
  }

  async updateFolder(userId: number, folderId: number, change: { parentId: number; displayName: string }): Promise<boolean> {
    const res = await this.db.run('UPDATE folders SET parent_id = ?, display_name = ? WHERE id = ? AND user_id = ?',
      [change.parentId, change.displayName, folderId, userId]);
    if (res.changes > 0) await this.announce({ userId, hierarchy: true });
    return res.changes > 0;
  }

  async deleteFolder(userId: number, folderId: number): Promise<boolean> {
    const deleted = await this.db.transaction(async tx => {
      await tx.lockAccounts([userId]);
      const all = await tx.all<{ id: number; parent_id: number }>('SELECT id, parent_id FROM folders WHERE user_id = ?', [userId]);
      if (!all.some(f => f.id === folderId)) return false;
      const doomed = new Set([folderId]);
      for (let grew = true; grew;) {
        grew = false;
        for (const f of all) if (doomed.has(f.parent_id) && !doomed.has(f.id)) { doomed.add(f.id); grew = true; }
      }
      for (const id of doomed) await tx.run('DELETE FROM folders WHERE id = ? AND user_id = ?', [id, userId]);
      return true;
    });
    if (deleted) await this.announce({ userId, hierarchy: true });
    return deleted;
  }

  async getFolder(userId: number, folderId: number): Promise<(Folder & { modseq: number; purgedModseq: number }) | undefined> {
    const row = await this.db.get<FolderRow & { purged_modseq: number }>(
      `SELECT ${FOLDER}, modseq, purged_modseq FROM folders WHERE id = ? AND user_id = ?`, [folderId, userId]);
    return row && { ...toFolder(row), modseq: row.modseq ?? 0, purgedModseq: Number(row.purged_modseq ?? 0) };
  }

  async findFolderByDavName(userId: number, davName: string): Promise<Folder | undefined> {
    const row = await this.db.get<FolderRow>(`SELECT ${FOLDER} FROM folders WHERE user_id = ? AND dav_name = ?`, [userId, davName]);
    return row && toFolder(row);
  }

  async getFolderDavProps(userId: number, folderId: number): Promise<Record<string, string>> {
    const row = await this.db.get<{ dav_props: string | null }>('SELECT dav_props FROM folders WHERE id = ? AND user_id = ?', [folderId, userId]);
    return row?.dav_props ? JSON.parse(row.dav_props) as Record<string, string> : {};
  }

  async setFolderDavProps(userId: number, folderId: number, props: Record<string, string>): Promise<boolean> {
    const res = await this.db.run('UPDATE folders SET dav_props = ? WHERE id = ? AND user_id = ?', [JSON.stringify(props), folderId, userId]);
    return res.changes > 0;
  }

  async purgeTombstones(before: number): Promise<number> {
    let removed = 0;
    for (const userId of await items.tombstoneOwners(this.db, before)) {
      removed += await this.db.transaction(tx => items.purgeTombstones(tx, userId, before));
    }
    return removed;
  }

  async addItem(userId: number, folderId: number, item: NewItem): Promise<Item | undefined> {
    const made = await this.db.transaction(async tx => {
      await tx.lockAccounts([userId]);
      return items.insertItem(tx, userId, folderId, item);
    });
    if (made) await this.announce({ userId, folderId });
    return made;
  }

  async addItems(entries: readonly NewItemIn[]): Promise<(Item | undefined)[]> {
    const made = await this.db.transaction(async tx => {
      await tx.lockAccounts(entries.map(e => e.userId));
      return items.insertItems(tx, entries);
    });
    for (const m of dedupe(made.flatMap(m => (m ? [{ userId: m.userId, folderId: m.folderId }] : [])))) await this.announce(m);
    return made;
  }

  getItem(userId: number, itemId: number): Promise<Item | undefined> {
    return items.findItem(this.db, userId, itemId);
  }

  itemsEndingFrom(folderId: number, from: number, limit: number): Promise<Item[]> {
    return items.itemsEndingFrom(this.db, folderId, from, limit);
  }

  getItems(folderId: number, itemIds: number[]): Promise<Item[]> {
    return items.findItems(this.db, folderId, itemIds);
  }

  async updateItem(userId: number, itemId: number, change: ItemChangeInput): Promise<Item | undefined> {
    const updated = await this.db.transaction(async tx => {
      await tx.lockAccounts([userId]);
      return items.updateItem(tx, userId, itemId, change);
    });
    if (updated) await this.announce({ userId, folderId: updated.folderId });
    return updated;
  }

  async deleteItem(userId: number, itemId: number): Promise<boolean> {
    const gone = await this.db.transaction(async tx => {
      await tx.lockAccounts([userId]);
      return items.tombstone(tx, userId, itemId);
    });
    if (gone) await this.announce({ userId, folderId: gone.folderId });
    return gone !== undefined;
  }

  async moveItem(userId: number, itemId: number, toFolderId: number, davName?: string): Promise<Item | undefined> {
    const moved = await this.db.transaction(async tx => {
      await tx.lockAccounts([userId]);
      const copy = await items.copyItem(tx, userId, itemId, toFolderId, davName);
      if (!copy) return undefined;
      await items.handOverContent(tx, itemId, copy.id);
      const gone = (await items.tombstone(tx, userId, itemId)) as { folderId: number };
      return { from: gone.folderId, copy };
    });
    if (!moved) return undefined;
    await this.announce({ userId, folderId: moved.from });
    await this.announce({ userId, folderId: toFolderId });
    return moved.copy;
  }

  getItemContent(userId: number, itemId: number): Promise<Buffer | undefined> {
    return items.findContent(this.db, userId, itemId);
  }

  findItemByDavName(folderId: number, davName: string): Promise<Item | undefined> {
    return items.findByDavName(this.db, folderId, davName);
  }

  findItemsByDavNames(folderId: number, davNames: string[]): Promise<Item[]> {
    return items.findByDavNames(this.db, folderId, davNames);
  }

  findItemsByUid(userId: number, uid: string): Promise<Item[]> {
    return items.findByUid(this.db, userId, uid);
  }

  findItemsByUidInFolder(userId: number, folderId: number, uid: string): Promise<Item[]> {
    return items.findInFolderByUid(this.db, userId, folderId, uid);
  }

  findItemsByUidOf(userIds: readonly number[], uid: string): Promise<Item[]> {
    return items.findByUidOf(this.db, userIds, uid);
  }

  listChanges(folderId: number, afterModseq: number, limit: number): Promise<ItemChange[]> {
    return items.listChanges(this.db, folderId, afterModseq, limit);
  }

  liveItemIds(folderId: number): Promise<number[]> {
    return items.liveItemIds(this.db, folderId);
  }

  getCollectionState(devicePk: number, folderId: number): Promise<CollectionState | undefined> {
    return state.getState(this.db, devicePk, folderId);
  }

  getFolderAndState(userId: number, devicePk: number, folderId: number): Promise<FolderAndState | undefined> {
    return state.folderAndState(this.db, userId, devicePk, folderId);
  }

  saveCollectionState(s: CollectionState): Promise<void> {
    return state.saveState(this.db, s);
  }

  dropCollectionState(devicePk: number, folderId: number): Promise<void> {
    return this.db.transaction(tx => state.dropState(tx, devicePk, folderId));
  }

  heldVersions(devicePk: number, folderId: number, itemIds: number[]): Promise<Map<number, number>> {
    return state.heldVersions(this.db, devicePk, folderId, itemIds);
  }

  holdVersions(devicePk: number, folderId: number, entries: [number, number][]): Promise<void> {
    return this.db.transaction(tx => state.holdVersions(tx, devicePk, folderId, entries));
  }

  releaseItems(devicePk: number, folderId: number, itemIds: number[]): Promise<void> {
    return this.db.transaction(tx => state.releaseItems(tx, devicePk, folderId, itemIds));
  }

  vanishedItems(devicePk: number, folderId: number): Promise<number[]> {
    return state.vanishedItems(this.db, devicePk, folderId);
  }

  heldCount(devicePk: number, folderId: number): Promise<number> {
    return state.heldCount(this.db, devicePk, folderId);
  }

  async getDeviceCache(devicePk: number, which: 'ping' | 'sync_request'): Promise<string | undefined> {
    const row = await this.db.get<{ v: string | null }>(`SELECT ${which} AS v FROM devices WHERE id = ?`, [devicePk]);
    return row?.v ?? undefined;
  }

  async setDeviceCache(devicePk: number, which: 'ping' | 'sync_request', value: string): Promise<void> {
    await this.db.run(`UPDATE devices SET ${which} = ? WHERE id = ?`, [value, devicePk]);
  }

  rememberClientId(userId: number, clientId: string): Promise<boolean> {
    return this.rememberOnce('sent_client_ids', 'client_id', userId, clientId);
  }

  rememberReceived(userId: number, messageId: string): Promise<boolean> {
    return this.rememberOnce('received_message_ids', 'message_id', userId, messageId);
  }

  forgetRememberedIds(before: number): Promise<number> {
    return this.db.transaction(async tx => {
      const sent = await tx.run('DELETE FROM sent_client_ids WHERE created_at < ?', [before]);
      const received = await tx.run('DELETE FROM received_message_ids WHERE created_at < ?', [before]);
      return sent.changes + received.changes;
    });
  }

  /** Inserts (user, key) unless present; true when it was new. */
  private async rememberOnce(table: string, column: string, userId: number, key: string): Promise<boolean> {
    const res = await this.db.run(
      `INSERT INTO ${table} (user_id, ${column}, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id, ${column}) DO NOTHING`,
      [userId, key, Date.now()]);
    return res.changes > 0;
  }

  async getHierarchySnapshot(devicePk: number, syncKey: number): Promise<HierarchySnapshot | undefined> {
    const row = await this.db.get<{ sync_key: number; folders: string }>(
      'SELECT sync_key, folders FROM hierarchy_snapshots WHERE device_pk = ? AND sync_key = ?', [devicePk, syncKey]);
    return row && { syncKey: row.sync_key, folders: JSON.parse(row.folders) };
  }

  async latestHierarchySnapshot(devicePk: number): Promise<HierarchySnapshot | undefined> {
    const row = await this.db.get<{ sync_key: number; folders: string }>(
      'SELECT sync_key, folders FROM hierarchy_snapshots WHERE device_pk = ? ORDER BY sync_key DESC LIMIT 1', [devicePk]);
    return row && { syncKey: row.sync_key, folders: JSON.parse(row.folders) };
  }

  async saveHierarchySnapshot(devicePk: number, snapshot: HierarchySnapshot, previousKey: number): Promise<void> {
    await this.db.transaction(async tx => {
      await tx.run('DELETE FROM hierarchy_snapshots WHERE device_pk = ? AND sync_key <> ?', [devicePk, previousKey]);
      await tx.run(
        `INSERT INTO hierarchy_snapshots (device_pk, sync_key, folders, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (device_pk, sync_key) DO UPDATE SET folders = excluded.folders, created_at = excluded.created_at`,
        [devicePk, snapshot.syncKey, JSON.stringify(snapshot.folders), Date.now()],
      );
    });
  }

  statementCounts(): StatementCounts {
    return this.db.counts();
  }

  async close(): Promise<void> {
    await this.shared.sightings.close().catch(() => undefined);
    await this.db.close();
  }

  // Outbound SMTP queue (src/store/sql/outbound.ts).
  enqueueOutbound(entry: NewOutbound): Promise<OutboundEntry> {
    return outbound.enqueue(this.db, entry);
  }

  getOutbound(id: number): Promise<OutboundEntry | undefined> {
    return outbound.find(this.db, id);
  }

  claimOutbound(owner: string, lease: { limit: number; leaseMs: number }): Promise<OutboundEntry[]> {
    return this.db.transaction(tx => outbound.claim(tx, owner, lease.limit, lease.leaseMs));
  }

  markOutboundSent(id: number, owner: string): Promise<boolean> {
    return outbound.markSent(this.db, id, owner);
  }

  rescheduleOutbound(id: number, owner: string, retry: OutboundRetry): Promise<boolean> {
    return outbound.reschedule(this.db, id, owner, retry);
  }

  markOutboundFailed(id: number, owner: string, outcome: { failed: OutboundFailure[]; error: string }): Promise<boolean> {
    return outbound.markFailed(this.db, id, owner, outcome);
  }

  nextOutboundDue(): Promise<number | undefined> {
    return outbound.nextDue(this.db);
  }

  outboundQueueStats(): Promise<OutboundQueueStats> {
    return outbound.stats(this.db);
  }

  watchOutbound(onQueued: () => void): Promise<() => Promise<void>> {
    return this.db.listen(outbound.OUTBOUND_CHANNEL, () => onQueued());
  }

  purgeOutbound(before: number): Promise<number> {
    return outbound.purge(this.db, before);
  }

  // Search, the directory and free/busy (src/store/sql/search.ts).
  findItemCandidates(userId: number, query: ItemSearch): Promise<ItemRef[]> {
    return search.itemCandidates(this.db, userId, query);
  }

  async getItemsInOrder(userId: number, refs: ItemRef[]): Promise<Item[]> {
    return (await search.itemsInOrder(this.db, refs)).filter(i => i.userId === userId);
  }

  findUserCandidates(terms: string[]): Promise<User[]> {
    return search.userCandidates(this.db, terms);
  }

  listCalendarItems(userId: number, from: number): Promise<Item[]> {
    return search.calendarItemsFrom(this.db, userId, from);
  }

  maintenanceDone(name: string): Promise<boolean> {
    return maintenance.isDone(this.db, name);
  }

  markMaintenanceDone(name: string): Promise<void> {
    return maintenance.markDone(this.db, name);
  }

  itemsWithEscapedText(afterId: number, limit: number): Promise<{ items: Item[]; lastId: number | undefined }> {
    return maintenance.itemsWithEscapes(this.db, afterId, limit);
  }

  setResource(r: Resource): Promise<void> { return resources.set(this.db, r); }
  resourcesOf(userIds: readonly number[]): Promise<Map<number, Resource>> { return userIds.length ? resources.of(this.db, userIds) : Promise.resolve(new Map()); }
  listResources(): Promise<Resource[]> { return resources.list(this.db); }
  // A delegation shows the principal's calendar among the delegate's folders (src/sync/sharedCalendars.ts):
  // its held Pings hear of the hierarchy change and ask for a FolderSync.
  async setDelegate(d: Pick<Delegate, 'principalId' | 'delegateId' | 'calendar' | 'principalCopies'>): Promise<void> {
    await delegates.set(this.db, d);
    await this.announce({ userId: d.delegateId, hierarchy: true });
  }
  async removeDelegate(principalId: number, delegateId: number): Promise<boolean> {
    const removed = await delegates.remove(this.db, principalId, delegateId);
    if (removed) await this.announce({ userId: delegateId, hierarchy: true });
    return removed;
  }
  delegatesOf(principalIds: readonly number[]): Promise<Delegate[]> { return principalIds.length ? delegates.of(this.db, principalIds) : Promise.resolve([]); }
  delegationsTo(delegateId: number): Promise<Delegate[]> { return delegates.to(this.db, delegateId); }
  listDelegates(): Promise<Delegate[]> { return delegates.list(this.db); }
  addDkimKey(key: DkimKey): Promise<boolean> { return dkimKeys.addKey(this.db, key); }
  getDkimKey(domain: string): Promise<DkimKey | undefined> { return dkimKeys.getKey(this.db, domain); }
  listDkimKeys(): Promise<DkimKey[]> { return dkimKeys.listKeys(this.db); }
  removeDkimKey(domain: string): Promise<boolean> { return dkimKeys.removeKey(this.db, domain); }

  createConsoleSession(session: ConsoleSession): Promise<void> { return consoleSessions.create(this.db, session); }
  findConsoleSession(tokenHash: string): Promise<(ConsoleSession & { user: User; admin: boolean }) | undefined> { return consoleSessions.find(this.db, tokenHash); }
  removeConsoleSession(tokenHash: string): Promise<void> { return consoleSessions.remove(this.db, tokenHash); }
  removeConsoleSessions(userId: number): Promise<void> { return consoleSessions.removeForUser(this.db, userId); }
  isAdmin(userId: number): Promise<boolean> { return consoleSessions.isAdmin(this.db, userId); }
  setAdmin(userId: number, admin: boolean): Promise<boolean> { return consoleSessions.setAdmin(this.db, userId, admin); }
  listOutbound(limit: number): Promise<OutboundListing[]> { return outboundAdmin.list(this.db, limit); }
  retryOutboundNow(id: number): Promise<boolean> { return outboundAdmin.retryNow(this.db, id); }
  giveUpOutbound(id: number, recipient: string, error: string): Promise<OutboundEntry | undefined> { return outboundAdmin.giveUp(this.db, id, recipient, error); }
  syncedCollections(): Promise<SyncedCollection[]> { return state.syncedCollections(this.db); }
  setConversationRule(userId: number, id: string, folderId: number): Promise<void> { return rules.setRule(this.db, userId, id, folderId, Date.now()); }
  useConversationRule(userId: number, id: string): Promise<number | undefined> { return rules.useRule(this.db, userId, id, Date.now()); }
  forgetConversationRules(before: number): Promise<number> { return rules.forgetRules(this.db, before); }

  // The console's records (src/store/sql/traces.ts).
  addSchedulingTrace(rows: readonly NewTraceRow[]): Promise<void> { return traces.addTrace(this.db, rows); }
  schedulingTrace(uid: string, o: { userId?: number | undefined; limit: number }): Promise<TraceRow[]> { return traces.traceOf(this.db, uid, o); }
  findTracedMeetings(o: { text: string; userId?: number | undefined; limit: number }): Promise<TracedMeeting[]> { return traces.findMeetings(this.db, o); }
  purgeSchedulingTrace(before: number, keep: number): Promise<number> { return traces.purgeTrace(this.db, before, keep); }
  setDeviceLogging(devicePk: number, until: number | null): Promise<void> { return traces.setLogging(this.db, devicePk, until); }
  deviceLoggingUntil(devicePk: number): Promise<number | undefined> { return traces.loggingUntil(this.db, devicePk); }
  devicesLogging(now: number, limit: number): Promise<Map<number, number>> { return traces.loggingDevices(this.db, now, limit); }
  addProtocolExchange(e: NewProtocolExchange): Promise<number> { return traces.addExchange(this.db, e); }
  listProtocolExchanges(devicePk: number, o: { afterId?: number | undefined; cmd?: string | undefined; limit: number }): Promise<ProtocolExchange[]> {
    return traces.exchangesOf(this.db, devicePk, o);
  }
  getProtocolExchange(devicePk: number, id: number): Promise<ProtocolExchange | undefined> { return traces.exchange(this.db, devicePk, id); }
  purgeProtocolExchanges(before: number, keep: number): Promise<number> { return traces.purgeExchanges(this.db, before, keep); }
}

function dedupe(events: ChangeEvent[]): ChangeEvent[] {
  const seen = new Map<string, ChangeEvent>();
  for (const e of events) seen.set(`${e.userId}/${e.folderId ?? ''}/${e.hierarchy ? 1 : 0}`, e);
  return [...seen.values()];
}

function toFolder(r: FolderRow): Folder {
  const folder: Folder = { id: r.id, userId: r.user_id, parentId: r.parent_id, displayName: r.display_name, type: r.type as FolderTypeValue };
  return r.dav_name ? { ...folder, davName: r.dav_name } : folder;
}

