// The EAS endpoint (MS-ASHTTP): OPTIONS for discovery and POST for every command, behind one gate
// that checks, in order, the query, the protocol version, the credentials, the User, the device, its
// provisioning and the body. Commands see a decoded request and return a tree; nothing here knows a
// command's rules. Autodiscover (plain XML) has its own path; other transports (CalDAV under /dav/,
// src/net/mount.ts) are mounts that get this listener's password check and body limits.
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BlockList } from 'node:net';
import type { Store } from '../../store/Store.js';
import { Authenticator } from '../auth.js';
import { LogonThrottle, type ThrottleOptions } from '../../accounts/logonThrottle.js';
import { checkCredentials } from './credentials.js';
import { ProtocolLog, type Exchange } from '../protocolLog.js';
import { DeviceLogging } from '../deviceLogging.js';
import { DeviceWaits } from '../../push/waitForChange.js';
import { EasError } from '../status.js';
import { SERVER_VERSION, SUPPORTED_VERSIONS } from '../version.js';
import { implementedCommands } from '../commands/index.js';
import { provisioningSettings, type ProvisioningSettings } from '../provisioning/gate.js';
import type { DevicePolicy } from '../provisioning/policy.js';
import { Spooler, type SpoolGauge } from '../../net/spool.js';
import type { HttpMount, HttpServices } from '../../net/mount.js';
import type { TrustAnchors } from '../../mail/smime/validateCert.js';
import { AUTODISCOVER_PATH, autodiscover } from './autodiscover.js';
import { BodyAborted, type BodyLimits } from './body.js';
import { applyLimits, resolveLimits, type HttpLimitOptions } from './limits.js';
import { handlePost, type PostOutcome } from './post.js';
import { AUTODISCOVER_JSON_PATH, autodiscoverJson, isAutodiscoverJson } from './autodiscoverJson.js';
import { commandLabel, healthz, metrics, observeRequest, readyz, type RequestInfo } from './operations.js';
import { fromLoopback, logThrottle } from '../../observe/accessLog.js';
import { ServerMetrics } from '../../observe/metrics.js';

export const EAS_PATH = '/microsoft-server-activesync';

export interface EasServerOptions {
  store: Store;
  log: Logger;
  /** TLS key and certificate (PEM); without them the server speaks plain HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer } | undefined;
  /** Accept plain HTTP from any peer: a proxy in front terminates TLS. */
  behindProxy?: boolean;
  /** Peers whose X-Forwarded-For is believed (net/proxyTrust.ts; default loopback and private ranges). */
  trustedProxies?: BlockList | undefined;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes?: number;
  /** Timeouts, connection count and body spool (docs/limits.md); each has a default. */
  limits?: HttpLimitOptions | undefined;
  /** Directory for per-device protocol logs; undefined turns them off. */
  protocolLogDir?: string | undefined;
  /** Per-device logging switched at runtime (the console's device inspector); one is made when absent. */
  deviceLogging?: DeviceLogging | undefined;
  /** Refuse devices without the current policy key (docs/provisioning.md); off by default. */
  requireProvisioning?: boolean | undefined;
  /** The policy Provision hands out; Convene's permissive default when absent. */
  policy?: DevicePolicy | undefined;
  /** The address devices reach this server at (https://mail.example.com), for Autodiscover. */
  publicUrl?: string | undefined;
  /** Peers besides loopback that may read /metrics (docs/operations.md). */
  metricsAllow?: string[] | undefined;
  /** Back-off after wrong passwords (docs/limits.md, Throttling); each has a default. */
  throttle?: Partial<Omit<ThrottleOptions, 'onEvent'>> | undefined;
  /** Other transports on this listener (CalDAV): same accounts, throttle, limits and TLS rules. */
  mounts?: HttpMount[] | undefined;
  /** ValidateCert's trust anchors (docs/smime.md); Node's bundled roots when absent. */
  trustAnchors?: TrustAnchors | undefined;
}

export const DEFAULT_MAX_BODY = 32 * 1024 * 1024;

const spoolers = new WeakMap<Server, Spooler>();
const observed = new WeakMap<Server, { metrics: ServerMetrics; lifecycle: Lifecycle; waits: DeviceWaits }>();

/** Ready once listening; `stopping` from the moment shutdown begins (/readyz answers 503 then). */
export interface Lifecycle { ready: boolean; stopping: boolean }

