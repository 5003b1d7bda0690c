// iCalendar (RFC 5545) ⇄ CalendarEvent through ical.js. A series is a master VEVENT with RRULE and
// EXDATEs, each changed occurrence an override VEVENT with RECURRENCE-ID. Properties EAS has but
// iCalendar lacks travel as X-MICROSOFT-* (Outlook's names) or X-CONVENE-*; properties we do not
// model are kept verbatim (extraIcal) so that import/export loses nothing.
import ICAL from 'ical.js';
import { CalendarError } from './errors.js';
import type { Attendee, AttendeeStatus, Body, BusyStatus, CalendarEvent, Exception, Overrides, Sensitivity } from './model.js';
import { fromRRule, RecurrenceError, seriesStartOf, toRRule } from './recurrence.js';
import {
  canonicalZone, formatCompact, localToUtc, parseEasDateTime, registerTimezone, TimeZoneError, utcToLocal, vtimezoneFor, zoneFromVtimezone,
} from './timezone.js';

const PRODID = '-//Convene//Convene Calendar//EN';
const BUSY = ['FREE', 'TENTATIVE', 'BUSY', 'OOF', 'WORKINGELSEWHERE'] as const;
const CLASS = ['PUBLIC', 'X-PERSONAL', 'PRIVATE', 'CONFIDENTIAL'] as const;
const PARTSTAT: Readonly<Record<number, string>> = { 2: 'TENTATIVE', 3: 'ACCEPTED', 4: 'DECLINED', 5: 'NEEDS-ACTION' };
/** Properties this module writes and reads; everything else in a VEVENT is kept verbatim. */
const MODELLED = new Set(['uid', 'dtstamp', 'dtstart', 'dtend', 'duration', 'summary', 'location', 'description', 'x-alt-desc',
  'class', 'transp', 'x-microsoft-cdo-busystatus', 'status', 'categories', 'organizer', 'attendee', 'sequence', 'rrule',
  'exdate', 'recurrence-id', 'x-microsoft-disallow-counter', 'geo', 'x-convene-clientuid', 'x-convene-meetingstatus',
  'x-convene-responsetype', 'x-convene-replytime', 'x-convene-responserequested', 'x-convene-conflink',
  'x-convene-externallink', 'x-microsoft-cdo-alldayevent', 'x-convene-sensitivity']);

// ─── export ────────────────────────────────────────────────────────────────────────────────────

export function eventsToIcs(events: CalendarEvent[], options: { method?: string } = {}): string {
  const cal = new ICAL.Component('vcalendar');
  cal.addPropertyWithValue('prodid', PRODID);
  cal.addPropertyWithValue('version', '2.0');
  if (options.method) cal.addPropertyWithValue('method', options.method);
  const zones = new Map<string, number>();
  for (const e of events) if (e.timeZone !== 'UTC' && !zones.has(e.timeZone)) zones.set(e.timeZone, new Date(e.start).getUTCFullYear());
  for (const [zone, year] of zones) cal.addSubcomponent(new ICAL.Component(ICAL.parse(vtimezoneFor(zone, year))));
  for (const e of events) {
    cal.addSubcomponent(masterVevent(e));
    for (const x of e.exceptions ?? []) if (!x.deleted) cal.addSubcomponent(overrideVevent(e, x));
  }
  return cal.toString().replace(/\r?\n/g, '\r\n') + '\r\n';
}

function masterVevent(e: CalendarEvent): ICAL.Component {
  const v = new ICAL.Component('vevent');
  v.addPropertyWithValue('uid', e.uid);
  v.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(e.dtStamp ?? Date.now()), true));
  writeTimes(v, e, e.start, e.end, e.allDay);
  writeOverrides(v, e, e);
  if (e.organizer) v.addProperty(person('organizer', e.organizer.email, e.organizer.name));
  if (e.sequence !== undefined) v.addPropertyWithValue('sequence', e.sequence);
  if (e.recurrence) {
    const zone = e.timeZone === 'UTC' ? ICAL.Timezone.utcTimezone : registerTimezone(e.timeZone, new Date(e.start).getUTCFullYear());
    const first = localTime(e.timeZone, e.start, e.allDay);
    const rule = toRRule(e.recurrence, seriesStartOf(first), { allDay: e.allDay, zone });
    v.addProperty(new ICAL.Property(ICAL.parse.property(`RRULE:${rule}`)));
  }
  for (const x of e.exceptions ?? []) {
    if (!x.deleted) continue;
    v.addProperty(timeProperty('exdate', e.timeZone, x.originalStart, e.allDay));
  }
  put(v, 'x-convene-clientuid', e.clientUid);
  if (e.responseRequested !== undefined) put(v, 'x-convene-responserequested', e.responseRequested ? 'TRUE' : 'FALSE');
  if (e.disallowNewTimeProposal !== undefined) put(v, 'x-microsoft-disallow-counter', e.disallowNewTimeProposal ? 'TRUE' : 'FALSE');
  for (const line of e.extraIcal ?? []) v.addProperty(new ICAL.Property(ICAL.parse.property(line)));
  return v;
}

