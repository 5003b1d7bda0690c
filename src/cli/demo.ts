// `convene demo` (npm run demo): a server on a temporary store, Alice and Bob, and the meeting
// walkthrough played step by step through the client library (src/cli/demoSteps.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { createAccount } from '../accounts/accounts.js';
import { createEasServer } from '../eas/http/server.js';
import { openStore } from '../store/open.js';
import { printExchange } from './client/output.js';
import { playWalkthrough } from './demoSteps.js';
import { parse } from './options.js';

export const DEMO_HELP = `convene demo [--xml]            the meeting walkthrough between Alice and Bob on a temporary server
  (16.1 invitation and answer, a 14.1 phone answering by SendMail, a recurring meeting); --xml shows
  every request and response. Nothing is kept afterwards.`;

const STATUS_WORDS: Record<string, string> = { 0: 'no response', 2: 'tentative', 3: 'accepted', 4: 'declined', 5: 'not responded' };

export async function demoCommand(args: string[]): Promise<void> {
  const { values } = parse(args, { xml: { type: 'boolean' } });
  if (values.help) return console.log(DEMO_HELP);
  const dir = mkdtempSync(join(tmpdir(), 'convene-demo-'));
  // `convene demo --xml | head`: a reader that went away ends the demo quietly, its store removed.
  process.stdout.on('error', e => {
    if ((e as NodeJS.ErrnoException).code !== 'EPIPE') return;
    rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  const store = await openStore({ dataDir: dir });
  const server = createEasServer({ store, log: pino({ level: 'silent' }) });
  try {
    const password = randomBytes(12).toString('base64url');
    const alice = 'alice@example.com';
    const bob = 'bob@example.com';
    await createAccount(store, { email: alice, password, displayName: 'Alice' });
    await createAccount(store, { email: bob, password, displayName: 'Bob' });
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    console.log(`A Convene server runs at ${url} on a temporary store, with the accounts ${alice} and ${bob}.`);
    let step = 0;
    const say = (sentence: string): void => { console.log(`${++step}. ${sentence}`); };
    const write = (s: string): void => { process.stdout.write(s.replace(/^(?=.)/gm, '     ')); };
    const outcome = await playWalkthrough({ url, password, alice, bob }, say,
      values.xml ? (who, x) => { process.stdout.write(`   [${who}]\n`); printExchange(x, write); } : undefined);
    console.log('\nSummary');
    for (const [who, mail] of Object.entries(outcome.received)) console.log(`  ${who} received ${mail.length}: ${mail.join('; ')}`);
    for (const s of outcome.statuses) console.log(`  ${s.meeting}: Bob's AttendeeStatus on Alice's calendar is ${s.status} (${STATUS_WORDS[s.status] ?? '?'})`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>(resolve => server.close(() => resolve()));
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
