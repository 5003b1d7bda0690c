// The device's Add, Change, Delete and Fetch in a Sync (MS-ASCMD 2.2.3.7.2, 2.2.3.24, 2.2.3.42.2,
// 2.2.3.68). Whatever the device changed it already holds, so each write also records the version
// the device has: the next change scan does not echo it back.
import type { CalendarEvent } from '../calendar/model.js';
import { answerByEdit, scheduleOrganizerEdit } from '../scheduling/organizer.js';
import { easSource } from '../scheduling/trace.js';
import type { CollectionOptions, Folder, Item, ItemProps } from '../store/types.js';
import { FolderType } from '../store/types.js';
import { changeOccurrence, codecFor, deleteOccurrence, eventOf, ItemConversionError, occurrenceOf, storedEvent, type Stored } from './codecs.js';
import { itemIdOf, serverIdOf, type Outcome, type SyncContext } from './collection.js';
import { addDraft, asksToSend, changeDraft, isDraft, takesDrafts } from './drafts.js';
import { refuseWrite } from './readOnly.js';
import { heldAt } from './serverChanges.js';

export type ClientCommand =
  | { kind: 'Add'; clientId: string; props: ItemProps; send?: boolean | undefined }
  | { kind: 'Change'; serverId: string; instanceId?: string | undefined; props: ItemProps; send?: boolean | undefined }
  | { kind: 'Delete'; serverId: string; instanceId?: string | undefined }
  | { kind: 'Fetch'; serverId: string };

export interface CommandResponse {
  kind: 'Add' | 'Change' | 'Delete' | 'Fetch';
  clientId?: string | undefined;
  serverId?: string | undefined;
  instanceId?: string | undefined;
  outcome: Outcome;
  props?: ItemProps | undefined;
}

export async function applyCommand(ctx: SyncContext, folder: Folder, options: CollectionOptions, cmd: ClientCommand): Promise<CommandResponse> {
  // A principal's calendar shared read-only (sharedCalendars.ts): the device's writes go back.
  if (ctx.shared?.rights === 'reviewer' && cmd.kind !== 'Fetch') return refuseWrite(ctx, folder, cmd);
  switch (cmd.kind) {
    case 'Add': return add(ctx, folder, options, cmd);
    case 'Change': return change(ctx, folder, options, cmd);
    case 'Delete': return remove(ctx, folder, options, cmd);
    case 'Fetch': return fetch(ctx, folder, options, cmd);
  }
}

async function add(ctx: SyncContext, folder: Folder, options: CollectionOptions, cmd: { clientId: string; props: ItemProps; send?: boolean | undefined }): Promise<CommandResponse> {
  const base = { kind: 'Add' as const, clientId: cmd.clientId };
  // MS-ASEMAIL: a device creates mail only as a draft, and only from 16.0 on.
  if (options.class === 'Email') return takesDrafts(folder, ctx.version) ? addDraft(ctx, folder, cmd) : { ...base, outcome: 'INVALID_ITEM' };
  // MS-ASEMAIL 2.2.2.69: only an email is sent.
  if (asksToSend(cmd.props, cmd.send)) return { ...base, outcome: 'INVALID_ITEM' };
  const converted = convert(() => codecFor(options.class).fromDevice(cmd.props, ctx.version));
  if (!converted) return { ...base, outcome: 'INVALID_ITEM' };
  if (converted.event) converted.event = await organize(ctx, undefined, converted.event, 'Sync Add');
  const item = await ctx.store.addItem(ctx.user.id, folder.id, { class: options.class, ...converted });
  if (!item) return { ...base, outcome: 'NOT_FOUND' };
  await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, item.modseq]]);
  return { ...base, serverId: serverIdOf(folder.id, item.id), outcome: 'OK' };
}

