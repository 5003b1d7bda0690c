// RFC 5545 3.8.4.4 RECURRENCE-ID;RANGE=THISANDFUTURE: an override VEVENT that changes its occurrence
// and every later one — moved by the same difference, with the same properties. EAS has one pattern
// per item and no such range (MS-ASCAL Exceptions are single occurrences), so the change is spelled
// out as an exception of each occurrence it covers: up to the next such override, the series' end,
// or — for an endless series — THIS_AND_FUTURE_YEARS after it (docs/scheduling-interop.md).
import type { CalendarEvent, Exception } from './model.js';
import { occurrenceStarts, RecurrenceError, seriesEnd } from './recurrence.js';
import { zoneLookup } from './window.js';

export const THIS_AND_FUTURE_YEARS = 2;
/**
 * Exceptions all range overrides of one event may spell out together: each range reaches to the
 * next, so a few dozen ranges over a daily series would otherwise make tens of thousands (seconds
 * of work on one message, megabytes on the item, a Sync a phone cannot take). Two years of a daily
 * series fit; an event past this is refused like any rule past its expansion budget.
 */
export const MAX_RANGE_EXCEPTIONS = 2000;
const YEAR = 365.25 * 86_400_000;

/**
 * The event's exceptions with each range override applied to its occurrences. `single` are the
 * ordinary overrides and deleted occurrences already on `event.exceptions`; they win over a range
 * for their own occurrence (they name it exactly).
 */
export function withThisAndFuture(event: CalendarEvent, ranges: Exception[]): Exception[] {
  const single = event.exceptions ?? [];
  if (!event.recurrence || !ranges.length) return single;
  const own = new Set(single.map(x => x.originalStart));
  const sorted = [...ranges].sort((a, b) => a.originalStart - b.originalStart);
  const bare = { ...event, exceptions: undefined };
  const last = seriesEnd(bare, zoneLookup);
  const out = [...single];
  let made = 0;
  for (const [i, range] of sorted.entries()) {
    const to = sorted[i + 1]?.originalStart ?? (last === null ? range.originalStart + THIS_AND_FUTURE_YEARS * YEAR : last + 1);
    const { start, end, ...rest } = range.overrides;
    const shift = (start ?? range.originalStart) - range.originalStart;
    const duration = (end ?? (start ?? range.originalStart) + (event.end - event.start)) - (start ?? range.originalStart);
    for (const at of occurrenceStarts(bare, { from: range.originalStart, to }, zoneLookup)) {
      if (at < range.originalStart || own.has(at)) continue;
      if (++made > MAX_RANGE_EXCEPTIONS) throw new RecurrenceError('RECURRENCE_LIMIT', `RANGE=THISANDFUTURE overrides spell out more than ${MAX_RANGE_EXCEPTIONS} occurrences`);
      const overrides = { ...rest, ...(shift ? { start: at + shift } : {}), ...(shift || duration !== event.end - event.start ? { end: at + shift + duration } : {}) };
      out.push({ originalStart: at, overrides, sequence: range.sequence, dtStamp: range.dtStamp });
    }
  }
  return out.sort((a, b) => a.originalStart - b.originalStart);
}
