// How each item class travels between devices and the store. Most classes are kept as the
// device's properties (ghosting rules in classes.ts); Calendar items are kept as events
// (src/calendar/model.ts) and rendered for each device's protocol version.
import { randomUUID } from 'node:crypto';
import { easToEvent, eventToEas, instanceStart } from '../calendar/eas.js';
import { withException } from '../calendar/exceptions.js';
import type { CalendarEvent, Exception } from '../calendar/model.js';
import { eventFilterTime, isOriginalStart } from '../calendar/window.js';
import { contactFromDevice, contactToDevice, mergeContact } from '../contacts/eas.js';
import type { BodyRequest } from '../mail/bodyRender.js';
import { withBodyCut } from '../eas/body.js';
import { emailToDevice } from '../mail/eas.js';
import type { Store } from '../store/Store.js';
import type { Item, ItemClass, ItemProps } from '../store/types.js';
import { filterTimeOf, mergeChange } from './classes.js';
import { convert, ItemConversionError } from './conversionError.js';
import { noteCodec } from './noteCodec.js';
import { taskCodec } from './taskCodec.js';

export interface Stored {
  props: ItemProps;
  event?: CalendarEvent | undefined;
  filterTime: number | null;
  /** The server changed the item past what the device sent (a recurring task moved on): the device is sent it. */
  serverChanged?: boolean | undefined;
  /** Items the change made beside this one (a completed task occurrence), added to its folder. */
  alongside?: Stored[] | undefined;
}

export { ItemConversionError };

/** Who an item is rendered for: the device's version and what it asked for. */
export interface RenderContext {
  version: number;
  /** Email: BodyPreference, MIMESupport, MIMETruncation (Sync's collection Options, or a Fetch's). */
  body?: BodyRequest | undefined;
  /** Email: where the stored message behind a mail item comes from (Type 4 bodies). */
  store: Pick<Store, 'getItemContent'>;
}

export interface ItemCodec {
  fromDevice(props: ItemProps, version: number): Stored;
  /** A device's Change of a whole item; undefined when the change is not allowed. */
  merge(item: Item, props: ItemProps, supported: string[] | undefined, version: number): Stored | undefined;
  toDevice(item: Item, ctx: RenderContext): Promise<ItemProps>;
}

const propsCodec = (cls: ItemClass): ItemCodec => ({
  fromDevice: props => ({ props, filterTime: filterTimeOf(cls, props) }),
  merge: (item, props, supported, version) => {
    const merged = mergeChange(cls, item.props, props, supported, version);
    // A meeting e-mail keeps its meeting when the device marks it read or flags it.
    return merged && { props: merged, event: item.event, filterTime: filterTimeOf(cls, merged) };
  },
  toDevice: async (item, ctx) => (cls === 'Email'
    ? emailToDevice(item, { version: ctx.version, body: ctx.body, content: () => ctx.store.getItemContent(item.userId, item.id) })
    : withBodyCut(item.props, ctx.body?.bodyPreferences)),
});

/** Contacts: checked, ghosted and rendered per version by src/contacts/eas.ts (MS-ASCNTC). */
const contactsCodec: ItemCodec = {
  fromDevice: (props, version) => ({ props: convert(() => contactFromDevice(props, version)), filterTime: null }),
  merge: (item, props, supported, version) => ({ props: convert(() => mergeContact(item.props, props, supported, version)), filterTime: null }),
  toDevice: async (item, ctx) => withBodyCut(contactToDevice(item.props, ctx.version, ctx.body?.bodyPreferences[0]), ctx.body?.bodyPreferences),
};

const calendarCodec: ItemCodec = {
  fromDevice: (props, version) => stored(convert(() => easToEvent(props, { version, newUid, request: true }))),
  merge: (item, props, supported, version) => {
    const existing = eventOf(item, version);
    // Ghosting works on the device's own view of the item: what it omits but does not manage stays.
    // From 16.0, Calendar properties are ghosted by default (MS-ASCAL 2.2.2): without a Supported
    // list an omitted element is unchanged, and a device clears one by sending it empty.
    const managed = supported ?? (version >= 16 ? [] : undefined);
    const merged = mergeChange('Calendar', eventToEas(existing, version), props, managed);
    if (!merged) return undefined;
    const next = convert(() => easToEvent(merged, { version, existing, newUid, request: true }));
    next.sequence = existing.sequence;
    // 16.x never sends Exceptions (MS-ASCAL 2.2.2.22); an older device that leaves the element out of a
    // Change has not touched them either (MS-ASCAL R541, R54111), whatever its Supported list says.
    if (version >= 16 || !props.some(p => p[0] === 'Calendar:Exceptions')) next.exceptions = keptExceptions(existing, next);
    return stored(next);
  },
  toDevice: async (item, ctx) => withBodyCut(item.event ? eventToEas(item.event, ctx.version) : item.props, ctx.body?.bodyPreferences),
};

