// The CalDAV and CardDAV mount on the EAS listener (docs/dav.md): /.well-known/caldav,
// /.well-known/carddav and everything under /dav/. One gate before every method: the listener's
// password check (same accounts, same logon throttle), the path resolved against the account, then
// the method. DavError answers carry their
// status and, for a failed precondition, the DAV:error body; anything else is a logged 500.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyAborted, BodyRefused, readBody } from '../net/body.js';
import type { HttpMount, HttpServices } from '../net/mount.js';
import type { User } from '../store/types.js';
import { checkVcardType, vcardVersion } from './addressbook.js';
import { CALDAV_NS, DAV_NS, DavError } from './errors.js';
import { deleteObject, getObject, putObject, type Conditions, type DavResponse } from './objects.js';
import { deleteCollection, makeCollection, patchCollection } from './collectionMethods.js';
import { DAV_ROOT, parseDavPath, resolveDavPath, WELL_KNOWN_CALDAV, WELL_KNOWN_CARDDAV, type DavPath } from './paths.js';
import { propfind, readDepth, readPropfind } from './propfind.js';
import { moveObject } from './move.js';
import { freeBusyQuery, isFreeBusyQuery, readFreeBusyWindow } from './freeBusy.js';
import { outboxFreeBusy } from './outbox.js';
import { readReport, runReport } from './reports.js';
import { errorBody, parseXml } from './xml.js';

const ALLOW = 'OPTIONS, GET, HEAD, PUT, DELETE, MOVE, POST, PROPFIND, PROPPATCH, REPORT, MKCALENDAR, MKCOL';
/**
 * RFC 4918 18, RFC 4791 5.1, RFC 6352 6.1: compliance classes (no LOCK, so no class 2). RFC 6638
 * 5.1 calendar-auto-schedule: the server schedules (implicitScheduling.ts), clients send no iTIP mail.
 * RFC 5689 3: extended-mkcol.
 */
const DAV_CLASSES = '1, 3, extended-mkcol, calendar-access, calendar-auto-schedule, addressbook';
/** PROPFIND and REPORT bodies are small; a calendar object may be as large as the listener allows. */
const MAX_XML_BODY = 1024 * 1024;
const XML_TYPE = 'application/xml; charset=utf-8';

export function davMount(): HttpMount {
  return {
    name: 'DAV',
    handles: path => path === WELL_KNOWN_CALDAV || path === WELL_KNOWN_CARDDAV || path === DAV_ROOT || path.startsWith(`${DAV_ROOT}/`),
    handle: (services, req, res, url) => handle(services, req, res, url).catch(e => {
      // Whatever of the body is left unread is not wanted: drained, so the connection stays usable.
      req.resume();
      fail(services, res, e);
    }),
  };
}

async function handle(s: HttpServices, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '');
  // RFC 6764 5: the well-known URI redirects to the context path, before any credentials.
  if (path.toLowerCase() === WELL_KNOWN_CALDAV || path.toLowerCase() === WELL_KNOWN_CARDDAV) return send(res, { status: 301, headers: { Location: `${DAV_ROOT}/` }, body: '' });
  if (req.method === 'OPTIONS') return send(res, { status: 200, headers: { DAV: DAV_CLASSES, Allow: ALLOW }, body: '' });
  const checked = await s.checkCredentials(req, 'DAV');
  if (!checked.user) {
    req.resume();
    return send(res, { status: checked.http, headers: checked.headers, body: '' });
  }
  const user = checked.user;
  const raw = parseDavPath(url.pathname);
  if ('account' in raw && raw.account.toLowerCase() !== user.email.toLowerCase()) {
    throw new DavError(404, 'another account\'s resources are not served');
  }
  if (req.method === 'MKCALENDAR' || req.method === 'MKCOL') {
    return send(res, await makeCollection(s.store, user, req.method, raw, await xmlBody(s, req)));
  }
  send(res, await dispatch(s, req, user, await resolveDavPath(s.store, user, raw)), req.method === 'HEAD');
}

