// One collection of a Sync (MS-ASCMD 2.2.1.21): apply the device's commands, then send what the
// device has not been told, within its window. docs/sync.md explains the state this keeps.
import type { Store } from '../store/Store.js';
import type { CollectionOptions, CollectionState, Device, Folder, ItemClass, ItemProps, User } from '../store/types.js';
import { NOTES_SINCE } from '../notes/eas.js';
import { classOfFolder } from './classes.js';
import { applyCommand, type ClientCommand, type CommandResponse } from './clientCommands.js';
import { collectChanges, type ServerCommand } from './serverChanges.js';
import { sharedAccess, type SharedRights } from './sharedCalendars.js';

export type { ClientCommand, CommandResponse, ServerCommand };

export type Outcome =
  | 'OK' | 'INVALID_SYNC_KEY' | 'PROTOCOL_ERROR' | 'INVALID_ITEM' | 'CONFLICT' | 'NOT_FOUND' | 'HIERARCHY_CHANGED' | 'NOT_SUPPORTED';

export interface CollectionRequest {
  syncKey: string;
  collectionId: string;
  /** Undefined: send changes (any key but 0). */
  getChanges?: boolean | undefined;
  windowSize?: number | undefined;
  options?: Partial<CollectionOptions> | undefined;
  commands: ClientCommand[];
}

export interface CollectionResult {
  collectionId: string;
  class?: ItemClass | undefined;
  outcome: Outcome;
  syncKey?: string | undefined;
  commands: ServerCommand[];
  responses: CommandResponse[];
  moreAvailable: boolean;
  /** False when nothing happened, so that an empty Sync response can stand for this collection. */
  eventful: boolean;
  /** The options in force, for rendering (body preferences). */
  options?: CollectionOptions | undefined;
}

export const DEFAULT_WINDOW = 100;
export const MAX_WINDOW = 512;

export const DEFAULT_OPTIONS: Omit<CollectionOptions, 'class'> = {
  filterType: 0, conflict: 1, bodyPreferences: [], mimeSupport: 0, deletesAsMoves: true, windowSize: DEFAULT_WINDOW,
};

export interface SyncContext {
  store: Store;
  user: User;
  device: Device;
  /** Protocol version as a number (14.1 → 14.1), for rules that changed between versions. */
  version: number;
  /** Largest message a device may send or keep as a draft (`--max-body`); the HTTP layer always sets it. */
  maxMessageBytes?: number | undefined;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void } | undefined;
  /**
   * Set in a principal's calendar shared with this device's account (sharedCalendars.ts): `user` is
   * then the principal, whose items these are, and `delegate` the account signed in. `resend`
   * collects the versions of items a reviewer's refused command touched, so the server's version
   * goes back to the device (Sync rescans from just before them).
   */
  shared?: { rights: SharedRights; delegate: User; resend: number[] } | undefined;
}

/** In a calendar shared with the signed-in account: the context of its owner, the delegate kept. */
export async function openShared(ctx: SyncContext, folderId: number): Promise<SyncContext | undefined> {
  const access = await sharedAccess(ctx.store, ctx.user, folderId);
  return access && { ...ctx, user: access.owner, shared: { rights: access.rights, delegate: ctx.user, resend: [] } };
}

