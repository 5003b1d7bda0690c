// Methods on collections themselves: MKCALENDAR (RFC 4791 5.3.1), extended MKCOL (RFC 5689),
// PROPPATCH (RFC 4918 9.2) and DELETE. A new calendar or address book is a user-created EAS folder
// (Calendar type 13, Contacts type 14) at the root, so devices see it on their next FolderSync (the
// store announces the hierarchy change: held Pings answer Status 7); a rename is a FolderUpdate, a
// DELETE a FolderDelete. Every write holds the account's lock, as EAS folder commands' store calls do.
import type { Store } from '../store/Store.js';
import type { Folder, User } from '../store/types.js';
import { isSpecialFolder } from '../sync/folderCommands.js';
import { creatableType, planUpdates, readCreationProps, readPropertyUpdate, type Plan } from './collectionProps.js';
import { davFolder } from './collections.js';
import { CALDAV_NS, DAV_NS, DavError } from './errors.js';
import type { DavResponse } from './objects.js';
import { collectionHref, folderIdOf, type DavArea, type DavPath, type RawDavPath } from './paths.js';
import { esc, qname, XML_HEADER, xmlRoot, type XmlNode } from './xml.js';

const XML_TYPE = 'application/xml; charset=utf-8';
/** Suffixes tried to make a new collection's name unique among the root folders (EAS names are unique per parent). */
const MAX_SUFFIX = 100;

export async function makeCollection(store: Store, user: User, method: 'MKCALENDAR' | 'MKCOL', target: RawDavPath, body: XmlNode | undefined): Promise<DavResponse> {
  // RFC 4918 9.3.1: MKCOL on something that exists is 405; RFC 4791 5.3.1.1 calendar-collection-location-ok.
  if (target.kind === 'root' || target.kind === 'principal' || target.kind === 'home' || target.kind === 'schedule-box') {
    throw new DavError(405, `${method} on an existing resource`, { ns: DAV_NS, name: 'resource-must-be-null' });
  }
  if (target.kind === 'object') throw new DavError(403, 'collections are made in a home only', { ns: CALDAV_NS, name: 'calendar-collection-location-ok' });
  const { area, segment } = target;
  if (method === 'MKCALENDAR' && area !== 'calendars') throw new DavError(403, 'calendars are made in the calendar home', { ns: CALDAV_NS, name: 'calendar-collection-location-ok' });
  const nodes = method === 'MKCALENDAR' ? readCreationProps(body, CALDAV_NS, 'mkcalendar') : readCreationProps(body, DAV_NS, 'mkcol');
  // RFC 5689 3: a MKCOL must say what it makes; a plain WebDAV collection has no place here.
  if (method === 'MKCOL' && !nodes.some(n => n.ns === DAV_NS && n.local === 'resourcetype')) {
    throw new DavError(403, `MKCOL makes ${area === 'calendars' ? 'calendars' : 'address books'} only`, { ns: DAV_NS, name: 'valid-resourcetype' });
  }
  const byId = folderIdOf(segment);
  if (byId !== undefined) {
    if (await store.getFolder(user.id, byId)) throw new DavError(405, `collection ${segment} exists`, { ns: DAV_NS, name: 'resource-must-be-null' });
    // Segments of digits name folders by id (paths.ts): a client's new collection needs another name.
    throw new DavError(403, 'a name of digits only is reserved for folder ids');
  }
  const plan = planUpdates(area, undefined, [], {}, nodes.map(node => ({ op: 'set', node })));
  if (!plan.ok) {
    const root = method === 'MKCALENDAR' ? qname(CALDAV_NS, 'mkcalendar-response') : qname(DAV_NS, 'mkcol-response');
    return { status: 403, headers: { 'Content-Type': XML_TYPE }, body: `${XML_HEADER}${xmlRoot(root, propstats(plan))}` };
  }
  await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    if (await tx.findFolderByDavName(user.id, segment)) throw new DavError(405, `collection ${segment} exists`, { ns: DAV_NS, name: 'resource-must-be-null' });
    const roots = (await tx.listFolders(user.id)).filter(f => f.parentId === 0);
    const displayName = uniqueName(plan.displayName ?? defaultName(area, segment), roots);
    await tx.createFolder(user.id, { parentId: 0, displayName, type: creatableType(area), davName: segment, davProps: plan.props });
  });
  return { status: 201, headers: { 'Cache-Control': 'no-cache' }, body: '' };
}

