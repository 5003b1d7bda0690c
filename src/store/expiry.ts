// What the store keeps only for a while. Tombstones keep a deleted item's place in its folder's
// change log until devices have heard of the delete; devices that stay away longer are reconciled
// from the versions they hold instead (src/sync/serverChanges.ts), so old tombstones can go
// (docs/sync.md). Remembered SendMail ClientIds and received Message-IDs only guard against
// retries, which never come weeks later.
import type { Store } from './Store.js';

export const RETENTION_DAYS = 30;
const DAY = 86_400_000;
/** The console's records (docs/console.md): notes kept per account and meeting, exchanges per device and for how long. */
export const TRACE_NOTES_PER_MEETING = 500;
export const EXCHANGES_PER_DEVICE = 1000;
export const EXCHANGE_RETENTION_DAYS = 7;

export interface Expiry {
  /** Purges once now; resolves with the number of rows removed. */
  runOnce(): Promise<number>;
  stop(): void;
}

/**
 * Purges what is older than the retention every `everyMs` (and once at start). Several nodes over
 * one PostgreSQL may all run it: the purges are idempotent and take each folder's row lock.
 */
export function startExpiry(store: Store, o: { retentionDays?: number; everyMs?: number; log?: (msg: string) => void } = {}): Expiry {
  const retention = (o.retentionDays ?? RETENTION_DAYS) * DAY;
  const runOnce = async () => {
    const before = Date.now() - retention;
    const tombstones = await store.purgeTombstones(before);
    const ids = await store.forgetRememberedIds(before);
    const rules = await store.forgetConversationRules(before);
    if (tombstones || ids || rules) {
      o.log?.(`purged ${tombstones} tombstones, ${ids} remembered ids and ${rules} conversation rules older than ${retention / DAY} days`);
    }
    // Bounded by age and by count: a meeting answered a thousand times keeps its newest notes only.
    const notes = await store.purgeSchedulingTrace(before, TRACE_NOTES_PER_MEETING);
    const exchanges = await store.purgeProtocolExchanges(Date.now() - Math.min(retention, EXCHANGE_RETENTION_DAYS * DAY), EXCHANGES_PER_DEVICE);
    if (notes || exchanges) o.log?.(`purged ${notes} scheduling trace notes and ${exchanges} protocol log exchanges`);
    return tombstones + ids + rules + notes + exchanges;
  };
  const tick = () => void runOnce().catch(e => o.log?.(`expiry failed: ${(e as Error).message}`));
  const timer = setInterval(tick, o.everyMs ?? 6 * 3600_000);
  timer.unref();
  tick();
  return { runOnce, stop: () => clearInterval(timer) };
}
