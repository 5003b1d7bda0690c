// The device inspector's HTML pieces (docs/console.md, "Device inspector"): one exchange as a
// fragment (the page lists them; the live stream sends them), the text file a download gives.
// Everything a device wrote (its XML, headers, DeviceId, user agent) is escaped here.
import type { ProtocolExchange } from '../../store/traceTypes.js';
import { escapeHtml as esc } from '../html.js';

/** MS-ASCMD Status 1 is success everywhere; anything else is worth a look. */
const OK_STATUS = 1;

export function exchangeUrl(devicePk: number, id: number): string {
  return `/console/devices/${devicePk}/exchanges/${id}`;
}

/** One exchange: when, command, HTTP code, Status values (the failing ones marked), permalink, then both sides. */
export function exchangeFragment(x: ProtocolExchange, o: { open?: boolean } = {}): string {
  const failing = x.http >= 400 || x.statuses.some(s => s !== OK_STATUS);
  const statuses = x.statuses.length
    ? x.statuses.map(s => `<span class="status ${s === OK_STATUS ? 'ok' : 'bad'}">${s}</span>`).join(' ')
    : '<span class="status none">no Status</span>';
  const open = o.open ? ' open' : '';
  return `<li id="x${x.id}" class="exchange${failing ? ' failing' : ''}" data-cmd="${esc(x.cmd)}">`
    + `<div class="line"><time datetime="${new Date(x.at).toISOString()}">${new Date(x.at).toISOString().replace('T', ' ').slice(0, 23)}</time> `
    + `<strong class="cmd">${esc(x.cmd || '(no command)')}</strong> <span class="http">HTTP ${x.http}</span> `
    + `<span class="statuses" aria-label="Status values">${statuses}</span> <span class="ms">${x.ms} ms</span> `
    + `<a class="permalink" href="${exchangeUrl(x.devicePk, x.id)}" aria-label="Permalink to exchange ${x.id}">#${x.id}</a></div>`
    + `<details${open}><summary>Request</summary><pre class="xml">${highlight(x.request)}</pre></details>`
    + `<details${open}><summary>Response</summary><pre class="xml">${highlight(x.response)}</pre></details></li>`;
}

/** The XML escaped, with Status elements marked so the failing ones stand out. */
function highlight(text: string): string {
  // Split before escaping: the escaper's spelling of < and > does not matter.
  const parts = text.split(/<Status>(\d{1,4})<\/Status>/);
  return parts.map((p, i) => (i % 2 === 0 ? esc(p)
    : `${esc('<Status>')}<mark class="status ${Number(p) === OK_STATUS ? 'ok' : 'bad'}">${p}</mark>${esc('</Status>')}`)).join('');
}

/** The exchanges as a text file, oldest first, as the per-device log files read. */
export function exchangesText(device: { account: string; deviceId: string }, xs: ProtocolExchange[]): string {
  const head = `# Convene protocol log of ${device.deviceId} (${device.account}), ${xs.length} exchanges, credentials redacted\n\n`;
  return head + xs.map(x => `=== #${x.id} ${new Date(x.at).toISOString()} ${x.cmd} → HTTP ${x.http}`
    + `${x.statuses.length ? ` Status ${x.statuses.join(',')}` : ''} (${x.ms} ms)\n${x.request}\n${x.response}\n`).join('\n');
}