async function change(ctx: SyncContext, folder: Folder, options: CollectionOptions,
  cmd: { serverId: string; instanceId?: string | undefined; props: ItemProps; send?: boolean | undefined }): Promise<CommandResponse> {
  const base = { kind: 'Change' as const, serverId: cmd.serverId, instanceId: cmd.instanceId };
  const id = itemIdOf(cmd.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!item || item.folderId !== folder.id) return { ...base, outcome: 'NOT_FOUND' };
  const held = (await ctx.store.heldVersions(ctx.device.id, folder.id, [item.id])).get(item.id);
  // MS-ASCMD 2.2.3.34 Conflict: the server changed the item since the device last saw it.
  // Server wins (1, the default): refuse, and the next scan sends the server's version.
  if (held !== undefined && heldAt(held) < item.modseq && options.conflict !== 0) return { ...base, outcome: 'CONFLICT' };
  if (!cmd.instanceId && isDraft(item, folder, ctx.version)) return changeDraft(ctx, folder, item, cmd);
  // MS-ASEMAIL 2.2.2.69: Send is for a 16.x draft; on anything else it is no change the item can take.
  if (asksToSend(cmd.props, cmd.send)) return { ...base, outcome: 'INVALID_ITEM' };
  let next: Stored | undefined;
  if (cmd.instanceId) {
    // MS-ASAIRS 2.2.2.25: with InstanceId the Change is about that one occurrence, never the series.
    if (options.class !== 'Calendar') return { ...base, outcome: 'NOT_SUPPORTED' };
    const event = convert(() => eventOf(item, ctx.version));
    const at = event && occurrenceOf(event, cmd.instanceId);
    if (!event || typeof at !== 'number') return { ...base, outcome: 'NOT_FOUND' };
    next = convert(() => storedEvent(changeOccurrence(event, at, cmd.props, ctx.version)));
  } else {
    next = convert(() => codecFor(options.class).merge(item, cmd.props, options.supported, ctx.version));
  }
  if (!next) return { ...base, outcome: 'INVALID_ITEM' };
  if (next.event) {
    const before = item.event ?? convert(() => eventOf(item, ctx.version));
    next.event = await organize(ctx, before, next.event, cmd.instanceId ? `Sync Change of one occurrence (InstanceId ${cmd.instanceId})` : 'Sync Change');
    if (next.event) await answerByEdit(ctx.store, ctx.user, before, next.event, easSource(signedIn(ctx).email, ctx.device, 'Sync'));
  }
  const updated = await ctx.store.updateItem(ctx.user.id, item.id, next);
  // A Change the server took further (a recurring task moved on) is not held at the new version:
  // the device is sent it back, and what the change made beside it, as the next scan's Change and Adds.
  if (!next.serverChanged) await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, updated!.modseq]]);
  for (const beside of next.alongside ?? []) await ctx.store.addItem(ctx.user.id, folder.id, { class: options.class, ...beside });
  return { ...base, outcome: 'OK' };
}

async function remove(ctx: SyncContext, folder: Folder, options: CollectionOptions,
  cmd: { serverId: string; instanceId?: string | undefined }): Promise<CommandResponse> {
  const base = { kind: 'Delete' as const, serverId: cmd.serverId, instanceId: cmd.instanceId };
  const id = itemIdOf(cmd.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!item || item.folderId !== folder.id) return removeGone(ctx, folder, id, base);
  if (cmd.instanceId) return removeOccurrence(ctx, folder, options, item, cmd.instanceId, base);
  if (item.class === 'Calendar') await organize(ctx, item.event ?? convert(() => eventOf(item, ctx.version)), undefined, 'Sync Delete');
  // MS-ASCMD 2.2.3.43 DeletesAsMoves (default 1): a deleted item goes to Deleted Items.
  const trash = options.deletesAsMoves && folder.type !== FolderType.DeletedItems
    ? (await ctx.store.listFolders(ctx.user.id)).find(f => f.type === FolderType.DeletedItems) : undefined;
  if (trash) await ctx.store.moveItem(ctx.user.id, item.id, trash.id);
  else await ctx.store.deleteItem(ctx.user.id, item.id);
  await ctx.store.releaseItems(ctx.device.id, folder.id, [item.id]);
  return { ...base, outcome: 'OK' };
}

/**
 * A Delete of an item no longer in the folder (another device or the server deleted or moved it
 * since this device was told of it). If the device holds it, the outcome it asked for holds —
 * the item is not in the folder — so the answer is Status 1, not 8 (MS-ASCMD 2.2.3.177.17, 8:
 * "object not found"), which a device may take as "the delete failed" and keep its copy while the
 * server, having released it, never sends the Delete. Its holding is released in both cases, so
 * the tombstone is no Delete to it later. An occurrence Delete (InstanceId) is 8 and releases
 * nothing: the device still holds the series, whose Delete it needs. A ServerId the device never
 * held is 8. docs/sync.md.
 */
