// Bad calendar input, by kind. The sync layer answers any of them with the per-item Status 6
// (MS-ASCMD 2.2.3.177.17: error in client/server conversion) and stores nothing.
export type CalendarErrorCode = 'CALENDAR_INVALID' | 'ICS_INVALID';

export class CalendarError extends Error {
  constructor(readonly code: CalendarErrorCode, message: string) {
    super(message);
    this.name = 'CalendarError';
  }
}
