// Occurrence starts of an RRULE through ical.js's Recur iterator, bounded, with the RFC 5545
// defaults and date checks ical.js 2.2 gets wrong done here; and the rules it cannot expand at all.
import ICAL from 'ical.js';
import { invalid, RecurrenceError, unsupported } from './errors.js';
import { type ParsedRule, parseRRule, plain, serialise } from './rrule.js';
import { DAY_MS } from './vocabulary.js';

/**
 * Bound on recurrence iterator steps in one expansion; beyond it: RECURRENCE_LIMIT. A step in a
 * zone costs ical.js 50–200 µs (its offset lookups clone), so this is what bounds the time one
 * expansion keeps the event loop (docs/limits.md). A daily series' end is found for five years;
 * a longer one reads as endless.
 */
export const MAX_ITERATIONS = 2_000;

/** The longest COUNT expanded; a longer series is RECURRENCE_UNSUPPORTED (docs/limits.md). */
export const MAX_COUNT = 2_000;

/**
 * The first year no expansion reaches: a series stops there, and one that would go on counts as
 * endless. ical.js re-expands a zone from its first onset whenever a later year is asked, so
 * years without end made each step slower than the last.
 */
export const HORIZON_YEAR = 2200;

/** Every iterator step any expansion took since the process started: tests read the difference
 *  to bound the work one request or message caused, by count rather than by time. */
export const expansionSteps = { total: 0 };

export interface ExpandArgs {
  rrule: string;
  /** DTSTART: zoned (or UTC) for a timed series, a DATE for an all-day one. */
  dtstart: ICAL.Time;
  exdates?: ICAL.Time[] | undefined;
  rdates?: ICAL.Time[] | undefined;
  /** Earliest start returned (inclusive, ICAL.Time.compare). */
  from?: ICAL.Time | undefined;
  /** Latest start returned (inclusive, like RRULE UNTIL). */
  until?: ICAL.Time | undefined;
  /** At most this many starts are returned. */
  max: number;
  /** Iterator step budget; default MAX_ITERATIONS. */
  maxIterations?: number | undefined;
  /** Set when the rule went on past HORIZON_YEAR (its starts from there are not returned). */
  outcome?: { pastHorizon: boolean } | undefined;
}

/**
 * Occurrence starts, in order, from DTSTART's recurrence set (RRULE ∪ RDATE − EXDATE; an EXDATE
 * DATE removes that day). Bounded: stops at `until` or after `max` results, and throws
 * RECURRENCE_LIMIT past the step budget. Rules outside what ical.js expands correctly and in
 * bounded time are refused first (checkExpandable). RFC 5545 defaults are made explicit
 * (BYMONTH/BYMONTHDAY from DTSTART) and each candidate is checked against BYMONTH/BYMONTHDAY/BYDAY,
 * because ical.js 2.2 rolls impossible dates (29 February 2025, 31 April) into the next month;
 * COUNT is therefore counted here. An endless DAILY/WEEKLY rule read from a far `from` starts
 * from a DTSTART moved forward by whole periods (same wall clock, same occurrences).
 */
export function expand(args: ExpandArgs): ICAL.Time[] {
  if (!(args.max >= 0)) throw invalid('expand needs a max');
  const p = parseRRule(args.rrule);
  checkExpandable(p);
  const nextRule = ruleIterator(p, args);
  const rdates = [...(args.rdates ?? [])].sort((a, b) => a.compare(b));
  const out: ICAL.Time[] = [];
  let next = nextRule();
  let ri = 0;
  let last: ICAL.Time | undefined;
  while (out.length < args.max) {
    let candidate: ICAL.Time;
    if (next && (ri >= rdates.length || next.compare(rdates[ri]!) <= 0)) {
      candidate = next;
      next = nextRule();
    } else if (ri < rdates.length) {
      candidate = rdates[ri++]!.clone();
    } else break;
    if (args.until && candidate.compare(args.until) > 0) break;
    if (last && candidate.compare(last) === 0) continue;
    last = candidate;
    if (args.from && candidate.compare(args.from) < 0) continue;
    if (!(args.exdates ?? []).some(x => excludes(x, candidate))) out.push(candidate);
  }
  return out;
}

/** The rule's own instances in order (COUNT applied), as a pull function over ical.js. */
function ruleIterator(p: ParsedRule, args: ExpandArgs): () => ICAL.Time | undefined {
  const budget = args.maxIterations ?? MAX_ITERATIONS;
  let iterator: ICAL.RecurIterator;
  try {
    const rule = ICAL.Recur.fromString(serialise(explicit(p, args.dtstart), { count: false }));
    iterator = rule.iterator(skipAhead(p, args.dtstart, args.from));
  } catch (e) {
    throw invalid(`ical.js refuses the rule: ${(e as Error).message}`);
  }
  let produced = 0;
  let steps = 0;
  return () => {
    while (p.count === undefined || produced < p.count) {
      if (++steps > budget) throw new RecurrenceError('RECURRENCE_LIMIT', `more than ${budget} recurrence steps`);
      expansionSteps.total++;
      const t = iterator.next();
      if (!t) return undefined;
      if (t.year >= HORIZON_YEAR) {
        if (args.outcome) args.outcome.pastHorizon = true;
        return undefined;
      }
      if (matches(t, p)) {
        produced++;
        return t.clone();
      }
    }
    return undefined;
  };
}

