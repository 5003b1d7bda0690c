// Time zones for calendar items: the EAS Timezone blob (MS-ASCAL 2.2.2.44 Timezone, MS-ASEMAIL
// 2.2.2.78 TimeZone; layout MS-ASDTYPE 2.7.6 = Windows TIME_ZONE_INFORMATION, SYSTEMTIME per
// MS-DTYP 2.3.13), the IANA zone Convene keeps on every event (model.ts), the iCalendar VTIMEZONE
// (RFC 5545 3.6.5), and the EAS date-time strings (MS-ASDTYPE 2.3, 2.7.2).
//
// Offsets come from Node's Intl (full ICU), never from a table of our own. All offsets below are
// minutes EAST of UTC (UTC+1 → 60); the blob's Bias is the opposite sign (UTC = local + Bias).
// Decisions and their reasons: docs/calendar-timezones.md.
import ICAL from 'ical.js';
import { findWindows, WINDOWS_TO_IANA_MAP } from 'windows-iana';

// ─── types and errors ──────────────────────────────────────────────────────────────────────────

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

export type TimeZoneErrorCode = 'TZ_TRUNCATED' | 'TZ_INVALID';

export class TimeZoneError extends Error {
  constructor(readonly code: TimeZoneErrorCode, message: string) {
    super(message);
    this.name = 'TimeZoneError';
  }
}

/** A wall-clock time in some zone; month 1–12. */
export interface WallTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

/** How a wall time that is skipped or repeated at a transition becomes an instant (Temporal's names). */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

const MINUTE = 60_000;
const DAY = 86_400_000;
const ZERO_TIME: SystemTime = { year: 0, month: 0, dayOfWeek: 0, day: 0, hour: 0, minute: 0, second: 0, milliseconds: 0 };

// ─── the blob: MS-ASDTYPE 2.7.6 ────────────────────────────────────────────────────────────────

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

// ─── calendar arithmetic (proleptic Gregorian, UTC fields) ─────────────────────────────────────

/** Date.UTC without its 0–99 → 1900s quirk; month 1–12. */
function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const t = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return year >= 0 && year < 100 ? new Date(t).setUTCFullYear(year) : t;
}

function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 1) - DAY).getUTCDate();
}

/** The instant a SYSTEMTIME transition happens in `year`, given the offset in force before it
 *  (the rule's local time is pre-transition local time, as Windows reads it). */
function ruleInstant(st: SystemTime, year: number, offsetBefore: number): number | undefined {
  if (st.month === 0) return undefined;
  let day = st.day;
  if (st.year !== 0) {
    if (st.year !== year) return undefined; // absolute date: that year only
  } else {
    const first = new Date(utcMs(year, st.month, 1)).getUTCDay();
    const last = daysInMonth(year, st.month);
    day = 1 + ((st.dayOfWeek - first + 7) % 7) + (st.day - 1) * 7;
    while (day > last) day -= 7; // week 5 = the last such weekday
  }
  return utcMs(year, st.month, day, st.hour, st.minute, st.second, st.milliseconds) - offsetBefore * MINUTE;
}

/** The yearly rule for a transition whose pre-transition local time is `local` (UTC fields). A
 *  weekday in the month's last seven days is written as week 5 ("last"), as Windows does. */
function ruleFor(local: number): SystemTime {
  const d = new Date(local);
  const year = d.getUTCFullYear(), month = d.getUTCMonth() + 1, day = d.getUTCDate();
  return {
    year: 0, month, dayOfWeek: d.getUTCDay(), day: day + 7 > daysInMonth(year, month) ? 5 : Math.ceil(day / 7),
    hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), milliseconds: d.getUTCMilliseconds(),
  };
}

// ─── IANA zones through Intl ───────────────────────────────────────────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat | null>();

