// Client-side FolderSync: keeps the device's copy of the hierarchy as a phone would.
import { tags } from '../wbxml/index.js';
import type { EasClient, EasResponse } from './EasClient.js';

const fh = tags('FolderHierarchy');

export interface ClientFolder { serverId: string; parentId: string; displayName: string; type: number }

export class FolderHierarchyMirror {
  syncKey = '0';
  readonly folders = new Map<string, ClientFolder>();
  /** The last FolderSync response, for callers that show it. */
  lastResponse: EasResponse | undefined;

  constructor(private readonly client: EasClient) {}

  toState(): { syncKey: string; folders: ClientFolder[] } {
    return { syncKey: this.syncKey, folders: [...this.folders.values()] };
  }

  restore(state: { syncKey: string; folders: ClientFolder[] }): this {
    this.syncKey = state.syncKey;
    this.folders.clear();
    for (const f of state.folders) this.folders.set(f.serverId, f);
    return this;
  }

  /** One FolderSync round; returns the Status the server gave (9: start again from SyncKey 0). */
  async sync(version?: string): Promise<number> {
    const res = await this.client.send('FolderSync', fh('FolderSync', [fh('SyncKey', this.syncKey)]), { version });
    this.lastResponse = res;
    const body = res.body;
    const status = Number(body?.childText('Status'));
    if (status !== 1 || !body) return status;
    if (this.syncKey === '0') this.folders.clear();
    this.syncKey = body.childText('SyncKey') ?? this.syncKey;
    for (const change of body.child('Changes')?.children ?? []) {
      const serverId = change.childText('ServerId') ?? '';
      if (change.name === 'Delete') this.folders.delete(serverId);
      else if (change.name === 'Add' || change.name === 'Update') {
        this.folders.set(serverId, {
          serverId, parentId: change.childText('ParentId') ?? '0',
          displayName: change.childText('DisplayName') ?? '', type: Number(change.childText('Type')),
        });
      }
    }
    return status;
  }

  /** FolderCreate (MS-ASCMD 2.2.1.3): the new folder's ServerId on Status 1; the hierarchy SyncKey moves on. */
  async create(parentId: string, displayName: string, type = 12): Promise<{ status: number; serverId: string | undefined }> {
    const res = await this.client.send('FolderCreate', fh('FolderCreate', [
      fh('SyncKey', this.syncKey), fh('ParentId', parentId), fh('DisplayName', displayName), fh('Type', type),
    ]));
    const status = Number(res.body?.childText('Status') ?? 0);
    const serverId = res.body?.childText('ServerId');
    if (status === 1 && serverId) {
      this.syncKey = res.body?.childText('SyncKey') ?? this.syncKey;
      this.folders.set(serverId, { serverId, parentId, displayName, type });
    }
    return { status, serverId };
  }

  /** FolderUpdate (MS-ASCMD 2.2.1.5): rename or move a folder. */
  async update(serverId: string, parentId: string, displayName: string): Promise<number> {
    const res = await this.client.send('FolderUpdate', fh('FolderUpdate', [
      fh('SyncKey', this.syncKey), fh('ServerId', serverId), fh('ParentId', parentId), fh('DisplayName', displayName),
    ]));
    const status = Number(res.body?.childText('Status') ?? 0);
    const known = this.folders.get(serverId);
    if (status === 1) {
      this.syncKey = res.body?.childText('SyncKey') ?? this.syncKey;
      if (known) this.folders.set(serverId, { ...known, parentId, displayName });
    }
    return status;
  }

  /** FolderDelete (MS-ASCMD 2.2.1.4). */
  async delete(serverId: string): Promise<number> {
    const res = await this.client.send('FolderDelete', fh('FolderDelete', [fh('SyncKey', this.syncKey), fh('ServerId', serverId)]));
    const status = Number(res.body?.childText('Status') ?? 0);
    if (status === 1) {
      this.syncKey = res.body?.childText('SyncKey') ?? this.syncKey;
      this.folders.delete(serverId);
    }
    return status;
  }

  /** A folder by ServerId, by display name (case-insensitive), or by default-folder type name ("Inbox", "Calendar"). */
  find(nameOrId: string): ClientFolder | undefined {
    const all = [...this.folders.values()];
    const lower = nameOrId.toLowerCase();
    const typed = DEFAULT_TYPES[lower.replace(/\s+/g, '')];
    return this.folders.get(nameOrId) ?? all.find(f => f.displayName.toLowerCase() === lower) ?? (typed !== undefined ? this.byType(typed) : undefined);
  }

  byType(type: number): ClientFolder | undefined {
    return [...this.folders.values()].find(f => f.type === type);
  }
}

/** MS-ASCMD 2.2.3.186.3: the default folders' Type values. */
export const DEFAULT_TYPES: Readonly<Record<string, number>> = {
  inbox: 2, drafts: 3, deleteditems: 4, sentitems: 5, outbox: 6, tasks: 7, calendar: 8, contacts: 9, notes: 10, journal: 11,
};

/** The item class of a folder type (Ping, GetItemEstimate for 12.1). */
export function classOfType(type: number): string {
  if (type === 7 || type === 15) return 'Tasks';
  if (type === 8 || type === 13) return 'Calendar';
  if (type === 9 || type === 14) return 'Contacts';
  if (type === 10 || type === 17) return 'Notes';
  return 'Email';
}
