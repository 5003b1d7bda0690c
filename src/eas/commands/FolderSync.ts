// MS-ASCMD 2.2.1.5 FolderSync: the folder hierarchy, as changes since the device's SyncKey.
import { syncHierarchy, type FolderSyncOutcome } from '../../sync/hierarchy.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { CommandContext, CommandResult } from './types.js';

const fh = tags('FolderHierarchy');

/** MS-ASCMD 2.2.3.177.5 Status (FolderSync). */
export const FolderSyncStatus = {
  Success: 1,
  ServerError: 6,
  InvalidSyncKey: 9,
  BadRequest: 10,
} as const;

export async function folderSync(ctx: CommandContext): Promise<CommandResult> {
  const syncKey = parse(ctx.body);
  if (syncKey === undefined) return { body: statusOnly(FolderSyncStatus.BadRequest) };
  const outcome = await syncHierarchy(ctx.store, ctx.device, syncKey);
  return { body: build(outcome) };
}

/** The SyncKey sent; undefined when the request has none (Status 10). A SyncKey that is present but
 *  empty or unknown is Status 9 (MS-ASCMD R4060): the device starts over. */
function parse(body: Element | undefined): string | undefined {
  if (body?.name !== 'FolderSync' || body.namespace !== 'FolderHierarchy') return undefined;
  const key = body.child('SyncKey');
  return key && (key.text ?? '').trim();
}

function build(outcome: FolderSyncOutcome): Element {
  // MS-ASCMD 2.2.3.181.2: a SyncKey the server does not know gets Status 9; the device starts over.
  if (!outcome.ok) return statusOnly(FolderSyncStatus.InvalidSyncKey);
  return fh('FolderSync', [
    fh('Status', FolderSyncStatus.Success),
    fh('SyncKey', outcome.syncKey),
    fh('Changes', [
      fh('Count', outcome.changes.length),
      outcome.changes.map(c => c.kind === 'Delete'
        ? fh('Delete', [fh('ServerId', c.serverId)])
        : fh(c.kind, [
          fh('ServerId', c.folder.serverId),
          fh('ParentId', c.folder.parentId),
          fh('DisplayName', c.folder.displayName),
          fh('Type', c.folder.type),
        ])),
    ]),
  ]);
}

function statusOnly(status: number): Element {
  return fh('FolderSync', [fh('Status', status)]);
}
