// Per-device protocol log (`convene serve --log-devices`): every request and response as readable
// XML, one file per device under <data>/logs/<account>/<DeviceId>.log. Credentials never reach it,
// but mail and calendar content does: directories 0700, files 0600. A file past `maxBytes` is rotated
// (DEVICE.log → DEVICE.log.1 → … → DEVICE.log.<keep>, the oldest dropped), so a chatty device
// cannot fill the disk.
import { appendFile, chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decode, toXml } from '../wbxml/index.js';

/** Headers that carry credentials: Basic keeps its logon name, anything else is starred. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);
/** WBXML elements that carry secrets (Settings DevicePassword, Search and ItemOperations credentials). */
export const REDACT = new Set(['Password', 'Settings:Password', 'Search:Password', 'ItemOperations:Password']);
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

export interface RotationLimits {
  /** A file is rotated before a write would take it past this many bytes. */
  maxBytes: number;
  /** Rotated files kept besides the current one. */
  keep: number;
}

export const DEFAULT_ROTATION: RotationLimits = { maxBytes: 10 * 1024 * 1024, keep: 3 };

export class ProtocolLog {
  private readonly ready = new Map<string, Promise<unknown>>();
  /** Per file: its size as far as we know, and the tail of its writes (one at a time, so rotation never interleaves). */
  private readonly files = new Map<string, { size: Promise<number>; tail: Promise<unknown> }>();

  constructor(private readonly dir: string, private readonly rotation: RotationLimits = DEFAULT_ROTATION) {}

  async write(x: Exchange): Promise<void> {
    const folder = join(this.dir, safeName(x.account));
    let made = this.ready.get(folder);
    if (!made) {
      made = mkdir(folder, { recursive: true, mode: 0o700 }).then(() => chmod(this.dir, 0o700));
      this.ready.set(folder, made);
    }
    await made;
    await this.append(join(folder, `${safeName(x.deviceId)}.log`), Buffer.from(render(x)));
  }

  private append(path: string, text: Buffer): Promise<void> {
    let file = this.files.get(path);
    if (!file) {
      // A file an older version left readable is narrowed on first touch.
      file = { size: stat(path).then(async s => { await chmod(path, 0o600); return s.size; }, () => 0), tail: Promise.resolve() };
      this.files.set(path, file);
    }
    const entry = file;
    const done = entry.tail.then(async () => {
      let size = await entry.size;
      if (size > 0 && size + text.length > this.rotation.maxBytes) {
        await rotate(path, this.rotation.keep);
        size = 0;
      }
      await appendFile(path, text, { mode: 0o600 });
      entry.size = Promise.resolve(size + text.length);
    });
    entry.tail = done.catch(() => undefined);
    return done;
  }
}

async function rotate(path: string, keep: number): Promise<void> {
  await rm(`${path}.${keep}`, { force: true });
  for (let n = keep - 1; n >= 1; n--) {
    await rename(`${path}.${n}`, `${path}.${n + 1}`).catch(() => undefined);
  }
  if (keep >= 1) await rename(path, `${path}.1`);
  else await rm(path, { force: true });
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

/** Header lines, credentials redacted (Authorization keeps its logon name; cookies go entirely). */
export function headerLines(prefix: string, headers: Exchange['requestHeaders'] | Exchange['responseHeaders']): string[] {
  return Object.entries(headers).map(([k, v]) =>
    `${prefix} ${k}: ${SECRET_HEADERS.has(k.toLowerCase()) ? redactAuthorization(String(v)) : String(v)}`);
}

function redactAuthorization(value: string): string {
  const m = /^Basic\s+(\S+)/i.exec(value);
  if (!m) return '***';
  const logon = Buffer.from(m[1], 'base64').toString('utf8').split(':')[0];
  return `Basic ${logon}:***`;
}

/** A body as text: WBXML decoded to XML (secrets redacted, long text cut), anything else as is, cut. */
export function body(bytes: Buffer, contentType: string): string {
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
