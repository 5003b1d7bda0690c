// MS-ASCMD 2.2.1.21 Sync: every collection of the request, in order, within one WindowSize budget;
// empty and Partial requests from the cached one (2.2.1.21.1); Wait/HeartbeatInterval hold the
// request open until a change arrives (3.1.5.4); nothing to say → an empty response (2.2.1.21.2).
import { waitForChange } from '../../../push/waitForChange.js';
import { syncCollection, type CollectionRequest, type CollectionResult, type SyncContext } from '../../../sync/collection.js';
import type { CommandContext, CommandResult } from '../types.js';
import { buildSync, SyncStatus, syncStatusOnly } from './build.js';
import { parseSync, SyncParseError, type SyncRequest } from './parse.js';
import { ownersAmong, sharedCalendarsOf } from '../../../sync/sharedCalendars.js';

/** MS-ASCMD 2.2.3.198 Wait (minutes) and 2.2.3.88.2 HeartbeatInterval (seconds). */
const WAIT_MINUTES = { min: 1, max: 59 };
const HEARTBEAT_SECONDS = { min: 60, max: 3540 };
const MAX_COLLECTIONS = 1000;

interface CachedRequest {
  collections: Omit<CollectionRequest, 'commands'>[];
  holdSeconds?: number | undefined;
  windowSize?: number | undefined;
}

export async function sync(ctx: CommandContext): Promise<CommandResult> {
  let req: SyncRequest;
  try {
    req = parseSync(ctx.body);
  } catch (e) {
    if (e instanceof SyncParseError) return { body: syncStatusOnly(SyncStatus.ProtocolError) };
    throw e;
  }
  const limits = checkLimits(req);
  if (limits) return { body: limits };
  // Read with the device row when the gate recorded it (one round trip fewer, docs/performance.md).
  const raw = ctx.device.cached ? (ctx.device.cached.syncRequest ?? undefined) : await ctx.store.getDeviceCache(ctx.device.id, 'sync_request');
  const cached = raw ? (JSON.parse(raw) as CachedRequest) : undefined;
  const collections = req.collections && !req.partial ? req.collections : merge(cached, req.collections);
  if (!collections) return { body: syncStatusOnly(SyncStatus.IncompleteRequest) };
  if (collections.length > MAX_COLLECTIONS) return { body: syncStatusOnly(SyncStatus.InvalidRequest) };
  const holdSeconds = req.wait !== undefined ? req.wait * 60 : req.heartbeatInterval ?? (req.collections ? undefined : cached?.holdSeconds);
  const windowSize = req.windowSize ?? (req.collections ? undefined : cached?.windowSize);
  const sctx: SyncContext = { store: ctx.store, user: ctx.user, device: ctx.device, version: Number(ctx.version), maxMessageBytes: ctx.maxMessageBytes, log: ctx.log };
  let results = await runAll(sctx, collections, windowSize);
  if (holdSeconds && !results.some(r => r.eventful)) results = await hold(ctx, sctx, collections, results, holdSeconds, windowSize);
  await saveCache(ctx, raw, collections, results, holdSeconds, windowSize);
  if (!results.some(r => r.eventful) && Number(ctx.version) >= 12.1) return {};
  return { body: buildSync(results, Number(ctx.version)) };
}

async function runAll(sctx: SyncContext, collections: CollectionRequest[], windowSize: number | undefined): Promise<CollectionResult[]> {
  let budget = windowSize && windowSize > 0 ? windowSize : Number.POSITIVE_INFINITY;
  const results: CollectionResult[] = [];
  for (const c of collections) {
    const r = await syncCollection(sctx, c, budget);
    budget -= r.commands.length;
    results.push(r);
  }
  return results;
}

/** Long poll: wake on a change in any of the collections, then look again; give up at the deadline. */
async function hold(ctx: CommandContext, sctx: SyncContext, collections: CollectionRequest[], first: CollectionResult[],
  seconds: number, windowSize: number | undefined): Promise<CollectionResult[]> {
  const controller = ctx.waits.begin(ctx.device.id);
  const stop = (): void => controller.abort();
  ctx.signal.addEventListener('abort', stop);
  const folderIds = new Set(collections.map(c => Number(c.collectionId)).filter(Number.isFinite));
  const deadline = Date.now() + seconds * 1000;
  const again = collections.map(c => ({ ...c, commands: [] }));
  let results = first;
  // A principal's calendar shared with this account changes under the principal's id (sharedCalendars.ts).
  const otherUserIds = ownersAmong(await sharedCalendarsOf(ctx.store, ctx.user.id), folderIds);
  try {
    while (Date.now() < deadline) {
      const woke = await waitForChange(ctx.store.changes, {
        userId: ctx.user.id, otherUserIds, folderIds, timeoutMs: deadline - Date.now(), signal: controller.signal, settleMs: 50,
      });
      if (woke.kind !== 'items') break;
      results = await runAll(sctx, again, windowSize);
      if (results.some(r => r.eventful)) break;
    }
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    ctx.waits.end(ctx.device.id, controller);
  }
  return results;
}

function checkLimits(req: SyncRequest) {
  if (req.wait !== undefined && req.heartbeatInterval !== undefined) return syncStatusOnly(SyncStatus.ProtocolError);
  if (req.wait !== undefined && (req.wait < WAIT_MINUTES.min || req.wait > WAIT_MINUTES.max)) {
    return syncStatusOnly(SyncStatus.InvalidInterval, req.wait < WAIT_MINUTES.min ? WAIT_MINUTES.min : WAIT_MINUTES.max);
  }
  const hb = req.heartbeatInterval;
  if (hb !== undefined && (hb < HEARTBEAT_SECONDS.min || hb > HEARTBEAT_SECONDS.max)) {
    return syncStatusOnly(SyncStatus.InvalidInterval, hb < HEARTBEAT_SECONDS.min ? HEARTBEAT_SECONDS.min : HEARTBEAT_SECONDS.max);
  }
  return undefined;
}

/** Partial: the request's collections over the cached ones. Empty: the cached ones as they were. */
function merge(cached: CachedRequest | undefined, given: CollectionRequest[] | undefined): CollectionRequest[] | undefined {
  if (!cached) return undefined;
  const byId = new Map<string, CollectionRequest>(cached.collections.map(c => [c.collectionId, { ...c, commands: [] }]));
  for (const c of given ?? []) byId.set(c.collectionId, c);
  return [...byId.values()];
}

/** Written only when it differs from what is cached (`was`): a repeated poll writes nothing. */
async function saveCache(ctx: CommandContext, was: string | undefined, collections: CollectionRequest[], results: CollectionResult[],
  holdSeconds: number | undefined, windowSize: number | undefined): Promise<void> {
  const keys = new Map(results.filter(r => r.outcome === 'OK' && r.syncKey).map(r => [r.collectionId, r.syncKey as string]));
  const cache: CachedRequest = {
    collections: collections.filter(c => keys.has(c.collectionId))
      .map(({ commands: _, ...c }) => ({ ...c, syncKey: keys.get(c.collectionId) as string })),
    holdSeconds, windowSize,
  };
  const now = JSON.stringify(cache);
  if (now !== was) await ctx.store.setDeviceCache(ctx.device.id, 'sync_request', now);
}
