// `convene`: the one entry point. Errors a person can fix are printed plainly, never as a stack.
import { readFileSync } from 'node:fs';
import { AccountError } from '../accounts/accounts.js';
import { WbxmlError } from '../wbxml/index.js';
import { CalendarError } from '../calendar/errors.js';
import { BACKUP_HELP, backupCommand, RESTORE_HELP, restoreCommand } from './backup.js';
import { CALENDAR_HELP, calendarCommand } from './calendar.js';
import { DEVICE_HELP, deviceCommand } from './device.js';
import { DKIM_HELP, dkimCommand } from './dkim.js';
import { CliError, plainReason } from './errors.js';
import { MIGRATE_HELP, migrateCommand } from './migrate.js';
import { UsageError } from './options.js';
import { SERVE_HELP, serveCommand } from './serve.js';
import { RESOURCE_HELP, resourceCommand } from './resource.js';
import { DELEGATE_HELP, delegateCommand } from './delegate.js';
import { USER_HELP, userCommand } from './user.js';
import { WBXML_HELP, wbxmlCommand } from './wbxml.js';
import { CLIENT_HELP, clientCommand } from './client/index.js';
import { DEMO_HELP, demoCommand } from './demo.js';
import { LOG_HELP, logCommand } from './log.js';

const HELP = `Convene — an Exchange ActiveSync server with server-side scheduling

Usage:
${SERVE_HELP}

${USER_HELP}

${RESOURCE_HELP}

${DELEGATE_HELP}

${DEVICE_HELP}

${DKIM_HELP}

${CALENDAR_HELP}

${BACKUP_HELP}

${RESTORE_HELP}

${MIGRATE_HELP}

${WBXML_HELP}

${LOG_HELP}

${CLIENT_HELP}

${DEMO_HELP}`;

/** ownHelp: the command answers --help itself, per subcommand (`convene client sync --help`). */
const COMMANDS: Record<string, { run: (args: string[]) => Promise<void>; help: string; ownHelp?: boolean }> = {
  serve: { run: serveCommand, help: SERVE_HELP },
  user: { run: userCommand, help: USER_HELP },
  resource: { run: resourceCommand, help: RESOURCE_HELP },
  delegate: { run: delegateCommand, help: DELEGATE_HELP },
  device: { run: deviceCommand, help: DEVICE_HELP },
  dkim: { run: dkimCommand, help: DKIM_HELP },
  calendar: { run: calendarCommand, help: CALENDAR_HELP },
  backup: { run: backupCommand, help: BACKUP_HELP },
  restore: { run: restoreCommand, help: RESTORE_HELP },
  migrate: { run: migrateCommand, help: MIGRATE_HELP },
  wbxml: { run: wbxmlCommand, help: WBXML_HELP },
  log: { run: logCommand, help: LOG_HELP },
  client: { run: clientCommand, help: CLIENT_HELP, ownHelp: true },
  demo: { run: demoCommand, help: DEMO_HELP },
};

const isHelp = (arg: string | undefined) => arg === 'help' || arg === '--help' || arg === '-h';

/** The version in package.json (dist/src/cli/main.js and src/cli/main.ts both sit three levels down). */
export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || isHelp(command)) {
    console.log(HELP);
    return 0;
  }
  if (command === '--version' || command === '-V' || command === 'version') {
    console.log(`convene ${version()}`);
    return 0;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    console.error(`convene: unknown command "${command}" (convene --help lists them)`);
    return 2;
  }
  // Help at every level, before anything opens a store: `convene user --help`, `convene user add -h`,
  // `convene user help` (a bare "help" later on may be a value: a DeviceId, a name).
  if (!entry.ownHelp && (args[0] === 'help' || args.some(a => a === '--help' || a === '-h'))) {
    console.log(entry.help);
    return 0;
  }
  const run = entry.run;
  try {
    await run(args);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`convene: ${e.message}`);
      return 2;
    }
    if (e instanceof CliError) {
      console.error(`convene: ${e.message}`);
      if (process.env.CONVENE_DEBUG && e.cause instanceof Error) console.error(e.cause.stack);
      return e.exitCode;
    }
    if (e instanceof AccountError || e instanceof WbxmlError || e instanceof CalendarError) {
      console.error(`convene: ${(e as Error).message}`);
      return 1;
    }
    // A file, a port or a database server said no: its reason in plain words.
    const reason = plainReason(e);
    if (reason !== undefined) {
      console.error(`convene: ${reason}`);
      return 1;
    }
    // Anything else is a bug: one line for the person, the stack with CONVENE_DEBUG=1.
    if (process.env.CONVENE_DEBUG) throw e;
    console.error(`convene: unexpected error: ${e instanceof Error ? e.message : String(e)} (CONVENE_DEBUG=1 shows the details)`);
    return 1;
  }
}
