// A small EAS client: what a phone does, without a phone. Tests, the demo and people writing
// clients use it against a running Convene.
import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { COMMAND_CODES } from '../eas/query.js';
import { decode, encode, type Element } from '../wbxml/index.js';
import { readMultipart } from './multipart.js';

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
  /** The decoded body when the server sent WBXML (a multipart response's part 0). */
  body: Element | undefined;
  /** A multipart response's parts after the WBXML (ItemOperations:Part n is parts[n - 1]). */
  parts?: Buffer[] | undefined;
}

export interface SendOptions {
  /** Raw bytes instead of an encoded tree (malformed input, MIME). */
  raw?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
}

export class EasClient {
  /** The policy key sent with every request once Provision gave one (src/client/provision.ts). */
  policyKey: number | undefined;

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
      ...(this.policyKey !== undefined && !this.options.base64Query ? { 'X-MS-PolicyKey': String(this.policyKey) } : {}),
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
    return encodeURIComponent(base64Line(cmd, o, this.policyKey, extra));
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
          const type = String(res.headers['content-type'] ?? '');
          if (type.includes('vnd.ms-sync.multipart')) {
            const [wbxml, ...parts] = readMultipart(raw);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: decode(wbxml), parts });
            return;
          }
          const wbxml = type.includes('wbxml') && raw.length > 0;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, raw, body: wbxml ? decode(raw) : undefined });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** MS-ASHTTP 2.2.1.1.1.1: version byte, command code, locale, DeviceId, PolicyKey, DeviceType, User. */
/** MS-ASHTTP 2.2.1.1.1.1.3: command parameters of the base64 form, by tag. */
const PARAMETER_TAGS: Readonly<Record<string, number>> = { AttachmentName: 0, CollectionId: 1, ItemId: 3, LongId: 4, Occurrence: 6 };

function base64Line(cmd: string, o: EasClientOptions, policyKey: number | undefined, extra: Record<string, string> = {}): string {
  const code = Number(Object.entries(COMMAND_CODES).find(([, name]) => name === cmd)?.[0] ?? 255);
  const deviceId = /^([0-9A-Fa-f]{2})+$/.test(o.deviceId) ? Buffer.from(o.deviceId, 'hex') : Buffer.from(o.deviceId);
  const deviceType = Buffer.from(o.deviceType ?? 'ConveneClient', 'latin1');
  const user = Buffer.from(o.user, 'utf8');
  const key = Buffer.alloc(policyKey === undefined ? 0 : 4);
  if (policyKey !== undefined) key.writeUInt32LE(policyKey);
  return Buffer.concat([
    Buffer.from([Math.round(Number(o.version ?? '14.1') * 10), code, 0x09, 0x04, deviceId.length]), deviceId,
    Buffer.from([key.length]), key, Buffer.from([deviceType.length]), deviceType,
    Buffer.from([8, user.length]), user,
    ...Object.entries(extra).filter(([name]) => PARAMETER_TAGS[name] !== undefined).flatMap(([name, v]) => {
      const bytes = Buffer.from(v, 'utf8');
      return [Buffer.from([PARAMETER_TAGS[name], bytes.length]), bytes];
    }),
    // Tag 7 Options: 0x01 SaveInSent, 0x02 AcceptMultiPart.
    ...(extra.SaveInSent === 'T' || extra.AcceptMultiPart === 'T'
      ? [Buffer.from([7, 1, (extra.SaveInSent === 'T' ? 0x01 : 0) | (extra.AcceptMultiPart === 'T' ? 0x02 : 0)])] : []),
  ]).toString('base64');
}
