// RFC 6638 7.1–7.3: SCHEDULE-AGENT, SCHEDULE-FORCE-SEND and SCHEDULE-STATUS are parameters between
// a CalDAV client and its server. They are kept on the stored event, and stripped from whatever
// travels to another calendar user (iTIP messages, an attendee's delivered copy).
import type { Attendee, CalendarEvent, ScheduleParams } from './model.js';

/**
 * The event with `f` applied to its ORGANIZER and every ATTENDEE (the series' and each override's):
 * the calendar users RFC 6638 7 parameters sit on.
 */
export function mapCalendarUsers(e: CalendarEvent, f: <T extends ScheduleParams & { email: string }>(p: T, role: 'ORGANIZER' | 'ATTENDEE') => T): CalendarEvent {
  const list = (l: Attendee[] | undefined) => l?.map(a => f(a, 'ATTENDEE'));
  return {
    ...e,
    ...(e.organizer ? { organizer: f(e.organizer, 'ORGANIZER') } : {}),
    ...(e.attendees ? { attendees: list(e.attendees) } : {}),
    ...(e.exceptions ? { exceptions: e.exceptions.map(x => (x.overrides.attendees ? { ...x, overrides: { ...x.overrides, attendees: list(x.overrides.attendees) } } : x)) } : {}),
  };
}

/** The event without the RFC 6638 7 parameters: what an iTIP message may carry (7.1, 7.2, 7.3). */
export function withoutScheduleParams(e: CalendarEvent): CalendarEvent {
  return mapCalendarUsers(e, p => {
    if (p.scheduleAgent === undefined && p.scheduleStatus === undefined && p.scheduleForceSend === undefined) return p;
    const { scheduleAgent: _a, scheduleStatus: _s, scheduleForceSend: _f, ...rest } = p;
    return rest as typeof p;
  });
}

/** 7.2: SCHEDULE-FORCE-SEND is an instruction for one PUT, never stored. */
export function withoutForceSend(e: CalendarEvent): CalendarEvent {
  return mapCalendarUsers(e, p => {
    if (p.scheduleForceSend === undefined) return p;
    const { scheduleForceSend: _f, ...rest } = p;
    return rest as typeof p;
  });
}

/** 7.1: the server schedules this calendar user unless its property says CLIENT or NONE. */
export function serverSchedules(p: ScheduleParams | undefined): boolean {
  return p?.scheduleAgent === undefined;
}

/** 7.1 value as read: CLIENT and NONE kept, SERVER and unknown values (which count as SERVER) not. */
export function scheduleAgentOf(value: string | undefined): ScheduleParams['scheduleAgent'] {
  const v = value?.trim().toUpperCase();
  return v === 'CLIENT' || v === 'NONE' ? v : undefined;
}

/** 7.3: a SCHEDULE-STATUS value is one or more statcodes ("1.2", "3.7,5.1"). */
export function scheduleStatusOf(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && /^\d\.\d{1,3}(\.\d{1,3})?(,\d\.\d{1,3}(\.\d{1,3})?)*$/.test(v) ? v : undefined;
}

/** 7.2: REQUEST (on an ATTENDEE) or REPLY (on the ORGANIZER); anything else is ignored. */
export function forceSendOf(value: string | undefined): ScheduleParams['scheduleForceSend'] {
  const v = value?.trim().toUpperCase();
  return v === 'REQUEST' || v === 'REPLY' ? v : undefined;
}
