// The DNS lookups of inbound mail authentication (SPF, DKIM keys, DMARC and ARC records): node:dns
// with a per-query timeout, a chosen server if configured, and a small cache. A failure that says
// nothing about the name (timeout, SERVFAIL, refused) is never cached: mailauth turns it into
// `temperror`, and the SMTP answer into a temporary 451 (docs/mail-auth.md).
import { Resolver } from 'node:dns/promises';

/** What mailauth calls for each lookup (its `resolver` option). */
export type DnsLookup = (name: string, rrtype: string) => Promise<string[][] | string[]>;

export interface DnsResolverOptions {
  /** `HOST` or `HOST:PORT` (IPv6 as `[::1]:53`); default: the system's resolvers. */
  server?: string | undefined;
  /** One query's timeout, ms (c-ares's `timeout`; default 3000). */
  timeoutMs?: number | undefined;
  /** Attempts per query (default 2). */
  tries?: number | undefined;
  /** Answers kept, at most (default 1000); the oldest goes first. */
  cacheEntries?: number | undefined;
  /** How long an answer (or "no such name / no such record") is kept, ms (default 5 min). */
  cacheMs?: number | undefined;
}

export const DNS_DEFAULTS = { timeoutMs: 3000, tries: 2, cacheEntries: 1000, cacheMs: 5 * 60_000 };

/** Answers that are facts about the name, worth remembering (RFC 2308 negative caching). */
const DEFINITE = new Set(['ENOTFOUND', 'ENODATA']);

interface Cached {
  expires: number;
  answer: Promise<string[][] | string[]>;
}

export function createDnsLookup(o: DnsResolverOptions = {}): DnsLookup {
  const resolver = new Resolver({ timeout: o.timeoutMs ?? DNS_DEFAULTS.timeoutMs, tries: o.tries ?? DNS_DEFAULTS.tries });
  if (o.server) resolver.setServers([o.server]);
  const cache = new Map<string, Cached>();
  const max = o.cacheEntries ?? DNS_DEFAULTS.cacheEntries;
  const ttl = o.cacheMs ?? DNS_DEFAULTS.cacheMs;
  return (name, rrtype) => {
    const key = `${rrtype} ${name.toLowerCase()}`;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.expires > now) return hit.answer;
    cache.delete(key);
    const answer = resolver.resolve(name, rrtype) as Promise<string[][] | string[]>;
    // A query in flight is shared; a temporary failure leaves the cache as soon as it is known.
    answer.catch((e: NodeJS.ErrnoException) => { if (!DEFINITE.has(e.code ?? '')) cache.delete(key); });
    cache.set(key, { expires: now + ttl, answer });
    if (cache.size > max) cache.delete(cache.keys().next().value!);
    return answer;
  };
}

/** `--dns-server` as given: `HOST[:PORT]`, checked here so a typo is a usage error, not a 451 on every message. */
export function dnsServerValid(value: string): boolean {
  try {
    new Resolver().setServers([value]);
    return true;
  } catch {
    return false;
  }
}
