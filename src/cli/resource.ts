// `convene resource add|list|remove`: rooms and equipment that answer invitations themselves
// (docs/resources-delegates.md). A resource is an account nobody signs in to: its password hash is
// no scrypt hash, so EAS and DAV logon refuse it as they refuse a wrong password.
import { AccountError, checkAddress } from '../accounts/accounts.js';
import { StoreError, type Resource, type Store } from '../store/Store.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';

export const RESOURCE_HELP = `convene resource add ADDRESS --name "Room 4" [--capacity 8] [--policy auto|manual]
                     [--booking-window 180d] [--max-duration 4h] [--allow-conflicts]
convene resource list
convene resource remove ADDRESS
  auto (the default): invitations are accepted when the resource is free and within its policy,
  declined with the reason otherwise; manual: they wait in the resource's Inbox (and reach its
  delegates: convene delegate add).
  --booking-window: how far ahead it can be booked (days, "180d"); --max-duration: the longest
  meeting ("4h", "90m"). Each takes --data DIR / --db URL (CONVENE_DATA / CONVENE_DB) to choose the store.`;

const FLAGS = {
  ...STORE_FLAGS, name: { type: 'string' }, capacity: { type: 'string' }, policy: { type: 'string' },
  'booking-window': { type: 'string' }, 'max-duration': { type: 'string' }, 'allow-conflicts': { type: 'boolean' },
} as const;

/** Never a usable scrypt hash (accounts/password.ts): no password opens a resource. */
export const NO_LOGON = '!resource';

type Values = ReturnType<typeof parse<typeof FLAGS>>['values'];

export async function resourceCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, FLAGS);
  if (values.help || !action) return console.log(RESOURCE_HELP);
  const address = positionals[0];
  // Everything the command line decides is checked before a store opens.
  if (action === 'add') {
    const settings = settingsOf(values);
    const email = checkAddress(need(address));
    return withStore(values, store => add(store, email, settings));
  }
  if (action === 'list') return withStore(values, list);
  if (action === 'remove') {
    const email = checkAddress(need(address));
    return withStore(values, store => remove(store, email));
  }
  throw new UsageError(`unknown action "resource ${action}" (convene resource --help lists them)`);
}

function need(address: string | undefined): string {
  if (!address) throw new UsageError('an address is needed (convene resource --help)');
  return address;
}

type Settings = Omit<Resource, 'userId'>;

export function settingsOf(values: Values): Settings {
  const name = values.name?.trim();
  if (!name) throw new UsageError('--name is needed: the name people see, e.g. --name "Room 4"');
  const policy = values.policy ?? 'auto';
  if (policy !== 'auto' && policy !== 'manual') throw new UsageError(`--policy must be auto or manual, not "${policy}"`);
  return {
    name, policy, allowConflicts: values['allow-conflicts'] ?? false,
    capacity: values.capacity === undefined ? undefined : count(values.capacity, '--capacity'),
    bookingWindowDays: values['booking-window'] === undefined ? undefined : span(values['booking-window'], '--booking-window', { d: 1 }),
    maxDurationMinutes: values['max-duration'] === undefined ? undefined : span(values['max-duration'], '--max-duration', { h: 60, m: 1 }),
  };
}

/** A whole number ≥ 1 below a sane ceiling. */
function count(value: string, flag: string): number {
  if (!/^\d{1,6}$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} must be a whole number from 1, not "${value}"`);
  return Number(value);
}

/** "180d", "4h", "90m" in the unit the store keeps (days, minutes). */
function span(value: string, flag: string, units: Record<string, number>): number {
  const m = /^(\d{1,6})([a-z])$/.exec(value);
  const factor = m && units[m[2]!];
  if (!m || !factor || Number(m[1]) < 1) throw new UsageError(`${flag} must be a number with a unit (${Object.keys(units).join(' or ')}), e.g. ${flag === '--booking-window' ? '180d' : '4h'}; not "${value}"`);
  return Number(m[1]) * factor;
}

async function add(store: Store, email: string, settings: Settings): Promise<void> {
  let user = await store.findUserByEmail(email);
  if (user && !(await store.resourcesOf([user.id])).has(user.id)) throw new AccountError(`${email} is a person's account, not a resource`);
  try {
    user ??= await store.createUser({ email, displayName: settings.name, passwordHash: NO_LOGON });
  } catch (e) {
    if (e instanceof StoreError && e.code === 'USER_EXISTS') throw new AccountError(e.message);
    throw e;
  }
  await store.setResource({ userId: user.id, ...settings });
  console.log(`Resource ${email} (${describe(settings)}).`);
}

async function list(store: Store): Promise<void> {
  const resources = await store.listResources();
  if (!resources.length) return console.log('No resources. Add one with: convene resource add room-4@example.com --name "Room 4"');
  const users = new Map((await store.listUsers()).map(u => [u.id, u]));
  for (const r of resources) console.log(`${users.get(r.userId)?.email ?? '?'}\t${describe(r)}`);
}

async function remove(store: Store, email: string): Promise<void> {
  const user = await store.findUserByEmail(email);
  if (!user || !(await store.resourcesOf([user.id])).has(user.id)) throw new AccountError(`no resource ${email}`);
  await store.removeUser(user.id);
  console.log(`Removed the resource ${email} and its calendar.`);
}

function describe(r: Settings): string {
  return [r.name, r.capacity !== undefined ? `capacity ${r.capacity}` : '', r.policy,
    r.bookingWindowDays !== undefined ? `books ${r.bookingWindowDays}d ahead` : '', r.maxDurationMinutes !== undefined ? `at most ${r.maxDurationMinutes} min` : '',
    r.allowConflicts ? 'conflicts allowed' : ''].filter(Boolean).join(', ');
}