function overrideVevent(e: CalendarEvent, x: Exception): ICAL.Component {
  const o = x.overrides;
  const v = new ICAL.Component('vevent');
  v.addPropertyWithValue('uid', e.uid);
  v.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(x.dtStamp ?? e.dtStamp ?? Date.now()), true));
  v.addProperty(timeProperty('recurrence-id', e.timeZone, x.originalStart, e.allDay));
  const allDay = o.allDay ?? e.allDay;
  const start = o.start ?? x.originalStart;
  writeTimes(v, e, start, o.end ?? start + (e.end - e.start), allDay);
  // An override VEVENT stands for the whole occurrence (RFC 5545 3.8.4.4): write it complete.
  writeOverrides(v, e, { ...e, ...defined(o) });
  if (e.organizer) v.addProperty(person('organizer', e.organizer.email, e.organizer.name));
  if ((x.sequence ?? e.sequence) !== undefined) v.addPropertyWithValue('sequence', x.sequence ?? e.sequence!);
  return v;
}

function writeTimes(v: ICAL.Component, e: CalendarEvent, start: number, end: number, allDay: boolean): void {
  v.addProperty(timeProperty('dtstart', e.timeZone, start, allDay));
  v.addProperty(timeProperty('dtend', e.timeZone, end, allDay));
}

function writeOverrides(v: ICAL.Component, e: CalendarEvent, o: Overrides): void {
  put(v, 'summary', o.subject);
  if (o.location) {
    put(v, 'location', o.location.displayName);
    if (o.location.latitude !== undefined && o.location.longitude !== undefined) {
      v.addProperty(new ICAL.Property(ICAL.parse.property(`GEO:${o.location.latitude};${o.location.longitude}`)));
    }
  }
  writeBody(v, o.body);
  if (o.sensitivity !== undefined) put(v, 'class', CLASS[o.sensitivity]);
  if (o.busyStatus !== undefined) {
    put(v, 'transp', o.busyStatus === 0 ? 'TRANSPARENT' : 'OPAQUE');
    put(v, 'x-microsoft-cdo-busystatus', BUSY[o.busyStatus]);
  }
  if (o.meetingStatus === 5 || o.meetingStatus === 7) put(v, 'status', 'CANCELLED');
  if (o.meetingStatus !== undefined) put(v, 'x-convene-meetingstatus', String(o.meetingStatus));
  if (o.responseType !== undefined) put(v, 'x-convene-responsetype', String(o.responseType));
  if (o.appointmentReplyTime !== undefined) put(v, 'x-convene-replytime', formatCompact(o.appointmentReplyTime));
  put(v, 'x-convene-conflink', o.onlineMeetingConfLink);
  put(v, 'x-convene-externallink', o.onlineMeetingExternalLink);
  if (o.categories?.length) {
    const p = new ICAL.Property('categories');
    p.setValues(o.categories);
    v.addProperty(p);
  }
  for (const a of o.attendees ?? []) v.addProperty(attendeeProperty(a));
  if (typeof o.reminder === 'number') {
    const alarm = new ICAL.Component('valarm');
    alarm.addPropertyWithValue('action', 'DISPLAY');
    alarm.addPropertyWithValue('description', 'Reminder');
    alarm.addPropertyWithValue('trigger', ICAL.Duration.fromSeconds(-o.reminder * 60));
    v.addSubcomponent(alarm);
  }
  void e;
}

function writeBody(v: ICAL.Component, body: Body | undefined): void {
  if (!body) return;
  if (body.type === 2) {
    put(v, 'description', htmlToText(body.data));
    const p = new ICAL.Property('x-alt-desc');
    p.setParameter('fmttype', 'text/html');
    p.setValue(body.data);
    v.addProperty(p);
  } else {
    put(v, 'description', body.data);
  }
}

