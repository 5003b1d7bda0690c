// The properties each resource answers (RFC 4918 15, RFC 5397, RFC 3744 5.4, RFC 4791 6.2.1 and
// 5.2, RFC 6578 4, and the calendarserver.org getctag), as one table: a property a resource does
// not have gets undefined and lands in the 404 propstat. Keys are `namespace|local-name`. A
// collection's stored properties (collectionProps.ts: description, colour, time zone, dead ones)
// are answered after the table (storedProp).
import type { Item, User } from '../store/types.js';
import { areaOf, etagOf, isSchedulingObject, scheduleTagOf, syncTokenOf, type DavFolder } from './collections.js';
import { CALDAV_NS, CARDDAV_NS, CS_NS, DAV_NS } from './errors.js';
import { contentTypeOf } from './objects.js';
import { addressbookHomeFor, calendarHomeFor, principalHref, scheduleBoxHref, type ScheduleBox } from './paths.js';
import { esc } from './xml.js';

export type DavResource =
  | { kind: 'root' | 'principal'; user: User }
  | { kind: 'home'; user: User; area: 'calendars' | 'addressbooks' }
  | { kind: 'collection'; user: User; folder: DavFolder; stored?: Record<string, string> | undefined; maxSize?: number | undefined }
  | { kind: 'object'; user: User; folderId: number; item: Item; data?: string | undefined }
  | { kind: 'schedule-box'; user: User; box: ScheduleBox };

type Getter = (r: DavResource) => string | undefined;

const href = (h: string): string => `<d:href>${esc(h)}</d:href>`;
const PRIVILEGES = ['read', 'write', 'write-properties', 'write-content', 'bind', 'unbind', 'read-current-user-privilege-set']
  .map(p => `<d:privilege><d:${p}/></d:privilege>`).join('');
const SEND_PRIVILEGES = '<d:privilege><d:read/></d:privilege><d:privilege><c:schedule-send/></d:privilege><d:privilege><c:schedule-query-freebusy/></d:privilege>';
const reports = (names: string[]): string => names.map(r => `<d:supported-report><d:report><${r}/></d:report></d:supported-report>`).join('');
const CALENDAR_REPORTS = reports(['c:calendar-multiget', 'c:calendar-query', 'c:free-busy-query', 'd:sync-collection']);
const ADDRESSBOOK_REPORTS = reports(['card:addressbook-multiget', 'card:addressbook-query', 'd:sync-collection']);
const isBook = (r: DavResource): boolean => r.kind === 'collection' && areaOf(r.folder) === 'addressbooks';
const isCalendar = (r: DavResource): boolean => r.kind === 'collection' && !isBook(r);

