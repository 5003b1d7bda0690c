// Delivering an organizer's iTIP message to an attendee on this server (RFC 5546 REQUEST/CANCEL,
// as Exchange shows them over EAS): a meeting e-mail in the Inbox (IPM.Schedule.Meeting.Request or
// .Canceled) and the attendee's own calendar item following the meeting. Older requests of the same
// meeting in the Inbox become outdated (MS-ASEMAIL 2.2.2.47, MeetingMessageType 4).
import { occurrenceEvent, withException } from '../calendar/exceptions.js';
import type { CalendarEvent } from '../calendar/model.js';
import { formatExtended } from '../calendar/timezone.js';
import { eventFilterTime } from '../calendar/window.js';
import { mailbox, mailItemProps } from '../mail/item.js';
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { NewItemIn, Store } from '../store/Store.js';
import { DELEGATED_FOR, delegatedFor, principalCopy, routesOf, type Route } from './delegates.js';
import { FolderType, type Folder, type Item, type ItemProps, type User } from '../store/types.js';
import { answerForResources } from './resourceAnswers.js';
import { CALENDAR_TYPES, calendarsAmong, copyAmong, type Calendars } from './calendars.js';

export interface Outgoing {
  method: 'REQUEST' | 'CANCEL';
  /** The organizer's event after the change, whole. */
  event: CalendarEvent;
  /** Set when the message is about one occurrence (its original start). */
  recurrenceId?: number | undefined;
  messageType: number;
  /** A time or recurrence change: the attendee's answer goes back to not responded. */
  resetResponses: boolean;
}

/** MS-ASCAL: MeetingStatus of an attendee's copy, ResponseType, BusyStatus while undecided. */
const RECEIVED = 3;
const RECEIVED_CANCELLED = 7;
const NOT_RESPONDED = 5;
const TENTATIVE = 1;
const FREE = 0;

/** DELIVERED, or filed as an OUTDATED request (an older revision), or refused: OTHER_ORGANIZER. */
export type DeliveryOutcome = 'DELIVERED' | 'OUTDATED' | 'OTHER_ORGANIZER';

/**
 * Delivers the message; OTHER_ORGANIZER when the attendee already holds this UID as another organizer's
 * meeting (RFC 5546 3.2.2: a meeting's REQUEST and CANCEL come from its ORGANIZER): an account that
 * gave itself someone else's UID (a CalDAV PUT, an older device's Add) then changes nothing here.
 */
export async function deliverToAttendee(store: Store, attendee: User, msg: Outgoing): Promise<DeliveryOutcome> {
  return (await deliverToAttendees(store, [attendee], msg)).get(attendee.id)!;
}

/**
 * `deliverToAttendee` for many attendees in one transaction, set-wise (docs/performance.md): their
 * locks in one call (ascending), their Inboxes and Calendars in one read, what they hold of the
 * meeting in one read; those who hold nothing of it (a new invitation) get the request and their
 * copy in multi-row inserts, the others go one by one as before. Answers what each attendee got.
 */
