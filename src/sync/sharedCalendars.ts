// A principal's calendar on its delegates' devices (docs/resources-delegates.md, "The principal's
// calendar on the delegate's devices"). `convene delegate add … --calendar reviewer|editor` shares
// the principal's default Calendar with the delegate: its FolderSync lists it as one more
// user-created calendar (type 13, at the root, named after the principal), under the folder's own
// id — folder ids are unique across accounts, so it cannot collide with the delegate's own. Sync,
// GetItemEstimate and Ping reach it through `sharedAccess`; everything else (MoveItems, FolderUpdate,
// ItemOperations …) sees only the account's own folders. A reviewer reads; an editor also writes,
// as the principal (meetings it organizes there are the principal's, sent by the delegate).
import type { Store } from '../store/Store.js';
import { FolderType, type Folder, type User } from '../store/types.js';

export type SharedRights = 'reviewer' | 'editor';

export interface SharedCalendar {
  /** As the delegate's devices see it: type 13 at the root, the principal's name. */
  folder: Folder;
  principalId: number;
  principalEmail: string;
  rights: SharedRights;
}

/** The calendars shared with this account, ordered by principal. */
export async function sharedCalendarsOf(store: Store, delegateId: number): Promise<SharedCalendar[]> {
  const delegations = (await store.delegationsTo(delegateId)).filter(d => d.calendar !== 'none');
  if (!delegations.length) return [];
  const calendars = new Map<number, Folder>();
  // Ordered by id: each principal's first Calendar, its default one.
  for (const f of await store.listFoldersOfType(delegations.map(d => d.principalId), [FolderType.Calendar])) {
    if (!calendars.has(f.userId)) calendars.set(f.userId, f);
  }
  return delegations.flatMap(d => {
    const calendar = calendars.get(d.principalId);
    if (!calendar) return [];
    const folder: Folder = { ...calendar, parentId: 0, type: FolderType.UserCalendar, displayName: `${d.principalName || d.principalEmail} (calendar)` };
    return [{ folder, principalId: d.principalId, principalEmail: d.principalEmail, rights: d.calendar as SharedRights }];
  });
}

/** Folder id → owner, of the calendars shared with an account. */
export function sharedOwners(shared: readonly SharedCalendar[]): Map<number, number> {
  return new Map(shared.map(s => [s.folder.id, s.principalId]));
}

/** The owners of the shared calendars among `folderIds`: whose change feeds a wait on them listens to. */
export function ownersAmong(shared: readonly SharedCalendar[], folderIds: Iterable<number>): number[] {
  const owners = sharedOwners(shared);
  return [...new Set([...folderIds].flatMap(id => owners.get(id) ?? []))];
}

/** The account's folders as its FolderSync shows them: its own, then the calendars shared with it. */
export async function hierarchyFolders(store: Store, userId: number, shared?: readonly SharedCalendar[]): Promise<Folder[]> {
  const own = await store.listFolders(userId);
  return [...own, ...(shared ?? await sharedCalendarsOf(store, userId)).map(s => s.folder)];
}

/** Another account's collection this user may sync: whose it is and with which rights; else undefined. */
export async function sharedAccess(store: Store, user: Pick<User, 'id'>, folderId: number): Promise<{ owner: User; rights: SharedRights } | undefined> {
  const shared = (await sharedCalendarsOf(store, user.id)).find(s => s.folder.id === folderId);
  if (!shared) return undefined;
  const owner = await store.findUserByEmail(shared.principalEmail);
  return owner?.id === shared.principalId ? { owner, rights: shared.rights } : undefined;
}
