// REPORTs on a collection, each parsed into plain data before anything is read: calendar-multiget
// (RFC 4791 7.9) and addressbook-multiget (RFC 6352 8.7), calendar-query (RFC 4791 7.8; VEVENT
// comp-filter with time-range and prop-filters, no expansion yet), addressbook-query (RFC 6352 8.6;
// prop-filters with text-match, filters.ts) and sync-collection (RFC 6578 3) on the folder's change log,
// the same modseq EAS Sync reads, so a change through either protocol shows once.
import { meetsTimeRange, type TimeRange } from '../calendar/timeRange.js';
import { zoneLookup } from '../calendar/window.js';
import { eventOfItem } from '../calendar/importExport.js';
import type { Store } from '../store/Store.js';
import type { Item, User } from '../store/types.js';
import type { VCardVersion } from '../contacts/vcard.js';
import { vcardVersion } from './addressbook.js';
import { davFolder, findObjects, ITEM_CLASS, readSyncToken, syncTokenOf, type DavFolder } from './collections.js';
import { CALDAV_NS, CARDDAV_NS, DAV_NS, DavError } from './errors.js';
import { propNames, propResponse, statusResponse, type PropRequest } from './multistatus.js';
import { renderItem } from './objects.js';
import { collectionHref, folderIdOf, objectHref, parseDavPath, resourceName, type DavArea } from './paths.js';
import { child, children, esc, multistatus, type XmlNode } from './xml.js';
import { CALDAV_FILTERS, CARDDAV_FILTERS, componentsOf, MAX_FILTERS, parseComponent, propertiesOf, propFilterMatches, readPropFilters, type PropFilter } from './filters.js';

export type Report = { props: PropRequest; vcard: VCardVersion } & (
  | { kind: 'multiget'; area: DavArea; hrefs: string[] }
  | { kind: 'calendar-query'; range: TimeRange | undefined; matchesNothing: boolean; calendarProps: PropFilter[]; eventProps: PropFilter[] }
  | { kind: 'addressbook-query'; filters: PropFilter[]; anyOf: boolean }
  | { kind: 'sync-collection'; token: string; limit: number | undefined });

/** Changes one sync-collection answer carries at most; the rest follow with the next token (RFC 6578 3.6). */
export const SYNC_PAGE = 1000;
/** hrefs one multiget may name (RFC 4791 7.9 sets no bound; the body limit alone allows ~25,000). */
export const MULTIGET_MAX = 1000;

export function readReport(body: XmlNode): Report {
  const props = propsOf(body);
  const hrefs = (): string[] => {
    const list = children(body, DAV_NS, 'href').map(h => h.text.trim());
    // Each href is a store lookup: a multiget is bounded like a sync-collection page.
    if (list.length > MULTIGET_MAX) throw new DavError(403, `more than ${MULTIGET_MAX} hrefs in one multiget`, { ns: DAV_NS, name: 'number-of-matches-within-limits' });
    return list;
  };
  // RFC 6352 10.4: the vCard version a client asks for in address-data.
  const vcard = vcardVersion(child(child(body, DAV_NS, 'prop') ?? body, CARDDAV_NS, 'address-data')?.attrs.version);
  if (body.ns === CALDAV_NS && body.local === 'calendar-multiget') return { kind: 'multiget', area: 'calendars', props, vcard, hrefs: hrefs() };
  if (body.ns === CARDDAV_NS && body.local === 'addressbook-multiget') return { kind: 'multiget', area: 'addressbooks', props, vcard, hrefs: hrefs() };
  if (body.ns === CALDAV_NS && body.local === 'calendar-query') return { kind: 'calendar-query', props, vcard, ...readFilter(body) };
  if (body.ns === CARDDAV_NS && body.local === 'addressbook-query') return { kind: 'addressbook-query', props, vcard, ...readCardFilter(body) };
  if (body.ns === DAV_NS && body.local === 'sync-collection') {
    const level = child(body, DAV_NS, 'sync-level')?.text.trim();
    if (level !== undefined && level !== '1' && level !== 'infinite') throw new DavError(400, `sync-level ${level}`);
    const nresults = child(child(body, DAV_NS, 'limit') ?? body, DAV_NS, 'nresults')?.text.trim();
    const limit = nresults !== undefined && /^[1-9][0-9]{0,8}$/.test(nresults) ? Number(nresults) : undefined;
    return { kind: 'sync-collection', props, vcard, token: child(body, DAV_NS, 'sync-token')?.text.trim() ?? '', limit };
  }
  // RFC 3253 3.6: a REPORT the resource does not support.
  throw new DavError(403, `REPORT ${body.local} is not supported`, { ns: DAV_NS, name: 'supported-report' });
}

function propsOf(body: XmlNode): PropRequest {
  const prop = child(body, DAV_NS, 'prop');
  if (prop) return propNames(prop);
  return child(body, DAV_NS, 'allprop') ? { kind: 'allprop' } : { kind: 'prop', names: [{ ns: DAV_NS, local: 'getetag' }] };
}

