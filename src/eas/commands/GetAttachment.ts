// MS-ASCMD 2.2.1.7 GetAttachment: the bytes of one attachment, named by the AttachmentName query
// parameter (the FileReference, or 2.5's Email:AttName — the same string), as the response body with
// the attachment's Content-Type. The command has no WBXML, so failures are HTTP codes: a name that
// names nothing of this account is 500, as the spec answers for a deleted attachment.
// MS-ASCMD lists the command for 2.5–12.1 (14.x fetches with ItemOperations); Convene also serves
// 14.0/14.1 clients that still send it, and refuses it from 16.0 on.
import { fetchAttachment } from '../../sync/itemOperations.js';
import { CommonStatus, EasError } from '../status.js';
import type { CommandContext, CommandResult } from './types.js';

export async function getAttachment(ctx: CommandContext): Promise<CommandResult> {
  if (Number(ctx.version) >= 16) throw new EasError(501, 'GetAttachment is not part of protocol 16.x; use ItemOperations', CommonStatus.CommandNotSupported);
  const name = ctx.line.attachmentName;
  if (!name?.trim()) throw new EasError(400, 'GetAttachment needs AttachmentName', CommonStatus.InvalidContent);
  const outcome = await fetchAttachment({ store: ctx.store, user: ctx.user, device: ctx.device, version: Number(ctx.version) }, name);
  if (!outcome.ok || outcome.kind !== 'attachment') throw new EasError(500, `no attachment ${name} for ${ctx.user.email}`);
  return { raw: { contentType: outcome.contentType, data: outcome.data } };
}
