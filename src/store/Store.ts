// The storage interface the domain sees. One implementation (SqlStore) runs on SQLite for a
// single node and on PostgreSQL for several; commands never see SQL.
import type { Device, Folder, FolderTypeValue, HierarchySnapshot, User } from './types.js';

export interface NewUser {
  email: string;
  displayName: string;
  passwordHash: string;
}

export interface DeviceSighting {
  userId: number;
  deviceId: string;
  deviceType: string;
  userAgent: string;
  protocolVersion: string;
}

export interface Store {
  /** Creates the account with its default folders in one step. Throws StoreError USER_EXISTS. */
  createUser(user: NewUser): Promise<User>;
  findUserByEmail(email: string): Promise<User | undefined>;
  /** Accounts whose address starts with `localPart@` (for logons without a domain). */
  findUsersByLocalPart(localPart: string): Promise<User[]>;
  listUsers(): Promise<User[]>;
  countUsers(): Promise<number>;
  setPassword(userId: number, passwordHash: string): Promise<void>;
  setDisplayName(userId: number, displayName: string): Promise<void>;
  /** Removes the account and everything it owns. */
  removeUser(userId: number): Promise<boolean>;

  /** Registers the device on first sight and refreshes what it reports on every request. */
  recordDevice(sighting: DeviceSighting): Promise<Device>;
  listDevices(userId: number): Promise<Device[]>;

  listFolders(userId: number): Promise<Folder[]>;
  createFolder(userId: number, folder: { parentId: number; displayName: string; type: FolderTypeValue }): Promise<Folder>;
  /** Renames or moves a folder of this user; false when it has no such folder. */
  updateFolder(userId: number, folderId: number, change: { parentId: number; displayName: string }): Promise<boolean>;
  /** Deletes a folder of this user with the folders below it; false when it has no such folder. */
  deleteFolder(userId: number, folderId: number): Promise<boolean>;

  /** The snapshot a device got with `syncKey`, if the server still keeps it. */
  getHierarchySnapshot(devicePk: number, syncKey: number): Promise<HierarchySnapshot | undefined>;
  latestHierarchySnapshot(devicePk: number): Promise<HierarchySnapshot | undefined>;
  /**
   * Keeps `snapshot` and the one it replaces (`previousKey`); every other snapshot of the device
   * is dropped. A `previousKey` of 0 starts the device over (SyncKey 0).
   */
  saveHierarchySnapshot(devicePk: number, snapshot: HierarchySnapshot, previousKey: number): Promise<void>;

  close(): Promise<void>;
}

export type StoreErrorCode = 'USER_EXISTS' | 'NOT_FOUND';

export class StoreError extends Error {
  constructor(readonly code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
  }
}
