// The one error type of the recurrence modules, with stable codes; docs/calendar-recurrence.md
// says how each caller answers them (sync: per-item Status 6; iCalendar import: a single event).

/**
 * RECURRENCE_INVALID: a value no calendar can mean (Type 4, Interval 0, 31 February …).
 * RECURRENCE_UNSUPPORTED: meaningful, but Convene cannot compute it (FREQ=HOURLY, lunar months).
 * RECURRENCE_LIMIT: an expansion needed more than MAX_ITERATIONS steps.
 */
export type RecurrenceErrorCode = 'RECURRENCE_INVALID' | 'RECURRENCE_UNSUPPORTED' | 'RECURRENCE_LIMIT';

export class RecurrenceError extends Error {
  constructor(readonly code: RecurrenceErrorCode, message: string) {
    super(message);
    this.name = 'RecurrenceError';
  }
}

export const invalid = (message: string) => new RecurrenceError('RECURRENCE_INVALID', message);
export const unsupported = (message: string) => new RecurrenceError('RECURRENCE_UNSUPPORTED', message);
