// Outbound SMTP (docs/mail-outbound.md): messages wait in the store's queue; a worker on each node
// leases due ones and hands them to a relay, or to each recipient domain's MX (RFC 5321 5.1).
// 4xx and connection failures retry with back-off until the message is too old; 5xx, or giving
// up, bounces: a delivery report lands in the sender's Inbox. The worker wakes when mail is queued
// (on any node), when the next retry falls due, and when an attempt ends; it never polls in a loop.
import { randomUUID } from 'node:crypto';
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import { hostname as osHostname } from 'node:os';
import nodemailer, { type NodemailerError, type SMTPTransportOptions } from 'nodemailer';
import type DKIM from 'nodemailer/lib/dkim';
import { pino, type Logger } from 'pino';
import type { OutboundEntry, OutboundFailure, Store } from '../store/Store.js';
import { FolderType } from '../store/types.js';
import { deliveryReport, stripBcc } from './compose.js';
import { dkimOptions } from './outboundDkim.js';
import { parseMessage } from './parse.js';

const MINUTE = 60_000;
/** Delays before the 2nd, 3rd … attempt; the last repeats. */
export const DEFAULT_BACKOFF: readonly number[] = [MINUTE, 5 * MINUTE, 15 * MINUTE, 60 * MINUTE, 120 * MINUTE, 240 * MINUTE];
export const DEFAULT_MAX_AGE = 2 * 24 * 60 * MINUTE;
const DEFAULT_LEASE = 15 * MINUTE;
/** Even with nothing due, look again this often: mail queued where no notification reached us. */
const IDLE_CHECK = MINUTE;
/** After the queue itself failed (database away). */
const ERROR_PAUSE = 5_000;
const KEEP_DONE = 7 * 24 * 60 * MINUTE;
const MAX_TARGETS = 10;

export type OutboundErrorCode = 'NO_RECIPIENT' | 'BAD_RELAY';

export class OutboundError extends Error {
  constructor(readonly code: OutboundErrorCode, message: string) {
    super(message);
    this.name = 'OutboundError';
  }
}

/** The lookups direct delivery makes (node:dns by default). */
export interface MailResolver {
  resolveMx(domain: string): Promise<{ exchange: string; priority: number }[]>;
  resolve4(host: string): Promise<string[]>;
  resolve6(host: string): Promise<string[]>;
}

export interface OutboundMailerOptions {
  store: Store;
  /** `smtp://[user:pass@]host[:port]` (STARTTLS when offered, port 25) or `smtps://…` (port 465). Without it: MX. */
  relay?: string | undefined;
  /** Delays (ms) before each retry; the last one repeats. */
  backoff?: readonly number[] | undefined;
  /** Give up (and bounce) once a message is this old (ms); 2 days. */
  maxAge?: number | undefined;
  /** Give up after this many attempts; no limit but maxAge by default. */
  maxAttempts?: number | undefined;
  /** How long a claimed message is ours (ms); an attempt is cut off well before. */
  leaseMs?: number | undefined;
  /** Messages in flight at once on this node. */
  concurrency?: number | undefined;
  /** Our name: EHLO, and the reporter named in bounces. */
  hostname?: string | undefined;
  log?: Logger | undefined;
  /** Direct delivery: the port of the MX hosts (25; tests use another). */
  smtpPort?: number | undefined;
  resolver?: MailResolver | undefined;
}

/** Queues a message for SMTP. The Bcc header is dropped: blind recipients are in `recipients` only. */
export async function queueMail(store: Store, userId: number, m: { from: string; recipients: string[]; mime: Buffer }): Promise<OutboundEntry> {
  const byKey = new Map<string, string>();
  for (const r of m.recipients.map(x => x.trim()).filter(Boolean)) if (!byKey.has(r.toLowerCase())) byKey.set(r.toLowerCase(), r);
  const recipients = [...byKey.values()];
  if (!recipients.length) throw new OutboundError('NO_RECIPIENT', 'a message to queue needs a recipient');
  return store.enqueueOutbound({ userId, from: m.from, recipients, mime: stripBcc(m.mime) });
}

/** What one attempt did for one recipient. */
type Outcome = { recipient: string; delivered: true } | { recipient: string; delivered: false; permanent: boolean; error: string };

