// The storage interface the domain sees. One implementation (SqlStore) runs on SQLite for a
// single node and on PostgreSQL for several; commands never see SQL.
import type { CalendarEvent } from '../calendar/model.js';
import type { ChangeFeed } from './changes.js';
import type { NewProtocolExchange, NewTraceRow, ProtocolExchange, TracedMeeting, TraceRow } from './traceTypes.js';
import type { StatementCounts } from './sql/driver.js';

export type { StatementCounts };
import type {
  CollectionState, Device, DeviceInformation, FolderAndState, DeviceWipe, Folder, FolderTypeValue, HierarchySnapshot, Item, ItemChange, ItemClass,
  ItemProps, OofSettings, User,
} from './types.js';

export interface NewItem {
  class: ItemClass;
  props: ItemProps;
  event?: CalendarEvent | undefined;
  filterTime?: number | null | undefined;
  /** Mail: the message as it arrived (RFC 5322), kept beside the properties derived from it. */
  mime?: Buffer | undefined;
  /** CalDAV: the resource name the client PUT it under (docs/dav.md). */
  davName?: string | undefined;
}

/** One item of `addItems`: where it goes, and what. */
export interface NewItemIn { userId: number; folderId: number; item: NewItem }

export interface ItemChangeInput {
  props: ItemProps;
  event?: CalendarEvent | undefined;
  filterTime?: number | null | undefined;
  /** Mail: a new message behind the item (a 16.x draft rewritten by its device); absent: the stored one stays. */
  mime?: Buffer | undefined;
  /**
   * RFC 6638 3.2.10: the change is a reply merged into an organizer's copy (only PARTSTAT), so the
   * item keeps its schedule tag; every other change gives it a new one.
   */
  keepScheduleTag?: boolean | undefined;
}

export interface NewUser {
  email: string;
  displayName: string;
  passwordHash: string;
}

export interface DeviceSighting {
  userId: number;
  deviceId: string;
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
}

export interface Store {
  /** Creates the account with its default folders in one step. Throws StoreError USER_EXISTS. */
  createUser(user: NewUser): Promise<User>;
  findUserByEmail(email: string): Promise<User | undefined>;
  /** The account and its device of this DeviceId (with its caches), in one read: every EAS request's first. */
  findUserWithDevice(email: string, deviceId: string): Promise<{ user: User; device: Device | null } | undefined>;
  /** The accounts of those addresses that have one, in one read per 500 (a meeting's attendees). */
  findUsersByEmail(emails: readonly string[]): Promise<User[]>;
  /** Accounts whose address starts with `localPart@` (for logons without a domain). */
  findUsersByLocalPart(localPart: string): Promise<User[]>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  setPassword(userId: number, passwordHash: string): Promise<void>;
  setDisplayName(userId: number, displayName: string): Promise<void>;
  /** Removes the account and everything it owns. */
  removeUser(userId: number): Promise<boolean>;

  /** Registers the device on first sight and refreshes what it reports on every request. */
  /**
   * `known`: the device as `findUserWithDevice` read it for this request (null: it found none), so
   * that a known device reporting nothing new costs no statement here (docs/performance.md).
   */
  recordDevice(sighting: DeviceSighting, known?: Device | null): Promise<Device>;
  listDevices(userId: number): Promise<Device[]>;
  /** Forgets a device of this user with all its state (a wiped device that comes back starts over). */
  removeDevice(userId: number, deviceId: string): Promise<boolean>;

  // Provisioning (docs/provisioning.md).
  /** The temporary key a Provision handed out, valid for its acknowledgement only. */
  setPendingPolicyKey(devicePk: number, key: number): Promise<void>;
  /** Replaces the temporary key by the final one; false when `temporaryKey` is not the one handed out. */
  acknowledgePolicyKey(devicePk: number, temporaryKey: number, finalKey: number, policyHash: string): Promise<boolean>;
  setDeviceInformation(devicePk: number, info: DeviceInformation): Promise<void>;
  /** Marks the device for a remote wipe; it is told on its next request. */
  requestWipe(devicePk: number, kind: DeviceWipe['kind']): Promise<void>;
  /** A requested wipe's progress: the directive went out, or the device acknowledged it. */
  recordWipe(devicePk: number, status: 'sent' | 'done' | 'failed'): Promise<void>;
  /** An account's Out of Office settings (Settings Oof); src/mail/autoReply.ts answers mail with them. */
  getOof(userId: number): Promise<OofSettings | undefined>;
  /** Replaces the settings and starts a new Out of Office period: every sender may get a reply again. */
  setOof(userId: number, oof: OofSettings): Promise<void>;
  /**
   * Records that the current Out of Office period answered `sender` (one automatic reply per
   * sender, RFC 3834 2); false when it had already, or when the account has no settings.
   */
  rememberAutoReply(userId: number, sender: string): Promise<boolean>;