/** `budget`: how many server changes this collection may still send within the request's WindowSize. */
export async function syncCollection(ctx: SyncContext, req: CollectionRequest, budget: number): Promise<CollectionResult> {
  const failed = (outcome: Outcome): CollectionResult =>
    ({ collectionId: req.collectionId, outcome, commands: [], responses: [], moreAvailable: false, eventful: true });
  const id = /^\d{1,15}$/.test(req.collectionId) ? Number(req.collectionId) : undefined;
  let read = id === undefined ? undefined : await ctx.store.getFolderAndState(ctx.user.id, ctx.device.id, id);
  // Not the account's own folder: a principal's calendar shared with it, worked in as the principal.
  if (id !== undefined && !read?.folder) {
    const shared = await openShared(ctx, id);
    if (shared) [ctx, read] = [shared, await ctx.store.getFolderAndState(shared.user.id, ctx.device.id, id)];
  }
  const folder = read?.folder;
  // MS-ASCMD 2.2.3.177.17: a collection the device names but the server does not have → Status 12.
  if (!folder) return failed('HIERARCHY_CHANGED');
  const cls = classOfFolder(folder.type);
  // The Notes class is 14.0's (MS-ASNOTE 2.2.2.x Protocol Versions); a Notes Sync has no Supported (R114).
  if (!cls || (cls === 'Notes' && ctx.version < NOTES_SINCE)) return failed('NOT_SUPPORTED');
  if (cls === 'Notes' && req.options?.supported) return failed('PROTOCOL_ERROR');
  if (req.syncKey === '0') return start(ctx, folder, cls, req);
  const quiet = read?.state && unchanged(folder, read.state, req);
  if (quiet) return quiet;
  return ctx.store.transaction(async tx => {
    // Commands read what they change (a Change's item before, for the scheduling engine): the
    // account is locked before those reads (docs/store.md, "Lock order").
    if (req.commands.length) await tx.lockAccounts([ctx.user.id]);
    const state = await tx.getCollectionState(ctx.device.id, folder.id);
    if (state && state.replayKey !== null && String(state.replayKey) === req.syncKey && state.replay) {
      return replay({ ...ctx, store: tx }, folder, state, req);
    }
    if (!state || String(state.syncKey) !== req.syncKey) return { ...failed('INVALID_SYNC_KEY'), class: cls };
    return advance({ ...ctx, store: tx }, folder, state, req, budget);
  });
}

/**
 * The idle poll, answered from the one read of folder and state with no transaction: the device
 * sends nothing, holds the current key, keeps its options, and the folder has not changed since
 * its watermark. This is what `advance` answers then (nothing to send, nothing to write: an
 * empty response, MS-ASCMD 2.2.1.21.2), without its round trips (docs/performance.md).
 */
function unchanged(folder: Folder & { modseq: number }, state: Omit<CollectionState, 'replay'>, req: CollectionRequest): CollectionResult | undefined {
  if (req.commands.length || String(state.syncKey) !== req.syncKey || folder.modseq > state.modseq) return undefined;
  const options = { ...state.options, ...req.options, class: state.options.class };
  if (req.options && !sameOptions(options, state.options)) return undefined;
  return {
    collectionId: req.collectionId, class: options.class, outcome: 'OK', syncKey: req.syncKey, commands: [], responses: [], options,
    moreAvailable: false, eventful: false,
  };
}

/** SyncKey 0: forget what the device had and start it over; no items travel in this answer. */
async function start(ctx: SyncContext, folder: Folder, cls: ItemClass, req: CollectionRequest): Promise<CollectionResult> {
  const options = { ...DEFAULT_OPTIONS, ...req.options, class: cls };
  await ctx.store.transaction(async tx => {
    await tx.dropCollectionState(ctx.device.id, folder.id);
    await tx.saveCollectionState({ devicePk: ctx.device.id, folderId: folder.id, syncKey: 1, modseq: 0, options, replayKey: null, replay: null });
  });
  return { collectionId: req.collectionId, class: cls, outcome: 'OK', syncKey: '1', commands: [], responses: [], moreAvailable: false, eventful: true };
}

