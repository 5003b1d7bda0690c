// `convene serve`: the EAS server on the chosen store. Starting is all or nothing: the data
// directory, the lock, TLS, the store, the mail queue and the SMTP listener are ready before HTTP
// listens; if any step fails, what was opened is closed again and the process exits with one line.
import type { Server } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { networkInterfaces } from 'node:os';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { davMount } from '../dav/server.js';
import { consoleMount } from '../web/console/mount.js';
import { LISTEN_BACKLOG } from '../eas/http/limits.js';
import { createEasServer, markStopping, serverMetrics } from '../eas/http/server.js';
import { describeCertificate, loadCheckedTls, selfSignedTls, TlsMaterialError, type TlsMaterial } from '../eas/http/tls.js';
import { InboundSmtp } from '../mail/inbound.js';
import { trustAnchors, type TrustAnchors } from '../mail/smime/validateCert.js';
import { OutboundMailer } from '../mail/outbound.js';
import { startExpiry } from '../store/expiry.js';
import { sqlitePath } from '../store/open.js';
import { privateDirectory } from '../store/sqlite/files.js';
import { StoreLockedError, takeServeLock } from '../store/sqlite/serveLock.js';
import type { Store } from '../store/Store.js';
import { repairStoredText } from '../sync/textRepair.js';
import { CliError, step } from './errors.js';
import { describeStore, openStoreOrExplain } from './options.js';
import { SERVE_HELP, serveConfig, type ServeConfig } from './serveOptions.js';

export { SERVE_HELP } from './serveOptions.js';

/** How long the outbound mailer may finish the deliveries under way when the server stops. */
const OUTBOUND_GRACE_MS = 10_000;

interface Running {
  server: Server;
  store: Store;
  url: string;
  port: number;
  tlsNote: string | undefined;
  users: number;
  /** Re-reads --tls-cert/--tls-key (SIGHUP). */
  reloadTls(): void;
  /** Closes everything opened, last opened first. */
  close(): Promise<void>;
}

export async function serveCommand(args: string[]): Promise<void> {
  const config = serveConfig(args);
  if (config === 'help') return console.log(SERVE_HELP);
  const log = pino({ level: config.logLevel, base: { service: 'convene' } });
  const node = await start(config, log);
  onSignals(node, config, log);
  // Only now the welcome: whoever waits for it may stop us at once, and a signal before the
  // handlers above would end the process without releasing its lock.
  console.log(welcome({ url: node.url, tls: config.tls !== undefined, certNote: node.tlsNote, users: node.users, port: node.port }));
}

