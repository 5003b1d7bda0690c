// Implicit scheduling for CalDAV (RFC 6638 3.2): the server, not the client, tells the other side.
// An organizer's PUT or DELETE of a meeting goes through the same planner as a 16.x device's edit
// (scheduling/organizer.ts scheduleOrganizerEdit: only what changed, never the past). An attendee's
// PUT that changes its own PARTSTAT is its reply (3.2.2.1), and its DELETE a decline (3.2.2.3): a
// local organizer hears it at once (applyReply, as for an EAS device's edit of its own copy), one
// elsewhere by iMIP. A resource whose ORGANIZER or ATTENDEE carries
// SCHEDULE-AGENT=CLIENT is the client's to schedule (7.1): stored, nothing sent.
import type { CalendarEvent } from '../calendar/model.js';
import { answerOf, scheduleOrganizerEdit } from '../scheduling/organizer.js';
import { sendReply } from '../scheduling/remote.js';
import { applyReply, type PartStat } from '../scheduling/replies.js';
import { TraceRecorder } from '../scheduling/trace.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';

/** RFC 6638 7.1: SCHEDULE-AGENT=CLIENT on an ORGANIZER or ATTENDEE property of the resource. */
export function clientSchedules(body: Buffer): boolean {
  const text = body.toString('utf8').replace(/\r?\n[ \t]/g, '');
  return /^(ORGANIZER|ATTENDEE)[^:\r\n]*;SCHEDULE-AGENT="?CLIENT"?[;:]/im.test(text);
}

/** The event to store after a PUT, its messages sent. */
export async function scheduleByPut(store: Store, user: User, before: CalendarEvent | undefined, after: CalendarEvent, body: Buffer): Promise<CalendarEvent> {
  if (clientSchedules(body)) return after;
  const organized = (await scheduleOrganizerEdit({ store, user, before, after, trace: { source: { via: 'caldav', account: user.email }, what: before ? 'CalDAV PUT (changed)' : 'CalDAV PUT (new)' } })) ?? after;
  return answerByPut(store, user, before, organized);
}

/** After a DELETE: an organizer's meeting is cancelled for its attendees; an attendee declines. */
export async function scheduleByDelete(store: Store, user: User, before: CalendarEvent | undefined): Promise<void> {
  if (!before) return;
  const organizer = before.organizer?.email.toLowerCase();
  if (!organizer || organizer === user.email) {
    await scheduleOrganizerEdit({ store, user, before, after: undefined, trace: { source: { via: 'caldav', account: user.email }, what: 'CalDAV DELETE' } });
    return;
  }
  if (before.responseRequested === false || answerOf(before, user.email) === 'DECLINED') return;
  await reply(store, user, before, 'DECLINED');
}

async function answerByPut(store: Store, user: User, before: CalendarEvent | undefined, after: CalendarEvent): Promise<CalendarEvent> {
  if (!before?.organizer || before.organizer.email.toLowerCase() === user.email) return after;
  const own = after.attendees?.find(a => a.email.toLowerCase() === user.email)?.status;
  // The copy keeps MS-ASCAL ResponseType in step (its 2/3/4 are AttendeeStatus' tentative/accepted/
  // declined), so the attendee's phones show the same answer.
  const responseType = own === 2 || own === 3 || own === 4 ? own : before.responseType;
  const stored: CalendarEvent = { ...after, responseType, meetingStatus: after.meetingStatus ?? before.meetingStatus };
  const was = answerOf(before, user.email);
  const now = answerOf(stored, user.email);
  if (now && now !== was && stored.responseRequested !== false) await reply(store, user, stored, now);
  return stored;
}

async function reply(store: Store, user: User, event: CalendarEvent, partstat: PartStat): Promise<void> {
  const organizer = await store.findUserByEmail(event.organizer!.email);
  if (organizer) {
    const trace = new TraceRecorder({ via: 'caldav', account: user.email });
    await applyReply(store, organizer, { uid: event.uid, from: user.email, fromName: user.displayName, partstat }, trace);
    await trace.flush(store);
  } else await sendReply(store, user, event, partstat, {});
}
