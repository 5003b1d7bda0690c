// When an event leaves a FilterType window: the end of its last occurrence (null: never, for an
// endless series or one that cannot be expanded).
import type { CalendarEvent } from './model.js';
import { occurrenceStarts, seriesEnd } from './recurrence.js';
import { registerTimezone } from './timezone.js';

export const zoneLookup = (zone: string) => registerTimezone(zone, new Date().getUTCFullYear());

export function eventFilterTime(event: CalendarEvent): number | null {
  if (!event.recurrence) return event.end;
  try {
    return seriesEnd(event, zoneLookup);
  } catch {
    return null;
  }
}

/**
 * Whether `at` is an original start of the series (RFC 5545 3.8.4.4 RECURRENCE-ID): one its rule
 * makes, or one an exception moved or removed. Never of an event that does not recur.
 */
export function isOriginalStart(event: CalendarEvent, at: number): boolean {
  if (!event.recurrence) return false;
  if (event.exceptions?.some(x => x.originalStart === at)) return true;
  return occurrenceStarts({ ...event, exceptions: undefined }, { from: at - 1, to: at + 1 }, zoneLookup).includes(at);
}
