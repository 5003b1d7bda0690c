// One log line per request and a fixed-form line per refused credential (docs/operations.md), both
// with the client's address. Never a password, a token or the Authorization header.
import type { IncomingMessage } from 'node:http';
import { isIP, type BlockList } from 'node:net';
import type { Logger } from 'pino';
import type { ThrottleEvent } from '../accounts/logonThrottle.js';
import { DEFAULT_PROXY_TRUST, isTrustedProxy } from '../net/proxyTrust.js';

export interface AccessEntry {
  method: string;
  /** The EAS Cmd, or the endpoint (Autodiscover, OPTIONS, healthz …). */
  command: string;
  http: number;
  ms: number;
  addr: string;
  account?: string | undefined;
  deviceId?: string | undefined;
  /** The EAS Status the gate answered with, when it refused the request. */
  easStatus?: number | undefined;
}

/** The socket peer's address, an IPv4-mapped IPv6 address as plain IPv4. */
export function peerAddress(req: IncomingMessage): string {
  return (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
}

/** Whether the request comes over a loopback socket (what the peer says, not what headers claim). */
export function fromLoopback(req: IncomingMessage): boolean {
  const peer = peerAddress(req);
  return peer.startsWith('127.') || peer === '::1';
}

/**
 * The client's address. Behind a proxy, the last X-Forwarded-For entry: the one our proxy appended
 * (entries before it are whatever the client claimed) — but only when the socket's peer is a
 * trusted proxy (net/proxyTrust.ts); otherwise, and without a proxy, the socket's peer.
 */
export function clientAddress(req: IncomingMessage, behindProxy: boolean | undefined,
  trust: BlockList = DEFAULT_PROXY_TRUST): string {
  const peer = peerAddress(req);
  if (!behindProxy || !isTrustedProxy(peer, trust)) return peer;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : header ?? '').split(',').map(s => s.trim()).filter(Boolean);
  const last = list.at(-1);
  return (last && forwardedIp(last)) ?? peer;
}

/**
 * An X-Forwarded-For entry as a plain address, or undefined when it is none. Some proxies append
 * the client's port (`198.51.100.7:51234`, `[2001:db8::7]:51234`): a new one on every connection,
 * so it must not become part of the address (the logon throttle would count each port apart).
 */
function forwardedIp(entry: string): string | undefined {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  const plain = (bracketed?.[1] ?? v4WithPort?.[1] ?? entry).replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  return isIP(plain) ? plain : undefined;
}

export function logAccess(log: Logger, e: AccessEntry): void {
  const what = e.command === e.method ? e.method : `${e.method} ${e.command}`;
  log.info({ access: true, ...e }, `${what} ${e.http} ${e.ms}ms`);
}

/**
 * `auth failure user=NAME addr=IP` — a fixed form for fail2ban (docs/operations.md has a filter).
 */
export function logAuthFailure(log: Logger, o: { logon: string; addr: string; endpoint: string }): void {
  log.warn({ endpoint: o.endpoint }, `auth failure user=${printable(o.logon)} addr=${o.addr}`);
}

/**
 * `auth locked scope=account user=NAME addr=IP seconds=N` when the logon throttle starts a lock
 * (scope `address`: every name from that address waits), `auth spread user=NAME failures=N` when a
 * name's failures from all addresses pass their limit (docs/limits.md, Throttling).
 */
export function logThrottle(log: Logger, e: ThrottleEvent): void {
  if (e.kind === 'spread') return log.warn(`auth spread user=${printable(e.name)} failures=${e.failures}`);
  log.warn(`auth locked scope=${e.scope} user=${printable(e.name)} addr=${e.addr} seconds=${e.seconds}`);
}

/**
 * A logon name is the client's text: anything outside printable non-space ASCII becomes `?`, so it
 * cannot forge a second field or line.
 */
function printable(logon: string): string {
  return logon.slice(0, 128).replace(/[^\x21-\x7e]/g, '?') || '-';
}
