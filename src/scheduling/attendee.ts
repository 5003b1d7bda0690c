// The attendee answers (MS-ASCMD 2.2.1.11 MeetingResponse): from the meeting request in the Inbox
// or (14.0+) from the calendar item, for the series or (InstanceId) one occurrence. The calendar
// item is replaced (accept, tentative) or removed (decline); the request goes to Deleted Items; with
// 16.x SendResponse the server sends the reply itself (to a local organizer: applied at once).
import { exceptionAt, withException } from '../calendar/exceptions.js';
import type { CalendarEvent } from '../calendar/model.js';
import { parseEasDateTime } from '../calendar/timezone.js';
import { eventFilterTime } from '../calendar/window.js';
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { Store } from '../store/Store.js';
import { FolderType, type Item, type User } from '../store/types.js';
import { itemIdOf, serverIdOf } from '../sync/collection.js';
import { occurrenceOf } from '../sync/codecs.js';
import { delegatedFor, isEditorDelegate } from './delegates.js';
import { meetingCopy } from './calendars.js';
import { sharedAccess } from '../sync/sharedCalendars.js';
import { sendReply } from './remote.js';
import { applyReply, type PartStat } from './replies.js';
import { NO_TRACE, scopeLabel, traced, TraceRecorder, type TraceSource } from './trace.js';

export interface MeetingAnswer {
  /** 1 accept, 2 tentative, 3 decline (MS-ASCMD 2.2.3.191 UserResponse). */
  userResponse: 1 | 2 | 3;
  collectionId: string;
  requestId: string;
  instanceId?: string | undefined;
  /** 16.x SendResponse: the server mails the organizer (with this text, if any). */
  sendResponse?: { body?: string | undefined; proposal?: { start: string; end: string } | undefined } | undefined;
  version: number;
}

export type AnswerFailure = 'INVALID_REQUEST' | 'REQUEST_MISSING' | 'NOT_ANSWERABLE' | 'ALREADY_ANSWERED' | 'NO_RECURRENCE';
export type AnswerOutcome = { ok: true; calendarId?: string | undefined } | { ok: false; reason: AnswerFailure };

const PARTSTAT: Record<MeetingAnswer['userResponse'], PartStat> = { 1: 'ACCEPTED', 2: 'TENTATIVE', 3: 'DECLINED' };
/** MS-ASCAL ResponseType and the BusyStatus an answer gives the attendee's item. */
const RESPONSE_TYPE = { 1: 3, 2: 2 } as const;
const RECEIVED = 3;
const RECEIVED_CANCELLED = 7;

