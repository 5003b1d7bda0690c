// What a calendar conversion threw, as one comparable string: the typed errors by class and code,
// anything else marked untyped (which the hostile-input tests treat as a failure).
import { CalendarError } from '../../src/calendar/errors.js';
import { RecurrenceError } from '../../src/calendar/recurrence.js';
import { TimeZoneError } from '../../src/calendar/timezone.js';

export function errorKind(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (e instanceof CalendarError) return `CalendarError ${e.code}`;
    if (e instanceof RecurrenceError) return `RecurrenceError ${e.code}`;
    if (e instanceof TimeZoneError) return `TimeZoneError ${e.code}`;
    return `untyped ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`;
  }
}
