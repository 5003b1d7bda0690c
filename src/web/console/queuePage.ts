// The outbound queue for operators (docs/console.md): the newest entries with each recipient's
// state (pending, bounced with the remote answer, delivered), the next attempt and the last
// answer; "Retry now" for an entry waiting its next attempt.
import type { OutboundListing } from '../../store/Store.js';
import { escapeHtml as esc } from '../html.js';
import type { ConsoleContext, Route } from './context.js';

/** Entries the page shows; the queue forgets sent and failed ones after a while anyway. */
const SHOWN = 200;

const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function recipients(e: OutboundListing): string {
  const failed = new Map(e.failed.map(f => [f.recipient, f.error] as const));
  const pending = new Set(e.pending);
  return '<ul>' + e.recipients.map(r => {
    const state = failed.has(r) ? `bounced: ${failed.get(r)!}` : pending.has(r) ? (e.status === 'failed' ? 'given up' : 'pending') : 'delivered';
    return `<li>${esc(r)} — ${esc(state)}</li>`;
  }).join('') + '</ul>';
}

async function queue(ctx: ConsoleContext): Promise<void> {
  let note = '';
  if (ctx.form) {
    const id = Number(ctx.form.get('id'));
    const ok = Number.isSafeInteger(id) && (await ctx.store.retryOutboundNow(id));
    note = ok ? `<p class="ok" role="status">Message #${id} is tried again now.</p>` : '<p class="err" role="status">That message is not waiting for a retry.</p>';
  }
  const entries = await ctx.store.listOutbound(SHOWN);
  const accounts = new Map((await ctx.store.listUsers()).map(u => [u.id, u.email] as const));
  const rows = entries.map(e => `<tr><td>#${e.id}</td><td>${esc(accounts.get(e.userId) ?? String(e.userId))}<br><small>${esc(e.from)}</small></td>`
    + `<td>${recipients(e)}</td><td>${esc(e.status)}</td><td>${e.attempts}</td>`
    + `<td>${e.status === 'queued' || e.status === 'sending' ? when(e.dueAt) : '–'}</td><td>${esc(e.lastError ?? '')}</td><td>`
    + (e.status === 'queued' ? `<form class="inline" method="post">${ctx.csrfField}<input type="hidden" name="id" value="${e.id}"><button>Retry now</button></form>` : '')
    + '</td></tr>').join('');
  ctx.page('Outbound queue', `<h1>Outbound queue</h1>${note}`
    + (entries.length === 0 ? '<p>Nothing queued.</p>'
      : '<table><thead><tr><th scope="col">Message</th><th scope="col">Sender</th><th scope="col">Recipients</th><th scope="col">State</th>'
        + `<th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">Last answer</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`));
}

export const queueRoutes: Record<string, Route> = {
  '/console/queue': { admin: true, handle: queue },
};
