// MS-ASCMD 2.2.1.20 SmartReply: the device's reply and the original it answers (Source, or ItemId /
// CollectionId in a 12.1 query); the server quotes the original below the device's text unless
// ReplaceMime. Success is an empty 200; a failure a common Status (14.0+) or an HTTP error.
import { submitSmart } from '../../mail/smart.js';
import { readComposeRequest, refuse } from './composeMail.js';
import type { CommandContext, CommandResult } from './types.js';

export async function smartReply(ctx: CommandContext): Promise<CommandResult> {
  const request = readComposeRequest(ctx, 'SmartReply');
  if (typeof request === 'string') return refuse(ctx, 'SmartReply', request);
  const outcome = await submitSmart(ctx.store, ctx.user, {
    kind: 'reply', source: request.source!, mime: request.mime, replaceMime: request.replaceMime,
    saveInSent: request.saveInSent, clientId: request.clientId, maxBytes: ctx.maxMessageBytes,
  }, msg => ctx.log.info(msg));
  return outcome.ok ? {} : refuse(ctx, 'SmartReply', outcome.reason);
}
