// MS-ASCMD 2.2.1.19 SmartForward: the device's message and the original it forwards (Source, or
// ItemId / CollectionId in a 12.1 query); the server adds the original with its attachments unless
// ReplaceMime. 16.x may instead forward a calendar item to Forwardees with an airsyncbase:Body note.
// A forwarded meeting reaches its new recipients as an invitation (src/mail/meetingForward.ts).
import { submitSmart } from '../../mail/smart.js';
import { readComposeRequest, refuse } from './composeMail.js';
import type { CommandContext, CommandResult } from './types.js';

export async function smartForward(ctx: CommandContext): Promise<CommandResult> {
  const request = readComposeRequest(ctx, 'SmartForward');
  if (typeof request === 'string') return refuse(ctx, 'SmartForward', request);
  const outcome = await submitSmart(ctx.store, ctx.user, {
    kind: 'forward', source: request.source!, mime: request.mime, forwardees: request.forwardees, note: request.note,
    replaceMime: request.replaceMime, saveInSent: request.saveInSent, clientId: request.clientId, maxBytes: ctx.maxMessageBytes,
  }, msg => ctx.log.info(msg));
  return outcome.ok ? {} : refuse(ctx, 'SmartForward', outcome.reason);
}