/**
 * RFC 4791 9.7: VCALENDAR > VEVENT with an optional time-range and prop-filters (9.7.2, with
 * text-match 9.7.5 and param-filter 9.7.3), and prop-filters on the VCALENDAR itself. A comp-filter
 * for another component matches nothing here (these collections hold events only); nested
 * comp-filters (VALARM) are refused with supported-filter (RFC 4791 7.7) rather than ignored.
 */
function readFilter(body: XmlNode): { range: TimeRange | undefined; matchesNothing: boolean; calendarProps: PropFilter[]; eventProps: PropFilter[] } {
  const calendar = child(child(body, CALDAV_NS, 'filter') ?? body, CALDAV_NS, 'comp-filter');
  if (!calendar || calendar.attrs.name?.toUpperCase() !== 'VCALENDAR') throw new DavError(400, 'calendar-query needs a VCALENDAR comp-filter', { ns: CALDAV_NS, name: 'valid-filter' });
  const budget = { left: MAX_FILTERS };
  const calendarProps = readPropFilters(CALDAV_FILTERS, calendar, budget);
  const none = { range: undefined, calendarProps, eventProps: [] };
  const inner = children(calendar, CALDAV_NS, 'comp-filter');
  if (inner.length === 0) return { ...none, matchesNothing: false };
  if (inner.length > 1) throw unsupportedFilter('several comp-filters');
  const component = inner[0];
  if (component.children.some(c => c.ns === CALDAV_NS && c.local === 'comp-filter')) throw unsupportedFilter('nested comp-filter');
  const negated = child(component, CALDAV_NS, 'is-not-defined') !== undefined;
  const isEvent = component.attrs.name?.toUpperCase() === 'VEVENT';
  if (negated) return { ...none, matchesNothing: isEvent };
  if (!isEvent) return { ...none, matchesNothing: true };
  const eventProps = readPropFilters(CALDAV_FILTERS, component, budget);
  const timeRange = child(component, CALDAV_NS, 'time-range');
  return { range: timeRange ? readTimeRange(timeRange) : undefined, matchesNothing: false, calendarProps, eventProps };
}

function unsupportedFilter(what: string): DavError {
  return new DavError(403, `calendar-query: ${what} is not supported yet`, { ns: CALDAV_NS, name: 'supported-filter' });
}

/**
 * RFC 6352 10.5: prop-filters joined by test="anyof" (the default) or "allof", each with
 * is-not-defined, text-match (10.5.4: collation, match-type, negate-condition) and param-filter.
 */
function readCardFilter(body: XmlNode): { filters: PropFilter[]; anyOf: boolean } {
  const filter = child(body, CARDDAV_NS, 'filter');
  if (!filter) return { filters: [], anyOf: true };
  return { filters: readPropFilters(CARDDAV_FILTERS, filter, { left: MAX_FILTERS }), anyOf: filter.attrs.test !== 'allof' };
}

/** RFC 4791 9.9: UTC date-times; a missing start or end is open. */
export function readTimeRange(node: XmlNode): TimeRange {
  const at = (v: string | undefined, open: number): number => {
    if (v === undefined) return open;
    const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v.trim());
    if (!m) throw new DavError(400, `time-range value ${v} is no UTC date-time`, { ns: CALDAV_NS, name: 'valid-filter' });
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  };
  const range = { from: at(node.attrs.start, -8.64e15), to: at(node.attrs.end, 8.64e15) };
  if (node.attrs.start === undefined && node.attrs.end === undefined) throw new DavError(400, 'time-range without start or end', { ns: CALDAV_NS, name: 'valid-filter' });
  return range;
}

export async function runReport(store: Store, user: User, area: DavArea, folderId: number, report: Report): Promise<string> {
  const folder = await davFolder(store, user.id, area, folderId);
  const on = { store, user, area, folder };
  const wrong = (report.kind === 'multiget' && report.area !== area) || report.kind === (area === 'calendars' ? 'addressbook-query' : 'calendar-query');
  if (wrong) throw new DavError(403, `this REPORT is not served on ${area}`, { ns: DAV_NS, name: 'supported-report' });
  switch (report.kind) {
    case 'multiget': return multiget(on, report);
    case 'calendar-query': return query(on, report);
    case 'addressbook-query': return cardQuery(on, report);
    case 'sync-collection': return syncCollection(on, report);
  }
}

interface On { store: Store; user: User; area: DavArea; folder: DavFolder }

/** One resource's answer; one that cannot be rendered is a 500 for its href alone, never the whole report. */
function objectResponse(on: On, item: Item, r: Report): string {
  const { props } = r;
  const href = objectHref(on.area, on.user.email, on.folder, resourceName(item));
  try {
    const wantsData = props.kind === 'prop' && props.names.some(n => (n.ns === CALDAV_NS && n.local === 'calendar-data') || (n.ns === CARDDAV_NS && n.local === 'address-data'));
    const data = wantsData ? renderItem(item, r.vcard) : undefined;
    return propResponse(href, { kind: 'object', user: on.user, folderId: on.folder.id, item, data }, props);
  } catch {
    return statusResponse(href, '500 Internal Server Error');
  }
}

