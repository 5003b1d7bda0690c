// IANA zones through Node's Intl (full ICU), never a table of our own: wall time ⇄ instant,
// offsets, canonical names. Offsets here and in every sibling but blob.ts are minutes EAST of UTC.
import { TimeZoneError } from './errors.js';
import { DAY, MINUTE, utcMs } from './gregorian.js';

/** A wall-clock time in some zone; month 1–12. */
export interface WallTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** How a wall time that is skipped or repeated at a transition becomes an instant (Temporal's names). */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

const formatters = new Map<string, Intl.DateTimeFormat | null>();

export function formatterFor(zone: string): Intl.DateTimeFormat | null {
  let f = formatters.get(zone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch {
      f = null;
    }
    if (formatters.size < 4096) formatters.set(zone, f);
  }
  return f;
}

function checkedFormatter(zone: string): Intl.DateTimeFormat {
  const f = formatterFor(zone);
  if (!f) throw new TimeZoneError('TZ_INVALID', `Unknown IANA time zone: ${zone}`);
  return f;
}

/** Wall-clock fields of an instant in a zone (seconds precision). */
export function utcToLocal(zone: string, ms: number): WallTime {
  const m = /(\d+)\/(\d+)\/(\d+),? (\d+):(\d+):(\d+)/.exec(checkedFormatter(zone).format(ms));
  if (!m) throw new TimeZoneError('TZ_INVALID', `Cannot read a local time in ${zone}`);
  const [month, day, year, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  return { year, month, day, hour, minute, second };
}

/** The offset (minutes east of UTC) in force in `zone` at instant `ms`. */
export function zoneOffset(zone: string, ms: number): number {
  const w = utcToLocal(zone, ms);
  const wholeSecond = ms - (((ms % 1000) + 1000) % 1000);
  return Math.round((utcMs(w.year, w.month, w.day, w.hour, w.minute, w.second) - wholeSecond) / MINUTE);
}

/**
 * The instant of a wall time in `zone`. 'compatible' (the default) is RFC 5545 3.3.5: a skipped
 * time is read with the offset before the gap, a repeated time means its first occurrence.
 */
export function localToUtc(zone: string, wall: WallTime, disambiguation: Disambiguation = 'compatible'): number {
  const local = utcMs(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second);
  const before = zoneOffset(zone, local - DAY), after = zoneOffset(zone, local + DAY);
  const fits = [...new Set([local - before * MINUTE, local - after * MINUTE])]
    .filter(t => zoneOffset(zone, t) === (local - t) / MINUTE).sort((a, b) => a - b);
  if (fits.length === 1) return fits[0]!;
  if (disambiguation === 'reject') throw new TimeZoneError('TZ_INVALID', `${JSON.stringify(wall)} is ${fits.length ? 'repeated' : 'skipped'} in ${zone}`);
  if (fits.length > 1) return disambiguation === 'later' ? fits[fits.length - 1]! : fits[0]!;
  const candidates = [local - before * MINUTE, local - after * MINUTE].sort((a, b) => a - b); // a gap
  return disambiguation === 'earlier' ? candidates[0]! : candidates[1]!;
}

/** Newer spellings of IANA names that ICU and CLDR (windows-iana) still report by the old one
 *  (tzdata `backward` links; only renames, not merged zones). */
const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara', 'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca', 'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba', 'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis', 'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville', 'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata', 'Asia/Katmandu': 'Asia/Kathmandu', 'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh', 'Atlantic/Faeroe': 'Atlantic/Faroe', 'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton', 'Pacific/Ponape': 'Pacific/Pohnpei', 'Pacific/Truk': 'Pacific/Chuuk',
  'Etc/UTC': 'UTC', 'Etc/GMT': 'UTC',
};

/** The modern spelling of a zone name ICU or CLDR may report by its old one. */
export function modernName(zone: string): string {
  return RENAMED[zone] ?? zone;
}

/** The zone's canonical IANA name (case fixed, aliases resolved, modern spelling), or undefined. */
export function canonicalZone(zone: string): string | undefined {
  const f = formatterFor(zone);
  if (!f) return undefined;
  const resolved = f.resolvedOptions().timeZone;
  return modernName(resolved);
}
