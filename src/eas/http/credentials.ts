// The one password check of every endpoint that takes one (EAS POST and OPTIONS, Autodiscover):
// Basic credentials, the logon throttle by client address, the fail2ban line and the counters.
import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../../observe/accessLog.js';
import type { CredentialCheck } from '../../net/mount.js';
import { parseBasic } from '../auth.js';
import { authFailed } from './operations.js';
import { UNAUTHORIZED_HEADERS, type ServerContext } from './server.js';

export type { CredentialCheck } from '../../net/mount.js';

/**
 * The account the request's credentials belong to, or the answer that refuses it: 401 with the
 * challenge (none given, or refused), or 503 with Retry-After while the throttle holds the logon
 * name or the address. MS-ASHTTP 3.1.5.2.3: a server answers 503 when the client's actions have
 * triggered throttling, and the client waits Retry-After seconds; a 401 would make the phone ask its
 * user for the password again, which is right only when the password was checked and wrong.
 */
export async function checkCredentials(ctx: ServerContext, req: IncomingMessage, endpoint: string, deviceId?: string): Promise<CredentialCheck> {
  warnIfProxied(ctx, req);
  const creds = parseBasic(req.headers.authorization);
  const outcome = creds ? await ctx.auth.authenticate(creds, clientAddress(req, ctx.behindProxy, ctx.trustedProxies), deviceId) : undefined;
  if (outcome?.kind === 'ok') return { user: outcome.user, ...(outcome.device !== undefined ? { device: outcome.device } : {}) };
  if (outcome?.kind === 'throttled') {
    ctx.metrics.authThrottle(endpoint, outcome.scope);
    return { http: 503, headers: { 'Retry-After': String(outcome.retryAfter), 'Cache-Control': 'no-store' } };
  }
  if (req.headers.authorization) authFailed(ctx, req, creds?.logon, endpoint);
  return { http: 401, headers: UNAUTHORIZED_HEADERS };
}

const warned = new WeakSet<object>();

/**
 * A proxy in front that Convene was not told about makes every client one address: one client's
 * wrong passwords would then hold back everyone's. Said once per server, in the log.
 */
function warnIfProxied(ctx: ServerContext, req: IncomingMessage): void {
  if (ctx.behindProxy || req.headers['x-forwarded-for'] === undefined || warned.has(ctx)) return;
  warned.add(ctx);
  ctx.log.warn(`requests arrive with X-Forwarded-For but --behind-proxy is off: the password throttle counts every client as ${clientAddress(req, false)}, `
    + 'so wrong passwords from one client hold back all of them. Start with --behind-proxy when a proxy is in front (docs/limits.md).');
}
