// Client-side FolderSync: keeps the device's copy of the hierarchy as a phone would.
import { tags } from '../wbxml/index.js';
import type { EasClient } from './EasClient.js';

const fh = tags('FolderHierarchy');

export interface ClientFolder { serverId: string; parentId: string; displayName: string; type: number }

export class FolderHierarchyMirror {
  syncKey = '0';
  readonly folders = new Map<string, ClientFolder>();

  constructor(private readonly client: EasClient) {}

  /** One FolderSync round; returns the Status the server gave. */
  async sync(): Promise<number> {
    const res = await this.client.send('FolderSync', fh('FolderSync', [fh('SyncKey', this.syncKey)]));
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

  byType(type: number): ClientFolder | undefined {
    return [...this.folders.values()].find(f => f.type === type);
  }
}
