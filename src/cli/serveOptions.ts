// `convene serve` options: every flag (or CONVENE_* variable) checked and turned into one config
// before anything is opened, so a typo is one line and exit 2 with nothing started.
import { hostname } from 'node:os';
import { isIP, type BlockList } from 'node:net';
import { DEFAULT_HTTP_LIMITS } from '../eas/http/limits.js';
import { DEFAULT_MAX_BODY } from '../eas/http/server.js';
import type { MailAuthOptions } from '../mail/auth.js';
import { dnsServerValid } from '../mail/dnsResolver.js';
import { DEFAULT_SMTP_LIMITS } from '../mail/inboundLimits.js';
import { relayOptions } from '../mail/outbound.js';
import type { StoreLocation } from '../store/open.js';
import { redactedUrl } from './errors.js';
import { proxyTrust } from '../net/proxyTrust.js';
import type { ThrottleOptions } from '../accounts/logonThrottle.js';
import { THROTTLE_FLAGS, THROTTLE_HELP, throttleOptions } from './throttleOptions.js';
import { env, logLevel, parse, portNumber, STORE_FLAGS, storeLocation, UsageError, wholeNumber, type LogLevel } from './options.js';

/** Seconds a SIGTERM'd server keeps answering (503 on /readyz) before it closes (docs/operations.md). */
export const DEFAULT_DRAIN_SECONDS = 5;

export const SERVE_HELP = `convene serve [options]            (each option also as an environment variable)
  --host ADDR          listen address (CONVENE_HOST, default 0.0.0.0)
  --port N             listen port (CONVENE_PORT, default 8080)
  --data DIR           data directory for the SQLite store, logs, TLS (CONVENE_DATA, default ./data)
  --db URL             postgres://… for several nodes over one PostgreSQL (CONVENE_DB)
  --tls-cert FILE      TLS certificate, PEM (CONVENE_TLS_CERT); re-read on SIGHUP
  --tls-key FILE       TLS private key, PEM (CONVENE_TLS_KEY); re-read on SIGHUP
  --tls self-signed    make (once) and use a self-signed certificate in DIR/tls (CONVENE_TLS)
  --behind-proxy       a TLS proxy is in front: accept plain HTTP from the network (CONVENE_BEHIND_PROXY=1)
  --trusted-proxies LIST  with --behind-proxy: the proxies whose X-Forwarded-For is believed, addresses or
                       CIDR ranges, comma list (CONVENE_TRUSTED_PROXIES; default loopback and private ranges)
  --public-url URL     how devices reach this server, for Autodiscover (CONVENE_PUBLIC_URL; default: from each request)
  --require-provisioning  refuse devices that have not acknowledged the device policy (CONVENE_REQUIRE_PROVISIONING=1)
  --log-devices        write every request and response as XML to DIR/logs/ACCOUNT/DEVICE.log (CONVENE_LOG_DEVICES=1)
  --metrics-allow IP   besides loopback, who may read /metrics; repeatable or a comma list (CONVENE_METRICS_ALLOW)
  --log-level LEVEL    fatal|error|warn|info|debug (CONVENE_LOG_LEVEL, default info)
  --max-body BYTES     largest request body (CONVENE_MAX_BODY, default ${DEFAULT_MAX_BODY})
  --max-connections N  open HTTP connections at most; each Ping holds one (CONVENE_MAX_CONNECTIONS,
                       default ${DEFAULT_HTTP_LIMITS.maxConnections}; raise ulimit -n above it)
  --drain-seconds N    on SIGTERM: answer held Pings, report not ready, keep serving N seconds, then close
                       (CONVENE_DRAIN_SECONDS, default ${DEFAULT_DRAIN_SECONDS}; Ctrl-C skips the wait)
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
  --trust-anchors FILE PEM bundle of CA certificates ValidateCert trusts besides Node's bundled roots
                       (CONVENE_TRUST_ANCHORS). docs/smime.md
${THROTTLE_HELP}
Signals: SIGTERM drains and stops, SIGINT stops, SIGHUP re-reads --tls-cert/--tls-key. docs/deploy.md`;

