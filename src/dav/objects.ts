// Calendar object resources (RFC 4791 4.1, 5.3.2): GET, PUT and DELETE of one event, with strong
// ETags and the If-Match / If-None-Match preconditions of RFC 7232 checked under the account's
// lock, so two writers cannot both pass against the same version. Writes go through the same store
// calls as an EAS Sync, so EAS devices see them on their next Sync and held Pings wake.
import type { CalendarEvent } from '../calendar/model.js';
import { eventFilterTime } from '../calendar/window.js';
import type { Store } from '../store/Store.js';
import type { Item, User } from '../store/types.js';
import { calendarFolder, etagOf, findObject, parseObject, renderObject } from './calendar.js';
import { CALDAV_NS, DavError } from './errors.js';

export interface DavResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Conditions {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

export const CALENDAR_TYPE = 'text/calendar; charset=utf-8';

export async function getObject(store: Store, user: User, folderId: number, name: string, c: Conditions): Promise<DavResponse> {
  await calendarFolder(store, user.id, folderId);
  const item = await findObject(store, folderId, name);
  if (!item) throw new DavError(404, `no event ${name}`);
  const etag = etagOf(item);
  // RFC 7232 3.2: If-None-Match on GET answers 304 rather than 412 (`*` included: it matches any).
  check({ ifMatch: c.ifMatch }, item);
  if (c.ifNoneMatch !== undefined && matches(c.ifNoneMatch, etag)) return { status: 304, headers: { ETag: etag }, body: '' };
  return { status: 200, headers: { ETag: etag, 'Content-Type': CALENDAR_TYPE }, body: renderObject(item) };
}

/**
 * RFC 4791 5.3.2: creates or replaces the event at `name`. The body is read before anything is
 * locked, so a bad one changes nothing. No ETag in the answer: the stored object is re-rendered
 * from the event model, not the octets sent (RFC 4791 5.3.4), so the client fetches it again.
 */
export async function putObject(store: Store, user: User, folderId: number, name: string, body: Buffer, c: Conditions): Promise<DavResponse> {
  const event = parseObject(body);
  const created = await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    await calendarFolder(tx, user.id, folderId);
    const existing = await findObject(tx, folderId, name);
    check(c, existing);
    if (c.ifNoneMatch !== undefined && existing && matches(c.ifNoneMatch, etagOf(existing))) {
      throw new DavError(412, 'If-None-Match: the resource exists');
    }
    await checkUid(tx, user, folderId, event, existing);
    const filterTime = eventFilterTime(event);
    if (existing) {
      const kept = { ...event, clientUid: existing.event?.clientUid, easTimeZone: sameZone(existing.event, event) };
      await tx.updateItem(user.id, existing.id, { props: [], event: kept, filterTime });
      return false;
    }
    const added = await tx.addItem(user.id, folderId, { class: 'Calendar', props: [], event, filterTime, davName: name });
    if (!added) throw new DavError(404, `no calendar ${folderId}`);
    return true;
  });
  return { status: created ? 201 : 204, headers: {}, body: '' };
}

export async function deleteObject(store: Store, user: User, folderId: number, name: string, c: Conditions): Promise<DavResponse> {
  await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    await calendarFolder(tx, user.id, folderId);
    const existing = await findObject(tx, folderId, name);
    check(c, existing);
    if (!existing) throw new DavError(404, `no event ${name}`);
    await tx.deleteItem(user.id, existing.id);
  });
  return { status: 204, headers: {}, body: '' };
}

/** RFC 7232 3.1, 3.2: If-Match needs the current version; If-None-Match: * needs no resource. */
function check(c: Conditions, item: Item | undefined): void {
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

/** RFC 4791 5.3.2.1 no-uid-conflict: one UID per collection, and a resource keeps its UID. */
async function checkUid(store: Store, user: User, folderId: number, event: CalendarEvent, existing: Item | undefined): Promise<void> {
  const conflict = existing?.event && existing.event.uid !== event.uid
    ? existing
    : (await store.findItemsByUid(user.id, event.uid)).find(i => i.folderId === folderId && i.id !== existing?.id);
  if (conflict) throw new DavError(403, `UID ${event.uid} belongs to another resource`, { ns: CALDAV_NS, name: 'no-uid-conflict' });
}

/** The EAS Timezone blob a device sent stays while the event keeps its zone. */
function sameZone(before: CalendarEvent | undefined, after: CalendarEvent): string | undefined {
  return before && before.timeZone === after.timeZone ? before.easTimeZone : undefined;
}