  listFolders(userId: number): Promise<Folder[]>;
  /** The folders of these types of these accounts, in one read per 500 accounts. */
  listFoldersOfType(userIds: readonly number[], types: readonly FolderTypeValue[]): Promise<Folder[]>;
  /** `davName`, `davProps`: the URL segment and properties a DAV client gave at MKCALENDAR / MKCOL (docs/dav.md). */
  createFolder(userId: number, folder: { parentId: number; displayName: string; type: FolderTypeValue; davName?: string | undefined; davProps?: Record<string, string> | undefined }): Promise<Folder>;
  /** The folder of this user a DAV client named `davName` at its creation. */
  findFolderByDavName(userId: number, davName: string): Promise<Folder | undefined>;
  /** A DAV collection's stored properties (`namespace|name` → XML content); empty when none. */
  getFolderDavProps(userId: number, folderId: number): Promise<Record<string, string>>;
  /** Replaces them; false when the user has no such folder. */
  setFolderDavProps(userId: number, folderId: number, props: Record<string, string>): Promise<boolean>;
  /** Renames or moves a folder of this user; false when it has no such folder. */
  updateFolder(userId: number, folderId: number, change: { parentId: number; displayName: string }): Promise<boolean>;
  /** Deletes a folder of this user with the folders below it; false when it has no such folder. */
  deleteFolder(userId: number, folderId: number): Promise<boolean>;

  /** The snapshot a device got with `syncKey`, if the server still keeps it. */
  getHierarchySnapshot(devicePk: number, syncKey: number): Promise<HierarchySnapshot | undefined>;
  latestHierarchySnapshot(devicePk: number): Promise<HierarchySnapshot | undefined>;
  /**
   * Keeps `snapshot` and the one it replaces (`previousKey`); every other snapshot of the device
   * is dropped. A `previousKey` of 0 starts the device over (SyncKey 0).
   */
  saveHierarchySnapshot(devicePk: number, snapshot: HierarchySnapshot, previousKey: number): Promise<void>;

  /**
   * Runs `fn` against a store whose every write commits together, or not at all. `fn` may run more
   * than once (PostgreSQL runs it again after a deadlock): it must change nothing but through `tx`.
   */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Inside a transaction: every other writer of these accounts' mailboxes waits until it ends.
   * Take it before the reads a decision rests on; item and folder writes take their account's lock
   * themselves. Locks are taken in ascending account order (docs/store.md, "Lock order").
   */
  lockAccounts(userIds: readonly number[]): Promise<void>;
  /** Announcements of committed changes (Ping, hanging Sync). */
  readonly changes: ChangeFeed;

