// The device inspector's page body (docs/console.md, "Device inspector"): the device, its logging
// switch (a form, with the console's CSRF field), the command filter, the download, and the kept
// exchanges newest first — which the script then keeps following live.
import type { ProtocolExchange } from '../../store/traceTypes.js';
import type { Device } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import { exchangeFragment } from './view.js';

/** Commands the filter offers (MS-ASCMD 2.2.1): the ones devices send. */
export const COMMANDS = ['Sync', 'Ping', 'FolderSync', 'Provision', 'Settings', 'SendMail', 'SmartReply', 'SmartForward', 'MeetingResponse',
  'ItemOperations', 'GetItemEstimate', 'MoveItems', 'Search', 'Find', 'ResolveRecipients', 'ValidateCert', 'FolderCreate', 'FolderDelete',
  'FolderUpdate', 'GetAttachment'];

export interface InspectorView {
  device: Device;
  account: string;
  /** When the switch goes off by itself; undefined: off. */
  onUntil: number | undefined;
  exchanges: ProtocolExchange[];
  cmd: string | undefined;
  /** The console's hidden CSRF input, ready to put in a form. */
  csrfField: string;
}

export function inspectorUrl(devicePk: number, cmd?: string): string {
  return `/console/devices/${devicePk}/inspect${cmd ? `?cmd=${encodeURIComponent(cmd)}` : ''}`;
}

export function inspectorBody(v: InspectorView): string {
  const pk = v.device.id;
  const q = v.cmd ? `?cmd=${encodeURIComponent(v.cmd)}` : '';
  const on = v.onUntil !== undefined;
  const switchForm = `<form method="post" action="/console/devices/${pk}/logging" class="logging">${v.csrfField}`
    + `<input type="hidden" name="on" value="${on ? '0' : '1'}">`
    + `<p id="logging-state">Protocol logging is <strong>${on ? `on until ${esc(new Date(v.onUntil!).toISOString().slice(0, 16).replace('T', ' '))} UTC` : 'off'}</strong>.</p>`
    + `<button type="submit" id="logging-toggle">${on ? 'Turn logging off' : 'Turn logging on (24 hours)'}</button></form>`;
  const options = ['', ...COMMANDS].map(c => `<option value="${esc(c)}"${c === (v.cmd ?? '') ? ' selected' : ''}>${c ? esc(c) : 'All commands'}</option>`).join('');
  const filter = `<form method="get" action="/console/devices/${pk}/inspect" class="filter"><label for="cmd">Command</label> `
    + `<select id="cmd" name="cmd">${options}</select> <button type="submit">Filter</button> `
    + `<a href="/console/devices/${pk}/exchanges.txt${q}" download>Download as a file</a></form>`;
  const list = v.exchanges.length ? [...v.exchanges].reverse().map(x => exchangeFragment(x)).join('')
    : '<li id="no-exchanges">Nothing kept yet. Turn logging on; the device’s next request shows here.</li>';
  return `<h1>Device inspector</h1>`
    + `<dl class="device"><dt>Account</dt><dd>${esc(v.account)}</dd><dt>DeviceId</dt><dd><code>${esc(v.device.deviceId)}</code></dd>`
    + `<dt>Type</dt><dd>${esc(v.device.deviceType)}</dd><dt>User agent</dt><dd>${esc(v.device.userAgent)}</dd>`
    + `<dt>Protocol</dt><dd>EAS ${esc(v.device.protocolVersion)}</dd></dl>`
    + switchForm + filter
    + `<p id="live-state" role="status" aria-live="polite">${on ? 'Connecting…' : 'Logging is off: nothing new will appear.'}</p>`
    + `<ol id="exchanges" class="exchanges" data-stream="/console/devices/${pk}/inspect/events${q}" aria-label="Exchanges, newest first">${list}</ol>`;
}
