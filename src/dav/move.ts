// WebDAV MOVE of one calendar object or contact (RFC 4918 9.9) to another collection of the same
// account, or another name: how a CalDAV client moves an event between calendars. A move is no
// scheduling change (docs/resources-delegates.md, "Several calendars"): nothing is sent, the
// meeting's attendees and answers stay as they are, and replies find it in its new calendar.
// EAS devices see a Delete in one folder and an Add in the other, as for MoveItems.
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { davFolder, findObject } from './collections.js';
import { DavError } from './errors.js';
import { vcardUid } from './addressbook.js';
import { check, checkCardUid, checkUid, type Conditions, type DavResponse, type Place } from './objects.js';
import { DAV_ROOT, objectHref, parseDavPath, resolveDavPath } from './paths.js';

export interface MoveHeaders {
  destination: string | undefined;
  overwrite: string | undefined;
}

export async function moveObject(store: Store, user: User, from: Place, h: MoveHeaders, c: Conditions): Promise<DavResponse> {
  const to = await destinationOf(store, user, from, h.destination);
  // RFC 4918 10.6: Overwrite is T or F, T when absent.
  const overwrite = (h.overwrite ?? 'T').trim().toUpperCase();
  if (overwrite !== 'T' && overwrite !== 'F') throw new DavError(400, 'Overwrite is T or F');
  const done = await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    await davFolder(tx, user.id, from.area, from.folderId);
    // RFC 4918 9.9.4: 409 when the destination's collection does not exist (here: is no collection of this area).
    const folderRef = await davFolder(tx, user.id, to.area, to.folderId).catch(() => { throw new DavError(409, 'the Destination collection does not exist'); });
    const source = await findObject(tx, from.area, from.folderId, from.name);
    check(c, source);
    if (!source) throw new DavError(404, `no resource ${from.name}`);
    const existing = await findObject(tx, to.area, to.folderId, to.name);
    // RFC 4918 9.9.4: 403 when source and destination are the same resource.
    if (existing?.id === source.id) throw new DavError(403, 'the destination is the resource itself');
    if (existing && overwrite === 'F') throw new DavError(412, 'Overwrite: F and the destination exists');
    // RFC 4791 5.3.2.1, RFC 6352 6.3.2.1: the UID must stay unique in the collection it moves to
    // (the resource it replaces does not count, whatever its UID, nor the one moving: a rename in place).
    if (source.event) await checkUid(tx, user, { ...to, folderRef }, source.event, existing?.event?.uid === source.event.uid ? existing : undefined, source.id);
    else await checkCardUid(tx, user, { ...to, folderRef }, vcardUid(source.props), existing, source.id);
    // RFC 4918 9.9.3: an overwritten destination is removed first — replaced, not unscheduled.
    if (existing) await tx.deleteItem(user.id, existing.id);
    if (!await tx.moveItem(user.id, source.id, to.folderId, to.name)) throw new DavError(404, `no resource ${from.name}`);
    return { replaced: existing !== undefined, folderRef };
  });
  // RFC 4918 9.9.4: 201 for a new resource at the destination, 204 for one that replaced another.
  return done.replaced ? { status: 204, headers: {}, body: '' }
    : { status: 201, headers: { Location: objectHref(to.area, user.email, done.folderRef, to.name) }, body: '' };
}

/** RFC 4918 10.3: the Destination, a URI or absolute path, naming an object of this account and area. */
async function destinationOf(store: Store, user: User, from: Place, header: string | undefined): Promise<Place> {
  if (!header?.trim()) throw new DavError(400, 'MOVE needs a Destination');
  let pathname: string;
  try {
    pathname = new URL(header.trim(), 'http://destination.invalid').pathname;
  } catch {
    throw new DavError(400, 'Destination is no URI');
  }
  if (!pathname.startsWith(`${DAV_ROOT}/`)) throw new DavError(403, 'the Destination is not a DAV resource of this server');
  let raw;
  try {
    raw = parseDavPath(pathname);
  } catch {
    throw new DavError(403, 'the Destination is no place a resource can be');
  }
  if (raw.kind !== 'object' || raw.area !== from.area || raw.account.toLowerCase() !== user.email.toLowerCase()) {
    throw new DavError(403, `a ${from.area === 'calendars' ? 'calendar object' : 'contact'} moves into another of the account's ${from.area === 'calendars' ? 'calendars' : 'address books'} only`);
  }
  try {
    const resolved = await resolveDavPath(store, user, raw);
    if (resolved.kind !== 'object') throw new Error('not an object');
    return { area: resolved.area, folderId: resolved.folderId, name: resolved.name };
  } catch {
    // RFC 4918 9.9.4: 409 when the destination's collection does not exist.
    throw new DavError(409, 'the Destination collection does not exist');
  }
}