export const PROPERTIES: Record<string, Getter> = {
  [`${DAV_NS}|resourcetype`]: r => {
    if (r.kind === 'object') return '';
    if (r.kind === 'principal') return '<d:collection/><d:principal/>';
    if (r.kind === 'schedule-box') return `<d:collection/><c:schedule-${r.box}/>`;
    if (r.kind !== 'collection') return '<d:collection/>';
    return isBook(r) ? '<d:collection/><card:addressbook/>' : '<d:collection/><c:calendar/>';
  },
  [`${DAV_NS}|displayname`]: r => {
    if (r.kind === 'collection') return esc(r.folder.displayName);
    if (r.kind === 'principal') return esc(r.user.displayName || r.user.email);
    return undefined;
  },
  // RFC 5397 3: on every resource.
  [`${DAV_NS}|current-user-principal`]: r => href(principalHref(r.user.email)),
  [`${DAV_NS}|principal-URL`]: r => (r.kind === 'principal' ? href(principalHref(r.user.email)) : undefined),
  [`${DAV_NS}|owner`]: r => (r.kind === 'root' ? undefined : href(principalHref(r.user.email))),
  [`${DAV_NS}|current-user-privilege-set`]: r => {
    if (r.kind === 'root' || r.kind === 'principal') return undefined;
    // RFC 6638 6.1: the outbox lets its owner ask free/busy (schedule-send), the inbox only be read.
    if (r.kind === 'schedule-box') return r.box === 'outbox' ? SEND_PRIVILEGES : '<d:privilege><d:read/></d:privilege>';
    return PRIVILEGES;
  },
  [`${DAV_NS}|supported-report-set`]: r => (r.kind === 'collection' ? (isBook(r) ? ADDRESSBOOK_REPORTS : CALENDAR_REPORTS) : undefined),
  [`${DAV_NS}|getetag`]: r => (r.kind === 'object' ? esc(etagOf(r.item)) : undefined),
  [`${DAV_NS}|getcontenttype`]: r => (r.kind === 'object' ? esc(contentTypeOf(r.item)) : undefined),
  [`${DAV_NS}|sync-token`]: r => (r.kind === 'collection' ? esc(syncTokenOf(r.folder)) : undefined),
  [`${CS_NS}|getctag`]: r => (r.kind === 'collection' ? esc(syncTokenOf(r.folder)) : undefined),
  [`${CALDAV_NS}|calendar-home-set`]: r => (r.kind === 'principal' ? href(calendarHomeFor(r.user)) : undefined),
  // RFC 6638 2.1.1, 2.2.1: where the principal's scheduling outbox and inbox are.
  [`${CALDAV_NS}|schedule-outbox-URL`]: r => (r.kind === 'principal' ? href(scheduleBoxHref('outbox', r.user.email)) : undefined),
  [`${CALDAV_NS}|schedule-inbox-URL`]: r => (r.kind === 'principal' ? href(scheduleBoxHref('inbox', r.user.email)) : undefined),
  [`${CALDAV_NS}|calendar-user-address-set`]: r => (r.kind === 'principal' ? href(`mailto:${r.user.email}`) : undefined),
  [`${CALDAV_NS}|supported-calendar-component-set`]: r => (isCalendar(r) ? '<c:comp name="VEVENT"/>' : undefined),
  [`${CALDAV_NS}|supported-calendar-data`]: r => (isCalendar(r) ? '<c:calendar-data content-type="text/calendar" version="2.0"/>' : undefined),
  // RFC 4791 5.2.5, RFC 6352 6.2.3: the largest body a PUT may send (the listener's --max-body).
  [`${CALDAV_NS}|max-resource-size`]: r => (isCalendar(r) && r.kind === 'collection' && r.maxSize !== undefined ? String(r.maxSize) : undefined),
  [`${CARDDAV_NS}|max-resource-size`]: r => (isBook(r) && r.kind === 'collection' && r.maxSize !== undefined ? String(r.maxSize) : undefined),
  // RFC 6638 9.3: on scheduling object resources only, and not in allprop.
  [`${CALDAV_NS}|schedule-tag`]: r => (r.kind === 'object' && isSchedulingObject(r.item) ? esc(scheduleTagOf(r.item)) : undefined),
  [`${CALDAV_NS}|calendar-data`]: r => (r.kind === 'object' && r.item.class === 'Calendar' && r.data !== undefined ? esc(r.data) : undefined),
  // RFC 6352 7.1.1, 6.2.2: the address book home on the principal; vCard 3.0 and 4.0 served.
  [`${CARDDAV_NS}|addressbook-home-set`]: r => (r.kind === 'principal' ? href(addressbookHomeFor(r.user)) : undefined),
  [`${CARDDAV_NS}|supported-address-data`]: r => (isBook(r)
    ? '<card:address-data-type content-type="text/vcard" version="3.0"/><card:address-data-type content-type="text/vcard" version="4.0"/>'
    : undefined),
  [`${CARDDAV_NS}|address-data`]: r => (r.kind === 'object' && r.item.class === 'Contacts' && r.data !== undefined ? esc(r.data) : undefined),
};

/** RFC 4918 9.1 allprop: the live properties above but calendar-data (RFC 4791 9.6: only when asked) and schedule-tag (RFC 6638 9.3). */
export const ALLPROP = Object.keys(PROPERTIES)
  .filter(k => k !== `${CALDAV_NS}|calendar-data` && k !== `${CARDDAV_NS}|address-data` && k !== `${DAV_NS}|current-user-privilege-set`
    && k !== `${CALDAV_NS}|schedule-tag`);

/** A collection's stored property (collectionProps.ts), as inner XML. */
export function storedProp(r: DavResource, key: string): string | undefined {
  return r.kind === 'collection' ? r.stored?.[key] : undefined;
}

/** The stored properties allprop and propname list (RFC 4918 9.1: dead properties are in allprop). */
export function storedKeys(r: DavResource): string[] {
  return r.kind === 'collection' ? Object.keys(r.stored ?? {}) : [];
}
