// MS-ASCAL Calendar item (ApplicationData, as ItemProps) ⇄ CalendarEvent, for every protocol
// version 2.5–16.1. What a version has not got is neither written nor read (VERSIONS below, from
// the MS-ASCAL 2.2.2.x "Protocol Versions" tables). When a device sends an item back, what its
// version could not show is carried over from the stored event (`existing`), so that an old
// device's edit loses nothing it never saw. Elements are written in MS-ASCAL schema order
// (Calendar.xsd: the AllProps group, and the Exception and Recurrence children as listed there).
//
// All-day items: ≤14.1 carry local midnights as UTC instants, with the Timezone. In 16.x the
// server sends no Timezone and StartTime/EndTime/Until "have no time component" (MS-ASCAL 2.2.2.1):
// the day as UTC midnight. On input both forms are accepted at every version (dayStart).
import type { ItemProps, PropNode } from '../store/types.js';
import { CalendarError } from './errors.js';
import { htmlToText } from './ical.js';
import type {
  Attendee, AttendeeStatus, AttendeeType, Body, BusyStatus, CalendarEvent, Exception, Location, Overrides, Recurrence, ResponseType,
  Sensitivity,
} from './model.js';
import { dropUndefined } from './objects.js';
import { validateDeviceFields, validateRecurrence } from './recurrence.js';
import { propText } from '../store/props.js';
import {
  decodeTimeZoneBlob, encodeTimeZoneBlob, formatCompact, ianaFromTimeZoneInfo, localToUtc, parseEasDateTime, timeZoneInfoForIana,
  utcToLocal,
} from './timezone.js';

type Version = number;

const C = (name: string) => `Calendar:${name}`;
const B = (name: string) => `AirSyncBase:${name}`;

/**
 * Elements not every version has: [first version with it, first version without it]. MS-ASCAL
 * 2.2.2.x Protocol Versions tables; MS-ASCAL 2.2.2.7.2 (calendar:Body is 2.5 only), 2.2.2.27
 * (calendar:Location ≤14.1; airsyncbase:Location 16.x), 2.2.2.23 (ExceptionStartTime ≤14.1;
 * airsyncbase:InstanceId 16.x, MS-ASAIRS 2.2.2.25).
 */
const VERSIONS: Readonly<Record<string, readonly [number, number]>> = {
  [C('Body')]: [0, 12], [B('Body')]: [12, Infinity],
  [C('Location')]: [0, 16], [B('Location')]: [16, Infinity],
  [C('ExceptionStartTime')]: [0, 16], [B('InstanceId')]: [16, Infinity],
  [C('AttendeeStatus')]: [12, Infinity], [C('AttendeeType')]: [12, Infinity],
  [C('ResponseRequested')]: [14, Infinity], [C('AppointmentReplyTime')]: [14, Infinity], [C('ResponseType')]: [14, Infinity],
  [C('DisallowNewTimeProposal')]: [14, Infinity], [C('CalendarType')]: [14, Infinity], [C('IsLeapMonth')]: [14, Infinity],
  [C('FirstDayOfWeek')]: [14.1, Infinity], [C('OnlineMeetingConfLink')]: [14.1, Infinity], [C('OnlineMeetingExternalLink')]: [14.1, Infinity],
  [C('ClientUid')]: [16, Infinity],
};

/** MS-ASCAL 2.2.2.21: as children of Exception, Attendees (like AppointmentReplyTime and
 *  ResponseType) exist from 14.0 only, though the top-level Attendees is in every version. */
const IN_EXCEPTION: Readonly<Record<string, readonly [number, number]>> = { [C('Attendees')]: [14, Infinity] };

function has(name: string, version: Version, inException = false): boolean {
  const [since, until] = (inException ? IN_EXCEPTION[name] : undefined) ?? VERSIONS[name] ?? [0, Infinity];
  return version >= since && version < until;
}

/** MS-ASCAL 2.2.2.28 MeetingStatus values. */
const MEETING_STATUS = [0, 1, 3, 5, 7, 9, 11, 13, 15];
const DAY = 86_400_000;

// ─── device → model ────────────────────────────────────────────────────────────────────────────

