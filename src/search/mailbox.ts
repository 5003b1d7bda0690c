// Mailbox search (MS-ASCMD 2.2.1.16 Search with Store "Mailbox", and Find's mailbox criterion):
// the account's items that match, newest first, as one window of the whole result and its size.
// The store narrows by folder, class, date and a coarse text test; match.ts decides each candidate.
// Every request searches afresh (no stored result set), so RebuildResults always holds and
// paging through a result sees items that arrived in between. docs/search.md.
import type { Store } from '../store/Store.js';
import type { Folder, Item, ItemClass } from '../store/types.js';
import { matches, type TextCondition } from './match.js';
import { filled, type Range } from './range.js';

export interface MailboxQuery {
  /** Folders to search (undefined: all of the account's folders). */
  collectionIds?: number[] | undefined;
  /** Also the folders below each of collectionIds (MS-ASCMD 2.2.3.41 DeepTraversal). */
  deepTraversal: boolean;
  classes?: ItemClass[] | undefined;
  conditions: TextCondition[];
  /** MS-ASCMD 2.2.3.86 / 2.2.3.96: received strictly after / before (ms). */
  receivedAfter?: number | undefined;
  receivedBefore?: number | undefined;
  /** MS-ASCMD 2.2.3.35.2 ConversationId, as base64 of its bytes. */
  conversationId?: string | undefined;
}

export type MailboxOutcome =
  | { ok: true; items: Item[]; range: Range | undefined; total: number }
  | { ok: false; reason: 'NO_SUCH_FOLDER' };

/** Candidates read from the store per round trip. */
const BATCH = 500;
/**
 * Once the window is filled, candidates beyond this many are not read: Total is estimated from the
 * share that matched. A common word over a large mailbox then costs what its first page costs.
 */
const EXACT_SCAN = 2000;

/** The matches within `wanted` (none when undefined: only counted), and how many match in all. */
export async function searchMailbox(store: Store, userId: number, query: MailboxQuery, wanted: Range | undefined): Promise<MailboxOutcome> {
  const folderIds = query.collectionIds && scope(await store.listFolders(userId), query.collectionIds, query.deepTraversal);
  if (folderIds === null) return { ok: false, reason: 'NO_SUCH_FOLDER' };
  const search = {
    folderIds, classes: query.classes, receivedAfter: query.receivedAfter, receivedBefore: query.receivedBefore,
    terms: [...query.conditions.map(c => c.text), ...(query.conversationId ? [query.conversationId] : [])],
  };
  const refs = await store.findItemCandidates(userId, search);
  const items: Item[] = [];
  let total = 0;
  for (let at = 0; at < refs.length; at += BATCH) {
    for (const item of await store.getItemsInOrder(userId, refs.slice(at, at + BATCH))) {
      if (!matches(item, query.conditions, query.conversationId)) continue;
      if (wanted && total >= wanted.first && total <= wanted.last) items.push(item);
      total++;
    }
    const examined = Math.min(refs.length, at + BATCH);
    const windowFilled = !wanted || total > wanted.last;
    if (windowFilled && examined >= EXACT_SCAN && examined < refs.length) {
      // MS-ASCMD 2.2.3.184.3: Total is an estimate. The rest is counted at the rate seen so far.
      total += Math.round((refs.length - examined) * (total / examined));
      break;
    }
  }
  return { ok: true, items, range: wanted && filled(wanted, total), total };
}

/** The folder ids to search; null when one of `ids` is not a folder of the account. */
function scope(folders: Folder[], ids: number[], deep: boolean): number[] | null {
  const own = new Set(folders.map(f => f.id));
  if (!ids.every(id => own.has(id))) return null;
  const out = new Set(ids);
  for (let grew = deep; grew;) {
    grew = false;
    for (const f of folders) if (out.has(f.parentId) && !out.has(f.id)) { out.add(f.id); grew = true; }
  }
  return [...out];
}
