// Reading a password without putting it on the command line: prompted twice on a terminal,
// one line from standard input otherwise (for scripts).
import { createInterface } from 'node:readline';
import { CliError } from './errors.js';

/** The shell's status for a command ended by Ctrl-C: 128 + SIGINT. */
const CANCELLED = 130;

export async function readPassword(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) return readLine();
  const keys = new TerminalKeys();
  try {
    const first = await keys.line(prompt);
    const second = await keys.line('Again: ');
    if (first !== second) throw new CliError('the two passwords differ; nothing was changed');
    return first;
  } finally {
    keys.close();
  }
}

async function readLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  for await (const line of rl) {
    rl.close();
    return line;
  }
  return '';
}

/**
 * The terminal in raw mode (nothing echoed): keys are read as they come and kept, so a line typed
 * ahead (or pasted with both answers) belongs to the next prompt instead of being lost. Raw mode
 * also turns Ctrl-C into a key rather than a signal: it cancels, like Ctrl-D on an empty line.
 */
class TerminalKeys {
  private pending = '';
  private waiter: (() => void) | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.pending += chunk.toString('utf8');
    this.waiter?.();
  };

  constructor() {
    process.stdin.setRawMode(true);
    process.stdin.on('data', this.onData);
    process.stdin.resume();
  }

  async line(prompt: string): Promise<string> {
    process.stdout.write(prompt);
    let value = '';
    for (;;) {
      while (this.pending.length === 0) await new Promise<void>(resolve => { this.waiter = resolve; });
      this.waiter = undefined;
      const chars = [...this.pending];
      for (let i = 0; i < chars.length; i++) {
        const ch = chars[i];
        if (ch === '\r' || ch === '\n') {
          this.pending = chars.slice(i + 1).join('').replace(/^\n/, '');
          process.stdout.write('\n');
          return value;
        }
        if (ch === '\u0003' || (ch === '\u0004' && value === '')) {
          process.stdout.write('\n');
          throw new CliError('cancelled; nothing was changed', CANCELLED);
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
      this.pending = '';
    }
  }

  close(): void {
    process.stdin.off('data', this.onData);
    process.stdin.setRawMode(false);
    process.stdin.pause();
  }
}
