// MS-ASCAL Calendar item (ApplicationData, as ItemProps) ⇄ CalendarEvent, for every protocol
// version: what a version has not got is neither read nor written (element table below).
import type { ItemProps, PropNode } from '../store/types.js';
import { CalendarError } from './errors.js';
import type { Attendee, AttendeeStatus, AttendeeType, Body, BusyStatus, CalendarEvent, Exception, Location, Overrides, Recurrence, ResponseType, Sensitivity } from './model.js';
import { validateRecurrence } from './recurrence.js';
import {
  decodeTimeZoneBlob, encodeTimeZoneBlob, formatCompact, ianaFromTimeZoneInfo, parseEasDateTime, timeZoneInfoForIana,
} from './timezone.js';

type Version = number;

const C = (name: string) => `Calendar:${name}`;
const B = (name: string) => `AirSyncBase:${name}`;

/** Calendar elements newer than 2.5, with the first version that has them (MS-ASCAL 2.2.2.x tables). */
const SINCE: Readonly<Record<string, number>> = {
  [C('ResponseRequested')]: 14, [C('AppointmentReplyTime')]: 14, [C('ResponseType')]: 14, [C('DisallowNewTimeProposal')]: 14,
  [C('OnlineMeetingConfLink')]: 14.1, [C('OnlineMeetingExternalLink')]: 14.1, [C('ClientUid')]: 16,
  [C('AttendeeStatus')]: 12, [C('AttendeeType')]: 12, [C('CalendarType')]: 14, [C('IsLeapMonth')]: 14, [C('FirstDayOfWeek')]: 14.1,
};

// ─── device → model ────────────────────────────────────────────────────────────────────────────

export interface FromEasOptions {
  version: Version;
  /** The stored event a Change applies to (UID, sequence and server-kept fields carry over). */
  existing?: CalendarEvent | undefined;
  /** A UID for a new event when the device sends none (16.x: the server makes UIDs). */
  newUid: () => string;
}

export function easToEvent(props: ItemProps, o: FromEasOptions): CalendarEvent {
  const get = (name: string) => text(props, name);
  const start = date(get(C('StartTime')), 'StartTime');
  const end = date(get(C('EndTime')), 'EndTime') ?? start;
  if (start === undefined || end === undefined) throw new CalendarError('CALENDAR_INVALID', 'StartTime is required');
  if (end < start) throw new CalendarError('CALENDAR_INVALID', 'EndTime is before StartTime');
  const blob = get(C('Timezone'));
  const timeZone = blob ? ianaFromTimeZoneInfo(decodeTimeZoneBlob(blob), new Date(start).getUTCFullYear()) : o.existing?.timeZone ?? 'UTC';
  const recurrence = recurrenceOf(props);
  if (recurrence) validateRecurrence(recurrence);
  const uid = (o.version < 16 ? get(C('UID')) : undefined) ?? o.existing?.uid ?? o.newUid();
  return clean({
    ...overridesOf(props, o.version),
    uid,
    clientUid: get(C('ClientUid')) ?? o.existing?.clientUid,
    start, end,
    allDay: get(C('AllDayEvent')) === '1',
    timeZone,
    easTimeZone: blob,
    organizer: get(C('OrganizerEmail')) ? { email: get(C('OrganizerEmail'))!, name: get(C('OrganizerName')) } : o.existing?.organizer,
    responseRequested: flag(get(C('ResponseRequested'))),
    disallowNewTimeProposal: flag(get(C('DisallowNewTimeProposal'))),
    dtStamp: date(get(C('DtStamp')), 'DtStamp'),
    sequence: o.existing?.sequence,
    recurrence,
    exceptions: exceptionsOf(props, o.version),
  });
}

