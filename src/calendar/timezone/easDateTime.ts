// The EAS date-time strings: MS-ASDTYPE 2.7.2 Compact DateTime and 2.3 dateTime, always UTC.
import { TimeZoneError } from './errors.js';
import { daysInMonth, MINUTE, utcMs } from './gregorian.js';

function isoOf(ms: number): string {
  if (!Number.isFinite(ms) || ms < utcMs(0, 1, 1) || ms >= utcMs(10000, 1, 1)) throw new TimeZoneError('TZ_INVALID', `Not a representable instant: ${ms}`);
  return new Date(ms).toISOString();
}

/** MS-ASDTYPE 2.7.2: `YYYYMMDDTHHMMSSZ` (sub-second part dropped). */
export function formatCompact(ms: number): string {
  const iso = isoOf(ms);
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
}

/** MS-ASDTYPE 2.3: `YYYY-MM-DDTHH:MM:SS.MSSZ` (milliseconds as given; .000 for whole seconds). */
export function formatExtended(ms: number): string {
  return isoOf(ms);
}

const DATE_TIME = /^(\d{4})-?(\d{2})-?(\d{2})T(\d{2}):?(\d{2})(?::?(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;

/** Either EAS form, the mixed form some examples use (20090907T07:00:00.000Z), or ISO 8601 with
 *  an offset. A time without Z or an offset is refused: EAS times are UTC. */
export function parseEasDateTime(text: string): number {
  const m = DATE_TIME.exec(text.trim());
  if (!m) throw new TimeZoneError('TZ_INVALID', `Not an EAS date-time: ${text}`);
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(v => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').slice(0, 3).padEnd(3, '0'));
  const midnight24 = hour === 24 && minute === 0 && second === 0 && ms === 0; // MS-ASDTYPE 2.3 allows hour 24
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || (hour > 23 && !midnight24) || minute > 59 || second > 59) {
    throw new TimeZoneError('TZ_INVALID', `Not an EAS date-time: ${text}`);
  }
  const instant = utcMs(year, month, day, hour, minute, second, ms) - zoneDesignatorMinutes(m[8]!) * MINUTE;
  // Hour 24 of 9999-12-31, or an offset, can land outside the four-digit years both forms write.
  isoOf(instant);
  return instant;
}

function zoneDesignatorMinutes(designator: string): number {
  if (designator.toUpperCase() === 'Z') return 0;
  const digits = designator.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return designator.startsWith('-') ? -minutes : minutes;
}
