// A device's outgoing message (SendMail): sent once per ClientId, meeting parts to the scheduling
// engine, everything else into local recipients' Inboxes, a copy in Sent Items when asked. Mail for
// people on other servers waits for outbound SMTP (logged until that exists).
import { CalendarError } from '../calendar/errors.js';
import { routeSubmittedItip } from '../scheduling/itip.js';
import type { Store } from '../store/Store.js';
import { FolderType, type User } from '../store/types.js';
import { fileMessage, mailbox } from './item.js';
import { queueMail } from './outbound.js';
import { MimeError, parseMessage, type ParsedMessage } from './parse.js';

export interface Submission {
  mime: Buffer;
  saveInSent: boolean;
  clientId?: string | undefined;
}

export type SubmitFailure = 'ALREADY_SENT' | 'NO_RECIPIENT' | 'INVALID_MIME';
export type SubmitOutcome = { ok: true; remote: string[] } | { ok: false; reason: SubmitFailure };

export async function submitMail(store: Store, user: User, s: Submission, log: (msg: string) => void = () => undefined): Promise<SubmitOutcome> {
  let message: ParsedMessage;
  try {
    message = await parseMessage(s.mime);
  } catch (e) {
    if (e instanceof MimeError) return { ok: false, reason: 'INVALID_MIME' };
    throw e;
  }
  const recipients = [...new Set([...message.to, ...message.cc, ...message.bcc])];
  if (recipients.length === 0) return { ok: false, reason: 'NO_RECIPIENT' };
  return store.transaction(async tx => {
    if (s.clientId && !(await tx.rememberClientId(user.id, s.clientId))) return { ok: false, reason: 'ALREADY_SENT' } as const;
    let handled = new Set<string>();
    if (message.calendar) {
      try {
        handled = await routeSubmittedItip(tx, user, message.calendar.method, message.calendar.text, recipients, log);
      } catch (e) {
        if (!(e instanceof CalendarError)) throw e;
        log(`unreadable iCalendar part from ${user.email}: ${e.message}; delivered as plain mail`);
      }
    }
    const remote: string[] = [];
    for (const recipient of recipients.filter(r => !handled.has(r))) {
      const local = await tx.findUserByEmail(recipient);
      if (local) await fileMessage(tx, local, FolderType.Inbox, message, { from: mailbox(user.email, user.displayName) });
      else remote.push(recipient);
    }
    if (s.saveInSent) await fileMessage(tx, user, FolderType.SentItems, message, { from: mailbox(user.email, user.displayName), read: true });
    // Everyone elsewhere: the device's own message, as it wrote it, through the outbound queue.
    if (remote.length) await queueMail(tx, user.id, { from: user.email, recipients: remote, mime: s.mime });
    return { ok: true, remote } as const;
  });
}