export interface FromEasOptions {
  version: Version;
  /** The stored event a Change applies to (UID, sequence and server-kept fields carry over). */
  existing?: CalendarEvent | undefined;
  /** A UID for a new event when the device sends none (16.x: the server makes UIDs). */
  newUid: () => string;
  /** The current time, for an Add without StartTime or EndTime (MS-ASCAL 3.2.4.4). */
  now?: number | undefined;
  /** The props are a device's request (not stored props read back): request-only rules apply. */
  request?: boolean | undefined;
}

const HALF_HOUR = 30 * 60_000;

/**
 * MS-ASCAL 3.2.4.4: an Add without StartTime or EndTime takes them from the current time rounded up
 * to the half hour (R52511–R52518): neither → now to now + 30 min; only a future EndTime → now to it;
 * only a past StartTime → it to now + 30 min; only a past EndTime or only a future StartTime → Status 6.
 */
function addedTimes(start: number | undefined, end: number | undefined, now: number): [number, number] {
  const rounded = Math.ceil(now / HALF_HOUR) * HALF_HOUR;
  if (start !== undefined && end !== undefined) return [start, end];
  if (start === undefined && end === undefined) return [rounded, rounded + HALF_HOUR];
  if (start === undefined) {
    if (end! <= now || rounded > end!) throw new CalendarError('CALENDAR_INVALID', 'no StartTime, and EndTime is not after the current time');
    return [rounded, end!];
  }
  if (start > now) throw new CalendarError('CALENDAR_INVALID', 'a future StartTime without EndTime');
  return [start, rounded + HALF_HOUR];
}

interface Context {
  version: Version;
  zone: string;
  allDay: boolean;
}

export function easToEvent(props: ItemProps, o: FromEasOptions): CalendarEvent {
  const v = o.version;
  const prev = o.existing;
  const get = (name: string) => (has(name, v) ? propText(props, name) : undefined);
  const given = [date(get(C('StartTime')), 'StartTime'), date(get(C('EndTime')), 'EndTime')] as const;
  // A Change keeps what the device's view had; 2.5 requires both times (MS-ASCAL 2.2.2.42).
  if (given[0] === undefined && (prev || v < 12)) throw new CalendarError('CALENDAR_INVALID', 'StartTime is required');
  const [rawStart, rawEnd] = prev ? [given[0]!, given[1] ?? given[0]!] : addedTimes(given[0], given[1], o.now ?? Date.now());
  const blob = get(C('Timezone')) || undefined;
  const timeZone = blob ? ianaFromTimeZoneInfo(decodeTimeZoneBlob(blob), new Date(rawStart).getUTCFullYear()) : prev?.timeZone ?? 'UTC';
  const allDay = enumOf<0 | 1>(get(C('AllDayEvent')), [0, 1], 'AllDayEvent') === 1;
  const start = allDay ? dayStart(rawStart, timeZone) : rawStart;
  const end = allDay ? dayStart(rawEnd, timeZone) : rawEnd;
  if (end < start) throw new CalendarError('CALENDAR_INVALID', 'EndTime is before StartTime');
  const ctx: Context = { version: v, zone: timeZone, allDay };
  const recurrence = recurrenceOf(props, ctx, prev);
  const own = overridesOf(props, ctx, false);
  // An empty top-level list is the same as none (it is not written back).
  if (own.categories?.length === 0) own.categories = undefined;
  if (own.attendees?.length === 0) own.attendees = undefined;
  const organizerEmail = get(C('OrganizerEmail'));
  return dropUndefined({
    ...carried(own, prev, v, false),
    uid: (v < 16 ? get(C('UID')) : undefined) || prev?.uid || o.newUid(),
    clientUid: get(C('ClientUid')) || prev?.clientUid,
    start, end, allDay, timeZone,
    // No Timezone (a 16.x all-day item, or a Change without one), or the one the server wrote for
    // the stored event: the stored zone and blob (or none) stay.
    easTimeZone: blob === undefined || (prev && blob === blobOf(prev)) ? prev?.easTimeZone : blob,
    organizer: organizerEmail ? dropUndefined({ email: organizerEmail, name: get(C('OrganizerName')), ...sameOrganizer(prev, organizerEmail) }) : prev?.organizer,
    responseRequested: flag(get(C('ResponseRequested'))) ?? (v < 14 ? prev?.responseRequested : undefined),
    disallowNewTimeProposal: flag(get(C('DisallowNewTimeProposal'))) ?? (v < 14 ? prev?.disallowNewTimeProposal : undefined),
    // 16.x clients must not send DtStamp (MS-ASCAL 2.2.2.18): one sent anyway is ignored, the stored one stays.
    dtStamp: (ignoresDtStamp(o) ? undefined : date(get(C('DtStamp')), 'DtStamp')) ?? prev?.dtStamp,
    sequence: prev?.sequence,
    recurrence,
    exceptions: exceptionsOf(props, ctx, prev, ignoresDtStamp(o)),
    extraIcal: prev?.extraIcal,
    // A copy that stands for one occurrence (an invitation to it alone) keeps saying which.
    recurrenceId: recurrence ? undefined : prev?.recurrenceId,
  });
}

