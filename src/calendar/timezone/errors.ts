// The one error type of the time-zone modules; the sync layer answers it like CalendarError
// (per-item Status 6, MS-ASCMD 2.2.3.177.17).

export type TimeZoneErrorCode = 'TZ_TRUNCATED' | 'TZ_INVALID';

export class TimeZoneError extends Error {
  constructor(readonly code: TimeZoneErrorCode, message: string) {
    super(message);
    this.name = 'TimeZoneError';
  }
}
