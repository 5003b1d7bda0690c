// What the HTTP benches share: a real server on loopback over each store backend in turn, and the
// server's own time for a request (its Server-Timing header), so client overhead stays out.
import { spawn } from 'node:child_process';
import { Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hashPassword } from '../src/accounts/password.js';
import { pino } from 'pino';
import { createEasServer } from '../src/eas/http/server.js';
import type { HttpMount } from '../src/net/mount.js';
import type { Store } from '../src/store/Store.js';
import { BACKENDS, type Backend } from '../test/helpers/stores.js';

export const serverMs = (headers: Record<string, unknown>): number => Number(/dur=([\d.]+)/.exec(String(headers['server-timing']))?.[1] ?? NaN);

/** Runs `fn` against a fresh server on SQLite, then on PostgreSQL; everything is torn down after each. */
export async function onEachBackend(fn: (s: { backend: Backend; store: Store; url: string }) => Promise<void>,
  options: { mounts?: HttpMount[] } = {}): Promise<void> {
  for (const makeBackend of BACKENDS) {
    const backend = await makeBackend();
    const store = await backend.open();
    const server = createEasServer({ store, log: pino({ level: 'silent' }), ...(options.mounts ? { mounts: options.mounts } : {}) });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
    try {
      await fn({ backend, store, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    } finally {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
      await store.close();
      await backend.dispose();
    }
  }
}

/** What a round over one store gets: its accounts' one password hash and a keep-alive agent. */
export type Round<T> = (name: string, store: Store, url: string, agent: Agent, passwordHash: string) => Promise<T>;

/**
 * `round` on each backend, its figures by backend name. One scrypt hash of `password` serves every
 * account the rounds make: hundreds of derivations would be the setup's whole cost.
 */
export async function roundsOnEachBackend<T>(password: string, round: Round<T>): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  const passwordHash = await hashPassword(password);
  await onEachBackend(async ({ backend, store, url }) => {
    const agent = new Agent({ keepAlive: true, maxSockets: Infinity });
    try {
      out[backend.name] = await round(backend.name, store, url, agent, passwordHash);
    } finally {
      agent.destroy();
    }
  });
  return out;
}

/** A server in a child process of its own (`convene serve`, or a bare reference): its URL once it says `at http://…/`. */
export async function startChild(args: string[]): Promise<{ child: ReturnType<typeof spawn>; url: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>(resolve => {
    let text = '';
    child.stdout!.on('data', (c: Buffer) => {
      text += c;
      const m = /at (http:\/\/[^/]+)\//.exec(text);
      if (m) resolve(m[1]);
    });
  });
  return { child, url };
}