export async function deliverToAttendees(store: Store, attendees: readonly User[], msg: Outgoing): Promise<Map<number, DeliveryOutcome>> {
  const unique = [...new Map(attendees.map(a => [a.id, a])).values()];
  if (unique.length === 0) return new Map();
  return store.transaction(async tx => {
    const ids = unique.map(a => a.id);
    // Attendees with delegates (delegates.ts): their delegates' Inboxes get the request too; every
    // account written is locked in one call (docs/store.md, "Lock order").
    const routes = routesOf(await tx.delegatesOf(ids));
    const delegateIds = [...routes.values()].flatMap(r => r.delegates.map(d => d.delegateId));
    const accounts = [...new Set([...ids, ...delegateIds])];
    await tx.lockAccounts(accounts);
    const inboxes = new Map<number, number>();
    const folders = await tx.listFoldersOfType(accounts, [FolderType.Inbox, ...CALENDAR_TYPES]);
    // Ordered by id: an account's first Inbox, as listFolders(...).find() chose; its calendars (calendars.ts).
    for (const f of folders) if (f.type === FolderType.Inbox && !inboxes.has(f.userId)) inboxes.set(f.userId, f.id);
    const byAccount = new Map<number, Folder[]>();
    for (const f of folders) {
      const list = byAccount.get(f.userId);
      if (list) list.push(f);
      else byAccount.set(f.userId, [f]);
    }
    const calendarsOf = (userId: number) => calendarsAmong(byAccount.get(userId) ?? []);
    const held = new Map<number, Item[]>();
    const delegated: Item[] = [];
    for (const i of await tx.findItemsByUidOf(accounts, msg.event.uid)) {
      // A request a delegate holds for someone else is not its own part in the meeting.
      if (delegatedFor(i) !== undefined) delegated.push(i);
      else held.set(i.userId, [...(held.get(i.userId) ?? []), i]);
    }
    const delivered = new Map<number, DeliveryOutcome>();
    const fresh: NewItemIn[] = [];
    // A new copy depends on the message alone, a request on the attendee's RSVP alone: shared
    // objects, which the store serialises once each (a meeting's event holds every attendee).
    const copy = nextCopy(undefined, msg);
    const shown = messageEvent(msg);
    const rsvp = new Map<string, boolean | undefined>();
    for (const a of shown.attendees ?? []) if (!rsvp.has(a.email.toLowerCase())) rsvp.set(a.email.toLowerCase(), a.rsvp);
    const requests = new Map<boolean | undefined, CalendarEvent>();
    const requestFor = (email: string): CalendarEvent => {
      const r = rsvp.get(email);
      let event = requests.get(r);
      if (!event) requests.set(r, event = forAttendee(shown, email));
      return event;
    };
    for (const attendee of unique) {
      const own = { inbox: inboxes.get(attendee.id)!, calendars: calendarsOf(attendee.id) };
      const mine = held.get(attendee.id);
      const route = routes.get(attendee.id);
      const inboxMsg = principalCopy(msg, route);
      if (mine) {
        delivered.set(attendee.id, await deliverBeside(tx, attendee, own, mine, msg, inboxMsg));
      } else {
        // Nothing of this meeting here yet: the request, and the copy a REQUEST brings (a CANCEL has none to follow).
        const message = requestFor(attendee.email);
        if (inboxMsg) fresh.push({ userId: attendee.id, folderId: own.inbox, item: { class: 'Email', props: envelope(attendee, inboxMsg, message), event: message, filterTime: Date.now() } });
        if (copy) fresh.push({ userId: attendee.id, folderId: own.calendars.home, item: { class: 'Calendar', props: [], event: copy, filterTime: eventFilterTime(copy) } });
        delivered.set(attendee.id, 'DELIVERED');
      }
      if (route) await deliverToDelegates(tx, attendee, route, inboxes, delegated, msg, delivered.get(attendee.id)!);
    }
    await tx.addItems(fresh);
    // Rooms and equipment with the auto policy answer once this delivery commits, whichever path
    // brought the request: the engine, a ≤14.1 device's SendMail, iMIP (resourceAnswers.ts).
    await answerForResources(tx, unique, msg, delivered);
    return delivered;
  });
}

/** Delivery to an attendee who holds something of the meeting already (`mine`): copies, requests. */
async function deliverBeside(tx: Store, attendee: User, folders: { inbox: number; calendars: Calendars }, mine: Item[], msg: Outgoing,
  inboxMsg: Outgoing | undefined = msg): Promise<DeliveryOutcome> {
  const { inbox, calendars } = folders;
  // The copy (in whichever calendar the attendee keeps it), or a request of it still in the Inbox.
  if (mine.some(i => (calendars.all.has(i.folderId) || i.folderId === inbox) && otherOrganizer(i.event, msg.event))) return 'OTHER_ORGANIZER';
  const requests = mine.filter(i => i.folderId === inbox);
  const message = forAttendee(messageEvent(msg), attendee.email);
  // MS-ASEMAIL R1070: a request older (DtStamp) than one already here is shown as outdated, acts on nothing.
  if (msg.method === 'REQUEST' && requests.some(i => sameScope(i, msg) && newerThan(i.event, msg.event))) {
    const outdated = { ...msg, messageType: MeetingMessageType.Outdated };
    if (inboxMsg) await tx.addItem(attendee.id, inbox, { class: 'Email', props: envelope(attendee, outdated, message), event: message, filterTime: Date.now() });
    return 'OUTDATED';
  }
  await outdateOlderRequests(tx, attendee, requests, msg);
  // With delegates the principal's copy is type 6, or there is none (delegates.ts principalCopy).
  if (inboxMsg) await tx.addItem(attendee.id, inbox, { class: 'Email', props: envelope(attendee, inboxMsg, message), event: message, filterTime: Date.now() });
  await followOnCalendar(tx, attendee, calendars.home, copyAmong(mine, calendars), msg);
  return 'DELIVERED';
}