async function advance(ctx: SyncContext, folder: Folder & { modseq: number }, state: CollectionState, req: CollectionRequest, budget: number): Promise<CollectionResult> {
  // A run the store retries (a PostgreSQL deadlock) starts with nothing to send back yet.
  if (ctx.shared) ctx = { ...ctx, shared: { ...ctx.shared, resend: [] } };
  const options = { ...state.options, ...req.options, class: state.options.class };
  // A new FilterType changes which items belong on the device: look at every item again.
  const rescan = req.options?.filterType !== undefined && req.options.filterType !== state.options.filterType;
  const responses: CommandResponse[] = [];
  for (const command of req.commands) responses.push(await applyCommand(ctx, folder, options, command));
  const window = Math.min(req.windowSize ?? options.windowSize ?? DEFAULT_WINDOW, MAX_WINDOW, budget);
  // The folder as the commands left it: what they changed beyond what the device holds (a sent
  // draft's Delete, a draft's new FileReferences) goes out in this same response.
  const scanned = req.commands.length ? (await ctx.store.getFolder(ctx.user.id, folder.id)) ?? folder : folder;
  // A reviewer's refused edits: the scan starts just before those items, so they go back as they are
  // (with GetChanges 0, at the next Sync: the watermark stays before them).
  const from = resendFrom(ctx, rescan ? 0 : state.modseq);
  const changes = req.getChanges === false
    ? { commands: [], watermark: resendFrom(ctx, state.modseq), moreAvailable: false }
    : await collectChanges(ctx, scanned, options, from, window);
  const result: CollectionResult = {
    collectionId: req.collectionId, class: options.class, outcome: 'OK', commands: changes.commands, responses, options,
    moreAvailable: changes.moreAvailable, eventful: responses.length > 0 || changes.commands.length > 0 || changes.moreAvailable,
  };
  if (!result.eventful) {
    // Nothing for the device (an empty response carries no SyncKey, MS-ASCMD 2.2.1.21.2): the key
    // and the kept answer stay. Only a moved watermark (the device's own echoes passed) or new
    // options are written; an idle poll commits nothing (docs/performance.md).
    if (changes.watermark !== state.modseq || !sameOptions(options, state.options)) {
      await ctx.store.saveCollectionState({ ...state, modseq: changes.watermark, options });
    }
    return { ...result, syncKey: req.syncKey };
  }
  result.syncKey = String(state.syncKey + 1);
  const stored: Replay = { result, commands: req.commands };
  await ctx.store.saveCollectionState({
    devicePk: state.devicePk, folderId: state.folderId, syncKey: state.syncKey + 1, modseq: changes.watermark, options,
    replayKey: state.syncKey, replay: JSON.stringify(stored),
  });
  return result;
}

/** Option sets that store the same: equal values (an undefined one as none), whatever the order of their keys. */
function sameOptions(a: CollectionOptions, b: CollectionOptions): boolean {
  const x = a as unknown as Record<string, unknown>;
  const y = b as unknown as Record<string, unknown>;
  const same = (k: string): boolean => x[k] === y[k] || JSON.stringify(x[k]) === JSON.stringify(y[k]);
  return Object.keys(x).every(same) && Object.keys(y).every(same);
}

/** What is kept to answer a repeated request: the answer, and the commands it answered. */
interface Replay { result: CollectionResult; commands: ClientCommand[] }

/** The answer kept for the key before the current one, if any. */
export function replayedResult(state: CollectionState): CollectionResult | undefined {
  return state.replay ? (JSON.parse(state.replay) as Replay).result : undefined;
}

/**
 * The device repeats its previous key: it never got the answer, which is sent again. Commands it
 * adds to the repeated request (changes made since) are applied now and answered with it, so that
 * none is lost to the replay — a successful Change is acknowledged only by silence.
 */
async function replay(ctx: SyncContext, folder: Folder & { modseq: number }, state: CollectionState, req: CollectionRequest): Promise<CollectionResult> {
  const stored = JSON.parse(state.replay as string) as Replay;
  const seen = new Set(stored.commands.map(c => JSON.stringify(c)));
  const extra = req.commands.filter(c => !seen.has(JSON.stringify(c)));
  if (extra.length === 0) return stored.result;
  const options = stored.result.options ?? state.options;
  if (ctx.shared) ctx = { ...ctx, shared: { ...ctx.shared, resend: [] } };
  const responses: CommandResponse[] = [];
  for (const command of extra) responses.push(await applyCommand(ctx, folder, options, command));
  const result = { ...stored.result, responses: [...stored.result.responses, ...responses] };
  // A reviewer's refused edits (readOnly.ts) go back at the next Sync: the watermark moves before them.
  await ctx.store.saveCollectionState({ ...state, modseq: resendFrom(ctx, state.modseq), replay: JSON.stringify({ result, commands: [...stored.commands, ...extra] } satisfies Replay) });
  return result;
}

/** Where a scan must start so the items of a reviewer's refused edits (readOnly.ts) go back: before them. */
function resendFrom(ctx: SyncContext, modseq: number): number {
  return Math.min(modseq, ...(ctx.shared?.resend ?? []).map(m => m - 1));
}

export function serverIdOf(folderId: number, itemId: number): string {
  return `${folderId}:${itemId}`;
}

/** The item id a ServerId names, if it names an item of this folder. */
export function itemIdOf(serverId: string, folderId: number): number | undefined {
  const m = /^(\d{1,15}):(\d{1,15})$/.exec(serverId.trim());
  return m && Number(m[1]) === folderId ? Number(m[2]) : undefined;
}

export type { ItemProps };
