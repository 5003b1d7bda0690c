// A reviewer's device in a principal's shared calendar (sharedCalendars.ts) reads only. Its writes
// are refused in the way that lets the device come back to the server's state — as grommunio-sync
// does for read-only shared folders — rather than with an error it would retry forever:
// - an Add is Status 6 (MS-ASCMD 2.2.3.177.17: the item was not accepted);
// - a Change or a Delete is answered 1 and not applied: the device's holding of the item is reset
//   (a Change: held at version 0, so the scan sends it as a Change; a Delete: released, so it comes
//   back as an Add) and this Sync scans from just before that item, so the server's version goes
//   back in this same response. The principal's data is not touched; only this device's state.
import type { Folder } from '../store/types.js';
import type { ClientCommand, CommandResponse } from './clientCommands.js';
import { itemIdOf, type SyncContext } from './collection.js';

export async function refuseWrite(ctx: SyncContext, folder: Folder, cmd: Exclude<ClientCommand, { kind: 'Fetch' }>): Promise<CommandResponse> {
  if (cmd.kind === 'Add') return { kind: 'Add', clientId: cmd.clientId, outcome: 'INVALID_ITEM' };
  const base = { kind: cmd.kind, serverId: cmd.serverId, instanceId: cmd.instanceId };
  const id = itemIdOf(cmd.serverId, folder.id);
  const item = id === undefined ? undefined : await ctx.store.getItem(ctx.user.id, id);
  if (!item || item.folderId !== folder.id) return { ...base, outcome: 'NOT_FOUND' };
  // A Delete of the whole item leaves the device without it: released, it is sent as an Add.
  if (cmd.kind === 'Delete' && !cmd.instanceId) await ctx.store.releaseItems(ctx.device.id, folder.id, [item.id]);
  else await ctx.store.holdVersions(ctx.device.id, folder.id, [[item.id, 0]]);
  ctx.shared?.resend.push(item.modseq);
  return { ...base, outcome: 'OK' };
}
