// A device's outgoing message (SendMail, and what SmartReply/SmartForward make of theirs): read and
// checked once, sent once per ClientId, meeting parts to the scheduling engine, everything else into
// local recipients' Inboxes, a copy in Sent Items when asked, and the message itself on the outbound
// queue for people elsewhere — all in one store transaction, so a failure sends and stores nothing.
import { CalendarError } from '../calendar/errors.js';
import { routeSubmittedItip } from '../scheduling/itip.js';
import { TraceRecorder } from '../scheduling/trace.js';
import type { Store } from '../store/Store.js';
import { FolderType, type User } from '../store/types.js';
import { replyIfAway } from './autoReply.js';
import { stripBcc } from './compose.js';
import { headerProblem } from './headers.js';
import { fileMessage, mailbox } from './item.js';
import { queueMail } from './outbound.js';
import { MimeError, parseMessage, type ParsedMessage } from './parse.js';

export interface Submission {
  mime: Buffer;
  saveInSent: boolean;
  clientId?: string | undefined;
  /** Largest message sent, in bytes; a larger one is refused (TOO_LARGE). */
  maxBytes?: number | undefined;
}

export type SubmitFailure = 'ALREADY_SENT' | 'NO_RECIPIENT' | 'INVALID_MIME' | 'TOO_LARGE';
export type SubmitOutcome = { ok: true; remote: string[] } | { ok: false; reason: SubmitFailure };

/** A failure found inside the sending transaction, thrown so that everything written rolls back. */
export class Refusal<R extends string = string> extends Error {
  constructor(readonly reason: R) {
    super(`refused: ${reason}`);
    this.name = 'Refusal';
  }
}

export async function submitMail(store: Store, user: User, s: Submission, log: (msg: string) => void = () => undefined): Promise<SubmitOutcome> {
  const message = await readDeviceMessage(s.mime, s.maxBytes);
  if (typeof message === 'string') return { ok: false, reason: message };
  const recipients = recipientsOf(message);
  if (recipients.length === 0) return { ok: false, reason: 'NO_RECIPIENT' };
  return store.transaction(async tx => {
    if (s.clientId && !(await tx.rememberClientId(user.id, s.clientId))) return { ok: false, reason: 'ALREADY_SENT' } as const;
    const remote = await deliverSubmitted(tx, user, { message, recipients, saveInSent: s.saveInSent, log });
    return { ok: true, remote } as const;
  });
}

/**
 * The device's message, if it is one the server can send: within the size limit, a real header
 * block (raw 8-bit bytes only as UTF-8, RFC 6532), readable MIME.
 */
export async function readDeviceMessage(mime: Buffer, maxBytes?: number): Promise<ParsedMessage | 'INVALID_MIME' | 'TOO_LARGE'> {
  if (maxBytes !== undefined && mime.length > maxBytes) return 'TOO_LARGE';
  if (headerProblem(mime)) return 'INVALID_MIME';
  try {
    return await parseMessage(mime);
  } catch (e) {
    if (e instanceof MimeError) return 'INVALID_MIME';
    throw e;
  }
}

export function recipientsOf(m: ParsedMessage): string[] {
  return [...new Set([...m.to, ...m.cc, ...m.bcc])];
}

export interface Delivery {
  message: ParsedMessage;
  recipients: string[];
  saveInSent: boolean;
  /** Recipients the caller already reached as meeting mail: no plain copy, no iTIP routing. */
  handled?: Set<string> | undefined;
  log: (msg: string) => void;
}

/** Sends a read message inside the caller's transaction; returns the recipients on other servers. */
export async function deliverSubmitted(tx: Store, user: User, d: Delivery): Promise<string[]> {
  const handled = d.handled ?? await routeItip(tx, user, d.message, d.recipients, d.log);
  const remote: string[] = [];
  // RFC 5322 3.6.3: recipients never see the Bcc field; only the sender's own copy keeps it.
  const delivered = d.message.bcc.length ? { ...d.message, raw: stripBcc(d.message.raw), bcc: [] } : d.message;
  for (const recipient of d.recipients.filter(r => !handled.has(r))) {
    const local = await tx.findUserByEmail(recipient);
    if (local) {
      await fileMessage(tx, local, FolderType.Inbox, delivered, { from: mailbox(user.email, user.displayName) });
      await replyIfAway(tx, local, delivered, { account: user }, d.log);
    } else remote.push(recipient);
  }
  if (d.saveInSent) await fileMessage(tx, user, FolderType.SentItems, d.message, { from: mailbox(user.email, user.displayName), read: true });
  // Everyone elsewhere: the message as it is, through the outbound queue.
  if (remote.length) await queueMail(tx, user.id, { from: user.email, recipients: remote, mime: d.message.raw });
  return remote;
}

/** A text/calendar part with a METHOD goes to the scheduling engine first (≤14.1 devices' iMIP). */
async function routeItip(tx: Store, user: User, message: ParsedMessage, recipients: string[], log: (msg: string) => void): Promise<Set<string>> {
  if (!message.calendar) return new Set();
  try {
    // The device's own words go with an answer: the organizer gets the Resp.* message instead of this mail.
    const trace = new TraceRecorder({ via: 'sendmail', account: user.email });
    const handled = await routeSubmittedItip(tx, user, message.calendar.method, message.calendar.text, recipients, log, message.text, trace);
    await trace.flush(tx);
    return handled;
  } catch (e) {
    if (!(e instanceof CalendarError)) throw e;
    log(`unreadable iCalendar part from ${user.email}: ${e.message}; delivered as plain mail`);
    return new Set();
  }
}
