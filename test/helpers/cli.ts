// The `convene` command run as a person runs it: a separate process, its output and exit status.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));

export interface CliRun { code: number | null; signal: NodeJS.Signals | null; out: string; err: string }

/** Runs `convene ARGS` to its end (60 s at most: a command that hangs fails the test, not the run). */
export function runCli(args: string[], o: { env?: Record<string, string | undefined>; input?: string; uid?: number; gid?: number } = {}): Promise<CliRun> {
  const options: SpawnOptions = { env: { ...process.env, ...o.env }, timeout: 60_000 };
  if (o.uid !== undefined) Object.assign(options, { uid: o.uid, gid: o.gid ?? o.uid });
  const child = spawn(process.execPath, [BIN, ...args], options) as ChildProcessWithoutNullStreams;
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c; });
  child.stderr.on('data', (c: Buffer) => { err += c; });
  child.stdin.end(o.input ?? '');
  return new Promise(resolve => child.once('close', (code, signal) => resolve({ code, signal, out, err })));
}

/** The failure was one line `convene: …` matching `pattern`, no stack, and this exit status. */
export function assertOneLine(r: CliRun, code: number, pattern: RegExp): void {
  const lines = r.err.trimEnd().split('\n');
  assert.equal(lines.length, 1, `one line on stderr, got:\n${r.err}`);
  assert.match(lines[0], /^convene: /);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /\n\s+at /);
  assert.equal(r.code, code, `exit status (stderr: ${r.err})`);
}

export interface Serving {
  process: ChildProcessWithoutNullStreams;
  url: string;
  /** Everything written so far, stdout and stderr. */
  output(): string;
  /** Resolves once the output matches `pattern` (60 s at most). */
  waitFor(pattern: RegExp): Promise<void>;
  /** Resolves with the exit status once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `convene serve` on 127.0.0.1 with a system-chosen port and waits for its welcome. */
export async function spawnServe(args: string[], env: Record<string, string> = {}): Promise<Serving> {
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', ...args], { env: { ...process.env, ...env } });
  let text = '';
  const listeners = new Set<() => void>();
  const collect = (c: Buffer): void => {
    text += c;
    for (const l of listeners) l();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(resolve => child.once('exit', (code, signal) => resolve({ code, signal })));
  const waitFor = (pattern: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(text)) return;
      done();
      resolve();
    };
    const timer = setTimeout(() => { done(); reject(new Error(`no ${pattern} in 60 s:\n${text}`)); }, 60_000);
    const done = (): void => { clearTimeout(timer); listeners.delete(check); };
    listeners.add(check);
    void exited.then(({ code, signal }) => { if (listeners.has(check)) { done(); reject(new Error(`serve exited (${code ?? signal}) before ${pattern}:\n${text}`)); } });
    check();
  });
  await waitFor(/Server: /);
  return { process: child, url: /at (https?:\/\/[^/]+)\//.exec(text)![1], output: () => text, waitFor, exited };
}
