// The collections DAV serves, over the store: calendars (RFC 4791) are the account's calendar
// folders, address books (RFC 6352) its contacts folders, each named by its folder id; a member is
// an item of the area's class, found by the name its client chose or the one made from its id.
import type { Store } from '../store/Store.js';
import { FolderType, type Folder, type Item, type ItemClass } from '../store/types.js';
import { DavError } from './errors.js';
import { idOfMadeName, type DavArea } from './paths.js';

export type DavFolder = Folder & { modseq: number; purgedModseq: number };

const FOLDER_TYPES: Record<DavArea, readonly number[]> = {
  calendars: [FolderType.Calendar, FolderType.UserCalendar],
  addressbooks: [FolderType.Contacts, FolderType.UserContacts],
};
export const ITEM_CLASS: Record<DavArea, ItemClass> = { calendars: 'Calendar', addressbooks: 'Contacts' };

export function isCollectionOf(area: DavArea, f: Pick<Folder, 'type'>): boolean {
  return FOLDER_TYPES[area].includes(f.type);
}

/** The area a collection folder belongs to. */
export function areaOf(f: Pick<Folder, 'type'>): DavArea {
  return isCollectionOf('addressbooks', f) ? 'addressbooks' : 'calendars';
}

/** Every folder of the account that is a collection of the area. */
export async function davFolders(store: Store, userId: number, area: DavArea): Promise<Folder[]> {
  return (await store.listFolders(userId)).filter(f => isCollectionOf(area, f));
}

/** The account's collection by folder id with its change counters, or a 404. */
export async function davFolder(store: Store, userId: number, area: DavArea, folderId: number): Promise<DavFolder> {
  const folder = await store.getFolder(userId, folderId);
  if (!folder || !isCollectionOf(area, folder)) throw new DavError(404, `no ${area} collection ${folderId}`);
  return folder;
}

/** The live member at `name` in the folder, if any. */
export async function findObject(store: Store, area: DavArea, folderId: number, name: string): Promise<Item | undefined> {
  const named = await store.findItemByDavName(folderId, name);
  if (named) return named.class === ITEM_CLASS[area] ? named : undefined;
  const id = idOfMadeName(name, area);
  if (id === undefined) return undefined;
  const [item] = await store.getItems(folderId, [id]);
  return item && !item.deleted && item.davName === undefined && item.class === ITEM_CLASS[area] ? item : undefined;
}

/** findObject for many names at once (a multiget): two statements whatever the count. */
export async function findObjects(store: Store, area: DavArea, folderId: number, names: string[]): Promise<Map<string, Item>> {
  const found = new Map<string, Item>();
  const named = new Map((await store.findItemsByDavNames(folderId, [...new Set(names)])).map(i => [i.davName!, i]));
  const made = new Map<number, string>();
  for (const name of names) {
    const item = named.get(name);
    if (item) {
      if (item.class === ITEM_CLASS[area]) found.set(name, item);
      continue;
    }
    const id = idOfMadeName(name, area);
    if (id !== undefined) made.set(id, name);
  }
  for (const item of await store.getItems(folderId, [...made.keys()])) {
    if (!item.deleted && item.davName === undefined && item.class === ITEM_CLASS[area]) found.set(made.get(item.id)!, item);
  }
  return found;
}

/** RFC 4791 5.3.4 / RFC 7232 2.3: a strong ETag; the item's version changes with every write. */
export function etagOf(item: Pick<Item, 'id' | 'modseq'>): string {
  return `"${item.id}-${item.modseq}"`;
}

/**
 * RFC 6638 3.1: a scheduling object resource is an event with an ORGANIZER and attendees; only those
 * have a schedule tag.
 */
export function isSchedulingObject(item: Pick<Item, 'event'>): boolean {
  return !!item.event?.organizer && !!item.event.attendees?.length;
}

/**
 * RFC 6638 3.2.10: the schedule tag, an opaque quoted string like an entity tag. It follows every
 * change but a reply merged into the organizer's copy (Item.scheduleTag), so an organizer's client
 * can write over answers it has not seen yet (If-Schedule-Tag-Match).
 */
export function scheduleTagOf(item: Pick<Item, 'id' | 'modseq' | 'scheduleTag'>): string {
  return `"${item.id}-${item.scheduleTag ?? item.modseq}"`;
}

/** RFC 6578 3.2: a sync token is a URI; it names the collection and the change count it stands for. */
export function syncTokenOf(folder: Pick<DavFolder, 'id' | 'modseq'>): string {
  return `urn:convene:sync:${folder.id}:${folder.modseq}`;
}

/** RFC 6578 3.2: the change count a client's token stands for, or the precondition it fails. */
export function readSyncToken(token: string, folder: DavFolder): number {
  if (token === '') return 0;
  const m = /^urn:convene:sync:([0-9]+):([0-9]+)$/.exec(token.trim());
  const modseq = m && Number(m[1]) === folder.id ? Number(m[2]) : undefined;
  // A token from another collection, from the future, or older than the purged tombstones.
  if (modseq === undefined || modseq > folder.modseq || modseq < folder.purgedModseq) {
    throw new DavError(403, 'the sync token is not valid for this collection now', { ns: 'DAV:', name: 'valid-sync-token' });
  }
  return modseq;
}
