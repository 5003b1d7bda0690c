// A device's Timezone blob (MS-ASDTYPE 2.7.6) → the IANA zone it means: the Windows name when
// its rules agree, else the best-ranked zone with the same or the nearest year.
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import type { TimeZoneInfo } from './blob.js';
import { utcMs } from './gregorian.js';
import { blobOffsets, distance, infoTimeline, offsetIn, offsetsOf, type Timeline, zoneTimeline } from './timeline.js';
import { canonicalZone, formatterFor, modernName, zoneOffset } from './zones.js';

/** Tie-breakers among zones with identical rules: the usual zone for each rule set first (so
 *  Central European rules give Europe/Berlin and +09:00 gives Tokyo, not Chita). */
const PREFERRED = [
  'UTC', 'America/Los_Angeles', 'America/Denver', 'America/Phoenix', 'America/Chicago', 'America/New_York',
  'America/Halifax', 'America/St_Johns', 'America/Anchorage', 'Pacific/Honolulu', 'America/Mexico_City',
  'America/Bogota', 'America/Caracas', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires', 'America/Santiago',
  'Europe/London', 'Europe/Berlin', 'Europe/Athens', 'Europe/Moscow', 'Europe/Istanbul', 'Africa/Lagos',
  'Africa/Johannesburg', 'Africa/Cairo', 'Africa/Nairobi', 'Asia/Jerusalem', 'Asia/Tehran', 'Asia/Dubai',
  'Asia/Karachi', 'Asia/Kolkata', 'Asia/Kathmandu', 'Asia/Dhaka', 'Asia/Bangkok', 'Asia/Shanghai',
  'Asia/Singapore', 'Asia/Tokyo', 'Asia/Seoul', 'Australia/Perth', 'Australia/Darwin', 'Australia/Brisbane',
  'Australia/Adelaide', 'Australia/Sydney', 'Pacific/Auckland',
];

interface WindowsRow { readonly windowsName: string; readonly territory: string; readonly iana: readonly string[] }
const WINDOWS_ROWS = WINDOWS_TO_IANA_MAP as readonly WindowsRow[];

/** Windows zone key (lower case) → its primary IANA zone (CLDR territory 001). */
export const WINDOWS_PRIMARY = new Map(WINDOWS_ROWS.filter(r => r.territory === '001' && r.iana[0]).map(r => [r.windowsName.toLowerCase(), modernName(r.iana[0]!)]));

let rankedZones: string[] | undefined;

/** Every zone a blob may resolve to, best first: PREFERRED, Windows primary zones (CLDR order),
 *  other zones CLDR maps to a Windows zone, the rest of ICU's list, then Etc/GMT±N. */
function zonesByPreference(): string[] {
  if (rankedZones) return rankedZones;
  // Etc/GMT±N has POSIX's inverted sign: Etc/GMT-14 is UTC+14, Etc/GMT+12 is UTC−12.
  const etc = Array.from({ length: 27 }, (_, i) => i - 14).filter(n => n !== 0).map(n => `Etc/GMT${n > 0 ? '+' : ''}${n}`);
  const all = [
    ...PREFERRED, ...WINDOWS_PRIMARY.values(),
    ...WINDOWS_ROWS.filter(r => r.territory !== '001' && r.territory !== 'ZZ').flatMap(r => r.iana.map(modernName)),
    ...Intl.supportedValuesOf('timeZone').map(modernName).sort(), ...etc,
  ];
  rankedZones = [...new Set(all)].filter(z => (z.startsWith('Etc/') && formatterFor(z)) || canonicalZone(z) === z);
  return rankedZones;
}

const probeCache = new Map<number, Map<string, string>>();

/** A zone's offsets in mid-January and mid-July: equal probes are necessary for equal years. */
function probe(t: (ms: number) => number, year: number): string {
  return `${t(utcMs(year, 1, 15, 12))},${t(utcMs(year, 7, 15, 12))}`;
}

function zoneProbes(year: number): Map<string, string> {
  let probes = probeCache.get(year);
  if (!probes) {
    probes = new Map(zonesByPreference().map(z => [z, probe(ms => zoneOffset(z, ms), year)]));
    if (probeCache.size >= 64) probeCache.clear();
    probeCache.set(year, probes);
  }
  return probes;
}

/** The best-ranked zone whose year equals the blob's, if any. */
function zoneWithSameYear(target: Timeline, year: number): string | undefined {
  const wanted = probe(ms => offsetIn(target, ms), year);
  for (const [zone, p] of zoneProbes(year)) if (p === wanted && distance(zoneTimeline(zone, year), target) === 0) return zone;
  return undefined;
}

/** The zone nearest the blob (least ∫|Δoffset|), among zones sharing one of its offsets if any. */
function nearestZone(info: TimeZoneInfo, target: Timeline, year: number): string {
  const { std, dst } = blobOffsets(info);
  const probes = zoneProbes(year);
  const near = [...probes].filter(([, p]) => p.split(',').some(o => Number(o) === std || Number(o) === dst)).map(([z]) => z);
  let best = 'UTC', bestScore = Infinity;
  for (const zone of near.length ? near : [...probes.keys()]) {
    const score = distance(zoneTimeline(zone, year), target);
    if (score < bestScore) [best, bestScore] = [zone, score];
  }
  return best;
}

/** The primary IANA zone of a Windows zone named in the blob (StandardName, or DaylightName). */
function zoneByWindowsName(info: TimeZoneInfo): string | undefined {
  const names = [info.standardName, info.daylightName, info.daylightName.replace('Daylight Time', 'Standard Time')];
  for (const name of names) {
    const zone = WINDOWS_PRIMARY.get(name.trim().toLowerCase());
    if (zone) return zone;
  }
  return undefined;
}

function isZeroRules(info: TimeZoneInfo): boolean {
  const { std, dst, hasDst } = blobOffsets(info);
  return std === 0 && (!hasDst || dst === 0);
}

/**
 * 1. a Windows zone named in the blob whose year equals the blob's; 2. 'UTC' for zero rules (iOS's
 * all-zero blob); 3. the best-ranked zone whose year equals the blob's; 4. the named zone if it
 * has the blob's standard offset (a device with stale rules); 5. the nearest zone.
 */
function resolveZone(info: TimeZoneInfo, year: number): string {
  const target = infoTimeline(info, year);
  const named = zoneByWindowsName(info);
  if (named && distance(zoneTimeline(named, year), target) === 0) return named;
  if (isZeroRules(info)) return 'UTC';
  const same = zoneWithSameYear(target, year);
  if (same) return same;
  if (named && offsetsOf(zoneTimeline(named, year)).has(blobOffsets(info).std)) return named;
  return nearestZone(info, target, year);
}

const zoneForInfo = new Map<string, string>();

/** The IANA zone for a device's blob, judged by its rules in `year` (cached: runs per event). */
export function ianaFromTimeZoneInfo(info: TimeZoneInfo, year: number): string {
  const key = `${JSON.stringify(info)}|${year}`;
  let zone = zoneForInfo.get(key);
  if (zone === undefined) {
    zone = resolveZone(info, year);
    if (zoneForInfo.size >= 4096) zoneForInfo.clear();
    zoneForInfo.set(key, zone);
  }
  return zone;
}
