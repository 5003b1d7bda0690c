// The scheduling decision trace (src/scheduling/README.md, "The decision trace"): the engine notes
// each decision as it takes it — which edit arrived from where, what the planner compared, which
// messages went to whom or why none, which answers it applied or refused and why — and the notes
// are written with the change they explain, in one multi-row INSERT inside the same transaction. So
// the console's meeting trace is what happened, not a reconstruction; a rolled-back run leaves none.
import type { Store } from '../store/Store.js';
import type { NewTraceRow, TraceNote, TraceSource } from '../store/traceTypes.js';

export type { NewTraceRow, TraceNote, TraceRow, TraceSource, TraceStep } from '../store/traceTypes.js';

/** What the engine writes notes into; `NO_TRACE` for callers that keep none (CLI imports, tests). */
export interface Tracer {
  note(n: TraceNote): void;
  /** Writes the notes taken so far through `store` (the caller's transaction) and forgets them. */
  flush(store: Store): Promise<void>;
}

export const NO_TRACE: Tracer = { note() {}, async flush() {} };

/** Notes of one engine run, kept in memory until the run's transaction writes them. */
export class TraceRecorder implements Tracer {
  private notes: NewTraceRow[] = [];
  readonly run: string;

  constructor(readonly source: TraceSource, private readonly clock: () => number = Date.now) {
    this.run = `${clock().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  }

  note(n: TraceNote): void {
    // Bounded: a run about a thousand attendees still writes at most MAX_NOTES rows.
    if (this.notes.length < MAX_NOTES) this.notes.push({ ...n, run: this.run, at: this.clock(), source: this.source });
  }

  async flush(store: Store): Promise<void> {
    const rows = this.notes;
    this.notes = [];
    if (rows.length) await store.addSchedulingTrace(rows);
  }

  /** Forgets what was noted: a transaction that runs again (PostgreSQL retries) notes afresh. */
  reset(): void {
    this.notes = [];
  }
}

/** The most notes one run keeps (a meeting with many attendees, a REPLY with many occurrences). */
export const MAX_NOTES = 500;

/**
 * Runs `fn` in a transaction of `store` and writes the tracer's notes at its end, in it. A run the
 * database retries starts with no notes, so each committed run is written once.
 */
export async function traced<T>(store: Store, tracer: Tracer, fn: (tx: Store) => Promise<T>): Promise<T> {
  return store.transaction(async tx => {
    if (tracer instanceof TraceRecorder) tracer.reset();
    const result = await fn(tx);
    await tracer.flush(tx);
    return result;
  });
}

/** How a source reads in one line: "EAS 16.1 Sync from iPhone ABC123 (alice@example.org)". */
export function describeSource(s: TraceSource): string {
  switch (s.via) {
    case 'eas': return `EAS ${s.protocol} ${s.command} from ${s.deviceType} ${s.deviceId} (${s.account})`;
    case 'caldav': return `CalDAV (${s.account})`;
    case 'imip': return `iMIP mail from ${s.from ?? '(no From)'}, MAIL FROM ${s.envelopeFrom || '<>'} (${s.auth})`;
    case 'sendmail': return `iTIP mail sent by ${s.account}'s device${s.deviceId ? ` ${s.deviceId}` : ''}`;
    case 'server': return s.what;
  }
}

/** "the series" or "the occurrence of 2026-12-10 09:00 UTC". */
export function scopeLabel(recurrenceId: number | undefined): string {
  return recurrenceId === undefined ? 'the series' : `the occurrence of ${new Date(recurrenceId).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** The source of an EAS device's request. */
export function easSource(account: string, device: { deviceId: string; deviceType: string; protocolVersion: string }, command: string): TraceSource {
  return { via: 'eas', account, deviceId: device.deviceId, deviceType: device.deviceType, protocol: device.protocolVersion, command };
}
