// Member resources, events (RFC 4791 4.1, 5.3.2) and contacts (RFC 6352 5.1, 6.3.2): GET, PUT and
// DELETE of one item, with strong ETags and the If-Match / If-None-Match preconditions of RFC 7232
// checked under the account's lock, so two writers cannot both pass against the same version.
// Writes go through the same store calls as an EAS Sync, so EAS devices see them on their next
// Sync and held Pings wake.
import type { CalendarEvent } from '../calendar/model.js';
import { eventFilterTime } from '../calendar/window.js';
import type { VCardVersion } from '../contacts/vcard.js';
import type { Store } from '../store/Store.js';
import type { Folder, Item, User } from '../store/types.js';
import { scheduleByDelete, scheduleByPut, withMergedAnswers } from './implicitScheduling.js';
import { parseVcard, renderVcard, VCARD_TYPE, vcardUid } from './addressbook.js';
import { parseObject, renderObject, zoneOfCalendarTimezone } from './calendar.js';
import { davFolder, etagOf, findObject, isSchedulingObject, scheduleTagOf } from './collections.js';
import { CALDAV_NS, CARDDAV_NS, DavError } from './errors.js';
import { objectHref, resourceName, type DavArea } from './paths.js';

export interface DavResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Conditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
  /** RFC 6638 8.3 If-Schedule-Tag-Match: one schedule tag, on PUT and DELETE. */
  ifScheduleTagMatch?: string | undefined;
}

export const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

export interface Place {
  area: DavArea;
  folderId: number;
  name: string;
  /** The folder, when known, so hrefs use the name its DAV client gave it. */
  folderRef?: Pick<Folder, 'id' | 'davName'> | undefined;
}

/** A member's body as its area writes it. */
export function renderItem(item: Item, vcard: VCardVersion = '3.0'): string {
  return item.class === 'Contacts' ? renderVcard(item, vcard) : renderObject(item);
}

export function contentTypeOf(item: Pick<Item, 'class'>): string {
  return item.class === 'Contacts' ? VCARD_TYPE : CALENDAR_TYPE;
}

export async function getObject(store: Store, user: User, at: Place, c: Conditions, vcard: VCardVersion): Promise<DavResponse> {
  await davFolder(store, user.id, at.area, at.folderId);
  const item = await findObject(store, at.area, at.folderId, at.name);
  if (!item) throw new DavError(404, `no resource ${at.name}`);
  const etag = etagOf(item);
  // RFC 7232 3.2: If-None-Match on GET answers 304 rather than 412 (`*` included: it matches any).
  check({ ifMatch: c.ifMatch }, item);
  const tag = scheduleTagHeader(item);
  if (c.ifNoneMatch !== undefined && matches(c.ifNoneMatch, etag)) return { status: 304, headers: { ETag: etag, ...tag }, body: '' };
  const type = item.class === 'Contacts' ? `text/vcard; version=${vcard}; charset=utf-8` : CALENDAR_TYPE;
  return { status: 200, headers: { ETag: etag, ...tag, 'Content-Type': type }, body: renderItem(item, vcard) };
}

/**
 * RFC 4791 5.3.2, RFC 6352 6.3.2: creates or replaces the member at `name`. An event body is read
 * before anything is locked, so a bad one changes nothing; a vCard is read against the stored
 * contact, inside the transaction, and a bad one rolls it back. No ETag in the answer: the stored
 * object is re-rendered from the model, not the octets sent (RFC 4791 5.3.4), so the client fetches it.
 * A scheduling object resource answers its new Schedule-Tag (RFC 6638 3.2.10).
 */
export async function putObject(store: Store, user: User, at: Place, body: Buffer, c: Conditions): Promise<DavResponse> {
  const event = at.area === 'calendars' ? parseObject(body, await floatingZoneOf(store, user, at)) : undefined;
  if (!event) parseVcard(body, undefined);
  const written = await store.transaction(async (tx): Promise<{ created: boolean; item?: Item | undefined }> => {
    await tx.lockAccounts([user.id]);
    at = { ...at, folderRef: await davFolder(tx, user.id, at.area, at.folderId) };
    const existing = await findObject(tx, at.area, at.folderId, at.name);
    check(c, existing);
    if (c.ifNoneMatch !== undefined && existing && matches(c.ifNoneMatch, etagOf(existing))) {
      throw new DavError(412, 'If-None-Match: the resource exists');
    }
    if (!event) {
      const props = parseVcard(body, existing?.props);
      await checkCardUid(tx, user, at, vcardUid(props), existing);
      if (existing) await tx.updateItem(user.id, existing.id, { props, filterTime: null });
      else if (!await tx.addItem(user.id, at.folderId, { class: 'Contacts', props, filterTime: null, davName: at.name })) throw new DavError(404, `no address book ${at.folderId}`);
      return { created: !existing };
    }
    await checkUid(tx, user, at, event, existing);
    const filterTime = eventFilterTime(event);
    if (existing) {
      let edited: CalendarEvent = { ...event, clientUid: existing.event?.clientUid, easTimeZone: sameZone(existing.event, event) };
      // RFC 6638 3.2.10: written against the schedule tag, so replies merged since keep their answers.
      if (c.ifScheduleTagMatch !== undefined && existing.event && existing.modseq !== (existing.scheduleTag ?? existing.modseq)) {
        edited = withMergedAnswers(existing.event, edited);
      }
      const kept = await scheduleByPut(tx, user, existing.event, edited);
      return { created: false, item: await tx.updateItem(user.id, existing.id, { props: [], event: kept, filterTime }) };
    }
    const scheduled = await scheduleByPut(tx, user, undefined, event);
    const added = await tx.addItem(user.id, at.folderId, { class: 'Calendar', props: [], event: scheduled, filterTime, davName: at.name });
    if (!added) throw new DavError(404, `no calendar ${at.folderId}`);
    return { created: true, item: added };
  });
  return { status: written.created ? 201 : 204, headers: written.item ? scheduleTagHeader(written.item) : {}, body: '' };
}