export function codecFor(cls: ItemClass): ItemCodec {
  if (cls === 'Contacts') return contactsCodec;
  if (cls === 'Tasks') return taskCodec;
  if (cls === 'Notes') return noteCodec;
  return cls === 'Calendar' ? calendarCodec : propsCodec(cls);
}

/** The event a calendar item holds, also for items stored as plain properties. */
export function eventOf(item: Item, version = 16.1): CalendarEvent {
  return item.event ?? convert(() => easToEvent(item.props, { version, newUid }));
}

function stored(event: CalendarEvent): Stored {
  return { props: [], event, filterTime: eventFilterTime(event) };
}

/**
 * A series Change without Exceptions (always so from 16.x, MS-ASCAL 2.2.2.22; an older device's
 * Change that omits the element, R541) keeps them — unless it changed the pattern or the series' times, which (as in
 * Exchange) removes them.
 */
function keptExceptions(before: CalendarEvent, after: CalendarEvent): Exception[] | undefined {
  const same = JSON.stringify(before.recurrence) === JSON.stringify(after.recurrence) && before.start === after.start && before.end === after.end;
  return same ? before.exceptions : undefined;
}

// ─── 16.x occurrence operations (MS-ASAIRS 2.2.2.25 InstanceId) ─────────────────────────────────

export type OccurrenceFailure = 'NOT_RECURRING' | 'NO_SUCH_OCCURRENCE';

/** The original start an InstanceId names, if it is one of the series' occurrences. */
export function occurrenceOf(event: CalendarEvent, instanceId: string): number | OccurrenceFailure {
  if (!event.recurrence) return 'NOT_RECURRING';
  let at: number;
  try {
    // 16.x all-day series name occurrences by date (MS-ASCAL 2.2.2.1): instanceStart maps that to the
    // occurrence's local midnight.
    at = instanceStart(event, instanceId);
  } catch {
    return 'NO_SUCH_OCCURRENCE';
  }
  // A removed occurrence is no longer one to act on.
  return isOriginalStart(event, at) && !event.exceptions?.some(x => x.originalStart === at && x.deleted) ? at : 'NO_SUCH_OCCURRENCE';
}

/** A Change with InstanceId: the occurrence's own values become (or update) its exception. */
export function changeOccurrence(event: CalendarEvent, originalStart: number, props: ItemProps, version: number): CalendarEvent {
  const occurrence = convert(() => easToEvent(props, { version, existing: event, newUid, request: true }));
  const overrides: Exception['overrides'] = {};
  const fields = ['subject', 'location', 'body', 'reminder', 'busyStatus', 'sensitivity', 'categories', 'attendees',
    'onlineMeetingConfLink', 'onlineMeetingExternalLink'] as const;
  for (const f of fields) {
    if (occurrence[f] !== undefined && JSON.stringify(occurrence[f]) !== JSON.stringify(event[f])) {
      (overrides as Record<string, unknown>)[f] = occurrence[f];
    }
  }
  const duration = event.end - event.start;
  if (props.some(p => p[0] === 'Calendar:StartTime') && occurrence.start !== originalStart) overrides.start = occurrence.start;
  if (props.some(p => p[0] === 'Calendar:EndTime') && occurrence.end !== (overrides.start ?? originalStart) + duration) overrides.end = occurrence.end;
  if (occurrence.allDay !== event.allDay) overrides.allDay = occurrence.allDay;
  return withException(event, { originalStart, overrides });
}

/** A Delete with InstanceId: that occurrence is cancelled, the series stays. */
export function deleteOccurrence(event: CalendarEvent, originalStart: number): CalendarEvent {
  return withException(event, { originalStart, deleted: true, overrides: {} });
}

export function storedEvent(event: CalendarEvent): Stored {
  return stored(event);
}

function newUid(): string {
  return randomUUID().toUpperCase();
}

