// The device inspector's live feed (docs/console.md, "Device inspector"): Server-Sent Events
// (WHATWG HTML 9.2) of one device's protocol exchanges. What the store kept after the browser's
// Last-Event-ID comes first (a reconnect misses nothing this node or another kept), then what the
// live bus (src/eas/liveBus.ts) carries. A browser that reads too slowly is dropped by the bus: the
// stream ends, and EventSource reconnects from its Last-Event-ID.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceLogging } from '../../eas/deviceLogging.js';
import type { Store } from '../../store/Store.js';
import type { ProtocolExchange } from '../../store/traceTypes.js';

/** How many kept exchanges a (re)connecting browser is sent before the live ones. */
export const BACKLOG = 50;
/** A comment line this often keeps proxies from closing an idle stream. */
const HEARTBEAT_MS = 15_000;

export interface StreamOptions {
  store: Store;
  logging: DeviceLogging;
  devicePk: number;
  /** Only exchanges of this command. */
  cmd?: string | undefined;
  /** Turns an exchange into the event's data (the page's HTML fragment, already escaped). */
  render(x: ProtocolExchange): string;
}

export async function streamExchanges(req: IncomingMessage, res: ServerResponse, o: StreamOptions): Promise<void> {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive',
  });
  // CR LF, a lone LF and a lone CR all end an SSE line (WHATWG HTML 9.2.6): each starts a new data line.
  const event = (x: ProtocolExchange) => `id: ${x.id}\nevent: exchange\ndata: ${o.render(x).replace(/\r\n|\r|\n/g, '\ndata: ')}\n\n`;
  const wanted = (x: ProtocolExchange) => !o.cmd || x.cmd === o.cmd;
  // Subscribe first, then read the backlog: an exchange kept in between is in one or both, sent once.
  let last = lastEventId(req);
  const early: ProtocolExchange[] = [];
  let live = false;
  const write = (x: ProtocolExchange): boolean => {
    if (!live) return early.push(x) > 0;
    if (x.id <= last || !wanted(x)) return true;
    last = x.id;
    return res.write(event(x));
  };
  const sub = o.logging.bus.subscribe(o.devicePk, { write, dropped: () => res.end() });
  res.on('drain', () => sub.drained());
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
  heartbeat.unref();
  const stop = () => {
    clearInterval(heartbeat);
    sub.close();
  };
  req.on('close', stop);
  res.on('close', stop);
  res.write('retry: 2000\n\n');
  const backlog = await o.store.listProtocolExchanges(o.devicePk, { afterId: last, cmd: o.cmd, limit: BACKLOG });
  for (const x of backlog) {
    res.write(event(x));
    last = x.id;
  }
  live = true;
  for (const x of early) write(x);
}

/** The browser's Last-Event-ID (a reconnect), or 0. */
function lastEventId(req: IncomingMessage): number {
  const v = req.headers['last-event-id'];
  const n = Number(Array.isArray(v) ? v[0] : v);
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}
