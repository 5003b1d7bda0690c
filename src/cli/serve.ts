// `convene serve`: the EAS server on the chosen store.
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEFAULT_HTTP_LIMITS, LISTEN_BACKLOG } from '../eas/http/limits.js';
import { createEasServer, DEFAULT_MAX_BODY, markStopping, serverMetrics } from '../eas/http/server.js';
import { loadTls, selfSignedTls, type TlsMaterial } from '../eas/http/tls.js';
import type { MailAuthOptions } from '../mail/auth.js';
import { dnsServerValid } from '../mail/dnsResolver.js';
import { InboundSmtp } from '../mail/inbound.js';
import { DEFAULT_SMTP_LIMITS } from '../mail/inboundLimits.js';
import { OutboundMailer } from '../mail/outbound.js';
import { startExpiry } from '../store/expiry.js';
import { openStore, sqlitePath } from '../store/open.js';
import { privateDirectory } from '../store/sqlite/files.js';
import { takeServeLock } from '../store/sqlite/serveLock.js';
import { repairStoredText } from '../sync/textRepair.js';
import { env, parse, STORE_FLAGS, storeLocation, UsageError } from './options.js';
import { THROTTLE_FLAGS, THROTTLE_HELP, throttleOptions } from './throttleOptions.js';

export const SERVE_HELP = `convene serve [options]            (each option also as an environment variable)
  --host ADDR          listen address (CONVENE_HOST, default 0.0.0.0)
  --port N             listen port (CONVENE_PORT, default 8080)
  --data DIR           data directory for the SQLite store, logs, TLS (CONVENE_DATA, default ./data)
  --db URL             postgres://… for several nodes over one PostgreSQL (CONVENE_DB)
  --tls-cert FILE      TLS certificate, PEM (CONVENE_TLS_CERT)
  --tls-key FILE       TLS private key, PEM (CONVENE_TLS_KEY)
  --tls self-signed    make (once) and use a self-signed certificate in DIR/tls (CONVENE_TLS)
  --behind-proxy       a TLS proxy is in front: accept plain HTTP from the network (CONVENE_BEHIND_PROXY=1)
  --public-url URL     how devices reach this server, for Autodiscover (CONVENE_PUBLIC_URL; default: from each request)
  --require-provisioning  refuse devices that have not acknowledged the device policy (CONVENE_REQUIRE_PROVISIONING=1)
  --log-devices        write every request and response as XML to DIR/logs/ACCOUNT/DEVICE.log (CONVENE_LOG_DEVICES=1)
  --metrics-allow IP   besides loopback, who may read /metrics; repeatable or a comma list (CONVENE_METRICS_ALLOW)
  --log-level LEVEL    fatal|error|warn|info|debug (CONVENE_LOG_LEVEL, default info)
  --max-body BYTES     largest request body (CONVENE_MAX_BODY, default ${DEFAULT_MAX_BODY})
  --max-connections N  open HTTP connections at most; each Ping holds one (CONVENE_MAX_CONNECTIONS,
                       default ${DEFAULT_HTTP_LIMITS.maxConnections}; raise ulimit -n above it)
  --smtp-port N        receive mail for local accounts by SMTP on this port (CONVENE_SMTP_PORT; off by default)
  --smtp-max-clients N SMTP connections at once (CONVENE_SMTP_MAX_CLIENTS, default ${DEFAULT_SMTP_LIMITS.maxClients})
  --smtp-relay URL     send mail for other servers through smtp://[user:pass@]host[:port] (CONVENE_SMTP_RELAY;
                       default: directly to each domain's MX)
  --mail-hostname NAME this server's name in SMTP greetings, bounces and Authentication-Results (CONVENE_MAIL_HOSTNAME,
                       default the host name)
  --dns-server IP[:PORT]  resolver for SPF/DKIM/DMARC lookups of inbound mail (CONVENE_DNS_SERVER; default the system's)
  --trusted-relay IP   a relay in front that checks mail; repeatable or a comma list (CONVENE_TRUSTED_RELAYS)…
  --trusted-authserv-id ID  …whose Authentication-Results with this authserv-id are used instead of our own
                       checks; repeatable or a comma list (CONVENE_TRUSTED_AUTHSERV_IDS). docs/mail-auth.md
${THROTTLE_HELP}`;

