// Mail from other servers (RFC 5321, as the MX of the accounts here): RCPT only for local
// accounts (no open relay), a size limit (RFC 1870 SIZE, 552), no AUTH. Each message is read with
// postal-mime; an iMIP part (RFC 6047) goes to the scheduling engine, and every local recipient it
// did not reach gets the message in its Inbox. One store transaction per message: delivered to
// every recipient, or (4xx/5xx) to none. docs/mail-inbound.md has the decisions.
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { Spooler, type SpoolGauge } from '../net/spool.js';
import { CalendarError } from '../calendar/errors.js';
import { receiveItip } from '../scheduling/incoming.js';
import type { Store } from '../store/Store.js';
import { FolderType, type User } from '../store/types.js';
import { MailAuthenticator, UNAUTHENTICATED, type MailAuthOptions, type SenderAuth } from './auth.js';
import { replyIfAway } from './autoReply.js';
import { resolveSmtpLimits, spoolMessage, type SmtpLimitOptions, type SmtpLimits } from './inboundLimits.js';
import { fileMessage } from './item.js';
import { MimeError, parseMessage, type ParsedMessage } from './parse.js';

export const DEFAULT_MAX_MESSAGE = 25 * 1024 * 1024;

export interface InboundOptions {
  store: Store;
  log?: ((msg: string) => void) | undefined;
  /** Largest message accepted, in bytes (advertised as SIZE). */
  maxSize?: number | undefined;
  /** The name in the greeting and EHLO answer. */
  hostname?: string | undefined;
  /** STARTTLS with this certificate; without it STARTTLS is not offered. */
  tls?: { key: string | Buffer; cert: string | Buffer } | undefined;
  maxRecipients?: number | undefined;
  /** Timeouts, clients, messages per connection and the DATA spool (docs/limits.md); each has a default. */
  limits?: SmtpLimitOptions | undefined;
  /**
   * Sender authentication (docs/mail-auth.md): DNS, trusted relays. The authserv-id defaults to
   * `hostname`. `false`: no checks, every sender unauthenticated (nothing from outside changes a
   * calendar or gets an automatic reply) — what `npm run bench` compares against.
   */
  auth?: MailAuthOptions | false | undefined;
  /** Hears how each message's DATA ended: delivered, or refused with a 4xx (temporary) or 5xx reply (docs/operations.md). */
  onResult?: ((result: 'delivered' | 'temporary' | 'refused') => void) | undefined;
}

/** The SMTP reply for a message not delivered (the enhanced code follows from the reply code). */
export class DeliveryError extends Error {
  constructor(readonly responseCode: number, message: string) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface Envelope {
  mailFrom: string;
  rcptTo: string[];
}

export class InboundSmtp {
  private readonly server: SMTPServer;
  private readonly log: (msg: string) => void;
  private readonly limits: SmtpLimits;
  private readonly spooler: Spooler;
  private readonly authenticator: MailAuthenticator | undefined;
  /** Per session: the timer that ends a connection open too long (limits.maxConnectionMs). */
  private readonly lifetimes = new Map<string, NodeJS.Timeout>();

  constructor(private readonly o: InboundOptions) {
    this.log = o.log ?? (() => undefined);
    this.limits = resolveSmtpLimits(o.limits);
    this.spooler = new Spooler(this.limits.spool);
    this.authenticator = o.auth === false ? undefined : new MailAuthenticator({ authservId: o.hostname, ...o.auth });
    this.server = new SMTPServer({
      name: o.hostname, banner: 'Convene', logger: false, disableReverseLookup: true,
      // An MX: anyone may deliver to the accounts here, nobody may relay through it.
      authOptional: true, disabledCommands: o.tls ? ['AUTH'] : ['AUTH', 'STARTTLS'], ...(o.tls ? { key: o.tls.key, cert: o.tls.cert } : {}),
      size: o.maxSize ?? DEFAULT_MAX_MESSAGE, rejectOversized: true, maxRecipients: o.maxRecipients ?? 100,
      // RFC 3463 codes on every reply (550 5.1.1, 552 5.3.4, 554 5.6.0); no DSN, no REQUIRETLS.
      hideENHANCEDSTATUSCODES: false, hideDSN: true, hideREQUIRETLS: true, closeTimeout: 5_000,
      socketTimeout: this.limits.idleTimeoutMs, maxClients: this.limits.maxClients,
      onConnect: (session, done) => { this.limitLifetime(session); done(); },
      onClose: session => this.endLifetime(session),
      onMailFrom: (address, session, done) => { try { this.checkMailFrom(address, session); done(); } catch (e) { done(this.refusal(e)); } },
      onRcptTo: (address, _session, done) => void this.checkRecipient(address.address).then(() => done(), e => done(this.refusal(e))),
      onData: (stream, session, done) => void this.receive(stream, session).then(text => {
        o.onResult?.('delivered');
        done(null, text);
      }, e => {
        const refusal = this.refusal(e);
        o.onResult?.(refusal.responseCode < 500 ? 'temporary' : 'refused');
        done(refusal);
      }),
    });
    this.server.on('error', e => this.log(`SMTP: ${e.message}`));
  }

