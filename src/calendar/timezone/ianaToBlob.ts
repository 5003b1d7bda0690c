// IANA zone → the Timezone blob a device expects (MS-ASDTYPE 2.7.6): the yearly rules nearest
// the zone's real year, written as Windows writes them (docs/calendar-timezones.md).
import { findWindows } from 'windows-iana';
import { type SystemTime, type TimeZoneInfo, ZERO_TIME } from './blob.js';
import { TimeZoneError } from './errors.js';
import { MINUTE, ruleFor, utcMs } from './gregorian.js';
import { distance, infoTimeline, offsetsOf, type Timeline, zoneTimeline } from './timeline.js';
import { canonicalZone } from './zones.js';

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
export function rulesFor(truth: Timeline, year: number): Rules {
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
