// Protocol logging of one device, switched on and off at runtime (docs/console.md, "Device
// inspector"): no restart, no global flag. The switch is in the store (device_logging: on until a
// time), so every node of a multi-node setup sees it within CACHE_MS; each node reads it at most
// once per CACHE_MS per device. While on, each request and response is kept in the store (bounded
// per device by src/store/expiry.ts) and published on an in-process live bus the console's
// Server-Sent Events stream reads. Credentials never reach either: protocolLog.ts redacts the
// Authorization header (its logon name stays), cookies, and every Password element.
import type { Store } from '../store/Store.js';
import type { ProtocolExchange } from '../store/traceTypes.js';
import { decode, type Element } from '../wbxml/index.js';
import { LiveBus } from './liveBus.js';
import { body, headerLines, type Exchange } from './protocolLog.js';

/** How long a node trusts what it read of a device's switch. */
export const CACHE_MS = 2000;
/** A switch turned on without a time stays on this long: nobody leaves a device logging forever. */
export const DEFAULT_ON_MS = 24 * 3600_000;
/** The most Status values kept per exchange (a Sync of many items has one per item). */
const MAX_STATUSES = 50;
/** Devices whose switch a node remembers; past it the memory starts over. */
const MAX_CACHED = 10_000;

export class DeviceLogging {
  /** Exchanges as they are kept, per device row id. */
  readonly bus = new LiveBus<number, ProtocolExchange>();
  private readonly cache = new Map<number, { until: number | undefined; readAt: number }>();

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  async isOn(devicePk: number): Promise<boolean> {
    const now = this.now();
    let known = this.cache.get(devicePk);
    if (!known || now - known.readAt >= CACHE_MS) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      known = { until: await this.store.deviceLoggingUntil(devicePk), readAt: now };
      this.cache.set(devicePk, known);
    }
    return known.until !== undefined && known.until > now;
  }

  /** On until `until` (default DEFAULT_ON_MS from now), or off (null). This node sees it at once. */
  async set(devicePk: number, on: boolean, until?: number): Promise<void> {
    const value = on ? until ?? this.now() + DEFAULT_ON_MS : null;
    await this.store.setDeviceLogging(devicePk, value);
    this.cache.set(devicePk, { until: value ?? undefined, readAt: this.now() });
  }

  /** Keeps and publishes the exchange if the device's log is on; what was kept, or undefined. */
  async record(devicePk: number, cmd: string, x: Exchange): Promise<ProtocolExchange | undefined> {
    if (!(await this.isOn(devicePk))) return undefined;
    const entry = { devicePk, at: this.now(), cmd, http: x.status, statuses: statusesOf(x.responseBody), ms: x.ms, ...renderExchange(x) };
    const id = await this.store.addProtocolExchange(entry);
    const kept = { ...entry, id };
    this.bus.publish(devicePk, kept);
    return kept;
  }
}

/** The request and response as text: the request line, headers, the bodies decoded to XML. */
export function renderExchange(x: Exchange): { request: string; response: string } {
  const request = [`${x.method} ${x.url}`, ...headerLines('>', x.requestHeaders), body(x.requestBody, String(x.requestHeaders['content-type'] ?? ''))];
  const response = [`HTTP ${x.status} (${x.ms} ms)`, ...headerLines('<', x.responseHeaders), body(x.responseBody, String(x.responseHeaders['content-type'] ?? ''))];
  return { request: request.filter(Boolean).join('\n'), response: response.filter(Boolean).join('\n') };
}

/** Every Status element's value in a WBXML response, in document order (at most MAX_STATUSES). */
export function statusesOf(bytes: Buffer): number[] {
  if (!bytes.length || bytes[0] !== 0x03) return [];
  let root: Element;
  try {
    root = decode(bytes);
  } catch {
    return [];
  }
  const out: number[] = [];
  const walk = (el: Element): void => {
    if (out.length >= MAX_STATUSES) return;
    if (el.name === 'Status' && el.text !== undefined && /^\d{1,4}$/.test(el.text)) out.push(Number(el.text));
    for (const c of el.children) walk(c);
  };
  walk(root);
  return out;
}
