// PROPFIND (RFC 4918 9.1) at depth 0 or 1 over the URL layout (paths.ts). Depth infinity is refused
// with the propfind-finite-depth precondition (RFC 4918 9.1, 16).
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { davFolder, davFolders, findObject, ITEM_CLASS } from './collections.js';
import { DAV_NS, DavError } from './errors.js';
import { propNames, propResponse, type PropRequest } from './multistatus.js';
import { collectionHref, homeHref, objectHref, principalHref, resourceName, scheduleBoxHref, type DavArea, type DavPath } from './paths.js';
import type { DavResource } from './props.js';
import { child, multistatus, type XmlNode } from './xml.js';

const AREAS: DavArea[] = ['calendars', 'addressbooks'];

export function readPropfind(body: XmlNode | undefined): PropRequest {
  // RFC 4918 9.1: no body means allprop.
  if (!body) return { kind: 'allprop' };
  if (body.ns !== DAV_NS || body.local !== 'propfind') throw new DavError(400, 'the body is no DAV:propfind');
  const prop = child(body, DAV_NS, 'prop');
  if (prop) return propNames(prop);
  if (child(body, DAV_NS, 'propname')) return { kind: 'propname' };
  if (child(body, DAV_NS, 'allprop')) return { kind: 'allprop' };
  throw new DavError(400, 'DAV:propfind names no prop, propname or allprop');
}

/** RFC 4918 10.2: no Depth header on PROPFIND means infinity. */
export function readDepth(header: string | undefined): '0' | '1' {
  const depth = header?.trim().toLowerCase() ?? 'infinity';
  if (depth === '0' || depth === '1') return depth;
  throw new DavError(403, 'Depth: infinity is not served', { ns: DAV_NS, name: 'propfind-finite-depth' });
}

/** `maxSize`: the largest body a PUT may send, answered as max-resource-size. */
export async function propfind(store: Store, user: User, path: DavPath, depth: '0' | '1', request: PropRequest, maxSize?: number): Promise<string> {
  const out: string[] = [];
  const add = (href: string, r: DavResource): void => { out.push(propResponse(href, r, request)); };
  const collection = async (area: DavArea, folderId: number): Promise<DavResource & { kind: 'collection' }> => {
    const folder = await davFolder(store, user.id, area, folderId);
    return { kind: 'collection', user, folder, stored: await store.getFolderDavProps(user.id, folder.id), maxSize };
  };
  switch (path.kind) {
    case 'root':
      add('/dav/', { kind: 'root', user });
      if (depth === '1') {
        add(principalHref(user.email), { kind: 'principal', user });
        for (const area of AREAS) add(homeHref(area, user.email), { kind: 'home', user, area });
      }
      break;
    case 'principal':
      add(principalHref(user.email), { kind: 'principal', user });
      break;
    case 'schedule-box':
      add(scheduleBoxHref(path.box, user.email), { kind: 'schedule-box', user, box: path.box });
      break;
    case 'home':
      add(homeHref(path.area, user.email), { kind: 'home', user, area: path.area });
      if (depth === '1') {
        for (const f of await davFolders(store, user.id, path.area)) add(collectionHref(path.area, user.email, f), await collection(path.area, f.id));
      }
      break;
    case 'collection': {
      const resource = await collection(path.area, path.folderId);
      const { folder } = resource;
      add(collectionHref(path.area, user.email, folder), resource);
      if (depth === '1') {
        for (const item of await store.getItems(folder.id, await store.liveItemIds(folder.id))) {
          if (item.class === ITEM_CLASS[path.area]) add(objectHref(path.area, user.email, folder, resourceName(item)), { kind: 'object', user, folderId: folder.id, item });
        }
      }
      break;
    }
    case 'object': {
      const folder = await davFolder(store, user.id, path.area, path.folderId);
      const item = await findObject(store, path.area, path.folderId, path.name);
      if (!item) throw new DavError(404, `no resource ${path.name}`);
      add(objectHref(path.area, user.email, folder, resourceName(item)), { kind: 'object', user, folderId: path.folderId, item });
      break;
    }
  }
  return multistatus(out);
}
