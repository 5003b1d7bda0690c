// A real Convene server on loopback (port 0) over a real store, for end-to-end tests.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createAccount } from '../../src/accounts/accounts.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient, type EasClientOptions } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { createEasServer, type EasServerOptions } from '../../src/eas/http/server.js';
import type { Store } from '../../src/store/Store.js';
import { sqliteBackend, type Backend } from './stores.js';

export interface TestServer {
  url: string;
  store: Store;
  backend: Backend;
  server: Server;
  client(user: string, overrides?: Partial<EasClientOptions>): EasClient;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery';

export async function startServer(opts: {
  users?: string[];
  backend?: () => Promise<Backend>;
  server?: Partial<EasServerOptions>;
} = {}): Promise<TestServer> {
  const backend = await (opts.backend ?? sqliteBackend)();
  const store = await backend.open();
  for (const email of opts.users ?? ['alice@example.com']) await createAccount(store, { email, password: PASSWORD });
  const server = createEasServer({ store, log: pino({ level: 'silent' }), ...opts.server });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url, store, backend, server,
    client: (user, overrides = {}) => new EasClient({ baseUrl: url, user, password: PASSWORD, deviceId: 'DEV1', deviceType: 'TestPhone', ...overrides }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>(resolve => server.close(() => resolve()));
      await store.close();
      await backend.dispose();
    },
  };
}

/** A device as a phone is before it pings: folders synced, one collection fully downloaded. */
export async function syncedDevice(t: TestServer, user: string, collectionId: string, overrides: Partial<EasClientOptions> = {}) {
  const client = t.client(user, overrides);
  await new FolderHierarchyMirror(client).sync();
  const collection = new CollectionMirror(client, collectionId);
  await collection.sync();
  await collection.syncAll();
  return { client, collection };
}

/** The ServerId of an account's default folder of one type. */
export async function folderId(t: TestServer, user: string, type: number): Promise<string> {
  const u = (await t.store.findUserByEmail(user))!;
  return String((await t.store.listFolders(u.id)).find(f => f.type === type)!.id);
}