/** MS-ASCAL 2.2.2.18: a 16.0/16.1 client MUST NOT send DtStamp; the server keeps its own. */
function ignoresDtStamp(o: FromEasOptions): boolean {
  return o.request === true && o.version >= 16;
}

function overridesOf(props: ItemProps, ctx: Context, inException: boolean): Overrides {
  const v = ctx.version;
  const get = (name: string) => (has(name, v, inException) ? propText(props, name) : undefined);
  const list = (name: string, item: string) => (has(name, v, inException) ? children(props, name) : undefined)
    ?.filter(n => n[0] === item);
  return {
    subject: get(C('Subject')),
    location: locationOf(props, v),
    body: bodyOf(props),
    reminder: reminderOf(get(C('Reminder'))),
    busyStatus: enumOf<BusyStatus>(get(C('BusyStatus')), [0, 1, 2, 3, 4], 'BusyStatus'),
    sensitivity: enumOf<Sensitivity>(get(C('Sensitivity')), [0, 1, 2, 3], 'Sensitivity'),
    categories: list(C('Categories'), C('Category'))?.map(n => String(n[1])),
    attendees: list(C('Attendees'), C('Attendee'))?.map(n => attendeeOf(Array.isArray(n[1]) ? n[1] : [], v)),
    meetingStatus: enumOf<number>(get(C('MeetingStatus')), MEETING_STATUS, 'MeetingStatus'),
    responseType: enumOf<ResponseType>(get(C('ResponseType')), [0, 1, 2, 3, 4, 5], 'ResponseType'),
    appointmentReplyTime: date(get(C('AppointmentReplyTime')), 'AppointmentReplyTime'),
    onlineMeetingConfLink: get(C('OnlineMeetingConfLink')),
    onlineMeetingExternalLink: get(C('OnlineMeetingExternalLink')),
  };
}

/**
 * What the device's version cannot show comes from the stored event (or exception): the device
 * sent back only what it has. A device value wins wherever the version can express it.
 */
function carried(own: Overrides, prev: Overrides | undefined, v: Version, inException: boolean): Overrides {
  if (!prev) return own;
  const o = { ...own };
  if (v < 14) {
    o.responseType = prev.responseType;
    o.appointmentReplyTime = prev.appointmentReplyTime;
    if (inException) o.attendees = prev.attendees;
  }
  if (v < 14.1) {
    o.onlineMeetingConfLink = prev.onlineMeetingConfLink;
    o.onlineMeetingExternalLink = prev.onlineMeetingExternalLink;
    // Before 14.1 a Reminder cannot be empty: "no reminder" is only the element's absence.
    if (o.reminder === undefined && prev.reminder === null) o.reminder = null;
  }
  if (v < 16) {
    // ≤14.1 see a location's display name only.
    if (o.location && prev.location && o.location.displayName === prev.location.displayName) o.location = prev.location;
    // Working elsewhere (4) is 16.x only; older devices were shown Busy (MS-ASCAL 2.2.2.9).
    if (o.busyStatus === 2 && prev.busyStatus === 4) o.busyStatus = 4;
  }
  if (v < 12) {
    // 2.5 sees a plain-text body; an unchanged text keeps the stored HTML or RTF body.
    if (o.body && prev.body && prev.body.type !== 1 && o.body.data === plainBody(prev.body)) o.body = prev.body;
    if (!o.body && prev.body?.type === 3) o.body = prev.body;
  }
  if (o.attendees && prev.attendees) {
    const before = prev.attendees;
    o.attendees = o.attendees.map(a => carriedAttendee(a, before.find(p => p.email.toLowerCase() === a.email.toLowerCase()), v));
  }
  return o;
}