  // Items. Every write bumps the folder's modseq and announces the folder.
  /** A folder with its change count and the newest change whose tombstone has been purged. */
  getFolder(userId: number, folderId: number): Promise<(Folder & { modseq: number; purgedModseq: number }) | undefined>;
  /** Drops tombstones of deletions before `before` (ms); returns how many (docs/sync.md, expiry). */
  purgeTombstones(before: number): Promise<number>;
  addItem(userId: number, folderId: number, item: NewItem): Promise<Item | undefined>;
  /**
   * `addItem` for each entry, in one transaction with multi-row statements (one folder update, one
   * insert per chunk): a meeting delivered to many attendees. Callers hold the accounts' locks.
   * Undefined where the folder is not the account's.
   */
  addItems(entries: readonly NewItemIn[]): Promise<(Item | undefined)[]>;
  getItem(userId: number, itemId: number): Promise<Item | undefined>;
  /** The message a live mail item of this user was made from (NewItem.mime), if it has one. */
  getItemContent(userId: number, itemId: number): Promise<Buffer | undefined>;
  /** Items of one folder by id, tombstones included. */
  getItems(folderId: number, itemIds: number[]): Promise<Item[]>;
  /** Live items of a folder not ended before `from` (a series without end always), at most `limit`. */
  itemsEndingFrom(folderId: number, from: number, limit: number): Promise<Item[]>;
  updateItem(userId: number, itemId: number, change: ItemChangeInput): Promise<Item | undefined>;
  deleteItem(userId: number, itemId: number): Promise<boolean>;
  /**
   * Moves an item to another folder of the same user: a new item there, a tombstone here. `davName`
   * names it there for CalDAV/CardDAV (a WebDAV MOVE); without it the DAV name is not carried over.
   */
  moveItem(userId: number, itemId: number, toFolderId: number, davName?: string): Promise<Item | undefined>;
  /** The live item of this folder a CalDAV client created under `davName` (docs/dav.md). */
  findItemByDavName(folderId: number, davName: string): Promise<Item | undefined>;
  /** The live items of this folder named by any of `davNames` (one statement for a whole multiget). */
  findItemsByDavNames(folderId: number, davNames: string[]): Promise<Item[]>;
  /** Live calendar items of the user whose event has this UID. */
  findItemsByUid(userId: number, uid: string): Promise<Item[]>;
  /** Live items of one folder whose UID is this: an event's, or a contact's vCard UID. */
  findItemsByUidInFolder(userId: number, folderId: number, uid: string): Promise<Item[]>;
  /** `findItemsByUid` for several accounts at once. */
  findItemsByUidOf(userIds: readonly number[], uid: string): Promise<Item[]>;
  /** Changes after `afterModseq`, oldest first. */
  listChanges(folderId: number, afterModseq: number, limit: number): Promise<ItemChange[]>;
  liveItemIds(folderId: number): Promise<number[]>;

  // Per-device sync state (docs/sync.md).
  getCollectionState(devicePk: number, folderId: number): Promise<CollectionState | undefined>;
  /**
   * The folder and the device's state for it in one read (one round trip: the no-change Sync path,
   * docs/performance.md); the state without its kept answer, which can be a window of items.
   */
  getFolderAndState(userId: number, devicePk: number, folderId: number): Promise<FolderAndState | undefined>;
  saveCollectionState(state: CollectionState): Promise<void>;
  /** Forgets the collection for the device: its state and what it holds (SyncKey 0). */
  dropCollectionState(devicePk: number, folderId: number): Promise<void>;
  /** For those of `itemIds` the device holds: itemId → modseq of the version it holds. */
  heldVersions(devicePk: number, folderId: number, itemIds: number[]): Promise<Map<number, number>>;
  holdVersions(devicePk: number, folderId: number, entries: [itemId: number, modseq: number][]): Promise<void>;
  releaseItems(devicePk: number, folderId: number, itemIds: number[]): Promise<void>;
  heldCount(devicePk: number, folderId: number): Promise<number>;
  /** Items the device holds in the folder whose rows are gone, tombstones purged (docs/sync.md). */
  vanishedItems(devicePk: number, folderId: number): Promise<number[]>;
  /** Small per-device caches: the last Ping's parameters, the last full Sync request. */
  getDeviceCache(devicePk: number, which: 'ping' | 'sync_request'): Promise<string | undefined>;
  setDeviceCache(devicePk: number, which: 'ping' | 'sync_request', value: string): Promise<void>;

  /** Records a SendMail ClientId; false when the account used it before. */
  rememberClientId(userId: number, clientId: string): Promise<boolean>;
  /** Records a received message's Message-ID for the account; false when it had it already. */
  rememberReceived(userId: number, messageId: string): Promise<boolean>;
  /** Forgets ClientIds and Message-IDs remembered before `before` (ms); returns how many (store/expiry.ts). */
  forgetRememberedIds(before: number): Promise<number>;

  /** Statements sent and rows written since the store opened (benches, complexity guards). */
  statementCounts(): StatementCounts;
  /** Flushes what is kept in memory (devices' last sightings), then closes. */
  close(): Promise<void>;