function attendeeProperty(a: Attendee): ICAL.Property {
  const p = person('attendee', a.email, a.name);
  if (a.status !== undefined && PARTSTAT[a.status]) p.setParameter('partstat', PARTSTAT[a.status]!);
  if (a.type === 3) p.setParameter('cutype', 'RESOURCE');
  else if (a.type !== undefined) p.setParameter('role', a.type === 2 ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
  if (a.rsvp !== undefined) p.setParameter('rsvp', a.rsvp ? 'TRUE' : 'FALSE');
  return p;
}

function person(name: string, email: string, cn: string | undefined): ICAL.Property {
  const p = new ICAL.Property(name);
  p.setValue(`mailto:${email}`);
  if (cn) p.setParameter('cn', cn);
  return p;
}

/** A DATE or zoned DATE-TIME property: local wall time with TZID, or UTC for the UTC zone. */
function timeProperty(name: string, zone: string, ms: number, allDay: boolean): ICAL.Property {
  const p = new ICAL.Property(name);
  p.setValue(localTime(zone, ms, allDay));
  if (!allDay && zone !== 'UTC') p.setParameter('tzid', zone);
  return p;
}

function localTime(zone: string, ms: number, allDay: boolean): ICAL.Time {
  if (zone === 'UTC') {
    const t = ICAL.Time.fromJSDate(new Date(ms), true);
    if (allDay) t.isDate = true;
    return t;
  }
  const w = utcToLocal(zone, ms);
  return ICAL.Time.fromData({ year: w.year, month: w.month, day: w.day, hour: w.hour, minute: w.minute, second: w.second, isDate: allDay });
}

function put(v: ICAL.Component, name: string, value: string | undefined): void {
  if (value !== undefined) v.addPropertyWithValue(name, value);
}

// ─── import ────────────────────────────────────────────────────────────────────────────────────

export function icsToEvents(text: string): CalendarEvent[] {
  let cal: ICAL.Component;
  try {
    cal = new ICAL.Component(ICAL.parse(text));
  } catch (e) {
    throw new CalendarError('ICS_INVALID', `not iCalendar: ${(e as Error).message}`);
  }
  if (cal.name !== 'vcalendar') throw new CalendarError('ICS_INVALID', 'no VCALENDAR');
  try {
    const zones = zoneTable(cal);
    const fallbackZone = canonicalZone(String(cal.getFirstPropertyValue('x-wr-timezone') ?? 'UTC')) ?? 'UTC';
    const byUid = new Map<string, ICAL.Component[]>();
    for (const v of cal.getAllSubcomponents('vevent')) {
      const uid = String(v.getFirstPropertyValue('uid') ?? '');
      if (!uid) throw new CalendarError('ICS_INVALID', 'a VEVENT has no UID');
      byUid.set(uid, [...(byUid.get(uid) ?? []), v]);
    }
    return [...byUid.values()].map(group => eventOf(group, zones, fallbackZone));
  } catch (e) {
    if (e instanceof CalendarError) throw e;
    if (e instanceof RecurrenceError || e instanceof TimeZoneError) throw new CalendarError('ICS_INVALID', e.message);
    throw new CalendarError('ICS_INVALID', `unreadable iCalendar: ${(e as Error).message}`);
  }
}

/** TZID → IANA zone, for every VTIMEZONE in the file. */
function zoneTable(cal: ICAL.Component): Map<string, string> {
  const out = new Map<string, string>();
  const year = new Date().getUTCFullYear();
  for (const tz of cal.getAllSubcomponents('vtimezone')) {
    const tzid = String(tz.getFirstPropertyValue('tzid') ?? '');
    if (tzid) out.set(tzid, zoneFromVtimezone(tz, year));
  }
  return out;
}

interface Reader { zones: Map<string, string>; fallback: string }

function eventOf(group: ICAL.Component[], zones: Map<string, string>, fallback: string): CalendarEvent {
  const r: Reader = { zones, fallback };
  const master = group.find(v => !v.hasProperty('recurrence-id')) ?? group[0]!;
  const start = readTime(master, 'dtstart', r);
  if (!start) throw new CalendarError('ICS_INVALID', 'a VEVENT has no DTSTART');
  const end = readEnd(master, start, r);
  const base = readOverrides(master, r);
  const event: CalendarEvent = {
    ...defined(base),
    uid: String(master.getFirstPropertyValue('uid')),
    start: start.ms, end, allDay: start.allDay, timeZone: start.zone,
  };
  const stamp = readTime(master, 'dtstamp', r);
  if (stamp) event.dtStamp = stamp.ms;
  const seq = master.getFirstPropertyValue('sequence');
  if (seq !== null && seq !== undefined) event.sequence = Number(seq);
  const organizer = master.getFirstProperty('organizer');
  if (organizer) event.organizer = defined({ email: mailto(organizer), name: param(organizer, 'cn') });
  const clientUid = master.getFirstPropertyValue('x-convene-clientuid');
  if (clientUid) event.clientUid = String(clientUid);
  const rsvp = master.getFirstPropertyValue('x-convene-responserequested');
  if (rsvp) event.responseRequested = String(rsvp).toUpperCase() === 'TRUE';
  const counter = master.getFirstPropertyValue('x-microsoft-disallow-counter');
  if (counter) event.disallowNewTimeProposal = String(counter).toUpperCase() === 'TRUE';
  readRecurrence(master, event, start.time, r);
  const overrides = group.filter(v => v !== master && v.hasProperty('recurrence-id')).map(v => overrideOf(v, event, base, r));
  if (overrides.length) event.exceptions = [...(event.exceptions ?? []), ...overrides].sort((a, b) => a.originalStart - b.originalStart);
  const extra = master.getAllProperties().filter(p => !MODELLED.has(p.name)).map(p => p.toICALString());
  if (extra.length) event.extraIcal = extra;
  return event;
}

function readRecurrence(master: ICAL.Component, event: CalendarEvent, dtstart: ICAL.Time, r: Reader): void {
  const rrule = master.getFirstProperty('rrule');
  if (!rrule) return;
  const value = rrule.toICALString().replace(/^RRULE:/i, '');
  const zone = event.timeZone === 'UTC' ? ICAL.Timezone.utcTimezone : registerTimezone(event.timeZone, new Date(event.start).getUTCFullYear());
  event.recurrence = fromRRule(value, seriesStartOf(dtstart), { allDay: event.allDay, zone });
  const deleted: Exception[] = [];
  for (const p of master.getAllProperties('exdate')) {
    for (const v of p.getValues() as ICAL.Time[]) {
      deleted.push({ originalStart: toUtc(v, param(p, 'tzid'), event.timeZone, r), deleted: true, overrides: {} });
    }
  }
  if (deleted.length) event.exceptions = deleted;
}

function overrideOf(v: ICAL.Component, master: CalendarEvent, base: Overrides, r: Reader): Exception {
  const rid = readTime(v, 'recurrence-id', r)!;
  const start = readTime(v, 'dtstart', r);
  const own = readOverrides(v, r);
  const overrides: Overrides = {};
  for (const [k, value] of Object.entries(own) as [keyof Overrides, unknown][]) {
    if (JSON.stringify(value) !== JSON.stringify(base[k])) (overrides as Record<string, unknown>)[k] = value;
  }
  if (start && start.ms !== rid.ms) overrides.start = start.ms;
  if (start) {
    const end = readEnd(v, start, r);
    if (end - start.ms !== master.end - master.start || overrides.start !== undefined) overrides.end = end;
    if (start.allDay !== master.allDay) overrides.allDay = start.allDay;
  }
  const x: Exception = { originalStart: rid.ms, overrides };
  const seq = v.getFirstPropertyValue('sequence');
  if (seq !== null && seq !== undefined && Number(seq) !== master.sequence) x.sequence = Number(seq);
  return x;
}

function readOverrides(v: ICAL.Component, r: Reader): Overrides {
  const o: Overrides = {};
  const s = (name: string) => {
    const value = v.getFirstPropertyValue(name);
    return value === null || value === undefined ? undefined : String(value);
  };
  o.subject = s('summary');
  if (s('location') !== undefined) {
    o.location = { displayName: s('location')! };
    const geo = v.getFirstPropertyValue('geo') as unknown as number[] | null;
    if (Array.isArray(geo)) Object.assign(o.location, { latitude: Number(geo[0]), longitude: Number(geo[1]) });
  }
  const html = v.getFirstProperty('x-alt-desc');
  if (html && /text\/html/i.test(param(html, 'fmttype') ?? '')) o.body = { type: 2, data: String(html.getFirstValue()) };
  else if (s('description') !== undefined) o.body = { type: 1, data: s('description')! };
  const cls = s('class');
  if (cls !== undefined) o.sensitivity = Math.max(0, CLASS.indexOf(cls.toUpperCase() as (typeof CLASS)[number])) as Sensitivity;
  const busy = s('x-microsoft-cdo-busystatus')?.toUpperCase();
  const transp = s('transp')?.toUpperCase();
  if (busy && BUSY.includes(busy as (typeof BUSY)[number])) o.busyStatus = BUSY.indexOf(busy as (typeof BUSY)[number]) as BusyStatus;
  else if (transp) o.busyStatus = transp === 'TRANSPARENT' ? 0 : 2;
  const ms = s('x-convene-meetingstatus');
  if (ms !== undefined) o.meetingStatus = Number(ms);
  else if (s('status')?.toUpperCase() === 'CANCELLED') o.meetingStatus = 5;
  const rt = s('x-convene-responsetype');
  if (rt !== undefined) o.responseType = Number(rt) as Overrides['responseType'];
  const reply = v.getFirstPropertyValue('x-convene-replytime');
  if (reply) o.appointmentReplyTime = parseEasDateTime(String(reply));
  o.onlineMeetingConfLink = s('x-convene-conflink');
  o.onlineMeetingExternalLink = s('x-convene-externallink');
  const cats = v.getAllProperties('categories').flatMap(p => p.getValues().map(String));
  if (cats.length) o.categories = cats;
  const attendees = v.getAllProperties('attendee').map(attendeeOf);
  if (attendees.length) o.attendees = attendees;
  const alarm = v.getAllSubcomponents('valarm').find(a => a.getFirstPropertyValue('trigger') instanceof ICAL.Duration);
  if (alarm) o.reminder = Math.max(0, Math.round(-(alarm.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds() / 60));
  void r;
  return defined(o);
}

function attendeeOf(p: ICAL.Property): Attendee {
  const partstat = param(p, 'partstat')?.toUpperCase();
  const status = Object.entries(PARTSTAT).find(([, v]) => v === partstat)?.[0];
  const role = param(p, 'role')?.toUpperCase();
  const cutype = param(p, 'cutype')?.toUpperCase();
  const rsvp = param(p, 'rsvp');
  return defined({
    email: mailto(p), name: param(p, 'cn'),
    status: status === undefined ? undefined : (Number(status) as AttendeeStatus),
    type: cutype === 'RESOURCE' || cutype === 'ROOM' ? 3 : role === 'OPT-PARTICIPANT' ? 2 : role === 'REQ-PARTICIPANT' ? 1 : undefined,
    rsvp: rsvp === undefined ? undefined : rsvp.toUpperCase() === 'TRUE',
  }) as Attendee;
}

interface ReadTime { ms: number; allDay: boolean; zone: string; time: ICAL.Time }

function readTime(v: ICAL.Component, name: string, r: Reader): ReadTime | undefined {
  const p = v.getFirstProperty(name);
  if (!p) return undefined;
  const t = p.getFirstValue() as ICAL.Time;
  const tzid = param(p, 'tzid');
  const zone = t.zone?.tzid === 'UTC' || /Z$/.test(String(p.toICALString())) ? 'UTC' : tzid ? (r.zones.get(tzid) ?? canonicalZone(tzid) ?? r.fallback) : r.fallback;
  return { ms: toUtc(t, tzid, zone, r), allDay: t.isDate, zone, time: t };
}

function readEnd(v: ICAL.Component, start: ReadTime, r: Reader): number {
  const end = readTime(v, 'dtend', r);
  if (end) return end.ms;
  const duration = v.getFirstPropertyValue('duration') as ICAL.Duration | null;
  if (duration) return start.ms + duration.toSeconds() * 1000;
  return start.allDay ? start.ms + 86400_000 : start.ms;
}

/** UTC ms of a property value: UTC as is, zoned or floating through the event's IANA zone. */
function toUtc(t: ICAL.Time, tzid: string | undefined, eventZone: string, r: Reader): number {
  if (t.zone?.tzid === 'UTC') return t.toJSDate().getTime();
  const zone = tzid ? (r.zones.get(tzid) ?? canonicalZone(tzid) ?? eventZone) : eventZone;
  const wall = { year: t.year, month: t.month, day: t.day, hour: t.isDate ? 0 : t.hour, minute: t.isDate ? 0 : t.minute, second: t.isDate ? 0 : t.second };
  if (zone === 'UTC') return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return localToUtc(zone, wall);
}

function param(p: ICAL.Property, name: string): string | undefined {
  const v = p.getParameter(name);
  return v === undefined || v === null ? undefined : Array.isArray(v) ? String(v[0]) : String(v);
}

function mailto(p: ICAL.Property): string {
  return String(p.getFirstValue()).replace(/^mailto:/i, '').trim().toLowerCase();
}

function htmlToText(html: string): string {
  return html.replace(/<(br|\/p|\/div)\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
