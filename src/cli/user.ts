// `convene user add|list|passwd|remove`: account administration on the chosen store.
import { AccountError, checkPassword, createAccount } from '../accounts/accounts.js';
import { hashPassword } from '../accounts/password.js';
import { StoreError, type Store } from '../store/Store.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';
import { readPassword } from './password.js';

export const USER_HELP = `convene user add ADDRESS [--name "Full Name"] [--password PASSWORD] [--admin]
convene user admin ADDRESS on|off
convene user list
convene user passwd ADDRESS [--password PASSWORD]
convene user remove ADDRESS
  --admin / admin on: the account may use the operator pages of the web console (docs/console.md).
  Without --password, the password is asked for (or read as one line from standard input).
  Each takes --data DIR / --db URL (CONVENE_DATA / CONVENE_DB) to choose the store.`;

const FLAGS = { ...STORE_FLAGS, password: { type: 'string' }, name: { type: 'string' }, admin: { type: 'boolean' } } as const;

export async function userCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, FLAGS);
  if (values.help || !action) return console.log(USER_HELP);
  const address = positionals[0];
  await withStore(values, async store => {
    switch (action) {
      case 'add': return add(store, need(address), values);
      case 'admin': return admin(store, need(address), positionals[1]);
      case 'list': return list(store);
      case 'passwd': return passwd(store, need(address), values.password);
      case 'remove': return remove(store, need(address));
      default: throw new UsageError(`unknown action "user ${action}"\n${USER_HELP}`);
    }
  });
}

function need(address: string | undefined): string {
  if (!address) throw new UsageError(`an address is needed\n${USER_HELP}`);
  return address;
}

async function add(store: Store, email: string, values: { password?: string | undefined; name?: string | undefined; admin?: boolean | undefined }): Promise<void> {
  const password = values.password ?? (await readPassword(`Password for ${email}: `));
  try {
    const user = await createAccount(store, { email, password, displayName: values.name });
    if (values.admin) await store.setAdmin(user.id, true);
    console.log(`Added ${user.email} (${user.displayName}) with Inbox, Drafts, Deleted Items, Sent Items, Outbox, Tasks, Calendar, Contacts, Notes and Journal.`);
  } catch (e) {
    if (e instanceof StoreError && e.code === 'USER_EXISTS') throw new AccountError(e.message);
    throw e;
  }
}

async function admin(store: Store, email: string, onOff: string | undefined): Promise<void> {
  if (onOff !== 'on' && onOff !== 'off') throw new UsageError(`say on or off: convene user admin ${email} on|off`);
  const user = await store.findUserByEmail(email);
  if (!user) throw new AccountError(`no account ${email}`);
  await store.setAdmin(user.id, onOff === 'on');
  if (onOff === 'off') await store.removeConsoleSessions(user.id);
  console.log(onOff === 'on' ? `${user.email} is an operator of the web console.` : `${user.email} is no longer an operator.`);
}

async function list(store: Store): Promise<void> {
  const users = await store.listUsers();
  if (users.length === 0) return console.log('No accounts. Add one with: convene user add you@example.com');
  for (const u of users) {
    const devices = await store.listDevices(u.id);
    const role = (await store.isAdmin(u.id)) ? '\toperator' : '';
    console.log(`${u.email}\t${u.displayName}\t${devices.length} device${devices.length === 1 ? '' : 's'}${role}`);
  }
}

async function passwd(store: Store, email: string, given: string | undefined): Promise<void> {
  const user = await store.findUserByEmail(email);
  if (!user) throw new AccountError(`no account ${email}`);
  const password = checkPassword(given ?? (await readPassword(`New password for ${email}: `)));
  await store.setPassword(user.id, await hashPassword(password));
  await store.removeConsoleSessions(user.id);
  console.log(`Password of ${user.email} changed.`);
}

async function remove(store: Store, email: string): Promise<void> {
  const user = await store.findUserByEmail(email);
  if (!user || !(await store.removeUser(user.id))) throw new AccountError(`no account ${email}`);
  console.log(`Removed ${user.email} and everything it held.`);
}
