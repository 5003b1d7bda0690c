// MS-ASCMD 2.2.3.117.1 Move (ItemOperations), MS-ASCON 3.1.4.3: move a whole conversation — every
// message whose Email2:ConversationId is the one named — to one folder. Each message goes through
// MoveItems' own path (src/sync/moveItems.ts), so every device sees the Delete and the Add and
// Pings on either folder wake, as for a device's own MoveItems. The messages are found as Search
// finds a ConversationId (./mailbox.ts).
import { FolderType, type Folder } from '../store/types.js';
import { classOfFolder } from '../sync/classes.js';
import { serverIdOf } from '../sync/collection.js';
import { moveItem, type MoveContext } from '../sync/moveItems.js';
import { searchMailbox } from './mailbox.js';

export type ConversationMoveOutcome =
  | { ok: true; moved: number }
  | { ok: false; reason: 'NO_SUCH_DESTINATION' | 'NO_SUCH_CONVERSATION' };

/**
 * Folders a conversation move leaves alone: the sent copy stays in Sent Items, mail waiting to go
 * or being written stays where it is, and what was deleted is not brought back (docs/search.md).
 */
const LEFT_ALONE = new Set<number>([FolderType.SentItems, FolderType.Outbox, FolderType.Drafts, FolderType.DeletedItems]);

/** Messages moved by one request at most; a larger conversation is moved in further requests. */
const MAX_MESSAGES = 1000;

export async function moveConversation(ctx: MoveContext, req: { conversationId: Buffer; dstFldId: string }): Promise<ConversationMoveOutcome> {
  const destination = /^\d{1,15}$/.test(req.dstFldId) ? await ctx.store.getFolder(ctx.user.id, Number(req.dstFldId)) : undefined;
  if (!destination || classOfFolder(destination.type) !== 'Email') return { ok: false, reason: 'NO_SUCH_DESTINATION' };
  const found = await searchMailbox(ctx.store, ctx.user.id, {
    deepTraversal: false, classes: ['Email'], conditions: [], conversationId: req.conversationId.toString('base64'),
  }, { first: 0, last: MAX_MESSAGES - 1 });
  if (!found.ok || found.total === 0) return { ok: false, reason: 'NO_SUCH_CONVERSATION' };
  const types = new Map((await ctx.store.listFolders(ctx.user.id)).map((f: Folder) => [f.id, f.type] as const));
  let moved = 0;
  for (const item of found.items) {
    if (item.folderId === destination.id || LEFT_ALONE.has(types.get(item.folderId) ?? -1)) continue;
    const outcome = await moveItem(ctx, { srcMsgId: serverIdOf(item.folderId, item.id), srcFldId: String(item.folderId), dstFldId: String(destination.id) });
    // A message moved or deleted meanwhile by another request is simply no longer ours to move.
    if (outcome.ok) moved++;
  }
  // MoveAlways is required (2.2.3.118): later mail of the conversation follows (mail/item.ts).
  await ctx.store.setConversationRule(ctx.user.id, req.conversationId.toString('base64'), destination.id);
  return { ok: true, moved };
}
