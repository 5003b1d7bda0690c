// What a calendar collection is made of, over the store: the account's calendar folders, the
// events in them by resource name, their ETags, and iCalendar both ways through the one event model
// (src/calendar/ical.ts, as `convene calendar import|export` and iMIP use it).
import { CalendarError } from '../calendar/errors.js';
import { eventsToIcs, icsToEvents } from '../calendar/ical.js';
import { eventOfItem } from '../calendar/importExport.js';
import type { CalendarEvent } from '../calendar/model.js';
import type { Store } from '../store/Store.js';
import { FolderType, type Folder, type Item } from '../store/types.js';
import { CALDAV_NS, DavError, invalidCalendarData } from './errors.js';
import { idOfMadeName } from './paths.js';

export type CalendarFolder = Folder & { modseq: number; purgedModseq: number };

export function isCalendarFolder(f: Folder): boolean {
  return f.type === FolderType.Calendar || f.type === FolderType.UserCalendar;
}

/** Every calendar folder of the account: the EAS Calendar folder and any user-made ones. */
export async function calendarFolders(store: Store, userId: number): Promise<Folder[]> {
  return (await store.listFolders(userId)).filter(isCalendarFolder);
}

/** The account's calendar folder by id with its change counters, or a 404. */
export async function calendarFolder(store: Store, userId: number, folderId: number): Promise<CalendarFolder> {
  const folder = await store.getFolder(userId, folderId);
  if (!folder || !isCalendarFolder(folder)) throw new DavError(404, `no calendar ${folderId}`);
  return folder;
}

/** The live event at `name` in the folder, if any. */
export async function findObject(store: Store, folderId: number, name: string): Promise<Item | undefined> {
  const named = await store.findItemByDavName(folderId, name);
  if (named) return named;
  const id = idOfMadeName(name);
  if (id === undefined) return undefined;
  const [item] = await store.getItems(folderId, [id]);
  return item && !item.deleted && item.davName === undefined && item.class === 'Calendar' ? item : undefined;
}

/** RFC 4791 5.3.4 / RFC 7232 2.3: a strong ETag; the item's version changes with every write. */
export function etagOf(item: Pick<Item, 'id' | 'modseq'>): string {
  return `"${item.id}-${item.modseq}"`;
}

/** RFC 6578 3.2: a sync token is a URI; it names the collection and the change count it stands for. */
export function syncTokenOf(folder: Pick<CalendarFolder, 'id' | 'modseq'>): string {
  return `urn:convene:sync:${folder.id}:${folder.modseq}`;
}

/** RFC 6578 3.2: the change count a client's token stands for, or the precondition it fails. */
export function readSyncToken(token: string, folder: CalendarFolder): number {
  if (token === '') return 0;
  const m = /^urn:convene:sync:([0-9]+):([0-9]+)$/.exec(token.trim());
  const modseq = m && Number(m[1]) === folder.id ? Number(m[2]) : undefined;
  // A token from another collection, from the future, or older than the purged tombstones.
  if (modseq === undefined || modseq > folder.modseq || modseq < folder.purgedModseq) {
    throw new DavError(403, 'the sync token is not valid for this collection now', { ns: 'DAV:', name: 'valid-sync-token' });
  }
  return modseq;
}

/** The event as a calendar object resource (RFC 4791 4.1): one VCALENDAR, one UID. */
export function renderObject(item: Item): string {
  const event = eventOfItem(item);
  if (!event) throw new DavError(404, `item ${item.id} is no event`);
  // A stable DTSTAMP when the event has none: the same version gives the same bytes (strong ETag).
  return eventsToIcs([{ ...event, dtStamp: event.dtStamp ?? event.start }]);
}

/** RFC 4791 4.1, 5.3.2.1: exactly one event (with its overrides) per resource, VEVENT only. */
export function parseObject(body: Buffer): CalendarEvent {
  const text = body.toString('utf8');
  let events: CalendarEvent[];
  try {
    events = icsToEvents(text);
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
