// An account's calendars (docs/resources-delegates.md, "Several calendars"): the default one
// (FolderType.Calendar, 8), where invitations land as in Exchange, and those the user made (a
// device's FolderCreate of type 13, MS-ASCMD 2.2.3.170.3; a CalDAV MKCALENDAR). A meeting — the
// organizer's or an attendee's copy — may live in any of them, moved there by the user (MoveItems,
// WebDAV MOVE: neither sends anything), and the engine follows it where it is.
import type { Store } from '../store/Store.js';
import { FolderType, type Folder, type Item } from '../store/types.js';

export const CALENDAR_TYPES = [FolderType.Calendar, FolderType.UserCalendar] as const;

export interface Calendars {
  /** The default calendar: where a new copy is filed. */
  home: number;
  /** Every calendar of the account, the default one included. */
  all: ReadonlySet<number>;
}

/** The calendars among an account's folders. */
export function calendarsAmong(folders: readonly Folder[]): Calendars {
  const home = folders.find(f => f.type === FolderType.Calendar)!;
  return { home: home.id, all: new Set(folders.filter(f => (CALENDAR_TYPES as readonly number[]).includes(f.type)).map(f => f.id)) };
}

/**
 * The account's copy of a meeting among items of its UID: the one in a calendar, the default
 * calendar's first (two calendars may each hold the UID: CalDAV's uniqueness is per collection,
 * RFC 4791 5.3.2.1), then the oldest.
 */
export function copyAmong(items: readonly Item[], calendars: Calendars): Item | undefined {
  const held = items.filter(i => i.event && calendars.all.has(i.folderId));
  return held.find(i => i.folderId === calendars.home) ?? held.sort((a, b) => a.id - b.id)[0];
}

/** The account's calendars and its copy of the meeting `uid`, if it holds one. */
export async function meetingCopy(store: Store, userId: number, uid: string, folders?: readonly Folder[]): Promise<{ calendars: Calendars; item: Item | undefined }> {
  const calendars = calendarsAmong(folders ?? await store.listFolders(userId));
  return { calendars, item: copyAmong(await store.findItemsByUid(userId, uid), calendars) };
}
