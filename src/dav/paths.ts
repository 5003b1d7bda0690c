// The URL layout (docs/dav.md, "URL layout"): one principal and one calendar home per account, one
// calendar collection per calendar folder (named by the segment its DAV client chose at MKCALENDAR,
// else by its folder id, as EAS ServerIds are), and one resource per event, under the name its
// client chose or `eas-<item id>.ics` for the others.
import type { Store } from '../store/Store.js';
import type { Folder, Item, User } from '../store/types.js';
import { DavError } from './errors.js';

export const DAV_ROOT = '/dav';
/** RFC 6764 5: where clients start looking. */
export const WELL_KNOWN_CALDAV = '/.well-known/caldav';
export const WELL_KNOWN_CARDDAV = '/.well-known/carddav';

/** Calendars (RFC 4791) and address books (RFC 6352) each have a home per account. */
export type DavArea = 'calendars' | 'addressbooks';

export type DavPath =
  | { kind: 'root' }
  | { kind: 'principal'; account: string }
  | { kind: 'home'; area: DavArea; account: string }
  | { kind: 'collection'; area: DavArea; account: string; folderId: number }
  | { kind: 'object'; area: DavArea; account: string; folderId: number; name: string }
  /** RFC 6638 2.1-2.2: the account's scheduling outbox (free/busy by POST) and inbox (empty: the engine delivers). */
  | { kind: 'schedule-box'; box: ScheduleBox; account: string };

export type ScheduleBox = 'inbox' | 'outbox';

/** A path as it was written: a collection is named by its URL segment, not yet by its folder. */
export type RawDavPath =
  | Exclude<DavPath, { kind: 'collection' | 'object' }>
  | { kind: 'collection'; area: DavArea; account: string; segment: string }
  | { kind: 'object'; area: DavArea; account: string; segment: string; name: string };

const MAX_NAME = 255;

/** The path below /dav, or a 404 for a layout Convene has no resource at. */
export function parseDavPath(pathname: string): RawDavPath {
  const segments = pathname.slice(DAV_ROOT.length).split('/').filter(s => s !== '').map(decode);
  const [area, account, segment, name, ...rest] = segments;
  if (area === undefined) return { kind: 'root' };
  if (account === undefined || rest.length > 0) throw notFound();
  if (area === 'principals' && segment === undefined) return { kind: 'principal', account };
  if (area === 'scheduling') {
    if ((segment === 'inbox' || segment === 'outbox') && name === undefined) return { kind: 'schedule-box', box: segment, account };
    throw notFound();
  }
  if (area !== 'calendars' && area !== 'addressbooks') throw notFound();
  if (segment === undefined) return { kind: 'home', area, account };
  if (!validName(segment)) throw notFound();
  if (name === undefined) return { kind: 'collection', area, account, segment };
  if (!validName(name)) throw notFound();
  return { kind: 'object', area, account, segment, name };
}

function validName(name: string): boolean {
  return name.length <= MAX_NAME && name !== '.' && name !== '..' && !/[\x00-\x1f/\\]/.test(name);
}

/** A segment of digits names a folder by id (every collection answers there too). */
export function folderIdOf(segment: string): number | undefined {
  return /^[1-9][0-9]{0,15}$/.test(segment) ? Number(segment) : undefined;
}

/** The folder a collection segment names: by id, or by the name a DAV client gave it; else a 404. */
export async function resolveDavPath(store: Store, user: User, path: RawDavPath): Promise<DavPath> {
  if (path.kind !== 'collection' && path.kind !== 'object') return path;
  const byId = folderIdOf(path.segment);
  const folderId = byId ?? (await store.findFolderByDavName(user.id, path.segment))?.id;
  if (folderId === undefined) throw notFound();
  const { segment: _, ...rest } = path;
  return { ...rest, folderId };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw notFound();
  }
}

function notFound(): DavError {
  return new DavError(404, 'no such DAV resource');
}

const enc = encodeURIComponent;

export const principalHref = (account: string): string => `${DAV_ROOT}/principals/${enc(account)}/`;
export const scheduleBoxHref = (box: ScheduleBox, account: string): string => `${DAV_ROOT}/scheduling/${enc(account)}/${box}/`;
export const homeHref = (area: DavArea, account: string): string => `${DAV_ROOT}/${area}/${enc(account)}/`;
type FolderRef = number | Pick<Folder, 'id' | 'davName'>;
/** The URL segment of a collection: the name its DAV client chose, else the folder id. */
export const segmentOf = (f: FolderRef): string => (typeof f === 'number' ? String(f) : f.davName ?? String(f.id));
export const collectionHref = (area: DavArea, account: string, folder: FolderRef): string => `${homeHref(area, account)}${enc(segmentOf(folder))}/`;
export const objectHref = (area: DavArea, account: string, folder: FolderRef, name: string): string => `${collectionHref(area, account, folder)}${enc(name)}`;

/** The resource name of an item: its client's, or one made from its id for items from EAS and mail. */
export function resourceName(item: Pick<Item, 'id' | 'davName' | 'class'>): string {
  return item.davName ?? `eas-${item.id}.${item.class === 'Contacts' ? 'vcf' : 'ics'}`;
}

/** The item id a made-up name stands for. */
export function idOfMadeName(name: string, area: DavArea): number | undefined {
  const m = /^eas-([1-9][0-9]{0,15})\.(ics|vcf)$/.exec(name);
  return m && m[2] === (area === 'addressbooks' ? 'vcf' : 'ics') ? Number(m[1]) : undefined;
}

export const calendarHomeFor = (user: User): string => homeHref('calendars', user.email);
export const addressbookHomeFor = (user: User): string => homeHref('addressbooks', user.email);