export function createEasServer(options: EasServerOptions): Server {
  const limits = resolveLimits(options.limits);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const waits = new DeviceWaits();
  const spooler = new Spooler(limits.spool);
  const metrics = new ServerMetrics({ store: options.store, waiting: () => waits.size, httpBodies: () => spooler.gauge() });
  const throttle = new LogonThrottle({
    ...options.throttle,
    onEvent: e => {
      logThrottle(options.log, e);
      if (e.kind === 'lock') metrics.authLock(e.scope);
    },
  });
  const ctx = {
    ...options,
    auth: new Authenticator(options.store, throttle),
    waits,
    metrics,
    metricsAllow: options.metricsAllow ?? [],
    lifecycle: { ready: false, stopping: false },
    protocolLog: options.protocolLogDir ? new ProtocolLog(options.protocolLogDir) : undefined,
    deviceLogging: options.deviceLogging ?? new DeviceLogging(options.store),
    maxBodyBytes,
    body: { maxBytes: maxBodyBytes, idleMs: limits.bodyIdleTimeoutMs, spooler },
    provisioning: provisioningSettings({ required: options.requireProvisioning, policy: options.policy }),
    mounts: options.mounts ?? [],
  };
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    route(ctx, req, res).catch(e => fail(ctx.log, res, e));
  };
  const http = { connectionsCheckingInterval: limits.timeoutCheckIntervalMs };
  const server = options.tls
    ? createHttpsServer({ ...http, ...options.tls, handshakeTimeout: limits.tlsHandshakeTimeoutMs }, listener)
    : createHttpServer(http, listener);
  applyLimits(server, limits);
  spoolers.set(server, ctx.body.spooler);
  observed.set(server, { metrics: ctx.metrics, lifecycle: ctx.lifecycle, waits });
  loggings.set(server, ctx.deviceLogging);
  server.on('listening', () => { ctx.lifecycle.ready = !ctx.lifecycle.stopping; });
  server.on('close', () => { ctx.lifecycle.ready = false; });
  return server;
}

/** Request bodies this server is receiving right now: bytes in memory, bytes in spool files. */
export function bodyGauge(server: Server): SpoolGauge {
  const spooler = spoolers.get(server);
  return spooler ? spooler.gauge() : { memoryBytes: 0, diskBytes: 0, uploads: 0 };
}

/** This server's metrics registry, for the listeners beside it (SMTP) to report into. */
export function serverMetrics(server: Server): ServerMetrics | undefined {
  return observed.get(server)?.metrics;
}

/**
 * Shutdown begins (docs/operations.md, "Stopping"): /readyz answers 503 from now on, so load
 * balancers stop sending work; held Pings and hanging Syncs are answered now (as if their time were
 * up) and new ones at once; every response closes its connection, so devices reconnect elsewhere.
 */
export function markStopping(server: Server): void {
  const o = observed.get(server);
  if (!o) return;
  Object.assign(o.lifecycle, { ready: false, stopping: true });
  o.waits.endAll();
}

export type ServerContext = Required<Pick<EasServerOptions, 'store' | 'log'>> & {
  auth: Authenticator;
  waits: DeviceWaits;
  protocolLog: ProtocolLog | undefined;
  deviceLogging: DeviceLogging;
  maxBodyBytes: number;
  body: BodyLimits;
  provisioning: ProvisioningSettings;
  publicUrl?: string | undefined;
  behindProxy?: boolean | undefined;
  trustedProxies?: BlockList | undefined;
  tls?: EasServerOptions['tls'];
  trustAnchors?: TrustAnchors | undefined;
  metrics: ServerMetrics;
  metricsAllow: string[];
  lifecycle: Lifecycle;
  mounts: HttpMount[];
};

async function route(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = requestUrl(req.url);
  if (!url) return send(res, 400, { 'Content-Type': 'text/plain' }, 'unreadable request target\n');
  const path = url.pathname.toLowerCase().replace(/\/+$/, '');
  res.setHeader('MS-Server-ActiveSync', SERVER_VERSION);
  if (ctx.lifecycle.stopping) res.setHeader('Connection', 'close');
  if (path === '/healthz') return healthz(ctx, res);
  if (path === '/readyz') return readyz(ctx, res);
  if (path === '/metrics') return metrics(ctx, req, res);
  const autodiscoverV2 = isAutodiscoverJson(path);
  const mount = ctx.mounts.find(m => m.handles(path));
  if (path !== EAS_PATH && path !== AUTODISCOVER_PATH && !autodiscoverV2 && !mount) return send(res, 404, {}, '');
  const info: RequestInfo = { command: mount ? mount.name : endpointName(path, req.method) };
  observeRequest(ctx, req, res, info);
  if (!ctx.tls && !ctx.behindProxy && !fromLoopback(req) && req.headers.authorization) {
    return send(res, 403, { 'Content-Type': 'text/plain' },
      'Convene refuses passwords over plain HTTP from the network: start it with --tls or behind a TLS proxy (--behind-proxy).\n');
  }
  if (mount) return mount.handle(mountServices(ctx), req, res, url);
  if (autodiscoverV2) return autodiscoverJson(ctx, req, res, url);
  if (path === AUTODISCOVER_PATH) return autodiscover(ctx, req, res);
  if (req.method === 'OPTIONS') return options(ctx, req, res);
  if (req.method !== 'POST') return send(res, 405, { Allow: 'OPTIONS,POST' }, '');
  const started = Date.now();
  const outcome = await handlePost(ctx, req, url.search.slice(1));
  Object.assign(info, { command: commandLabel(outcome.cmd), account: outcome.account, deviceId: outcome.deviceId, easStatus: outcome.easStatus });
  // A Ping held across the start of shutdown: its answer closes the connection too.
  if (ctx.lifecycle.stopping) res.setHeader('Connection', 'close');
  send(res, outcome.http, outcome.headers, outcome.body);
  void writeProtocolLog(ctx, req, outcome, started);
}