  // Outbound SMTP queue (docs/mail-outbound.md). After the claim, a change needs the lease.
  /** Queues a message; watchOutbound listeners hear of it once it commits. */
  enqueueOutbound(entry: NewOutbound): Promise<OutboundEntry>;
  getOutbound(id: number): Promise<OutboundEntry | undefined>;
  /** Leases up to `limit` due messages to `owner` for `leaseMs`, counting an attempt on each; safe across nodes. */
  claimOutbound(owner: string, lease: { limit: number; leaseMs: number }): Promise<OutboundEntry[]>;
  /** Every recipient took it. False when `owner` no longer holds the lease. */
  markOutboundSent(id: number, owner: string): Promise<boolean>;
  /** Back in the queue until `dueAt` with the recipients still to try. False without the lease. */
  rescheduleOutbound(id: number, owner: string, retry: OutboundRetry): Promise<boolean>;
  /** Done, with `failed` naming every recipient that did not get it. False without the lease. */
  markOutboundFailed(id: number, owner: string, outcome: { failed: OutboundFailure[]; error: string }): Promise<boolean>;
  /** When the earliest queued or leased message falls due; undefined when none waits. */
  nextOutboundDue(): Promise<number | undefined>;
  /** The messages waiting (queued or leased): how many, the oldest's age, the next due time; one query, for /metrics. */
  outboundQueueStats(): Promise<OutboundQueueStats>;
  /** Hears of every message queued (on every node, with PostgreSQL); returns the function that stops. */
  watchOutbound(onQueued: () => void): Promise<() => Promise<void>>;
  /** Forgets sent and failed messages last changed before `before`; returns how many. */
  purgeOutbound(before: number): Promise<number>;

  // Search, the directory and free/busy (docs/search.md). Text conditions here are coarse
  // (case-insensitive substrings of the stored text); src/search decides exactly what matches.
  /** The user's live items that may match, newest first (mail by received time), as references. */
  findItemCandidates(userId: number, query: ItemSearch): Promise<ItemRef[]>;
  /** Live items of the user by reference, in the order given (those gone since are left out). */
  getItemsInOrder(userId: number, refs: ItemRef[]): Promise<Item[]>;
  /** Accounts whose display name or address contains every term, ordered by display name. */
  findUserCandidates(terms: string[]): Promise<User[]>;
  /** Live items of the user's calendar folders with an occurrence that may end after `from`. */
  listCalendarItems(userId: number, from: number): Promise<Item[]>;

  // One-off maintenance (docs/reliability.md).
  maintenanceDone(name: string): Promise<boolean>;
  markMaintenanceDone(name: string): Promise<void>;
  /**
   * Live items with id above `afterId`, oldest first, at most `limit` looked at, whose stored text
   * may hold characters a device cannot receive (a superset: the caller checks). `lastId`: where
   * the next page starts; undefined when there is none.
   */
  itemsWithEscapedText(afterId: number, limit: number): Promise<{ items: Item[]; lastId: number | undefined }>;

  // Resources: rooms and equipment that answer invitations (docs/resources-delegates.md).
  /** Marks the account a resource (or changes its settings). */
  setResource(r: Resource): Promise<void>;
  /** The resources among these accounts, by account id. */
  resourcesOf(userIds: readonly number[]): Promise<Map<number, Resource>>;
  listResources(): Promise<Resource[]>;

  // Delegates: who receives and answers a principal's meeting requests (docs/resources-delegates.md).
  /** Adds the delegate (or changes its settings). */
  setDelegate(d: Pick<Delegate, 'principalId' | 'delegateId' | 'calendar' | 'principalCopies'>): Promise<void>;
  /** False when there was no such delegate. */
  removeDelegate(principalId: number, delegateId: number): Promise<boolean>;
  /** The delegates of these principals, by principal then delegate id. */
  delegatesOf(principalIds: readonly number[]): Promise<Delegate[]>;
  /** The delegations this account is the delegate of, by principal id (its shared calendars). */
  delegationsTo(delegateId: number): Promise<Delegate[]>;
  /** Every delegation, by principal then delegate address. */
  listDelegates(): Promise<Delegate[]>;

