// Whether an event meets a time range (RFC 4791 9.9, the VEVENT rows): a single event by its own
// times, a series by any occurrence that is not deleted, moved ones where they moved to. A series
// that cannot be expanded meets every range.
import { exceptionAt, occurrenceEvent } from './exceptions.js';
import type { CalendarEvent } from './model.js';
import { occurrenceStarts, type ZoneLookup } from './recurrence.js';

export interface TimeRange {
  from: number;
  to: number;
}

export function meetsTimeRange(event: CalendarEvent, range: TimeRange, zoneLookup: ZoneLookup): boolean {
  if (!event.recurrence) return overlaps(event, range);
  // An occurrence that starts before the range may still reach into it: look back one duration.
  const lookBack = { from: range.from - Math.max(0, event.end - event.start), to: range.to };
  let starts: number[];
  try {
    starts = occurrenceStarts({ ...event, exceptions: undefined }, lookBack, zoneLookup);
  } catch {
    // A series that cannot be expanded is kept in: a client filters again rather than miss it.
    return true;
  }
  const originals = new Set(starts);
  for (const x of event.exceptions ?? []) originals.add(x.originalStart);
  for (const originalStart of originals) {
    if (exceptionAt(event, originalStart)?.deleted) continue;
    if (overlaps(occurrenceEvent(event, originalStart), range)) return true;
  }
  return false;
}

/** RFC 4791 9.9: start < range end, and end > range start (an instant: start within the range). */
function overlaps(e: Pick<CalendarEvent, 'start' | 'end'>, r: TimeRange): boolean {
  if (e.end <= e.start) return e.start >= r.from && e.start < r.to;
  return e.start < r.to && e.end > r.from;
}
