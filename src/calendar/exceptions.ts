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

/**
 * One occurrence of a series as a single event: the series' values, what its exception overrides,
 * its own start and end (the series' duration unless the exception says otherwise).
 */
export function occurrenceEvent(event: CalendarEvent, originalStart: number): CalendarEvent {
  const x = exceptionAt(event, originalStart);
  const { recurrence: _r, exceptions: _x, ...series } = event;
  const overrides = Object.fromEntries(Object.entries(x?.overrides ?? {}).filter(([, v]) => v !== undefined));
  const start = x?.overrides.start ?? originalStart;
  return { ...series, ...overrides, start, end: x?.overrides.end ?? start + (event.end - event.start) };
}