function overridesOf(props: ItemProps, version: Version): Overrides {
  const get = (name: string) => text(props, name);
  const reminder = get(C('Reminder'));
  return {
    subject: get(C('Subject')),
    start: undefined, end: undefined,
    allDay: undefined,
    location: locationOf(props, version),
    body: bodyOf(props),
    reminder: reminder === undefined ? undefined : int(reminder, 'Reminder'),
    busyStatus: enumOf<BusyStatus>(get(C('BusyStatus')), [0, 1, 2, 3, 4], 'BusyStatus'),
    sensitivity: enumOf<Sensitivity>(get(C('Sensitivity')), [0, 1, 2, 3], 'Sensitivity'),
    categories: children(props, C('Categories'))?.filter(n => n[0] === C('Category')).map(n => String(n[1])),
    attendees: children(props, C('Attendees'))?.filter(n => n[0] === C('Attendee')).map(n => attendeeOf(n[1] as ItemProps)),
    meetingStatus: get(C('MeetingStatus')) === undefined ? undefined : int(get(C('MeetingStatus'))!, 'MeetingStatus'),
    responseType: enumOf<ResponseType>(get(C('ResponseType')), [0, 1, 2, 3, 4, 5], 'ResponseType'),
    appointmentReplyTime: date(get(C('AppointmentReplyTime')), 'AppointmentReplyTime'),
    onlineMeetingConfLink: get(C('OnlineMeetingConfLink')),
    onlineMeetingExternalLink: get(C('OnlineMeetingExternalLink')),
  };
}

function locationOf(props: ItemProps, version: Version): Location | undefined {
  const rich = version >= 16 ? children(props, B('Location')) : undefined;
  if (rich) {
    const t = (n: string) => text(rich, B(n));
    const num = (n: string) => (t(n) === undefined ? undefined : Number(t(n)));
    return clean({
      displayName: t('DisplayName') ?? '', annotation: t('Annotation'), street: t('Street'), city: t('City'), state: t('State'),
      country: t('Country'), postalCode: t('PostalCode'), latitude: num('Latitude'), longitude: num('Longitude'),
      accuracy: num('Accuracy'), altitude: num('Altitude'), altitudeAccuracy: num('AltitudeAccuracy'), locationUri: t('LocationUri'),
    });
  }
  const plain = text(props, C('Location'));
  return plain === undefined ? undefined : { displayName: plain };
}

function bodyOf(props: ItemProps): Body | undefined {
  const asb = children(props, B('Body'));
  if (asb) return { type: (int(text(asb, B('Type')) ?? '1', 'Body Type') as Body['type']), data: text(asb, B('Data')) ?? '' };
  const legacy = text(props, C('Body'));
  return legacy === undefined ? undefined : { type: 1, data: legacy };
}

function attendeeOf(p: ItemProps): Attendee {
  const email = text(p, C('Email'));
  if (!email) throw new CalendarError('CALENDAR_INVALID', 'an Attendee needs an Email');
  return clean({
    email, name: text(p, C('Name')),
    status: enumOf<AttendeeStatus>(text(p, C('AttendeeStatus')), [0, 2, 3, 4, 5], 'AttendeeStatus'),
    type: enumOf<AttendeeType>(text(p, C('AttendeeType')), [1, 2, 3], 'AttendeeType'),
  });
}

function recurrenceOf(props: ItemProps): Recurrence | undefined {
  const r = children(props, C('Recurrence'));
  if (!r) return undefined;
  const n = (name: string) => (text(r, C(name)) === undefined ? undefined : int(text(r, C(name))!, name));
  return clean({
    type: n('Type') as Recurrence['type'], interval: n('Interval') || 1, occurrences: n('Occurrences'),
    until: date(text(r, C('Until')), 'Until'), dayOfWeek: n('DayOfWeek'), dayOfMonth: n('DayOfMonth'),
    weekOfMonth: n('WeekOfMonth'), monthOfYear: n('MonthOfYear'), calendarType: n('CalendarType'),
    isLeapMonth: flag(text(r, C('IsLeapMonth'))), firstDayOfWeek: n('FirstDayOfWeek'),
  });
}

function exceptionsOf(props: ItemProps, version: Version): Exception[] | undefined {
  const list = children(props, C('Exceptions'));
  if (!list) return undefined;
  return list.filter(n => n[0] === C('Exception')).map(([, value]) => {
    const p = value as ItemProps;
    const original = date(version >= 16 ? text(p, B('InstanceId')) ?? text(p, C('ExceptionStartTime')) : text(p, C('ExceptionStartTime')), 'ExceptionStartTime');
    if (original === undefined) throw new CalendarError('CALENDAR_INVALID', 'an Exception needs its original start');
    const o = overridesOf(p, version);
    return clean({
      originalStart: original,
      deleted: text(p, C('Deleted')) === '1' || undefined,
      overrides: clean({
        ...o, start: date(text(p, C('StartTime')), 'StartTime'), end: date(text(p, C('EndTime')), 'EndTime'),
        allDay: text(p, C('AllDayEvent')) === undefined ? undefined : text(p, C('AllDayEvent')) === '1',
      }),
    });
  });
}

