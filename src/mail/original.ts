// The item a SmartReply/SmartForward names (MS-ASCMD 2.2.3.173 Source), read for quoting and
// forwarding: mail with its stored message, mail the server made (properties only), or a calendar
// item. A meeting — a request in a mail folder, or a meeting on the calendar — is kept as its event
// so a forward can pass the invitation on.
import { occurrenceEvent } from '../calendar/exceptions.js';
import type { CalendarEvent } from '../calendar/model.js';
import { parseEasDateTime } from '../calendar/timezone.js';
import { resolveLongId } from '../search/longId.js';
import type { Store } from '../store/Store.js';
import type { Item, ItemProps, User } from '../store/types.js';
import { itemIdOf } from '../sync/collection.js';
import { occurrenceOf } from '../sync/codecs.js';
import { mailbox } from './item.js';
import { MimeError, parseMessage, type NamedAddress, type ParsedAttachment } from './parse.js';
import { propText } from '../store/props.js';

/** MS-ASCMD 2.2.3.173: FolderId + ItemId (from Sync), or LongId (from Search); InstanceId for one occurrence. */
export interface SourceRef {
  folderId?: string | undefined;
  itemId?: string | undefined;
  longId?: string | undefined;
  instanceId?: string | undefined;
}

/** A meeting to pass on: the series (or a stand-in for it) and, for one occurrence, its original start. */
export interface MeetingSource {
  event: CalendarEvent;
  recurrenceId?: number | undefined;
}

export interface Original {
  from?: string | undefined;
  to?: string | undefined;
  cc?: string | undefined;
  date?: number | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  attachments: ParsedAttachment[];
  messageId?: string | undefined;
  references: string[];
  /** Lines a forward shows for an event: when and where. */
  details: string[];
  /** The Source is a calendar item (the only kind 16.x Forwardees may name). */
  calendarItem?: boolean | undefined;
  meeting?: MeetingSource | undefined;
  /** An appointment of the user's own, nobody invited: forwarded as an iCalendar PUBLISH. */
  appointment?: CalendarEvent | undefined;
}

export type SourceFailure = 'SOURCE_NOT_FOUND' | 'NOT_REPLYABLE' | 'NO_RECURRENCE';

const CANCELLED = new Set([5, 7, 13, 15]);

export async function readSource(store: Store, user: User, ref: SourceRef): Promise<Original | SourceFailure> {
  const item = await findItem(store, user, ref);
  if (!item) return 'SOURCE_NOT_FOUND';
  if (item.class === 'Calendar' && item.event) return calendarOriginal(item.event, ref.instanceId, user);
  if (item.class !== 'Email') return 'NOT_REPLYABLE';
  const original = await mailOriginal(store, user, item);
  const meeting = meetingOfRequest(item, ref.instanceId);
  if (meeting === 'NO_RECURRENCE') return meeting;
  return { ...original, meeting };
}

async function findItem(store: Store, user: User, ref: SourceRef): Promise<Item | undefined> {
  // MS-ASCMD 2.2.3.98.4: a LongId from a Search result (src/search/longId.ts gives them out).
  if (ref.longId !== undefined) return resolveLongId(store, user.id, ref.longId);
  if (!ref.itemId) return undefined;
  const named = /^(\d{1,15}):\d{1,15}$/.exec(ref.itemId.trim());
  // MS-ASCMD 2.2.3.93: without FolderId the item is in the Inbox; our ServerIds carry their folder.
  const folderId = ref.folderId !== undefined ? Number(ref.folderId.trim()) : Number(named?.[1]);
  const id = Number.isSafeInteger(folderId) ? itemIdOf(ref.itemId, folderId) : undefined;
  const item = id === undefined ? undefined : await store.getItem(user.id, id);
  return item && !item.deleted && item.folderId === folderId ? item : undefined;
}