export class OutboundMailer {
  private readonly store: Store;
  private readonly log: Logger;
  private readonly relay: SMTPTransportOptions | undefined;
  private readonly backoff: readonly number[];
  private readonly maxAge: number;
  private readonly maxAttempts: number;
  private readonly leaseMs: number;
  private readonly concurrency: number;
  private readonly hostname: string;
  private readonly smtpPort: number;
  private readonly resolver: MailResolver;
  /** Names our leases; unique per mailer, so a restarted node never settles its predecessor's. */
  private readonly owner: string;
  private readonly inFlight = new Map<number, Promise<void>>();
  private running = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private lastPurge = 0;
  /** Aborts the attempts under way when stop() runs out of patience. */
  private halt = new AbortController();

  constructor(o: OutboundMailerOptions) {
    this.store = o.store;
    this.log = o.log ?? pino({ level: 'silent' });
    this.relay = o.relay === undefined ? undefined : relayOptions(o.relay);
    this.backoff = o.backoff?.length ? o.backoff : DEFAULT_BACKOFF;
    this.maxAge = o.maxAge ?? DEFAULT_MAX_AGE;
    this.maxAttempts = o.maxAttempts ?? Infinity;
    this.leaseMs = o.leaseMs ?? DEFAULT_LEASE;
    this.concurrency = Math.max(1, o.concurrency ?? 4);
    this.hostname = o.hostname ?? osHostname();
    this.smtpPort = o.smtpPort ?? 25;
    this.resolver = o.resolver ?? dns;
    this.owner = `${this.hostname}/${process.pid}/${randomUUID()}`;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.halt = new AbortController();
    this.unwatch = await this.store.watchOutbound(() => this.wake());
    this.wake();
  }