/** The RFC 6638 7 parameters of the stored ORGANIZER, while the device names the same one. */
function sameOrganizer(prev: CalendarEvent | undefined, email: string): { scheduleAgent?: Attendee['scheduleAgent']; scheduleStatus?: string | undefined } {
  const o = prev?.organizer;
  return o && o.email.toLowerCase() === email.toLowerCase() ? { scheduleAgent: o.scheduleAgent, scheduleStatus: o.scheduleStatus } : {};
}

function carriedAttendee(a: Attendee, p: Attendee | undefined, v: Version): Attendee {
  if (!p) return a;
  // RFC 6638 7.1, 7.3 parameters a CalDAV client set stay: EAS has no place for them (docs/dav.md).
  const out: Attendee = { ...a, rsvp: p.rsvp, scheduleAgent: p.scheduleAgent, scheduleStatus: p.scheduleStatus };
  if (v < 12) Object.assign(out, { status: p.status, type: p.type });
  // Written for an attendee without either: Name = the address, AttendeeType 1 in 16.x.
  if (a.name === a.email && p.name === undefined) out.name = undefined;
  if (v >= 16 && a.type === 1 && p.type === undefined) out.type = undefined;
  return dropUndefined(out);
}

function locationOf(props: ItemProps, version: Version): Location | undefined {
  const rich = version >= 16 ? children(props, B('Location')) : undefined;
  if (rich) {
    const t = (n: string) => propText(rich, B(n));
    const num = (n: string) => {
      const value = t(n);
      if (value === undefined || value === '') return undefined;
      const x = Number(value);
      if (!Number.isFinite(x)) throw new CalendarError('CALENDAR_INVALID', `Location ${n} "${value}" is not a number`);
      return x;
    };
    return dropUndefined({
      displayName: t('DisplayName') ?? '', annotation: t('Annotation'), street: t('Street'), city: t('City'), state: t('State'),
      country: t('Country'), postalCode: t('PostalCode'), latitude: num('Latitude'), longitude: num('Longitude'),
      accuracy: num('Accuracy'), altitude: num('Altitude'), altitudeAccuracy: num('AltitudeAccuracy'), locationUri: t('LocationUri'),
    });
  }
  // Also read in 16.x, from devices that still send it.
  const plain = propText(props, C('Location'));
  return plain === undefined ? undefined : { displayName: plain };
}

function bodyOf(props: ItemProps): Body | undefined {
  const asb = children(props, B('Body'));
  if (asb) {
    const type = enumOf<Body['type']>(propText(asb, B('Type')), [1, 2, 3], 'Body Type') ?? 1;
    return { type, data: propText(asb, B('Data')) ?? '' };
  }
  // calendar:Body is 2.5's (MS-ASCAL 2.2.2.7.2); read from any version that sends it.
  const legacy = propText(props, C('Body'));
  return legacy === undefined ? undefined : { type: 1, data: legacy };
}

function attendeeOf(p: ItemProps, v: Version): Attendee {
  const email = propText(p, C('Email'));
  if (!email) throw new CalendarError('CALENDAR_INVALID', 'an Attendee needs an Email');
  return dropUndefined({
    email, name: propText(p, C('Name')) || undefined,
    status: has(C('AttendeeStatus'), v) ? enumOf<AttendeeStatus>(propText(p, C('AttendeeStatus')), [0, 2, 3, 4, 5], 'AttendeeStatus') : undefined,
    type: has(C('AttendeeType'), v) ? enumOf<AttendeeType>(propText(p, C('AttendeeType')), [1, 2, 3], 'AttendeeType') : undefined,
  });
}