export async function answerMeeting(store: Store, user: User, a: MeetingAnswer, source?: TraceSource): Promise<AnswerOutcome> {
  const trace = source ? new TraceRecorder(source) : NO_TRACE;
  return traced(store, trace, async tx => {
    // Two devices of one attendee answering at once: the second reads what the first left
    // (docs/store.md, "Lock order"); a local organizer's account is locked by applyReply.
    await tx.lockAccounts([user.id]);
    const found = await findTarget(tx, user, a);
    if (!found.ok) return found;
    const { meeting, request } = found;
    // A delegate's request — or the principal's calendar item, seen in its shared calendar — is
    // answered for its principal: the principal's calendar, the principal's answer.
    const owner = found.owner ?? (request ? await answeringFor(tx, user, request) : user);
    if (!owner) return { ok: false, reason: 'INVALID_REQUEST' };
    const delegate = owner.id === user.id ? undefined : user;
    if (meeting.organizer?.email.toLowerCase() === owner.email) return { ok: false, reason: 'INVALID_REQUEST' };
    const folders = await tx.listFolders(owner.id);
    // The copy is answered in the calendar it is in; without one, the answer lands in the default calendar.
    const { calendars, item: own } = await meetingCopy(tx, owner.id, meeting.uid, folders);
    let recurrenceId: number | undefined;
    if (a.instanceId !== undefined) {
      // MS-ASCMD 2.2.3.92: InstanceId is 14.1+ and must name an occurrence of a recurring meeting.
      const series = own?.event ?? meeting;
      if (a.version < 14.1) return { ok: false, reason: 'INVALID_REQUEST' };
      const at = occurrenceOf(series, a.instanceId);
      // MS-ASCMD 2.2.3.92.3: an InstanceId on a meeting that does not recur is 146; one that names no occurrence, 2.
      if (at === 'NOT_RECURRING') return { ok: false, reason: 'NO_RECURRENCE' };
      if (typeof at !== 'number') return { ok: false, reason: 'INVALID_REQUEST' };
      recurrenceId = at;
    }
    // RFC 5546 3.2.3: a request about one occurrence (or a copy that stands for one, an invitation to
    // that occurrence only) is answered for that occurrence, with its RECURRENCE-ID.
    const occurrence = recurrenceId ?? meeting.recurrenceId;
    const calendarId = await updateCalendar(tx, owner, own?.folderId ?? calendars.home, own, meeting, a.userResponse, own?.event?.recurrence ? occurrence : recurrenceId);
    trace.note({ step: 'applied', userId: owner.id, uid: meeting.uid, subject: meeting.subject, recurrenceId: occurrence,
      text: `MeetingResponse: ${PARTSTAT[a.userResponse]} for ${scopeLabel(occurrence)}${delegate ? ` by the delegate ${delegate.email}` : ''}${a.sendResponse ? ', the server answers the organizer' : ''}`,
      data: { userResponse: a.userResponse, instanceId: a.instanceId, sendResponse: !!a.sendResponse, delegate: delegate?.email } });
    if (request) {
      const trash = (delegate ? await tx.listFolders(user.id) : folders).find(f => f.type === FolderType.DeletedItems)!;
      await tx.moveItem(user.id, request.id, trash.id);
    }
    if (a.sendResponse && a.version >= 16 && meeting.organizer) {
      const organizer = await tx.findUserByEmail(meeting.organizer.email);
      const proposal = proposalOf(a.sendResponse.proposal);
      if (organizer) {
        const comment = [a.sendResponse.body, proposal && proposalText(proposal)].filter(Boolean).join('\n\n') || undefined;
        await applyReply(tx, organizer, { uid: meeting.uid, from: owner.email, fromName: owner.displayName, partstat: PARTSTAT[a.userResponse], recurrenceId: occurrence, comment,
          sentBy: delegate && { email: delegate.email, name: delegate.displayName } }, trace);
      } else {
        // A single event that stands for an occurrence carries its RECURRENCE-ID itself. Elsewhere a
        // proposal travels as an iTIP COUNTER, which Exchange, Thunderbird and Convene act on.
        await sendReply(tx, owner, meeting, PARTSTAT[a.userResponse], { recurrenceId: meeting.recurrence ? occurrence : undefined, comment: a.sendResponse.body, proposal, sentBy: delegate });
        trace.note({ step: 'sent', userId: owner.id, uid: meeting.uid, subject: meeting.subject, recurrenceId: occurrence,
          text: `${proposal ? 'COUNTER' : 'REPLY'} ${PARTSTAT[a.userResponse]} to ${meeting.organizer.email}: queued as iMIP mail`,
          data: { method: proposal ? 'COUNTER' : 'REPLY', recipient: meeting.organizer.email, where: 'remote' } });
      }
    }
    return { ok: true, calendarId };
  });
}

/** MS-ASCMD 2.2.3.163: the proposed start and end, when both are readable and in order. */
function proposalOf(p: { start: string; end: string } | undefined): { start: number; end: number } | undefined {
  if (!p) return undefined;
  try {
    const start = parseEasDateTime(p.start);
    const end = parseEasDateTime(p.end);
    return end >= start ? { start, end } : undefined;
  } catch {
    return undefined;
  }
}

/** A counter-proposal reaches a local organizer as the answer plus the proposed time in its text. */
function proposalText(p: { start: number; end: number }): string {
  return `Proposed new time: ${new Date(p.start).toUTCString()} – ${new Date(p.end).toUTCString()}`;
}

/**
 * Whose answer a request is: the user's own, or — a request a delegate holds for its principal
 * (delegates.ts) — the principal's, while the user is still an editor-delegate of it (then the
 * principal's account is locked too); undefined when the delegation is gone.
 */
async function answeringFor(tx: Store, user: User, request: Item): Promise<User | undefined> {
  const principalEmail = delegatedFor(request);
  if (principalEmail === undefined) return user;
  const principal = await tx.findUserByEmail(principalEmail);
  if (!principal) return undefined;
  if (!await isEditorDelegate(tx, principal.id, user.id)) return undefined;
  await tx.lockAccounts([principal.id]);
  return principal;
}

type Target = { ok: true; meeting: CalendarEvent; request?: Item | undefined; owner?: User | undefined } | { ok: false; reason: AnswerFailure };

/**
 * RequestId names a meeting request in a mail folder, or (14.0+) the meeting on the calendar — the
 * account's own, or a principal's calendar shared with it as editor (src/sync/sharedCalendars.ts),
 * whose owner is then locked and answers.
 */
