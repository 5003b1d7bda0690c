// Per-device protocol log (`convene serve --log-devices`): every request and response as readable
// XML, one file per device under <data>/logs/<account>/<DeviceId>.log. Credentials never reach it.
import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, toXml } from '../wbxml/index.js';

const REDACT = new Set(['Password', 'Settings:Password', 'Search:Password', 'ItemOperations:Password']);
const MAX_TEXT = 4096;

export interface Exchange {
  account: string;
  deviceId: string;
  method: string;
  url: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  requestBody: Buffer;
  status: number;
  responseHeaders: Record<string, string | number | string[] | undefined>;
  responseBody: Buffer;
  ms: number;
}

export class ProtocolLog {
  private readonly ready = new Map<string, Promise<unknown>>();

  constructor(private readonly dir: string) {}

  async write(x: Exchange): Promise<void> {
    const folder = join(this.dir, safeName(x.account));
    let made = this.ready.get(folder);
    if (!made) {
      made = mkdir(folder, { recursive: true });
      this.ready.set(folder, made);
    }
    await made;
    await appendFile(join(folder, `${safeName(x.deviceId)}.log`), render(x));
  }
}

export function render(x: Exchange): string {
  const lines = [
    `=== ${new Date().toISOString()} ${x.method} ${x.url} → ${x.status} (${x.ms} ms)`,
    ...headerLines('>', x.requestHeaders),
    body(x.requestBody, String(x.requestHeaders['content-type'] ?? '')),
    ...headerLines('<', x.responseHeaders),
    body(x.responseBody, String(x.responseHeaders['content-type'] ?? '')),
    '',
  ];
  return lines.filter(l => l !== '').join('\n') + '\n\n';
}

function headerLines(prefix: string, headers: Exchange['requestHeaders'] | Exchange['responseHeaders']): string[] {
  return Object.entries(headers).map(([k, v]) =>
    `${prefix} ${k}: ${k.toLowerCase() === 'authorization' ? redactAuthorization(String(v)) : String(v)}`);
}

function redactAuthorization(value: string): string {
  const m = /^Basic\s+(\S+)/i.exec(value);
  if (!m) return '***';
  const logon = Buffer.from(m[1], 'base64').toString('utf8').split(':')[0];
  return `Basic ${logon}:***`;
}

function body(bytes: Buffer, contentType: string): string {
  if (bytes.length === 0) return '';
  if (contentType.includes('wbxml') || (bytes[0] === 0x03 && !contentType.includes('rfc822'))) {
    try {
      return toXml(decode(bytes), { indent: 2, redact: REDACT, maxText: MAX_TEXT });
    } catch (e) {
      return `[${bytes.length} bytes that do not decode: ${(e as Error).message}]\n${bytes.subarray(0, 256).toString('hex')}`;
    }
  }
  const text = bytes.toString('utf8');
  return text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… [${bytes.length} bytes in all]` : text;
}

function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 128) || '_';
}
