// Convene's event: one model for a single event or a series with its exceptions, rich enough to
// round-trip both an EAS Calendar item (MS-ASCAL, every version 2.5–16.1) and an iCalendar VEVENT
// (RFC 5545). Times are UTC instants (ms since the epoch) plus the event's IANA zone; wall-clock
// rules (recurrence, all-day) are evaluated in that zone.

/** MS-ASCAL 2.2.2.x BusyStatus: 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere. */
export type BusyStatus = 0 | 1 | 2 | 3 | 4;
/** MS-ASCAL Sensitivity: 0 normal, 1 personal, 2 private, 3 confidential. */
export type Sensitivity = 0 | 1 | 2 | 3;
/** MS-ASCAL ResponseType: 0 none, 1 organizer, 2 tentative, 3 accepted, 4 declined, 5 not responded. */
export type ResponseType = 0 | 1 | 2 | 3 | 4 | 5;
/** MS-ASCAL AttendeeStatus: 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded. */
export type AttendeeStatus = 0 | 2 | 3 | 4 | 5;
/** MS-ASCAL AttendeeType: 1 required, 2 optional, 3 resource. */
export type AttendeeType = 1 | 2 | 3;

/**
 * RFC 6638 7 scheduling parameters of an ORGANIZER or ATTENDEE, kept on the stored event for
 * CalDAV (docs/dav.md) and never sent in an iTIP message (withoutScheduleParams).
 */
export interface ScheduleParams {
  /** 7.1 SCHEDULE-AGENT when not SERVER (the default; unknown values count as SERVER). */
  scheduleAgent?: 'CLIENT' | 'NONE' | undefined;
  /** 7.3 SCHEDULE-STATUS: what became of the last scheduling message to this calendar user ("1.2"). */
  scheduleStatus?: string | undefined;
  /** 7.2 SCHEDULE-FORCE-SEND on a PUT: acted on, never stored. */
  scheduleForceSend?: 'REQUEST' | 'REPLY' | undefined;
}

export interface Attendee extends ScheduleParams {
  email: string;
  name?: string | undefined;
  status?: AttendeeStatus | undefined;
  type?: AttendeeType | undefined;
  /** iCalendar RSVP=TRUE. */
  rsvp?: boolean | undefined;
}

/** 16.x airsyncbase:Location; ≤14.1 devices see only displayName as calendar:Location. */
export interface Location {
  displayName: string;
  annotation?: string | undefined;
  street?: string | undefined;
  city?: string | undefined;
  state?: string | undefined;
  country?: string | undefined;
  postalCode?: string | undefined;
  latitude?: number | undefined;
  longitude?: number | undefined;
  accuracy?: number | undefined;
  altitude?: number | undefined;
  altitudeAccuracy?: number | undefined;
  locationUri?: string | undefined;
}

export interface Body {
  /** AirSyncBase Type: 1 plain text, 2 HTML, 3 RTF. */
  type: 1 | 2 | 3;
  data: string;
}

/**
 * MS-ASCAL Recurrence, in EAS terms (its iCalendar form is derived: src/calendar/recurrence.ts).
 * type: 0 daily, 1 weekly, 2 monthly on a day, 3 monthly on the nth weekday, 5 yearly on a date,
 * 6 yearly on the nth weekday.
 */
export interface Recurrence {
  type: 0 | 1 | 2 | 3 | 5 | 6;
  interval: number;
  /** Count of occurrences; exclusive with until. */
  occurrences?: number | undefined;
  /** UTC instant of the last occurrence's start (or later), exclusive with occurrences. */
  until?: number | undefined;
  /** Bitmask: 1 Sunday, 2 Monday, 4 Tuesday … 64 Saturday. */
  dayOfWeek?: number | undefined;
  dayOfMonth?: number | undefined;
  /** 1–5; 5 = the last. */
  weekOfMonth?: number | undefined;
  monthOfYear?: number | undefined;
  calendarType?: number | undefined;
  isLeapMonth?: boolean | undefined;
  /** 0 Sunday … 6 Saturday. */
  firstDayOfWeek?: number | undefined;
  /**
   * The iCalendar RRULE when EAS cannot express it exactly (BYSETPOS lists, several BYMONTHDAY …);
   * kept so iCalendar round-trips; devices get the closest EAS form in the fields above.
   */
  rrule?: string | undefined;
}

/** Properties an exception may override; absent ones come from the series. */
export interface Overrides {
  subject?: string | undefined;
  start?: number | undefined;
  end?: number | undefined;
  allDay?: boolean | undefined;
  location?: Location | undefined;
  body?: Body | undefined;
  reminder?: number | null | undefined;
  busyStatus?: BusyStatus | undefined;
  sensitivity?: Sensitivity | undefined;
  categories?: string[] | undefined;
  attendees?: Attendee[] | undefined;
  meetingStatus?: number | undefined;
  responseType?: ResponseType | undefined;
  appointmentReplyTime?: number | undefined;
  onlineMeetingConfLink?: string | undefined;
  onlineMeetingExternalLink?: string | undefined;
}

export interface Exception {
  /** The occurrence's original start (UTC ms): EAS ExceptionStartTime / InstanceId, iCalendar RECURRENCE-ID. */
  originalStart: number;
  /** The occurrence is cancelled (EAS Deleted, iCalendar EXDATE). */
  deleted?: boolean | undefined;
  overrides: Overrides;
  /** iCalendar SEQUENCE/DTSTAMP of the override, when it came from iCalendar. */
  sequence?: number | undefined;
  dtStamp?: number | undefined;
}

export interface CalendarEvent extends Overrides {
  uid: string;
  /** 16.x ClientUid: the device's id for an Add, so a repeated Add is recognised. */
  clientUid?: string | undefined;
  start: number;
  end: number;
  allDay: boolean;
  /** IANA zone the event's wall-clock times live in ("UTC" for none). */
  timeZone: string;
  /** The EAS Timezone blob as the device sent it, kept so its item comes back byte for byte. */
  easTimeZone?: string | undefined;
  subject?: string | undefined;
  organizer?: ({ email: string; name?: string | undefined } & ScheduleParams) | undefined;
  attendees?: Attendee[] | undefined;
  categories?: string[] | undefined;
  /** Minutes before the start; null: explicitly no reminder. */
  reminder?: number | null | undefined;
  /** MS-ASCAL MeetingStatus: 0 appointment, 1 organised meeting, 3 received, 5/7 cancelled. */
  meetingStatus?: number | undefined;
  responseRequested?: boolean | undefined;
  disallowNewTimeProposal?: boolean | undefined;
  dtStamp?: number | undefined;
  /** iCalendar SEQUENCE: the organizer's revision of the meeting. */
  sequence?: number | undefined;
  recurrence?: Recurrence | undefined;
  exceptions?: Exception[] | undefined;
  /** iCalendar properties we do not model, kept verbatim (content lines) for round trips. */
  extraIcal?: string[] | undefined;
  /**
   * Set when this event stands for one occurrence of a series (an iTIP message with RECURRENCE-ID
   * and no master): the occurrence's original start.
   */
  recurrenceId?: number | undefined;
}
