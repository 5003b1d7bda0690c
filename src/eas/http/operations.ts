// The endpoints for operators (docs/operations.md): /healthz, /readyz, /metrics; and the access
// log line and metrics of every request, written when its response ends.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { COMMANDS } from '../commands/index.js';
import { clientAddress, fromLoopback, logAccess, logAuthFailure, peerAddress } from '../../observe/accessLog.js';
import { probeStore } from '../../observe/metrics.js';
import { send, type ServerContext } from './server.js';

/** What a request turned out to be, filled in as it is handled. */
export interface RequestInfo {
  command: string;
  account?: string | undefined;
  deviceId?: string | undefined;
  easStatus?: number | undefined;
}

/** The Cmd as a metric label: a known command's name, else `unknown` (labels must not grow with client input). */
export function commandLabel(cmd: string | undefined): string {
  return cmd !== undefined && Object.hasOwn(COMMANDS, cmd) ? cmd : 'unknown';
}

/** Writes the access line and the request metrics once the response has ended (or the client left: 499). */
export function observeRequest(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, info: RequestInfo): void {
  const started = performance.now();
  res.once('close', () => {
    const http = res.writableFinished ? res.statusCode : 499;
    const ms = Math.round(performance.now() - started);
    ctx.metrics.request(info.command, http, ms / 1000);
    logAccess(ctx.log, { method: req.method ?? '', command: info.command, http, ms, addr: clientAddress(req, ctx.behindProxy, ctx.trustedProxies),
      account: info.account, deviceId: info.deviceId, easStatus: info.easStatus });
  });
}

/** Credentials were given and refused: the fail2ban line and the counter. */
export function authFailed(ctx: ServerContext, req: IncomingMessage, logon: string | undefined, endpoint: string): void {
  ctx.metrics.authFailure(endpoint);
  logAuthFailure(ctx.log, { logon: logon ?? '', addr: clientAddress(req, ctx.behindProxy, ctx.trustedProxies), endpoint });
}

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' };

/** Liveness with the store: one trivial read; 503 with the reason on one line when it fails. */
export async function healthz(ctx: ServerContext, res: ServerResponse): Promise<void> {
  try {
    await probeStore(ctx.store);
    send(res, 200, TEXT, 'ok\n');
  } catch (e) {
    ctx.log.warn({ err: e }, 'healthz: store unavailable');
    send(res, 503, TEXT, `store unavailable: ${String((e as Error).message ?? e).split('\n')[0].slice(0, 200)}\n`);
  }
}

/** For load balancers: ready once listening, not ready from the moment shutdown begins. */
export function readyz(ctx: ServerContext, res: ServerResponse): void {
  if (ctx.lifecycle.ready) return send(res, 200, TEXT, 'ready\n');
  send(res, 503, TEXT, `${ctx.lifecycle.stopping ? 'shutting down' : 'starting'}\n`);
}

/**
 * Metrics are for the operator, not the network: loopback peers without X-Forwarded-For (a proxy on
 * the same host forwarding an outside request sets it), and the addresses in `metricsAllow`.
 */
export async function metrics(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const loopback = fromLoopback(req) && req.headers['x-forwarded-for'] === undefined;
  if (!loopback && !ctx.metricsAllow.includes(peerAddress(req))) {
    return send(res, 403, TEXT, 'metrics are served to loopback and --metrics-allow addresses only\n');
  }
  if (req.method !== 'GET') return send(res, 405, { Allow: 'GET' }, '');
  send(res, 200, { 'Content-Type': ctx.metrics.contentType, 'Cache-Control': 'no-store' }, await ctx.metrics.text());
}