// ─── model → device ────────────────────────────────────────────────────────────────────────────

export function eventToEas(e: CalendarEvent, version: Version): ItemProps {
  const out: ItemProps = [];
  const put = (name: string, value: PropNode[1] | undefined | null): void => {
    if (value === undefined || value === null || (SINCE[name] ?? 0) > version) return;
    out.push([name, value]);
  };
  put(C('Timezone'), e.easTimeZone ?? encodeTimeZoneBlob(timeZoneInfoForIana(e.timeZone, new Date(e.start).getUTCFullYear())));
  put(C('AllDayEvent'), e.allDay ? '1' : '0');
  putBody(out, e.body, version);
  put(C('BusyStatus'), num(e.busyStatus));
  put(C('OrganizerName'), e.organizer?.name);
  put(C('OrganizerEmail'), e.organizer?.email);
  put(C('DtStamp'), e.dtStamp === undefined ? undefined : formatCompact(e.dtStamp));
  put(C('EndTime'), formatCompact(e.end));
  putLocation(out, e.location, version);
  put(C('Reminder'), num(e.reminder ?? undefined));
  put(C('Sensitivity'), num(e.sensitivity));
  put(C('Subject'), e.subject);
  put(C('StartTime'), formatCompact(e.start));
  put(C('UID'), e.uid);
  put(C('MeetingStatus'), num(e.meetingStatus));
  if (e.attendees?.length) put(C('Attendees'), e.attendees.map(a => [C('Attendee'), attendeeNodes(a, version)] as PropNode));
  if (e.categories?.length) put(C('Categories'), e.categories.map(c => [C('Category'), c] as PropNode));
  if (e.recurrence) put(C('Recurrence'), recurrenceNodes(e.recurrence, version));
  if (e.exceptions?.length) put(C('Exceptions'), e.exceptions.map(x => [C('Exception'), exceptionNodes(x, version)] as PropNode));
  put(C('ResponseRequested'), e.responseRequested === undefined ? undefined : e.responseRequested ? '1' : '0');
  put(C('AppointmentReplyTime'), e.appointmentReplyTime === undefined ? undefined : formatCompact(e.appointmentReplyTime));
  put(C('ResponseType'), num(e.responseType));
  put(C('DisallowNewTimeProposal'), e.disallowNewTimeProposal === undefined ? undefined : e.disallowNewTimeProposal ? '1' : '0');
  put(C('OnlineMeetingConfLink'), e.onlineMeetingConfLink);
  put(C('OnlineMeetingExternalLink'), e.onlineMeetingExternalLink);
  put(C('ClientUid'), e.clientUid);
  return out;
}

function putBody(out: ItemProps, body: Body | undefined, version: Version): void {
  if (!body) return;
  if (version < 12) out.push([C('Body'), body.data]);
  else out.push([B('Body'), [[B('Type'), String(body.type)], [B('Data'), body.data]]]);
}

function putLocation(out: ItemProps, l: Location | undefined, version: Version): void {
  if (!l) return;
  if (version < 16) { out.push([C('Location'), l.displayName]); return; }
  const nodes: ItemProps = [];
  const add = (name: string, v: string | number | undefined): void => { if (v !== undefined) nodes.push([B(name), String(v)]); };
  add('DisplayName', l.displayName); add('Annotation', l.annotation); add('Street', l.street); add('City', l.city);
  add('State', l.state); add('Country', l.country); add('PostalCode', l.postalCode); add('Latitude', l.latitude);
  add('Longitude', l.longitude); add('Accuracy', l.accuracy); add('Altitude', l.altitude);
  add('AltitudeAccuracy', l.altitudeAccuracy); add('LocationUri', l.locationUri);
  out.push([B('Location'), nodes]);
}

