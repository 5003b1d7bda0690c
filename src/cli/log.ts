// `convene log list|show`: reading the per-device protocol logs (`convene serve --log-devices`,
// src/eas/protocolLog.ts) as they are on disk: <data>/logs/<account>/<DeviceId>.log, rotated to
// .log.1 … .log.N, each exchange starting with a line "=== TIME METHOD URL → STATUS (N ms)".
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMAND_CODES } from '../client/query.js';
import { CliError } from './errors.js';
import { parse, storeLocation, STORE_FLAGS, UsageError } from './options.js';

export const LOG_HELP = `convene log list [--data DIR]    the devices with a protocol log (serve --log-devices)
convene log show ADDRESS DEVICEID [--cmd CMD] [--follow] [--data DIR]
                                 a device's exchanges, oldest first; --cmd keeps one command (Sync, Ping…);
                                 --follow keeps printing new ones until interrupted`;

export async function logCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { ...STORE_FLAGS, cmd: { type: 'string' }, follow: { type: 'boolean' } });
  if (values.help || !action || action === 'help') return console.log(LOG_HELP);
  const dir = join(storeLocation(values).dataDir, 'logs');
  if (action === 'list') return list(dir);
  if (action !== 'show') throw new UsageError(`unknown action "log ${action}"\n${LOG_HELP}`);
  const [address, deviceId] = positionals;
  if (!address || !deviceId) throw new UsageError('usage: convene log show ADDRESS DEVICEID [--cmd CMD] [--follow]');
  const file = join(dir, safeName(address), `${safeName(deviceId)}.log`);
  if (!existsSync(file) && !values.follow) throw new CliError(`no protocol log for ${address} ${deviceId} (convene log list shows the logged devices)`);
  const filter = (entry: string) => values.cmd === undefined || commandOf(entry)?.toLowerCase() === values.cmd.toLowerCase();
  for (const f of rotated(file)) process.stdout.write(entries(readFileSync(f, 'utf8')).filter(filter).join(''));
  if (values.follow) await follow(file, filter);
}

function list(dir: string): void {
  if (!existsSync(dir)) throw new CliError(`no protocol logs in ${dir} (convene serve --log-devices writes them)`);
  const rows: string[][] = [];
  for (const account of readdirSync(dir).sort()) {
    const folder = join(dir, account);
    if (!statSync(folder).isDirectory()) continue;
    for (const name of readdirSync(folder).filter(n => n.endsWith('.log')).sort()) {
      const files = rotated(join(folder, name));
      const text = files.map(f => readFileSync(f, 'utf8')).join('');
      const last = statSync(join(folder, name));
      rows.push([account, name.slice(0, -'.log'.length), String(entries(text).length), `${Math.ceil(files.reduce((n, f) => n + statSync(f).size, 0) / 1024)} KiB`, last.mtime.toISOString()]);
    }
  }
  const header = ['ACCOUNT', 'DEVICEID', 'EXCHANGES', 'SIZE', 'LAST WRITTEN'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
  for (const r of [header, ...rows]) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** The current file and its rotated predecessors, oldest first. */
function rotated(file: string): string[] {
  const older: string[] = [];
  for (let n = 1; existsSync(`${file}.${n}`); n++) older.unshift(`${file}.${n}`);
  return existsSync(file) ? [...older, file] : older;
}

/** The log split into exchanges, each from its "=== " line. */
function entries(text: string): string[] {
  return text.split(/^(?==== )/m).filter(e => e.startsWith('=== '));
}

/** The command of an exchange: Cmd= of the plain query, or the code in a base64 one (MS-ASHTTP 2.2.1.1.1.1). */
export function commandOf(entry: string): string | undefined {
  const url = /^=== \S+ (\S+) (\S+)/.exec(entry);
  if (!url) return undefined;
  if (url[1] === 'OPTIONS') return 'OPTIONS';
  const query = url[2]!.split('?')[1] ?? '';
  const plain = new URLSearchParams(query).get('Cmd');
  if (plain) return plain;
  const bytes = Buffer.from(decodeURIComponent(query), 'base64');
  return bytes.length > 1 ? Object.entries(COMMAND_CODES).find(([, code]) => code === bytes[1])?.[0] : undefined;
}

/** Prints what is appended from now on; starts again from the top when the file is rotated. */
async function follow(file: string, filter: (entry: string) => boolean): Promise<void> {
  let offset = existsSync(file) ? statSync(file).size : 0;
  let pending = '';
  for (;;) {
    await new Promise(resolve => setTimeout(resolve, 500));
    if (!existsSync(file)) continue;
    const size = statSync(file).size;
    if (size < offset) offset = 0;
    if (size === offset) continue;
    const handle = await open(file, 'r');
    const chunk = Buffer.alloc(size - offset);
    await handle.read(chunk, 0, chunk.length, offset);
    await handle.close();
    offset = size;
    pending += chunk.toString('utf8');
    // An exchange is complete once the next one starts or it ends with its blank line.
    const parts = entries(pending);
    const complete = pending.endsWith('\n\n') ? parts : parts.slice(0, -1);
    pending = pending.endsWith('\n\n') ? '' : parts[parts.length - 1] ?? pending;
    process.stdout.write(complete.filter(filter).join(''));
  }
}

/** The file name the protocol log gives an account or device (src/eas/protocolLog.ts safeName). */
function safeName(s: string): string {
  return s.replace(/[^A-Za-z0-9@._-]/g, '_').slice(0, 128) || '_';
}
