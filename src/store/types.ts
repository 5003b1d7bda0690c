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
  /** MS-ASPROV: the policy key the device acknowledged last, and the policy it was for. */
  policyKey: number | null;
  policyHash: string | null;
  /** The temporary key of a Provision still waiting for its acknowledgement. */
  pendingPolicyKey: number | null;
  wipe: DeviceWipe | null;
  /** What the device said about itself (settings:DeviceInformation), if it did. */
  information: DeviceInformation | null;
  /**
   * Its small caches as read with the row by `recordDevice` (so a Sync or Ping needs no read of its
   * own, docs/performance.md); absent where the device was listed or read otherwise.
   */
  cached?: { ping: string | null; syncRequest: string | null } | undefined;
}

/** A remote wipe an administrator asked for (docs/provisioning.md). */
export interface DeviceWipe {
  /** full: the whole device (RemoteWipe); account: this account only (AccountOnlyRemoteWipe, 16.1). */
  kind: 'full' | 'account';
  /** requested → sent (the directive went out) → done | failed (the device acknowledged). */
  status: 'requested' | 'sent' | 'done' | 'failed';
  requestedAt: number;
  updatedAt: number;
}

/** MS-ASCMD 2.2.3.45 DeviceInformation, keyed by element name. */
export const DEVICE_INFORMATION_FIELDS = [
  'Model', 'IMEI', 'FriendlyName', 'OS', 'OSLanguage', 'PhoneNumber', 'UserAgent', 'EnableOutboundSMS', 'MobileOperator',
] as const;
export type DeviceInformation = Partial<Record<(typeof DEVICE_INFORMATION_FIELDS)[number], string>>;

/** An account's Out of Office settings (MS-ASCMD 2.2.3.122 Oof); src/mail/autoReply.ts sends the replies. */
export interface OofSettings {
  /** MS-ASCMD 2.2.3.124 OofState: 0 disabled, 1 global, 2 time-based. */
  state: 0 | 1 | 2;
  startTime: number | null;
  endTime: number | null;
  messages: Partial<Record<OofAudience, OofMessage>>;
}

/** AppliesToInternal, AppliesToExternalKnown, AppliesToExternalUnknown. */
export type OofAudience = 'Internal' | 'ExternalKnown' | 'ExternalUnknown';

export interface OofMessage {
  enabled: boolean;
  replyMessage: string;
  bodyType: 'Text' | 'HTML';
}

export interface Folder {
  id: number;
  userId: number;
  /** 0 for a folder at the root, as FolderSync's ParentId says. */
  parentId: number;
  displayName: string;
  type: FolderTypeValue;
  /** The URL segment a DAV client chose at MKCALENDAR / MKCOL; others are named by id (docs/dav.md). */
  davName?: string | undefined;
}

/** What one FolderSync SyncKey told a device about the hierarchy. */
export interface HierarchySnapshot {
  syncKey: number;
  folders: Record<string, { parentId: number; displayName: string; type: number }>;
}

/** EAS item classes (MS-ASCMD 2.2.3.27 Class). */
export type ItemClass = 'Email' | 'Calendar' | 'Contacts' | 'Tasks' | 'Notes' | 'SMS';

/**
 * An item's properties as the protocol names them: each node is a qualified element name
 * ("Calendar:Subject") with text, bytes (base64) or child nodes. Class conversions (calendar,
 * mail) read and write this form; the sync engine only moves it.
 */
export type PropNode = [name: string, value: string | { b64: string } | PropNode[]];
export type ItemProps = PropNode[];

import type { CalendarEvent } from '../calendar/model.js';

export interface Item {
  id: number;
  userId: number;
  folderId: number;
  class: ItemClass;
  /** The folder's change sequence at this item's last change. */
  modseq: number;
  deleted: boolean;
  /** What FilterType windows compare (ms): received time, or the end of an event's last occurrence. */
  filterTime: number | null;
  props: ItemProps;
  /** Calendar items: the event itself; `props` is then empty (docs/calendar.md). */
  event?: CalendarEvent | undefined;
  /** The resource name a CalDAV client created it under (docs/dav.md); kept on its tombstone. */
  davName?: string | undefined;
  /**
   * RFC 6638 3.2.10: the modseq of the last change that was not only a reply merged into an
   * organizer's copy; the CalDAV schedule-tag (docs/dav.md). Absent: the modseq.
   */
  scheduleTag?: number | undefined;
}

/** One row of a folder's change log: an item as it is now, or its tombstone. */
export interface ItemChange {
  id: number;
  modseq: number;
  deleted: boolean;
  filterTime: number | null;
}

/** Options a device set for a collection (MS-ASCMD 2.2.3.115 Options), kept with its sync state. */
export interface CollectionOptions {
  class: ItemClass;
  filterType: number;
  /** 0 client wins, 1 server wins (the default). */
  conflict: number;
  bodyPreferences: { type: number; truncationSize?: number | undefined; allOrNone?: boolean | undefined; preview?: number | undefined }[];
  mimeSupport: number;
  mimeTruncation?: number | undefined;
  /** Properties the device manages (Supported); absent: every property. */
  supported?: string[] | undefined;
  deletesAsMoves: boolean;
  windowSize: number;
}

/** What the server told one device about one collection (MS-ASCMD 2.2.3.166.4 SyncKey). */
/** A folder with the device's state for it, read together (Store.getFolderAndState). */
export interface FolderAndState {
  folder: Folder & { modseq: number; purgedModseq: number };
  /** Absent when the device has no state for the folder; `replay` (the kept answer) is not read. */
  state?: Omit<CollectionState, 'replay'> | undefined;
}

export interface CollectionState {
  devicePk: number;
  folderId: number;
  syncKey: number;
  /** Every change up to this modseq has been considered for the device. */
  modseq: number;
  options: CollectionOptions;
  /** The key before syncKey and the response it got, kept so a lost response can be resent. */
  replayKey: number | null;
  replay: string | null;
}