function formatterFor(zone: string): Intl.DateTimeFormat | null {
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

/** The zone's canonical IANA name (case fixed, aliases resolved, modern spelling), or undefined. */
export function canonicalZone(zone: string): string | undefined {
  const f = formatterFor(zone);
  if (!f) return undefined;
  const resolved = f.resolvedOptions().timeZone;
  return RENAMED[resolved] ?? resolved;
}

// ─── offset timelines: one UTC year of a zone, a blob, or a VTIMEZONE ──────────────────────────

interface Change { at: number; offset: number }
/** The offsets over [start, end): `initial`, then each change in order. */
interface Timeline { start: number; end: number; initial: number; changes: Change[] }

function yearWindow(year: number): { start: number; end: number } {
  return { start: utcMs(year, 1, 1), end: utcMs(year + 1, 1, 1) };
}

function offsetIn(t: Timeline, ms: number): number {
  let offset = t.initial;
  for (const c of t.changes) if (c.at <= ms) offset = c.offset;
  return offset;
}

function offsetsOf(t: Timeline): Set<number> {
  return new Set([t.initial, ...t.changes.map(c => c.offset)]);
}

/** ∫ |a − b| dt over the year, in minute·minutes: 0 exactly when the two agree at every instant. */
function distance(a: Timeline, b: Timeline): number {
  let t = a.start, oa = a.initial, ob = b.initial, i = 0, j = 0, sum = 0;
  for (;;) {
    const na = a.changes[i]?.at ?? a.end, nb = b.changes[j]?.at ?? b.end;
    const next = Math.min(na, nb, a.end);
    sum += Math.abs(oa - ob) * ((next - t) / MINUTE);
    if (next >= a.end) return sum;
    t = next;
    if (na === next) oa = a.changes[i++]!.offset;
    if (nb === next) ob = b.changes[j++]!.offset;
  }
}

/** Builds a timeline from transition events (any years), skipping ones that change nothing. */
function timelineFrom(start: number, end: number, events: Change[], before: number): Timeline {
  events.sort((a, b) => a.at - b.at);
  let initial = before;
  const changes: Change[] = [];
  for (const e of events) {
    if (e.at <= start) initial = e.offset;
    else if (e.at < end && e.offset !== (changes[changes.length - 1]?.offset ?? initial)) changes.push(e);
  }
  return { start, end, initial, changes };
}

const zoneTimelines = new Map<string, Timeline>();

/** A zone's year from Intl: daily samples, each change bisected to the minute. */
function zoneTimeline(zone: string, year: number): Timeline {
  const key = `${zone}|${year}`;
  const cached = zoneTimelines.get(key);
  if (cached) return cached;
  const { start, end } = yearWindow(year);
  const initial = zoneOffset(zone, start);
  const changes: Change[] = [];
  for (let t = start, current = initial; t < end;) {
    const next = Math.min(t + DAY, end);
    if (zoneOffset(zone, next) === current) { t = next; continue; }
    let lo = t, hi = next; // offset(lo) = current ≠ offset(hi)
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / (2 * MINUTE)) * MINUTE;
      if (zoneOffset(zone, mid) === current) lo = mid; else hi = mid;
    }
    current = zoneOffset(zone, hi);
    if (hi < end) changes.push({ at: hi, offset: current });
    t = hi;
  }
  const timeline = { start, end, initial, changes };
  if (zoneTimelines.size >= 8192) zoneTimelines.clear();
  zoneTimelines.set(key, timeline);
  return timeline;
}

interface BlobOffsets { std: number; dst: number; hasDst: boolean }

function blobOffsets(info: TimeZoneInfo): BlobOffsets {
  return {
    std: -(info.bias + info.standardBias),
    dst: -(info.bias + info.daylightBias),
    hasDst: info.standardDate.month !== 0 && info.daylightDate.month !== 0,
  };
}

/** What a device does with the blob in `year`: its rules applied to that year and its neighbours. */
function infoTimeline(info: TimeZoneInfo, year: number): Timeline {
  const { start, end } = yearWindow(year);
  const { std, dst, hasDst } = blobOffsets(info);
  if (!hasDst || std === dst) return { start, end, initial: std, changes: [] };
  const events: Change[] = [];
  for (const y of [year - 1, year, year + 1]) {
    const on = ruleInstant(info.daylightDate, y, std);
    const off = ruleInstant(info.standardDate, y, dst);
    if (on !== undefined) events.push({ at: on, offset: dst });
    if (off !== undefined) events.push({ at: off, offset: std });
  }
  // Before the first event the zone is in the other state (southern zones start the year in DST).
  const first = [...events].sort((a, b) => a.at - b.at)[0];
  return timelineFrom(start, end, events, first?.offset === std ? dst : std);
}

// ─── IANA → blob: the closest yearly rules ─────────────────────────────────────────────────────

type Rules = Omit<TimeZoneInfo, 'standardName' | 'daylightName'>;

/** −x without producing −0 (a blob field −0 would not deepEqual its decoded 0). */
const negate = (x: number) => (x === 0 ? 0 : -x);

function fixedRules(offset: number): Rules {
  return { bias: negate(offset), standardDate: { ...ZERO_TIME }, standardBias: 0, daylightDate: { ...ZERO_TIME }, daylightBias: 0 };
}

function dstRules(std: number, dst: number, daylightDate: SystemTime, standardDate: SystemTime): Rules {
  return { bias: negate(std), standardDate, standardBias: 0, daylightDate, daylightBias: negate(dst - std) };
}

/**
 * Every blob that could describe the year: each (DST start, DST end) pair of real transitions;
 * a single transition paired with the year's first or last instant (Windows' form for years a
 * zone enters or leaves DST for good: "first <weekday> of January 00:00" / "last <weekday> of
 * December 23:59:59.999"); and each offset held fixed. Exact forms come first.
 */
