// MS-ASDTYPE 2.7.6 TimeZone: the Windows TIME_ZONE_INFORMATION that EAS sends base64 in
// Timezone (MS-ASCAL 2.2.2.44, MS-ASEMAIL 2.2.2.78), SYSTEMTIME per MS-DTYP 2.3.13. Codec and
// validation only; Bias is minutes WEST of UTC (UTC = local + Bias), unlike the other modules.
import { TimeZoneError } from './errors.js';
import { daysInMonth } from './gregorian.js';

/** MS-DTYP 2.3.13 SYSTEMTIME. In a TIME_ZONE_INFORMATION with year 0 it is a yearly rule: the
 *  `day`-th (1–5, 5 = last) `dayOfWeek` (0 = Sunday) of `month`, at the local time given. */
export interface SystemTime {
  year: number; month: number; dayOfWeek: number; day: number;
  hour: number; minute: number; second: number; milliseconds: number;
}

/** MS-ASDTYPE 2.7.6 TimeZone (Windows TIME_ZONE_INFORMATION), 172 bytes little-endian. */
export interface TimeZoneInfo {
  /** Minutes; UTC = local + bias (UTC−8 → 480). */
  bias: number;
  standardName: string;
  /** When daylight time ends, in daylight local time; month 0 = no DST. */
  standardDate: SystemTime;
  standardBias: number;
  daylightName: string;
  /** When daylight time starts, in standard local time; month 0 = no DST. */
  daylightDate: SystemTime;
  /** Added to bias during daylight time (usually −60). */
  daylightBias: number;
}

export const ZERO_TIME: SystemTime = { year: 0, month: 0, dayOfWeek: 0, day: 0, hour: 0, minute: 0, second: 0, milliseconds: 0 };

const BLOB_BYTES = 172;
const NAME_UNITS = 32;
const AT = { bias: 0, standardName: 4, standardDate: 68, standardBias: 84, daylightName: 88, daylightDate: 152, daylightBias: 168 } as const;
const SYSTEMTIME_FIELDS = ['year', 'month', 'dayOfWeek', 'day', 'hour', 'minute', 'second', 'milliseconds'] as const;

export function decodeTimeZoneBlob(base64: string): TimeZoneInfo {
  const bytes = base64Bytes(base64);
  if (bytes.length < BLOB_BYTES) throw new TimeZoneError('TZ_TRUNCATED', `Timezone blob has ${bytes.length} bytes, not ${BLOB_BYTES}`);
  if (bytes.length > BLOB_BYTES) throw new TimeZoneError('TZ_INVALID', `Timezone blob has ${bytes.length} bytes, not ${BLOB_BYTES}`);
  const info: TimeZoneInfo = {
    bias: bytes.readInt32LE(AT.bias),
    standardName: readName(bytes, AT.standardName),
    standardDate: readSystemTime(bytes, AT.standardDate),
    standardBias: bytes.readInt32LE(AT.standardBias),
    daylightName: readName(bytes, AT.daylightName),
    daylightDate: readSystemTime(bytes, AT.daylightDate),
    daylightBias: bytes.readInt32LE(AT.daylightBias),
  };
  validateInfo(info);
  return info;
}

export function encodeTimeZoneBlob(info: TimeZoneInfo): string {
  validateInfo(info);
  const bytes = Buffer.alloc(BLOB_BYTES);
  bytes.writeInt32LE(info.bias, AT.bias);
  writeName(bytes, AT.standardName, info.standardName);
  writeSystemTime(bytes, AT.standardDate, info.standardDate);
  bytes.writeInt32LE(info.standardBias, AT.standardBias);
  writeName(bytes, AT.daylightName, info.daylightName);
  writeSystemTime(bytes, AT.daylightDate, info.daylightDate);
  bytes.writeInt32LE(info.daylightBias, AT.daylightBias);
  return bytes.toString('base64');
}

function base64Bytes(text: string): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) throw new TimeZoneError('TZ_INVALID', 'Timezone blob is not base64');
  return Buffer.from(clean, 'base64');
}

/** 32 UTF-16LE units, NUL-padded (MS-ASDTYPE 2.7.6); the name ends at the first NUL. */
function readName(bytes: Buffer, at: number): string {
  const units = bytes.subarray(at, at + NAME_UNITS * 2).toString('utf16le');
  const nul = units.indexOf('\0');
  return nul < 0 ? units : units.slice(0, nul);
}

function writeName(bytes: Buffer, at: number, name: string): void {
  if (name.length > NAME_UNITS) throw new TimeZoneError('TZ_INVALID', `Time zone name longer than ${NAME_UNITS} UTF-16 units: ${name}`);
  bytes.write(name, at, 'utf16le');
}

function readSystemTime(bytes: Buffer, at: number): SystemTime {
  const st = { ...ZERO_TIME };
  SYSTEMTIME_FIELDS.forEach((field, i) => { st[field] = bytes.readUInt16LE(at + i * 2); });
  return st;
}

function writeSystemTime(bytes: Buffer, at: number, st: SystemTime): void {
  SYSTEMTIME_FIELDS.forEach((field, i) => bytes.writeUInt16LE(st[field], at + i * 2));
}

function validateInfo(info: TimeZoneInfo): void {
  for (const field of ['bias', 'standardBias', 'daylightBias'] as const) {
    const v = info[field];
    if (!Number.isInteger(v) || Math.abs(v) > 24 * 60) invalid(`${field} ${v} is not a whole number of minutes within a day`);
  }
  validateSystemTime(info.standardDate, 'StandardDate');
  validateSystemTime(info.daylightDate, 'DaylightDate');
  // TIME_ZONE_INFORMATION: a zone with DST gives both dates; one without gives neither (month 0).
  if ((info.standardDate.month === 0) !== (info.daylightDate.month === 0)) invalid('only one of StandardDate/DaylightDate is set');
}

function validateSystemTime(st: SystemTime, which: string): void {
  for (const field of SYSTEMTIME_FIELDS) {
    const v = st[field];
    if (!Number.isInteger(v) || v < 0 || v > 0xffff) invalid(`${which}.${field} ${v} is not a WORD`);
  }
  if (st.month === 0) return; // no transition: the other fields are not used
  if (st.month > 12) invalid(`${which} month ${st.month}`);
  if (st.dayOfWeek > 6) invalid(`${which} day of week ${st.dayOfWeek}`);
  if (st.hour > 23 || st.minute > 59 || st.second > 59 || st.milliseconds > 999) invalid(`${which} time of day`);
  const lastDay = st.year === 0 ? 5 : daysInMonth(st.year, st.month); // yearly rule: week 1–5; absolute: a date
  if (st.day < 1 || st.day > lastDay) invalid(`${which} day ${st.day}`);
}

function invalid(message: string): never {
  throw new TimeZoneError('TZ_INVALID', `Timezone blob: ${message}`);
}
