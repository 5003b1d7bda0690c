// A model event's occurrences (MS-ASCAL exceptions applied) in a window, and the end of a series:
// what FilterType windows and the scheduling engine ask of a recurrence.
import ICAL from 'ical.js';
import type { Exception, Recurrence } from '../model.js';
import { toRRule } from './easToRRule.js';
import { expand, HORIZON_YEAR, MAX_ITERATIONS } from './expand.js';
import { localDate, timeMs, zonedTime } from './icalTime.js';
import { parseRRule } from './rrule.js';
import { DAY_MS, seriesStartOf } from './vocabulary.js';

/** The model fields expansion reads (a CalendarEvent fits). Without `end`, occurrences last 0 ms. */
export interface SeriesEvent {
  start: number;
  end?: number | undefined;
  timeZone: string;
  allDay: boolean;
  recurrence?: Recurrence | undefined;
  exceptions?: Exception[] | undefined;
}

/** The zone for an IANA name; 'UTC' (the model's "no zone") never reaches the lookup. */
export type ZoneLookup = (zone: string) => ICAL.Timezone;

interface Occurrence {
  start: number;
  end: number;
}

/**
 * UTC ms starts of the event's occurrences that meet [from, to): start < to, and start ≥ from or
 * (with `end`) still running at `from`. Deleted exceptions are gone; a moved exception is at its
 * new start, also when its original start lies outside the window. Non-recurring events: [start].
 */
export function occurrenceStarts(event: SeriesEvent, window: { from: number; to: number }, zoneLookup: ZoneLookup): number[] {
  return occurrences(event, zoneLookup, window).map(o => o.start);
}

/**
 * The UTC ms end of the series' last occurrence (exceptions applied), or null for an endless
 * series (also one that goes on past HORIZON_YEAR). A series whose every occurrence was deleted ends with its master's own end.
 */
export function seriesEnd(event: SeriesEvent & { end: number }, zoneLookup: ZoneLookup): number | null {
  if (!event.recurrence) return event.end;
  const zone = zoneOf(event.timeZone, zoneLookup);
  const dtstart = startTime(event, zone);
  const rule = parseRRule(toRRule(event.recurrence, seriesStartOf(dtstart), { allDay: event.allDay, zone }));
  if (rule.count === undefined && rule.until === undefined) return null;
  // An UNTIL at or past the horizon ends no earlier than it: endless, without expanding to find out.
  if (rule.count === undefined && Number(rule.until!.slice(0, 4)) >= HORIZON_YEAR) return null;
  const outcome = { pastHorizon: false };
  const all = occurrences(event, zoneLookup, undefined, outcome);
  if (outcome.pastHorizon) return null;
  return all.length ? all.reduce((end, o) => Math.max(end, o.end), -Infinity) : event.end;
}

function occurrences(event: SeriesEvent, zoneLookup: ZoneLookup, window: { from: number; to: number } | undefined,
  outcome?: { pastHorizon: boolean }): Occurrence[] {
  const duration = Math.max(0, (event.end ?? event.start) - event.start);
  const inWindow = (o: Occurrence) => !window || (o.start < window.to && (o.start >= window.from || o.end > window.from));
  if (!event.recurrence) return [{ start: event.start, end: event.start + duration }].filter(inWindow);
  const zone = zoneOf(event.timeZone, zoneLookup);
  const dtstart = startTime(event, zone);
  const rrule = toRRule(event.recurrence, seriesStartOf(dtstart), { allDay: event.allDay, zone });
  const series: Series = { event, zone, duration, rrule, dtstart };
  const bounds = window && { from: window.from - duration - DAY_MS, to: window.to + DAY_MS };
  const exceptions = new Map((event.exceptions ?? []).map(x => [keyOf(x.originalStart, series), x] as const));
  const result: Occurrence[] = [];
  for (const start of expandMs(series, bounds, outcome)) {
    const x = exceptions.get(keyOf(start, series));
    exceptions.delete(keyOf(start, series));
    if (!x) result.push({ start, end: start + duration });
    else if (!x.deleted) result.push(movedTo(x, start, duration));
  }
  // Exceptions moved into the window from an occurrence outside the expanded range.
  for (const x of exceptions.values()) {
    if (!bounds || x.deleted || x.overrides.start === undefined) continue;
    const moved = movedTo(x, x.originalStart, duration);
    if (inWindow(moved) && isOccurrence(x.originalStart, series)) result.push(moved);
  }
  return result.filter(inWindow).sort((a, b) => a.start - b.start);
}

interface Series {
  event: SeriesEvent;
  zone: ICAL.Timezone;
  duration: number;
  rrule: string;
  dtstart: ICAL.Time;
}

function movedTo(x: Exception, originalStart: number, duration: number): Occurrence {
  const start = x.overrides.start ?? originalStart;
  return { start, end: x.overrides.end ?? start + duration };
}

/** The series' starts (UTC ms) between bounds (whole series when none), RRULE ∪ … only. */
function expandMs(s: Series, bounds: { from: number; to: number } | undefined, outcome?: { pastHorizon: boolean }): number[] {
  // No zone math past the horizon: ical.js would expand the zone again for every later year.
  const horizon = Date.UTC(HORIZON_YEAR, 0, 1);
  if (bounds && bounds.from >= horizon) return [];
  const at = (ms: number) => (s.event.allDay ? localDate(Math.min(ms, horizon), s.zone) : zonedTime(Math.min(ms, horizon), s.zone));
  const times = expand({
    rrule: s.rrule,
    dtstart: s.dtstart,
    from: bounds && at(bounds.from),
    until: bounds && at(bounds.to),
    max: MAX_ITERATIONS,
    outcome,
  });
  return times.map(t => timeMs(t, s.zone));
}

function isOccurrence(originalStart: number, s: Series): boolean {
  const key = keyOf(originalStart, s);
  return expandMs(s, { from: originalStart - DAY_MS, to: originalStart + DAY_MS }).some(ms => keyOf(ms, s) === key);
}

/**
 * Exceptions match occurrences by exact start; all-day ones by the local date nearest the given
 * instant, so a device's UTC-midnight ExceptionStartTime still finds its day (zones within ±12 h).
 */
function keyOf(ms: number, s: Series): number {
  if (!s.event.allDay) return ms;
  const d = localDate(ms + DAY_MS / 2, s.zone);
  return Date.UTC(d.year, d.month - 1, d.day);
}

function zoneOf(name: string, lookup: ZoneLookup): ICAL.Timezone {
  return name === 'UTC' || name === 'Etc/UTC' ? ICAL.Timezone.utcTimezone : lookup(name);
}

/** DTSTART: the zoned start, or for an all-day event the DATE it starts on in its zone. */
function startTime(event: SeriesEvent, zone: ICAL.Timezone): ICAL.Time {
  return event.allDay ? localDate(event.start, zone) : zonedTime(event.start, zone);
}
