// An `auto` resource answers the request just delivered to it (docs/resources-delegates.md): the
// decision is resources.ts's; the answer goes through MeetingResponse's own path (attendee.ts), so
// the organizer gets AttendeeStatus and a Resp.Pos/Neg mail exactly as from a person.
//
// When: after the delivering transaction commits (Store.afterCommit), in one transaction per
// resource that locks the resource first. The organizer's edit holds the organizer's (and every
// attendee's) advisory lock; answering inside it would also take the organizer's row again for
// the reply and lengthen the Sync's transaction. After commit the resource's transaction reads its
// bookings under its own lock, so two meetings booking one room at once are decided one after the other.
import type { BusyTime } from '../calendar/freeBusy.js';
import { formatExtended } from '../calendar/timezone.js';
import { zoneLookup } from '../calendar/window.js';
import { busyTimesOf } from '../directory/availability.js';
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { Resource, Store } from '../store/Store.js';
import { FolderType, type Item, type User } from '../store/types.js';
import { serverIdOf } from '../sync/collection.js';
import { answerMeeting } from './attendee.js';
import type { DeliveryOutcome, Outgoing } from './delivery.js';
import { TraceRecorder, type TraceSource } from './trace.js';
import { bookingHorizon, decideBooking, decisionText, type ResourceDecision } from './resources.js';

/** Protocol version the resource answers as: 16.1, so the server sends its reply (SendResponse). */
const AS = 16.1;

/** The trace names the resource's policy as the "device" that answered. */
const SOURCE = (user: User): TraceSource => ({ via: 'eas', account: user.email, deviceId: 'resource', deviceType: 'ResourcePolicy', protocol: String(AS), command: 'MeetingResponse' });

/** Queues the answers of the `auto` resources among `attendees` that got this REQUEST. */
export async function answerForResources(store: Store, attendees: readonly User[], msg: Outgoing, outcomes: Map<number, DeliveryOutcome>): Promise<void> {
  // An informational update (type 3) keeps the answer given; a CANCEL frees the slot by itself.
  if (msg.method !== 'REQUEST' || msg.messageType === MeetingMessageType.InformationalUpdate) return;
  const delivered = attendees.filter(a => outcomes.get(a.id) === 'DELIVERED');
  const resources = await store.resourcesOf(delivered.map(a => a.id));
  const auto = delivered.filter(a => resources.get(a.id)?.policy === 'auto');
  if (!auto.length) return;
  await store.afterCommit(async root => {
    for (const user of auto) {
      try {
        await answerAsResource(root, user, resources.get(user.id)!, msg.event.uid, msg.recurrenceId);
      } catch (e) {
        // The organizer's edit has committed: a resource that cannot answer leaves its request
        // waiting in its Inbox (as a manual one would) and says why in the trace, never fails the edit.
        const trace = new TraceRecorder(SOURCE(user));
        trace.note({ step: 'refused', userId: user.id, uid: msg.event.uid, subject: msg.event.subject, recurrenceId: msg.recurrenceId,
          text: `the resource could not answer: ${e instanceof Error ? e.message : String(e)}` });
        await trace.flush(root).catch(() => undefined);
      }
    }
  });
}

/** The resource's answer to its newest request of this meeting (and scope), if one is waiting. */
export async function answerAsResource(store: Store, user: User, resource: Resource, uid: string, recurrenceId: number | undefined, now = Date.now()): Promise<ResourceDecision | undefined> {
  return store.transaction(async tx => {
    await tx.lockAccounts([user.id]);
    const folders = await tx.listFolders(user.id);
    const inbox = folders.find(f => f.type === FolderType.Inbox)!;
    const scope = recurrenceId === undefined ? undefined : formatExtended(recurrenceId);
    const request = (await tx.findItemsByUid(user.id, uid))
      .filter(i => i.folderId === inbox.id && i.event && isAnswerable(i) && prop(i, 'Email:RecurrenceId') === scope)
      .sort((a, b) => b.id - a.id)[0];
    if (!request?.event) return undefined;
    const meeting = request.event;
    const bookings = await bookingsOf(tx, user.id, uid, bookingHorizon(resource, now));
    const decision = decideBooking(meeting, resource, bookings, now, zoneLookup);
    const source = SOURCE(user);
    const answered = await answerMeeting(tx, user, {
      userResponse: decision.answer === 'ACCEPTED' ? 1 : 3, collectionId: String(inbox.id), requestId: serverIdOf(inbox.id, request.id),
      sendResponse: { body: decisionText(decision) }, version: AS,
    }, source);
    // A series accepted with some weeks taken: each of those occurrences declined on its own, with its date.
    if (decision.answer === 'ACCEPTED' && answered.ok && answered.calendarId) {
      const [collectionId] = answered.calendarId.split(':');
      for (const d of decision.declined) {
        await answerMeeting(tx, user, {
          userResponse: 3, collectionId: collectionId!, requestId: answered.calendarId, instanceId: formatExtended(d.recurrenceId),
          sendResponse: { body: `Declined automatically: ${d.reason}.` }, version: AS,
        }, source);
      }
    }
    return decision;
  });
}

/** The resource's busy times over the horizon, this meeting's own copy left out. */
function bookingsOf(store: Store, userId: number, uid: string, horizon: { from: number; to: number }): Promise<BusyTime[]> {
  return busyTimesOf(store, userId, horizon, { exceptUid: uid });
}

function isAnswerable(i: Item): boolean {
  const type = Number(prop(i, 'Email2:MeetingMessageType') ?? 0);
  return prop(i, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request' && type !== MeetingMessageType.Outdated && type !== MeetingMessageType.Delegated;
}

const prop = (i: Item, name: string) => i.props.find(p => p[0] === name)?.[1] as string | undefined;
