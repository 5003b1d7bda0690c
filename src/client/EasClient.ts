// A small EAS client: what a phone does, without a phone. Tests, `convene client`, `convene demo`
// and people writing clients or servers use it; it speaks MS-ASHTTP to any EAS server.
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { decode, encode, type Element } from '../wbxml/index.js';
import { readMultipart } from './multipart.js';
import { provision } from './provision.js';
import { base64Query, plainQuery } from './query.js';

export interface TlsOptions {
  /** PEM certificate(s) to trust (a self-signed or private CA). */
  ca?: string | Buffer | undefined;
  /** A client certificate and its key (PEM), for servers that ask for one. */
  cert?: string | Buffer | undefined;
  key?: string | Buffer | undefined;
  /** false accepts any certificate: for a test server only. */
  rejectUnauthorized?: boolean | undefined;
  /** The name to check the certificate against when it differs from the URL's host. */
  servername?: string | undefined;
}

export interface EasClientOptions {
  /** e.g. https://mail.example.com (the path /Microsoft-Server-ActiveSync is added). */
  baseUrl: string;
  user: string;
  password: string;
  deviceId: string;
  deviceType?: string | undefined;
  /** MS-ASProtocolVersion of every request unless a call says otherwise; 14.1 by default. */
  version?: string | undefined;
  /** Send the request line as MS-ASHTTP's base64 query instead of Cmd=…&User=… */
  base64Query?: boolean | undefined;
  /** PEM certificate to trust (kept for older callers; tls.ca says the same). */
  ca?: string | Buffer | undefined;
  tls?: TlsOptions | undefined;
  userAgent?: string | undefined;
  /** Connection pooling for many concurrent requests (benchmarks). */
  agent?: Agent | undefined;
  /**
   * Run Provision and send the request again when the server asks for it (HTTP 449, or Status
   * 142/143/144 in the response, MS-ASPROV 3.1.5.1). Off by default: tests look at the refusal.
   */
  autoProvision?: boolean | undefined;
  /** HTTP 451 redirects followed per request (MS-ASHTTP 3.2.5.1); 3 by default. */
  maxRedirects?: number | undefined;
}

export interface EasResponse {
  status: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The decoded body when the server sent WBXML (a multipart response's part 0). */
  body: Element | undefined;
  /** Why a body that claimed to be WBXML did not decode (a server bug worth showing). */
  decodeError?: string | undefined;
  /** A multipart response's parts after the WBXML (ItemOperations:Part n is parts[n - 1]). */
  parts?: Buffer[] | undefined;
}

export interface SendOptions {
  /** Raw bytes instead of an encoded tree (malformed input, MIME). */
  raw?: Buffer | undefined;
  contentType?: string | undefined;
  headers?: Record<string, string> | undefined;
  query?: Record<string, string> | undefined;
  /** MS-ASProtocolVersion of this request only. */
  version?: string | undefined;
}

/** One request and its answer, as `onExchange` listeners see them (`--xml`, the demo). */
export interface Exchange {
  cmd: string;
  method: string;
  url: string;
  request: Element | undefined;
  requestBytes: Buffer | undefined;
  response: EasResponse;
}

/** MS-ASCMD 2.2.2: the Status values that mean "provision, then try again". */
export const PROVISION_STATUSES: ReadonlySet<number> = new Set([142, 143, 144]);

export class EasClient {
  /** The policy key sent with every request once Provision gave one (src/client/provision.ts). */
  policyKey: number | undefined;
  /** Where requests go; a 451 redirect moves it (MS-ASHTTP 3.2.5.1). */
  baseUrl: string;
  /** Called after every request, for logs and `--xml`. */
  readonly listeners: ((x: Exchange) => void)[] = [];

  constructor(readonly options: EasClientOptions) {
    this.baseUrl = options.baseUrl;
  }

  get version(): string {
    return this.options.version ?? '14.1';
  }

  onExchange(listener: (x: Exchange) => void): this {
    this.listeners.push(listener);
    return this;
  }

  /** MS-ASHTTP 2.2.4: the server's versions and commands (MS-ASProtocolVersions, MS-ASProtocolCommands). */
  async discover(withCredentials = true): Promise<EasResponse> {
    return this.exchange('OPTIONS', 'OPTIONS', '', undefined, undefined, withCredentials ? this.authHeaders() : {});
  }

  /** The versions the server offers (OPTIONS), newest last as servers list them. */
  async serverVersions(): Promise<{ versions: string[]; commands: string[]; response: EasResponse }> {
    const response = await this.discover();
    const list = (name: string) => String(response.headers[name] ?? '').split(',').map(s => s.trim()).filter(Boolean);
    return { versions: list('ms-asprotocolversions'), commands: list('ms-asprotocolcommands'), response };
  }

