// An attendee's answer reaching an organizer on this server (RFC 5546 REPLY): that attendee's
// AttendeeStatus on the organizer's event (for the series or one occurrence), and an
// IPM.Schedule.Meeting.Resp.Pos/Tent/Neg message in the organizer's Inbox. Only the attendee's own
// address can change the attendee's status; anything else is refused and logged.
import { exceptionAt, withException } from '../calendar/exceptions.js';
import type { AttendeeStatus, CalendarEvent } from '../calendar/model.js';
import { mailbox, mailItemProps } from '../mail/item.js';
import type { Store } from '../store/Store.js';
import { FolderType, type ItemProps, type User } from '../store/types.js';
import { NO_TRACE, scopeLabel, type Tracer } from './trace.js';
import { meetingCopy } from './calendars.js';
import { DELEGATED_FOR, routesOf, type Route } from './delegates.js';

export type PartStat = 'ACCEPTED' | 'TENTATIVE' | 'DECLINED';

export interface Reply {
  uid: string;
  /** Who answers: the attendee's own address (the sender, for mail from elsewhere). */
  from: string;
  fromName?: string | undefined;
  partstat: PartStat;
  recurrenceId?: number | undefined;
  /** The device's text for the organizer, if any. */
  comment?: string | undefined;
  /** A delegate who answered for the attendee (RFC 5545 3.2.18 SENT-BY): the Resp.* mail's sender. */
  sentBy?: { email: string; name?: string | undefined } | undefined;
}

export type ReplyOutcome = 'APPLIED' | 'NO_SUCH_MEETING' | 'NOT_AN_ATTENDEE';

const STATUS: Record<PartStat, AttendeeStatus> = { ACCEPTED: 3, TENTATIVE: 2, DECLINED: 4 };
const CLASS: Record<PartStat, string> = { ACCEPTED: 'IPM.Schedule.Meeting.Resp.Pos', TENTATIVE: 'IPM.Schedule.Meeting.Resp.Tent', DECLINED: 'IPM.Schedule.Meeting.Resp.Neg' };
const VERB: Record<PartStat, string> = { ACCEPTED: 'Accepted', TENTATIVE: 'Tentative', DECLINED: 'Declined' };

/** Applies the answer; `trace` hears what was decided (on the organizer's account). */
export async function applyReply(store: Store, organizer: User, reply: Reply, trace: Tracer = NO_TRACE): Promise<ReplyOutcome> {
  const outcome = await applyIn(store, organizer, reply);
  const scope = scopeLabel(reply.recurrenceId);
  const from = reply.sentBy ? `${reply.from} (sent by ${reply.sentBy.email})` : reply.from;
  trace.note({
    step: outcome.result === 'APPLIED' ? 'applied' : 'refused', userId: organizer.id, uid: reply.uid, subject: outcome.subject, recurrenceId: reply.recurrenceId,
    text: outcome.result === 'APPLIED' ? `${reply.partstat} from ${from} for ${scope} applied`
      : `${reply.partstat} from ${from} for ${scope} refused: ${outcome.result === 'NOT_AN_ATTENDEE' ? 'not an attendee of the meeting' : 'no such meeting'}`,
    data: { partstat: reply.partstat, from: reply.from, sentBy: reply.sentBy?.email, outcome: outcome.result },
  });
  return outcome.result;
}

async function applyIn(store: Store, organizer: User, reply: Reply): Promise<{ result: ReplyOutcome; subject?: string | undefined }> {
  return store.transaction(async tx => {
    await tx.lockAccounts([organizer.id]);
    const folders = await tx.listFolders(organizer.id);
    const inbox = folders.find(f => f.type === FolderType.Inbox)!;
    const { item } = await meetingCopy(tx, organizer.id, reply.uid, folders);
    if (!item?.event) return { result: 'NO_SUCH_MEETING' as const };
    const subject = item.event.subject;
    const from = reply.from.toLowerCase();
    if (!item.event.attendees?.some(a => a.email.toLowerCase() === from)) return { result: 'NOT_AN_ATTENDEE' as const, subject };
    const event = withStatus(item.event, from, STATUS[reply.partstat], reply.recurrenceId);
    // RFC 6638 3.2.10: only a PARTSTAT changed; the organizer's client may still write with its schedule tag.
    await tx.updateItem(organizer.id, item.id, { props: [], event, filterTime: item.filterTime, keepScheduleTag: true });
    const mail = responseMail(organizer, reply, item.event);
    await tx.addItem(organizer.id, inbox.id, { class: 'Email', props: mail, filterTime: Date.now() });
    // The organizer's editor-delegates get a copy, as they get its requests (delegates.ts); filed
    // once this commits, under their own locks (an organizer's lock is held here, docs/store.md).
    const route = routesOf(await tx.delegatesOf([organizer.id])).get(organizer.id);
    if (route) await tx.afterCommit(root => copyToDelegates(root, organizer, route, mail));
    return { result: 'APPLIED' as const, subject };
  });
}

/** A response's copy in each delegate's Inbox, marked with whom it is for (never sent to a device). */
async function copyToDelegates(store: Store, organizer: User, route: Route, mail: ItemProps): Promise<void> {
  const ids = route.delegates.map(d => d.delegateId);
  await store.transaction(async tx => {
    await tx.lockAccounts(ids);
    const inboxes = new Map<number, number>();
    for (const f of await tx.listFoldersOfType(ids, [FolderType.Inbox])) if (!inboxes.has(f.userId)) inboxes.set(f.userId, f.id);
    await tx.addItems(ids.flatMap(id => {
      const inbox = inboxes.get(id);
      return inbox === undefined ? [] : [{ userId: id, folderId: inbox, item: { class: 'Email' as const, props: [...mail, [DELEGATED_FOR, organizer.email]] as ItemProps, filterTime: Date.now() } }];
    }));
  });
}

function withStatus(event: CalendarEvent, email: string, status: AttendeeStatus, recurrenceId: number | undefined): CalendarEvent {
  const set = (list: CalendarEvent['attendees']) => list?.map(a => (a.email.toLowerCase() === email ? { ...a, status } : a));
  if (recurrenceId === undefined) return { ...event, attendees: set(event.attendees) };
  const own = exceptionAt(event, recurrenceId);
  const overrides = { ...(own?.overrides ?? {}), attendees: set(own?.overrides.attendees ?? event.attendees) };
  return withException(event, { ...(own ?? { originalStart: recurrenceId }), overrides });
}

/**
 * MS-ASEMAIL: a reply shows as mail from the attendee to the organizer, "Accepted: <subject>"; one a
 * delegate sent names the delegate as its Sender (email2:Sender, "delegate on behalf of attendee").
 */
function responseMail(organizer: User, reply: Reply, event: CalendarEvent): ItemProps {
  const body = [reply.comment, reply.recurrenceId !== undefined ? `For the occurrence of ${new Date(reply.recurrenceId).toUTCString()}.` : '']
    .filter(Boolean).join('\n\n');
  return mailItemProps({
    to: mailbox(organizer.email, organizer.displayName), from: mailbox(reply.from, reply.fromName),
    subject: `${VERB[reply.partstat]}: ${event.subject ?? ''}`, threadTopic: event.subject ?? '', displayTo: organizer.displayName,
    body: { type: 1, data: body }, messageClass: CLASS[reply.partstat], calendarMessage: true,
    extra: reply.sentBy ? [['Email2:Sender', mailbox(reply.sentBy.email, reply.sentBy.name)]] : undefined,
  });
}
