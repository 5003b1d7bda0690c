// CalDAV free/busy (RFC 4791 7.10 free-busy-query): the account's busy times in one calendar
// collection, from the one availability function (directory/availability.ts), as a VFREEBUSY.
import type { TimeWindow } from '../calendar/freeBusy.js';
import { vfreebusyOf } from '../calendar/vfreebusy.js';
import { busyTimesOf } from '../directory/availability.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { davFolder } from './collections.js';
import { CALDAV_NS, DavError } from './errors.js';
import { readTimeRange } from './reports.js';
import { child, type XmlNode } from './xml.js';

/** The longest window one free/busy answer covers; a longer or open-ended one is cut there (DTEND says where). */
export const MAX_FREEBUSY_MS = 366 * 86_400_000;
const OPEN = 8.64e15;

export const isFreeBusyQuery = (body: XmlNode): boolean => body.ns === CALDAV_NS && body.local === 'free-busy-query';

/**
 * RFC 4791 7.10: the request's one time-range (9.9; UTC, start or end may be open). The answer covers
 * at most MAX_FREEBUSY_MS from whichever end is given, so what a client asks cannot make the
 * expansion unbounded.
 */
export function readFreeBusyWindow(body: XmlNode): TimeWindow {
  const node = child(body, CALDAV_NS, 'time-range');
  if (!node) throw new DavError(400, 'free-busy-query needs a time-range', { ns: CALDAV_NS, name: 'valid-filter' });
  const range = readTimeRange(node);
  if (range.from >= range.to) throw new DavError(400, 'time-range ends before it starts', { ns: CALDAV_NS, name: 'valid-filter' });
  if (range.from === -OPEN) return { from: range.to - MAX_FREEBUSY_MS, to: range.to };
  return { from: range.from, to: Math.min(range.to, range.from + MAX_FREEBUSY_MS) };
}

/** The VFREEBUSY of one calendar collection of the signed-in account (davFolder: 404 for another's). */
export async function freeBusyQuery(store: Store, user: User, folderId: number, window: TimeWindow, now = Date.now()): Promise<string> {
  const folder = await davFolder(store, user.id, 'calendars', folderId);
  return vfreebusyOf(await busyTimesOf(store, user.id, window, { folderId: folder.id }), window, now);
}
