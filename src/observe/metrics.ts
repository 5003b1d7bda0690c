// Prometheus metrics (docs/operations.md), one registry per server instance: tests run several
// servers in one process, and prom-client's global registry would mix them. Counters move where
// work ends; gauges are read at scrape time from their owners (waits, spools, the store).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { SpoolGauge } from '../net/spool.js';
import type { OutboundQueueStats, Store } from '../store/Store.js';

/** What inbound delivery reported to the sender: delivered, or the SMTP reply class of the refusal. */
export type InboundResult = 'delivered' | 'temporary' | 'refused';

/** Sources read at every scrape. */
export interface MetricSources {
  store: Store;
  /** Pings and hanging Syncs held open right now. */
  waiting(): number;
  /** Request bodies being received by HTTP. */
  httpBodies(): SpoolGauge;
}

/** An address no account can have (RFC 2606 .invalid): the lookup is one indexed read. */
const PROBE_ADDRESS = 'probe@health.invalid';

/** Times one trivial store read; throws what the store throws. */
export async function probeStore(store: Store): Promise<number> {
  const started = performance.now();
  await store.findUserByEmail(PROBE_ADDRESS);
  return (performance.now() - started) / 1000;
}

export class ServerMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'command' | 'status'>;
  private readonly latency: Histogram<'command'>;
  private readonly inbound: Counter<'result'>;
  private readonly authFailures: Counter<'endpoint'>;
  private readonly authThrottled: Counter<'endpoint' | 'scope'>;
  private readonly authLocks: Counter<'scope'>;
  private readonly smtpGauges: (() => SpoolGauge)[] = [];
  /** The outbound queue as read once for the scrape under way (three gauges share one query). */
  private queue: Promise<OutboundQueueStats | undefined> | undefined;

  constructor(private readonly sources: MetricSources) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'convene_http_requests_total', help: 'HTTP requests by EAS command (or endpoint) and HTTP status', labelNames: ['command', 'status'], registers });
    this.latency = new Histogram({
      name: 'convene_http_request_duration_seconds', help: 'Time from request to response by EAS command; Ping and hanging Sync include their wait',
      labelNames: ['command'], buckets: [0.005, 0.025, 0.1, 0.25, 1, 2.5, 10, 60, 300, 1800], registers,
    });
    this.inbound = new Counter({ name: 'convene_smtp_inbound_messages_total', help: 'Inbound SMTP messages by result', labelNames: ['result'], registers });
    this.authFailures = new Counter({ name: 'convene_auth_failures_total', help: 'Credentials refused, by endpoint', labelNames: ['endpoint'], registers });
    this.authThrottled = new Counter({
      name: 'convene_auth_throttled_total', help: 'Requests answered 503 unchecked after too many wrong passwords, by endpoint and what waits (account: a logon name from one address; address: every name)',
      labelNames: ['endpoint', 'scope'], registers,
    });
    this.authLocks = new Counter({ name: 'convene_auth_locks_total', help: 'Throttle locks started, by scope (account or address)', labelNames: ['scope'], registers });
    this.gauges(registers);
  }

  private gauges(registers: Registry[]): void {
    const { sources } = this;
    new Gauge({ name: 'convene_waiting_requests', help: 'Pings and hanging Syncs held open', registers, collect() { this.set(sources.waiting()); } });
    const bodies = (name: string, help: string, read: () => SpoolGauge[]) => new Gauge({
      name, help, labelNames: ['where'], registers,
      collect() {
        const all = read();
        this.set({ where: 'memory' }, all.reduce((n, g) => n + g.memoryBytes, 0));
        this.set({ where: 'disk' }, all.reduce((n, g) => n + g.diskBytes, 0));
      },
    });
    bodies('convene_http_body_bytes_in_flight', 'Request bodies being received, bytes', () => [sources.httpBodies()]);
    bodies('convene_smtp_body_bytes_in_flight', 'Inbound messages being received, bytes', () => this.smtpGauges.map(g => g()));
    // -1 on all three when the store failed: a scrape still answers, and an alert on < 0 sees it.
    const queue = (): Promise<OutboundQueueStats | undefined> =>
      (this.queue ??= sources.store.outboundQueueStats().catch(() => undefined));
    new Gauge({
      name: 'convene_outbound_queue_depth', help: 'Outbound messages waiting for delivery (queued or being sent); -1 when the store failed', registers,
      async collect() { this.set((await queue())?.waiting ?? -1); },
    });
    new Gauge({
      name: 'convene_outbound_oldest_age_seconds',
      help: 'Age of the oldest outbound message still waiting for delivery; 0 when none waits, -1 when the store failed', registers,
      async collect() {
        const q = await queue();
        this.set(q === undefined ? -1 : q.oldestQueuedAt === undefined ? 0 : Math.max(0, (Date.now() - q.oldestQueuedAt) / 1000));
      },
    });
    new Gauge({
      name: 'convene_outbound_overdue_seconds',
      help: 'How long the earliest queued outbound message is past due (a stuck queue grows it); 0 when none is overdue, -1 when the store failed',
      registers,
      async collect() {
        const q = await queue();
        this.set(q === undefined ? -1 : Math.max(0, (Date.now() - (q.nextDueAt ?? Infinity)) / 1000));
      },
    });
    new Gauge({
      name: 'convene_store_probe_seconds', help: 'Time of one trivial store read at scrape time; -1 when it failed', registers,
      async collect() { this.set(await probeStore(sources.store).catch(() => -1)); },
    });
  }

  /** One finished HTTP request; `command` is the EAS Cmd or the endpoint's name, never user input unchecked. */
  request(command: string, status: number, seconds: number): void {
    this.requests.inc({ command, status: String(status) });
    this.latency.observe({ command }, seconds);
  }

  authFailure(endpoint: string): void {
    this.authFailures.inc({ endpoint });
  }

  /** A request refused unchecked by the logon throttle (docs/limits.md, Throttling). */
  authThrottle(endpoint: string, scope: string): void {
    this.authThrottled.inc({ endpoint, scope });
  }

  authLock(scope: string): void {
    this.authLocks.inc({ scope });
  }

  inboundResult(result: InboundResult): void {
    this.inbound.inc({ result });
  }

  /** An SMTP listener whose in-flight messages this registry reports. */
  watchSmtp(inFlight: () => SpoolGauge): void {
    this.smtpGauges.push(inFlight);
  }

  async text(): Promise<string> {
    this.queue = undefined;
    try {
      return await this.registry.metrics();
    } finally {
      this.queue = undefined;
    }
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