  /**
   * Stops claiming and lets the attempts under way finish; after `graceMs` they are cut off and
   * recorded as deferred (a server may have taken a message just before: it may then arrive twice).
   */
  async stop({ graceMs = 30_000 }: { graceMs?: number } = {}): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.unwatch?.();
    this.unwatch = undefined;
    while (this.pumping) await this.pumping;
    const all = Promise.allSettled([...this.inFlight.values()]);
    let patience: NodeJS.Timeout | undefined;
    await Promise.race([all, new Promise(resolve => { patience = setTimeout(resolve, graceMs); })]);
    clearTimeout(patience);
    this.halt.abort();
    await all;
  }

  /** Looks at the queue now (mail queued, an attempt ended, a timer fired). */
  wake(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.pumping = this.pump().finally(() => {
      this.pumping = undefined;
      if (this.again) this.wake();
    });
  }

  private async pump(): Promise<void> {
    let delay: number | undefined;
    try {
      do {
        this.again = false;
        await this.claimSome();
      } while (this.again && this.running);
      await this.purgeNow();
      delay = await this.untilNextDue();
    } catch (e) {
      this.log.error({ err: e }, 'outbound queue unreadable; trying again shortly');
      delay = ERROR_PAUSE;
    }
    if (this.running && delay !== undefined) this.timer = setTimeout(() => this.wake(), delay).unref();
  }

  private async claimSome(): Promise<void> {
    const room = this.concurrency - this.inFlight.size;
    if (room <= 0 || !this.running) return;
    const entries = await this.store.claimOutbound(this.owner, { limit: room, leaseMs: this.leaseMs });
    for (const entry of entries) {
      // Our own attempt outlived its lease and was claimed again: it is still ours to settle.
      if (this.inFlight.has(entry.id)) continue;
      const run = this.attempt(entry)
        .catch(e => this.log.error({ err: e, outboundId: entry.id }, 'outbound attempt not recorded; retried when its lease ends'))
        .finally(() => {
          this.inFlight.delete(entry.id);
          this.wake();
        });
      this.inFlight.set(entry.id, run);
    }
    if (entries.length === room) this.again = true;
  }

  /** Until the next message falls due; undefined while every slot is busy (an ending attempt wakes us). */
  private async untilNextDue(): Promise<number | undefined> {
    if (this.inFlight.size >= this.concurrency) return undefined;
    const next = await this.store.nextOutboundDue();
    return next === undefined ? IDLE_CHECK : Math.min(Math.max(next - Date.now(), 0), IDLE_CHECK);
  }

  private async purgeNow(): Promise<void> {
    if (Date.now() - this.lastPurge < 60 * MINUTE) return;
    this.lastPurge = Date.now();
    const n = await this.store.purgeOutbound(Date.now() - KEEP_DONE);
    if (n) this.log.info({ purged: n }, 'outbound queue: old sent and failed messages forgotten');
  }

  private async attempt(entry: OutboundEntry): Promise<void> {
    // Cut the attempt off before the lease ends, so no other node starts on it meanwhile.
    const signal = AbortSignal.any([AbortSignal.timeout(Math.floor(this.leaseMs * 0.8)), this.halt.signal]);
    let outcomes: Outcome[];
    try {
      // Signed per attempt with the key stored now: a key added or removed meanwhile counts.
      const send: Sending = { entry, signal, dkim: await dkimOptions(this.store, entry.mime, entry.from) };
      outcomes = this.relay
        ? (await transact({ ...this.relay, name: this.hostname }, send, entry.pending, this.relay.host ?? 'relay')).outcomes
        : (await Promise.all([...byDomain(entry.pending)].map(([domain, rcpts]) => this.toDomain(domain, rcpts, send)))).flat();
    } catch (e) {
      outcomes = entry.pending.map(recipient => ({ recipient, delivered: false, permanent: false, error: (e as Error).message }));
    }
    await this.settle(entry, outcomes);
  }

  /** RFC 5321 5.1: MX hosts by preference, else the domain itself; the first that answers decides. */
  private async toDomain(domain: string, rcpts: string[], send: Sending): Promise<Outcome[]> {
    const route = await findTargets(this.resolver, domain);
    if ('error' in route) return rcpts.map(recipient => ({ recipient, delivered: false, permanent: route.permanent, error: route.error }));
    let last: Outcome[] = [];
    for (const t of route.targets) {
      const options: SMTPTransportOptions = {
        host: t.ip, port: this.smtpPort, name: this.hostname, opportunisticTLS: true,
        // Between MTAs TLS is opportunistic (RFC 7435): encrypt when offered, certificate unchecked.
        tls: { rejectUnauthorized: false, ...(isIP(t.host) ? {} : { servername: t.host }) },
      };
      const tried = await transact(options, send, rcpts, t.host);
      // A host that answered decides; one that did not (or said 421, closing) passes to the next.
      if (tried.answered) return tried.outcomes;
      last = tried.outcomes;
      if (send.signal.aborted) break;
    }
    return last;
  }

  private async settle(entry: OutboundEntry, outcomes: Outcome[]): Promise<void> {
    const delivered = outcomes.filter(o => o.delivered).map(o => o.recipient);
    const failures = outcomes.filter(o => !o.delivered);
    const bounced = failures.filter(o => o.permanent).map(o => ({ recipient: o.recipient, error: o.error }));
    const deferred = failures.filter(o => !o.permanent).map(o => ({ recipient: o.recipient, error: o.error }));
    const dueAt = deferred.length ? this.nextAttempt(entry) : undefined;
    const log = this.log.child({ outboundId: entry.id, attempt: entry.attempts });
    if (delivered.length) log.info({ recipients: delivered }, 'outbound mail delivered');
    if (dueAt !== undefined) log.warn({ recipients: deferred.map(d => d.recipient), error: deferred[0].error, retryAt: dueAt }, 'outbound mail deferred');
    if (deferred.length && dueAt === undefined) {
      log.warn({ recipients: deferred.map(d => d.recipient) }, 'outbound mail given up');
      for (const d of deferred) bounced.push({ recipient: d.recipient, error: givenUp(d.error, entry.attempts) });
    }
    if (bounced.length) log.warn({ recipients: bounced.map(b => b.recipient), error: bounced[0].error }, 'outbound mail bounced');
    const failed = [...entry.failed, ...bounced];
    const error = (deferred[0] ?? bounced[0])?.error;
    const kept = await this.store.transaction(async tx => {
      const ours = dueAt !== undefined
        ? await tx.rescheduleOutbound(entry.id, this.owner, { pending: deferred.map(d => d.recipient), failed, dueAt, error: error! })
        : failed.length ? await tx.markOutboundFailed(entry.id, this.owner, { failed, error: error ?? failed[0].error })
          : await tx.markOutboundSent(entry.id, this.owner);
      if (ours && bounced.length) await bounce(tx, entry, bounced, { reporter: this.hostname, log: this.log });
      return ours;
    });
    if (!kept) log.warn('outbound lease lost before the attempt was recorded; another node has it now');
  }

  /** When to try again, or undefined when the message has had its chances (maxAttempts, maxAge). */
  private nextAttempt(entry: OutboundEntry): number | undefined {
    const now = Date.now();
    const deadline = entry.createdAt + this.maxAge;
    if (entry.attempts >= this.maxAttempts || now >= deadline) return undefined;
    const delay = this.backoff[Math.min(entry.attempts, this.backoff.length) - 1] ?? this.backoff[0];
    return Math.min(now + delay, deadline);
  }
}

