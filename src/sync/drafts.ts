// 16.x drafts over Sync (MS-ASEMAIL 16.0: Add, Change and Send of an email in the Drafts folder;
// MS-ASAIRS 2.2.2.2/2.2.2.20 attachments by ClientId and FileReference). The message side is
// mail/draft.ts; this is the Sync side: which items are drafts, what a device's Add or Change
// does to one, what the response tells it, and what it holds afterwards. docs/sync.md, "Drafts".
import { composeDraft, draftProps, editDraft, EMPTY_DRAFT, readDraft, readDraftEdit, readyToSend, sendDraft, type Draft, type DraftEdit, type ReadyDraft } from '../mail/draft.js';
import { formatFileReference, parseFileReference } from '../mail/fileReference.js';
import { propText } from '../store/props.js';
import { FolderType, type Folder, type Item, type ItemProps, type PropNode } from '../store/types.js';
import { filterTimeOf, mergeChange } from './classes.js';
import type { CommandResponse } from './clientCommands.js';
import { serverIdOf, type SyncContext } from './collection.js';

/** A device writes drafts from 16.0 on, and only in the Drafts folder. */
export function takesDrafts(folder: Folder, version: number): boolean {
  return version >= 16 && folder.type === FolderType.Drafts;
}

/** An item a 16.x device may rewrite or send: one a device wrote as a draft, still in Drafts. */
export function isDraft(item: Item, folder: Folder, version: number): boolean {
  return takesDrafts(folder, version) && propText(item.props, 'Email2:IsDraft') === '1';
}

/** Whether a device's command carries Send (beside ApplicationData, or inside it). */
export function asksToSend(props: ItemProps, send: boolean | undefined): boolean {
  return send === true || props.some(p => p[0] === 'Email2:Send');
}

type Base = Omit<CommandResponse, 'outcome'>;

export async function addDraft(ctx: SyncContext, folder: Folder, cmd: { clientId: string; props: ItemProps; send?: boolean | undefined }): Promise<CommandResponse> {
  const base: Base = { kind: 'Add', clientId: cmd.clientId };
  const edit = readDraftEdit(cmd.props, cmd.send === true);
  // A new draft has no attachments a FileReference could name.
  if (!edit || edit.remove.length) return { ...base, outcome: 'INVALID_ITEM' };
  const saved = await save(ctx, EMPTY_DRAFT, edit, new Set(), [], cmd.props);
  if (typeof saved === 'string') return { ...base, outcome: 'INVALID_ITEM' };
  const item = await ctx.store.addItem(ctx.user.id, folder.id, { class: 'Email', props: saved.props, filterTime: filterTimeOf('Email', saved.props), mime: saved.mime });
  if (!item) return { ...base, outcome: 'NOT_FOUND' };
  await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, item.modseq]]);
  if (saved.ready) await send(ctx, item, saved.ready);
  return { ...base, serverId: serverIdOf(folder.id, item.id), outcome: 'OK', props: answer(folder, item, saved.added) };
}

export async function changeDraft(ctx: SyncContext, folder: Folder, item: Item, cmd: { serverId: string; props: ItemProps; send?: boolean | undefined }): Promise<CommandResponse> {
  const base: Base = { kind: 'Change', serverId: cmd.serverId };
  const edit = readDraftEdit(cmd.props, cmd.send === true);
  if (!edit) return { ...base, outcome: 'INVALID_ITEM' };
  const current = await readDraft(item.props, await ctx.store.getItemContent(ctx.user.id, item.id));
  const removed = new Set<number>();
  for (const text of edit.remove) {
    const ref = parseFileReference(text);
    // A reference to another item's file is no reference to this draft's; one past the list names a file already gone.
    if (!ref || ref.folderId !== folder.id || ref.itemId !== item.id) return { ...base, outcome: 'INVALID_ITEM' };
    if (ref.index < current.attachments.length) removed.add(ref.index);
  }
  const flags = item.props.filter(p => CARRIED.has(p[0]));
  const saved = await save(ctx, current, edit, removed, flags, cmd.props);
  if (typeof saved === 'string') return { ...base, outcome: 'INVALID_ITEM' };
  const updated = (await ctx.store.updateItem(ctx.user.id, item.id, { props: saved.props, filterTime: filterTimeOf('Email', saved.props), mime: saved.mime }))!;
  // Deleting a file moves the ones after it up the list, and with them their FileReferences: the
  // device is then not counted as holding this version, so the change scan sends it the draft
  // with the references it has now (in this same response when its window allows).
  const shifted = current.attachments.some((_, j) => !removed.has(j) && [...removed].some(i => i < j));
  if (!shifted) await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, updated.modseq]]);
  if (saved.ready) await send(ctx, updated, saved.ready);
  return { ...base, outcome: 'OK', props: answer(folder, item, saved.added) };
}

/** Properties a device may set on any mail (classes.ts): kept through a rewrite of the draft. */
const CARRIED = new Set(['Email:Read', 'Email:Flag', 'Email:Categories']);

interface Saved {
  props: ItemProps;
  mime: Buffer;
  added: { clientId: string; index: number }[];
  ready?: ReadyDraft | undefined;
}

/**
 * The draft after the edit, as it will be stored; 'INVALID' when it cannot be (too large, a Send
 * that has nobody to go to or an address that is none, ConversationId set). Nothing is written
 * here, so a refused command changes nothing.
 */
async function save(ctx: SyncContext, current: Draft, edit: DraftEdit, removed: Set<number>, flags: ItemProps, incoming: ItemProps): Promise<Saved | 'INVALID'> {
  const { draft, added } = editDraft(current, edit, removed);
  const mime = await composeDraft(ctx.user, draft);
  if (ctx.maxMessageBytes !== undefined && mime.length > ctx.maxMessageBytes) return 'INVALID';
  // Read, Flag and Categories as on any mail; a ConversationId is refused there too (MS-ASEMAIL 2.2.2.21).
  const props = mergeChange('Email', await draftProps(ctx.user, draft, mime), [...flags, ...incoming], undefined);
  if (!props) return 'INVALID';
  let ready: ReadyDraft | undefined;
  if (edit.send) {
    const checked = await readyToSend(mime);
    if (typeof checked === 'string') return 'INVALID';
    ready = checked;
  }
  return { props, mime, added, ready };
}

/**
 * MS-ASEMAIL 2.2.2.69 Send: the draft goes out as SendMail's messages do and its copy is filed in
 * Sent Items; the draft itself leaves Drafts. The device still holds it, so its next Sync of
 * Drafts carries the Delete (and of Sent Items the Add).
 */
async function send(ctx: SyncContext, item: Item, ready: ReadyDraft): Promise<void> {
  await sendDraft(ctx.store, ctx.user, ready, msg => ctx.log?.info({ userId: ctx.user.id }, msg));
  await ctx.store.deleteItem(ctx.user.id, item.id);
}

/** MS-ASAIRS 2.2.2.14: each added file's ClientId with the FileReference it now has. */
function answer(folder: Folder, item: Item, added: { clientId: string; index: number }[]): ItemProps | undefined {
  if (added.length === 0) return undefined;
  const A = (n: string) => `AirSyncBase:${n}`;
  return [[A('Attachments'), added.map((a): PropNode => [A('Attachment'), [
    [A('ClientId'), a.clientId],
    [A('FileReference'), formatFileReference({ folderId: folder.id, itemId: item.id, index: a.index })],
  ]])]];
}
