// MS-ASCMD 2.2.1.3 FolderCreate, 2.2.1.4 FolderDelete, 2.2.1.6 FolderUpdate: one shape, three
// commands. Each answers Status, SyncKey (on success) and, for FolderCreate, the new ServerId.
import { createFolder, deleteFolder, updateFolder, type FolderFailure, type FolderOutcome } from '../../sync/folderCommands.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { CommandContext, CommandResult } from './types.js';

const fh = tags('FolderHierarchy');

/** MS-ASCMD 2.2.3.177.2–4 Status (FolderCreate/FolderDelete/FolderUpdate). */
const STATUS: Record<FolderFailure, number> = {
  EXISTS: 2,
  SPECIAL_FOLDER: 3,
  NOT_FOUND: 4,
  PARENT_NOT_FOUND: 5,
  INVALID_SYNC_KEY: 9,
  BAD_REQUEST: 10,
};

export async function folderCreate(ctx: CommandContext): Promise<CommandResult> {
  const req = fields(ctx.body, 'FolderCreate', ['SyncKey', 'ParentId', 'DisplayName', 'Type']);
  if (!req || !/^\d+$/.test(req.Type)) return reply('FolderCreate', { ok: false, reason: 'BAD_REQUEST' });
  const outcome = await createFolder(ctx.store, ctx.device, req.SyncKey, { parentId: req.ParentId, displayName: req.DisplayName, type: Number(req.Type) });
  return reply('FolderCreate', outcome, outcome.ok ? fh('ServerId', outcome.serverId) : undefined);
}

export async function folderUpdate(ctx: CommandContext): Promise<CommandResult> {
  const req = fields(ctx.body, 'FolderUpdate', ['SyncKey', 'ServerId', 'ParentId', 'DisplayName']);
  if (!req) return reply('FolderUpdate', { ok: false, reason: 'BAD_REQUEST' });
  const outcome = await updateFolder(ctx.store, ctx.device, req.SyncKey, { serverId: req.ServerId, parentId: req.ParentId, displayName: req.DisplayName });
  // MS-ASCMD 2.2.3.177.4 (R4101, R4102): FolderUpdate answers a special folder with 2, not FolderDelete's 3.
  return reply('FolderUpdate', outcome.ok || outcome.reason !== 'SPECIAL_FOLDER' ? outcome : { ok: false, reason: 'EXISTS' });
}

export async function folderDelete(ctx: CommandContext): Promise<CommandResult> {
  const req = fields(ctx.body, 'FolderDelete', ['SyncKey', 'ServerId']);
  if (!req) return reply('FolderDelete', { ok: false, reason: 'BAD_REQUEST' });
  return reply('FolderDelete', await deleteFolder(ctx.store, ctx.device, req.SyncKey, req.ServerId));
}

/** The named children's text, or undefined when the root is wrong or one is missing. A SyncKey that
 *  is present but empty is kept: it is an unknown key, Status 9 (MS-ASCMD R4581), not a bad request. */
function fields<K extends string>(body: Element | undefined, root: string, names: K[]): Record<K, string> | undefined {
  if (body?.name !== root || body.namespace !== 'FolderHierarchy') return undefined;
  const out = {} as Record<K, string>;
  for (const name of names) {
    const value = name === 'SyncKey' && body.child(name) ? (body.childText(name) ?? '') : body.childText(name);
    if (value === undefined || (value === '' && name !== 'SyncKey')) return undefined;
    out[name] = value;
  }
  return out;
}

function reply(root: string, outcome: FolderOutcome, extra?: Element): CommandResult {
  if (!outcome.ok) return { body: fh(root, [fh('Status', STATUS[outcome.reason])]) };
  return { body: fh(root, [fh('Status', 1), fh('SyncKey', outcome.syncKey), extra]) };
}
