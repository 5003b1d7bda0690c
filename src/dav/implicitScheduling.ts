// Implicit scheduling for CalDAV (RFC 6638 3.2): the server, not the client, tells the other side.
// An organizer's PUT or DELETE of a meeting goes through the same planner as a 16.x device's edit
// (scheduling/organizer.ts scheduleOrganizerEdit: only what changed, never the past). An attendee's
// PUT that changes its own PARTSTAT is its reply (3.2.2.1), and its DELETE a decline (3.2.2.3): a
// local organizer hears it at once (applyReply, as for an EAS device's edit of its own copy), one
// elsewhere by iMIP. SCHEDULE-AGENT=CLIENT or NONE (7.1) on an ATTENDEE leaves that attendee to the
// client, on the ORGANIZER the whole resource; it is stored, so a DELETE respects it too.
// SCHEDULE-STATUS (3.2.9, 7.3) is written back on the ATTENDEEs a message went to and on the
// ORGANIZER a reply went to; SCHEDULE-FORCE-SEND (7.2) sends anyway and is not stored.
import type { Attendee, CalendarEvent } from '../calendar/model.js';
import { mapCalendarUsers, serverSchedules, withoutForceSend } from '../calendar/scheduleParams.js';
import { answerOf, scheduleOrganizerEdit } from '../scheduling/organizer.js';
import { sendReply } from '../scheduling/remote.js';
import { applyReply, type PartStat } from '../scheduling/replies.js';
import { deliverableAddress, SCHEDULE_STATUS } from '../scheduling/scheduleStatus.js';
import { TraceRecorder } from '../scheduling/trace.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';

/** The event to store after a PUT, its messages sent. */
export async function scheduleByPut(store: Store, user: User, before: CalendarEvent | undefined, put: CalendarEvent): Promise<CalendarEvent> {
  const after = withKeptStatus(before, put);
  const organized = (await scheduleOrganizerEdit({ store, user, before, after, trace: { source: { via: 'caldav', account: user.email }, what: before ? 'CalDAV PUT (changed)' : 'CalDAV PUT (new)' } })) ?? after;
  return withoutForceSend(await answerByPut(store, user, before, organized));
}

/** After a DELETE: an organizer's meeting is cancelled for its attendees; an attendee declines. */
export async function scheduleByDelete(store: Store, user: User, before: CalendarEvent | undefined): Promise<void> {
  if (!before) return;
  const organizer = before.organizer?.email.toLowerCase();
  if (!organizer || organizer === user.email) {
    // SCHEDULE-AGENT kept on the stored event: serverMessages leaves out whom the client schedules.
    await scheduleOrganizerEdit({ store, user, before, after: undefined, trace: { source: { via: 'caldav', account: user.email }, what: 'CalDAV DELETE' } });
    return;
  }
  if (!repliesByServer(before, user) || before.responseRequested === false || answerOf(before, user.email) === 'DECLINED') return;
  await reply(store, user, before, 'DECLINED');
}

/**
 * RFC 6638 3.2.10: an organizer's PUT made against a schedule tag (If-Schedule-Tag-Match) was
 * written before the replies merged since; the answers those replies set stay (series and overrides).
 */
export function withMergedAnswers(stored: CalendarEvent, put: CalendarEvent): CalendarEvent {
  const answers = (list: Attendee[] | undefined) => new Map((list ?? []).map(a => [a.email.toLowerCase(), a.status] as const));
  const series = answers(stored.attendees);
  const keep = (list: Attendee[] | undefined, from: Map<string, Attendee['status']>) => list?.map(a => {
    const status = from.get(a.email.toLowerCase());
    return status === undefined || a.scheduleAgent ? a : { ...a, status };
  });
  return {
    ...put,
    ...(put.attendees ? { attendees: keep(put.attendees, series) } : {}),
    ...(put.exceptions ? {
      exceptions: put.exceptions.map(x => {
        if (!x.overrides.attendees) return x;
        const own = stored.exceptions?.find(s => s.originalStart === x.originalStart)?.overrides.attendees;
        return { ...x, overrides: { ...x.overrides, attendees: keep(x.overrides.attendees, own ? answers(own) : series) } };
      }),
    } : {}),
  };
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
  // RFC 6638 7.2: SCHEDULE-FORCE-SEND=REPLY on the ORGANIZER answers again, unchanged or not.
  const forced = after.organizer?.scheduleForceSend === 'REPLY';
  if (!now || (now === was && !forced) || stored.responseRequested === false || !repliesByServer(stored, user)) return stored;
  const status = await reply(store, user, stored, now);
  return { ...stored, organizer: { ...stored.organizer!, scheduleStatus: status } };
}

/** RFC 6638 7.1: the server answers unless the ORGANIZER (or the user's own ATTENDEE) says CLIENT or NONE. */
function repliesByServer(event: CalendarEvent, user: User): boolean {
  return serverSchedules(event.organizer) && serverSchedules(event.attendees?.find(a => a.email.toLowerCase() === user.email));
}

/** The reply sent, and the SCHEDULE-STATUS it gives the ORGANIZER (3.2.9). */
async function reply(store: Store, user: User, event: CalendarEvent, partstat: PartStat): Promise<string> {
  const organizer = await store.findUserByEmail(event.organizer!.email);
  if (organizer) {
    const trace = new TraceRecorder({ via: 'caldav', account: user.email });
    const outcome = await applyReply(store, organizer, { uid: event.uid, from: user.email, fromName: user.displayName, partstat }, trace);
    await trace.flush(store);
    return outcome === 'APPLIED' ? SCHEDULE_STATUS.DELIVERED : SCHEDULE_STATUS.NOT_DELIVERED;
  }
  if (!deliverableAddress(event.organizer!.email)) return SCHEDULE_STATUS.INVALID_USER;
  await sendReply(store, user, event, partstat, {});
  return SCHEDULE_STATUS.PENDING;
}

/**
 * RFC 6638 7.3: SCHEDULE-STATUS is the server's to write. On calendar users it schedules, what a
 * PUT sends is replaced by what the stored copy had (the planner then writes what it sends now);
 * the client keeps its own on those it schedules itself.
 */
function withKeptStatus(before: CalendarEvent | undefined, put: CalendarEvent): CalendarEvent {
  const known = new Map<string, string>();
  for (const a of [...(before?.attendees ?? []), ...(before?.exceptions ?? []).flatMap(x => x.overrides.attendees ?? [])]) {
    if (a.scheduleStatus) known.set(a.email.toLowerCase(), a.scheduleStatus);
  }
  const sameOrganizer = before?.organizer && put.organizer && before.organizer.email.toLowerCase() === put.organizer.email.toLowerCase();
  return mapCalendarUsers(put, (p, role) => {
    const status = role === 'ATTENDEE' ? known.get(p.email.toLowerCase()) : sameOrganizer ? before!.organizer!.scheduleStatus : undefined;
    if (!serverSchedules(p) || p.scheduleStatus === status) return p;
    const { scheduleStatus: _s, ...rest } = p;
    return (status ? { ...rest, scheduleStatus: status } : rest) as typeof p;
  });
}
