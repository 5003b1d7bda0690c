// A zone's year as a timeline of offsets (from Intl, or from a blob's yearly rules), and the
// distance ∫|Δoffset| dt between two: how blob ⇄ IANA choose the closest form.
import type { TimeZoneInfo } from './blob.js';
import { DAY, MINUTE, ruleInstant, utcMs } from './gregorian.js';
import { zoneOffset } from './zones.js';

export interface Change { at: number; offset: number }
/** The offsets over [start, end): `initial`, then each change in order. */
export interface Timeline { start: number; end: number; initial: number; changes: Change[] }

export function yearWindow(year: number): { start: number; end: number } {
  return { start: utcMs(year, 1, 1), end: utcMs(year + 1, 1, 1) };
}

export function offsetIn(t: Timeline, ms: number): number {
  let offset = t.initial;
  for (const c of t.changes) if (c.at <= ms) offset = c.offset;
  return offset;
}

export function offsetsOf(t: Timeline): Set<number> {
  return new Set([t.initial, ...t.changes.map(c => c.offset)]);
}

/** ∫ |a − b| dt over the year, in minute·minutes: 0 exactly when the two agree at every instant. */
export function distance(a: Timeline, b: Timeline): number {
  let t = a.start, oa = a.initial, ob = b.initial, i = 0, j = 0, sum = 0;
  for (;;) {
    const na = a.changes[i]?.at ?? a.end, nb = b.changes[j]?.at ?? b.end;
    const next = Math.min(na, nb, a.end);
    sum += Math.abs(oa - ob) * ((next - t) / MINUTE);
    if (next >= a.end) return sum;
    t = next;
    if (na === next) oa = a.changes[i++]!.offset;
    if (nb === next) ob = b.changes[j++]!.offset;
  }
}

/** Builds a timeline from transition events (any years), skipping ones that change nothing. */
export function timelineFrom(start: number, end: number, events: Change[], before: number): Timeline {
  events.sort((a, b) => a.at - b.at);
  let initial = before;
  const changes: Change[] = [];
  for (const e of events) {
    if (e.at <= start) initial = e.offset;
    else if (e.at < end && e.offset !== (changes[changes.length - 1]?.offset ?? initial)) changes.push(e);
  }
  return { start, end, initial, changes };
}

const zoneTimelines = new Map<string, Timeline>();

/** A zone's year from Intl: daily samples, each change bisected to the minute. */
export function zoneTimeline(zone: string, year: number): Timeline {
  const key = `${zone}|${year}`;
  const cached = zoneTimelines.get(key);
  if (cached) return cached;
  const { start, end } = yearWindow(year);
  const initial = zoneOffset(zone, start);
  const changes: Change[] = [];
  for (let t = start, current = initial; t < end;) {
    const next = Math.min(t + DAY, end);
    if (zoneOffset(zone, next) === current) { t = next; continue; }
    let lo = t, hi = next; // offset(lo) = current ≠ offset(hi)
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / (2 * MINUTE)) * MINUTE;
      if (zoneOffset(zone, mid) === current) lo = mid; else hi = mid;
    }
    current = zoneOffset(zone, hi);
    if (hi < end) changes.push({ at: hi, offset: current });
    t = hi;
  }
  const timeline = { start, end, initial, changes };
  if (zoneTimelines.size >= 8192) zoneTimelines.clear();
  zoneTimelines.set(key, timeline);
  return timeline;
}

export interface BlobOffsets { std: number; dst: number; hasDst: boolean }

export function blobOffsets(info: TimeZoneInfo): BlobOffsets {
  return {
    std: -(info.bias + info.standardBias),
    dst: -(info.bias + info.daylightBias),
    hasDst: info.standardDate.month !== 0 && info.daylightDate.month !== 0,
  };
}

/** What a device does with the blob in `year`: its rules applied to that year and its neighbours. */
export function infoTimeline(info: TimeZoneInfo, year: number): Timeline {
  const { start, end } = yearWindow(year);
  const { std, dst, hasDst } = blobOffsets(info);
  if (!hasDst || std === dst) return { start, end, initial: std, changes: [] };
  const events: Change[] = [];
  for (const y of [year - 1, year, year + 1]) {
    const on = ruleInstant(info.daylightDate, y, std);
    const off = ruleInstant(info.standardDate, y, dst);
    if (on !== undefined) events.push({ at: on, offset: dst });
    if (off !== undefined) events.push({ at: off, offset: std });
  }
  // Before the first event the zone is in the other state (southern zones start the year in DST).
  const first = [...events].sort((a, b) => a.at - b.at)[0];
  return timelineFrom(start, end, events, first?.offset === std ? dst : std);
}