async function removeGone(ctx: SyncContext, folder: Folder, id: number | undefined, base: Omit<CommandResponse, 'outcome'>): Promise<CommandResponse> {
  if (id === undefined || base.instanceId) return { ...base, outcome: 'NOT_FOUND' };
  const held = (await ctx.store.heldVersions(ctx.device.id, folder.id, [id])).has(id);
  await ctx.store.releaseItems(ctx.device.id, folder.id, [id]);
  return { ...base, outcome: held ? 'OK' : 'NOT_FOUND' };
}

/**
 * MS-ASCMD 2.2.3.67.2 Fetch: the item whole — the body in the collection's preferred types, but
 * not cut (a device fetches what a Sync truncated; MS-ASEMAIL 2.2.2.50: the complete MIME).
 */
async function fetch(ctx: SyncContext, folder: Folder, options: CollectionOptions, cmd: { serverId: string }): Promise<CommandResponse> {
  const id = itemIdOf(cmd.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!item || item.folderId !== folder.id) return { kind: 'Fetch', serverId: cmd.serverId, outcome: 'NOT_FOUND' };
  const body = { bodyPreferences: options.bodyPreferences.map(p => ({ type: p.type, preview: p.preview })), mimeSupport: options.mimeSupport };
  let props: ItemProps | undefined;
  try {
    props = await codecFor(item.class).toDevice(item, { version: ctx.version, body, store: ctx.store });
  } catch (e) {
    // One item that does not render is answered alone (Status 6), never the whole Sync.
    if (!(e instanceof ItemConversionError)) ctx.log?.warn({ itemId: item.id, folderId: folder.id, err: e }, 'item not fetched: it failed to render');
  }
  if (!props) return { kind: 'Fetch', serverId: cmd.serverId, outcome: 'INVALID_ITEM' };
  return { kind: 'Fetch', serverId: cmd.serverId, outcome: 'OK', props };
}

/** MS-ASAIRS 2.2.2.25: a Delete with InstanceId cancels that occurrence; the series stays. */
async function removeOccurrence(ctx: SyncContext, folder: Folder, options: CollectionOptions, item: Item, instanceId: string,
  base: Omit<CommandResponse, 'outcome'>): Promise<CommandResponse> {
  if (options.class !== 'Calendar') return { ...base, outcome: 'NOT_SUPPORTED' };
  const event = convert(() => eventOf(item, ctx.version));
  const at = event && occurrenceOf(event, instanceId);
  if (!event || typeof at !== 'number') return { ...base, outcome: 'NOT_FOUND' };
  const after = await organize(ctx, item.event, deleteOccurrence(event, at), `Sync Delete of one occurrence (InstanceId ${instanceId})`);
  const updated = await ctx.store.updateItem(ctx.user.id, item.id, storedEvent(after ?? deleteOccurrence(event, at)));
  await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, updated!.modseq]]);
  return { ...base, outcome: 'OK' };
}

/**
 * A 16.x device leaves invitations to the server (MS-ASCMD 2.2.1.11): its edits of meetings it
 * organizes go through the scheduling engine, which returns the event as it must be stored.
 */
async function organize(ctx: SyncContext, before: CalendarEvent | undefined, after: CalendarEvent | undefined, what: string): Promise<CalendarEvent | undefined> {
  if (ctx.version < 16) return after;
  // In a principal's shared calendar an editor-delegate organizes as the principal, sent by itself.
  return scheduleOrganizerEdit({ store: ctx.store, user: ctx.user, before, after, sentBy: ctx.shared?.delegate,
    trace: { source: easSource(signedIn(ctx).email, ctx.device, 'Sync'), what } });
}

/** The account the device signed in as (in a shared calendar, the delegate; `ctx.user` is the principal). */
const signedIn = (ctx: SyncContext) => ctx.shared?.delegate ?? ctx.user;

/** A device's item that does not convert is answered with Status 6; anything else is a real fault. */
function convert<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (e instanceof ItemConversionError) return undefined;
    throw e;
  }
}
