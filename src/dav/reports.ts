// REPORTs on a calendar collection, each parsed into plain data before anything is read:
// calendar-multiget (RFC 4791 7.9), calendar-query (RFC 4791 7.8; VEVENT comp-filter with
// time-range, no expansion yet) and sync-collection (RFC 6578 3) on the folder's change log, the
// same modseq EAS Sync reads, so a change through either protocol shows once.
import { meetsTimeRange, type TimeRange } from '../calendar/timeRange.js';
import { zoneLookup } from '../calendar/window.js';
import { eventOfItem } from '../calendar/importExport.js';
import type { Store } from '../store/Store.js';
import type { Item, User } from '../store/types.js';
import { calendarFolder, findObject, readSyncToken, renderObject, syncTokenOf, type CalendarFolder } from './calendar.js';
import { CALDAV_NS, DAV_NS, DavError } from './errors.js';
import { propNames, propResponse, statusResponse, type PropRequest } from './multistatus.js';
import { collectionHref, objectHref, parseDavPath, resourceName } from './paths.js';
import { child, children, esc, multistatus, type XmlNode } from './xml.js';

export type Report =
  | { kind: 'calendar-multiget'; props: PropRequest; hrefs: string[] }
  | { kind: 'calendar-query'; props: PropRequest; range: TimeRange | undefined; matchesNothing: boolean }
  | { kind: 'sync-collection'; props: PropRequest; token: string; limit: number | undefined };

/** Changes one sync-collection answer carries at most; the rest follow with the next token (RFC 6578 3.6). */
export const SYNC_PAGE = 1000;