  /**
   * Runs `fn` with the store (outside any transaction) once the transaction this store belongs to
   * has committed; outside a transaction, at once. A run that rolls back forgets it.
   */
  afterCommit(fn: (store: Store) => Promise<void>): Promise<void>;

  // Outbound DKIM keys (docs/mail-auth.md), one per signing domain (lower-case).
  /** Stores the domain's key; false (and nothing changed) when the domain has one already. */
  addDkimKey(key: DkimKey): Promise<boolean>;
  getDkimKey(domain: string): Promise<DkimKey | undefined>;
  listDkimKeys(): Promise<DkimKey[]>;
  removeDkimKey(domain: string): Promise<boolean>;

  /** The web console (docs/console.md): sessions by the SHA-256 of their token, and the operator flag. */
  createConsoleSession(session: ConsoleSession): Promise<void>;
  /** The session with its account and operator flag, unless absent or expired. */
  findConsoleSession(tokenHash: string): Promise<(ConsoleSession & { user: User; admin: boolean }) | undefined>;
  removeConsoleSession(tokenHash: string): Promise<void>;
  removeConsoleSessions(userId: number): Promise<void>;
  isAdmin(userId: number): Promise<boolean>;
  /** False when there is no such account. */
  setAdmin(userId: number, admin: boolean): Promise<boolean>;
  /** The newest outbound entries, without their message, for the console's queue page. */
  listOutbound(limit: number): Promise<OutboundListing[]>;
  /** A queued entry's next attempt brought to now; false when it is not waiting. */
  retryOutboundNow(id: number): Promise<boolean>;
  /**
   * One pending recipient of a queued (not leased) entry given up with `error`: it moves to the
   * failed ones; the entry fails once none is pending. The entry as it was, or undefined (nothing
   * changed) when it is not queued or the recipient is not pending. Call inside a transaction
   * with the bounce (src/mail/outbound.ts giveUpRecipient).
   */
  giveUpOutbound(id: number, recipient: string, error: string): Promise<OutboundEntry | undefined>;
  /** Every device's synced collections with their folder, in one statement (the console's devices page). */
  syncedCollections(): Promise<SyncedCollection[]>;

  // Conversations moved with MoveAlways (MS-ASCMD 2.2.3.118); conversation ids are base64.
  setConversationRule(userId: number, conversationId: string, folderId: number): Promise<void>;
  /** The folder later mail of the conversation goes to, if a rule names one (marks the rule used). */
  useConversationRule(userId: number, conversationId: string): Promise<number | undefined>;
  /** Removes rules unused since `before`; the number removed. */
  forgetConversationRules(before: number): Promise<number>;

  // The console's records (docs/console.md, src/store/traceTypes.ts).
  /** The scheduling engine's notes of one run, in one statement (src/scheduling/trace.ts). */
  addSchedulingTrace(rows: readonly NewTraceRow[]): Promise<void>;
  /** A meeting's notes, oldest first, at most `limit`; one account's only when `userId` is given. */
  schedulingTrace(uid: string, o: { userId?: number | undefined; limit: number }): Promise<TraceRow[]>;
  /** Meetings by UID, or by a piece of their subject or of their notes (an attendee's address). */
  findTracedMeetings(o: { text: string; userId?: number | undefined; limit: number }): Promise<TracedMeeting[]>;
  /** Drops notes older than `before` and all but the newest `keep` per account and meeting. */
  purgeSchedulingTrace(before: number, keep: number): Promise<number>;
  /** The device's protocol log on until `until` (ms), or off (null); every node reads it. */
  setDeviceLogging(devicePk: number, until: number | null): Promise<void>;
  deviceLoggingUntil(devicePk: number): Promise<number | undefined>;
  /** Devices whose protocol log is on at `now`, with when it ends: at most `limit`. */
  devicesLogging(now: number, limit: number): Promise<Map<number, number>>;
  addProtocolExchange(e: NewProtocolExchange): Promise<number>;
  /** The newest `limit` exchanges after `afterId` (optionally of one command), oldest first. */
  listProtocolExchanges(devicePk: number, o: { afterId?: number | undefined; cmd?: string | undefined; limit: number }): Promise<ProtocolExchange[]>;
  getProtocolExchange(devicePk: number, id: number): Promise<ProtocolExchange | undefined>;
  /** Drops exchanges older than `before` and all but the newest `keep` per device; switches past their time. */
  purgeProtocolExchanges(before: number, keep: number): Promise<number>;
}

