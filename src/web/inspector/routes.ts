// Routes of the device inspector (operators only; docs/console.md, "Device inspector"):
//   GET  /console/devices/{id}/inspect[?cmd=]         the page
//   GET  /console/devices/{id}/inspect/events[?cmd=]  Server-Sent Events
//   POST /console/devices/{id}/logging                on=1|0 (CSRF checked by the framework)
//   GET  /console/devices/{id}/exchanges/{n}          one exchange (permalink)
//   GET  /console/devices/{id}/exchanges.txt[?cmd=]   the kept exchanges as a file
import type { Device } from '../../store/types.js';
import { escapeHtml as esc } from '../html.js';
import type { PageContext } from '../pageContext.js';
import { COMMANDS, inspectorBody, inspectorUrl } from './page.js';
import { INSPECTOR_SCRIPT } from './script.js';
import { streamExchanges } from './stream.js';
import { exchangeFragment, exchangesText } from './view.js';

const ROUTE = /^\/console\/devices\/(\d{1,15})\/(inspect|inspect\/events|logging|exchanges\.txt|exchanges\/(\d{1,15}))$/;
/** Exchanges the page lists and a download holds (the store keeps at most 1,000 per device). */
const PAGE_SIZE = 100;
const DOWNLOAD_SIZE = 1000;

export function isInspectorPath(path: string): boolean {
  return ROUTE.test(path);
}

/** Handles one inspector request; the framework checked the session (and the CSRF token of a POST). */
export async function inspectorRoute(ctx: PageContext): Promise<void> {
  const m = ROUTE.exec(ctx.url.pathname)!;
  if (!ctx.viewer.admin) return ctx.refuse(403, 'The device inspector is for operators.');
  const found = await deviceByPk(ctx, Number(m[1]));
  if (!found) return ctx.refuse(404, 'No such device.');
  const { device, account } = found;
  const cmdParam = ctx.url.searchParams.get('cmd') ?? '';
  // Only names the filter offers: a command name is also echoed into the page and the stream URL.
  const cmd = COMMANDS.includes(cmdParam) ? cmdParam : undefined;
  const method = ctx.req.method ?? 'GET';
  const action = m[2]!;
  if (action === 'logging') {
    if (method !== 'POST') return ctx.refuse(404, 'Not found.');
    await ctx.logging.set(device.id, ctx.form?.get('on') === '1');
    return ctx.redirect(inspectorUrl(device.id));
  }
  if (method !== 'GET' && method !== 'HEAD') return ctx.refuse(404, 'Not found.');
  if (action === 'inspect/events') {
    return streamExchanges(ctx.req, ctx.res, { store: ctx.store, logging: ctx.logging, devicePk: device.id, cmd, render: x => exchangeFragment(x) });
  }
  if (action === 'exchanges.txt') {
    const xs = await ctx.store.listProtocolExchanges(device.id, { cmd, limit: DOWNLOAD_SIZE });
    const name = `${device.deviceId}${cmd ? `-${cmd}` : ''}.log`.replace(/[^A-Za-z0-9._-]/g, '_');
    ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Disposition': `attachment; filename="${name}"`, 'Cache-Control': 'no-store' });
    ctx.res.end(exchangesText({ account, deviceId: device.deviceId }, xs));
    return;
  }
  if (m[3]) {
    const x = await ctx.store.getProtocolExchange(device.id, Number(m[3]));
    if (!x) return ctx.refuse(404, 'No such exchange (it may have been purged).');
    return ctx.page(`Exchange #${x.id}`, `<h1>Exchange #${x.id} of <code>${esc(device.deviceId)}</code></h1>`
      + `<p><a href="${inspectorUrl(device.id)}">Back to the device inspector</a></p><ol class="exchanges">${exchangeFragment(x, { open: true })}</ol>`);
  }
  const until = await ctx.store.deviceLoggingUntil(device.id);
  const onUntil = until !== undefined && until > Date.now() ? until : undefined;
  const exchanges = await ctx.store.listProtocolExchanges(device.id, { cmd, limit: PAGE_SIZE });
  ctx.page(`Inspector: ${device.deviceId}`, inspectorBody({ device, account, onUntil, exchanges, cmd, csrfField: ctx.csrfField }), { script: INSPECTOR_SCRIPT });
}

/** The device with this row id, of any account (operators only reach here). */
async function deviceByPk(ctx: PageContext, pk: number): Promise<{ device: Device; account: string } | undefined> {
  for (const u of await ctx.store.listUsers()) {
    const device = (await ctx.store.listDevices(u.id)).find(d => d.id === pk);
    if (device) return { device, account: u.email };
  }
  return undefined;
}
