// An account's availability: the one function every free/busy answer reads (issue 18 part 4) —
// ResolveRecipients' MergedFreeBusy (MS-ASCMD 2.2.3.16 Availability), a resource's bookings
// (scheduling/resourceAnswers.ts) and CalDAV free-busy (RFC 4791 7.10, RFC 6638 5). Only busy times
// leave it, never what the events are (docs/directory.md).
import { busyTimes, mergedFreeBusy, type BusyTime, type TimeWindow } from '../calendar/freeBusy.js';
import { RecurrenceError } from '../calendar/recurrence.js';
import { TimeZoneError } from '../calendar/timezone.js';
import { zoneLookup } from '../calendar/window.js';
import type { Store } from '../store/Store.js';
import { eventOf, ItemConversionError } from '../sync/codecs.js';

export interface AvailabilityScope {
  /** Only this calendar folder (a CalDAV free-busy-query on one collection); default: every calendar. */
  folderId?: number;
  /** Leave out this meeting's own copy (a resource deciding on it). */
  exceptUid?: string;
}

/**
 * The times the account is taken within the window, in every calendar it has (or one): each
 * occurrence of a series expanded with its exceptions in its own time zone, tentative, busy and
 * out-of-office kept apart (BusyTime.status), free, declined and cancelled items left out
 * (freeBusy.ts busyTimes). Bounded by the window: expansion stops at its end.
 */
export async function busyTimesOf(store: Store, userId: number, window: TimeWindow, scope: AvailabilityScope = {}): Promise<BusyTime[]> {
  const times: BusyTime[] = [];
  for (const item of await store.listCalendarItems(userId, window.from)) {
    if (scope.folderId !== undefined && item.folderId !== scope.folderId) continue;
    if (scope.exceptUid !== undefined && item.event?.uid === scope.exceptUid) continue;
    try {
      times.push(...busyTimes(eventOf(item), window, zoneLookup));
    } catch (e) {
      // A series that cannot be expanded (or an item that is no event) says nothing about the
      // window; the rest of the calendar still does.
      if (!(e instanceof RecurrenceError || e instanceof TimeZoneError || e instanceof ItemConversionError)) throw e;
    }
  }
  return times.sort((a, b) => a.start - b.start);
}

export async function mergedFreeBusyOf(store: Store, userId: number, window: TimeWindow): Promise<string> {
  return mergedFreeBusy(await busyTimesOf(store, userId, window), window);
}
