// `convene device list|wipe|remove`: an account's devices, and remote wipe (docs/provisioning.md).
import { AccountError } from '../accounts/accounts.js';
import { describeDevice } from '../eas/deviceInformation.js';
import { atLeast, parseVersion } from '../eas/version.js';
import type { Store } from '../store/Store.js';
import type { Device, User } from '../store/types.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';

export const DEVICE_HELP = `convene device list ADDRESS
convene device wipe ADDRESS DEVICEID [--account-only]
convene device remove ADDRESS DEVICEID
convene device log ADDRESS DEVICEID on|off [--hours N]
  wipe: the device is told to erase itself on its next request and reports back (see "list");
  --account-only erases only this account's data (devices speaking EAS 16.1).
  remove: forgets the device and its sync state; after a wipe, this lets it connect again.
  log: keeps the device's requests and responses (credentials redacted) for the console's device
  inspector, from its next request, on every node, for N hours (default 24) or until "off".
  Each takes --data DIR / --db URL (CONVENE_DATA / CONVENE_DB) to choose the store.`;

const FLAGS = { ...STORE_FLAGS, 'account-only': { type: 'boolean' }, hours: { type: 'string' } } as const;

export async function deviceCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, FLAGS);
  if (values.help || !action || action === 'help' || action === '--help' || action === '-h') return console.log(DEVICE_HELP);
  const [address, deviceId] = positionals;
  if (!address) throw new UsageError(`an address is needed\n${DEVICE_HELP}`);
  if (action !== 'list' && !deviceId) throw new UsageError(`a DeviceId is needed (see "convene device list ${address}")`);
  await withStore(values, async store => {
    const user = await store.findUserByEmail(address);
    if (!user) throw new AccountError(`no account ${address}`);
    switch (action) {
      case 'list': return list(store, user);
      case 'wipe': return wipe(store, user, deviceId!, values['account-only'] ?? false);
      case 'remove': return remove(store, user, deviceId!);
      case 'log': return log(store, user, deviceId!, positionals[2], values.hours);
      default: throw new UsageError(`unknown action "device ${action}"\n${DEVICE_HELP}`);
    }
  });
}

async function list(store: Store, user: User): Promise<void> {
  const devices = await store.listDevices(user.id);
  if (devices.length === 0) return console.log(`${user.email} has no devices yet.`);
  for (const d of devices) {
    const seen = new Date(d.lastSeen).toISOString().replace(/\.\d+Z$/, 'Z');
    console.log([d.deviceId, d.deviceType, `EAS ${d.protocolVersion}`, `last seen ${seen}`, state(d), describeDevice(d.information)]
      .filter(Boolean).join('\t'));
  }
}

function state(d: Device): string {
  if (d.wipe) {
    const what = d.wipe.kind === 'account' ? 'account wipe' : 'wipe';
    const when = new Date(d.wipe.updatedAt).toISOString().replace(/\.\d+Z$/, 'Z');
    const progress = { requested: 'requested', sent: 'sent to the device', done: 'done', failed: 'failed' }[d.wipe.status];
    return `${what} ${progress} (${when})`;
  }
  return d.policyKey !== null ? 'provisioned' : 'not provisioned';
}

async function wipe(store: Store, user: User, deviceId: string, accountOnly: boolean): Promise<void> {
  const device = await findDevice(store, user, deviceId);
  // MS-ASPROV 2.2.2.1: AccountOnlyRemoteWipe exists in protocol 16.1 only.
  const version = parseVersion(device.protocolVersion);
  if (accountOnly && !(version && atLeast(version, '16.1'))) {
    throw new AccountError(`${deviceId} speaks EAS ${device.protocolVersion}; an account-only wipe needs 16.1 (a full wipe works)`);
  }
  await store.requestWipe(device.id, accountOnly ? 'account' : 'full');
  console.log(`${accountOnly ? 'Account-only wipe' : 'Wipe'} of ${deviceId} (${user.email}) requested: the device is told on its `
    + `next request. Follow it with "convene device list ${user.email}".`);
}

async function log(store: Store, user: User, deviceId: string, onOff: string | undefined, hours: string | undefined): Promise<void> {
  if (onOff !== 'on' && onOff !== 'off') throw new UsageError(`"device log" needs on or off\n${DEVICE_HELP}`);
  const h = hours === undefined ? 24 : Number(hours);
  if (!Number.isFinite(h) || h <= 0 || h > 24 * 30) throw new UsageError(`--hours must be a number of hours, above 0 and at most 720`);
  const device = await findDevice(store, user, deviceId);
  await store.setDeviceLogging(device.id, onOff === 'on' ? Date.now() + h * 3600_000 : null);
  console.log(onOff === 'on' ? `Protocol log of ${device.deviceId} (${user.email}) on for ${h} hours, from its next request.`
    : `Protocol log of ${device.deviceId} (${user.email}) off.`);
}

async function remove(store: Store, user: User, deviceId: string): Promise<void> {
  const device = await findDevice(store, user, deviceId);
  await store.removeDevice(user.id, device.deviceId);
  console.log(`Forgot ${device.deviceId} of ${user.email}; if it connects again it starts afresh.`);
}

/** The device with exactly this DeviceId; else the only one that differs in letter case alone. */
async function findDevice(store: Store, user: User, deviceId: string): Promise<Device> {
  const devices = await store.listDevices(user.id);
  const exact = devices.find(d => d.deviceId === deviceId);
  if (exact) return exact;
  const alike = devices.filter(d => d.deviceId.toLowerCase() === deviceId.toLowerCase());
  if (alike.length > 1) throw new AccountError(`${deviceId} is ambiguous: ${alike.map(d => d.deviceId).join(', ')} — give it exactly`);
  if (!alike[0]) throw new AccountError(`${user.email} has no device ${deviceId} (see "convene device list ${user.email}")`);
  return alike[0];
}