/** A web console session: the SHA-256 (hex) of its cookie token, never the token. */
export interface ConsoleSession { tokenHash: string; userId: number; csrf: string; expiresAt: number }

export interface Resource {
  userId: number;
  name: string;
  capacity?: number | undefined;
  /** auto: the engine answers; manual: invitations wait in the resource's Inbox. */
  policy: 'auto' | 'manual';
  bookingWindowDays?: number | undefined;
  maxDurationMinutes?: number | undefined;
  allowConflicts: boolean;
}

export interface Delegate {
  principalId: number;
  principalEmail: string;
  principalName: string;
  delegateId: number;
  delegateEmail: string;
  delegateName: string;
  /** The delegate's rights on the principal's calendar; only an editor receives and answers its meeting requests. */
  calendar: 'none' | 'reviewer' | 'editor';
  /** The principal keeps a copy (MeetingMessageType 6, not to be answered) of each request in its Inbox. */
  principalCopies: boolean;
}

/** A DKIM signing key: `selector._domainkey.domain` publishes its public half (RFC 6376 3.6.2.1). */
export interface DkimKey {
  domain: string;
  selector: string;
  /** PKCS#8 PEM; never printed. */
  privateKey: string;
  createdAt: number;
}

/** An item by id and folder: what a search finds before it reads the items themselves. */
export interface ItemRef {
  id: number;
  folderId: number;
}

/** What a mailbox search narrows by in the store (docs/search.md). */
export interface ItemSearch {
  /** Only these folders (undefined: every folder of the user). */
  folderIds?: number[] | undefined;
  classes?: ItemClass[] | undefined;
  /** Each must occur in the item's stored text, in any case. */
  terms: string[];
  /** Mail received strictly after / before (ms); other classes have no received time and drop out. */
  receivedAfter?: number | undefined;
  receivedBefore?: number | undefined;
}

export type StoreErrorCode = 'USER_EXISTS' | 'NOT_FOUND';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface OutboundQueueStats {
  /** Messages queued or leased, not yet sent or given up. */
  waiting: number;
  /** When the oldest of them was queued (epoch ms); undefined when none waits. */
  oldestQueuedAt: number | undefined;
  /** When the earliest of them falls due (epoch ms); undefined when none waits. */
  nextDueAt: number | undefined;
}

/** queued → sending (leased) → sent | failed, or back to queued for a retry (docs/mail-outbound.md). */
export type OutboundStatus = 'queued' | 'sending' | 'sent' | 'failed';

export interface NewOutbound {
  /** The sender's account: bounces go to its Inbox. */
  userId: number;
  /** The envelope sender (MAIL FROM). */
  from: string;
  recipients: string[];
  mime: Buffer;
}

export interface OutboundFailure {
  recipient: string;
  error: string;
}

export interface OutboundRetry {
  pending: string[];
  /** Every recipient bounced so far, those of earlier attempts included. */
  failed: OutboundFailure[];
  dueAt: number;
  error: string;
}

/** A device's sync state for one collection, as the console shows it. */
export interface SyncedCollection {
  devicePk: number;
  folderId: number;
  folderName: string;
  syncKey: number;
  modseq: number;
  /** When the state was last saved (a Sync that answered a new SyncKey), epoch ms. */
  syncedAt: number;
}

/** An outbound entry as the console lists it (no MIME, no lease). */
export type OutboundListing = Omit<OutboundEntry, 'mime' | 'leaseOwner'>;

export interface OutboundEntry {
  id: number;
  userId: number;
  from: string;
  recipients: string[];
  /** Recipients not yet delivered nor bounced. */
  pending: string[];
  failed: OutboundFailure[];
  mime: Buffer;
  status: OutboundStatus;
  /** Attempts started, the one under way included. */
  attempts: number;
  /** Next attempt; while leased, when the lease runs out. */
  dueAt: number;
  leaseOwner: string | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}
