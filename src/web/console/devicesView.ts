// The device table shared by the operator's all-devices page and a user's own devices, and the
// actions on one device: the same store calls as `convene device wipe|remove` (src/cli/device.ts).
import type { SyncedCollection } from '../../store/Store.js';
import type { Device } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import { inspectorUrl } from '../inspector/page.js';
import type { ConsoleContext } from './context.js';

export function policyState(d: Device): string {
  if (d.wipe) {
    const what = d.wipe.kind === 'account' ? 'account-only wipe' : 'wipe';
    return `${what} ${{ requested: 'requested', sent: 'sent to the device', done: 'done', failed: 'failed' }[d.wipe.status]}`;
  }
  if (d.pendingPolicyKey !== null) return 'provisioning (waiting for acknowledgement)';
  return d.policyKey !== null ? 'provisioned' : 'not provisioned';
}

const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Groups the store's collection states by device (they come ordered by device, then folder name). */
export function byDevice(states: SyncedCollection[]): Map<number, SyncedCollection[]> {
  const out = new Map<number, SyncedCollection[]>();
  for (const c of states) {
    const list = out.get(c.devicePk);
    if (list) list.push(c);
    else out.set(c.devicePk, [c]);
  }
  return out;
}

/** Each synced collection: its folder name, when its state was last saved, and the SyncKey it holds. */
function syncedList(states: SyncedCollection[] | undefined): string {
  if (!states?.length) return 'none yet';
  return '<ul>' + states.map(c => `<li>${esc(c.folderName)} — ${when(c.syncedAt)} <small>(SyncKey ${c.syncKey})</small></li>`).join('') + '</ul>';
}

/**
 * One row per device; `action` is the form target, `account` shown when several accounts are
 * listed, `synced` (the operator page) adds each device's last sync per folder.
 */
export function deviceTable(ctx: ConsoleContext, rows: { device: Device; account: string }[], action: string, showAccount: boolean,
  synced?: Map<number, SyncedCollection[]>): string {
  if (rows.length === 0) return '<p>No devices have connected yet.</p>';
  const head = `<tr>${showAccount ? '<th scope="col">Account</th>' : ''}<th scope="col">Device</th><th scope="col">Type</th><th scope="col">User agent</th>`
    + `<th scope="col">EAS</th><th scope="col">Policy</th><th scope="col">Last request</th>${synced ? '<th scope="col">Last sync per folder</th>' : ''}<th scope="col">Actions</th></tr>`;
  const body = rows.map(({ device: d, account }) => {
    const hidden = `${ctx.csrfField}<input type="hidden" name="device" value="${d.id}">`;
    const button = (op: string, label: string) =>
      `<form class="inline" method="post" action="${action}">${hidden}<input type="hidden" name="op" value="${op}"><button>${label}</button></form>`;
    const actions = button('wipe', 'Wipe') + (d.protocolVersion === '16.1' ? ' ' + button('account-wipe', 'Account-only wipe') : '')
      + (ctx.viewer.admin ? ' ' + button('remove', 'Remove') : '');
    return `<tr>${showAccount ? `<td>${esc(account)}</td>` : ''}<td>${ctx.viewer.admin ? `<a href="${inspectorUrl(d.id)}"><code>${esc(d.deviceId)}</code></a>` : `<code>${esc(d.deviceId)}</code>`}</td><td>${esc(d.deviceType)}</td>`
      + `<td>${esc(d.userAgent)}</td><td>${esc(d.protocolVersion)}</td><td>${esc(policyState(d))}</td><td>${when(d.lastSeen)}</td>${synced ? `<td>${syncedList(synced.get(d.id))}</td>` : ''}<td>${actions}</td></tr>`;
  }).join('');
  return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Applies a posted device action to a device of one of `accounts`; returns the message to show. */
export async function deviceAction(ctx: ConsoleContext, devices: Device[]): Promise<string> {
  const pk = Number(ctx.form?.get('device'));
  const device = devices.find(d => d.id === pk);
  if (!device) return 'No such device.';
  switch (ctx.form?.get('op')) {
    case 'wipe':
      await ctx.store.requestWipe(device.id, 'full');
      return `Wipe of ${device.deviceId} requested: the device is told on its next request.`;
    case 'account-wipe':
      // MS-ASPROV 2.2.2.1 AccountOnlyRemoteWipe exists from protocol 16.1 on.
      if (device.protocolVersion !== '16.1') return `${device.deviceId} speaks EAS ${device.protocolVersion}; an account-only wipe needs 16.1.`;
      await ctx.store.requestWipe(device.id, 'account');
      return `Account-only wipe of ${device.deviceId} requested.`;
    case 'remove':
      if (!ctx.viewer.admin) return 'Only operators remove devices.';
      await ctx.store.removeDevice(device.userId, device.deviceId);
      return `${device.deviceId} removed with its sync state.`;
    default:
      return 'Unknown action.';
  }
}