async function mailOriginal(store: Store, user: User, item: Item): Promise<Original> {
  const raw = await store.getItemContent(user.id, item.id);
  const m = raw && (await parseMessage(raw).catch(e => {
    if (e instanceof MimeError) return undefined;
    throw e;
  }));
  if (m) {
    const list = (named: NamedAddress[] | undefined, bare: string[]) =>
      (named ?? bare.map((address): NamedAddress => ({ address }))).map(a => mailbox(a.address, a.name)).join(', ') || undefined;
    return {
      from: m.from && mailbox(m.from, m.fromName), to: list(m.named?.to, m.to), cc: list(m.named?.cc, m.cc),
      date: m.date, subject: m.subject, text: m.text, html: m.html, attachments: m.attachments,
      messageId: m.messageId, references: m.references.length ? m.references : m.inReplyTo ? [m.inReplyTo] : [], details: [],
    };
  }
  // Mail the server wrote itself (meeting mail, replies, reports) has only its properties.
  const body = prop(item.props, 'AirSyncBase:Body');
  const bodyProps = Array.isArray(body) ? body : [];
  const type = prop(bodyProps, 'AirSyncBase:Type');
  const data = prop(bodyProps, 'AirSyncBase:Data');
  const received = prop(item.props, 'Email:DateReceived');
  return {
    from: text(item.props, 'Email:From'), to: text(item.props, 'Email:To'), cc: text(item.props, 'Email:Cc'),
    date: typeof received === 'string' ? safeDate(received) : undefined, subject: text(item.props, 'Email:Subject') ?? '',
    ...(typeof data === 'string' ? (type === '2' ? { html: data } : { text: data }) : {}),
    attachments: [], references: [], details: [],
  };
}

/** A meeting request passes its meeting on; InstanceId narrows a recurring one to an occurrence. */
function meetingOfRequest(item: Item, instanceId: string | undefined): MeetingSource | undefined | 'NO_RECURRENCE' {
  if (text(item.props, 'Email:MessageClass') !== 'IPM.Schedule.Meeting.Request' || !item.event) return undefined;
  const own = text(item.props, 'Email:RecurrenceId');
  const recurrenceId = own ? safeDate(own) : undefined;
  if (recurrenceId !== undefined) {
    // The request is about one occurrence already; its event is that occurrence, resolved.
    if (instanceId !== undefined && safeDate(instanceId) !== recurrenceId) return 'NO_RECURRENCE';
    return { event: seriesOf(item.event, recurrenceId), recurrenceId };
  }
  if (instanceId === undefined) return { event: item.event };
  const at = occurrenceOf(item.event, instanceId);
  return typeof at === 'number' ? { event: item.event, recurrenceId: at } : 'NO_RECURRENCE';
}

function calendarOriginal(series: CalendarEvent, instanceId: string | undefined, user: User): Original | SourceFailure {
  let recurrenceId: number | undefined;
  if (instanceId !== undefined) {
    // MS-ASCMD 2.2.3.92.2: InstanceId names an occurrence of a recurring item; else 146.
    const at = occurrenceOf(series, instanceId);
    if (typeof at !== 'number') return 'NO_RECURRENCE';
    recurrenceId = at;
  }
  const e = recurrenceId === undefined ? series : occurrenceEvent(series, recurrenceId);
  const organizer = series.organizer ?? { email: user.email, name: user.displayName };
  const invited = (e.attendees ?? []).some(a => a.email.toLowerCase() !== organizer.email.toLowerCase());
  const live = !CANCELLED.has(e.meetingStatus ?? 0);
  return {
    from: mailbox(organizer.email, organizer.name), to: e.attendees?.map(a => mailbox(a.email, a.name)).join(', ') || undefined,
    subject: e.subject ?? '', attachments: [], references: [],
    ...(e.body?.type === 2 ? { html: e.body.data } : e.body?.type === 1 ? { text: e.body.data } : {}),
    details: [`When: ${new Date(e.start).toUTCString()} – ${new Date(e.end).toUTCString()}`, ...(e.location ? [`Where: ${e.location.displayName}`] : [])],
    calendarItem: true, meeting: invited && live ? { event: { ...series, organizer }, recurrenceId } : undefined,
    appointment: !invited ? e : undefined,
  };
}

/** A message about one occurrence holds that occurrence only: a series stand-in with it as its exception. */
function seriesOf(occurrence: CalendarEvent, recurrenceId: number): CalendarEvent {
  const { recurrence: _r, exceptions: _x, ...rest } = occurrence;
  return {
    ...rest, start: recurrenceId, end: recurrenceId + (occurrence.end - occurrence.start),
    exceptions: [{ originalStart: recurrenceId, overrides: { start: occurrence.start, end: occurrence.end, subject: occurrence.subject } }],
  };
}

function prop(props: ItemProps, name: string) {
  return props.find(p => p[0] === name)?.[1];
}

/** A property's text, an empty one counting as absent. */
function text(props: ItemProps, name: string): string | undefined {
  return propText(props, name) || undefined;
}

function safeDate(value: string): number | undefined {
  try {
    return parseEasDateTime(value);
  } catch {
    return undefined;
  }
}