export async function deleteObject(store: Store, user: User, at: Place, c: Conditions): Promise<DavResponse> {
  await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    await davFolder(tx, user.id, at.area, at.folderId);
    const existing = await findObject(tx, at.area, at.folderId, at.name);
    check(c, existing);
    if (!existing) throw new DavError(404, `no resource ${at.name}`);
    await tx.deleteItem(user.id, existing.id);
    if (existing.event) await scheduleByDelete(tx, user, existing.event);
  });
  return { status: 204, headers: {}, body: '' };
}

/** RFC 4791 5.2.2: the collection's calendar-timezone as an IANA zone, for floating times in a PUT. */
async function floatingZoneOf(store: Store, user: User, at: Place): Promise<string | undefined> {
  const stored = await store.getFolderDavProps(user.id, at.folderId);
  return zoneOfCalendarTimezone(stored[`${CALDAV_NS}|calendar-timezone`]);
}

/** RFC 6638 3.2.10: the Schedule-Tag header of a scheduling object resource. */
function scheduleTagHeader(item: Item): Record<string, string> {
  return isSchedulingObject(item) ? { 'Schedule-Tag': scheduleTagOf(item) } : {};
}

/**
 * RFC 7232 3.1, 3.2: If-Match needs the current version; If-None-Match: * needs no resource. RFC
 * 6638 8.3: If-Schedule-Tag-Match needs a scheduling object resource with that schedule tag (so a
 * reply merged since, which changes the ETag only, does not fail it).
 */
export function check(c: Conditions, item: Item | undefined): void {
  if (c.ifScheduleTagMatch !== undefined && (!item || !isSchedulingObject(item) || c.ifScheduleTagMatch.trim() !== scheduleTagOf(item))) {
    throw new DavError(412, item ? 'If-Schedule-Tag-Match: the schedule tag changed since' : 'If-Schedule-Tag-Match: no such resource');
  }
  if (c.ifMatch !== undefined && (!item || !matches(c.ifMatch, etagOf(item)))) {
    throw new DavError(412, item ? 'If-Match: the resource changed since' : 'If-Match: no such resource');
  }
  if (c.ifNoneMatch?.trim() === '*' && item) throw new DavError(412, 'If-None-Match: * but the resource exists');
}

/** An entity-tag list (RFC 7232 2.3): `*`, or tags compared strongly (a weak tag never matches). */
function matches(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').map(t => t.trim()).includes(etag);
}

/**
 * RFC 4791 5.3.2.1 no-uid-conflict: one UID per collection, and a resource keeps its UID. 409 (RFC
 * 4918 16: a conflict the client can resolve), naming the resource that has the UID.
 */
export async function checkUid(store: Store, user: User, at: Place, event: CalendarEvent, existing: Item | undefined, moving?: number): Promise<void> {
  const conflict = existing?.event && existing.event.uid !== event.uid
    ? existing
    : (await store.findItemsByUidInFolder(user.id, at.folderId, event.uid)).find(i => i.id !== existing?.id && i.id !== moving && i.class === 'Calendar');
  if (conflict) throw uidConflict(user, at, conflict, CALDAV_NS, event.uid);
}

/**
 * RFC 6352 6.3.2.1 no-uid-conflict: one UID per address book, through the same UID index as events
 * (a contact's vCard UID). A device's contact has no stored UID and is served as `convene-<id>`
 * (addressbook.ts), so that name is its UID too.
 */
export async function checkCardUid(store: Store, user: User, at: Place, uid: string | undefined, existing: Item | undefined, moving?: number): Promise<void> {
  if (uid === undefined) return;
  let conflict = (await store.findItemsByUidInFolder(user.id, at.folderId, uid)).find(i => i.id !== existing?.id && i.id !== moving && i.class === 'Contacts');
  const made = /^convene-([1-9][0-9]{0,15})$/.exec(uid);
  if (!conflict && made && Number(made[1]) !== existing?.id && Number(made[1]) !== moving) {
    const [item] = await store.getItems(at.folderId, [Number(made[1])]);
    if (item && !item.deleted && item.class === 'Contacts' && vcardUid(item.props) === undefined) conflict = item;
  }
  if (conflict) throw uidConflict(user, at, conflict, CARDDAV_NS, uid);
}

function uidConflict(user: User, at: Place, holder: Item, ns: typeof CALDAV_NS | typeof CARDDAV_NS, uid: string): DavError {
  const href = objectHref(at.area, user.email, at.folderRef ?? at.folderId, resourceName(holder));
  return new DavError(409, `UID ${uid} belongs to another resource`, { ns, name: 'no-uid-conflict', href });
}

/** The EAS Timezone blob a device sent stays while the event keeps its zone. */
function sameZone(before: CalendarEvent | undefined, after: CalendarEvent): string | undefined {
  return before && before.timeZone === after.timeZone ? before.easTimeZone : undefined;
}
