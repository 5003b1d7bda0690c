// Connection and body limits of the EAS listener (docs/limits.md, "Connections and bodies"). Ping
// and hanging Sync hold the *response* for up to an hour (MS-ASCMD 2.2.3.79), so no limit here
// times a response: the header, the body, the idle time between requests and the socket count are
// bounded instead.
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpoolLimits } from '../../net/spool.js';

export interface HttpLimits {
  /** The request line and headers must arrive within this time (Node's headersTimeout). */
  headersTimeoutMs: number;
  /** The whole request, body included, must arrive within this time (Node's requestTimeout; 408). */
  requestTimeoutMs: number;
  /** Longest pause between two pieces of a body (408, connection closed). */
  bodyIdleTimeoutMs: number;
  /** An idle connection between two requests is closed after this (Node's keepAliveTimeout). */
  keepAliveTimeoutMs: number;
  /** Open connections at most; more are closed at once (Node's maxConnections). */
  maxConnections: number;
  /** How often Node checks the header and request timeouts of open connections. */
  timeoutCheckIntervalMs: number;
  /** TLS handshakes that do not finish within this time are dropped. */
  tlsHandshakeTimeoutMs: number;
  /** Bodies while they arrive: memory threshold per body and in all, then files (503 when full). */
  spool: SpoolLimits;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 5 * 60_000,
  bodyIdleTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
  maxConnections: 5_000,
  timeoutCheckIntervalMs: 5_000,
  tlsHandshakeTimeoutMs: 30_000,
  spool: {
    memoryPerUpload: 256 * 1024,
    memoryTotal: 64 * 1024 * 1024,
    diskTotal: 1024 * 1024 * 1024,
    dir: join(tmpdir(), 'convene-spool'),
  },
};

/** Listen backlog for `convene serve`: room for a burst of phones reconnecting at once. */
export const LISTEN_BACKLOG = 1024;

export type HttpLimitOptions = Partial<Omit<HttpLimits, 'spool'>> & { spool?: Partial<SpoolLimits> };

export function resolveLimits(given: HttpLimitOptions | undefined): HttpLimits {
  return { ...DEFAULT_HTTP_LIMITS, ...given, spool: { ...DEFAULT_HTTP_LIMITS.spool, ...given?.spool } };
}

export function applyLimits(server: Server, limits: HttpLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
}
