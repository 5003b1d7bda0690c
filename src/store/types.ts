// Records the store keeps. Names follow the protocol where the protocol names the thing.

/** MS-ASCMD 2.2.3.186.3 Type (FolderSync): the folder types EAS knows. */
export const FolderType = {
  UserGeneric: 1,
  Inbox: 2,
  Drafts: 3,
  DeletedItems: 4,
  SentItems: 5,
  Outbox: 6,
  Tasks: 7,
  Calendar: 8,
  Contacts: 9,
  Notes: 10,
  Journal: 11,
  UserMail: 12,
  UserCalendar: 13,
  UserContacts: 14,
  UserTasks: 15,
  UserJournal: 16,
  UserNotes: 17,
} as const;
export type FolderTypeValue = (typeof FolderType)[keyof typeof FolderType];

/** The default folders every account gets, one of each type 2–11. */
export const DEFAULT_FOLDERS: readonly { name: string; type: FolderTypeValue }[] = [
  { name: 'Inbox', type: FolderType.Inbox },
  { name: 'Drafts', type: FolderType.Drafts },
  { name: 'Deleted Items', type: FolderType.DeletedItems },
  { name: 'Sent Items', type: FolderType.SentItems },
  { name: 'Outbox', type: FolderType.Outbox },
  { name: 'Tasks', type: FolderType.Tasks },
  { name: 'Calendar', type: FolderType.Calendar },
  { name: 'Contacts', type: FolderType.Contacts },
  { name: 'Notes', type: FolderType.Notes },
  { name: 'Journal', type: FolderType.Journal },
];

export interface User {
  id: number;
  email: string;
  displayName: string;
  passwordHash: string;
  createdAt: number;
}

export interface Device {
  id: number;
  userId: number;
  /** DeviceId as the client sends it (hex of the raw bytes for the base64 query form). */
  deviceId: string;
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
  firstSeen: number;
  lastSeen: number;
}

export interface Folder {
  id: number;
  userId: number;
  /** 0 for a folder at the root, as FolderSync's ParentId says. */
  parentId: number;
  displayName: string;
  type: FolderTypeValue;
}

/** What one FolderSync SyncKey told a device about the hierarchy. */
export interface HierarchySnapshot {
  syncKey: number;
  folders: Record<string, { parentId: number; displayName: string; type: number }>;
}
