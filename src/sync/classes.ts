// What the sync engine knows about item classes: which folders hold which class, what a FilterType
// window compares, and how a device's Change merges into the stored item.
import { propText } from '../store/props.js';
import type { FolderTypeValue, ItemClass, ItemProps } from '../store/types.js';
import { FolderType } from '../store/types.js';

export function classOfFolder(type: FolderTypeValue): ItemClass | undefined {
  switch (type) {
    case FolderType.Calendar: case FolderType.UserCalendar: return 'Calendar';
    case FolderType.Contacts: case FolderType.UserContacts: return 'Contacts';
    case FolderType.Tasks: case FolderType.UserTasks: return 'Tasks';
    case FolderType.Notes: case FolderType.UserNotes: return 'Notes';
    case FolderType.Journal: case FolderType.UserJournal: return undefined;
    default: return 'Email';
  }
}

/** MS-ASCMD 2.2.3.70 FilterType: how far back a device wants items (days); 0 is no window, 8 incomplete tasks. */
const FILTER_DAYS: Readonly<Record<number, number>> = { 1: 1, 2: 3, 3: 7, 4: 14, 5: 31, 6: 92, 7: 183 };
const INCOMPLETE_TASKS = 8;

/**
 * MS-ASCMD 2.2.3.70.1: the FilterTypes each class has. Mail goes back 1 day to 1 month (1–5),
 * events 2 weeks to 6 months (4–7), tasks by date or "incomplete only" (8); 0 (everything) is for all.
 */
const FILTERS_OF: Readonly<Record<ItemClass, ReadonlySet<number>>> = {
  Email: new Set([0, 1, 2, 3, 4, 5]), Calendar: new Set([0, 4, 5, 6, 7]), Tasks: new Set([0, 8]),
  Contacts: new Set([0]), Notes: new Set([0]), SMS: new Set([0, 1, 2, 3, 4, 5]),
};

export function filterTypeFits(cls: ItemClass, filterType: number): boolean {
  return FILTERS_OF[cls].has(filterType);
}

/**
 * The time before which an item is outside the window; undefined: no window. Tasks have FilterType 8
 * only (MS-ASCMD 2.2.3.70.1): incomplete tasks, so every task with a completion time (its filter
 * time, src/sync/taskCodec.ts) is outside. Another FilterType on tasks is no window.
 */
export function filterCutoff(filterType: number, cls?: ItemClass, now = Date.now()): number | undefined {
  if (cls === 'Tasks') return filterType === INCOMPLETE_TASKS ? Number.POSITIVE_INFINITY : undefined;
  const days = FILTER_DAYS[filterType];
  return days === undefined ? undefined : now - days * 86400_000;
}

/** The time a FilterType window compares: when mail arrived, when an event ends. null: always in. */
export function filterTimeOf(cls: ItemClass, props: ItemProps): number | null {
  const stamp = cls === 'Email' ? propText(props, 'Email:DateReceived')
    : cls === 'Calendar' && !props.some(p => p[0] === 'Calendar:Recurrence') ? propText(props, 'Calendar:EndTime')
      : undefined;
  return stamp ? parseEasDate(stamp) : null;
}

/** EAS dates: ISO 8601 (2009-11-18T08:00:00.000Z) or the compact form (20091118T080000Z). */
export function parseEasDate(s: string): number | null {
  const compact = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  const t = compact ? Date.UTC(+compact[1], +compact[2] - 1, +compact[3], +compact[4], +compact[5], +compact[6]) : Date.parse(s);
  return Number.isFinite(t) ? t : null;
}

/**
 * What a device may change on an email, from the first version that has it (MS-ASEMAIL 2.2.2.58 Read:
 * every version; 2.2.2.34 Flag with its Tasks-page children: 12.0; 2.2.2.14 Categories and 2.2.2.44,
 * 2.2.2.45 LastVerbExecuted/LastVerbExecutionTime: 14.0). Each replaces the stored one whole; an
 * empty Flag clears the flag. An element the sender's version does not have is ignored, as the
 * server never sends it to that version either (src/mail/eas.ts knownTo).
 */
const EMAIL_CHANGEABLE: ReadonlyMap<string, number> = new Map([
  ['Email:Read', 0], ['Email:Flag', 12], ['Email:Categories', 14], ['Email2:LastVerbExecuted', 14], ['Email2:LastVerbExecutionTime', 14],
]);

/**
 * MS-ASCMD 2.2.3.172 Supported: a Change replaces the properties it carries; a property it omits is
 * removed only when the device manages it (listed in Supported, or no Supported list was given);
 * otherwise it is ghosted, kept as it is. On email only the changeable properties move; others a
 * device sends along are ignored — except ConversationId, which MS-ASEMAIL 2.2.2.21 answers with
 * Status 6 (undefined here).
 */
export function mergeChange(
  cls: ItemClass, stored: ItemProps, incoming: ItemProps, supported: string[] | undefined, version = 16.1,
): ItemProps | undefined {
  if (cls === 'Email') {
    if (incoming.some(p => p[0] === 'Email2:ConversationId')) return undefined;
    const changeable = (name: string) => { const since = EMAIL_CHANGEABLE.get(name); return since !== undefined && version >= since; };
    const changes = new Map(incoming.filter(p => changeable(p[0])).map(p => [p[0], p]));
    // In place, so the item keeps its element order; what it did not have goes at the end.
    const merged = stored.map(p => changes.get(p[0]) ?? p);
    return [...merged, ...[...changes.values()].filter(p => !stored.some(s => s[0] === p[0]))];
  }
  const present = new Set(incoming.map(p => p[0]));
  const managed = supported && new Set(supported);
  const kept = stored.filter(([name]) => !present.has(name) && managed !== undefined && !managed.has(name));
  return [...incoming, ...kept];
}
