// RFC 5546 3.2.6 REFRESH: an attendee elsewhere lost its copy (or doubts it) and asks the organizer
// for the meeting again. A local organizer's answer is the current REQUEST — the series, or the one
// occurrence asked for — sent to that attendee only, with the SEQUENCE it has now: nothing about the
// meeting changes, so nobody else hears of it and no answer is reset.
import { exceptionAt } from '../calendar/exceptions.js';
import { isOriginalStart } from '../calendar/window.js';
import type { CalendarEvent } from '../calendar/model.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { sendOrganizerMessage } from './remote.js';
import { meetingCopy } from './calendars.js';

export type RefreshOutcome = 'SENT' | 'NO_SUCH_MEETING' | 'NO_SUCH_OCCURRENCE' | 'NOT_AN_ATTENDEE' | 'CANCELLED';

/** MS-ASCAL MeetingStatus of a cancelled meeting (organizer's copy). */
const CANCELLED = new Set([5, 7, 13, 15]);

export async function answerRefresh(store: Store, organizer: User, r: { uid: string; attendee: string; recurrenceId?: number | undefined }): Promise<RefreshOutcome> {
  const { item } = await meetingCopy(store, organizer.id, r.uid);
  const event = item?.event;
  if (!event) return 'NO_SUCH_MEETING';
  // Only an attendee may have the meeting again: a UID alone does not open the organizer's calendar.
  if (!invited(event, r.attendee, r.recurrenceId)) return 'NOT_AN_ATTENDEE';
  if (r.recurrenceId !== undefined && !isOriginalStart(event, r.recurrenceId)) return 'NO_SUCH_OCCURRENCE';
  const x = r.recurrenceId === undefined ? undefined : exceptionAt(event, r.recurrenceId);
  if (CANCELLED.has(event.meetingStatus ?? 0) || x?.deleted || CANCELLED.has(x?.overrides.meetingStatus ?? 0)) return 'CANCELLED';
  await sendOrganizerMessage(store, organizer, [r.attendee], 'REQUEST', event, r.recurrenceId);
  return 'SENT';
}

function invited(event: CalendarEvent, email: string, recurrenceId: number | undefined): boolean {
  const x = recurrenceId === undefined ? undefined : exceptionAt(event, recurrenceId);
  // Someone invited to one occurrence only gets that occurrence, never the series.
  const list = (recurrenceId === undefined ? event.attendees : x?.overrides.attendees ?? event.attendees) ?? [];
  return list.some(a => a.email.toLowerCase() === email);
}
