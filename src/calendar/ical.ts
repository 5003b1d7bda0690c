// iCalendar (RFC 5545) ⇄ CalendarEvent through ical.js. A series is a master VEVENT with RRULE and
// EXDATEs, each changed occurrence an override VEVENT with RECURRENCE-ID. Properties EAS has but
// iCalendar lacks travel as X-MICROSOFT-* (Outlook's names) or X-CONVENE-*; properties we do not
// model are kept verbatim (extraIcal) so that import/export loses nothing.
//
// Verbatim means the source's own content line: ical.js re-serialises values (an RRULE loses
// RSCALE leap months, "5L"; ATTACH loses VALUE=BINARY; lower-case rule parts do not parse), so the
// importer reads each master VEVENT's raw, unfolded lines beside ical.js's parse, and the exporter
// writes kept lines (and the RRULE) as they are.
import ICAL from 'ical.js';
import { replaceTags } from '../mail/htmlDocument.js';
import { receivable, receivableDeep } from '../wbxml/text.js';
import { CalendarError } from './errors.js';
import type { Attendee, AttendeeStatus, Body, BusyStatus, CalendarEvent, Exception, Location, Overrides, ScheduleParams, Sensitivity } from './model.js';
import { dropUndefined } from './objects.js';
import { forceSendOf, scheduleAgentOf, scheduleStatusOf, withoutScheduleParams } from './scheduleParams.js';
import { withThisAndFuture } from './thisAndFuture.js';
import { fromRRule, RecurrenceError, seriesStartOf, toRRule } from './recurrence.js';
import {
  canonicalZone, formatCompact, localToUtc, parseEasDateTime, registerTimezone, TimeZoneError, utcToLocal, vtimezoneFor, zoneFromVtimezone,
} from './timezone.js';

export const PRODID = '-//Convene//Convene Calendar//EN';
const BUSY = ['FREE', 'TENTATIVE', 'BUSY', 'OOF', 'WORKINGELSEWHERE'] as const;
const CLASS = ['PUBLIC', 'X-PERSONAL', 'PRIVATE', 'CONFIDENTIAL'] as const;
const PARTSTAT: Readonly<Record<number, string>> = { 2: 'TENTATIVE', 3: 'ACCEPTED', 4: 'DECLINED', 5: 'NEEDS-ACTION' };
/** RFC 9074 6: an alarm that says "no alarm" (ACTION:NONE) carries this TRIGGER. */
const NO_ALARM_TRIGGER = '1976-04-01T00:55:45Z';
/** Properties this module writes and reads; everything else in a VEVENT is kept verbatim.
 *  STATUS is kept verbatim too, except CANCELLED (MeetingStatus 5/7). */
const MODELLED = new Set(['uid', 'dtstamp', 'dtstart', 'dtend', 'duration', 'summary', 'location', 'description', 'x-alt-desc',
  'class', 'transp', 'x-microsoft-cdo-busystatus', 'categories', 'organizer', 'attendee', 'sequence', 'rrule',
  'exdate', 'recurrence-id', 'x-microsoft-disallow-counter', 'geo', 'x-convene-clientuid', 'x-convene-meetingstatus',
  'x-convene-responsetype', 'x-convene-replytime', 'x-convene-responserequested', 'x-convene-conflink',
  'x-convene-externallink', 'x-microsoft-cdo-alldayevent', 'x-convene-sensitivity', 'x-convene-location', 'x-convene-rtf',
  'x-convene-timezone', 'x-convene-eastimezone', 'x-convene-calendartype', 'x-convene-isleapmonth']);

// ─── export ────────────────────────────────────────────────────────────────────────────────────

export function eventsToIcs(events: CalendarEvent[], options: { method?: string } = {}): string {
  const lines = ['BEGIN:VCALENDAR', `PRODID:${PRODID}`, 'VERSION:2.0'];
  if (options.method) lines.push(`METHOD:${options.method}`);
  const zones = new Map<string, number>();
  for (const e of events) if (e.timeZone !== 'UTC' && !zones.has(e.timeZone)) zones.set(e.timeZone, new Date(e.start).getUTCFullYear());
  for (const [zone, year] of zones) lines.push(...vtimezoneFor(zone, year).split(/\r\n/).filter(Boolean));
  // RFC 6638 7.1–7.3: an iTIP message carries no SCHEDULE-AGENT, -STATUS or -FORCE-SEND.
  for (const e of options.method ? events.map(withoutScheduleParams) : events) {
    lines.push(...withRawLines(masterVevent(e), rawLinesOf(e)));
    for (const x of e.exceptions ?? []) if (!x.deleted) lines.push(...textLines(overrideVevent(e, x)));
  }
  lines.push('END:VCALENDAR');
  return lines.join('\r\n') + '\r\n';
}

/** The RRULE and the kept lines, written as they are (RRULE/EXDATE lines kept from a series that
 *  was imported as a single event give way to a recurrence the event has since got). */