const FLAGS = {
  ...STORE_FLAGS,
  ...THROTTLE_FLAGS,
  host: { type: 'string' }, port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' },
  tls: { type: 'string' }, 'behind-proxy': { type: 'boolean' }, 'trusted-proxies': { type: 'string', multiple: true }, 'log-devices': { type: 'boolean' },
  'public-url': { type: 'string' }, 'metrics-allow': { type: 'string', multiple: true }, 'require-provisioning': { type: 'boolean' },
  'log-level': { type: 'string' }, 'max-body': { type: 'string' }, 'max-connections': { type: 'string' }, 'drain-seconds': { type: 'string' },
  'smtp-port': { type: 'string' }, 'smtp-max-clients': { type: 'string' }, 'smtp-relay': { type: 'string' }, 'mail-hostname': { type: 'string' },
  'dns-server': { type: 'string' }, 'trusted-relay': { type: 'string', multiple: true }, 'trusted-authserv-id': { type: 'string', multiple: true },
  'trust-anchors': { type: 'string' },
} as const;

/** Where TLS comes from: the operator's files (re-read on SIGHUP) or a self-signed pair made once. */
export type TlsChoice = { kind: 'files'; certPath: string; keyPath: string } | { kind: 'self-signed' } | undefined;

export interface ServeConfig {
  where: StoreLocation;
  host: string;
  port: number;
  logLevel: LogLevel;
  tls: TlsChoice;
  behindProxy: boolean;
  trustedProxies: BlockList | undefined;
  publicUrl: string | undefined;
  metricsAllow: string[];
  requireProvisioning: boolean;
  logDevices: boolean;
  maxBodyBytes: number;
  maxConnections: number;
  drainSeconds: number;
  smtpPort: number | undefined;
  smtpMaxClients: number;
  smtpRelay: string | undefined;
  mailHostname: string;
  mailAuth: MailAuthOptions;
  /** Wrong-password back-off (docs/limits.md, Throttling). */
  throttle: Partial<ThrottleOptions>;
  /** PEM file of extra ValidateCert trust anchors (docs/smime.md); read when the server starts. */
  trustAnchorsPath: string | undefined;
}

/** The whole configuration, or a UsageError naming the first bad option; opens nothing. */
export function serveConfig(args: string[]): ServeConfig | 'help' {
  const { values, positionals } = parse(args, FLAGS);
  if (values.help) return 'help';
  if (positionals.length > 0) throw new UsageError(`serve takes no arguments besides options, not "${positionals[0]}" (convene serve --help)`);
  const smtpPort = values['smtp-port'] ?? env('SMTP_PORT');
  const smtpRelay = values['smtp-relay'] ?? env('SMTP_RELAY');
  if (smtpRelay !== undefined) checkRelay(smtpRelay);
  return {
    where: storeLocation(values),
    host: values.host ?? env('HOST') ?? '0.0.0.0',
    port: portNumber(values.port ?? env('PORT') ?? '8080', '--port'),
    logLevel: logLevel(values['log-level'] ?? env('LOG_LEVEL') ?? 'info'),
    tls: tlsChoice(values),
    behindProxy: values['behind-proxy'] ?? flag(env('BEHIND_PROXY')),
    trustedProxies: trustedProxies(list(values['trusted-proxies'], 'TRUSTED_PROXIES')),
    publicUrl: publicUrl(values['public-url'] ?? env('PUBLIC_URL')),
    metricsAllow: list(values['metrics-allow'], 'METRICS_ALLOW'),
    requireProvisioning: values['require-provisioning'] ?? flag(env('REQUIRE_PROVISIONING')),
    logDevices: values['log-devices'] ?? flag(env('LOG_DEVICES')),
    maxBodyBytes: wholeNumber(values['max-body'] ?? env('MAX_BODY') ?? String(DEFAULT_MAX_BODY), '--max-body', 1),
    maxConnections: wholeNumber(values['max-connections'] ?? env('MAX_CONNECTIONS') ?? String(DEFAULT_HTTP_LIMITS.maxConnections), '--max-connections', 1),
    drainSeconds: wholeNumber(values['drain-seconds'] ?? env('DRAIN_SECONDS') ?? String(DEFAULT_DRAIN_SECONDS), '--drain-seconds'),
    smtpPort: smtpPort === undefined ? undefined : portNumber(smtpPort, '--smtp-port'),
    smtpMaxClients: wholeNumber(values['smtp-max-clients'] ?? env('SMTP_MAX_CLIENTS') ?? String(DEFAULT_SMTP_LIMITS.maxClients), '--smtp-max-clients', 1),
    smtpRelay,
    mailHostname: values['mail-hostname'] ?? env('MAIL_HOSTNAME') ?? hostname(),
    mailAuth: mailAuth(values),
    throttle: throttleOptions(values),
    trustAnchorsPath: values['trust-anchors'] ?? env('TRUST_ANCHORS'),
  };
}

