// What the device has not been told: the folder's change log after the device's watermark, less
// what it already holds (its own changes), less what is outside its FilterType window. A folder
// whose modseq equals the watermark costs one row read, however many items it has.
//
// Two steps: `scanChanges` decides and writes nothing (GetItemEstimate counts with it);
// `collectChanges` decides, then loads what it sends and records what the device now holds (Sync).
import type { CollectionOptions, Folder, Item, ItemProps } from '../store/types.js';
import { classOfFolder, filterCutoff } from './classes.js';
import { codecFor } from './codecs.js';
import { serverIdOf, type SyncContext } from './collection.js';

export interface ServerCommand {
  kind: 'Add' | 'Change' | 'Delete' | 'SoftDelete';
  serverId: string;
  props?: ItemProps | undefined;
}

export interface Changes {
  commands: ServerCommand[];
  /** Every change up to here has been considered. */
  watermark: number;
  moreAvailable: boolean;
}

/** One change the device is to be sent: what kind, which item, and the version it carries. */
export interface Decision {
  kind: ServerCommand['kind'];
  id: number;
  modseq: number;
}

export interface Scan {
  decided: Decision[];
  watermark: number;
  moreAvailable: boolean;
}

const BATCH = 256;

/** Decides, read-only, what a Sync would send after `from`: at most `window` changes. */
/**
 * What a device holds of an item it moved there itself (MoveItems): the item's version, negated.
 * It has the item under its new ServerId but has not been sent it, so the item still comes as an
 * Add (MS-ASCMD 2.2.1.12), or as a Delete if it goes first; a Change the device makes meanwhile is
 * no conflict (the version is known). Real versions start at 1, so a negative one is never ambiguous.
 */
export const movedIn = (modseq: number): number => -modseq;
/** The version a held record stands for, moved in or not. */
export const heldAt = (held: number): number => Math.abs(held);

export async function scanChanges(ctx: Pick<SyncContext, 'store' | 'device'>, folder: Folder & { modseq: number; purgedModseq?: number },
  options: Pick<CollectionOptions, 'filterType'>, from: number, window: number): Promise<Scan> {
  if (folder.modseq <= from) return { decided: [], watermark: from, moreAvailable: false };
  const cutoff = filterCutoff(options.filterType, classOfFolder(folder.type));
  const markAtStart = folder.purgedModseq ?? 0;
  const decided: Decision[] = from < markAtStart ? await vanished(ctx, folder.id, from) : [];
  if (decided.length >= window) return { decided: decided.slice(0, window), watermark: from, moreAvailable: true };
  let watermark = from;
  let moreAvailable = false;
  scan: for (;;) {
    const batch = await ctx.store.listChanges(folder.id, watermark, BATCH);
    const held = await ctx.store.heldVersions(ctx.device.id, folder.id, batch.map(c => c.id));
    for (const c of batch) {
      const heldVersion = held.get(c.id);
      const outside = cutoff !== undefined && c.filterTime !== null && c.filterTime < cutoff;
      const kind: Decision['kind'] | undefined = c.deleted ? (heldVersion !== undefined ? 'Delete' : undefined)
        : heldVersion === undefined || (heldVersion < 0 && !outside) ? (outside ? undefined : 'Add')
          : outside ? 'SoftDelete'
            : heldAt(heldVersion) < c.modseq ? 'Change' : undefined;
      if (kind) {
        if (decided.length >= window) { moreAvailable = true; break scan; }
        decided.push({ kind, id: c.id, modseq: c.modseq });
      }
      watermark = c.modseq;
    }
    if (batch.length < BATCH) break;
  }
  // A purge that committed while the log was read may have taken tombstones this scan never saw:
  // if the mark rose meanwhile, ask again what the device holds that is gone.
  const purged = (await ctx.store.getFolder(folder.userId, folder.id))?.purgedModseq ?? 0;
  if (from < purged && purged > markAtStart) {
    const known = new Set(decided.map(d => d.id));
    const extra = (await vanished(ctx, folder.id, from)).filter(d => !known.has(d.id));
    // Over the window: keep the watermark where it was, so the next round starts with them.
    if (decided.length + extra.length <= window) decided.push(...extra);
    else return { decided, watermark: from, moreAvailable: true };
  }
  return { decided, watermark, moreAvailable };
}

/**
 * Deletes the log can no longer tell (their tombstones expired, store/expiry.ts): what the
 * device holds in the folder that exists no more. The device keeps its SyncKey; no resync.
 */
async function vanished(ctx: Pick<SyncContext, 'store' | 'device'>, folderId: number, from: number): Promise<Decision[]> {
  return (await ctx.store.vanishedItems(ctx.device.id, folderId)).map(id => ({ kind: 'Delete' as const, id, modseq: from }));
}

/** Sync's side: the scan, then the items it sends, with the device's holdings brought up to date. */
export async function collectChanges(ctx: SyncContext, folder: Folder & { modseq: number }, options: CollectionOptions,
  from: number, window: number): Promise<Changes> {
  const scan = await scanChanges(ctx, folder, options, from, window);
  return { commands: await materialise(ctx, folder, options, scan.decided), watermark: scan.watermark, moreAvailable: scan.moreAvailable };
}

/**
 * Loads what the decisions send and records what the device now holds. An item that fails to
 * render is left out, not held, and logged: one bad item never fails the folder. The watermark
 * still passes it, so it is offered again when it next changes (an edit, a move, the text repair
 * of docs/reliability.md) or when the device starts over with SyncKey 0 — never in a loop.
 */
async function materialise(ctx: SyncContext, folder: Folder, options: CollectionOptions, decided: Decision[]): Promise<ServerCommand[]> {
  const sending = decided.filter(d => d.kind === 'Add' || d.kind === 'Change');
  const items = new Map((await ctx.store.getItems(folder.id, sending.map(d => d.id))).map(i => [i.id, i]));
  const views = new Map<number, ItemProps | undefined>();
  for (const d of sending) {
    const view = await deviceView(ctx, items.get(d.id), options);
    if (view !== SKIPPED) views.set(d.id, view);
  }
  const sent = decided.filter(d => !(d.kind === 'Add' || d.kind === 'Change') || views.has(d.id));
  await ctx.store.holdVersions(ctx.device.id, folder.id, sent.filter(d => views.has(d.id)).map(d => [d.id, d.modseq]));
  await ctx.store.releaseItems(ctx.device.id, folder.id, sent.filter(d => d.kind === 'Delete' || d.kind === 'SoftDelete').map(d => d.id));
  return sent.map(d => ({ kind: d.kind, serverId: serverIdOf(folder.id, d.id), props: views.get(d.id) }));
}

const SKIPPED = Symbol('skipped');

/** The item as this device's protocol version shows it, its body as the collection's Options ask. */
async function deviceView(ctx: SyncContext, item: Item | undefined, options: CollectionOptions): Promise<ItemProps | undefined | typeof SKIPPED> {
  if (!item) return undefined;
  try {
    return await codecFor(item.class).toDevice(item, { version: ctx.version, body: options, store: ctx.store });
  } catch (e) {
    ctx.log?.warn({ itemId: item.id, folderId: item.folderId, err: e }, 'item not sent: it failed to render');
    return SKIPPED;
  }
}
