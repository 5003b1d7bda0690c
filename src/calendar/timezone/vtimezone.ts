// VTIMEZONE (RFC 5545 3.6.5) ⇄ IANA zone: written from the zone's blob rules so that ical.js can
// do local-time math, registered with ical.js, and resolved back to a zone when one comes in.
import ICAL from 'ical.js';
import type { SystemTime, TimeZoneInfo } from './blob.js';
import { ianaFromTimeZoneInfo, WINDOWS_PRIMARY } from './blobToIana.js';
import { TimeZoneError } from './errors.js';
import { ruleInstant, utcMs } from './gregorian.js';
import { rulesFor, timeZoneInfoForIana } from './ianaToBlob.js';
import { blobOffsets, type Timeline, timelineFrom, yearWindow } from './timeline.js';
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

/** The ical.js zone for `zone`, registered with ICAL.TimezoneService on first use (with the rules
 *  of the `year` it was first asked for; later years reuse them). */
export function registerTimezone(zone: string, year: number): ICAL.Timezone {
  if (canonicalZone(zone) === 'UTC') return ICAL.Timezone.utcTimezone;
  if (ICAL.TimezoneService.has(zone)) return ICAL.TimezoneService.get(zone);
  const component = new ICAL.Component(ICAL.parse(vtimezoneFor(zone, year)));
  const tz = new ICAL.Timezone({ component, tzid: zone });
  ICAL.TimezoneService.register(tz);
  return tz;
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

/** The year of a VTIMEZONE as ical.js expands it (its `changes` are UTC instants). */
function vtimezoneTimeline(component: ICAL.Component, year: number): Timeline {
  // ical.js rewrites UTC UNTILs of the component it expands: work on a copy.
  const copy = new ICAL.Component(structuredClone(component.toJSON()));
  const tz = new ICAL.Timezone({ component: copy, tzid: 'x-convene-probe' });
  tz.utcOffset(ICAL.Time.fromData({ year, month: 6, day: 1, hour: 0, minute: 0, second: 0 })); // expands through year + 5
  const raw = (tz.changes as { year: number; month: number; day: number; hour: number; minute: number; second: number; utcOffset: number; prevUtcOffset: number }[]);
  if (!raw.length) throw new TimeZoneError('TZ_INVALID', 'VTIMEZONE has no usable STANDARD/DAYLIGHT observance');
  const events = raw.map(c => ({ at: utcMs(c.year, c.month, c.day, c.hour, c.minute, c.second), offset: Math.round(c.utcOffset / 60) }));
  const { start, end } = yearWindow(year);
  return timelineFrom(start, end, events, Math.round(raw[0]!.prevUtcOffset / 60));
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
