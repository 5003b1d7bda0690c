// A VFREEBUSY (RFC 5545 3.6.4) from busy times: what CalDAV's free-busy-query (RFC 4791 7.10) and
// a free/busy request to the scheduling outbox (RFC 6638 5, RFC 5546 3.3) answer with.
import ICAL from 'ical.js';
import { FreeBusy, type BusyTime, type FreeBusyDigit, type TimeWindow } from './freeBusy.js';
import { PRODID } from './ical.js';

/** RFC 5545 3.2.9 FBTYPE for each MergedFreeBusy digit that is taken. */
const FBTYPE: Partial<Record<FreeBusyDigit, string>> = {
  [FreeBusy.Tentative]: 'BUSY-TENTATIVE',
  [FreeBusy.Busy]: 'BUSY',
  [FreeBusy.OutOfOffice]: 'BUSY-UNAVAILABLE',
};

export interface FreeBusyReply {
  /** RFC 5546 3.3.2 REPLY: the request's UID, organizer and the one attendee answered for. */
  method?: 'REPLY';
  uid?: string;
  organizer?: string;
  attendee?: string;
}

/**
 * One VCALENDAR with one VFREEBUSY over the window: DTSTART/DTEND the window, one FREEBUSY per
 * period, clipped to the window, overlapping periods of one FBTYPE merged (RFC 5545 3.8.2.6 lets
 * them stand apart; merged they are fewer and say the same).
 */
export function vfreebusyOf(times: BusyTime[], window: TimeWindow, now: number, reply: FreeBusyReply = {}): string {
  const calendar = new ICAL.Component('vcalendar');
  calendar.addPropertyWithValue('prodid', PRODID);
  calendar.addPropertyWithValue('version', '2.0');
  if (reply.method) calendar.addPropertyWithValue('method', reply.method);
  const fb = new ICAL.Component('vfreebusy');
  calendar.addSubcomponent(fb);
  if (reply.uid !== undefined) fb.addPropertyWithValue('uid', reply.uid);
  fb.addPropertyWithValue('dtstamp', utc(now));
  fb.addPropertyWithValue('dtstart', utc(window.from));
  fb.addPropertyWithValue('dtend', utc(window.to));
  if (reply.organizer !== undefined) fb.addPropertyWithValue('organizer', `mailto:${reply.organizer}`);
  if (reply.attendee !== undefined) fb.addPropertyWithValue('attendee', `mailto:${reply.attendee}`);
  for (const [status, periods] of periodsByType(times, window)) {
    for (const p of periods) {
      const prop = new ICAL.Property('freebusy', fb);
      prop.setParameter('fbtype', FBTYPE[status]!);
      prop.setValue(ICAL.Period.fromData({ start: utc(p.start), end: utc(p.end), duration: undefined }));
      fb.addProperty(prop);
    }
  }
  return calendar.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}

function periodsByType(times: BusyTime[], window: TimeWindow): Map<FreeBusyDigit, { start: number; end: number }[]> {
  const out = new Map<FreeBusyDigit, { start: number; end: number }[]>();
  const sorted = [...times].sort((a, b) => a.start - b.start);
  for (const t of sorted) {
    if (FBTYPE[t.status] === undefined) continue;
    const start = Math.max(t.start, window.from);
    const end = Math.min(t.end, window.to);
    if (end <= start) continue;
    const list = out.get(t.status) ?? [];
    const last = list[list.length - 1];
    if (last && start <= last.end) last.end = Math.max(last.end, end);
    else list.push({ start, end });
    out.set(t.status, list);
  }
  return out;
}

const utc = (ms: number) => ICAL.Time.fromJSDate(new Date(Math.floor(ms / 1000) * 1000), true);