async function findTarget(store: Store, user: User, a: MeetingAnswer): Promise<Target> {
  const folderId = /^\d{1,15}$/.test(a.collectionId) ? Number(a.collectionId) : undefined;
  let folder = folderId === undefined ? undefined : await store.getFolder(user.id, folderId);
  let owner: User | undefined;
  if (folderId !== undefined && !folder) {
    const access = await sharedAccess(store, user, folderId);
    // A reviewer reads the principal's calendar; answering for it is an editor's.
    if (access?.rights === 'editor') {
      owner = access.owner;
      await store.lockAccounts([owner.id]);
      folder = await store.getFolder(owner.id, folderId);
    }
  }
  const id = folder && itemIdOf(a.requestId, folder.id);
  const item = id === undefined ? undefined : await store.getItem((owner ?? user).id, id);
  if (!folder || id === undefined) return { ok: false, reason: 'REQUEST_MISSING' };
  if (!item || item.folderId !== folder.id) {
    // Its tombstone is still there: answered (or deleted) since the device last synced the folder.
    const gone = (await store.getItems(folder.id, [id])).some(i => i.deleted);
    return { ok: false, reason: gone ? 'ALREADY_ANSWERED' : 'REQUEST_MISSING' };
  }
  if (item.class === 'Calendar') {
    if (item.event?.meetingStatus === RECEIVED_CANCELLED) return { ok: false, reason: 'NOT_ANSWERABLE' };
    if (a.version < 14 || !item.event || item.event.meetingStatus !== RECEIVED) return { ok: false, reason: 'INVALID_REQUEST' };
    return { ok: true, meeting: item.event, owner };
  }
  // Only the calendar item is answered through a shared calendar (a request is the delegate's own mail).
  if (owner) return { ok: false, reason: 'REQUEST_MISSING' };
  const messageClass = item.props.find(p => p[0] === 'Email:MessageClass')?.[1];
  if (messageClass === 'IPM.Schedule.Meeting.Canceled') return { ok: false, reason: 'NOT_ANSWERABLE' };
  if (messageClass !== 'IPM.Schedule.Meeting.Request' || !item.event) return { ok: false, reason: 'INVALID_REQUEST' };
  const type = Number(item.props.find(p => p[0] === 'Email2:MeetingMessageType')?.[1] ?? 0);
  // MS-ASEMAIL 2.2.2.47: a delegated request (the principal's copy, 6) MUST NOT be responded to —
  // an invalid meeting request (MS-ASCMD 2.2.3.177.9, Status 2); an outdated one (4) is not answerable.
  if (type === MeetingMessageType.Delegated) return { ok: false, reason: 'INVALID_REQUEST' };
  if (type === MeetingMessageType.Outdated) return { ok: false, reason: 'NOT_ANSWERABLE' };
  return { ok: true, meeting: item.event, request: item };
}

/** Accept/tentative replace the item (new ServerId, same UID); decline removes it. */
async function updateCalendar(store: Store, user: User, calendarId: number, own: Item | undefined, meeting: CalendarEvent,
  response: MeetingAnswer['userResponse'], recurrenceId: number | undefined): Promise<string | undefined> {
  const base = own?.event ?? { ...meeting, meetingStatus: RECEIVED };
  if (recurrenceId !== undefined && own) {
    const next = answerOccurrence(base, recurrenceId, response);
    await store.updateItem(user.id, own.id, { props: [], event: next, filterTime: eventFilterTime(next) });
    return response === 3 ? undefined : serverIdOf(calendarId, own.id);
  }
  if (own) await store.deleteItem(user.id, own.id);
  if (response === 3) return undefined;
  const answered: CalendarEvent = {
    ...base, meetingStatus: RECEIVED, responseType: RESPONSE_TYPE[response], appointmentReplyTime: Date.now(),
    busyStatus: response === 2 ? 1 : meeting.busyStatus === 1 ? 2 : meeting.busyStatus ?? 2,
  };
  const item = await store.addItem(user.id, calendarId, { class: 'Calendar', props: [], event: answered, filterTime: eventFilterTime(answered) });
  return item && serverIdOf(calendarId, item.id);
}

function answerOccurrence(event: CalendarEvent, recurrenceId: number, response: MeetingAnswer['userResponse']): CalendarEvent {
  const own = exceptionAt(event, recurrenceId);
  // The revision answered stays known (RFC 5546 2.1.5: a late older update is recognised).
  const revision = { sequence: own?.sequence, dtStamp: own?.dtStamp };
  const x = response === 3
    ? { originalStart: recurrenceId, ...revision, deleted: true, overrides: {} }
    : { originalStart: recurrenceId, ...revision, overrides: { ...(own?.overrides ?? {}), responseType: RESPONSE_TYPE[response], busyStatus: response === 2 ? 1 as const : 2 as const, appointmentReplyTime: Date.now() } };
  return withException(event, x);
}

