// The repair of items stored before every door made text receivable (docs/reliability.md, "Strings
// a device can receive"): each live item whose properties or event hold a character a device cannot
// receive is rewritten with U+FFFD in its place. The rewrite is an ordinary change — a new modseq —
// so every device that holds the item gets a Change with the clean text. Rendering already sends
// such items clean; the repair makes the store itself clean (search, export, iTIP mail out).
import type { Store } from '../store/Store.js';
import type { Item } from '../store/types.js';
import { isReceivableDeep, receivableDeep } from '../wbxml/text.js';

/** The name the store marks the repair done under; a later rule would get a new name. */
export const TEXT_REPAIR = 'receivable-text-1';
const PAGE = 200;

export interface RepairResult {
  /** false: it had run before, nothing was looked at. */
  ran: boolean;
  repaired: number;
}

/**
 * Runs the repair unless the store says it is done, then marks it done: a store that has had it
 * costs one row read at each start. `force` runs it again (a store restored from an old backup).
 */
export async function repairStoredText(store: Store, o: { force?: boolean; log?: (obj: object, msg: string) => void } = {}): Promise<RepairResult> {
  if (!o.force && await store.maintenanceDone(TEXT_REPAIR)) return { ran: false, repaired: 0 };
  let repaired = 0;
  for (let after: number | undefined = 0; after !== undefined;) {
    const page = await store.itemsWithEscapedText(after, PAGE);
    for (const item of page.items) if (await repairItem(store, item.userId, item.id)) repaired++;
    after = page.lastId;
  }
  await store.markMaintenanceDone(TEXT_REPAIR);
  if (repaired > 0) o.log?.({ repaired }, 'stored text repaired: characters a device cannot receive replaced by U+FFFD');
  return { ran: true, repaired };
}

/** Rewrites one item if it needs it, reading it again in the transaction that writes it. */
async function repairItem(store: Store, userId: number, itemId: number): Promise<boolean> {
  return store.transaction(async tx => {
    // The account's lock before the read: a device's write on another node cannot slip in between.
    await tx.lockAccounts([userId]);
    const item = await tx.getItem(userId, itemId);
    if (!item || clean(item)) return false;
    await tx.updateItem(userId, itemId, { props: receivableDeep(item.props), event: receivableDeep(item.event), filterTime: item.filterTime });
    return true;
  });
}

function clean(item: Item): boolean {
  return isReceivableDeep(item.props) && isReceivableDeep(item.event);
}
