// `convene delegate add|list|remove`: someone who receives and answers another account's meeting
// requests (docs/resources-delegates.md, "Delegates").
import { AccountError, checkAddress } from '../accounts/accounts.js';
import type { Delegate, Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';

export const DELEGATE_HELP = `convene delegate add PRINCIPAL DELEGATE [--calendar none|reviewer|editor]
                     [--receive-copies | --requests-to-delegate-only]
convene delegate list [PRINCIPAL]
convene delegate remove PRINCIPAL DELEGATE
  The delegate receives the principal's meeting requests in its own Inbox and answers them for the
  principal (the organizer sees the principal's answer, sent by the delegate). Only an editor of the
  principal's calendar does (--calendar editor, the default). The delegate's devices also show the
  principal's calendar: an editor's edit it (meetings organized there are the principal's, sent by the
  delegate), a reviewer's read it, with none they do not show it.
  --receive-copies (the default): the principal keeps a copy of each request that it cannot answer;
  --requests-to-delegate-only: it gets none. Each takes --data DIR / --db URL (CONVENE_DATA / CONVENE_DB).`;

const FLAGS = {
  ...STORE_FLAGS, calendar: { type: 'string' }, 'receive-copies': { type: 'boolean' }, 'requests-to-delegate-only': { type: 'boolean' },
} as const;

type Settings = Pick<Delegate, 'calendar' | 'principalCopies'>;

export async function delegateCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, FLAGS);
  if (values.help || !action) return console.log(DELEGATE_HELP);
  // Everything the command line decides is checked before a store opens.
  if (action === 'add' || action === 'remove') {
    const [principal, delegate, extra] = positionals.map(checkAddress);
    if (!principal || !delegate) throw new UsageError(`two addresses are needed: convene delegate ${action} PRINCIPAL DELEGATE`);
    if (extra) throw new UsageError(`one principal and one delegate at a time, not "${extra}"`);
    if (principal === delegate) throw new UsageError(`${principal} cannot be its own delegate`);
    if (action === 'remove') return withStore(values, store => remove(store, principal, delegate));
    const settings = settingsOf(values);
    return withStore(values, store => add(store, principal, delegate, settings));
  }
  if (action === 'list') {
    if (positionals.length > 1) throw new UsageError('convene delegate list takes at most one address');
    const principal = positionals[0] === undefined ? undefined : checkAddress(positionals[0]);
    return withStore(values, store => list(store, principal));
  }
  throw new UsageError(`unknown action "delegate ${action}" (convene delegate --help lists them)`);
}

function settingsOf(values: ReturnType<typeof parse<typeof FLAGS>>['values']): Settings {
  const calendar = values.calendar ?? 'editor';
  if (calendar !== 'none' && calendar !== 'reviewer' && calendar !== 'editor') throw new UsageError(`--calendar must be none, reviewer or editor, not "${calendar}"`);
  if (values['receive-copies'] && values['requests-to-delegate-only']) throw new UsageError('--receive-copies and --requests-to-delegate-only exclude each other: choose one');
  return { calendar, principalCopies: !values['requests-to-delegate-only'] };
}

async function account(store: Store, email: string, role: string): Promise<User> {
  const user = await store.findUserByEmail(email);
  if (!user) throw new AccountError(`no account ${email} (the ${role})`);
  return user;
}

async function add(store: Store, principalEmail: string, delegateEmail: string, settings: Settings): Promise<void> {
  const principal = await account(store, principalEmail, 'principal');
  const delegate = await account(store, delegateEmail, 'delegate');
  const resources = await store.resourcesOf([principal.id, delegate.id]);
  // An `auto` resource answers its invitations itself: a delegate would never see them.
  if (resources.get(principal.id)?.policy === 'auto') throw new AccountError(`${principalEmail} is a resource that answers itself; give it --policy manual first (convene resource add)`);
  if (resources.has(delegate.id)) throw new AccountError(`${delegateEmail} is a resource: it cannot act as a delegate`);
  await store.setDelegate({ principalId: principal.id, delegateId: delegate.id, ...settings });
  console.log(`${delegateEmail} is now a delegate of ${principalEmail} (${describe(settings)}).`);
}

async function list(store: Store, principalEmail: string | undefined): Promise<void> {
  const principal = principalEmail === undefined ? undefined : await account(store, principalEmail, 'principal');
  const all = principal ? await store.delegatesOf([principal.id]) : await store.listDelegates();
  if (!all.length) return console.log(principalEmail ? `${principalEmail} has no delegates.` : 'No delegates. Add one with: convene delegate add boss@example.com assistant@example.com');
  for (const d of all) console.log(`${d.principalEmail}\t${d.delegateEmail}\t${describe(d)}`);
}

async function remove(store: Store, principalEmail: string, delegateEmail: string): Promise<void> {
  const principal = await account(store, principalEmail, 'principal');
  const delegate = await account(store, delegateEmail, 'delegate');
  if (!(await store.removeDelegate(principal.id, delegate.id))) throw new AccountError(`${delegateEmail} is not a delegate of ${principalEmail}`);
  console.log(`${delegateEmail} is no longer a delegate of ${principalEmail}.`);
}

function describe(s: Settings): string {
  const requests = s.calendar !== 'editor' ? 'receives no meeting requests'
    : s.principalCopies ? 'receives meeting requests, the principal keeps copies' : 'receives meeting requests, the principal none';
  return `calendar ${s.calendar}, ${requests}`;
}