/**
 * Files the principal's message in each delegate's Inbox, marked with whom it is for (delegates.ts),
 * after the principal's own delivery had `outcome`: delivered → the request as the organizer sent it
 * (older ones for this principal outdated); outdated → an outdated copy; another organizer's UID →
 * nothing. The caller holds the principal's and the delegates' locks.
 */
async function deliverToDelegates(tx: Store, principal: User, route: Route, inboxes: ReadonlyMap<number, number>,
  held: readonly Item[], msg: Outgoing, outcome: DeliveryOutcome): Promise<void> {
  if (outcome === 'OTHER_ORGANIZER') return;
  const message = forAttendee(messageEvent(msg), principal.email);
  const filed = outcome === 'OUTDATED' ? { ...msg, messageType: MeetingMessageType.Outdated } : msg;
  for (const d of route.delegates) {
    const inbox = inboxes.get(d.delegateId);
    if (inbox === undefined) continue;
    const mine = held.filter(i => i.userId === d.delegateId && i.folderId === inbox && delegatedFor(i) === principal.email);
    if (outcome === 'DELIVERED') await outdateOlderRequests(tx, { id: d.delegateId }, mine, msg);
    // Addressed to the principal (To, DisplayTo): the delegate's device shows whom it is for.
    const props: ItemProps = [...envelope(principal, filed, message), [DELEGATED_FOR, principal.email]];
    await tx.addItem(d.delegateId, inbox, { class: 'Email', props, event: message, filterTime: Date.now() });
  }
}

/** The held copy names an organizer and the message another one. */
function otherOrganizer(held: CalendarEvent | undefined, arriving: CalendarEvent): boolean {
  const a = held?.organizer?.email.toLowerCase();
  const b = arriving.organizer?.email.toLowerCase();
  return a !== undefined && b !== undefined && a !== b;
}

/** MS-ASEMAIL R716: ResponseRequested follows this attendee's RSVP, when the organizer said. */
function forAttendee(event: CalendarEvent, email: string): CalendarEvent {
  const own = event.attendees?.find(a => a.email.toLowerCase() === email);
  return own?.rsvp === undefined ? event : { ...event, responseRequested: own.rsvp };
}

function sameScope(item: Item, msg: Outgoing): boolean {
  const rid = item.props.find(p => p[0] === 'Email:RecurrenceId')?.[1];
  return msg.recurrenceId === undefined ? rid === undefined : rid === formatExtended(msg.recurrenceId);
}

/** Whether a request already held is of a later revision than the one arriving (RFC 5546 2.1.5). */
function newerThan(held: CalendarEvent | undefined, arriving: CalendarEvent): boolean {
  if (!held || held.dtStamp === undefined || arriving.dtStamp === undefined) return false;
  const [a, b] = [held.sequence ?? 0, arriving.sequence ?? 0];
  return a > b || (a === b && held.dtStamp > arriving.dtStamp);
}

/** The meeting as the message describes it: the series, or the one occurrence resolved (with its
 *  RECURRENCE-ID, so that answering it answers that occurrence). */
function messageEvent(msg: Outgoing): CalendarEvent {
  return msg.recurrenceId === undefined ? msg.event : { ...occurrenceEvent(msg.event, msg.recurrenceId), recurrenceId: msg.recurrenceId };
}

function envelope(attendee: User, msg: Outgoing, event: CalendarEvent): ItemProps {
  const cancel = msg.method === 'CANCEL';
  const subject = `${cancel ? 'Canceled: ' : ''}${event.subject ?? ''}`;
  const organizer = event.organizer;
  const extra: ItemProps = [['Email2:MeetingMessageType', String(msg.messageType)]];
  if (msg.recurrenceId !== undefined) extra.push(['Email:RecurrenceId', formatExtended(msg.recurrenceId)]);
  return mailItemProps({
    to: (event.attendees ?? []).map(a => mailbox(a.email, a.name)).join(', ') || attendee.email,
    from: organizer ? mailbox(organizer.email, organizer.name) : '', subject, threadTopic: event.subject ?? '',
    displayTo: attendee.displayName, body: { type: 1, data: summary(event, cancel) },
    messageClass: cancel ? 'IPM.Schedule.Meeting.Canceled' : 'IPM.Schedule.Meeting.Request', calendarMessage: true, extra,
  });
}