function recurrenceOf(props: ItemProps, ctx: Context, prev: CalendarEvent | undefined): Recurrence | undefined {
  const v = ctx.version;
  const node = children(props, C('Recurrence'));
  // MS-ASCAL 2.2.2.37: in 16.x an empty Recurrence turns a series into a single event.
  if (!node || !node.length) return undefined;
  const n = (name: string) => {
    const value = has(C(name), v) ? propText(node, C(name)) : undefined;
    return value === undefined || value === '' ? undefined : int(value, name);
  };
  const until = date(propText(node, C('Until')), 'Until');
  const r = dropUndefined<Recurrence>({
    // MS-ASCAL 2.2.2.45: Type is optional in 16.x requests (the series keeps its type).
    type: (n('Type') ?? (v >= 16 ? prev?.recurrence?.type : undefined)) as Recurrence['type'],
    // MS-ASCAL 2.2.2.25 footnote: an Interval of 0 is read as 1, as Exchange 2010 SP1 and later do.
    interval: n('Interval') || 1,
    occurrences: n('Occurrences'),
    // MS-ASCAL R53911: with both, Occurrences counts and Until is ignored.
    until: until === undefined || n('Occurrences') !== undefined ? undefined : untilOf(until, ctx),
    dayOfWeek: n('DayOfWeek'), dayOfMonth: n('DayOfMonth'), weekOfMonth: n('WeekOfMonth'), monthOfYear: n('MonthOfYear'),
    calendarType: n('CalendarType'), isLeapMonth: flag(has(C('IsLeapMonth'), v) ? propText(node, C('IsLeapMonth')) : undefined),
    firstDayOfWeek: n('FirstDayOfWeek'),
  });
  // The device sent the pattern back unchanged: keep the stored one, with what this version cannot
  // show (CalendarType, FirstDayOfWeek, the exact RRULE of a series imported from iCalendar).
  if (prev?.recurrence && sameNodes(recurrenceNodes(prev.recurrence, v, contextOf(prev, v)), node)) return prev.recurrence;
  validateDeviceFields(r);
  validateRecurrence(r);
  return r;
}

function exceptionsOf(props: ItemProps, ctx: Context, prev: CalendarEvent | undefined, noDtStamp: boolean): Exception[] | undefined {
  const v = ctx.version;
  const list = children(props, C('Exceptions'));
  if (!list) return undefined;
  return list.filter(n => n[0] === C('Exception')).map(([, value]) => {
    const p = Array.isArray(value) ? value : [];
    const id = v >= 16 ? propText(p, B('InstanceId')) ?? propText(p, C('ExceptionStartTime')) : propText(p, C('ExceptionStartTime'));
    const at = date(id, v >= 16 ? 'InstanceId' : 'ExceptionStartTime');
    if (at === undefined) throw new CalendarError('CALENDAR_INVALID', 'an Exception needs its original start');
    const originalStart = ctx.allDay ? dayStart(at, ctx.zone) : at;
    const before = prev?.exceptions?.find(x => x.originalStart === originalStart);
    const allDay = enumOf<0 | 1>(propText(p, C('AllDayEvent')), [0, 1], 'AllDayEvent');
    const day = (ms: number | undefined) => (ms !== undefined && (allDay ?? Number(ctx.allDay)) === 1 ? dayStart(ms, ctx.zone) : ms);
    const start = day(date(propText(p, C('StartTime')), 'StartTime'));
    const end = day(date(propText(p, C('EndTime')), 'EndTime'));
    if (start !== undefined && end !== undefined && end < start) throw new CalendarError('CALENDAR_INVALID', 'an Exception ends before it starts');
    return dropUndefined<Exception>({
      originalStart,
      deleted: propText(p, C('Deleted')) === '1' || undefined,
      overrides: dropUndefined({ ...carried(overridesOf(p, ctx, true), before?.overrides, v, true), start, end, allDay: allDay === undefined ? undefined : allDay === 1 }),
      sequence: before?.sequence,
      dtStamp: (noDtStamp ? undefined : date(propText(p, C('DtStamp')), 'DtStamp')) ?? before?.dtStamp,
    });
  });
}

/**
 * The original start an airsyncbase:InstanceId (MS-ASAIRS 2.2.2.25; or an ExceptionStartTime)
 * names in `event`: for an all-day series the start of the day it names, whichever form the device
 * used (16.x writes the date as UTC midnight); otherwise the instant. CalendarError if not a date.
 */
export function instanceStart(event: Pick<CalendarEvent, 'allDay' | 'timeZone'>, value: string): number {
  const at = date(value, 'InstanceId');
  if (at === undefined) throw new CalendarError('CALENDAR_INVALID', 'InstanceId is empty');
  return event.allDay ? dayStart(at, event.timeZone) : at;
}