const FLAGS = {
  ...STORE_FLAGS,
  ...THROTTLE_FLAGS,
  host: { type: 'string' }, port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
  tls: { type: 'string' }, 'behind-proxy': { type: 'boolean' }, 'log-devices': { type: 'boolean' },
  'public-url': { type: 'string' }, 'metrics-allow': { type: 'string', multiple: true }, 'require-provisioning': { type: 'boolean' },
  'log-level': { type: 'string' }, 'max-body': { type: 'string' }, 'max-connections': { type: 'string' },
  'smtp-port': { type: 'string' }, 'smtp-max-clients': { type: 'string' }, 'smtp-relay': { type: 'string' }, 'mail-hostname': { type: 'string' },
  'dns-server': { type: 'string' }, 'trusted-relay': { type: 'string', multiple: true }, 'trusted-authserv-id': { type: 'string', multiple: true },
} as const;

export async function serveCommand(args: string[]): Promise<void> {
  const { values } = parse(args, FLAGS);
  if (values.help) return console.log(SERVE_HELP);
  const where = storeLocation(values);
  const host = values.host ?? env('HOST') ?? '0.0.0.0';
  const port = number(values.port ?? env('PORT') ?? '8080', '--port');
  const log = pino({ level: values['log-level'] ?? env('LOG_LEVEL') ?? 'info', base: { service: 'convene' } });
  // The data directory holds the store, keys and logs: created 0700 before anything goes in it.
  privateDirectory(where.dataDir);
  const databasePath = sqlitePath(where);
  const lock = databasePath === undefined ? undefined : takeServeLock(databasePath);
  const tls = await tlsMaterial(values, where.dataDir);
  const auth = mailAuth(values);
  const publicUrlValue = publicUrl(values['public-url'] ?? env('PUBLIC_URL'));
  const throttle = throttleOptions(values);
  const store = await openStore(where);
  // Before this node serves anyone: items an older version stored with text a device cannot
  // receive are rewritten once (docs/reliability.md); afterwards this is one row read.
  await repairStoredText(store, { log: (obj, msg) => log.info({ part: 'store', ...obj }, msg) });
  // Uploads in progress past their memory threshold wait in the data directory, not in /tmp.
  const spoolDir = join(where.dataDir, 'spool');
  const server = createEasServer({
    store, log, tls: tls?.material,
    behindProxy: values['behind-proxy'] ?? flag(env('BEHIND_PROXY')),
    publicUrl: publicUrlValue,
    throttle,
    metricsAllow: (values['metrics-allow'] ?? [env('METRICS_ALLOW') ?? '']).flatMap(v => v.split(',')).map(v => v.trim()).filter(Boolean),
    requireProvisioning: values['require-provisioning'] ?? flag(env('REQUIRE_PROVISIONING')),
    maxBodyBytes: number(values['max-body'] ?? env('MAX_BODY') ?? String(DEFAULT_MAX_BODY), '--max-body'),
    protocolLogDir: values['log-devices'] ?? flag(env('LOG_DEVICES')) ? join(where.dataDir, 'logs') : undefined,
    limits: {
      maxConnections: number(values['max-connections'] ?? env('MAX_CONNECTIONS') ?? String(DEFAULT_HTTP_LIMITS.maxConnections), '--max-connections'),
      spool: { dir: spoolDir },
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, LISTEN_BACKLOG, () => resolve());
  });
  const mailHostname = values['mail-hostname'] ?? env('MAIL_HOSTNAME') ?? hostname();
  const outbound = new OutboundMailer({ store, relay: values['smtp-relay'] ?? env('SMTP_RELAY'), hostname: mailHostname, log: log.child({ part: 'smtp-out' }) });
  await outbound.start();
  const expiry = startExpiry(store, { log: msg => log.info({ part: 'store' }, msg) });
  const smtpPortText = values['smtp-port'] ?? env('SMTP_PORT');
  const inbound = smtpPortText === undefined ? undefined
    : new InboundSmtp({
      store, hostname: mailHostname, tls: tls?.material, log: msg => log.info({ part: 'smtp-in' }, msg), auth,
      onResult: result => serverMetrics(server)?.inboundResult(result),
      limits: {
        maxClients: number(values['smtp-max-clients'] ?? env('SMTP_MAX_CLIENTS') ?? String(DEFAULT_SMTP_LIMITS.maxClients), '--smtp-max-clients'),
        spool: { dir: spoolDir },
      },
    });
  const smtpPort = inbound && (await inbound.listen(number(smtpPortText!, '--smtp-port'), host));
  if (inbound) serverMetrics(server)?.watchSmtp(() => inbound.inFlight());
  if (smtpPort !== undefined) log.info({ port: smtpPort }, 'SMTP listening for local accounts');
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const url = `${tls ? 'https' : 'http'}://${host}:${actualPort}`;
  log.info({ url, store: where.db ? 'postgres' : 'sqlite', dataDir: where.dataDir }, 'Convene listening');
  const stop = (): void => {
    log.info('shutting down');
    markStopping(server);
    server.closeAllConnections();
    server.close(() => void (async () => {
      await inbound?.close();
      await outbound.stop();
      expiry.stop();
      await store.close();
      lock?.release();
      process.exit(0);
    })());
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // Only now the welcome: whoever waits for it may stop us at once, and a signal before the
  // handlers above would end the process without releasing its lock.
  console.log(await welcome({ url, tls: !!tls, certNote: tls?.note, users: await store.countUsers(), port: actualPort, dataArgs: args }));
}

async function tlsMaterial(values: { tls?: string | undefined; 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined }, dataDir: string):
  Promise<{ material: TlsMaterial; note: string } | undefined> {
  const cert = values['tls-cert'] ?? env('TLS_CERT');
  const key = values['tls-key'] ?? env('TLS_KEY');
  const mode = values.tls ?? env('TLS');
  if (cert || key) {
    if (!cert || !key) throw new UsageError('--tls-cert and --tls-key go together');
    return { material: loadTls(key, cert), note: `TLS certificate ${cert}` };
  }
  if (mode === undefined) return undefined;
  if (mode !== 'self-signed') throw new UsageError('--tls takes "self-signed"; for your own certificate use --tls-cert/--tls-key');
  const made = await selfSignedTls(dataDir);
  return { material: made, note: `self-signed certificate ${made.certPath}${made.created ? ' (new)' : ''}; phones will ask you to trust it` };
}

async function welcome(o: { url: string; tls: boolean; certNote: string | undefined; users: number; port: number; dataArgs: string[] }): Promise<string> {
  const lanAddress = Object.values(networkInterfaces()).flat().find(i => i && i.family === 'IPv4' && !i.internal)?.address ?? 'this-machine';
  const lines = [`Convene is serving Exchange ActiveSync at ${o.url}/Microsoft-Server-ActiveSync`];
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

type AuthFlags = { 'dns-server'?: string | undefined; 'trusted-relay'?: string[] | undefined; 'trusted-authserv-id'?: string[] | undefined };

/** Sender authentication of inbound mail (docs/mail-auth.md). */
export function mailAuth(values: AuthFlags): MailAuthOptions {
  const server = values['dns-server'] ?? env('DNS_SERVER');
  if (server !== undefined && !dnsServerValid(server)) throw new UsageError(`--dns-server takes an IP address with an optional :PORT, not "${server}"`);
  const list = (given: string[] | undefined, name: string) => (given ?? [env(name) ?? '']).flatMap(v => v.split(',')).map(v => v.trim()).filter(Boolean);
  const trustedRelays = list(values['trusted-relay'], 'TRUSTED_RELAYS');
  const trustedAuthservIds = list(values['trusted-authserv-id'], 'TRUSTED_AUTHSERV_IDS');
  if (trustedRelays.some(ip => isIP(ip) === 0)) throw new UsageError('--trusted-relay takes IP addresses');
  if (trustedRelays.length > 0 !== trustedAuthservIds.length > 0) throw new UsageError('--trusted-relay and --trusted-authserv-id go together');
  return { dns: { server }, trustedRelays, trustedAuthservIds };
}

function number(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} takes a whole number, not "${value}"`);
  return n;
}

function publicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--public-url takes an address such as https://mail.example.com, not "${value}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new UsageError('--public-url must start with https:// (or http://)');
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function flag(value: string | undefined): boolean {
  return value !== undefined && !/^(0|false|no|off)$/i.test(value);
}
