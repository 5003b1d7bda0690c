// Protocol logging of one device, switched on and off at runtime (docs/console.md, "Device
// inspector"): no restart, no global flag. The switch is in the store (device_logging: on until a
// time), so every node of a multi-node setup sees it within CACHE_MS; each node reads the devices
// switched on at most once per CACHE_MS, for all of them. While on, each request and response is kept in the store (bounded
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
/** Devices switched on that a node reads at most (the console switches them one by one). */
const MAX_LOGGING = 10_000;

export class DeviceLogging {
  /** Exchanges as they are kept, per device row id. */
  readonly bus = new LiveBus<number, ProtocolExchange>();
  /** The devices logging, as this node last read them: one read per CACHE_MS for all devices. */
  private snapshot: { on: Map<number, number>; readAt: number } | undefined;
  private reading: Promise<Map<number, number>> | undefined;
  /** Bumped by set(): a read that began before it is not kept. */
  private generation = 0;

  constructor(private readonly store: Store, private readonly now: () => number = Date.now) {}

  /**
   * Whether the device's log is on. Every request asks, so the answer comes from a node-wide
   * snapshot of the (few) devices switched on, read at most once per CACHE_MS whatever the number
   * of devices: a per-device read missed its cache for every device that talks less often than
   * CACHE_MS (10,000 held Pings woken at once were 10,000 reads; docs/performance.md).
   */
  async isOn(devicePk: number): Promise<boolean> {
    const now = this.now();
    if (!this.snapshot || now - this.snapshot.readAt >= CACHE_MS) {
      const generation = this.generation;
      if (!this.reading) {
        const reading: Promise<Map<number, number>> = this.store.devicesLogging(now, MAX_LOGGING)
          .finally(() => { if (this.reading === reading) this.reading = undefined; });
        this.reading = reading;
      }
      const on = await this.reading;
      if (generation === this.generation) this.snapshot = { on, readAt: now };
      const until = on.get(devicePk);
      return until !== undefined && until > now;
    }
    const until = this.snapshot.on.get(devicePk);
    return until !== undefined && until > now;
  }

  /** On until `until` (default DEFAULT_ON_MS from now), or off (null). This node sees it at once. */
  async set(devicePk: number, on: boolean, until?: number): Promise<void> {
    const value = on ? until ?? this.now() + DEFAULT_ON_MS : null;
    await this.store.setDeviceLogging(devicePk, value);
    // The next isOn reads the store again, after this write.
    this.generation++;
    this.snapshot = undefined;
    this.reading = undefined;
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
