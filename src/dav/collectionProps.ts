// Writable properties of a collection (RFC 4918 9.2 PROPPATCH, and the properties a MKCALENDAR /
// extended MKCOL sets, RFC 4791 5.3.1, RFC 5689 3): each one judged before anything is written,
// all or none applied (RFC 4918 9.2: a failed one makes the rest 424). DAV:displayname is the
// folder's name, so a rename is an EAS FolderUpdate devices see on their next FolderSync; the
// description, colour, time zone and any dead property a client invents are kept on the folder
// (`folders.dav_props`, inner XML by `namespace|name`) and answered by PROPFIND as they came.
import ICAL from 'ical.js';
import { isSpecialFolder, validFolderName } from '../sync/folderCommands.js';
import { FolderType, type Folder } from '../store/types.js';
import { CALDAV_NS, CARDDAV_NS, CS_NS, DAV_NS, DavError, type Precondition } from './errors.js';
import type { DavArea } from './paths.js';
import { child, children, esc, type XmlNode } from './xml.js';

/** Apple's namespace for calendar-color and calendar-order (iCal, Thunderbird and DAVx5 read it too). */
export const APPLE_NS = 'http://apple.com/ns/ical/';
/** Stored properties per collection, and the bytes one value may take (a VTIMEZONE fits easily). */
export const MAX_STORED_PROPS = 32;
export const MAX_PROP_VALUE = 64 * 1024;

const key = (ns: string, local: string): string => `${ns}|${local}`;
/** Properties with a meaning here that a client may set, by the area they belong to. */
const KNOWN: Record<string, DavArea> = {
  [key(CALDAV_NS, 'calendar-description')]: 'calendars', // RFC 4791 5.2.1
  [key(CALDAV_NS, 'calendar-timezone')]: 'calendars', // RFC 4791 5.2.2
  [key(APPLE_NS, 'calendar-color')]: 'calendars',
  [key(APPLE_NS, 'calendar-order')]: 'calendars',
  [key(CARDDAV_NS, 'addressbook-description')]: 'addressbooks', // RFC 6352 6.2.1
};
/** Namespaces whose other names are the server's (live) properties: a client cannot set them. */
const LIVE_NS = new Set<string>([DAV_NS, CALDAV_NS, CARDDAV_NS, CS_NS]);

export interface PropUpdate { op: 'set' | 'remove'; node: XmlNode }
export interface Verdict { node: XmlNode; status: string; error?: Precondition | undefined }

/** What a creation or PROPPATCH comes to: the folder's new name, its stored properties, and per property the answer. */
export interface Plan { ok: boolean; verdicts: Verdict[]; displayName: string | undefined; props: Record<string, string> }

/** RFC 4918 14.19 propertyupdate: set and remove in document order. */
export function readPropertyUpdate(body: XmlNode): PropUpdate[] {
  if (body.ns !== DAV_NS || body.local !== 'propertyupdate') throw new DavError(400, 'the body is no DAV:propertyupdate');
  const out: PropUpdate[] = [];
  for (const step of body.children) {
    if (step.ns !== DAV_NS || (step.local !== 'set' && step.local !== 'remove')) continue;
    for (const node of child(step, DAV_NS, 'prop')?.children ?? []) out.push({ op: step.local, node });
  }
  if (out.length === 0) throw new DavError(400, 'PROPPATCH names no property');
  return out;
}

/** RFC 4791 5.3.1 mkcalendar / RFC 5689 3 mkcol: the properties of DAV:set. */
export function readCreationProps(body: XmlNode | undefined, ns: string, local: string): XmlNode[] {
  if (!body) return [];
  if (body.ns !== ns || body.local !== local) throw new DavError(400, `the body is no ${local}`);
  return children(body, DAV_NS, 'set').flatMap(s => child(s, DAV_NS, 'prop')?.children ?? []);
}

/**
 * Judges each update against the collection. `creating`: a MKCALENDAR / MKCOL, where
 * resourcetype and supported-calendar-component-set may be given (and are checked, not stored),
 * and the name is made unique later rather than refused.
 */