function rawLinesOf(e: CalendarEvent): string[] {
  const raw: string[] = [];
  if (e.recurrence) {
    const zone = e.timeZone === 'UTC' ? ICAL.Timezone.utcTimezone : registerTimezone(e.timeZone, new Date(e.start).getUTCFullYear());
    const first = localTime(e.timeZone, e.start, e.allDay);
    raw.push(`RRULE:${toRRule(e.recurrence, seriesStartOf(first), { allDay: e.allDay, zone })}`);
  }
  for (const line of e.extraIcal ?? []) {
    // Only well-formed content lines: a broken one would make the whole file unreadable.
    if (/[\r\n]/.test(line) || !/^[a-z0-9-]+$/.test(lineParts(line).name) || !lineParts(line).colon) continue;
    if (e.recurrence && /^(RRULE|EXDATE)[;:]/i.test(line)) continue;
    raw.push(line);
  }
  return raw;
}

/** The component's content lines, folded by octets (ical.js folds by characters: a line of
 *  non-ASCII text would pass 75 octets). */
function textLines(c: ICAL.Component): string[] {
  return c.toString().replace(/\r?\n[ \t]/g, '').split(/\r?\n/).filter(Boolean).flatMap(fold);
}

/** The component's lines with `raw` (folded) after its own properties, before its first
 *  subcomponent (RFC 5545 3.6.1: eventprop *alarmc) or its END. */
function withRawLines(c: ICAL.Component, raw: string[]): string[] {
  const lines = textLines(c);
  let at = lines.findIndex((line, i) => i > 0 && /^BEGIN:/i.test(line));
  if (at < 0) at = lines.length - 1;
  return [...lines.slice(0, at), ...raw.flatMap(fold), ...lines.slice(at)];
}