async function start(c: ServeConfig, log: Logger): Promise<Running> {
  const closers: (() => unknown)[] = [];
  const close = async (): Promise<void> => {
    for (let closer = closers.pop(); closer; closer = closers.pop()) {
      try {
        await closer();
      } catch (e) {
        log.warn({ err: e }, 'while closing');
      }
    }
  };
  try {
    const { dataDir } = c.where;
    // The data directory holds the store, keys and logs: created 0700 before anything goes in it.
    await step('cannot use the data directory', () => privateDirectory(dataDir));
    const databasePath = sqlitePath(c.where);
    if (databasePath !== undefined) {
      const lock = await step('cannot lock the store', () => {
        try {
          return takeServeLock(databasePath);
        } catch (e) {
          if (e instanceof StoreLockedError) throw new CliError(e.message);
          throw e;
        }
      });
      closers.push(() => lock.release());
    }
    const tls = await tlsMaterial(c, dataDir);
    const anchors = await loadTrustAnchors(c.trustAnchorsPath);
    const store = await openStoreOrExplain(c.where);
    closers.push(() => store.close());
    // Before this node serves anyone: items an older version stored with text a device cannot
    // receive are rewritten once (docs/reliability.md); afterwards this is one row read.
    await step(`cannot open the store ${describeStore(c.where)}`,
      () => repairStoredText(store, { log: (obj, msg) => log.info({ part: 'store', ...obj }, msg) }));
    const outbound = new OutboundMailer({ store, relay: c.smtpRelay, hostname: c.mailHostname, log: log.child({ part: 'smtp-out' }) });
    await step('cannot start the outbound mail queue', () => outbound.start());
    closers.push(() => outbound.stop({ graceMs: OUTBOUND_GRACE_MS }));
    const expiry = startExpiry(store, { log: msg => log.info({ part: 'store' }, msg) });
    closers.push(() => expiry.stop());
    // Uploads in progress past their memory threshold wait in the data directory, not in /tmp.
    const spoolDir = join(dataDir, 'spool');
    const server = createEasServer({
      store, log, tls: tls?.material, behindProxy: c.behindProxy, trustedProxies: c.trustedProxies, publicUrl: c.publicUrl, metricsAllow: c.metricsAllow, throttle: c.throttle,
      requireProvisioning: c.requireProvisioning, maxBodyBytes: c.maxBodyBytes, trustAnchors: anchors,
      protocolLogDir: c.logDevices ? join(dataDir, 'logs') : undefined,
      limits: { maxConnections: c.maxConnections, spool: { dir: spoolDir } },
      // CalDAV under /dav/ and the web console under /console on the same listener (docs/dav.md, docs/console.md).
      mounts: [davMount(), consoleMount()],
    });
    const inbound = c.smtpPort === undefined ? undefined : new InboundSmtp({
      store, hostname: c.mailHostname, tls: tls?.material, log: msg => log.info({ part: 'smtp-in' }, msg), auth: c.mailAuth,
      onResult: result => serverMetrics(server)?.inboundResult(result),
      limits: { maxClients: c.smtpMaxClients, spool: { dir: spoolDir } },
    });
    if (inbound) {
      const smtpPort = await step(`cannot listen for SMTP on ${c.host}:${c.smtpPort}`, () => inbound.listen(c.smtpPort!, c.host));
      closers.push(() => inbound.close());
      serverMetrics(server)?.watchSmtp(() => inbound.inFlight());
      log.info({ port: smtpPort }, 'SMTP listening for local accounts');
    }
    // HTTP last: a load balancer that sees the port open may send devices at once.
    await step(`cannot listen for HTTP on ${c.host}:${c.port}`, () => new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(c.port, c.host, LISTEN_BACKLOG, () => {
        server.off('error', reject);
        resolve();
      });
    }));
    closers.push(() => new Promise<void>(resolve => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    const users = await step(`cannot read the store ${describeStore(c.where)}`, () => store.countUsers());
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : c.port;
    const url = `${tls ? 'https' : 'http'}://${c.host}:${port}`;
    log.info({ url, store: c.where.db?.startsWith('postgres') ? 'postgres' : 'sqlite', dataDir }, 'Convene listening');
    const reloadTls = (): void => {
      if (c.tls?.kind !== 'files') return void log.info('SIGHUP: no --tls-cert/--tls-key to re-read');
      try {
        const material = loadCheckedTls(c.tls.keyPath, c.tls.certPath);
        (server as HttpsServer).setSecureContext(material);
        inbound?.updateTls(material);
        log.info({ certificate: describeCertificate(material.cert) }, 'TLS certificate reloaded');
      } catch (e) {
        log.error(`TLS certificate not reloaded, the one loaded before stays in use: ${e instanceof TlsMaterialError ? e.message : String(e)}`);
      }
    };
    return { server, store, url, port, tlsNote: tls?.note, users, reloadTls, close };
  } catch (e) {
    await close();
    throw e;
  }
}

async function tlsMaterial(c: ServeConfig, dataDir: string): Promise<{ material: TlsMaterial; note: string } | undefined> {
  if (c.tls === undefined) return undefined;
  if (c.tls.kind === 'files') {
    try {
      const material = loadCheckedTls(c.tls.keyPath, c.tls.certPath);
      return { material, note: `TLS certificate ${c.tls.certPath} (re-read on SIGHUP)` };
    } catch (e) {
      if (e instanceof TlsMaterialError) throw new CliError(`cannot use TLS: ${e.message}`);
      throw e;
    }
  }
  const made = await step(`cannot make the self-signed certificate in ${join(dataDir, 'tls')}`, () => selfSignedTls(dataDir));
  return { material: made, note: `self-signed certificate ${made.certPath}${made.created ? ' (new)' : ''}; phones will ask you to trust it` };
}