// ─── model → device ────────────────────────────────────────────────────────────────────────────

export function eventToEas(e: CalendarEvent, version: Version): ItemProps {
  const v = version;
  const ctx = contextOf(e, v);
  const out: ItemProps = [];
  const put = (name: string, value: PropNode[1] | undefined | null): void => {
    if (value !== undefined && value !== null && has(name, v)) out.push([name, value]);
  };
  // MS-ASCAL 2.2.2.1: a 16.x all-day item has no Timezone; its times are dates.
  if (!(e.allDay && v >= 16)) put(C('Timezone'), blobOf(e));
  put(C('AllDayEvent'), e.allDay ? '1' : '0');
  putBody(out, e.body, v);
  put(C('BusyStatus'), busyText(e.busyStatus, v));
  put(C('OrganizerName'), e.organizer?.name);
  put(C('OrganizerEmail'), e.organizer?.email);
  put(C('DtStamp'), e.dtStamp === undefined ? undefined : formatCompact(e.dtStamp));
  put(C('EndTime'), timeText(e.end, e.allDay, ctx));
  putLocation(out, e.location, v);
  put(C('Reminder'), reminderText(e.reminder, v));
  put(C('Sensitivity'), num(e.sensitivity));
  put(C('Subject'), e.subject);
  put(C('StartTime'), timeText(e.start, e.allDay, ctx));
  put(C('ClientUid'), e.clientUid);
  put(C('UID'), e.uid);
  put(C('MeetingStatus'), num(e.meetingStatus));
  if (e.attendees?.length) put(C('Attendees'), e.attendees.map(a => [C('Attendee'), attendeeNodes(a, v)] as PropNode));
  if (e.categories?.length) put(C('Categories'), e.categories.map(c => [C('Category'), c] as PropNode));
  if (e.recurrence) put(C('Recurrence'), recurrenceNodes(e.recurrence, v, ctx));
  if (e.exceptions?.length) put(C('Exceptions'), e.exceptions.map(x => [C('Exception'), exceptionNodes(x, v, ctx)] as PropNode));
  put(C('ResponseRequested'), e.responseRequested === undefined ? undefined : e.responseRequested ? '1' : '0');
  put(C('AppointmentReplyTime'), e.appointmentReplyTime === undefined ? undefined : formatCompact(e.appointmentReplyTime));
  put(C('ResponseType'), num(e.responseType));
  put(C('DisallowNewTimeProposal'), e.disallowNewTimeProposal === undefined ? undefined : e.disallowNewTimeProposal ? '1' : '0');
  put(C('OnlineMeetingConfLink'), e.onlineMeetingConfLink);
  put(C('OnlineMeetingExternalLink'), e.onlineMeetingExternalLink);
  return out;
}

/** The device's own blob, kept verbatim; else the zone's rules in the event's year. */
function blobOf(e: CalendarEvent): string {
  return e.easTimeZone ?? encodeTimeZoneBlob(timeZoneInfoForIana(e.timeZone, new Date(e.start).getUTCFullYear()));
}

function contextOf(e: CalendarEvent, version: Version): Context {
  return { version, zone: e.timeZone, allDay: e.allDay };
}

/** A time as the version writes it: an instant, or for a 16.x all-day item its day as UTC midnight. */
function timeText(ms: number, allDay: boolean, ctx: Context): string {
  return formatCompact(allDay && ctx.version >= 16 ? utcDay(ms, ctx.zone) : ms);
}

function putBody(out: ItemProps, body: Body | undefined, version: Version): void {
  if (!body) return;
  if (version >= 12) {
    out.push([B('Body'), [[B('Type'), String(body.type)], [B('Data'), body.data]]]);
    return;
  }
  // 2.5: calendar:Body, plain text only (MS-ASCAL 2.2.2.7.2); an RTF body cannot be shown.
  const plain = plainBody(body);
  if (plain !== undefined) out.push([C('Body'), plain]);
}

function plainBody(body: Body): string | undefined {
  return body.type === 1 ? body.data : body.type === 2 ? htmlToText(body.data) : undefined;
}