/** RFC 5545 3.1: lines of at most 75 octets, continued after CRLF + space; never inside a character. */
function fold(line: string): string[] {
  const out: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (octets + size > (out.length ? 74 : 75)) {
      out.push(out.length ? ` ${current}` : current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  out.push(out.length ? ` ${current}` : current);
  return out;
}

function masterVevent(e: CalendarEvent): ICAL.Component {
  const v = new ICAL.Component('vevent');
  v.addPropertyWithValue('uid', e.uid);
  v.addPropertyWithValue('dtstamp', ICAL.Time.fromJSDate(new Date(e.dtStamp ?? Date.now()), true));
  // An iTIP message about one occurrence (RFC 5546 §3.2.2) is that occurrence alone.
  if (e.recurrenceId !== undefined) v.addProperty(timeProperty('recurrence-id', e.timeZone, e.recurrenceId, e.allDay));
  writeTimes(v, e, e.start, e.end, e.allDay);
  // A DATE has no zone: an all-day event says which one its days are in.
  if (e.allDay && e.timeZone !== 'UTC') put(v, 'x-convene-timezone', e.timeZone);
  writeOverrides(v, e);
  if (e.organizer) v.addProperty(organizerProperty(e.organizer));
  if (e.sequence !== undefined) v.addPropertyWithValue('sequence', e.sequence);
  for (const x of e.exceptions ?? []) {
    if (!x.deleted) continue;
    v.addProperty(timeProperty('exdate', e.timeZone, x.originalStart, e.allDay));
  }
  put(v, 'x-convene-clientuid', e.clientUid);
  if (e.responseRequested !== undefined) put(v, 'x-convene-responserequested', e.responseRequested ? 'TRUE' : 'FALSE');
  if (e.disallowNewTimeProposal !== undefined) put(v, 'x-microsoft-disallow-counter', e.disallowNewTimeProposal ? 'TRUE' : 'FALSE');
  put(v, 'x-convene-eastimezone', e.easTimeZone);
  if (e.recurrence?.calendarType !== undefined) put(v, 'x-convene-calendartype', String(e.recurrence.calendarType));
  if (e.recurrence?.isLeapMonth !== undefined) put(v, 'x-convene-isleapmonth', e.recurrence.isLeapMonth ? 'TRUE' : 'FALSE');
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
  writeOverrides(v, { ...e, ...dropUndefined({ ...o }) });
  if (e.organizer) v.addProperty(organizerProperty(e.organizer));
  if ((x.sequence ?? e.sequence) !== undefined) v.addPropertyWithValue('sequence', x.sequence ?? e.sequence!);
  return v;
}

function writeTimes(v: ICAL.Component, e: CalendarEvent, start: number, end: number, allDay: boolean): void {
  v.addProperty(timeProperty('dtstart', e.timeZone, start, allDay));
  v.addProperty(timeProperty('dtend', e.timeZone, end, allDay));
}

function writeOverrides(v: ICAL.Component, o: Overrides): void {
  put(v, 'summary', o.subject);
  if (o.location) writeLocation(v, o.location);
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
  } else if (o.reminder === null) {
    // Explicitly no reminder (RFC 9074 6): also what an override says against its master's alarm.
    const alarm = new ICAL.Component('valarm');
    alarm.addPropertyWithValue('action', 'NONE');
    const trigger = new ICAL.Property('trigger');
    trigger.resetType('date-time');
    trigger.setValue(ICAL.Time.fromDateTimeString(NO_ALARM_TRIGGER));
    alarm.addProperty(trigger);
    v.addSubcomponent(alarm);
  }
}

/** LOCATION and GEO; the rest of a 16.x location as JSON text in X-CONVENE-LOCATION. */
function writeLocation(v: ICAL.Component, l: Location): void {
  put(v, 'location', l.displayName);
  if (l.latitude !== undefined && l.longitude !== undefined) {
    v.addProperty(new ICAL.Property(ICAL.parse.property(`GEO:${l.latitude};${l.longitude}`)));
  }
  const { displayName: _name, ...rest } = l;
  const geoOnly = Object.keys(dropUndefined({ ...rest })).every(k => k === 'latitude' || k === 'longitude') && l.latitude !== undefined && l.longitude !== undefined;
  if (!Object.keys(dropUndefined({ ...rest })).length || geoOnly) return;
  const p = new ICAL.Property('x-convene-location');
  p.resetType('text');
  p.setValue(JSON.stringify(rest));
  v.addProperty(p);
}

function writeBody(v: ICAL.Component, body: Body | undefined): void {
  if (!body) return;
  if (body.type === 2) {
    put(v, 'description', htmlToText(body.data));
    const p = new ICAL.Property('x-alt-desc');
    p.setParameter('fmttype', 'text/html');
    p.setValue(body.data);
    v.addProperty(p);
  } else if (body.type === 3) {
    put(v, 'x-convene-rtf', body.data);
  } else {
    put(v, 'description', body.data);
  }
}

function attendeeProperty(a: Attendee): ICAL.Property {
  const p = person('attendee', a.email, a.name);
  if (a.status !== undefined && PARTSTAT[a.status]) p.setParameter('partstat', PARTSTAT[a.status]!);
  // EAS AttendeeStatus 0 ("response unknown") has no PARTSTAT.
  if (a.status === 0) p.setParameter('x-convene-status', '0');
  if (a.type === 3) p.setParameter('cutype', 'RESOURCE');
  else if (a.type !== undefined) {
    // RFC 5545 3.2.3: INDIVIDUAL is the default, but Outlook and Google write it and some readers look for it.
    p.setParameter('cutype', 'INDIVIDUAL');
    p.setParameter('role', a.type === 2 ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
  }
  if (a.rsvp !== undefined) p.setParameter('rsvp', a.rsvp ? 'TRUE' : 'FALSE');
  return withScheduleParams(p, a);
}

function organizerProperty(o: NonNullable<CalendarEvent['organizer']>): ICAL.Property {
  return withScheduleParams(person('organizer', o.email, o.name), o);
}

/** RFC 6638 7.1, 7.3: the stored SCHEDULE-AGENT and SCHEDULE-STATUS (eventsToIcs drops them from iTIP). */
function withScheduleParams(p: ICAL.Property, s: ScheduleParams): ICAL.Property {
  if (s.scheduleAgent) p.setParameter('schedule-agent', s.scheduleAgent);
  if (s.scheduleStatus) p.setParameter('schedule-status', s.scheduleStatus);
  return p;
}

/** RFC 6638 7.1–7.3 as read from a property; an iTIP message's are not taken (it must carry none). */
function scheduleParamsOf(p: ICAL.Property, itip: boolean | undefined): ScheduleParams {
  if (itip) return {};
  const status = p.getParameter('schedule-status') as unknown;
  return dropUndefined({
    scheduleAgent: scheduleAgentOf(param(p, 'schedule-agent')),
    scheduleStatus: scheduleStatusOf(Array.isArray(status) ? status.map(String).join(',') : status === undefined || status === null ? undefined : String(status)),
    scheduleForceSend: forceSendOf(param(p, 'schedule-force-send')),
  });
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

export interface IcsReading {
  /** The iTIP METHOD the object came with. RFC 5546 3.2.3, 3.2.6, 3.2.8: the VEVENT of a REPLY,
   *  REFRESH or DECLINECOUNTER may omit DTSTART and DTEND (it needs no times), so one is read with
   *  its RECURRENCE-ID, or else its DTSTAMP, as a start that lasts no time. */
  method?: string | undefined;
  /** The IANA zone of floating times when the object names none (X-WR-TIMEZONE): a CalDAV
   *  collection's calendar-timezone (RFC 4791 5.2.2). UTC when absent. */
  floatingZone?: string | undefined;
}

export function icsToEvents(text: string, reading: IcsReading = {}): CalendarEvent[] {
  if (typeof text !== 'string' || !/^\s*BEGIN:VCALENDAR\b/i.test(text.replace(/^\uFEFF/, ''))) {
    throw new CalendarError('ICS_INVALID', 'not iCalendar: no BEGIN:VCALENDAR');
  }
  // Import, iMIP and SendMail's iTIP all come in here: characters a device cannot receive become
  // U+FFFD before ical.js reads the text, and again in the events made from it (converting HTML
  // decodes references such as &#1;). docs/reliability.md, "Strings a device can receive".
  const lines = unfold(receivable(text).replace(/^\uFEFF/, ''));
  let cal: ICAL.Component;
  try {
    cal = new ICAL.Component(ICAL.parse(lines.map(forIcalJs).join('\r\n')));
  } catch (e) {
    throw new CalendarError('ICS_INVALID', `not iCalendar: ${(e as Error).message}`);
  }
  if (cal.name !== 'vcalendar') throw new CalendarError('ICS_INVALID', 'no VCALENDAR');
  try {
    const vevents = cal.getAllSubcomponents('vevent');
    const raw = rawVevents(lines);
    const rawOf = new Map(vevents.map((v, i) => [v, raw.length === vevents.length ? raw[i] : undefined] as const));
    const zones = zoneTable(cal);
    const wr = cal.getFirstPropertyValue('x-wr-timezone');
    const calendarZone = (wr && canonicalZone(String(wr).trim())) || reading.floatingZone || 'UTC';
    const timesOptional = ['REPLY', 'REFRESH', 'DECLINECOUNTER'].includes(reading.method?.toUpperCase() ?? '');
    const byUid = new Map<string, ICAL.Component[]>();
    for (const v of vevents) {
      const uid = String(v.getFirstPropertyValue('uid') ?? '');
      if (!uid) throw new CalendarError('ICS_INVALID', 'a VEVENT has no UID');
      byUid.set(uid, [...(byUid.get(uid) ?? []), v]);
    }
    const itip = !!reading.method;
    return receivableDeep([...byUid.values()].map(group => eventOf(group, { zones, floating: calendarZone, timesOptional, itip }, rawOf)));
  } catch (e) {
    if (e instanceof CalendarError) throw e;
    if (e instanceof RecurrenceError || e instanceof TimeZoneError) throw new CalendarError('ICS_INVALID', e.message);
    throw new CalendarError('ICS_INVALID', `unreadable iCalendar: ${(e as Error).message}`);
  }
}

/** RFC 5545 3.1: content lines, unfolded (CRLF or LF followed by one space or tab continues a line). */
function unfold(text: string): string[] {
  return text.replace(/\r\n|\r/g, '\n').replace(/\n[ \t]/g, '').split('\n').filter(l => l.trim() !== '');
}

/** ical.js refuses lower-case rule parts (RFC 5545 3.3.10 parts are case-insensitive): its copy
 *  gets them in upper case. The raw lines keep what the file says. */
function forIcalJs(line: string): string {
  const m = /^((?:RRULE|EXRULE)(?:;[^:]*)?:)(.*)$/i.exec(line);
  return m ? m[1]! + m[2]!.toUpperCase() : line;
}

/** Each VEVENT's own content lines (not its VALARMs'), in document order. Components must nest
 *  (RFC 5545 3.4, 3.6): an END that closes something else, or a component left open, is refused. */
function rawVevents(lines: string[]): string[][] {
  const out: string[][] = [];
  const stack: string[] = [];
  for (const line of lines) {
    const m = /^(BEGIN|END):(.+)$/i.exec(line.trim());
    if (m) {
      const name = m[2]!.trim().toUpperCase();
      if (m[1]!.toUpperCase() === 'BEGIN') {
        stack.push(name);
        if (stack.length === 2 && stack[1] === 'VEVENT') out.push([]);
      } else if (stack.pop() !== name) {
        throw new CalendarError('ICS_INVALID', `END:${name} closes no open ${name}`);
      }
      continue;
    }
    if (stack.length === 2 && stack[1] === 'VEVENT') out[out.length - 1]!.push(line);
  }
  if (stack.length) throw new CalendarError('ICS_INVALID', `BEGIN:${stack.at(-1)} has no END`);
  return out;
}

/** A content line's property name (lower case) and its value text as written. */
function lineParts(line: string): { name: string; value: string; colon: boolean } {
  let quoted = false;
  let nameEnd = -1;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ';' || c === ':') && nameEnd < 0) nameEnd = i;
    if (!quoted && c === ':') return { name: line.slice(0, nameEnd).toLowerCase(), value: line.slice(i + 1), colon: true };
  }
  return { name: line.slice(0, nameEnd < 0 ? line.length : nameEnd).toLowerCase(), value: '', colon: false };
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

interface Reader {
  zones: Map<string, string>;
  /** The zone of floating times and DATEs. */
  floating: string;
  /** A VEVENT without DTSTART is read anyway (IcsReading.method). */
  timesOptional?: boolean | undefined;
  /** An iTIP message: the busy status is the one the organizer intends (X-MICROSOFT-CDO-INTENDEDSTATUS). */
  itip?: boolean | undefined;
}

const YEAR_10000 = Date.UTC(10000, 0, 1);

function eventOf(group: ICAL.Component[], calendar: Reader, rawOf: Map<ICAL.Component, string[] | undefined>): CalendarEvent {
  const master = group.find(v => !v.hasProperty('recurrence-id')) ?? group[0]!;
  const own = master.getFirstPropertyValue('x-convene-timezone');
  const floating = (own && canonicalZone(String(own).trim())) || calendar.floating;
  const given = readTime(master, 'dtstart', { ...calendar, floating });
  const start0 = given ?? (calendar.timesOptional ? timelessStart(master, { ...calendar, floating }) : undefined);
  if (!start0) throw new CalendarError('ICS_INVALID', 'a VEVENT has no DTSTART');
  // Everything else in the event that has no zone of its own is in the event's.
  const r: Reader = { zones: calendar.zones, floating: start0.zone, itip: calendar.itip };
  let start = start0;
  let end = given ? readEnd(master, start, r) : start.ms;
  // Outlook: midnight to midnight with X-MICROSOFT-CDO-ALLDAYEVENT:TRUE is an all-day event.
  if (!start.allDay && String(master.getFirstPropertyValue('x-microsoft-cdo-alldayevent') ?? '').toUpperCase() === 'TRUE'
    && start.zone !== undefined && isDayStart(start.ms, start.zone) && isDayStart(end, start.zone) && end > start.ms) {
    const w = utcToLocal(start.zone, start.ms);
    start = { ...start, allDay: true, time: ICAL.Time.fromData({ year: w.year, month: w.month, day: w.day, isDate: true }) };
  }
  if (end < start.ms) throw new CalendarError('ICS_INVALID', 'a VEVENT ends before it starts');
  // RFC 5545 3.3.4 and MS-ASDTYPE 2.7.2 write four-digit years: an end past 9999 (DTSTART late in
  // 9999 plus a DURATION) could be stored but neither exported nor synced.
  if (end >= YEAR_10000) throw new CalendarError('ICS_INVALID', 'a VEVENT ends after the year 9999');
  const base = readOverrides(master, r);
  const event: CalendarEvent = {
    ...dropUndefined(base),
    uid: String(master.getFirstPropertyValue('uid')),
    start: start.ms, end, allDay: start.allDay, timeZone: start.zone,
  };
  const stamp = readTime(master, 'dtstamp', r);
  if (stamp) event.dtStamp = stamp.ms;
  // An iTIP message about one occurrence carries that occurrence alone (RFC 5546 §3.2.2): no master.
  const ownRid = master.hasProperty('recurrence-id') ? readTime(master, 'recurrence-id', r) : undefined;
  if (ownRid) event.recurrenceId = ownRid.ms;
  const seq = master.getFirstPropertyValue('sequence');
  if (seq !== null && seq !== undefined) event.sequence = Number(seq);
  const organizer = master.getFirstProperty('organizer');
  if (organizer) event.organizer = dropUndefined({ email: mailto(organizer), name: param(organizer, 'cn'), ...scheduleParamsOf(organizer, r.itip) });
  const clientUid = master.getFirstPropertyValue('x-convene-clientuid');
  if (clientUid) event.clientUid = String(clientUid);
  const rsvp = master.getFirstPropertyValue('x-convene-responserequested');
  if (rsvp) event.responseRequested = String(rsvp).toUpperCase() === 'TRUE';
  const counter = master.getFirstPropertyValue('x-microsoft-disallow-counter');
  if (counter) event.disallowNewTimeProposal = String(counter).toUpperCase() === 'TRUE';
  const blob = master.getFirstPropertyValue('x-convene-eastimezone');
  if (blob) event.easTimeZone = String(blob);
  const raw = rawOf.get(master);
  const rawRule = raw?.map(lineParts).find(l => l.name === 'rrule')?.value;
  const extra: string[] = [];
  let series = true;
  try {
    readRecurrence(master, event, start.time, r, rawRule);
  } catch (e) {
    if (!(e instanceof RecurrenceError && e.code === 'RECURRENCE_UNSUPPORTED')) throw e;
    // A rule Convene cannot expand: the event is its first occurrence, and the rule is kept
    // (docs/calendar-recurrence.md). Its overrides have no series to belong to.
    series = false;
    delete event.recurrence;
    delete event.exceptions;
    if (raw) extra.push(...raw.filter(line => ['rrule', 'exdate'].includes(lineParts(line).name)));
    else extra.push(...master.getAllProperties().filter(p => p.name === 'rrule' || p.name === 'exdate').map(p => p.toICALString()));
  }
  if (series) {
    const others = group.filter(v => v !== master && v.hasProperty('recurrence-id'));
    const ranged = (v: ICAL.Component) => param(v.getFirstProperty('recurrence-id')!, 'range')?.toUpperCase() === 'THISANDFUTURE';
    const overrides = others.filter(v => !ranged(v)).map(v => overrideOf(v, event, base, r));
    if (overrides.length) event.exceptions = [...(event.exceptions ?? []), ...overrides].sort((a, b) => a.originalStart - b.originalStart);
    const ranges = others.filter(ranged).map(v => overrideOf(v, event, base, r));
    if (ranges.length) event.exceptions = withThisAndFuture(event, ranges);
  }
  const kept = (name: string, value: () => string) => !MODELLED.has(name) && !(name === 'status' && value().trim().toUpperCase() === 'CANCELLED');
  if (raw) extra.push(...raw.filter(line => kept(lineParts(line).name, () => lineParts(line).value)));
  else extra.push(...master.getAllProperties().filter(p => kept(p.name, () => String(p.getFirstValue()))).map(p => p.toICALString()));
  if (extra.length) event.extraIcal = extra;
  return event;
}

function readRecurrence(master: ICAL.Component, event: CalendarEvent, dtstart: ICAL.Time, r: Reader, rawRule: string | undefined): void {
  const rrule = master.getFirstProperty('rrule');
  if (!rrule) return;
  // The file's own text: ical.js's serialisation drops what it does not understand.
  const value = rawRule ?? rrule.toICALString().replace(/^RRULE:/i, '');
  const zone = event.timeZone === 'UTC' ? ICAL.Timezone.utcTimezone : registerTimezone(event.timeZone, new Date(event.start).getUTCFullYear());
  event.recurrence = fromRRule(value, seriesStartOf(dtstart), { allDay: event.allDay, zone, start: icalStart(event, zone) });
  const calendarType = master.getFirstPropertyValue('x-convene-calendartype');
  if (calendarType !== null && calendarType !== undefined && /^\d+$/.test(String(calendarType).trim())) event.recurrence.calendarType = Number(calendarType);
  const leap = master.getFirstPropertyValue('x-convene-isleapmonth');
  if (leap) event.recurrence.isLeapMonth = String(leap).toUpperCase() === 'TRUE';
  const deleted: Exception[] = [];
  for (const p of master.getAllProperties('exdate')) {
    for (const v of p.getValues() as ICAL.Time[]) {
      deleted.push({ originalStart: toUtc(v, param(p, 'tzid'), event.timeZone, r), deleted: true, overrides: {} });
    }
  }
  if (deleted.length) event.exceptions = deleted;
}

/** The series' first start as a zoned ical.js time, a DATE for an all-day series (fromRRule
 *  turns a COUNT beyond EAS's 999 into the Until of the last occurrence with it). */
function icalStart(event: CalendarEvent, zone: ICAL.Timezone): ICAL.Time {
  const w = event.timeZone === 'UTC' ? utcWall(event.start) : utcToLocal(event.timeZone, event.start);
  return event.allDay
    ? ICAL.Time.fromData({ year: w.year, month: w.month, day: w.day, isDate: true }, zone)
    : ICAL.Time.fromData({ ...w, isDate: false }, zone);
}

function utcWall(ms: number): { year: number; month: number; day: number; hour: number; minute: number; second: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

/** What an override VEVENT lacks that its master has is gone from that occurrence (RFC 5545
 *  3.8.4.4: the override is the whole occurrence). */
const REMOVED: { [K in keyof Overrides]?: Overrides[K] } = {
  subject: '', location: { displayName: '' }, body: { type: 1, data: '' }, categories: [], attendees: [], reminder: null,
};

function overrideOf(v: ICAL.Component, master: CalendarEvent, base: Overrides, r: Reader): Exception {
  const rid = readTime(v, 'recurrence-id', r)!;
  const start = readTime(v, 'dtstart', r);
  const own = readOverrides(v, r);
  const overrides: Overrides = {};
  for (const [k, value] of Object.entries(own) as [keyof Overrides, unknown][]) {
    if (JSON.stringify(value) !== JSON.stringify(base[k])) (overrides as Record<string, unknown>)[k] = value;
  }
  for (const [k, gone] of Object.entries(REMOVED) as [keyof Overrides, unknown][]) {
    if (own[k] === undefined && base[k] !== undefined && JSON.stringify(base[k]) !== JSON.stringify(gone)) {
      (overrides as Record<string, unknown>)[k] = gone;
    }
  }
  if (start && start.ms !== rid.ms) overrides.start = start.ms;
  if (start) {
    const end = readEnd(v, start, r);
    if (end < start.ms) throw new CalendarError('ICS_INVALID', 'an override VEVENT ends before it starts');
    if (end - start.ms !== master.end - master.start || overrides.start !== undefined) overrides.end = end;
    if (start.allDay !== master.allDay) overrides.allDay = start.allDay;
  }
  const x: Exception = { originalStart: rid.ms, overrides };
  const seq = v.getFirstPropertyValue('sequence');
  if (seq !== null && seq !== undefined && Number(seq) !== master.sequence) x.sequence = Number(seq);
  const stamp = readTime(v, 'dtstamp', r);
  if (stamp && stamp.ms !== master.dtStamp) x.dtStamp = stamp.ms;
  return x;
}

function readOverrides(v: ICAL.Component, r: Reader): Overrides {
  const o: Overrides = {};
  const s = (name: string) => {
    const value = v.getFirstPropertyValue(name);
    return value === null || value === undefined ? undefined : String(value);
  };
  o.subject = s('summary');
  // An empty LOCATION (Google writes one for every event without a place) is no location.
  if (s('location')?.trim()) {
    o.location = { displayName: s('location')! };
    const geo = v.getFirstPropertyValue('geo') as unknown as number[] | null;
    if (Array.isArray(geo)) Object.assign(o.location, { latitude: Number(geo[0]), longitude: Number(geo[1]) });
    Object.assign(o.location, richLocation(s('x-convene-location')));
  }
  const html = v.getFirstProperty('x-alt-desc');
  if (html && /text\/html/i.test(param(html, 'fmttype') ?? '')) o.body = { type: 2, data: String(html.getFirstValue()) };
  else if (s('x-convene-rtf') !== undefined) o.body = { type: 3, data: s('x-convene-rtf')! };
  else if (s('description') !== undefined) o.body = { type: 1, data: s('description')! };
  const cls = s('class');
  if (cls !== undefined) o.sensitivity = Math.max(0, CLASS.indexOf(cls.toUpperCase() as (typeof CLASS)[number])) as Sensitivity;
  // MS-OXCICAL: in a meeting request X-MICROSOFT-CDO-BUSYSTATUS is the attendee's placeholder
  // (TENTATIVE), INTENDEDSTATUS what accepting makes it: MS-ASEMAIL 2.2.2.14 BusyStatus is the latter.
  const busy = ((r.itip ? s('x-microsoft-cdo-intendedstatus') : undefined) ?? s('x-microsoft-cdo-busystatus'))?.toUpperCase();
  const transp = s('transp')?.toUpperCase();
  if (busy && BUSY.includes(busy as (typeof BUSY)[number])) o.busyStatus = BUSY.indexOf(busy as (typeof BUSY)[number]) as BusyStatus;
  else if (transp) o.busyStatus = transp === 'TRANSPARENT' ? 0 : 2;
  const ms = s('x-convene-meetingstatus');
  if (ms !== undefined && /^\d+$/.test(ms.trim())) o.meetingStatus = Number(ms);
  else if (s('status')?.toUpperCase() === 'CANCELLED') o.meetingStatus = 5;
  const rt = s('x-convene-responsetype');
  if (rt !== undefined && /^[0-5]$/.test(rt.trim())) o.responseType = Number(rt) as Overrides['responseType'];
  const reply = v.getFirstPropertyValue('x-convene-replytime');
  if (reply) o.appointmentReplyTime = parseEasDateTime(String(reply));
  // Join links as Teams (MS-OXCICAL X-MICROSOFT-*) and Google Meet send them; ours win on a round trip.
  // ical.js leaves X- values as written: those are TEXT (MS-OXCICAL), so their escapes are undone here.
  const text = (name: string) => unescapeText(s(name));
  o.onlineMeetingConfLink = s('x-convene-conflink') ?? text('x-microsoft-onlinemeetingconflink');
  o.onlineMeetingExternalLink = s('x-convene-externallink') ?? text('x-microsoft-skypeteamsmeetingurl') ?? text('x-google-conference');
  const cats = v.getAllProperties('categories').flatMap(p => p.getValues().map(String));
  if (cats.length) o.categories = cats;
  const attendees = v.getAllProperties('attendee').map(p => attendeeOf(p, r.itip));
  if (attendees.length) o.attendees = attendees;
  const alarms = v.getAllSubcomponents('valarm');
  const alarm = alarms.find(a => a.getFirstPropertyValue('trigger') instanceof ICAL.Duration && String(a.getFirstPropertyValue('action')).toUpperCase() !== 'NONE');
  if (alarm) o.reminder = Math.max(0, Math.round(-(alarm.getFirstPropertyValue('trigger') as ICAL.Duration).toSeconds() / 60));
  else if (alarms.some(a => String(a.getFirstPropertyValue('action')).toUpperCase() === 'NONE')) o.reminder = null;
  return dropUndefined(o);
}

/** RFC 5545 3.3.11 TEXT escapes (\n, \N, \\, \;, \,) undone. */
export function unescapeText(value: string | undefined): string | undefined {
  return value?.replace(/\\([nN\\;,])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

/** X-CONVENE-LOCATION: the 16.x location fields iCalendar has no property for. */
function richLocation(json: string | undefined): Partial<Location> {
  if (!json) return {};
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return {};
  }
  if (!value || typeof value !== 'object') return {};
  const out: Partial<Location> = {};
  for (const k of ['annotation', 'street', 'city', 'state', 'country', 'postalCode', 'locationUri'] as const) {
    const x = (value as Record<string, unknown>)[k];
    if (typeof x === 'string') out[k] = x;
  }
  for (const k of ['latitude', 'longitude', 'accuracy', 'altitude', 'altitudeAccuracy'] as const) {
    const x = (value as Record<string, unknown>)[k];
    if (typeof x === 'number' && Number.isFinite(x)) out[k] = x;
  }
  return out;
}

function attendeeOf(p: ICAL.Property, itip: boolean | undefined): Attendee {
  const partstat = param(p, 'partstat')?.toUpperCase();
  const status = param(p, 'x-convene-status') === '0' ? '0' : Object.entries(PARTSTAT).find(([, v]) => v === partstat)?.[0];
  const role = param(p, 'role')?.toUpperCase();
  const cutype = param(p, 'cutype')?.toUpperCase();
  const rsvp = param(p, 'rsvp');
  return dropUndefined({
    email: mailto(p), name: param(p, 'cn'),
    status: status === undefined ? undefined : (Number(status) as AttendeeStatus),
    type: cutype === 'RESOURCE' || cutype === 'ROOM' ? 3 : role === 'OPT-PARTICIPANT' ? 2 : role === 'REQ-PARTICIPANT' ? 1 : undefined,
    rsvp: rsvp === undefined ? undefined : rsvp.toUpperCase() === 'TRUE',
    ...scheduleParamsOf(p, itip),
  }) as Attendee;
}

interface ReadTime { ms: number; allDay: boolean; zone: string; time: ICAL.Time }

/** The time a VEVENT without DTSTART stands for: its occurrence, else when it was written. */
function timelessStart(v: ICAL.Component, r: Reader): ReadTime | undefined {
  return readTime(v, 'recurrence-id', r) ?? readTime(v, 'dtstamp', r);
}

function readTime(v: ICAL.Component, name: string, r: Reader): ReadTime | undefined {
  const p = v.getFirstProperty(name);
  if (!p) return undefined;
  const t = p.getFirstValue() as unknown;
  if (!(t instanceof ICAL.Time)) throw new CalendarError('ICS_INVALID', `${name.toUpperCase()} is not a date or date-time`);
  const tzid = param(p, 'tzid');
  const utc = t.zone?.tzid === 'UTC' || /Z$/i.test(String(p.toICALString()));
  const zone = utc ? 'UTC' : tzid ? zoneOfTzid(tzid, r) : r.floating;
  return { ms: toUtc(t, utc ? undefined : tzid, zone, r), allDay: t.isDate, zone, time: t };
}

/** The IANA zone a TZID names: its VTIMEZONE's, or an IANA or Windows name without one. */
function zoneOfTzid(tzid: string, r: Reader): string {
  const known = r.zones.get(tzid);
  if (known) return known;
  let zone: string;
  try {
    zone = zoneFromVtimezone(new ICAL.Component(['vtimezone', [['tzid', {}, 'text', tzid]], []]), new Date().getUTCFullYear());
  } catch {
    throw new CalendarError('ICS_INVALID', `TZID "${tzid}" has no VTIMEZONE and names no known zone`);
  }
  r.zones.set(tzid, zone);
  return zone;
}

function readEnd(v: ICAL.Component, start: ReadTime, r: Reader): number {
  const end = readTime(v, 'dtend', r);
  if (end) return end.ms;
  const duration = v.getFirstPropertyValue('duration') as ICAL.Duration | null;
  if (duration && start.allDay && !duration.hours && !duration.minutes && !duration.seconds) {
    return dayAfter(start, (duration.weeks * 7 + duration.days) * (duration.isNegative ? -1 : 1));
  }
  if (duration) return start.ms + duration.toSeconds() * 1000;
  // RFC 5545 3.6.1: a DATE DTSTART without DTEND lasts one day; a DATE-TIME one lasts no time.
  return start.allDay ? dayAfter(start, 1) : start.ms;
}

/** The local start of the day `days` after an all-day start, in its zone. */
function dayAfter(start: ReadTime, days: number): number {
  const d = new Date(Date.UTC(start.time.year, start.time.month - 1, start.time.day + days));
  const wall = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0, second: 0 };
  return start.zone === 'UTC' ? Date.UTC(wall.year, wall.month - 1, wall.day) : localToUtc(start.zone, wall);
}

function isDayStart(ms: number, zone: string): boolean {
  if (zone === 'UTC') return ms % 86_400_000 === 0;
  const w = utcToLocal(zone, ms);
  return localToUtc(zone, { year: w.year, month: w.month, day: w.day, hour: 0, minute: 0, second: 0 }) === ms;
}

/** UTC ms of a property value: UTC as is, zoned or floating through the event's IANA zone. */
function toUtc(t: ICAL.Time, tzid: string | undefined, eventZone: string, r: Reader): number {
  if (t.zone?.tzid === 'UTC') return t.toJSDate().getTime();
  const zone = tzid ? zoneOfTzid(tzid, r) : eventZone;
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

/** A plain-text rendering of an HTML body (iCalendar DESCRIPTION beside X-ALT-DESC; EAS 2.5). */
export function htmlToText(html: string): string {
  return replaceTags(html.replace(/<(br|\/p|\/div)\s*\/?>/gi, '\n'), '').replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}
