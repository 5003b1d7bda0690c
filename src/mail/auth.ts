// Who sent a message that arrives by SMTP: SPF (RFC 7208) for MAIL FROM (HELO for the null sender)
// with the client's IP, DKIM (RFC 6376), DMARC (RFC 7489) for the From domain, ARC (RFC 8617) noted,
// all by mailauth. The outcome is one verdict the rest of Convene acts on (iMIP, Out of Office) and
// the Authentication-Results field (RFC 8601) prepended to the stored message. A relay in front
// that already checked may be trusted instead. Decisions: docs/mail-auth.md.
import { isIP } from 'node:net';
import { authenticate, type AuthenticateResult } from 'mailauth';
import { authResultsFields, parseAuthResults, withoutAuthResultsOf, type AuthResult } from './authResults.js';
import { createDnsLookup, type DnsLookup, type DnsResolverOptions } from './dnsResolver.js';
import { domainOf, fromDomain } from './headers.js';

export interface SenderAuth {
  /**
   * The domain of the RFC 5322 From address when it is authenticated: DMARC pass, or — for a
   * domain without a DMARC record — a passing SPF or DKIM identity aligned with it (RFC 7489 3.1).
   */
  fromDomain: string | undefined;
  /** MAIL FROM passed SPF, or a DKIM signature aligned with From passed: safe to answer automatically. */
  sender: boolean;
  /** The results in short (`dmarc=fail spf=pass dkim=none`), for the log and the note a user sees. */
  summary: string;
  /**
   * Calendar-user domains the authenticated From domain is a calendar service for (it sends iMIP
   * for them from an address of its own): `MailAuthOptions.calendarServices`.
   */
  speaksFor?: string[] | undefined;
}

/** A message nobody vouched for (deliveries that did not come through InboundSmtp's checks). */
export const UNAUTHENTICATED: SenderAuth = { fromDomain: undefined, sender: false, summary: 'not authenticated' };

export interface MailAuthOptions {
  /** The authserv-id of our Authentication-Results fields; the SMTP host name. */
  authservId?: string | undefined;
  /** The DNS lookups (default: node:dns with a timeout and cache, `dns` options). */
  lookup?: DnsLookup | undefined;
  dns?: DnsResolverOptions | undefined;
  /** Client IPs of relays in front of Convene whose Authentication-Results are trusted… */
  trustedRelays?: string[] | undefined;
  /** …when their authserv-id is one of these. */
  trustedAuthservIds?: string[] | undefined;
  /**
   * Calendar services that send iMIP for their users from an address of their own: authenticated
   * From domain → the ORGANIZER/ATTENDEE domains it speaks for. Added to CALENDAR_SERVICES.
   */
  calendarServices?: Record<string, string[]> | undefined;
}

/**
 * iCloud sends its users' invitations from noreply@email.apple.com and names the organizer by a
 * reply address of its own in imip.me.com (docs/scheduling-interop.md, "Producers").
 */
export const CALENDAR_SERVICES: Readonly<Record<string, readonly string[]>> = { 'email.apple.com': ['imip.me.com'] };

export interface SmtpClient {
  ip: string;
  helo: string | undefined;
  /** MAIL FROM, '' for the null sender. */
  mailFrom: string;
}

export interface AuthOutcome {
  auth: SenderAuth;
  /** Header fields to prepend to the message as stored, CRLF-terminated. */
  header: string;
  /**
   * The message to store below `header`: as it arrived, less Authentication-Results fields that
   * claim our authserv-id (RFC 8601 5) unless a trusted relay that uses it added them.
   */
  message?: Buffer | undefined;
  /** How many such fields were removed. */
  forged?: number | undefined;
  /** Set when a DNS failure left the verdict open: answer 451 4.4.3, the sender retries. */
  temporary?: string | undefined;
}

export class MailAuthenticator {
  private readonly lookup: DnsLookup;
  private readonly mta: string;
  private readonly relays: Set<string>;
  private readonly authservIds: Set<string>;
  private readonly services: Map<string, string[]>;

  constructor(o: MailAuthOptions = {}) {
    this.lookup = o.lookup ?? createDnsLookup(o.dns);
    this.mta = o.authservId ?? 'localhost';
    this.relays = new Set((o.trustedRelays ?? []).map(plainIp));
    this.authservIds = new Set((o.trustedAuthservIds ?? []).map(s => s.toLowerCase()));
    this.services = new Map();
    for (const [sender, domains] of [...Object.entries(CALENDAR_SERVICES), ...Object.entries(o.calendarServices ?? {})]) {
      const key = sender.toLowerCase();
      this.services.set(key, [...(this.services.get(key) ?? []), ...domains.map(d => d.toLowerCase())]);
    }
  }

  /** The verdict with the domains its authenticated From domain is a calendar service for. */
  private withServices(outcome: AuthOutcome): AuthOutcome {
    const speaksFor = outcome.auth.fromDomain ? this.services.get(outcome.auth.fromDomain) : undefined;
    return speaksFor ? { ...outcome, auth: { ...outcome.auth, speaksFor } } : outcome;
  }