/**
 * SIGTERM (systemd, docker, Kubernetes): drain, then stop. SIGINT (Ctrl-C): the same without the
 * wait. A second signal cuts the waits short, a third ends the process at once. SIGHUP re-reads
 * the certificate. docs/operations.md, "Stopping".
 */
function onSignals(node: Running, c: ServeConfig, log: Logger): void {
  let signals = 0;
  let hurry: () => void = () => undefined;
  const hurried = new Promise<void>(resolve => { hurry = resolve; });
  const stop = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals === 2) {
      log.info({ signal }, 'stopping without waiting further');
      return hurry();
    }
    if (signals > 2) {
      log.warn({ signal }, 'stopping now');
      process.exit(1);
    }
    shutdown(node, signal === 'SIGTERM' ? c.drainSeconds : 0, hurried, log).then(() => process.exit(0), e => {
      log.error({ err: e }, 'shutdown failed');
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.on('SIGHUP', () => node.reloadTls());
}

/**
 * Not ready at once (/readyz 503) and held Pings answered; the listener stays open `drainSeconds`
 * so a load balancer notices before connections are refused, every response meanwhile closing its
 * connection. Then the listener closes, running requests get as long again, and the rest stops.
 */
async function shutdown(node: Running, drainSeconds: number, hurried: Promise<void>, log: Logger): Promise<void> {
  log.info({ drainSeconds }, 'shutting down');
  const { server } = node;
  markStopping(server);
  const wait = (ms: number): Promise<void> => (ms > 0 ? Promise.race([sleep(ms), hurried]) : Promise.resolve());
  const drainMs = drainSeconds * 1000;
  await wait(drainMs);
  const closed = new Promise<void>(resolve => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([closed, wait(drainMs)]);
  server.closeAllConnections();
  await closed;
  await node.close();
}

function sleep(ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms).unref());
}

function welcome(o: { url: string; tls: boolean; certNote: string | undefined; users: number; port: number }): string {
  const lanAddress = Object.values(networkInterfaces()).flat().find(i => i && i.family === 'IPv4' && !i.internal)?.address ?? 'this-machine';
  const lines = [`Convene is serving Exchange ActiveSync at ${o.url}/Microsoft-Server-ActiveSync`,
    `  and CalDAV/CardDAV at ${o.url}/dav/ (calendar and contacts apps find it from ${o.url}; docs/dav.md)`,
    `  and the web console at ${o.url}/console (operators: convene user admin ADDRESS on; docs/console.md)`];
  if (o.certNote) lines.push(`  ${o.certNote}`);
  else lines.push('  Plain HTTP: devices on this machine only. For phones, restart with --tls self-signed (or your own --tls-cert/--tls-key).');
  if (o.users === 0) {
    lines.push('', 'No accounts yet. Add one (in another terminal, same directory):',
      '  npx convene user add you@example.com --name "Your Name"');
  }
  lines.push('', 'On a phone, add an "Exchange" account:',
    '  Email: you@example.com   Password: the one you set',
    `  Server: ${lanAddress}:${o.port}   Domain: (empty)   Username: you@example.com   SSL/TLS: ${o.tls ? 'on (accept the certificate)' : 'needs --tls'}`);
  return lines.join('\n');
}

/** `--trust-anchors`: a PEM bundle read once at start; a file without a certificate stops the start. */
async function loadTrustAnchors(path: string | undefined): Promise<TrustAnchors | undefined> {
  if (path === undefined) return undefined;
  const pem = await step(`cannot read --trust-anchors ${path}`, () => readFile(path, 'utf8'));
  try {
    return trustAnchors(pem);
  } catch (e) {
    throw new CliError(`--trust-anchors ${path}: ${(e as Error).message}`, 2);
  }
}