function attendeeNodes(a: Attendee, version: Version): ItemProps {
  const nodes: ItemProps = [[C('Email'), a.email], [C('Name'), a.name ?? a.email]];
  if (version >= 12 && a.status !== undefined) nodes.push([C('AttendeeStatus'), String(a.status)]);
  if (version >= 12 && a.type !== undefined) nodes.push([C('AttendeeType'), String(a.type)]);
  return nodes;
}

function recurrenceNodes(r: Recurrence, version: Version): ItemProps {
  const nodes: ItemProps = [];
  const add = (name: string, v: string | number | undefined): void => {
    if (v !== undefined && (SINCE[C(name)] ?? 0) <= version) nodes.push([C(name), String(v)]);
  };
  add('Type', r.type); add('Interval', r.interval);
  add('Until', r.until === undefined ? undefined : formatCompact(r.until)); add('Occurrences', r.occurrences);
  add('WeekOfMonth', r.weekOfMonth); add('DayOfMonth', r.dayOfMonth); add('DayOfWeek', r.dayOfWeek); add('MonthOfYear', r.monthOfYear);
  add('CalendarType', r.calendarType); add('IsLeapMonth', r.isLeapMonth === undefined ? undefined : r.isLeapMonth ? 1 : 0);
  add('FirstDayOfWeek', r.firstDayOfWeek);
  return nodes;
}

function exceptionNodes(x: Exception, version: Version): ItemProps {
  const o = x.overrides;
  const nodes: ItemProps = [];
  const add = (name: string, v: PropNode[1] | undefined): void => {
    if (v !== undefined && (SINCE[name] ?? 0) <= version) nodes.push([name, v]);
  };
  if (x.deleted) add(C('Deleted'), '1');
  if (version >= 16) add(B('InstanceId'), formatCompact(x.originalStart));
  else add(C('ExceptionStartTime'), formatCompact(x.originalStart));
  add(C('Subject'), o.subject);
  add(C('StartTime'), o.start === undefined ? undefined : formatCompact(o.start));
  add(C('EndTime'), o.end === undefined ? undefined : formatCompact(o.end));
  putBody(nodes, o.body, version);
  putLocation(nodes, o.location, version);
  if (o.categories) add(C('Categories'), o.categories.map(c => [C('Category'), c] as PropNode));
  add(C('Sensitivity'), num(o.sensitivity));
  add(C('BusyStatus'), num(o.busyStatus));
  add(C('AllDayEvent'), o.allDay === undefined ? undefined : o.allDay ? '1' : '0');
  add(C('Reminder'), num(o.reminder ?? undefined));
  if (o.attendees) add(C('Attendees'), o.attendees.map(a => [C('Attendee'), attendeeNodes(a, version)] as PropNode));
  add(C('MeetingStatus'), num(o.meetingStatus));
  add(C('AppointmentReplyTime'), o.appointmentReplyTime === undefined ? undefined : formatCompact(o.appointmentReplyTime));
  add(C('ResponseType'), num(o.responseType));
  add(C('OnlineMeetingConfLink'), o.onlineMeetingConfLink);
  add(C('OnlineMeetingExternalLink'), o.onlineMeetingExternalLink);
  return nodes;
}

// ─── small readers ─────────────────────────────────────────────────────────────────────────────

function text(props: ItemProps, name: string): string | undefined {
  const n = props.find(p => p[0] === name);
  return n && typeof n[1] === 'string' ? n[1] : undefined;
}

function children(props: ItemProps, name: string): ItemProps | undefined {
  const n = props.find(p => p[0] === name);
  if (!n) return undefined;
  return Array.isArray(n[1]) ? n[1] : [];
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

function enumOf<T extends number>(value: string | undefined, allowed: readonly number[], name: string): T | undefined {
  if (value === undefined) return undefined;
  const n = int(value, name);
  if (!allowed.includes(n)) throw new CalendarError('CALENDAR_INVALID', `${name} ${n} is not one of ${allowed.join(', ')}`);
  return n as T;
}

function flag(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : value === '1';
}

function num(v: number | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

/** Drops undefined fields so that models compare and serialise cleanly. */
function clean<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}
