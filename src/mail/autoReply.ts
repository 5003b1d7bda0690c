// Out of Office automatic replies: an account whose Oof settings (MS-ASCMD 2.2.3.122, Settings
// command) are active answers plain mail filed in its Inbox with the message for the sender's
// audience, as Exchange does — under RFC 3834's rules: never to robots, lists or the null return
// path, once per sender per Out of Office period, marked Auto-Submitted; from outside, only to a
// return path that passed authentication (no backscatter to forged senders, RFC 3834 2). Called inside the
// delivery's transaction, so a delivery that fails sends no reply. Decisions: docs/mail.md.
import { contactEntries } from '../directory/contacts.js';
import type { Store } from '../store/Store.js';
import { FolderType, type OofAudience, type OofMessage, type OofSettings, type User } from '../store/types.js';
import { htmlToPlain } from './bodyText.js';
import { composeMessage, type MailAddress } from './compose.js';
import { fileMessage, mailbox } from './item.js';
import { queueMail } from './outbound.js';
import { parseMessage, type ParsedMessage } from './parse.js';

/**
 * Where the message came from: an account here (SendMail, Smart commands), or another server (SMTP),
 * `authenticated` when MAIL FROM passed SPF or a DKIM signature aligned with From passed (src/mail/auth.ts).
 */
export type Origin = { account: User } | { mailFrom: string; authenticated: boolean };

/** Answers `message`, just filed in `recipient`'s Inbox, if the recipient is away and the rules allow. */
export async function replyIfAway(tx: Store, recipient: User, message: ParsedMessage, origin: Origin, log: (msg: string) => void): Promise<void> {
  const oof = await tx.getOof(recipient.id);
  if (!oof || !isAway(oof, Date.now())) return;
  // RFC 3834 2: the reply goes to the return path — MAIL FROM from outside, the account for our own.
  const sender = 'account' in origin ? origin.account.email : origin.mailFrom.trim().toLowerCase();
  const declined = declineReason(message, sender, recipient);
  if (declined) return log(`no automatic reply from ${recipient.email} to ${sender || '<>'}: ${declined}`);
  const audience = await audienceOf(tx, recipient, origin, sender);
  if (!audience) return log(`no automatic reply from ${recipient.email} to ${sender}: an address of this server arriving from outside`);
  // A forged return path would make the reply backscatter to someone who never wrote (docs/mail-auth.md).
  if ('mailFrom' in origin && !origin.authenticated) return log(`no automatic reply from ${recipient.email} to ${sender}: the sender is not authenticated (no SPF pass, no aligned DKIM)`);
  const text = oof.messages[audience];
  if (!text?.enabled) return;
  if (!(await tx.rememberAutoReply(recipient.id, sender))) return;
  const mime = await composeAutoReply(recipient, message, origin, sender, text);
  if ('account' in origin) {
    // A local sender gets it in its Inbox at once (its Ping wakes when the delivery commits).
    await fileMessage(tx, origin.account, FolderType.Inbox, await parseMessage(mime), { from: mailbox(recipient.email, recipient.displayName) });
  } else {
    // RFC 3834 3.3: the null return path (MAIL FROM:<>), so no server out there bounces a failed reply back.
    await queueMail(tx, recipient.id, { from: '', recipients: [sender], mime });
  }
  log(`automatic reply (${audience}) from ${recipient.email} to ${sender}`);
}

/** MS-ASCMD 2.2.3.124 OofState: 1 is away until turned off; 2 within [StartTime, EndTime). */
export function isAway(oof: OofSettings, now: number): boolean {
  if (oof.state === 1) return true;
  return oof.state === 2 && oof.startTime !== null && oof.endTime !== null && now >= oof.startTime && now < oof.endTime;
}

/** Precedence values of mass mail (RFC 3834 2). */
const MASS_PRECEDENCE = new Set(['bulk', 'list', 'junk']);
/** Fields only list mail carries (RFC 2369, RFC 2919). */
const LIST_FIELDS = new Set(['list-id', 'list-unsubscribe', 'list-subscribe', 'list-post', 'list-help', 'list-owner', 'list-archive']);
/** Mailboxes of programs, not people: bounces, list servers, "no reply" senders. */
const ROBOT = /^(mailer-daemon|postmaster|listserv|majordomo|no-?reply|do-?not-?reply|bounces?)$|^owner-|-(request|owner|bounces?)$/;

