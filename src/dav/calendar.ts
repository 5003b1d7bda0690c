// A calendar object resource's body: iCalendar both ways through the one event model
// (src/calendar/ical.ts, as `convene calendar import|export` and iMIP use it).
import { CalendarError } from '../calendar/errors.js';
import { eventsToIcs, icsToEvents } from '../calendar/ical.js';
import { eventOfItem } from '../calendar/importExport.js';
import type { CalendarEvent } from '../calendar/model.js';
import { canonicalZone } from '../calendar/timezone/zones.js';
import type { Item } from '../store/types.js';
import { CALDAV_NS, DavError, invalidCalendarData } from './errors.js';

/** The event as a calendar object resource (RFC 4791 4.1): one VCALENDAR, one UID. */
export function renderObject(item: Item): string {
  const event = eventOfItem(item);
  if (!event) throw new DavError(404, `item ${item.id} is no event`);
  // A stable DTSTAMP when the event has none: the same version gives the same bytes (strong ETag).
  return eventsToIcs([{ ...event, dtStamp: event.dtStamp ?? event.start }]);
}

/**
 * RFC 4791 4.1, 5.3.2.1: exactly one event (with its overrides) per resource, VEVENT only.
 * `floatingZone`: the collection's calendar-timezone, the zone of floating times (5.2.2).
 */
export function parseObject(body: Buffer, floatingZone?: string): CalendarEvent {
  const text = body.toString('utf8');
  let events: CalendarEvent[];
  try {
    events = icsToEvents(text, { floatingZone });
  } catch (e) {
    if (e instanceof CalendarError) throw invalidCalendarData(e.message);
    throw e;
  }
  if (events.length === 0 && /^BEGIN:(VTODO|VJOURNAL)\b/im.test(text)) {
    throw new DavError(403, 'this collection holds events only', { ns: CALDAV_NS, name: 'supported-calendar-component' });
  }
  if (events.length !== 1) throw invalidCalendarData(`a calendar object holds one event, this one has ${events.length}`);
  return events[0];
}

/**
 * RFC 4791 5.2.2: the IANA zone a stored calendar-timezone names (its VTIMEZONE's TZID), if it is
 * one Convene knows; a made-up TZID leaves floating times in UTC, as before.
 */
export function zoneOfCalendarTimezone(stored: string | undefined): string | undefined {
  if (stored === undefined) return undefined;
  const text = stored.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  const tzid = /^TZID(?:;[^:\r\n]*)?:([^\r\n]+)$/im.exec(text)?.[1]?.trim();
  return tzid ? canonicalZone(tzid) : undefined;
}