/**
 * For an endless-by-count DAILY/WEEKLY rule, DTSTART moved forward by whole periods to a week
 * or more before `from`: the same wall clock, weekday and INTERVAL phase (WKST weeks included),
 * so the same occurrences from there on, without iterating the years before.
 */
function skipAhead(p: ParsedRule, dtstart: ICAL.Time, from: ICAL.Time | undefined): ICAL.Time {
  if (!from || p.count !== undefined || (p.freq !== 'DAILY' && p.freq !== 'WEEKLY')) return dtstart;
  const target = from.isDate || dtstart.isDate ? from : from.convertToZone(dtstart.zone);
  const days = (Date.UTC(target.year, target.month - 1, target.day) - Date.UTC(dtstart.year, dtstart.month - 1, dtstart.day)) / DAY_MS;
  const period = p.freq === 'DAILY' ? p.interval : 7 * p.interval;
  const periods = Math.floor((days - 7) / period);
  if (periods <= 0) return dtstart;
  const moved = dtstart.clone();
  moved.adjust(periods * period, 0, 0, 0);
  return moved;
}

/** The RFC 5545 defaults ical.js gets wrong, made explicit from DTSTART. */
function explicit(p: ParsedRule, dtstart: ICAL.Time): ParsedRule {
  const q = { ...p };
  const yearScoped = p.passThrough.some(([name]) => name === 'BYWEEKNO' || name === 'BYYEARDAY');
  if (p.freq === 'YEARLY' && !yearScoped) {
    // YEARLY;BYMONTHDAY=d is day d of every month; a bare YEARLY is DTSTART's month and day.
    if (!p.byMonth && p.byMonthDay) q.byMonth = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    else if (!p.byMonth && !p.byDay) [q.byMonth, q.byMonthDay] = [[dtstart.month], [dtstart.day]];
    else if (p.byMonth && !p.byDay && !p.byMonthDay) q.byMonthDay = [dtstart.day];
  } else if (p.freq === 'MONTHLY' && !p.byDay && !p.byMonthDay) {
    q.byMonthDay = [dtstart.day];
  }
  return q;
}

/** Whether an iterator result really satisfies the rule's BYMONTH, BYMONTHDAY and plain BYDAY. */
function matches(t: ICAL.Time, p: ParsedRule): boolean {
  if (p.byMonth && !p.byMonth.includes(t.month)) return false;
  if (p.byMonthDay) {
    const length = ICAL.Time.daysInMonth(t.month, t.year);
    if (!p.byMonthDay.some(d => (d > 0 ? d : length + 1 + d) === t.day)) return false;
  }
  if (p.byDay && plain(p.byDay) && !p.byDay.some(d => d.day === t.dayOfWeek() - 1)) return false;
  return true;
}

function excludes(exdate: ICAL.Time, t: ICAL.Time): boolean {
  if (exdate.isDate && !t.isDate) return exdate.year === t.year && exdate.month === t.month && exdate.day === t.day;
  return exdate.compare(t) === 0;
}

/**
 * RECURRENCE_UNSUPPORTED for rules Convene does not expand: a COUNT above MAX_COUNT, sub-daily FREQs (EAS has none),
 * non-Gregorian months (RFC 7529 RSCALE), and the shapes ical.js 2.2 expands wrongly or without
 * end (BYWEEKNO, year-wide BYDAY ordinals, ordinals mixed with day lists, BYSETPOS other than
 * "the nth of these weekdays in the month"). Everything that passes is safe to hand to ical.js.
 */
export function checkExpandable(p: ParsedRule): void {
  if (p.count !== undefined && p.count > MAX_COUNT) throw unsupported(`COUNT=${p.count}: more than ${MAX_COUNT} occurrences are not expanded`);
  if (['SECONDLY', 'MINUTELY', 'HOURLY'].includes(p.freq)) {
    throw unsupported(`FREQ=${p.freq}: EAS recurrences are at least daily`);
  }
  const rscale = p.foreign.find(([name]) => name === 'RSCALE')?.[1];
  if (rscale && rscale !== 'GREGORIAN' && (p.freq === 'MONTHLY' || p.freq === 'YEARLY')) {
    throw unsupported(`RSCALE=${rscale}: non-Gregorian months are not expanded`);
  }
  if (p.passThrough.some(([name]) => name === 'BYWEEKNO')) throw unsupported('BYWEEKNO');
  const ordinals = p.byDay !== undefined && !plain(p.byDay);
  if (ordinals && p.freq === 'YEARLY' && !p.byMonth) throw unsupported('BYDAY ordinals counted over a whole year');
  if (ordinals && (p.byMonthDay || p.bySetPos || p.passThrough.length)) throw unsupported('BYDAY ordinals combined with other day parts');
  if (p.bySetPos) {
    // ical.js 2.2 applies BYSETPOS correctly to one month's set of weekdays only; each month has
    // at least 4 of every weekday, so |BYSETPOS| ≤ 4 × days always selects a day.
    const monthSet = p.freq === 'MONTHLY' || (p.freq === 'YEARLY' && p.byMonth?.length === 1);
    const weekdaysOnly = p.byDay && !p.byMonthDay && !p.passThrough.length;
    if (!monthSet || !weekdaysOnly || p.bySetPos.some(n => Math.abs(n) > 4 * p.byDay!.length)) {
      throw unsupported('BYSETPOS outside "the nth of these weekdays in a month"');
    }
  }
}
