// A resource's answer to an invitation (rooms, equipment: docs/resources-delegates.md), decided as
// a pure function of the meeting as delivered (the series, or one occurrence), the resource's
// policy, its existing bookings and the clock. Reasons speak of times only — never of what else
// is booked (other people's subjects stay theirs).
import { exceptionAt, occurrenceEvent } from '../calendar/exceptions.js';
import type { BusyTime } from '../calendar/freeBusy.js';
import type { CalendarEvent } from '../calendar/model.js';
import { occurrenceStarts, type ZoneLookup } from '../calendar/recurrence.js';
import type { Resource } from '../store/Store.js';

/** Occurrences of a series looked at, at most: work an invitation decides is bounded. */
export const MAX_CHECKED_OCCURRENCES = 200;
/** Without a booking window, a series is looked at this far ahead. */
export const DEFAULT_HORIZON_DAYS = 366;
const DAY = 86_400_000;

export interface DeclinedOccurrence {
  /** The occurrence's original start (its RECURRENCE-ID). */
  recurrenceId: number;
  reason: string;
}

export type ResourceDecision =
  | { answer: 'ACCEPTED'; declined: DeclinedOccurrence[] }
  | { answer: 'DECLINED'; reason: string };

export type BookingPolicy = Pick<Resource, 'bookingWindowDays' | 'maxDurationMinutes' | 'allowConflicts'>;

/** The window the resource's bookings must cover for `decideBooking` to see every conflict. */
export function bookingHorizon(policy: BookingPolicy, now: number): { from: number; to: number } {
  return { from: now, to: now + (policy.bookingWindowDays ?? DEFAULT_HORIZON_DAYS) * DAY };
}

/**
 * Accept, decline, or (a series) accept with the conflicting occurrences declined. `bookings` are
 * the resource's busy times (freeBusy.ts busyTimes) of everything but this meeting.
 */
export function decideBooking(meeting: CalendarEvent, policy: BookingPolicy, bookings: readonly BusyTime[], now: number, zoneLookup: ZoneLookup): ResourceDecision {
  const horizon = bookingHorizon(policy, now);
  const length = meeting.end - meeting.start;
  if (policy.maxDurationMinutes !== undefined && length > policy.maxDurationMinutes * 60_000) {
    return { answer: 'DECLINED', reason: `too long: ${duration(length)}, this resource can be booked for at most ${duration(policy.maxDurationMinutes * 60_000)}` };
  }
  const occurrences = occurrencesOf(meeting, horizon, zoneLookup);
  if (policy.bookingWindowDays !== undefined && meeting.start >= horizon.to) {
    return { answer: 'DECLINED', reason: `outside the booking window: this resource can be booked at most ${policy.bookingWindowDays} days ahead` };
  }
  if (policy.allowConflicts) return { answer: 'ACCEPTED', declined: [] };
  const declined: DeclinedOccurrence[] = [];
  for (const o of occurrences) {
    const clash = bookings.find(b => b.start < o.end && b.end > o.start);
    if (clash) declined.push({ recurrenceId: o.recurrenceId, reason: `conflict: already booked ${span(clash.start, clash.end)}` });
  }
  if (!meeting.recurrence || meeting.recurrenceId !== undefined) {
    return declined.length ? { answer: 'DECLINED', reason: declined[0]!.reason } : { answer: 'ACCEPTED', declined: [] };
  }
  if (occurrences.length > 0 && declined.length === occurrences.length) {
    return { answer: 'DECLINED', reason: `conflict: every occurrence is already booked (${declined.map(d => day(d.recurrenceId)).join(', ')})` };
  }
  return { answer: 'ACCEPTED', declined };
}

interface Occurrence { recurrenceId: number; start: number; end: number }

/**
 * The meeting's occurrences to check: a single meeting (or one occurrence) itself; a series', those
 * not deleted that start before the horizon, at most MAX_CHECKED_OCCURRENCES.
 */
function occurrencesOf(meeting: CalendarEvent, horizon: { from: number; to: number }, zoneLookup: ZoneLookup): Occurrence[] {
  if (!meeting.recurrence || meeting.recurrenceId !== undefined) {
    return [{ recurrenceId: meeting.recurrenceId ?? meeting.start, start: meeting.start, end: meeting.end }];
  }
  const starts = occurrenceStarts({ ...meeting, exceptions: undefined }, { from: horizon.from, to: horizon.to }, zoneLookup);
  const out: Occurrence[] = [];
  for (const originalStart of starts.slice(0, MAX_CHECKED_OCCURRENCES)) {
    if (exceptionAt(meeting, originalStart)?.deleted) continue;
    const o = occurrenceEvent(meeting, originalStart);
    out.push({ recurrenceId: originalStart, start: o.start, end: o.end });
  }
  return out;
}

/** The reply text for the organizer: the reason, or which occurrences were declined and why. */
export function decisionText(d: ResourceDecision): string {
  if (d.answer === 'DECLINED') return `Declined automatically: ${d.reason}.`;
  if (!d.declined.length) return 'Accepted automatically.';
  return `Accepted automatically, except ${d.declined.length === 1 ? 'the occurrence' : 'the occurrences'} of ${d.declined.map(x => day(x.recurrenceId)).join(', ')} (declined: ${d.declined[0]!.reason}).`;
}

function duration(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

const iso = (t: number) => new Date(t).toISOString().slice(0, 16).replace('T', ' ');
const span = (a: number, b: number) => `${iso(a)}–${iso(b).slice(11)} UTC`;
const day = (t: number) => new Date(t).toISOString().slice(0, 10);
