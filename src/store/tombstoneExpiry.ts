// Tombstones keep a deleted item's place in its folder's change log until every device has heard
// of the delete. Devices that stay away longer than the retention are reconciled from the versions
// they hold instead (src/sync/serverChanges.ts), so old tombstones can go (docs/sync.md).
import type { Store } from './Store.js';

export const TOMBSTONE_RETENTION_DAYS = 30;
const DAY = 86_400_000;

export interface TombstoneExpiry {
  /** Purges once now; resolves with the number removed. */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Purges tombstones older than the retention every `everyMs` (and once at start). Several nodes
 * over one PostgreSQL may all run it: the purge is idempotent and takes each folder's row lock.
 */
export function startTombstoneExpiry(store: Store, o: { retentionDays?: number; everyMs?: number; log?: (msg: string) => void } = {}): TombstoneExpiry {
  const retention = (o.retentionDays ?? TOMBSTONE_RETENTION_DAYS) * DAY;
  const runOnce = async () => {
    const removed = await store.purgeTombstones(Date.now() - retention);
    if (removed) o.log?.(`purged ${removed} tombstones older than ${retention / DAY} days`);
    return removed;
  };
  const tick = () => void runOnce().catch(e => o.log?.(`tombstone purge failed: ${(e as Error).message}`));
  const timer = setInterval(tick, o.everyMs ?? 6 * 3600_000);
  timer.unref();
  tick();
  return { runOnce, stop: () => clearInterval(timer) };
}
