// MS-ASCMD 2.2.1.17 SendMail: 14.0+ sends ComposeMail:SendMail {ClientId, SaveInSentItems, MIME};
// 12.1 and older send the raw MIME message as the body with SaveInSent in the query. Success is an
// empty 200 response; a failure is a common Status (14.0+) or an HTTP error (older versions).
import { submitMail, type SubmitFailure } from '../../mail/submit.js';
import { tags } from '../../wbxml/index.js';
import { CommonStatus, EasError } from '../status.js';
import type { CommandContext, CommandResult } from './types.js';

const cm = tags('ComposeMail');

const STATUS: Record<SubmitFailure, number> = {
  ALREADY_SENT: CommonStatus.MessagePreviouslySent,
  NO_RECIPIENT: CommonStatus.MessageHasNoRecipient,
  INVALID_MIME: CommonStatus.InvalidMIME,
};

export async function sendMail(ctx: CommandContext): Promise<CommandResult> {
  const modern = Number(ctx.version) >= 14;
  const body = ctx.body;
  if (modern && (body?.name !== 'SendMail' || body.namespace !== 'ComposeMail' || !body.child('MIME')?.bytes)) {
    return { body: cm('SendMail', [cm('Status', CommonStatus.InvalidContent)]) };
  }
  const mime = modern ? Buffer.from(body!.child('MIME')!.bytes!) : ctx.rawBody;
  if (mime.length === 0) throw new EasError(400, 'SendMail without a message');
  const outcome = await submitMail(ctx.store, ctx.user, {
    mime,
    saveInSent: modern ? body!.has('SaveInSentItems') : ctx.line.saveInSent === true,
    clientId: modern ? body!.childText('ClientId') : undefined,
  }, msg => ctx.log.info(msg));
  if (outcome.ok) return {};
  if (modern) return { body: cm('SendMail', [cm('Status', STATUS[outcome.reason])]) };
  throw new EasError(outcome.reason === 'INVALID_MIME' ? 400 : 500, `SendMail failed: ${outcome.reason}`);
}
