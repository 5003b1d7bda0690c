// Free/busy from events: the times an account is taken, and the MergedFreeBusy string
// (MS-ASCMD 2.2.3.107) that ResolveRecipients answers with — one digit per 30 minutes from the
// requested start, the highest status of anything that overlaps the slot.
import { exceptionAt, occurrenceEvent } from './exceptions.js';
import type { BusyStatus, CalendarEvent } from './model.js';
import { occurrenceStarts, type ZoneLookup } from './recurrence.js';

export const SLOT_MS = 30 * 60_000;

/** MS-ASCMD 2.2.3.107 MergedFreeBusy digits. */
export const FreeBusy = { Free: 0, Tentative: 1, Busy: 2, OutOfOffice: 3, NoData: 4 } as const;
export type FreeBusyDigit = (typeof FreeBusy)[keyof typeof FreeBusy];

export interface BusyTime {
  start: number;
  end: number;
  status: FreeBusyDigit;
}

export interface TimeWindow {
  from: number;
  to: number;
}

/**
 * MS-ASCAL BusyStatus as a MergedFreeBusy digit. Working elsewhere (4) has no digit of its own and
 * 4 means "no data", so it counts as free: the person works and can be invited. No BusyStatus at
 * all counts as busy, as Exchange treats such an appointment.
 */
export function digitOf(status: BusyStatus | undefined): FreeBusyDigit {
  if (status === undefined) return FreeBusy.Busy;
  return status === 4 ? FreeBusy.Free : status;
}

/** MS-ASCAL MeetingStatus 5 and 7: the organizer cancelled the meeting. */
export const cancelled = (e: Pick<CalendarEvent, 'meetingStatus'>): boolean => e.meetingStatus === 5 || e.meetingStatus === 7;
/** MS-ASCAL ResponseType 4: the account declined it. */
const declined = (e: Pick<CalendarEvent, 'responseType'>): boolean => e.responseType === 4;

/**
 * The times `event` takes within the window: every occurrence of a series (moved ones where they
 * moved to, with their own BusyStatus), none that was deleted, declined or cancelled, and nothing
 * that is free. Throws RecurrenceError for a series that cannot be expanded.
 */
export function busyTimes(event: CalendarEvent, window: TimeWindow, zoneLookup: ZoneLookup): BusyTime[] {
  return occurrencesWithin(event, window, zoneLookup).filter(o => taken(o, window)).map(busy);
}

/**
 * The occurrences of `event` that meet the window, each as the event it is (moved ones where they
 * moved to, with their own fields; deleted ones left out), in start order. An event that does not
 * recur is its own one occurrence. Throws RecurrenceError for a series that cannot be expanded.
 */
export function occurrencesWithin(event: CalendarEvent, window: TimeWindow, zoneLookup: ZoneLookup): CalendarEvent[] {
  const meets = (e: CalendarEvent) => e.start < window.to && e.end > window.from;
  if (!event.recurrence) return meets(event) ? [event] : [];
  // The series' own occurrences that meet the window, plus every exception (one that moved may
  // have come from outside the window); each becomes the occurrence it stands for.
  const originals = new Set(occurrenceStarts({ ...event, exceptions: undefined }, window, zoneLookup));
  for (const x of event.exceptions ?? []) originals.add(x.originalStart);
  const out: CalendarEvent[] = [];
  for (const originalStart of originals) {
    if (exceptionAt(event, originalStart)?.deleted) continue;
    const occurrence = occurrenceEvent(event, originalStart);
    if (meets(occurrence)) out.push(occurrence);
  }
  return out.sort((a, b) => a.start - b.start);
}

function taken(e: CalendarEvent, window: TimeWindow): boolean {
  return !cancelled(e) && !declined(e) && digitOf(e.busyStatus) !== FreeBusy.Free && e.start < window.to && e.end > window.from;
}

function busy(e: CalendarEvent): BusyTime {
  return { start: e.start, end: e.end, status: digitOf(e.busyStatus) };
}

/** Digits needed for the window: its length in 30-minute slots, rounded up (MS-ASCMD 2.2.3.107). */
export function slotCount(window: TimeWindow): number {
  return Math.ceil((window.to - window.from) / SLOT_MS);
}

/**
 * MS-ASCMD 2.2.3.107: slot i covers [from + 30·i min, from + 30·(i+1) min), the last one cut at `to`.
 * Whatever overlaps a slot by as much as a millisecond counts for it; the highest digit wins.
 */
export function mergedFreeBusy(times: BusyTime[], window: TimeWindow): string {
  const digits = new Array<number>(slotCount(window)).fill(FreeBusy.Free);
  for (const t of times) {
    const first = Math.max(0, Math.floor((t.start - window.from) / SLOT_MS));
    const last = Math.min(digits.length - 1, Math.ceil((Math.min(t.end, window.to) - window.from) / SLOT_MS) - 1);
    for (let i = first; i <= last; i++) digits[i] = Math.max(digits[i]!, t.status);
  }
  return digits.join('');
}