export function readReport(body: XmlNode): Report {
  const props = propsOf(body);
  if (body.ns === CALDAV_NS && body.local === 'calendar-multiget') {
    return { kind: 'calendar-multiget', props, hrefs: children(body, DAV_NS, 'href').map(h => h.text.trim()) };
  }
  if (body.ns === CALDAV_NS && body.local === 'calendar-query') return { kind: 'calendar-query', props, ...readFilter(body) };
  if (body.ns === DAV_NS && body.local === 'sync-collection') {
    const level = child(body, DAV_NS, 'sync-level')?.text.trim();
    if (level !== undefined && level !== '1' && level !== 'infinite') throw new DavError(400, `sync-level ${level}`);
    const nresults = child(child(body, DAV_NS, 'limit') ?? body, DAV_NS, 'nresults')?.text.trim();
    const limit = nresults !== undefined && /^[1-9][0-9]{0,8}$/.test(nresults) ? Number(nresults) : undefined;
    return { kind: 'sync-collection', props, token: child(body, DAV_NS, 'sync-token')?.text.trim() ?? '', limit };
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
 * RFC 4791 9.7: VCALENDAR > VEVENT with an optional time-range. A comp-filter for another component
 * matches nothing here (these collections hold events only); prop-filter and param-filter are not
 * evaluated yet and are refused with supported-filter (RFC 4791 7.7) rather than ignored.
 */
function readFilter(body: XmlNode): { range: TimeRange | undefined; matchesNothing: boolean } {
  const calendar = child(child(body, CALDAV_NS, 'filter') ?? body, CALDAV_NS, 'comp-filter');
  if (!calendar || calendar.attrs.name?.toUpperCase() !== 'VCALENDAR') throw new DavError(400, 'calendar-query needs a VCALENDAR comp-filter', { ns: CALDAV_NS, name: 'valid-filter' });
  unsupported(calendar);
  const inner = children(calendar, CALDAV_NS, 'comp-filter');
  if (inner.length === 0) return { range: undefined, matchesNothing: false };
  if (inner.length > 1) throw unsupportedFilter('several comp-filters');
  const component = inner[0];
  unsupported(component);
  if (component.children.some(c => c.ns === CALDAV_NS && c.local === 'comp-filter')) throw unsupportedFilter('nested comp-filter');
  const negated = child(component, CALDAV_NS, 'is-not-defined') !== undefined;
  const isEvent = component.attrs.name?.toUpperCase() === 'VEVENT';
  if (negated) return { range: undefined, matchesNothing: isEvent };
  if (!isEvent) return { range: undefined, matchesNothing: true };
  const timeRange = child(component, CALDAV_NS, 'time-range');
  return { range: timeRange ? readTimeRange(timeRange) : undefined, matchesNothing: false };
}

function unsupported(filter: XmlNode): void {
  if (filter.children.some(c => c.ns === CALDAV_NS && (c.local === 'prop-filter' || c.local === 'param-filter'))) throw unsupportedFilter('prop-filter');
}

function unsupportedFilter(what: string): DavError {
  return new DavError(403, `calendar-query: ${what} is not supported yet`, { ns: CALDAV_NS, name: 'supported-filter' });
}

/** RFC 4791 9.9: UTC date-times; a missing start or end is open. */
function readTimeRange(node: XmlNode): TimeRange {
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

export async function runReport(store: Store, user: User, folderId: number, report: Report): Promise<string> {
  const folder = await calendarFolder(store, user.id, folderId);
  switch (report.kind) {
    case 'calendar-multiget': return multiget(store, user, folder, report);
    case 'calendar-query': return query(store, user, folder, report);
    case 'sync-collection': return syncCollection(store, user, folder, report);
  }
}

function objectResponse(user: User, folder: CalendarFolder, item: Item, props: PropRequest): string {
  const wantsData = props.kind === 'prop' && props.names.some(n => n.ns === CALDAV_NS && n.local === 'calendar-data');
  const data = wantsData ? renderObject(item) : undefined;
  return propResponse(objectHref(user.email, folder.id, resourceName(item)), { kind: 'object', user, folderId: folder.id, item, data }, props);
}

async function multiget(store: Store, user: User, folder: CalendarFolder, r: Extract<Report, { kind: 'calendar-multiget' }>): Promise<string> {
  const out: string[] = [];
  for (const href of r.hrefs) {
    const item = await itemAt(store, user, folder, href);
    out.push(item ? objectResponse(user, folder, item, r.props) : statusResponse(href, '404 Not Found'));
  }
  return multistatus(out);
}

async function itemAt(store: Store, user: User, folder: CalendarFolder, href: string): Promise<Item | undefined> {
  try {
    const path = parseDavPath(new URL(href, 'http://convene').pathname);
    if (path.kind !== 'object' || path.folderId !== folder.id || path.account.toLowerCase() !== user.email.toLowerCase()) return undefined;
    return await findObject(store, folder.id, path.name);
  } catch (e) {
    if (e instanceof DavError || e instanceof TypeError) return undefined;
    throw e;
  }
}

async function query(store: Store, user: User, folder: CalendarFolder, r: Extract<Report, { kind: 'calendar-query' }>): Promise<string> {
  if (r.matchesNothing) return multistatus([]);
  const out: string[] = [];
  for (const item of await store.getItems(folder.id, await store.liveItemIds(folder.id))) {
    if (item.class !== 'Calendar') continue;
    const event = eventOfItem(item);
    if (!event || (r.range && !meetsTimeRange(event, r.range, zoneLookup))) continue;
    out.push(objectResponse(user, folder, item, r.props));
  }
  return multistatus(out);
}

/**
 * RFC 6578 3.2-3.6: members changed since the token, each once as it is now (a tombstone as 404),
 * and the token of the newest change reported. The first sync (empty token) lists live members only.
 * A page that stops short says so with a 507 response for the collection (RFC 6578 3.6).
 */
async function syncCollection(store: Store, user: User, folder: CalendarFolder, r: Extract<Report, { kind: 'sync-collection' }>): Promise<string> {
  const since = readSyncToken(r.token, folder);
  const page = Math.min(r.limit ?? SYNC_PAGE, SYNC_PAGE);
  const changes = await store.listChanges(folder.id, since, page + 1);
  const truncated = changes.length > page;
  const shown = changes.slice(0, page);
  const items = new Map((await store.getItems(folder.id, shown.map(c => c.id))).map(i => [i.id, i]));
  const out: string[] = [];
  for (const change of shown) {
    const item = items.get(change.id);
    if (!item || item.class !== 'Calendar') continue;
    if (item.deleted) {
      if (since > 0) out.push(statusResponse(objectHref(user.email, folder.id, resourceName(item)), '404 Not Found'));
    } else {
      out.push(objectResponse(user, folder, item, r.props));
    }
  }
  // Changes commit in modseq order (store/sql/items.ts), so the newest one shown covers all before it.
  const reached = shown.length > 0 ? shown[shown.length - 1].modseq : Math.max(since, folder.modseq);
  if (truncated) out.push(statusResponse(collectionHref(user.email, folder.id), '507 Insufficient Storage'));
  return multistatus(out, `<d:sync-token>${esc(syncTokenOf({ id: folder.id, modseq: reached }))}</d:sync-token>`);
}