function putLocation(out: ItemProps, l: Location | undefined, version: Version): void {
  if (!l) return;
  if (version < 16) {
    out.push([C('Location'), l.displayName]);
    return;
  }
  const nodes: ItemProps = [];
  const add = (name: string, v: string | number | undefined): void => { if (v !== undefined) nodes.push([B(name), String(v)]); };
  add('DisplayName', l.displayName); add('Annotation', l.annotation); add('Street', l.street); add('City', l.city);
  add('State', l.state); add('Country', l.country); add('PostalCode', l.postalCode); add('Latitude', l.latitude);
  add('Longitude', l.longitude); add('Accuracy', l.accuracy); add('Altitude', l.altitude);
  add('AltitudeAccuracy', l.altitudeAccuracy); add('LocationUri', l.locationUri);
  out.push([B('Location'), nodes]);
}

function attendeeNodes(a: Attendee, version: Version): ItemProps {
  // MS-ASCAL 2.2.2.30: Name is required; 2.2.2.6: AttendeeType is required in 16.x.
  const nodes: ItemProps = [[C('Email'), a.email], [C('Name'), a.name ?? a.email]];
  if (has(C('AttendeeStatus'), version) && a.status !== undefined) nodes.push([C('AttendeeStatus'), String(a.status)]);
  const type = a.type ?? (version >= 16 ? 1 : undefined);
  if (has(C('AttendeeType'), version) && type !== undefined) nodes.push([C('AttendeeType'), String(type)]);
  return nodes;
}

/** MS-ASCAL 2.2.2.37 children in the schema's order. */
function recurrenceNodes(r: Recurrence, version: Version, ctx: Context): ItemProps {
  const nodes: ItemProps = [];
  const add = (name: string, v: string | number | undefined): void => {
    if (v !== undefined && has(C(name), version)) nodes.push([C(name), String(v)]);
  };
  add('Type', r.type); add('Occurrences', r.occurrences); add('Interval', r.interval); add('WeekOfMonth', r.weekOfMonth);
  add('DayOfWeek', r.dayOfWeek); add('MonthOfYear', r.monthOfYear);
  add('Until', r.until === undefined ? undefined : timeText(r.until, ctx.allDay, ctx));
  add('DayOfMonth', r.dayOfMonth); add('CalendarType', r.calendarType);
  add('IsLeapMonth', r.isLeapMonth === undefined ? undefined : r.isLeapMonth ? 1 : 0); add('FirstDayOfWeek', r.firstDayOfWeek);
  return nodes;
}

/** MS-ASCAL 2.2.2.21 children in the schema's order. */
function exceptionNodes(x: Exception, version: Version, ctx: Context): ItemProps {
  const o = x.overrides;
  const allDay = o.allDay ?? ctx.allDay;
  const nodes: ItemProps = [];
  const add = (name: string, v: PropNode[1] | undefined | null): void => {
    if (v !== undefined && v !== null && has(name, version, true)) nodes.push([name, v]);
  };
  add(C('Deleted'), x.deleted ? '1' : undefined);
  add(C('ExceptionStartTime'), timeText(x.originalStart, ctx.allDay, ctx));
  add(C('Subject'), o.subject);
  add(C('StartTime'), o.start === undefined ? undefined : timeText(o.start, allDay, ctx));
  add(C('EndTime'), o.end === undefined ? undefined : timeText(o.end, allDay, ctx));
  putBody(nodes, o.body, version);
  putLocation(nodes, o.location, version);
  if (o.categories) add(C('Categories'), o.categories.map(c => [C('Category'), c] as PropNode));
  add(C('Sensitivity'), num(o.sensitivity));
  add(C('BusyStatus'), busyText(o.busyStatus, version));
  add(C('AllDayEvent'), o.allDay === undefined ? undefined : o.allDay ? '1' : '0');
  add(C('Reminder'), reminderText(o.reminder, version));
  add(C('DtStamp'), x.dtStamp === undefined ? undefined : formatCompact(x.dtStamp));
  add(B('InstanceId'), timeText(x.originalStart, ctx.allDay, ctx));
  add(C('MeetingStatus'), num(o.meetingStatus));
  if (o.attendees) add(C('Attendees'), o.attendees.map(a => [C('Attendee'), attendeeNodes(a, version)] as PropNode));
  add(C('AppointmentReplyTime'), o.appointmentReplyTime === undefined ? undefined : formatCompact(o.appointmentReplyTime));
  add(C('ResponseType'), num(o.responseType));
  add(C('OnlineMeetingConfLink'), o.onlineMeetingConfLink);
  add(C('OnlineMeetingExternalLink'), o.onlineMeetingExternalLink);
  return nodes;
}