/** Why the message must not be answered (RFC 3834 2), or undefined when it may be. */
export function declineReason(message: ParsedMessage, sender: string, recipient: User): string | undefined {
  if (!sender) return 'the null return path';
  if (sender === recipient.email || message.from === recipient.email) return 'mail from the recipient itself';
  // RFC 3834 3.1.1: a personal responder answers only mail that names the recipient (not lists, not
  // blind copies whose Bcc field was dropped on the way).
  if (![...message.to, ...message.cc, ...message.bcc].includes(recipient.email)) return 'the recipient is not named in To, Cc or Bcc';
  // Meeting mail is the scheduling engine's; Exchange sends no automatic reply to it either.
  if (message.calendar) return 'a meeting message';
  const field = (name: string) => message.headers.find(h => h.key === name)?.value.trim().toLowerCase();
  const autoSubmitted = field('auto-submitted')?.split(';')[0]?.trim();
  if (autoSubmitted !== undefined && autoSubmitted !== 'no') return `Auto-Submitted: ${autoSubmitted}`;
  const precedence = field('precedence');
  if (precedence && MASS_PRECEDENCE.has(precedence)) return `Precedence: ${precedence}`;
  if (message.headers.some(h => LIST_FIELDS.has(h.key))) return 'list mail';
  // MS-OXCMAIL 2.1.3.2.20 X-Auto-Response-Suppress: the sender asks Exchange for no Out of Office reply.
  const suppress = field('x-auto-response-suppress')?.split(/[\s,]+/) ?? [];
  if (suppress.includes('oof') || suppress.includes('all')) return 'X-Auto-Response-Suppress';
  if ([sender, message.from].some(a => a && ROBOT.test(localPart(a)))) return 'an automated sender';
  return undefined;
}

/** The local part without a +tag, lower-case. */
function localPart(address: string): string {
  const at = address.lastIndexOf('@');
  return (at < 0 ? address : address.slice(0, at)).toLowerCase().split('+')[0]!;
}

/**
 * MS-ASCMD 2.2.3.123 OofMessage audiences: an account here is Internal; someone in the recipient's
 * contacts ExternalKnown; anyone else ExternalUnknown. Mail from outside that names an account here
 * as its return path did not come from that account (ours arrives over EAS): undefined, no reply.
 */
async function audienceOf(tx: Store, recipient: User, origin: Origin, sender: string): Promise<OofAudience | undefined> {
  if ('account' in origin) return 'Internal';
  if (await tx.findUserByEmail(sender)) return undefined;
  const known = (await contactEntries(tx, recipient.id, [sender])).some(c => c.emailAddress === sender);
  return known ? 'ExternalKnown' : 'ExternalUnknown';
}

/** RFC 3834 3.1: From the account, To the return path, threaded on the original, Auto-Submitted auto-replied. */
export function composeAutoReply(recipient: User, original: ParsedMessage, origin: Origin, sender: string, text: OofMessage): Promise<Buffer> {
  const named = (address: string, name?: string): MailAddress => (name ? { name, address } : address);
  const to = 'account' in origin ? named(sender, origin.account.displayName) : sender;
  const thread: Record<string, string> = original.messageId
    ? { 'In-Reply-To': original.messageId, References: [...original.references, original.messageId].join(' ') }
    : {};
  const body = text.bodyType === 'HTML' ? { html: text.replyMessage, text: htmlToPlain(text.replyMessage) } : { text: text.replyMessage };
  return composeMessage({
    from: named(recipient.email, recipient.displayName), to: [to],
    subject: `Automatic reply: ${original.subject}`.trimEnd(),
    // X-Auto-Response-Suppress: what Exchange adds so that the other side's responder stays quiet.
    headers: { 'Auto-Submitted': 'auto-replied', 'X-Auto-Response-Suppress': 'All', ...thread },
    ...body,
  });
}
