// `convene calendar import ADDRESS FILE.ics` and `convene calendar export ADDRESS > FILE.ics`.
import { readFileSync } from 'node:fs';
import { AccountError } from '../accounts/accounts.js';
import { exportIcs, importIcs } from '../calendar/importExport.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';

export const CALENDAR_HELP = `convene calendar import ADDRESS FILE.ics|-   add or update the events of an iCalendar file
convene calendar export ADDRESS              the account's calendars as iCalendar on standard output
  Both take --data DIR / --db URL (CONVENE_DATA / CONVENE_DB).`;

export async function calendarCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, STORE_FLAGS);
  if (values.help || !action) return console.log(CALENDAR_HELP);
  const [address, file] = positionals;
  if (!address) throw new UsageError(`an address is needed\n${CALENDAR_HELP}`);
  await withStore(values, async store => {
    const user = await store.findUserByEmail(address);
    if (!user) throw new AccountError(`no account ${address}`);
    if (action === 'export') {
      process.stdout.write(await exportIcs(store, user.id));
      return;
    }
    if (action !== 'import') throw new UsageError(`unknown action "calendar ${action}"\n${CALENDAR_HELP}`);
    if (!file) throw new UsageError(`a file is needed\n${CALENDAR_HELP}`);
    const text = readFileSync(file === '-' ? 0 : file, 'utf8');
    const result = await importIcs(store, user.id, text, progress);
    process.stderr.write('\n');
    console.log(`Imported into ${user.email}: ${result.added} added, ${result.updated} updated, ${result.failed.length} skipped.`);
    for (const f of result.failed) console.log(`  skipped ${f.uid}: ${f.reason}`);
  });
}

/** A bar on a terminal; occasional lines otherwise, so logs stay readable. */
function progress(done: number, total: number): void {
  const share = total ? done / total : 1;
  if (process.stderr.isTTY) {
    const width = 30;
    const filled = Math.round(share * width);
    process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(width - filled)}] ${Math.round(share * 100)}% ${done}/${total} events`);
  } else if (done === total || done % 2000 === 0) {
    process.stderr.write(`${done}/${total} events\n`);
  }
}