/** MS-ASCAL 2.2.2.9: Working elsewhere (4) is 16.x only; older versions are sent Busy. */
function busyText(b: BusyStatus | undefined, version: Version): string | undefined {
  return b === undefined ? undefined : String(b === 4 && version < 16 ? 2 : b);
}

/** MS-ASCAL 2.2.2.38: an empty Reminder ("no reminder") only from 14.1; before, it is left out. */
function reminderText(reminder: number | null | undefined, version: Version): string | undefined {
  if (reminder === null) return version >= 14.1 ? '' : undefined;
  return num(reminder);
}

function reminderOf(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') return null;
  const n = int(value, 'Reminder');
  if (n < 0) throw new CalendarError('CALENDAR_INVALID', `Reminder ${n} is negative`);
  return n;
}

// ─── all-day days ──────────────────────────────────────────────────────────────────────────────

/**
 * The start (local midnight, or the first instant where a DST change skips midnight) of the day
 * a device means by an all-day time: its own day start as ≤14.1 send it; the UTC midnight of a
 * date as 16.x sends it ("no time component"); otherwise the nearest local day start.
 */
function dayStart(ms: number, zone: string): number {
  if (isDayStart(ms, zone)) return ms;
  if (ms % DAY === 0) return localMidnight(zone, new Date(ms));
  return localMidnight(zone, dateOf(utcToLocal(zone, ms + DAY / 2)));
}

/** An all-day series' Until: 16.x sends a date (UTC midnight); other forms are kept as they are. */
function untilOf(ms: number, ctx: Context): number {
  return ctx.allDay && ctx.version >= 16 && ms % DAY === 0 && !isDayStart(ms, ctx.zone) ? localMidnight(ctx.zone, new Date(ms)) : ms;
}

function isDayStart(ms: number, zone: string): boolean {
  return localMidnight(zone, dateOf(utcToLocal(zone, ms))) === ms;
}

/** UTC midnight of the local date of `ms` in `zone`: how 16.x writes an all-day time. */
function utcDay(ms: number, zone: string): number {
  const w = utcToLocal(zone, ms);
  return Date.UTC(w.year, w.month - 1, w.day);
}

function localMidnight(zone: string, d: Date): number {
  return localToUtc(zone, { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: 0, minute: 0, second: 0 });
}

function dateOf(w: { year: number; month: number; day: number }): Date {
  return new Date(Date.UTC(w.year, w.month - 1, w.day));
}

// ─── small readers ─────────────────────────────────────────────────────────────────────────────

function children(props: ItemProps, name: string): ItemProps | undefined {
  const n = props.find(p => p[0] === name);
  if (!n) return undefined;
  return Array.isArray(n[1]) ? n[1] : [];
}

/** The same child elements, in any order. */
function sameNodes(a: ItemProps, b: ItemProps): boolean {
  const key = (nodes: ItemProps) => JSON.stringify(nodes.map(n => JSON.stringify(n)).sort());
  return key(a) === key(b);
}

function date(value: string | undefined, name: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  try {
    return parseEasDateTime(value);
  } catch {
    throw new CalendarError('CALENDAR_INVALID', `${name} "${value}" is not a date`);
  }
}

function int(value: string, name: string): number {
  if (!/^-?\d{1,10}$/.test(value.trim())) throw new CalendarError('CALENDAR_INVALID', `${name} "${value}" is not a number`);
  return Number(value);
}

/** An enumerated value; an empty element is the same as none. */
function enumOf<T extends number>(value: string | undefined, allowed: readonly number[], name: string): T | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const n = int(value, name);
  if (!allowed.includes(n)) throw new CalendarError('CALENDAR_INVALID', `${name} ${n} is not one of ${allowed.join(', ')}`);
  return n as T;
}

function flag(value: string | undefined): boolean | undefined {
  return value === undefined || value === '' ? undefined : value === '1' || value.toLowerCase() === 'true';
}

function num(v: number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}
