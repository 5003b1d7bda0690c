// When an event leaves a FilterType window: the end of its last occurrence (null: never, for an
// endless series or one that cannot be expanded).
import type { CalendarEvent } from './model.js';
import { seriesEnd } from './recurrence.js';
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
