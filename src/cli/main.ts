// `convene`: the one entry point. Errors a person can fix are printed plainly, never as a stack.
import { AccountError } from '../accounts/accounts.js';
import { WbxmlError } from '../wbxml/index.js';
import { CalendarError } from '../calendar/errors.js';
import { CALENDAR_HELP, calendarCommand } from './calendar.js';
import { DEVICE_HELP, deviceCommand } from './device.js';
import { UsageError } from './options.js';
import { SERVE_HELP, serveCommand } from './serve.js';
import { USER_HELP, userCommand } from './user.js';
import { WBXML_HELP, wbxmlCommand } from './wbxml.js';

const HELP = `Convene — an Exchange ActiveSync server with server-side scheduling

Usage:
${SERVE_HELP}

${USER_HELP}

${DEVICE_HELP}

${CALENDAR_HELP}

${WBXML_HELP}`;

const COMMANDS: Record<string, (args: string[]) => Promise<void>> = {
  serve: serveCommand,
  user: userCommand,
  device: deviceCommand,
  calendar: calendarCommand,
  wbxml: wbxmlCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return 0;
  }
  const run = COMMANDS[command];
  if (!run) {
    console.error(`convene: unknown command "${command}"\n\n${HELP}`);
    return 2;
  }
  try {
    await run(args);
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`convene: ${e.message}`);
      return 2;
    }
    if (e instanceof AccountError || e instanceof WbxmlError || e instanceof CalendarError || isSystemError(e)) {
      console.error(`convene: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}

function isSystemError(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((e as NodeJS.ErrnoException).code!);
}