async function dispatch(s: HttpServices, req: IncomingMessage, user: User, target: DavPath): Promise<DavResponse> {
  const method = req.method ?? '';
  if (method === 'PROPFIND') {
    const body = await xmlBody(s, req);
    const xml = await propfind(s.store, user, target, readDepth(header(req, 'depth')), readPropfind(body), s.body.maxBytes);
    return { status: 207, headers: { 'Content-Type': XML_TYPE }, body: xml };
  }
  if (target.kind === 'collection' && method === 'PROPPATCH') return patchCollection(s.store, user, target, await xmlBody(s, req));
  if (target.kind === 'collection' && method === 'DELETE') {
    req.resume();
    return deleteCollection(s.store, user, target);
  }
  if (method === 'REPORT') {
    const body = await xmlBody(s, req);
    if (!body) throw new DavError(400, 'REPORT needs a body');
    if (target.kind !== 'collection') throw new DavError(403, 'REPORTs are served on collections', { ns: DAV_NS, name: 'supported-report' });
    if (isFreeBusyQuery(body)) {
      if (target.area !== 'calendars') throw new DavError(403, 'free-busy-query is served on calendars', { ns: DAV_NS, name: 'supported-report' });
      // RFC 4791 7.10: 200 with the VFREEBUSY itself, not a multistatus.
      return { status: 200, headers: { 'Content-Type': 'text/calendar; charset=utf-8' }, body: await freeBusyQuery(s.store, user, target.folderId, readFreeBusyWindow(body)) };
    }
    const report = readReport(body);
    return { status: 207, headers: { 'Content-Type': XML_TYPE }, body: await runReport(s.store, user, target.area, target.folderId, report) };
  }
  if (target.kind === 'schedule-box' && target.box === 'outbox' && method === 'POST') {
    checkCalendarType(header(req, 'content-type'));
    const text = (await readBody(req, { ...s.body, maxBytes: Math.min(s.body.maxBytes, MAX_XML_BODY) })).toString('utf8');
    return { status: 200, headers: { 'Content-Type': XML_TYPE }, body: await outboxFreeBusy(s.store, user, text) };
  }
  if (target.kind !== 'object') {
    req.resume();
    // PUT on a collection, PROPPATCH on a home or principal: nothing to write there.
    const allow = target.kind === 'collection' ? 'OPTIONS, PROPFIND, PROPPATCH, REPORT, DELETE'
      : target.kind === 'schedule-box' && target.box === 'outbox' ? 'OPTIONS, PROPFIND, POST' : 'OPTIONS, PROPFIND';
    throw new DavError(405, `${method} is not served on ${target.kind}`, undefined, { Allow: allow });
  }
  const c = conditions(req);
  switch (method) {
    case 'GET': case 'HEAD': return getObject(s.store, user, target, c, vcardVersion(header(req, 'accept')));
    case 'PUT':
      if (target.area === 'calendars') checkCalendarType(header(req, 'content-type'));
      else checkVcardType(header(req, 'content-type'));
      return putObject(s.store, user, target, await readBody(req, s.body), c);
    case 'DELETE': return deleteObject(s.store, user, target, c);
    case 'MOVE':
      req.resume();
      return moveObject(s.store, user, target, { destination: header(req, 'destination'), overwrite: header(req, 'overwrite') }, c);
    default:
      req.resume();
      throw new DavError(405, `${method} is not served`, undefined, { Allow: ALLOW });
  }
}

async function xmlBody(s: HttpServices, req: IncomingMessage) {
  const bytes = await readBody(req, { ...s.body, maxBytes: Math.min(s.body.maxBytes, MAX_XML_BODY) });
  return bytes.length === 0 ? undefined : parseXml(bytes);
}

function conditions(req: IncomingMessage): Conditions {
  return { ifMatch: header(req, 'if-match'), ifNoneMatch: header(req, 'if-none-match'), ifScheduleTagMatch: header(req, 'if-schedule-tag-match') };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** RFC 4791 5.3.2.1 supported-calendar-data: iCalendar only (a missing Content-Type is read as such). */
function checkCalendarType(type: string | undefined): void {
  if (type !== undefined && !/^text\/calendar\s*(;|$)/i.test(type.trim())) {
    throw new DavError(415, `Content-Type ${type} is no iCalendar`, { ns: CALDAV_NS, name: 'supported-calendar-data' });
  }
}

function send(res: ServerResponse, r: DavResponse, head = false): void {
  if (res.headersSent) return;
  // HEAD: the headers of the GET, its length included, and no body.
  res.writeHead(r.status, { ...r.headers, 'Content-Length': String(Buffer.byteLength(r.body)) });
  res.end(head ? undefined : r.body);
}

function fail(s: HttpServices, res: ServerResponse, e: unknown): void {
  if (e instanceof DavError) {
    s.log.info({ http: e.http }, `DAV: ${e.message}`);
    const body = e.precondition ? errorBody(e.precondition.ns, e.precondition.name, e.precondition.href) : '';
    return send(res, { status: e.http, headers: { ...e.headers, ...(body ? { 'Content-Type': XML_TYPE } : {}) }, body });
  }
  if (e instanceof BodyRefused) return send(res, { status: e.http, headers: e.headers, body: '' });
  if (e instanceof BodyAborted) {
    s.log.info(e.message);
    res.destroy();
    return;
  }
  const id = randomUUID();
  s.log.error({ err: e, errorId: id }, 'DAV request failed');
  send(res, { status: 500, headers: { 'X-Convene-Error-Id': id }, body: '' });
}