function summary(e: CalendarEvent, cancel: boolean): string {
  const when = `${new Date(e.start).toUTCString()} – ${new Date(e.end).toUTCString()}`;
  return [cancel ? 'This meeting has been canceled.' : '', `When: ${when}`, e.location ? `Where: ${e.location.displayName}` : '',
    e.body?.type === 1 ? `\n${e.body.data}` : ''].filter(Boolean).join('\n');
}

/** A newer request makes the older ones of the same meeting (and occurrence) unanswerable. */
async function outdateOlderRequests(store: Store, attendee: Pick<User, 'id'>, inboxItems: Item[], msg: Outgoing): Promise<void> {
  for (const item of inboxItems) {
    const type = item.props.find(p => p[0] === 'Email2:MeetingMessageType')?.[1];
    // A series update outdates every request of the meeting; an occurrence's, that occurrence's only.
    if (type === String(MeetingMessageType.Outdated) || !(msg.recurrenceId === undefined || sameScope(item, msg))) continue;
    const props = item.props.map(p => (p[0] === 'Email2:MeetingMessageType' ? [p[0], String(MeetingMessageType.Outdated)] as ItemProps[number] : p));
    await store.updateItem(attendee.id, item.id, { props, event: item.event, filterTime: item.filterTime });
  }
}

/** The attendee's own calendar item follows the organizer's (tentative until answered). */
async function followOnCalendar(store: Store, attendee: User, calendarId: number, existing: Item | undefined, msg: Outgoing): Promise<void> {
  const next = nextCopy(existing, msg);
  if (!next) return;
  const stored = { props: [], event: next, filterTime: eventFilterTime(next) };
  if (existing) await store.updateItem(attendee.id, existing.id, stored);
  else await store.addItem(attendee.id, calendarId, { class: 'Calendar', ...stored });
}

/** The attendee's copy after the message; undefined when there is none to have (a CANCEL of nothing held). */
function nextCopy(existing: Item | undefined, msg: Outgoing): CalendarEvent | undefined {
  const own = existing?.event;
  let next: CalendarEvent | undefined;
  // The copy remembers the revision it follows (RFC 5546 2.1.5), so a late older message is recognised.
  const revision = { sequence: Math.max(own?.sequence ?? 0, msg.event.sequence ?? 0), dtStamp: msg.event.dtStamp ?? own?.dtStamp };
  // An attendee invited to one occurrence only holds that occurrence alone (recurrenceId set).
  const single = msg.recurrenceId !== undefined && !own?.recurrence;
  if (msg.method === 'CANCEL') {
    if (!own) return undefined;
    next = msg.recurrenceId === undefined || own.recurrenceId === msg.recurrenceId ? { ...own, ...revision, meetingStatus: RECEIVED_CANCELLED }
      : withException(own, { originalStart: msg.recurrenceId, deleted: true, overrides: {}, sequence: msg.event.sequence, dtStamp: msg.event.dtStamp });
  } else if (!single && msg.recurrenceId !== undefined) {
    const x = msg.event.exceptions?.find(e => e.originalStart === msg.recurrenceId);
    next = withException(own!, x ?? { originalStart: msg.recurrenceId, overrides: {} });
  } else {
    // Undecided is shown tentative, but a meeting meant as free time (TRANSP:TRANSPARENT) stays free.
    const undecided = { responseType: NOT_RESPONDED, busyStatus: msg.event.busyStatus === FREE ? FREE : TENTATIVE };
    const keep = own && !msg.resetResponses ? { responseType: own.responseType, busyStatus: own.busyStatus } : undecided;
    next = {
      ...messageEvent(msg), ...(single ? { recurrenceId: msg.recurrenceId } : {}),
      meetingStatus: RECEIVED, ...keep, reminder: own?.reminder ?? msg.event.reminder, easTimeZone: msg.event.easTimeZone,
    } as CalendarEvent;
  }
  return next;
}