const services = new WeakMap<ServerContext, HttpServices>();

/** What a mount may use of this listener: one object per server. */
function mountServices(ctx: ServerContext): HttpServices {
  let s = services.get(ctx);
  if (!s) {
    s = {
      store: ctx.store, log: ctx.log, body: ctx.body, metrics: ctx.metrics.registry, tls: Boolean(ctx.tls) || ctx.behindProxy, deviceLogging: ctx.deviceLogging,
      checkCredentials: (req, endpoint) => checkCredentials(ctx, req, endpoint),
    };
    services.set(ctx, s);
  }
  return s;
}

function endpointName(path: string, method: string | undefined): string {
  if (path === AUTODISCOVER_PATH) return 'Autodiscover';
  if (path.startsWith(AUTODISCOVER_JSON_PATH)) return 'AutodiscoverJson';
  return method === 'OPTIONS' ? 'OPTIONS' : 'unknown';
}

// MS-ASHTTP 3.2.5.2: OPTIONS lists versions and commands. Without credentials it answers anyway
// (discovery); with credentials it checks them, as phones use it to verify an account.
async function options(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.headers.authorization) {
    const checked = await checkCredentials(ctx, req, 'OPTIONS');
    if (!checked.user) return send(res, checked.http, checked.headers, '');
  }
  send(res, 200, {
    Allow: 'OPTIONS,POST',
    Public: 'OPTIONS,POST',
    'MS-ASProtocolVersions': SUPPORTED_VERSIONS.join(','),
    'MS-ASProtocolCommands': implementedCommands().join(','),
    'Cache-Control': 'private',
  }, '');
}

export const UNAUTHORIZED_HEADERS = { 'WWW-Authenticate': 'Basic realm="Convene ActiveSync"' };

export function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string | Buffer): void {
  if (res.headersSent) return;
  res.writeHead(status, { ...headers, 'Content-Length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** Last resort: the client gets a bare 500, the log gets the error and an id to find it by. */
function fail(log: Logger, res: ServerResponse, e: unknown): void {
  if (e instanceof EasError) return send(res, e.http, e.headers, '');
  // The client hung up mid-upload: nothing to answer, nothing wrong here.
  if (e instanceof BodyAborted) {
    log.info(e.message);
    res.destroy();
    return;
  }
  const id = randomUUID();
  log.error({ err: e, errorId: id }, 'request failed');
  send(res, 500, { 'X-Convene-Error-Id': id }, '');
}

/** The request target as a URL; undefined when it is none (`//[`, `//x:99999`), answered 400. */
function requestUrl(target: string | undefined): URL | undefined {
  try {
    return new URL(target ?? '/', 'http://convene');
  } catch {
    return undefined;
  }
}

/** The global file log (--log-devices) and the device's own switch (deviceLogging.ts), after the answer went out. */
async function writeProtocolLog(ctx: ServerContext, req: IncomingMessage, o: PostOutcome, started: number): Promise<void> {
  if (!o.account || !o.deviceId) return;
  const x: Exchange = {
    account: o.account, deviceId: o.deviceId, method: req.method ?? 'POST', url: req.url ?? '',
    requestHeaders: req.headers, requestBody: o.requestBody, status: o.http,
    responseHeaders: o.headers, responseBody: Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body), ms: Date.now() - started,
  };
  try {
    await ctx.protocolLog?.write(x);
    if (o.devicePk !== undefined) await ctx.deviceLogging.record(o.devicePk, o.cmd ?? '', x);
  } catch (e) {
    ctx.log.warn({ err: e }, 'protocol log not written');
  }
}

/** The server's per-device logging switch, for the console beside it. */
export function deviceLoggingOf(server: Server): DeviceLogging | undefined {
  return loggings.get(server);
}

const loggings = new WeakMap<Server, DeviceLogging>();