/** The failure recorded for a recipient given up (by the loop's limits or by an operator). */
function givenUp(error: string, attempts: number, by?: string): string {
  return `${error} (given up${by ? ` by ${by}` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'})`;
}

/** A non-delivery report (REPORT.IPM.Note.NDR) in the sender's Inbox; call in the transaction that records the failure. */
async function bounce(tx: Store, entry: OutboundEntry, failures: OutboundFailure[], o: { reporter: string; log: Logger }): Promise<void> {
  // RFC 5321 4.5.5: mail sent with the null return path (automatic replies) is never bounced.
  if (!entry.from) return void o.log.info({ outboundId: entry.id }, 'no delivery report: the message had the null return path');
  const inbox = (await tx.listFolders(entry.userId)).find(f => f.type === FolderType.Inbox);
  if (!inbox) return void o.log.warn({ outboundId: entry.id }, 'bounce dropped: the sender has no Inbox');
  const subject = await parseMessage(entry.mime).then(m => m.subject, () => '');
  await tx.addItem(entry.userId, inbox.id, { class: 'Email', props: deliveryReport({ sender: entry.from, subject, failures, reporter: o.reporter }), filterTime: Date.now() });
}

/**
 * An operator gives up one pending recipient of a queued entry (the console's queue page): recorded
 * and bounced as the delivery loop does when a message has had its chances, in one transaction.
 * False, and nothing changed, when the entry is not queued (leased, sent, failed) or the recipient
 * is not pending.
 */
export async function giveUpRecipient(store: Store, id: number, recipient: string,
  o: { reporter?: string | undefined; log?: Logger | undefined } = {}): Promise<boolean> {
  const log = o.log ?? pino({ level: 'silent' });
  return store.transaction(async tx => {
    const now = await tx.getOutbound(id);
    if (!now) return false;
    const error = givenUp(now.lastError ?? 'not delivered yet', now.attempts, 'an operator');
    const entry = await tx.giveUpOutbound(id, recipient, error);
    if (!entry) return false;
    log.warn({ outboundId: id, recipients: [recipient] }, 'outbound mail given up by an operator');
    await bounce(tx, entry, [{ recipient, error }], { reporter: o.reporter ?? osHostname(), log });
    return true;
  });
}

/** One attempt's message: the queue entry, its cut-off, and the DKIM key to sign with (none: unsigned). */
interface Sending {
  entry: OutboundEntry;
  signal: AbortSignal;
  dkim: DKIM.Options | undefined;
}

/** One SMTP transaction: per recipient what became of it, and whether the server answered at all. */
async function transact(options: SMTPTransportOptions, { entry, signal, dkim }: Sending, rcpts: string[], host: string):
  Promise<{ outcomes: Outcome[]; answered: boolean }> {
  const transport = nodemailer.createTransport({
    connectionTimeout: 30_000, greetingTimeout: 30_000, socketTimeout: 120_000, logger: false, ...options,
  });
  try {
    const info = await transport.sendMail({ envelope: { from: entry.from, to: rcpts }, raw: entry.mime, signal, ...(dkim ? { dkim } : {}) });
    return { outcomes: byRecipient(rcpts, info.rejectedErrors ?? [], host), answered: true };
  } catch (e) {
    const err = e as NodemailerError;
    if (err.rejectedErrors?.length && err.command === 'RCPT TO') return { outcomes: byRecipient(rcpts, err.rejectedErrors, host), answered: true };
    return { outcomes: rcpts.map(recipient => failure(recipient, err, host)), answered: !!err.responseCode && err.responseCode !== 421 };
  } finally {
    transport.close();
  }
}

