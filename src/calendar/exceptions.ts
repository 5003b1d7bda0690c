// Exceptions of a series are keyed by the occurrence's original start and kept in date order.
import type { CalendarEvent, Exception } from './model.js';

export function exceptionAt(event: CalendarEvent, originalStart: number): Exception | undefined {
  return event.exceptions?.find(x => x.originalStart === originalStart);
}

/** The event with `exception` in place of any other for the same occurrence. */
export function withException(event: CalendarEvent, exception: Exception): CalendarEvent {
  const others = (event.exceptions ?? []).filter(x => x.originalStart !== exception.originalStart);
  return { ...event, exceptions: [...others, exception].sort((a, b) => a.originalStart - b.originalStart) };
}
