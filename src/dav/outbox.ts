// The scheduling outbox (RFC 6638 2.1, 5): a POST of an iTIP free/busy REQUEST (RFC 5546 3.3.2) asks
// the busy times of the attendees it names; the answer is one CALDAV:schedule-response with a
// response per recipient (RFC 6638 10.2). Invitations need no outbox: a PUT schedules them
// (implicit scheduling, implicitScheduling.ts), so only VFREEBUSY is taken here.
import ICAL from 'ical.js';
import { vfreebusyOf } from '../calendar/vfreebusy.js';
import { busyTimesOf } from '../directory/availability.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { CALDAV_NS, DavError } from './errors.js';
import { MAX_FREEBUSY_MS } from './freeBusy.js';
import { esc, qname, xmlRoot, XML_HEADER } from './xml.js';

/** Recipients one free/busy request may name (each is an expansion of a calendar). */
export const MAX_FREEBUSY_RECIPIENTS = 100;

interface FreeBusyRequest { uid: string | undefined; organizer: string; attendees: string[]; from: number; to: number }

const invalid = (why: string) => new DavError(400, `outbox POST: ${why}`, { ns: CALDAV_NS, name: 'valid-calendar-data' });

/** `mailto:` addresses, compared case-blind (RFC 6638 takes calendar user addresses as URIs). */
const address = (v: unknown): string | undefined => {
  const m = /^mailto:(.+)$/i.exec(String(v ?? '').trim());
  return m ? m[1]!.trim().toLowerCase() : undefined;
};

/** RFC 6638 5.1 preconditions, parsed into plain data before anything is read. */
export function readFreeBusyRequest(text: string, user: User): FreeBusyRequest {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text.trim()) as unknown[]);
  } catch {
    throw invalid('the body is no iCalendar');
  }
  if (calendar.name !== 'vcalendar') throw invalid('the body is no VCALENDAR');
  const fbs = calendar.getAllSubcomponents('vfreebusy');
  const method = String(calendar.getFirstPropertyValue('method') ?? '').toUpperCase();
  if (method !== 'REQUEST' || fbs.length !== 1 || calendar.getAllSubcomponents().some(c => c.name !== 'vfreebusy' && c.name !== 'vtimezone')) {
    throw new DavError(403, 'the outbox takes free/busy requests (METHOD:REQUEST, one VFREEBUSY); invitations are scheduled by PUT', { ns: CALDAV_NS, name: 'valid-scheduling-message' });
  }
  const fb = fbs[0]!;
  const organizer = address(fb.getFirstPropertyValue('organizer'));
  // RFC 6638 5.1: the ORGANIZER must be the signed-in calendar user.
  if (organizer !== user.email.toLowerCase()) throw new DavError(403, 'the ORGANIZER is not the signed-in account', { ns: CALDAV_NS, name: 'organizer-allowed' });
  const attendees = [...new Set(fb.getAllProperties('attendee').map(p => String(p.getFirstValue() ?? '').trim()))];
  if (attendees.length === 0) throw invalid('no ATTENDEE');
  if (attendees.length > MAX_FREEBUSY_RECIPIENTS) throw new DavError(403, `more than ${MAX_FREEBUSY_RECIPIENTS} recipients in one request`);
  const time = (name: string): number => {
    const v = fb.getFirstPropertyValue(name);
    if (!(v instanceof ICAL.Time)) throw invalid(`no ${name.toUpperCase()}`);
    return v.toJSDate().getTime();
  };
  const from = time('dtstart');
  const to = time('dtend');
  if (!(to > from)) throw invalid('DTEND is not after DTSTART');
  const uid = fb.getFirstPropertyValue('uid');
  return { uid: uid === null ? undefined : String(uid), organizer, attendees, from, to: Math.min(to, from + MAX_FREEBUSY_MS) };
}

/** RFC 6638 10.2: a response per recipient; an address that is no account here is 3.7 (RFC 5545 3.8.8.3). */
export async function outboxFreeBusy(store: Store, user: User, text: string, now = Date.now()): Promise<string> {
  const r = readFreeBusyRequest(text, user);
  const window = { from: r.from, to: r.to };
  const responses: string[] = [];
  for (const recipient of r.attendees) {
    const email = address(recipient);
    const account = email === undefined ? undefined : await store.findUserByEmail(email);
    const head = `<c:response><c:recipient><d:href>${esc(recipient)}</d:href></c:recipient>`;
    if (!account) {
      responses.push(`${head}<c:request-status>3.7;Invalid calendar user</c:request-status></c:response>`);
      continue;
    }
    const data = vfreebusyOf(await busyTimesOf(store, account.id, window), window, now, { method: 'REPLY', uid: r.uid, organizer: user.email, attendee: account.email });
    responses.push(`${head}<c:request-status>2.0;Success</c:request-status><c:calendar-data>${esc(data)}</c:calendar-data></c:response>`);
  }
  return XML_HEADER + xmlRoot(qname(CALDAV_NS, 'schedule-response'), responses.join(''));
}