function tlsChoice(values: { tls?: string | undefined; 'tls-cert'?: string | undefined; 'tls-key'?: string | undefined }): TlsChoice {
  const certPath = values['tls-cert'] ?? env('TLS_CERT');
  const keyPath = values['tls-key'] ?? env('TLS_KEY');
  const mode = values.tls ?? env('TLS');
  if (certPath || keyPath) {
    if (!certPath || !keyPath) throw new UsageError('--tls-cert and --tls-key go together');
    if (mode !== undefined) throw new UsageError('--tls self-signed or --tls-cert/--tls-key, not both');
    return { kind: 'files', certPath, keyPath };
  }
  if (mode === undefined) return undefined;
  if (mode !== 'self-signed') throw new UsageError('--tls takes "self-signed"; for your own certificate use --tls-cert/--tls-key');
  return { kind: 'self-signed' };
}

function trustedProxies(entries: string[]): BlockList | undefined {
  if (entries.length === 0) return undefined;
  try {
    return proxyTrust(entries);
  } catch (e) {
    throw new UsageError(`--trusted-proxies: ${(e as Error).message}`);
  }
}

function checkRelay(url: string): void {
  try {
    relayOptions(url);
  } catch (e) {
    throw new UsageError(`--smtp-relay takes smtp://[USER:PASSWORD@]HOST[:PORT] or smtps://…, not "${redactedUrl(url)}" (${(e as Error).message})`);
  }
}

type AuthFlags = { 'dns-server'?: string | undefined; 'trusted-relay'?: string[] | undefined; 'trusted-authserv-id'?: string[] | undefined };

/** Sender authentication of inbound mail (docs/mail-auth.md). */
export function mailAuth(values: AuthFlags): MailAuthOptions {
  const server = values['dns-server'] ?? env('DNS_SERVER');
  if (server !== undefined && !dnsServerValid(server)) throw new UsageError(`--dns-server takes an IP address with an optional :PORT, not "${server}"`);
  const trustedRelays = list(values['trusted-relay'], 'TRUSTED_RELAYS');
  const trustedAuthservIds = list(values['trusted-authserv-id'], 'TRUSTED_AUTHSERV_IDS');
  if (trustedRelays.some(ip => isIP(ip) === 0)) throw new UsageError('--trusted-relay takes IP addresses');
  if (trustedRelays.length > 0 !== trustedAuthservIds.length > 0) throw new UsageError('--trusted-relay and --trusted-authserv-id go together');
  return { dns: { server }, trustedRelays, trustedAuthservIds };
}

/** A repeatable flag, or its variable as a comma list. */
function list(given: string[] | undefined, name: string): string[] {
  return (given ?? [env(name) ?? '']).flatMap(v => v.split(',')).map(v => v.trim()).filter(Boolean);
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
