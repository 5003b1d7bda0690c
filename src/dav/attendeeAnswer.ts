// An attendee's answer by CalDAV (RFC 6638 3.2.2.1, 3.2.2.2): a PUT that changes only the
// attendee's own PARTSTAT on its copy of a meeting is its reply. It goes the way an EAS device's
// edit of its own copy goes (scheduling/organizer.ts answerByEdit): to a local organizer at once,
// with the Resp.* message in the organizer's Inbox; the copy keeps MS-ASCAL ResponseType in step,
// so the attendee's phones show the same answer.
import type { CalendarEvent } from '../calendar/model.js';
import { answerByEdit } from '../scheduling/organizer.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';

/** MS-ASCAL ResponseType for an attendee's own AttendeeStatus 2/3/4 (tentative/accepted/declined). */
const RESPONSE_TYPE = { 2: 2, 3: 3, 4: 4 } as const;

/** The event to store; a changed answer of the user's is passed on as its reply. */
export async function answerByPut(store: Store, user: User, before: CalendarEvent | undefined, after: CalendarEvent): Promise<CalendarEvent> {
  if (!before?.organizer || before.organizer.email.toLowerCase() === user.email) return after;
  const own = after.attendees?.find(a => a.email.toLowerCase() === user.email)?.status;
  const responseType = own === 2 || own === 3 || own === 4 ? RESPONSE_TYPE[own] : before.responseType;
  const stored = { ...after, responseType, meetingStatus: after.meetingStatus ?? before.meetingStatus };
  await answerByEdit(store, user, before, stored);
  return stored;
}