function byRecipient(rcpts: string[], rejected: NodemailerError[], host: string): Outcome[] {
  const errors = new Map(rejected.map(e => [(e.recipient ?? '').toLowerCase(), e]));
  return rcpts.map(recipient => {
    const err = errors.get(recipient.toLowerCase());
    return err ? failure(recipient, err, host) : { recipient, delivered: true };
  });
}

function failure(recipient: string, err: NodemailerError, host: string): Outcome {
  if (err.responseCode) {
    return { recipient, delivered: false, permanent: err.permanent ?? err.responseCode >= 500, error: `${host} said: ${err.response ?? err.message}` };
  }
  return { recipient, delivered: false, permanent: false, error: `${host}: ${err.message}` };
}

function byDomain(rcpts: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rcpts) {
    const domain = r.slice(r.lastIndexOf('@') + 1).toLowerCase();
    out.set(domain, [...(out.get(domain) ?? []), r]);
  }
  return out;
}

type Route = { targets: { host: string; ip: string }[] } | { error: string; permanent: boolean };

/** The addresses to try for a domain, in order, or why there are none. */
async function findTargets(resolver: MailResolver, domain: string): Promise<Route> {
  const literal = /^\[(?:ipv6:)?(.+)\]$/i.exec(domain)?.[1];
  if (literal) return isIP(literal) ? { targets: [{ host: literal, ip: literal }] } : { error: `bad address literal ${domain}`, permanent: true };
  let hosts: string[];
  let implicit = false;
  try {
    const mx = await resolver.resolveMx(domain);
    // RFC 7505: a single MX of "." says the domain takes no mail.
    if (mx.length === 1 && (mx[0].exchange === '' || mx[0].exchange === '.')) return { error: `${domain} accepts no mail (null MX)`, permanent: true };
    hosts = mx.sort((a, b) => a.priority - b.priority).map(m => m.exchange);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOTFOUND') return { error: `${domain}: no such domain`, permanent: true };
    if (code !== 'ENODATA') return { error: `${domain}: MX lookup failed (${code ?? (e as Error).message})`, permanent: false };
    hosts = [domain];
    implicit = true;
  }
  const targets: { host: string; ip: string }[] = [];
  let unsure = false;
  for (const host of hosts) {
    const found = isIP(host) ? { ips: [host], unsure: false } : await addresses(resolver, host);
    unsure ||= found.unsure;
    targets.push(...found.ips.map(ip => ({ host, ip })));
    if (targets.length >= MAX_TARGETS) break;
  }
  if (targets.length) return { targets: targets.slice(0, MAX_TARGETS) };
  // Only a definite "no such record" for the domain itself bounces; anything else may pass.
  return implicit && !unsure ? { error: `${domain}: no MX and no address record`, permanent: true }
    : { error: `${domain}: no address for ${hosts.join(', ')}`, permanent: false };
}

/** A, then AAAA records; `unsure` when a lookup failed other than by "no such name/record". */
async function addresses(resolver: MailResolver, host: string): Promise<{ ips: string[]; unsure: boolean }> {
  let unsure = false;
  const tryLookup = (lookup: (h: string) => Promise<string[]>) => lookup.call(resolver, host).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENODATA' && e.code !== 'ENOTFOUND') unsure = true;
    return [] as string[];
  });
  const ips = [...await tryLookup(resolver.resolve4), ...await tryLookup(resolver.resolve6)];
  return { ips, unsure };
}

/** The relay URL (smtp://[user:pass@]host[:port], smtps://…) as transport options; OutboundError BAD_RELAY when it is none. */
export function relayOptions(url: string): SMTPTransportOptions {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new OutboundError('BAD_RELAY', `relay "${url}" is not a URL`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw new OutboundError('BAD_RELAY', `relay must be smtp:// or smtps://, not ${u.protocol}`);
  if (!u.hostname) throw new OutboundError('BAD_RELAY', 'relay names no host');
  const secure = u.protocol === 'smtps:';
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port ? Number(u.port) : secure ? 465 : 25, secure,
    ...(u.username ? { auth: { user: decodeURIComponent(u.username), pass: decodeURIComponent(u.password) } } : {}),
  };
}