function* candidateRules(truth: Timeline, year: number): Generator<Rules> {
  const moves = truth.changes.map((c, i) => ({ at: c.at, from: i ? truth.changes[i - 1]!.offset : truth.initial, to: c.offset }));
  const ups = moves.filter(m => m.to > m.from), downs = moves.filter(m => m.to < m.from);
  const yearStart = ruleFor(utcMs(year, 1, 1)), yearEnd = ruleFor(utcMs(year + 1, 1, 1) - 1);
  for (const u of ups) {
    for (const d of downs) yield dstRules(u.from, u.to, ruleFor(u.at + u.from * MINUTE), ruleFor(d.at + u.to * MINUTE));
  }
  for (const u of ups) yield dstRules(u.from, u.to, ruleFor(u.at + u.from * MINUTE), yearEnd);
  for (const d of downs) yield dstRules(d.to, d.from, yearStart, ruleFor(d.at + d.from * MINUTE));
  for (const offset of offsetsOf(truth)) yield fixedRules(offset);
}

/** The rules whose year is nearest the truth (least ∫|Δoffset|); exact whenever a blob can be. */
function rulesFor(truth: Timeline, year: number): Rules {
  if (!truth.changes.length) return fixedRules(truth.initial);
  let best = fixedRules(truth.initial), bestScore = Infinity;
  for (const rules of candidateRules(truth, year)) {
    const score = distance(infoTimeline({ ...rules, standardName: '', daylightName: '' }, year), truth);
    if (score < bestScore) [best, bestScore] = [rules, score];
    if (score === 0) break;
  }
  return best;
}

const infoForZone = new Map<string, TimeZoneInfo>();

/** The blob a device expects for `zone` in `year` (yearly rules, Windows names when CLDR has one). */
export function timeZoneInfoForIana(zone: string, year: number): TimeZoneInfo {
  const key = `${zone}|${year}`;
  const cached = infoForZone.get(key);
  if (cached) return structuredClone(cached);
  const canonical = canonicalZone(zone);
  if (!canonical) throw new TimeZoneError('TZ_INVALID', `Unknown IANA time zone: ${zone}`);
  const windowsName = findWindows(canonical)[0] ?? findWindows(zone)[0] ?? '';
  const info: TimeZoneInfo = {
    ...rulesFor(zoneTimeline(canonical, year), year),
    standardName: windowsName,
    // Windows' own daylight name ("Pacific Daylight Time"); the key itself when it has no "Standard".
    daylightName: windowsName.replace('Standard Time', 'Daylight Time'),
  };
  if (infoForZone.size >= 4096) infoForZone.clear();
  infoForZone.set(key, info);
  return structuredClone(info);
}

// ─── blob → IANA ───────────────────────────────────────────────────────────────────────────────

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
const modern = (zone: string) => RENAMED[zone] ?? zone;

/** Windows zone key (lower case) → its primary IANA zone (CLDR territory 001). */
const WINDOWS_PRIMARY = new Map(WINDOWS_ROWS.filter(r => r.territory === '001' && r.iana[0]).map(r => [r.windowsName.toLowerCase(), modern(r.iana[0]!)]));

let rankedZones: string[] | undefined;

/** Every zone a blob may resolve to, best first: PREFERRED, Windows primary zones (CLDR order),
 *  other zones CLDR maps to a Windows zone, the rest of ICU's list, then Etc/GMT±N. */
function zonesByPreference(): string[] {
  if (rankedZones) return rankedZones;
  // Etc/GMT±N has POSIX's inverted sign: Etc/GMT-14 is UTC+14, Etc/GMT+12 is UTC−12.
  const etc = Array.from({ length: 27 }, (_, i) => i - 14).filter(n => n !== 0).map(n => `Etc/GMT${n > 0 ? '+' : ''}${n}`);
  const all = [
    ...PREFERRED, ...WINDOWS_PRIMARY.values(),
    ...WINDOWS_ROWS.filter(r => r.territory !== '001' && r.territory !== 'ZZ').flatMap(r => r.iana.map(modern)),
    ...Intl.supportedValuesOf('timeZone').map(modern).sort(), ...etc,
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

// ─── VTIMEZONE (RFC 5545 3.6.5) ────────────────────────────────────────────────────────────────

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

// ─── EAS date-time strings: MS-ASDTYPE 2.7.2 Compact DateTime, 2.3 dateTime ────────────────────

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
  return utcMs(year, month, day, hour, minute, second, ms) - zoneDesignatorMinutes(m[8]!) * MINUTE;
}

function zoneDesignatorMinutes(designator: string): number {
  if (designator.toUpperCase() === 'Z') return 0;
  const digits = designator.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || 0);
  return designator.startsWith('-') ? -minutes : minutes;
}
