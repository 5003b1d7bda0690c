// `convene calendar import|export`: a user's calendar as an iCalendar file. Import updates an event
// whose UID is already on the calendar and adds the others; one broken event is reported and
// skipped, the rest go in.
import type { Store } from '../store/Store.js';
import { FolderType, type Item } from '../store/types.js';
import { easToEvent } from './eas.js';
import { CalendarError } from './errors.js';
import { eventsToIcs, icsToEvents } from './ical.js';
import type { CalendarEvent } from './model.js';
import { eventFilterTime } from './window.js';

export interface ImportResult {
  added: number;
  updated: number;
  failed: { uid: string; reason: string }[];
}

const BATCH = 200;

export async function importIcs(store: Store, userId: number, text: string,
  onProgress: (done: number, total: number) => void = () => undefined): Promise<ImportResult> {
  const events = icsToEvents(text);
  const calendar = await defaultCalendar(store, userId);
  const result: ImportResult = { added: 0, updated: 0, failed: [] };
  for (let i = 0; i < events.length; i += BATCH) {
    // Counted per run: a transaction may run again (docs/store.md), only the committed run counts.
    const batch = await store.transaction(async tx => {
      const counts: ImportResult = { added: 0, updated: 0, failed: [] };
      for (const event of events.slice(i, i + BATCH)) await upsert(tx, userId, calendar, event, counts);
      return counts;
    });
    result.added += batch.added;
    result.updated += batch.updated;
    result.failed.push(...batch.failed);
    onProgress(Math.min(i + BATCH, events.length), events.length);
  }
  return result;
}

async function upsert(store: Store, userId: number, calendar: number, event: CalendarEvent, result: ImportResult): Promise<void> {
  try {
    const filterTime = eventFilterTime(event);
    const existing = (await store.findItemsByUid(userId, event.uid)).find(i => i.folderId === calendar);
    if (existing) {
      await store.updateItem(userId, existing.id, { props: [], event, filterTime });
      result.updated++;
    } else {
      await store.addItem(userId, calendar, { class: 'Calendar', props: [], event, filterTime });
      result.added++;
    }
  } catch (e) {
    if (!(e instanceof CalendarError)) throw e;
    result.failed.push({ uid: event.uid, reason: e.message });
  }
}

export async function exportIcs(store: Store, userId: number): Promise<string> {
  const folders = (await store.listFolders(userId)).filter(f => f.type === FolderType.Calendar || f.type === FolderType.UserCalendar);
  const events: CalendarEvent[] = [];
  for (const f of folders) {
    const items = await store.getItems(f.id, await store.liveItemIds(f.id));
    for (const item of items) {
      const event = eventOfItem(item);
      if (event) events.push(event);
    }
  }
  return eventsToIcs(events);
}

/** Calendar items written by older code or tests as plain properties are read through EAS. */
export function eventOfItem(item: Item): CalendarEvent | undefined {
  if (item.event) return item.event;
  try {
    return easToEvent(item.props, { version: 16.1, newUid: () => `convene-item-${item.id}` });
  } catch {
    return undefined;
  }
}

async function defaultCalendar(store: Store, userId: number): Promise<number> {
  const folder = (await store.listFolders(userId)).find(f => f.type === FolderType.Calendar);
  if (!folder) throw new CalendarError('CALENDAR_INVALID', 'the account has no calendar');
  return folder.id;
}
