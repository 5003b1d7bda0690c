// Pages every signed-in account has (docs/console.md): home, change password, Out of Office (the
// settings EAS Settings Oof reads and writes, MS-ASCMD 2.2.3.122), and its own devices with wipe.
import { AccountError, checkPassword } from '../../accounts/accounts.js';
import { hashPassword, verifyPassword } from '../../accounts/password.js';
import type { OofAudience, OofSettings } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import type { ConsoleContext, Route } from './context.js';
import { deviceAction, deviceTable } from './devicesView.js';

const NOTHING_SET: OofSettings = { state: 0, startTime: null, endTime: null, messages: {} };
const AUDIENCES: [OofAudience, string][] = [['Internal', 'Colleagues (same server)'], ['ExternalKnown', 'Known external senders'], ['ExternalUnknown', 'Other senders']];
/** A reply message is a few paragraphs; the store keeps what EAS would accept. */
const MAX_REPLY = 16 * 1024;

const message = (text: string | null | undefined, ok = true) => (text ? `<p class="${ok ? 'ok' : 'err'}" role="status">${esc(text)}</p>` : '');

async function home(ctx: ConsoleContext): Promise<void> {
  const ops = ctx.viewer.admin
    ? '<h2>Operator</h2><ul><li><a href="/console/accounts">Accounts</a></li><li><a href="/console/devices">Devices of all accounts</a></li><li><a href="/console/queue">Outbound queue</a></li><li><a href="/console/status">Server status</a></li></ul>'
    : '';
  ctx.page('Console', `<h1>Hello, ${esc(ctx.viewer.user.displayName)}</h1><ul><li><a href="/console/me/password">Change password</a></li>`
    + '<li><a href="/console/me/oof">Out of Office</a></li><li><a href="/console/me/devices">My devices</a></li><li><a href="/console/me/agenda">Agenda</a></li><li><a href="/console/trace">Meeting trace</a></li></ul>' + ops);
}

async function password(ctx: ConsoleContext): Promise<void> {
  let note: string | undefined;
  if (ctx.form) {
    const current = ctx.form.get('current') ?? '';
    const next = ctx.form.get('new') ?? '';
    if (!(await verifyPassword(current, ctx.viewer.user.passwordHash))) note = 'The current password is wrong.';
    else if (next !== ctx.form.get('again')) note = 'The two new passwords differ.';
    else {
      try {
        await ctx.store.setPassword(ctx.viewer.user.id, await hashPassword(checkPassword(next)));
        // Other sessions of the account end; this one is ended too, and signs in again.
        await ctx.store.removeConsoleSessions(ctx.viewer.user.id);
        return ctx.redirect('/console/signin');
      } catch (e) {
        if (!(e instanceof AccountError)) throw e;
        note = e.message;
      }
    }
  }
  ctx.page('Change password', `<h1>Change password</h1>${message(note, false)}<form method="post">${ctx.csrfField}`
    + '<label>Current password <input type="password" name="current" autocomplete="current-password" required></label>'
    + '<label>New password (8 characters or more) <input type="password" name="new" autocomplete="new-password" minlength="8" required></label>'
    + '<label>New password again <input type="password" name="again" autocomplete="new-password" minlength="8" required></label>'
    + '<button>Change password</button></form><p>Phones signed in with the old password ask for the new one.</p>', { status: note ? 400 : 200 });
}

async function oof(ctx: ConsoleContext): Promise<void> {
  let note: string | undefined;
  if (ctx.form) {
    const parsed = readOof(ctx.form);
    if (typeof parsed === 'string') note = parsed;
    else {
      await ctx.store.setOof(ctx.viewer.user.id, parsed);
      return ctx.redirect('/console/me/oof?saved=1');
    }
  }
  const o = (await ctx.store.getOof(ctx.viewer.user.id)) ?? NOTHING_SET;
  const local = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString().slice(0, 16));
  const state = (v: number, label: string) => `<label><input type="radio" name="state" value="${v}"${o.state === v ? ' checked' : ''}> ${label}</label>`;
  const audiences = AUDIENCES.map(([a, label]) => {
    const m = o.messages[a];
    return `<fieldset><legend>${label}</legend><label><input type="checkbox" name="${a}-on" value="1"${m?.enabled ? ' checked' : ''}> Reply to them</label>`
      + `<label>Message <textarea name="${a}-text" rows="3" cols="50" maxlength="${MAX_REPLY}">${esc(m?.replyMessage ?? '')}</textarea></label></fieldset>`;
  }).join('');
  ctx.page('Out of Office', `<h1>Out of Office</h1>${message(note, false)}${ctx.url.searchParams.get('saved') ? message('Saved. Phones see it at their next Settings request.') : ''}`
    + `<form method="post">${ctx.csrfField}<fieldset><legend>State</legend>${state(0, 'Off')}${state(1, 'On')}${state(2, 'On between the times below (UTC)')}</fieldset>`
    + `<label>From <input type="datetime-local" name="start" value="${local(o.startTime)}"></label><label>Until <input type="datetime-local" name="end" value="${local(o.endTime)}"></label>`
    + `${audiences}<button>Save</button></form>`, { status: note ? 400 : 200 });
}

/** The form as OofSettings (the shape SettingsOof's Set stores), or what is wrong with it. */
function readOof(form: URLSearchParams): OofSettings | string {
  const state = form.get('state');
  if (state !== '0' && state !== '1' && state !== '2') return 'Choose a state.';
  const time = (name: string): number | null | undefined => {
    const v = form.get(name);
    if (!v) return null;
    const ms = Date.parse(/Z$/.test(v) ? v : `${v}Z`);
    return Number.isFinite(ms) ? ms : undefined;
  };
  const startTime = time('start');
  const endTime = time('end');
  if (startTime === undefined || endTime === undefined) return 'A time is not readable.';
  // MS-ASCMD 2.2.3.122: a time-based OofState needs StartTime and EndTime, the end after the start.
  if (state === '2' && (startTime === null || endTime === null || endTime <= startTime)) return 'Time-based Out of Office needs a start and a later end.';
  const messages: OofSettings['messages'] = {};
  for (const [a] of AUDIENCES) {
    const text = (form.get(`${a}-text`) ?? '').slice(0, MAX_REPLY);
    const enabled = form.get(`${a}-on`) === '1';
    if (enabled || text) messages[a] = { enabled, replyMessage: text, bodyType: 'Text' };
  }
  return { state: Number(state) as 0 | 1 | 2, startTime: state === '2' ? startTime : null, endTime: state === '2' ? endTime : null, messages };
}

async function myDevices(ctx: ConsoleContext): Promise<void> {
  const devices = await ctx.store.listDevices(ctx.viewer.user.id);
  const note = ctx.form ? await deviceAction(ctx, devices) : undefined;
  const rows = (ctx.form ? await ctx.store.listDevices(ctx.viewer.user.id) : devices).map(device => ({ device, account: ctx.viewer.user.email }));
  ctx.page('My devices', `<h1>My devices</h1>${message(note)}<p>A wiped phone erases itself at its next request; a lost phone that never connects again is not wiped.</p>`
    + deviceTable(ctx, rows, '/console/me/devices', false));
}

export const userRoutes: Record<string, Route> = {
  '/console': { admin: false, handle: home },
  '/console/me/password': { admin: false, handle: password },
  '/console/me/oof': { admin: false, handle: oof },
  '/console/me/devices': { admin: false, handle: myDevices },
};