  /** Starts listening; resolves with the port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const net = this.server.server;
      net.once('error', reject);
      this.server.listen(port, host, () => {
        net.off('error', reject);
        resolve((net.address() as AddressInfo).port);
      });
    });
  }

  /** New key and certificate for STARTTLS from the next handshake on (the operator renewed them). */
  updateTls(tls: { key: string | Buffer; cert: string | Buffer }): void {
    if (this.o.tls) this.server.updateSecureContext({ key: tls.key, cert: tls.cert });
  }

  close(): Promise<void> {
    for (const timer of this.lifetimes.values()) clearTimeout(timer);
    this.lifetimes.clear();
    return new Promise(resolve => this.server.close(() => resolve()));
  }

  /** Messages this listener is receiving right now: bytes in memory, bytes in spool files. */
  inFlight(): SpoolGauge {
    return this.spooler.gauge();
  }

  private limitLifetime(session: SMTPServerSession): void {
    const timer = setTimeout(() => {
      this.lifetimes.delete(session.id);
      const connection = [...this.server.connections].find(c => c.id === session.id);
      this.log(`SMTP: ${session.remoteAddress} open for ${this.limits.maxConnectionMs} ms; closed`);
      // 421 closes the connection (RFC 5321 3.8); a message in progress is dropped, the sender retries.
      connection?.send(421, 'connection open too long, closing');
    }, this.limits.maxConnectionMs);
    timer.unref();
    this.lifetimes.set(session.id, timer);
  }

  private endLifetime(session: SMTPServerSession): void {
    clearTimeout(this.lifetimes.get(session.id));
    this.lifetimes.delete(session.id);
  }

  private checkMailFrom(address: SMTPServerAddress, session: SMTPServerSession): void {
    if (session.transaction > this.limits.maxMessagesPerConnection) {
      throw new DeliveryError(421, `at most ${this.limits.maxMessagesPerConnection} messages per connection; reconnect to send more`);
    }
    // RFC 1870 6.1: a declared SIZE that does not fit now is "452 insufficient system storage".
    const declared = Number(address.args ? address.args.SIZE : undefined);
    if (declared > this.spooler.diskAvailable() + this.limits.spool.memoryPerUpload) {
      throw new DeliveryError(452, 'insufficient system storage now; try again later');
    }
  }

  /** A DeliveryError as it is; anything else (the store failing) is a temporary 451. */
  private refusal(e: unknown): DeliveryError {
    if (e instanceof DeliveryError) return e;
    this.log(`SMTP: ${(e as Error).message}`);
    return new DeliveryError(451, 'local error in processing; try again later');
  }

  private async checkRecipient(address: string): Promise<void> {
    if (!(await this.o.store.findUserByEmail(address.trim().toLowerCase()))) {
      throw new DeliveryError(550, `<${address}>: no such mailbox here`);
    }
  }

  private async receive(stream: SMTPServerDataStream, session: SMTPServerSession): Promise<string> {
    const raw = await this.readMessage(stream);
    const envelope: Envelope = {
      mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcptTo: session.envelope.rcptTo.map(r => r.address),
    };
    if (!this.authenticator) {
      await deliverInbound(this.o.store, envelope, raw, this.log);
      return 'OK: delivered';
    }
    const checked = await this.authenticator.check(raw, { ip: session.remoteAddress, helo: session.hostNameAppearsAs, mailFrom: envelope.mailFrom });
    if (checked.temporary) {
      this.log(`SMTP: ${session.remoteAddress} MAIL FROM ${envelope.mailFrom || '<>'}: ${checked.temporary}; 451`);
      // RFC 3463 4.4.3 "directory server failure": smtp-server prefixes 451 with 4.3.0 itself, so the code is in the text.
      throw new DeliveryError(451, `4.4.3 ${checked.temporary}; try again later`);
    }
    if (checked.forged) this.log(`SMTP: ${session.remoteAddress} MAIL FROM ${envelope.mailFrom || '<>'}: ${checked.forged} Authentication-Results field(s) claiming our authserv-id removed (RFC 8601 5)`);
    await deliverInbound(this.o.store, envelope, checked.message ?? raw, this.log, checked);
    return 'OK: delivered';
  }

