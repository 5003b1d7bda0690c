// Operator pages (docs/console.md): accounts (add, remove, reset password, operator flag), the
// devices of all accounts with wipe / account-only wipe / remove, and the server's numbers (the
// registry `/metrics` serves). The mount lets only operators reach them.
import { AccountError, checkPassword, createAccount } from '../../accounts/accounts.js';
import { hashPassword } from '../../accounts/password.js';
import { StoreError } from '../../store/Store.js';
import type { Device } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import type { ConsoleContext, Route } from './context.js';
import { byDevice, deviceAction, deviceTable } from './devicesView.js';

const message = (text: string | undefined, ok: boolean) => (text ? `<p class="${ok ? 'ok' : 'err'}" role="status">${esc(text)}</p>` : '');

async function accounts(ctx: ConsoleContext): Promise<void> {
  let note: { text: string; ok: boolean } | undefined;
  if (ctx.form) note = await accountAction(ctx, ctx.form);
  const users = await ctx.store.listUsers();
  const rows = await Promise.all(users.map(async u => {
    const admin = await ctx.store.isAdmin(u.id);
    const devices = (await ctx.store.listDevices(u.id)).length;
    const form = (op: string, inner: string, label: string) =>
      `<form class="inline" method="post">${ctx.csrfField}<input type="hidden" name="op" value="${op}"><input type="hidden" name="address" value="${esc(u.email)}">${inner}<button>${label}</button></form>`;
    const self = u.id === ctx.viewer.user.id;
    return `<tr><td>${esc(u.email)}</td><td>${esc(u.displayName)}</td><td>${devices}</td><td>${admin ? 'operator' : 'user'}</td><td>`
      + form('password', `<label class="inline">New password for ${esc(u.email)} <input type="password" name="password" minlength="8" autocomplete="new-password" required></label> `, 'Reset password')
      + (self ? '' : ' ' + form(admin ? 'admin-off' : 'admin-on', '', admin ? 'Make user' : 'Make operator')
        + ' ' + form('remove', '', `Remove ${esc(u.email)}`))
      + '</td></tr>';
  }));
  ctx.page('Accounts', `<h1>Accounts</h1>${note ? message(note.text, note.ok) : ''}`
    + `<h2>Add an account</h2><form method="post">${ctx.csrfField}<input type="hidden" name="op" value="add">`
    + '<label>Address <input type="email" name="address" required></label><label>Name <input name="name"></label>'
    + '<label>Password (8 characters or more) <input type="password" name="password" minlength="8" autocomplete="new-password" required></label>'
    + '<label><input type="checkbox" name="admin" value="1"> Operator</label><button>Add account</button></form>'
    + `<h2>All accounts</h2><table><thead><tr><th scope="col">Address</th><th scope="col">Name</th><th scope="col">Devices</th><th scope="col">Role</th><th scope="col">Actions</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  { status: note && !note.ok ? 400 : 200 });
}

async function accountAction(ctx: ConsoleContext, form: URLSearchParams): Promise<{ text: string; ok: boolean }> {
  const address = (form.get('address') ?? '').trim().toLowerCase();
  try {
    if (form.get('op') === 'add') {
      const user = await createAccount(ctx.store, { email: address, password: form.get('password') ?? '', displayName: form.get('name') ?? undefined });
      if (form.get('admin') === '1') await ctx.store.setAdmin(user.id, true);
      return { text: `Added ${user.email}.`, ok: true };
    }
    const user = await ctx.store.findUserByEmail(address);
    if (!user) return { text: `No account ${address}.`, ok: false };
    const self = user.id === ctx.viewer.user.id;
    switch (form.get('op')) {
      case 'password':
        await ctx.store.setPassword(user.id, await hashPassword(checkPassword(form.get('password') ?? '')));
        if (!self) await ctx.store.removeConsoleSessions(user.id);
        return { text: `Password of ${user.email} reset.`, ok: true };
      case 'admin-on':
      case 'admin-off':
        // An operator cannot drop their own flag: the last operator would lock everyone out.
        if (self) return { text: 'You cannot change your own role.', ok: false };
        await ctx.store.setAdmin(user.id, form.get('op') === 'admin-on');
        return { text: `${user.email} is now ${form.get('op') === 'admin-on' ? 'an operator' : 'a user'}.`, ok: true };
      case 'remove':
        if (self) return { text: 'You cannot remove your own account here.', ok: false };
        await ctx.store.removeUser(user.id);
        return { text: `Removed ${user.email} and everything it held.`, ok: true };
      default:
        return { text: 'Unknown action.', ok: false };
    }
  } catch (e) {
    if (e instanceof AccountError) return { text: e.message, ok: false };
    if (e instanceof StoreError && e.code === 'USER_EXISTS') return { text: e.message, ok: false };
    throw e;
  }
}

async function devices(ctx: ConsoleContext): Promise<void> {
  const list = async () => {
    const out: { device: Device; account: string }[] = [];
    for (const u of await ctx.store.listUsers()) for (const device of await ctx.store.listDevices(u.id)) out.push({ device, account: u.email });
    return out;
  };
  const before = await list();
  const note = ctx.form ? await deviceAction(ctx, before.map(r => r.device)) : undefined;
  const rows = ctx.form ? await list() : before;
  // Every device's collection states in one statement, not one per device.
  const synced = byDevice(await ctx.store.syncedCollections());
  ctx.page('Devices', `<h1>Devices of all accounts</h1>${message(note, true)}${deviceTable(ctx, rows, '/console/devices', true, synced)}`);
}

/** The few numbers an operator looks at first, read from the registry `/metrics` serves. */
async function status(ctx: ConsoleContext): Promise<void> {
  const registry = ctx.services.metrics;
  if (!registry) return ctx.page('Server status', '<h1>Server status</h1><p>This listener keeps no metrics.</p>');
  const metrics = await registry.getMetricsAsJSON();
  const sum = (name: string, filter: (labels: Record<string, string | number>) => boolean = () => true): number | undefined => {
    const m = metrics.find(x => x.name === name) as { values?: { value: number; labels: Record<string, string | number>; metricName?: string }[] } | undefined;
    if (!m?.values) return undefined;
    return m.values.filter(v => (v.metricName === undefined || v.metricName === name) && filter(v.labels)).reduce((n, v) => n + v.value, 0);
  };
  const rows: [string, number | undefined, string][] = [
    ['HTTP requests answered', sum('convene_http_requests_total'), ''],
    ['… of them failing (5xx)', sum('convene_http_requests_total', l => String(l.status).startsWith('5')), ''],
    ['Pings and hanging Syncs held', sum('convene_waiting_requests'), ''],
    ['Outbound queue depth', sum('convene_outbound_queue_depth'), 'messages'],
    ['Oldest outbound message', sum('convene_outbound_oldest_age_seconds'), 's'],
    ['Store probe latency', sum('convene_store_probe_seconds'), 's'],
    ['Refused passwords', sum('convene_auth_failures_total'), ''],
    ['Throttled logons', sum('convene_auth_throttled_total'), ''],
  ];
  const fmt = (v: number | undefined, unit: string) => (v === undefined ? '–' : `${Number.isInteger(v) ? v : v.toFixed(3)}${unit ? ` ${unit}` : ''}`);
  ctx.page('Server status', `<h1>Server status</h1><table><tbody>${rows.map(([k, v, u]) => `<tr><th scope="row">${k}</th><td>${fmt(v, u)}</td></tr>`).join('')}</tbody></table>`
    + '<p>The same numbers, and more, at <code>/metrics</code>.</p>');
}

export const operatorRoutes: Record<string, Route> = {
  '/console/accounts': { admin: true, handle: accounts },
  '/console/devices': { admin: true, handle: devices },
  '/console/status': { admin: true, handle: status },
};