  async check(raw: Buffer, client: SmtpClient): Promise<AuthOutcome> {
    const fromRelay = this.relays.has(plainIp(client.ip));
    // RFC 8601 5: fields bearing our authserv-id are ours to write; from outside they are forged
    // and go before ours is added — unless a trusted relay in front writes under that same id.
    const { message, removed } = fromRelay && this.authservIds.has(this.mta.toLowerCase())
      ? { message: raw, removed: 0 } : withoutAuthResultsOf(raw, this.mta);
    const stored = { message, forged: removed };
    const relayed = fromRelay ? this.relayVerdict(raw) : undefined;
    if (relayed) return { ...this.withServices(relayed), ...stored };
    // The signatures are checked on the bytes as they arrived.
    const result = await authenticate(raw, {
      ip: plainIp(client.ip), helo: client.helo, sender: client.mailFrom, mta: this.mta,
      resolver: this.lookup, disableBimi: true, trustReceived: false,
    });
    const evidence = evidenceOf(result, client.mailFrom);
    // mailauth's field with Received-SPF; no BIMI (it would fetch logos over HTTPS).
    return { ...this.withServices({ ...judge(evidence), header: result.headers }), ...stored };
  }

  /** The verdict of the topmost Authentication-Results of a trusted authserv-id, if there is one. */
  private relayVerdict(raw: Buffer): AuthOutcome | undefined {
    const field = authResultsFields(raw).map(parseAuthResults).find(f => f && this.authservIds.has(f.authservId));
    if (!field) return undefined;
    const all = (method: string) => field.results.filter(r => r.method === method);
    const dmarc = all('dmarc')[0];
    const spf = all('spf')[0];
    const evidence: Evidence = {
      fromDomain: fromDomain(raw),
      dmarc: dmarc?.result ?? 'none',
      spf: spf?.result ?? 'none',
      spfDomain: domainOf(spf?.props.get('smtp.mailfrom') ?? ''),
      mailFrom: spf?.props.get('smtp.mailfrom') ?? '',
      dkim: all('dkim').map(r => ({ result: r.result, domain: dkimDomain(r) })),
      temperror: field.results.some(r => r.result === 'temperror'),
    };
    const header = `Authentication-Results: ${this.mta}; none (the verdict of ${field.authservId}, a trusted relay, is used)\r\n`;
    return { ...judge(evidence), header };
  }
}

/** What the checks found, from mailauth's results or a relay's. */
interface Evidence {
  fromDomain: string | undefined;
  dmarc: string;
  spf: string;
  spfDomain: string;
  mailFrom: string;
  dkim: { result: string; domain: string; aligned?: boolean }[];
  temperror: boolean;
}

function evidenceOf(r: AuthenticateResult, mailFrom: string): Evidence {
  const from = r.dkim.headerFrom?.length === 1 ? domainOf(r.dkim.headerFrom[0]!) : undefined;
  const results = [r.spf && r.spf.status, r.dmarc && r.dmarc.status, r.arc && r.arc.status, ...r.dkim.results.map(d => d.status)];
  return {
    fromDomain: from,
    dmarc: r.dmarc ? r.dmarc.status.result : 'none',
    spf: r.spf ? r.spf.status.result : 'none',
    spfDomain: r.spf ? r.spf.domain : '',
    mailFrom,
    // Without any signature mailauth reports one result "none" with no domain.
    dkim: r.dkim.results.filter(d => d.signingDomain).map(d => ({ result: d.status.result, domain: d.signingDomain.toLowerCase(), aligned: !!d.status.aligned })),
    temperror: results.some(s => s && (s.result === 'temperror' || s.result === 'temperr')),
  };
}

/** RFC 7489 3.1 relaxed alignment, conservatively: one domain is the other or its subdomain. */
function aligned(a: string, b: string | undefined): boolean {
  if (!a || !b) return false;
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

function judge(e: Evidence): Omit<AuthOutcome, 'header'> {
  const dkimAligned = e.dkim.some(d => d.result === 'pass' && (d.aligned ?? aligned(d.domain, e.fromDomain)));
  const spfPass = e.spf === 'pass' && e.mailFrom !== '';
  const spfAligned = spfPass && aligned(e.spfDomain, e.fromDomain);
  // A published DMARC record decides (its alignment modes); without one, an aligned pass is still required.
  const fromPasses = e.dmarc === 'pass' || (e.dmarc === 'none' && (spfAligned || dkimAligned));
  const dkimText = e.dkim.length ? e.dkim.map(d => `dkim=${d.result} (${d.domain})`).join(' ') : 'dkim=none';
  const summary = `dmarc=${e.dmarc} spf=${e.spf}${e.spfDomain ? ` (${e.spfDomain})` : ''} ${dkimText}`;
  const auth: SenderAuth = { fromDomain: fromPasses ? e.fromDomain : undefined, sender: spfPass || dkimAligned, summary };
  // A DNS failure on what would decide leaves the verdict open: never a silent pass, never a silent fail.
  const open = e.dmarc === 'temperror' || (!fromPasses && e.temperror);
  return { auth, temporary: open ? `DNS lookup failed while authenticating the sender (${summary})` : undefined };
}


function dkimDomain(r: AuthResult): string {
  return r.props.get('header.d') ?? domainOf(r.props.get('header.i') ?? '');
}


/** `::ffff:127.0.0.1` as `127.0.0.1`. */
function plainIp(ip: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return m ? m[1]! : isIP(ip) ? ip.toLowerCase() : ip;
}