async function multiget(on: On, r: Extract<Report, { kind: 'multiget' }>): Promise<string> {
  const names = r.hrefs.map(href => nameAt(on, href));
  const items = await findObjects(on.store, on.area, on.folder.id, names.filter((n): n is string => n !== undefined));
  return multistatus(r.hrefs.map((href, i) => {
    const item = names[i] === undefined ? undefined : items.get(names[i]!);
    return item ? objectResponse(on, item, r) : statusResponse(href, '404 Not Found');
  }));
}

/** The member name an href gives in this collection, or undefined for an href elsewhere. */
function nameAt({ user, area, folder }: On, href: string): string | undefined {
  try {
    const path = parseDavPath(new URL(href, 'http://convene').pathname);
    if (path.kind !== 'object' || path.area !== area || !segmentNames(path.segment, folder) || path.account.toLowerCase() !== user.email.toLowerCase()) return undefined;
    return path.name;
  } catch (e) {
    if (e instanceof DavError || e instanceof TypeError) return undefined;
    throw e;
  }
}

/** Whether a URL segment names this folder: by its id, or the name its DAV client gave it. */
function segmentNames(segment: string, folder: DavFolder): boolean {
  return folderIdOf(segment) === folder.id || segment === folder.davName;
}

async function query(on: On, r: Extract<Report, { kind: 'calendar-query' }>): Promise<string> {
  if (r.matchesNothing) return multistatus([]);
  const out: string[] = [];
  for (const item of await on.store.getItems(on.folder.id, await on.store.liveItemIds(on.folder.id))) {
    if (item.class !== 'Calendar') continue;
    const event = eventOfItem(item);
    if (!event || (r.range && !meetsTimeRange(event, r.range, zoneLookup))) continue;
    if ((r.calendarProps.length > 0 || r.eventProps.length > 0) && !calendarPropsMatch(item, r)) continue;
    out.push(objectResponse(on, item, r));
  }
  return multistatus(out);
}

async function cardQuery(on: On, r: Extract<Report, { kind: 'addressbook-query' }>): Promise<string> {
  const out: string[] = [];
  for (const item of await on.store.getItems(on.folder.id, await on.store.liveItemIds(on.folder.id))) {
    if (item.class !== 'Contacts') continue;
    if (r.filters.length > 0) {
      const props = propertiesOf(parseRendered(item, r.vcard));
      const hits = r.filters.map(f => propFilterMatches(f, props));
      if (r.anyOf ? !hits.some(Boolean) : !hits.every(Boolean)) continue;
    }
    out.push(objectResponse(on, item, r));
  }
  return multistatus(out);
}

/** RFC 4791 9.7.1: the VCALENDAR's prop-filters, and one VEVENT (the series or an override) meeting all the event's. */
function calendarPropsMatch(item: Item, r: Extract<Report, { kind: 'calendar-query' }>): boolean {
  const calendar = parseRendered(item, r.vcard);
  if (!r.calendarProps.every(f => propFilterMatches(f, propertiesOf(calendar)))) return false;
  if (r.eventProps.length === 0) return true;
  return componentsOf(calendar, 'VEVENT').some(e => { const props = propertiesOf(e); return r.eventProps.every(f => propFilterMatches(f, props)); });
}

/** The resource as a client reads it, parsed; one that cannot be rendered or parsed matches nothing. */
function parseRendered(item: Item, vcard: VCardVersion): unknown[] {
  try {
    return parseComponent(renderItem(item, vcard));
  } catch {
    return ['none', [], []];
  }
}

/**
 * RFC 6578 3.2-3.6: members changed since the token, each once as it is now (a tombstone as 404),
 * and the token of the newest change reported. The first sync (empty token) lists live members only.
 * A page that stops short says so with a 507 response for the collection (RFC 6578 3.6).
 */
async function syncCollection(on: On, r: Extract<Report, { kind: 'sync-collection' }>): Promise<string> {
  const { store, user, area, folder } = on;
  const since = readSyncToken(r.token, folder);
  const page = Math.min(r.limit ?? SYNC_PAGE, SYNC_PAGE);
  const changes = await store.listChanges(folder.id, since, page + 1);
  const truncated = changes.length > page;
  const shown = changes.slice(0, page);
  const items = new Map((await store.getItems(folder.id, shown.map(c => c.id))).map(i => [i.id, i]));
  const out: string[] = [];
  for (const change of shown) {
    const item = items.get(change.id);
    if (!item || item.class !== ITEM_CLASS[area]) continue;
    if (item.deleted) {
      if (since > 0) out.push(statusResponse(objectHref(area, user.email, folder, resourceName(item)), '404 Not Found'));
    } else {
      out.push(objectResponse(on, item, r));
    }
  }
  // Changes commit in modseq order (store/sql/items.ts), so the newest one shown covers all before it.
  const reached = shown.length > 0 ? shown[shown.length - 1].modseq : Math.max(since, folder.modseq);
  if (truncated) out.push(statusResponse(collectionHref(area, user.email, folder), '507 Insufficient Storage'));
  return multistatus(out, `<d:sync-token>${esc(syncTokenOf({ id: folder.id, modseq: reached }))}</d:sync-token>`);
}
