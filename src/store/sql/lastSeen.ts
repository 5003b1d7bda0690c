// When each device was last seen: bookkeeping, not a change a device made, so it is not worth a
// disk-flushed commit per request (an idle phone polls every few minutes). A node keeps the newest
// sighting per device in memory and writes them in one transaction at most every `everyMs` (and on
// close), so the stored value is at most that stale; what this node lists is exact (docs/performance.md).
import type { SqlDriver } from './driver.js';

/** How often a node writes its devices' last sightings: the staleness `convene device list` may show. */
export const LAST_SEEN_FLUSH_MS = 60_000;
const CHUNK = 500;

export class Sightings {
  /** devicePk → the newest sighting not yet written (ms). */
  private readonly pending = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly db: SqlDriver, private readonly everyMs = LAST_SEEN_FLUSH_MS) {}

  note(devicePk: number, at: number): void {
    this.pending.set(devicePk, Math.max(at, this.pending.get(devicePk) ?? 0));
    // One timer per period, never kept alive for: a node that stops flushes on close.
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush().catch(() => undefined);
    }, this.everyMs).unref();
  }

  /** The sighting this node has not written yet, if any. */
  unwritten(devicePk: number): number | undefined {
    return this.pending.get(devicePk);
  }

  /** Writes what is pending; one flush at a time. A failed write keeps its sightings for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.write(), () => this.write());
    return this.flushing;
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending];
    this.pending.clear();
    try {
      await this.db.transaction(async tx => {
        for (let i = 0; i < batch.length; i += CHUNK) await writeChunk(tx, batch.slice(i, i + CHUNK));
      });
    } catch (e) {
      for (const [pk, at] of batch) this.pending.set(pk, Math.max(at, this.pending.get(pk) ?? 0));
      throw e;
    }
  }
}

/** One statement per chunk; a sighting never moves last_seen back (another node may have seen it later). */
async function writeChunk(db: SqlDriver, chunk: [devicePk: number, at: number][]): Promise<void> {
  const greatest = db.dialect === 'postgres' ? 'GREATEST' : 'max';
  await db.run(
    `UPDATE devices SET last_seen = ${greatest}(last_seen, CASE id ${chunk.map(() => 'WHEN ? THEN CAST(? AS BIGINT)').join(' ')} END)
     WHERE id IN (${chunk.map(() => '?').join(', ')})`,
    [...chunk.flat(), ...chunk.map(([pk]) => pk)]);
}
