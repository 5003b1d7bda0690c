// MS-ASCMD 2.2.1.9 GetItemEstimate: how many changes the device's next Syncs of a collection would
// bring, counted with the very decisions Sync makes (serverChanges.scanChanges) and without writing
// anything: the key, the watermark and what the device holds stay as they are (2.2.3.181.3).
import { openShared, replayedResult, type SyncContext } from './collection.js';
import { classOfFolder, filterTypeFits } from './classes.js';
import { scanChanges } from './serverChanges.js';
import { NOTES_SINCE } from '../notes/eas.js';

export interface EstimateRequest {
  collectionId: string;
  syncKey: string;
  /** The FilterType the device will sync with; undefined: the one it synced with last. */
  filterType?: number | undefined;
}

export type EstimateFailure = 'INVALID_COLLECTION' | 'NOT_PRIMED' | 'INVALID_SYNC_KEY' | 'INVALID_FILTER_TYPE';

export type EstimateOutcome = { ok: true; estimate: number } | { ok: false; reason: EstimateFailure };

export async function estimateCollection(ctx: SyncContext, req: EstimateRequest): Promise<EstimateOutcome> {
  const id = /^\d{1,15}$/.test(req.collectionId) ? Number(req.collectionId) : undefined;
  let folder = id === undefined ? undefined : await ctx.store.getFolder(ctx.user.id, id);
  // Not the account's own folder: a principal's calendar shared with it (sharedCalendars.ts).
  const shared = id !== undefined && !folder ? await openShared(ctx, id) : undefined;
  if (shared) folder = await ctx.store.getFolder(shared.user.id, id!);
  // Another account's folder is as unknown as one that never existed.
  const cls = folder && classOfFolder(folder.type);
  if (!folder || !cls) return { ok: false, reason: 'INVALID_COLLECTION' };
  // Notes are 14.0's (MS-ASNOTE 2.2.2): before, the folder is no collection, as Sync says with Status 4.
  if (cls === 'Notes' && ctx.version < NOTES_SINCE) return { ok: false, reason: 'INVALID_COLLECTION' };
  if (req.filterType !== undefined && !filterTypeFits(cls, req.filterType)) return { ok: false, reason: 'INVALID_FILTER_TYPE' };
  // SyncKey 0, or no Sync of this folder yet: nothing to count from until the device has synced.
  if (req.syncKey === '0') return { ok: false, reason: 'NOT_PRIMED' };
  const state = await ctx.store.getCollectionState(ctx.device.id, folder.id);
  if (!state) return { ok: false, reason: 'NOT_PRIMED' };
  // A device that lost its last response sends the key before: Sync would resend that response
  // first (collection.ts), then carry on from where it left off.
  const replayed = state.replayKey !== null && String(state.replayKey) === req.syncKey && state.replay
    ? replayedResult(state)?.commands.length : undefined;
  if (replayed === undefined && String(state.syncKey) !== req.syncKey) return { ok: false, reason: 'INVALID_SYNC_KEY' };
  const filterType = req.filterType ?? state.options.filterType;
  // As in Sync: a different FilterType makes the next Sync look at every item again.
  const from = filterType !== state.options.filterType ? 0 : state.modseq;
  const scan = await scanChanges(ctx, folder, { filterType }, from, Number.POSITIVE_INFINITY);
  return { ok: true, estimate: (replayed ?? 0) + scan.decided.length };
}
