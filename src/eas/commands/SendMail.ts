// MS-ASCMD 2.2.1.17 SendMail: 14.0+ sends ComposeMail:SendMail {ClientId, SaveInSentItems, MIME};
// 12.1 and older send the raw MIME message as the body with SaveInSent in the query. Success is an
// empty 200 response; a failure is a common Status (14.0+) or an HTTP error (older versions).
import { submitMail } from '../../mail/submit.js';
import { readComposeRequest, refuse } from './composeMail.js';
import type { CommandContext, CommandResult } from './types.js';

export async function sendMail(ctx: CommandContext): Promise<CommandResult> {
  const request = readComposeRequest(ctx, 'SendMail');
  if (typeof request === 'string') return refuse(ctx, 'SendMail', request);
  const outcome = await submitMail(ctx.store, ctx.user, {
    mime: request.mime!, saveInSent: request.saveInSent, clientId: request.clientId, maxBytes: ctx.maxMessageBytes,
  }, msg => ctx.log.info(msg));
  return outcome.ok ? {} : refuse(ctx, 'SendMail', outcome.reason);
}
