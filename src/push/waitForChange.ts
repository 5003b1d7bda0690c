// Waiting for a change without polling: a hanging Sync or a Ping subscribes to the change feed for
// its folders and wakes on the first committed change, or when its time is up.
import type { ChangeFeed } from '../store/changes.js';

export type WakeReason = { kind: 'items'; folderIds: number[] } | { kind: 'hierarchy' } | { kind: 'timeout' } | { kind: 'superseded' };

export interface WaitOptions {
  userId: number;
  /** Owners of other accounts' folders among `folderIds` (a principal's calendar shared with a delegate). */
  otherUserIds?: readonly number[] | undefined;
  folderIds: ReadonlySet<number>;
  timeoutMs: number;
  /** Aborting ends the wait early (a newer request from the same device, a closed connection). */
  signal?: AbortSignal | undefined;
  /** Collect further changes for this long after the first, so one answer carries a burst. */
  settleMs?: number;
}

export function waitForChange(feed: ChangeFeed, o: WaitOptions): Promise<WakeReason> {
  return new Promise(resolve => {
    const changed = new Set<number>();
    let settle: NodeJS.Timeout | undefined;
    const finish = (reason: WakeReason): void => {
      clearTimeout(timer);
      clearTimeout(settle);
      unsubscribe();
      o.signal?.removeEventListener('abort', onAbort);
      resolve(reason);
    };
    const onAbort = (): void => finish({ kind: 'superseded' });
    const onItems = (folderId: number | undefined): void => {
      if (folderId === undefined || !o.folderIds.has(folderId)) return;
      changed.add(folderId);
      settle ??= setTimeout(() => finish({ kind: 'items', folderIds: [...changed] }), o.settleMs ?? 0);
    };
    const subscriptions = [feed.subscribe(e => (e.hierarchy ? finish({ kind: 'hierarchy' }) : onItems(e.folderId)), o.userId)];
    // Another account's hierarchy is not this device's: only its items in the watched folders count.
    for (const other of o.otherUserIds ?? []) subscriptions.push(feed.subscribe(e => { if (!e.hierarchy) onItems(e.folderId); }, other));
    const unsubscribe = (): void => { for (const s of subscriptions) s(); };
    const timer = setTimeout(() => finish({ kind: 'timeout' }), o.timeoutMs);
    if (o.signal?.aborted) return onAbort();
    o.signal?.addEventListener('abort', onAbort);
  });
}

/** One long-poll per device: a newer Ping or hanging Sync ends the one before it (MS-ASCMD 3.1.5.8). */
export class DeviceWaits {
  private readonly current = new Map<number, AbortController>();
  private ended = false;

  begin(devicePk: number): AbortController {
    this.current.get(devicePk)?.abort();
    const controller = new AbortController();
    // Shutting down: a wait that begins now ends at once (the device asks again, elsewhere).
    if (this.ended) controller.abort();
    else this.current.set(devicePk, controller);
    return controller;
  }

  /** Ends every wait now and each later one at once: held Pings and Syncs are answered before shutdown. */
  endAll(): void {
    this.ended = true;
    for (const controller of this.current.values()) controller.abort();
    this.current.clear();
  }

  end(devicePk: number, controller: AbortController): void {
    if (this.current.get(devicePk) === controller) this.current.delete(devicePk);
  }

  get size(): number {
    return this.current.size;
  }
}
