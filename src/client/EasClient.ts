// A small EAS client: what a phone does, without a phone. Tests, the demo and people writing
// clients use it against a running Convene.
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { COMMAND_CODES } from '../eas/query.js';
import { decode, encode, type Element } from '../wbxml/index.js';

export interface EasClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  user: string;
  password: string;
  deviceId: string;
  deviceType?: string;
  version?: string;
  /** Send the request line as MS-ASHTTP's base64 query instead of Cmd=…&User=… */
  base64Query?: boolean;
  /** PEM certificate to trust (a self-signed server). */
  ca?: string | Buffer;
  userAgent?: string;
  /** Connection pooling for many concurrent requests (benchmarks). */
  agent?: Agent;
}

export interface EasResponse {
  status: number;
  headers: IncomingHttpHeaders;
  raw: Buffer;
  /** The decoded body when the server sent WBXML. */
  body: Element | undefined;
}

export interface SendOptions {
  /** Raw bytes instead of an encoded tree (malformed input, MIME). */
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export class EasClient {
  constructor(readonly options: EasClientOptions) {}

  /** MS-ASHTTP 2.2.4: the server's versions and commands. */
  async discover(withCredentials = true): Promise<EasResponse> {
    return this.http('OPTIONS', '', undefined, withCredentials ? this.authHeaders() : {});
  }

  async send(cmd: string, tree?: Element, opts: SendOptions = {}): Promise<EasResponse> {
    const body = opts.raw ?? (tree ? encode(tree) : undefined);
    const headers: Record<string, string> = {
      ...this.authHeaders(),
      'Content-Type': opts.contentType ?? 'application/vnd.ms-sync.wbxml',
      ...(this.options.base64Query ? {} : { 'MS-ASProtocolVersion': this.options.version ?? '14.1' }),
      ...opts.headers,
    };
    return this.http('POST', this.query(cmd, opts.query), body, headers);
  }

  private authHeaders(): Record<string, string> {
    const token = Buffer.from(`${this.options.user}:${this.options.password}`).toString('base64');
    return { Authorization: `Basic ${token}`, 'User-Agent': this.options.userAgent ?? 'Convene-EasClient/1.0' };
  }

  private query(cmd: string, extra: Record<string, string> = {}): string {
    const o = this.options;
    if (!o.base64Query) {
      const p = new URLSearchParams({ Cmd: cmd, User: o.user, DeviceId: o.deviceId, DeviceType: o.deviceType ?? 'ConveneClient', ...extra });
      return p.toString();
    }
    return encodeURIComponent(base64Line(cmd, o));
  }

  private http(method: string, query: string, body: Buffer | undefined, headers: Record<string, string>): Promise<EasResponse> {
    const url = new URL(`/Microsoft-Server-ActiveSync${query ? `?${query}` : ''}`, this.options.baseUrl);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(url, { method, headers: { ...headers, 'Content-Length': String(body?.length ?? 0) }, ca: this.options.ca, agent: this.options.agent }, res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          const wbxml = String(res.headers['content-type'] ?? '').includes('wbxml') && raw.length > 0;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: wbxml ? decode(raw) : undefined });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** MS-ASHTTP 2.2.1.1.1.1: version byte, command code, locale, DeviceId, PolicyKey, DeviceType, User. */
function base64Line(cmd: string, o: EasClientOptions): string {
  const code = Number(Object.entries(COMMAND_CODES).find(([, name]) => name === cmd)?.[0] ?? 255);
  const deviceId = /^([0-9A-Fa-f]{2})+$/.test(o.deviceId) ? Buffer.from(o.deviceId, 'hex') : Buffer.from(o.deviceId);
  const deviceType = Buffer.from(o.deviceType ?? 'ConveneClient', 'latin1');
  const user = Buffer.from(o.user, 'utf8');
  return Buffer.concat([
    Buffer.from([Math.round(Number(o.version ?? '14.1') * 10), code, 0x09, 0x04, deviceId.length]), deviceId,
    Buffer.from([0, deviceType.length]), deviceType,
    Buffer.from([8, user.length]), user,
  ]).toString('base64');
}
