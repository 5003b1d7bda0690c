// VTIMEZONE (RFC 5545 3.6.5) ⇄ IANA zone: written from the zone's blob rules so that ical.js can
// do local-time math, registered with ical.js, and resolved back to a zone when one comes in.
import ICAL from 'ical.js';
import type { SystemTime, TimeZoneInfo } from './blob.js';
import { ianaFromTimeZoneInfo, WINDOWS_PRIMARY } from './blobToIana.js';
import { TimeZoneError } from './errors.js';
import { ruleInstant, utcMs } from './gregorian.js';
import { rulesFor, timeZoneInfoForIana } from './ianaToBlob.js';
import { blobOffsets, type Timeline, timelineFrom, yearWindow } from './timeline.js';
import { HORIZON_YEAR } from '../recurrence/expand.js';
import { observanceOnsets } from './observances.js';
import { canonicalZone, utcToLocal } from './zones.js';

const BYDAY = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

function icalOffset(minutes: number): string {
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function icalLocal(local: number): string {
  return new Date(local).toISOString().slice(0, 19).replace(/[-:]/g, '');
}

/** One observance: DTSTART is the rule's first onset in `base` in TZOFFSETFROM local time. */
function observance(kind: 'STANDARD' | 'DAYLIGHT', st: SystemTime, from: number, to: number, base: number): string[] {
  const week = st.day === 5 ? -1 : st.day;
  return [
    `BEGIN:${kind}`, `DTSTART:${icalLocal(ruleInstant(st, base, 0)!)}`, `TZOFFSETFROM:${icalOffset(from)}`, `TZOFFSETTO:${icalOffset(to)}`,
    `RRULE:FREQ=YEARLY;BYMONTH=${st.month};BYDAY=${week}${BYDAY[st.dayOfWeek]}`, `END:${kind}`,
  ];
}

/**
 * A VTIMEZONE for `zone` with the rules it has in `year` (the same rules as its blob), recurring
 * from 1970 (or the year before `year`, if earlier) so that ical.js can do local-time math.
 */
export function vtimezoneFor(zone: string, year: number): string {
  const info = timeZoneInfoForIana(zone, year);
  const { std, dst, hasDst } = blobOffsets(info);
  const base = Math.min(1970, year - 1);
  const body = hasDst
    ? [...observance('STANDARD', info.standardDate, dst, std, base), ...observance('DAYLIGHT', info.daylightDate, std, dst, base)]
    : ['BEGIN:STANDARD', `DTSTART:${base}0101T000000`, `TZOFFSETFROM:${icalOffset(std)}`, `TZOFFSETTO:${icalOffset(std)}`, 'END:STANDARD'];
  return [`BEGIN:VTIMEZONE`, `TZID:${zone}`, ...body, 'END:VTIMEZONE', ''].join('\r\n');
}

/**
 * The ical.js zone for `zone`, registered with ICAL.TimezoneService on first use, with the rules of
 * the `year` it was first asked for (clamped to 1970 … HORIZON_YEAR − 1, so that an event in
 * year 1 cannot give a zone its local mean time for everyone); later years reuse them.
 */
export function registerTimezone(zone: string, year: number): ICAL.Timezone {
  if (canonicalZone(zone) === 'UTC') return ICAL.Timezone.utcTimezone;
  if (ICAL.TimezoneService.has(zone)) return ICAL.TimezoneService.get(zone);
  const component = new ICAL.Component(ICAL.parse(registeredVtimezone(zone, Math.min(Math.max(year, 1970), HORIZON_YEAR - 1))));
  const tz = new ICAL.Timezone({ component, tzid: zone });
  // ical.js expands a zone from its first onset again (appending) each time a later year than it
  // covers is asked: cover every year up to the horizon now, once.
  tz.utcOffset(ICAL.Time.fromData({ year: HORIZON_YEAR, month: 1, day: 1 }));
  ICAL.TimezoneService.register(tz);
  return tz;
}

/** vtimezoneFor's zone with each observance's onsets up to HORIZON_YEAR as RDATEs (one per
 *  property: ical.js reads only the first value of each), which ical.js reads without stepping a
 *  rule iterator through every year. */
function registeredVtimezone(zone: string, year: number): string {
  const info = timeZoneInfoForIana(zone, year);
  const { std, dst, hasDst } = blobOffsets(info);
  if (!hasDst) return vtimezoneFor(zone, year);
  const observance = (kind: string, st: SystemTime, from: number, to: number) => {
    const onsets: string[] = [];
    for (let y = Math.min(1970, year - 1); y < HORIZON_YEAR; y++) {
      const at = ruleInstant(st, y, 0);
      if (at !== undefined) onsets.push(icalLocal(at));
    }
    return [`BEGIN:${kind}`, `DTSTART:${onsets[0]}`, `TZOFFSETFROM:${icalOffset(from)}`, `TZOFFSETTO:${icalOffset(to)}`, ...onsets.map(at => `RDATE:${at}`), `END:${kind}`];
  };
  const body = [...observance('STANDARD', info.standardDate, dst, std), ...observance('DAYLIGHT', info.daylightDate, std, dst)];
  if (body.some(line => line === 'DTSTART:undefined')) return vtimezoneFor(zone, year);
  return ['BEGIN:VTIMEZONE', `TZID:${zone}`, ...body, 'END:VTIMEZONE', ''].join('\r\n');
}

/**
 * An instant as an ical.js time in `zone`. Use this, not `utcTime.convertToZone(tz)`: ical.js
 * looks the offset up with the UTC wall time as if it were local, so for |offset| hours next to
 * each transition it picks the wrong side (kewisch/ical.js#847). The wall time is exact; but an
 * ICAL.Time cannot name the first occurrence of a repeated hour, and ical.js reads such a time back
 * (toUnixTime) as the second occurrence.
 */
export function icalTimeFromUtc(ms: number, zone: string): ICAL.Time {
  const wall = utcToLocal(zone, ms);
  return ICAL.Time.fromData({ ...wall, isDate: false }, registerTimezone(zone, wall.year));
}

/** A TZID that names an IANA zone, possibly behind a vendor prefix ("/mozilla.org/…/Europe/Paris"). */
function zoneFromTzid(tzid: string): string | undefined {
  const parts = tzid.split('/').filter(Boolean);
  for (const n of [parts.length, 3, 2]) {
    const candidate = parts.slice(-n).join('/');
    if (n <= parts.length && /^[A-Za-z]/.test(candidate)) {
      const zone = canonicalZone(candidate);
      if (zone) return zone;
    }
  }
  return undefined;
}

/** The year of a VTIMEZONE from its observances' onsets (bounded work: observances.ts). */
function vtimezoneTimeline(component: ICAL.Component, year: number): Timeline {
  const onsets = observanceOnsets(component, year).sort((a, b) => a.at - b.at);
  if (!onsets.length) throw new TimeZoneError('TZ_INVALID', 'VTIMEZONE has no usable STANDARD/DAYLIGHT observance');
  const { start, end } = yearWindow(year);
  return timelineFrom(start, end, onsets.map(o => ({ at: o.at, offset: o.offset })), onsets[0]!.from);
}

/** A VTIMEZONE's rules for `year` as the blob that describes them best. */
export function timeZoneInfoFromVtimezone(component: ICAL.Component, year: number): TimeZoneInfo {
  return { ...rulesFor(vtimezoneTimeline(component, year), year), standardName: '', daylightName: '' };
}

/**
 * The IANA zone for an incoming VTIMEZONE: its TZID when that is an IANA name; else a Windows
 * zone name (Outlook: "Pacific Standard Time"); else the zone whose rules match in `year`.
 */
export function zoneFromVtimezone(component: ICAL.Component, year: number): string {
  const vtimezone = component.name === 'vtimezone' ? component : component.getFirstSubcomponent('vtimezone');
  if (!vtimezone) throw new TimeZoneError('TZ_INVALID', 'No VTIMEZONE component');
  const tzid = String(vtimezone.getFirstPropertyValue('tzid') ?? '').trim();
  const named = zoneFromTzid(tzid);
  if (named) return named;
  if (!vtimezone.getAllSubcomponents().length && WINDOWS_PRIMARY.has(tzid.toLowerCase())) return WINDOWS_PRIMARY.get(tzid.toLowerCase())!;
  return ianaFromTimeZoneInfo({ ...timeZoneInfoFromVtimezone(vtimezone, year), standardName: tzid }, year);
}