  /** Sends one command; provisions and retries once when asked to (autoProvision). */
  async send(cmd: string, tree?: Element, opts: SendOptions = {}): Promise<EasResponse> {
    const res = await this.sendOnce(cmd, tree, opts);
    if (!this.options.autoProvision || cmd === 'Provision' || !needsProvisioning(res)) return res;
    const outcome = await provision(this, { version: opts.version });
    if (!outcome.finalKey) return res;
    return this.sendOnce(cmd, tree, opts);
  }

  private sendOnce(cmd: string, tree: Element | undefined, opts: SendOptions): Promise<EasResponse> {
    const version = opts.version ?? this.version;
    const body = opts.raw ?? (tree ? encode(tree) : undefined);
    const base64 = this.options.base64Query === true;
    const headers: Record<string, string> = {
      ...this.authHeaders(),
      'Content-Type': opts.contentType ?? 'application/vnd.ms-sync.wbxml',
      ...(base64 ? {} : { 'MS-ASProtocolVersion': version }),
      ...(this.policyKey !== undefined && !base64 ? { 'X-MS-PolicyKey': String(this.policyKey) } : {}),
      ...opts.headers,
    };
    const who = { user: this.options.user, deviceId: this.options.deviceId, deviceType: this.options.deviceType ?? 'ConveneClient', version };
    const query = base64 ? base64Query(cmd, who, this.policyKey, opts.query) : plainQuery(cmd, who, opts.query);
    return this.exchange(cmd, 'POST', query, tree, body, headers);
  }

  private authHeaders(): Record<string, string> {
    const token = Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64');
    return { Authorization: `Basic ${token}`, 'User-Agent': this.options.userAgent ?? 'Convene-EasClient/1.0' };
  }

  private async exchange(cmd: string, method: string, query: string, tree: Element | undefined, body: Buffer | undefined,
    headers: Record<string, string>): Promise<EasResponse> {
    const hops = this.options.maxRedirects ?? 3;
    for (let hop = 0; ; hop++) {
      const url = new URL(`/Microsoft-Server-ActiveSync${query ? `?${query}` : ''}`, this.baseUrl);
      const response = await this.http(method, url, body, headers);
      for (const l of this.listeners) l({ cmd, method, url: url.toString(), request: tree, requestBytes: body, response });
      // MS-ASHTTP 3.2.5.1: 451 names the server to use from now on in X-MS-Location.
      const location = response.headers['x-ms-location'];
      if (response.status !== 451 || typeof location !== 'string' || hop >= hops) return response;
      this.baseUrl = new URL(location, url).origin;
    }
  }

  private http(method: string, url: URL, body: Buffer | undefined, headers: Record<string, string>): Promise<EasResponse> {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const tls = { ca: this.options.ca, ...this.options.tls };
    return new Promise((resolve, reject) => {
      const req = send(url, {
        method, headers: { ...headers, 'Content-Length': String(body?.length ?? 0) }, agent: this.options.agent,
        ca: tls.ca, cert: tls.cert, key: tls.key, servername: tls.servername,
        ...(tls.rejectUnauthorized !== undefined ? { rejectUnauthorized: tls.rejectUnauthorized } : {}),
      }, res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => resolve(readResponse(res.statusCode ?? 0, res.headers, Buffer.concat(chunks))));
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

function readResponse(status: number, headers: IncomingHttpHeaders, raw: Buffer): EasResponse {
  const type = String(headers['content-type'] ?? '');
  try {
    if (type.includes('vnd.ms-sync.multipart')) {
      const [wbxml, ...parts] = readMultipart(raw);
      return { status, headers, raw, body: decode(wbxml!), parts };
    }
    const wbxml = type.includes('wbxml') && raw.length > 0;
    return { status, headers, raw, body: wbxml ? decode(raw) : undefined };
  } catch (e) {
    return { status, headers, raw, body: undefined, decodeError: (e as Error).message };
  }
}

/** The Status of a command's root element (MS-ASCMD 2.2.2), when it has one. */
export function rootStatus(res: EasResponse): number | undefined {
  const text = res.body?.childText('Status');
  return text === undefined ? undefined : Number(text);
}

/** HTTP 449 (12.1 and older) or a provisioning Status in the body (14.0 and later). */
export function needsProvisioning(res: EasResponse): boolean {
  if (res.status === 449) return true;
  const status = rootStatus(res);
  return status !== undefined && PROVISION_STATUSES.has(status);
}