export function planUpdates(area: DavArea, folder: Pick<Folder, 'id' | 'type' | 'displayName' | 'parentId'> | undefined,
  siblings: Folder[], stored: Record<string, string>, updates: PropUpdate[]): Plan {
  const props = { ...stored };
  let displayName: string | undefined;
  const verdicts = updates.map(({ op, node }): Verdict => {
    const k = key(node.ns, node.local);
    const refuse = (status: string, error?: Precondition): Verdict => ({ node, status, error });
    const protectedProp = (): Verdict => refuse('403 Forbidden', { ns: DAV_NS, name: 'cannot-modify-protected-property' });
    if (k === key(DAV_NS, 'displayname')) {
      if (op === 'remove') return protectedProp();
      if (folder && isSpecialFolder(folder)) return protectedProp(); // MS-ASCMD 2.2.3.177.4: as FolderUpdate, Status 2
      const name = node.text.trim();
      if (!validFolderName(name)) return refuse('409 Conflict');
      const taken = folder && siblings.some(f => f.id !== folder.id && f.parentId === folder.parentId && f.displayName.toLowerCase() === name.toLowerCase());
      if (taken) return refuse('409 Conflict');
      displayName = name;
      return { node, status: '200 OK' };
    }
    if (!folder && op === 'set' && k === key(DAV_NS, 'resourcetype')) {
      return resourceTypeFits(area, node) ? { node, status: '200 OK' } : refuse('403 Forbidden', { ns: DAV_NS, name: 'valid-resourcetype' });
    }
    if (!folder && op === 'set' && area === 'calendars' && k === key(CALDAV_NS, 'supported-calendar-component-set')) {
      // RFC 4791 5.2.3: collections hold events only; a set naming VEVENT is taken, one without is refused.
      const names = children(node, CALDAV_NS, 'comp').map(c => c.attrs.name?.toUpperCase());
      return names.includes('VEVENT') ? { node, status: '200 OK' } : refuse('403 Forbidden', { ns: CALDAV_NS, name: 'supported-calendar-component' });
    }
    const known = KNOWN[k];
    if ((known !== undefined && known !== area) || (known === undefined && LIVE_NS.has(node.ns))) return protectedProp();
    if (op === 'remove') {
      delete props[k];
      return { node, status: '200 OK' };
    }
    if (k === key(CALDAV_NS, 'calendar-timezone') && !oneTimeZone(node.text)) {
      return refuse('403 Forbidden', { ns: CALDAV_NS, name: 'valid-calendar-data' });
    }
    const value = known ? esc(node.text) : innerXml(node);
    if (Buffer.byteLength(value) > MAX_PROP_VALUE) return refuse('507 Insufficient Storage');
    props[k] = value;
    return { node, status: '200 OK' };
  });
  const tooMany = Object.keys(props).length > MAX_STORED_PROPS;
  if (tooMany) for (const v of verdicts) if (v.status === '200 OK' && v.node.ns !== DAV_NS) v.status = '507 Insufficient Storage';
  const ok = verdicts.every(v => v.status === '200 OK');
  // RFC 4918 9.2: all or nothing; what would have worked fails with 424.
  if (!ok) for (const v of verdicts) if (v.status === '200 OK') v.status = '424 Failed Dependency';
  return { ok, verdicts, displayName, props };
}

/** RFC 5689 3.1: the resourcetype of a new collection must be the area's. */
function resourceTypeFits(area: DavArea, node: XmlNode): boolean {
  const has = (ns: string, local: string): boolean => child(node, ns, local) !== undefined;
  return has(DAV_NS, 'collection') && node.children.length === 2
    && (area === 'calendars' ? has(CALDAV_NS, 'calendar') : has(CARDDAV_NS, 'addressbook'));
}

/** RFC 4791 5.2.2: a VCALENDAR with exactly one VTIMEZONE. */
function oneTimeZone(text: string): boolean {
  try {
    const parsed = ICAL.parse(text.trim()) as unknown[];
    if (Array.isArray(parsed[0]) || String(parsed[0]).toLowerCase() !== 'vcalendar') return false;
    const comps = (parsed[2] ?? []) as unknown[][];
    return comps.filter(c => String(c[0]).toLowerCase() === 'vtimezone').length === 1;
  } catch {
    return false;
  }
}

/** A dead property's content as XML, each element carrying its own namespace declaration. */
function innerXml(node: XmlNode): string {
  return esc(node.text.trim() === '' && node.children.length > 0 ? '' : node.text) + node.children.map(outerXml).join('');
}

function outerXml(node: XmlNode): string {
  const attrs = Object.entries(node.attrs).map(([k, v]) => ` ${k}="${esc(v)}"`).join('');
  const open = node.ns === '' ? `${node.local} xmlns=""` : `x:${node.local} xmlns:x="${esc(node.ns)}"`;
  const close = node.ns === '' ? node.local : `x:${node.local}`;
  return `<${open}${attrs}>${innerXml(node)}</${close}>`;
}

/** The user-created folder type a new collection of the area gets (MS-ASCMD 2.2.3.186.2: 13, 14). */
export function creatableType(area: DavArea): Folder['type'] {
  return area === 'calendars' ? FolderType.UserCalendar : FolderType.UserContacts;
}
