// An account's availability (MS-ASCMD 2.2.3.16 Availability): its calendars' events over a window,
// as the MergedFreeBusy string. Only the account's busy times leave the server, never what the
// events are (docs/directory.md).
import { busyTimes, mergedFreeBusy, type BusyTime, type TimeWindow } from '../calendar/freeBusy.js';
import { RecurrenceError } from '../calendar/recurrence.js';
import { TimeZoneError } from '../calendar/timezone.js';
import { zoneLookup } from '../calendar/window.js';
import type { Store } from '../store/Store.js';
import { eventOf, ItemConversionError } from '../sync/codecs.js';

export async function mergedFreeBusyOf(store: Store, userId: number, window: TimeWindow): Promise<string> {
  const times: BusyTime[] = [];
  for (const item of await store.listCalendarItems(userId, window.from)) {
    try {
      times.push(...busyTimes(eventOf(item), window, zoneLookup));
    } catch (e) {
      // A series that cannot be expanded (or an item that is no event) says nothing about the
      // window; the rest of the calendar still does.
      if (!(e instanceof RecurrenceError || e instanceof TimeZoneError || e instanceof ItemConversionError)) throw e;
    }
  }
  return mergedFreeBusy(times, window);
}
