// Time zones for calendar items; this file only re-exports timezone/ (docs/calendar-timezones.md):
// blob.ts codec, zones.ts Intl, timeline.ts, ianaToBlob.ts, blobToIana.ts, vtimezone.ts, easDateTime.ts.
export {
  decodeTimeZoneBlob, encodeTimeZoneBlob, type SystemTime, type TimeZoneInfo,
} from './timezone/blob.js';
export { ianaFromTimeZoneInfo } from './timezone/blobToIana.js';
export { formatCompact, formatExtended, parseEasDateTime } from './timezone/easDateTime.js';
export { TimeZoneError, type TimeZoneErrorCode } from './timezone/errors.js';
export { timeZoneInfoForIana } from './timezone/ianaToBlob.js';
export {
  icalTimeFromUtc, registerTimezone, timeZoneInfoFromVtimezone, vtimezoneFor, zoneFromVtimezone,
} from './timezone/vtimezone.js';
export {
  canonicalZone, type Disambiguation, localToUtc, utcToLocal, type WallTime, zoneOffset,
} from './timezone/zones.js';
