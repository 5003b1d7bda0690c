// The meeting inside a meeting e-mail (MS-ASEMAIL 2.2.2.48 MeetingRequest), rendered from the event
// for one device's protocol version. Present on requests and cancellations, never on replies.
import type { CalendarEvent, Recurrence } from '../calendar/model.js';
import { encodeTimeZoneBlob, formatCompact, formatExtended, timeZoneInfoForIana } from '../calendar/timezone.js';
import type { ItemProps, PropNode } from '../store/types.js';

/** MS-ASEMAIL 2.2.2.47 MeetingMessageType. */
export const MeetingMessageType = {
  Unspecified: 0,
  InitialRequest: 1,
  FullUpdate: 2,
  InformationalUpdate: 3,
  Outdated: 4,
  DelegatorsCopy: 5,
  Delegated: 6,
} as const;

/** MS-ASEMAIL 2.2.2.39 InstanceType. */
export const InstanceType = { Single: 0, Master: 1, Instance: 2, Exception: 3 } as const;

export interface MeetingMessage {
  /** The meeting as the organizer sent it: the whole series, or one occurrence (recurrenceId set). */
  event: CalendarEvent;
  /** Original start of the occurrence the message is about (iCalendar RECURRENCE-ID). */
  recurrenceId?: number | undefined;
  messageType: number;
  /** The global id of the meeting (GlobalObjId, base64), from the scheduling engine. */
  globalObjId: string;
}

const E = (n: string) => `Email:${n}`;

export function meetingRequestNode(m: MeetingMessage, version: number): PropNode {
  const e = m.event;
  const out: ItemProps = [];
  const put = (name: string, value: PropNode[1] | undefined, since = 0): void => {
    if (value !== undefined && version >= since) out.push([name, value]);
  };
  put(E('AllDayEvent'), e.allDay ? '1' : '0');
  put(E('StartTime'), formatExtended(e.start));
  put(E('DtStamp'), formatExtended(e.dtStamp ?? Date.now()));
  put(E('EndTime'), formatExtended(e.end));
  put(E('InstanceType'), String(m.recurrenceId !== undefined ? InstanceType.Exception : e.recurrence ? InstanceType.Master : InstanceType.Single));
  if (e.location && version < 16) put(E('Location'), e.location.displayName);
  if (e.location && version >= 16) put('AirSyncBase:Location', [['AirSyncBase:DisplayName', e.location.displayName]]);
  if (e.organizer) put(E('Organizer'), e.organizer.name ? `"${e.organizer.name}" <${e.organizer.email}>` : e.organizer.email);
  if (m.recurrenceId !== undefined) put(E('RecurrenceId'), formatExtended(m.recurrenceId));
  // MS-ASEMAIL 2.2.2.63: Reminder here counts seconds (calendar:Reminder counts minutes).
  if (typeof e.reminder === 'number') put(E('Reminder'), String(e.reminder * 60));
  put(E('ResponseRequested'), e.responseRequested === false ? '0' : '1');
  if (e.recurrence && m.recurrenceId === undefined) put(E('Recurrences'), [[E('Recurrence'), recurrenceNodes(e.recurrence, version)]]);
  put(E('Sensitivity'), String(e.sensitivity ?? 0));
  put(E('BusyStatus'), String(e.busyStatus ?? 2));
  put(E('TimeZone'), e.easTimeZone ?? encodeTimeZoneBlob(timeZoneInfoForIana(e.timeZone, new Date(e.start).getUTCFullYear())));
  if (version < 16) put(E('GlobalObjId'), m.globalObjId);
  put(E('DisallowNewTimeProposal'), e.disallowNewTimeProposal ? '1' : '0', 14);
  put('Email2:MeetingMessageType', String(m.messageType), 14.1);
  if (version >= 16) put('Calendar:UID', e.uid);
  return [E('MeetingRequest'), out];
}

function recurrenceNodes(r: Recurrence, version: number): ItemProps {
  const out: ItemProps = [];
  const put = (name: string, v: string | number | undefined, since = 0): void => {
    if (v !== undefined && version >= since) out.push([name, String(v)]);
  };
  put(E('Type'), r.type);
  put(E('Interval'), r.interval);
  put(E('Until'), r.until === undefined ? undefined : formatCompact(r.until));
  put(E('Occurrences'), r.occurrences);
  put(E('WeekOfMonth'), r.weekOfMonth);
  put(E('DayOfMonth'), r.dayOfMonth);
  put(E('DayOfWeek'), r.dayOfWeek);
  put(E('MonthOfYear'), r.monthOfYear);
  // MS-ASEMAIL R291: a monthly or yearly pattern (Type 2, 3, 5, 6) names its calendar; ours are Gregorian (1).
  put('Email2:CalendarType', r.calendarType ?? ([2, 3, 5, 6].includes(r.type) ? 1 : undefined), 14);
  put('Email2:IsLeapMonth', r.isLeapMonth === undefined ? undefined : r.isLeapMonth ? 1 : 0, 14);
  put('Email2:FirstDayOfWeek', r.firstDayOfWeek, 14.1);
  return out;
}