/** RFC 4918 9.2: every property set or removed together, or none; a 207 naming each one. */
export async function patchCollection(store: Store, user: User, target: Extract<DavPath, { kind: 'collection' }>, body: XmlNode | undefined): Promise<DavResponse> {
  if (!body) throw new DavError(400, 'PROPPATCH needs a body');
  const updates = readPropertyUpdate(body);
  const plan = await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    const folder = await davFolder(tx, user.id, target.area, target.folderId);
    const stored = await tx.getFolderDavProps(user.id, folder.id);
    const made = { ...planUpdates(target.area, folder, await tx.listFolders(user.id), stored, updates), href: collectionHref(target.area, user.email, folder) };
    if (!made.ok) return made;
    if (made.displayName !== undefined && made.displayName !== folder.displayName) {
      await tx.updateFolder(user.id, folder.id, { parentId: folder.parentId, displayName: made.displayName });
    }
    await tx.setFolderDavProps(user.id, folder.id, made.props);
    return made;
  });
  const xml = xmlRoot(qname(DAV_NS, 'multistatus'), `<d:response><d:href>${esc(plan.href)}</d:href>${propstats(plan)}</d:response>`);
  return { status: 207, headers: { 'Content-Type': XML_TYPE }, body: `${XML_HEADER}${xml}` };
}

/** DELETE of a calendar or address book a user made; the default ones stay (as EAS FolderDelete, Status 3). */
export async function deleteCollection(store: Store, user: User, target: Extract<DavPath, { kind: 'collection' }>): Promise<DavResponse> {
  await store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    const folder = await davFolder(tx, user.id, target.area, target.folderId);
    if (isSpecialFolder(folder)) throw new DavError(403, `the default ${target.area === 'calendars' ? 'calendar' : 'address book'} cannot be deleted`);
    await tx.deleteFolder(user.id, folder.id);
  });
  return { status: 204, headers: {}, body: '' };
}

/** One propstat per status, each naming its properties (and the precondition a refusal broke). */
function propstats(plan: Plan): string {
  const byStatus = new Map<string, string[]>();
  const errors = new Map<string, string[]>();
  for (const v of plan.verdicts) {
    byStatus.set(v.status, [...(byStatus.get(v.status) ?? []), qname(v.node.ns, v.node.local).empty]);
    if (v.error) errors.set(v.status, [...(errors.get(v.status) ?? []), qname(v.error.ns, v.error.name).empty]);
  }
  return [...byStatus].map(([status, props]) => {
    const error = errors.has(status) ? `<d:error>${[...new Set(errors.get(status))].join('')}</d:error>` : '';
    return `<d:propstat><d:prop>${props.join('')}</d:prop><d:status>HTTP/1.1 ${status}</d:status>${error}</d:propstat>`;
  }).join('');
}

function defaultName(area: DavArea, segment: string): string {
  const name = segment.replace(/\.(ics|vcf)$/i, '').trim();
  return name === '' ? (area === 'calendars' ? 'Calendar' : 'Contacts') : [...name].slice(0, 200).join('');
}

/** The name, or the name with " (2)", " (3)"… when a root folder has it already (within 256 characters, MS-ASCMD DisplayName). */
function uniqueName(name: string, roots: Folder[]): string {
  const taken = new Set(roots.map(f => f.displayName.toLowerCase()));
  if (!taken.has(name.toLowerCase())) return name;
  for (let n = 2; n <= MAX_SUFFIX; n++) {
    const suffix = ` (${n})`;
    const candidate = `${[...name].slice(0, 256 - suffix.length).join('')}${suffix}`;
    if (!taken.has(candidate.toLowerCase())) return candidate;
  }
  throw new DavError(409, `too many collections named ${name}`);
}