  /** The whole message, spooled while it arrives; too large is 552, no room in the spool 452. */
  private async readMessage(stream: SMTPServerDataStream): Promise<Buffer> {
    const spool = this.spooler.start();
    try {
      const got = await spoolMessage(stream, spool);
      if (got.kind === 'oversized') throw new DeliveryError(552, `message exceeds the maximum size of ${this.server.options.size} bytes`);
      if (got.kind === 'spoolFull') throw new DeliveryError(452, 'insufficient system storage now; try again later');
      return await spool.bytes();
    } finally {
      await spool.dispose();
    }
  }
}


/**
 * Delivers one received message to the local recipients of its envelope, all or nothing. `checked`:
 * the sender verdict and the header fields to store on top (src/mail/auth.ts); without it the
 * sender counts as unauthenticated.
 */
export async function deliverInbound(store: Store, envelope: Envelope, raw: Buffer, log: (msg: string) => void,
  checked: { auth: SenderAuth; header: string } = { auth: UNAUTHENTICATED, header: '' }): Promise<void> {
  const auth = checked.auth;
  let message: ParsedMessage;
  try {
    // The message is read as it arrived (a message without a header stays refused); it is stored
    // with our fields on top (RFC 8601 5), the bytes below them unchanged.
    message = await parseMessage(raw);
    if (checked.header) message = { ...message, raw: Buffer.concat([Buffer.from(checked.header, 'utf8'), raw]) };
  } catch (e) {
    if (e instanceof MimeError) throw new DeliveryError(554, `message refused, delivered to nobody: ${e.message}`);
    throw e;
  }
  const addressed = await localRecipients(store, envelope.rcptTo);
  await store.transaction(async tx => {
    // Duplicate delivery suppression: an account files one copy per Message-ID, in the same
    // transaction as the delivery, so a failed delivery does not count as received.
    const recipients: User[] = [];
    for (const user of addressed) {
      if (!message.messageId || await tx.rememberReceived(user.id, message.messageId)) recipients.push(user);
      else log(`${message.messageId} already delivered to ${user.email}; this copy dropped`);
    }
    let handled = new Set<string>();
    let notes = new Map<string, string>();
    if (message.calendar) {
      try {
        ({ handled, notes } = await receiveItip(tx, {
          envelopeFrom: envelope.mailFrom, headerFrom: message.from, auth, recipients, method: message.calendar.method, ics: message.calendar.text,
        }, log));
      } catch (e) {
        // receiveItip refuses unreadable iCalendar before it writes anything.
        if (!(e instanceof CalendarError)) throw e;
        log(`unreadable iCalendar part from ${envelope.mailFrom || '<>'}: ${e.message}; delivered as plain mail`);
      }
    }
    for (const user of recipients.filter(u => !handled.has(u.email))) {
      const note = notes.get(user.email);
      await fileMessage(tx, user, FolderType.Inbox, note ? withNote(message, note) : message, { from: message.from ?? '' });
      await replyIfAway(tx, user, message, { mailFrom: envelope.mailFrom, authenticated: auth.sender }, log);
    }
  });
}

/** The body shown to the user opens with why a meeting message was not applied; the stored MIME is as it arrived. */
function withNote(message: ParsedMessage, note: string): ParsedMessage {
  const line = `[Convene] ${note}`;
  const html = message.html === undefined ? undefined
    : `<p style="border:1px solid #c00;padding:4px">${line.replace(/[&<>"]/g, c => `&#${c.charCodeAt(0)};`)}</p>${message.html}`;
  return { ...message, text: `${line}\n\n${message.text ?? ''}`, html };
}

async function localRecipients(store: Store, addresses: string[]): Promise<User[]> {
  const users = new Map<number, User>();
  for (const address of addresses) {
    const user = await store.findUserByEmail(address.trim().toLowerCase());
    if (user) users.set(user.id, user);
  }
  return [...users.values()];
}
