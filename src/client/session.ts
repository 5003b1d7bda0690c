// A device that can be put away and picked up again: the client, its folder hierarchy and its
// collections, saved as a JSON file (never the password) so a script can continue a sync later
// with the same SyncKeys, policy key and items.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { CollectionMirror, type CollectionState } from './collection.js';
import { EasClient, type EasClientOptions } from './EasClient.js';
import { FolderHierarchyMirror, type ClientFolder } from './folders.js';

export const STATE_FORMAT = 'convene-eas-client/1';

export interface DeviceState {
  format: typeof STATE_FORMAT;
  baseUrl: string;
  user: string;
  deviceId: string;
  deviceType: string;
  version: string;
  base64Query?: boolean | undefined;
  policyKey?: number | undefined;
  hierarchy: { syncKey: string; folders: ClientFolder[] };
  collections: Record<string, CollectionState>;
}

export class StateError extends Error {}

export class EasSession {
  readonly folders: FolderHierarchyMirror;
  readonly collections = new Map<string, CollectionMirror>();

  constructor(readonly client: EasClient) {
    this.folders = new FolderHierarchyMirror(client);
  }

  /** The mirror of one collection, made on first use. */
  collection(collectionId: string): CollectionMirror {
    let c = this.collections.get(collectionId);
    if (!c) {
      c = new CollectionMirror(this.client, collectionId);
      this.collections.set(collectionId, c);
    }
    return c;
  }

  /** FolderSync, starting over once when the server says the hierarchy key is gone (Status 9). */
  async folderSync(): Promise<number> {
    let status = await this.folders.sync();
    if (status === 9) {
      this.folders.syncKey = '0';
      this.collections.clear();
      status = await this.folders.sync();
    }
    return status;
  }

  toState(): DeviceState {
    const o = this.client.options;
    return {
      format: STATE_FORMAT, baseUrl: this.client.baseUrl, user: o.user, deviceId: o.deviceId, deviceType: o.deviceType ?? 'ConveneClient',
      version: this.client.version, base64Query: o.base64Query, policyKey: this.client.policyKey,
      hierarchy: this.folders.toState(),
      collections: Object.fromEntries([...this.collections].map(([id, c]) => [id, c.toState()])),
    };
  }

  static fromState(state: DeviceState, options: Partial<EasClientOptions> & { password: string }): EasSession {
    const client = new EasClient({
      baseUrl: state.baseUrl, user: state.user, deviceId: state.deviceId, deviceType: state.deviceType, version: state.version,
      base64Query: state.base64Query, ...definedOnly(options), password: options.password,
    });
    client.policyKey = state.policyKey;
    const session = new EasSession(client);
    session.folders.restore(state.hierarchy);
    for (const [id, c] of Object.entries(state.collections)) session.collection(id).restore(c);
    return session;
  }

  /** Writes the state file (0600: it holds mail) in one step, so a crash leaves the old one. */
  async save(file: string): Promise<void> {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(this.toState(), null, 1)}\n`, { mode: 0o600 });
    await rename(tmp, file);
  }

  /** Reads a state file; options given here (a new URL, another version) win over the saved ones. */
  static async load(file: string, options: Partial<EasClientOptions> & { password: string }): Promise<EasSession> {
    return EasSession.fromState(await readState(file), options);
  }
}

export async function readState(file: string): Promise<DeviceState> {
  let state: DeviceState;
  try {
    state = JSON.parse(await readFile(file, 'utf8')) as DeviceState;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== undefined) throw e;
    throw new StateError(`${file} is not JSON: ${(e as Error).message}`);
  }
  if (state?.format !== STATE_FORMAT || typeof state.baseUrl !== 'string' || typeof state.hierarchy?.syncKey !== 'string') {
    throw new StateError(`${file} is not a device state file (format ${STATE_FORMAT})`);
  }
  return state;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
