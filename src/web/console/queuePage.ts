// The outbound queue for operators (docs/console.md): the newest entries with each recipient's
// state (pending, bounced with the remote answer, delivered), the next attempt and the last
// answer; "Retry now" for an entry waiting its next attempt, "Give up" for one of its pending
// recipients (recorded and bounced to the sender as the delivery loop does: giveUpRecipient).
import { giveUpRecipient } from '../../mail/outbound.js';
import type { OutboundListing } from '../../store/Store.js';
import { escapeHtml as esc } from '../html.js';
import type { ConsoleContext, Route } from './context.js';

/** Entries the page shows; the queue forgets sent and failed ones after a while anyway. */
const SHOWN = 200;

const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

function recipients(ctx: ConsoleContext, e: OutboundListing): string {
  const failed = new Map(e.failed.map(f => [f.recipient, f.error] as const));
  const pending = new Set(e.pending);
  return '<ul>' + e.recipients.map(r => {
    const state = failed.has(r) ? `bounced: ${failed.get(r)!}` : pending.has(r) ? (e.status === 'failed' ? 'given up' : 'pending') : 'delivered';
    const giveUp = e.status === 'queued' && pending.has(r)
      ? ` <form class="inline" method="post">${ctx.csrfField}<input type="hidden" name="op" value="giveup"><input type="hidden" name="id" value="${e.id}">`
        + `<input type="hidden" name="recipient" value="${esc(r)}"><button aria-label="Give up ${esc(r)}">Give up</button></form>` : '';
    return `<li>${esc(r)} — ${esc(state)}${giveUp}</li>`;
  }).join('') + '</ul>';
}

async function queue(ctx: ConsoleContext): Promise<void> {
  let note = '';
  let status = 200;
  if (ctx.form) {
    const id = Number(ctx.form.get('id'));
    const valid = Number.isSafeInteger(id) && id > 0;
    if (ctx.form.get('op') === 'giveup') {
      const recipient = ctx.form.get('recipient') ?? '';
      const ok = valid && (await giveUpRecipient(ctx.store, id, recipient, { log: ctx.services.log }));
      note = ok ? `<p class="ok" role="status">Gave up ${esc(recipient)} of message #${id}; the sender gets a delivery report.</p>`
        : '<p class="err" role="status">Nothing given up: that recipient is not waiting in a queued message (being sent, delivered, or already failed).</p>';
      if (!ok) status = 409;
    } else {
      const ok = valid && (await ctx.store.retryOutboundNow(id));
      note = ok ? `<p class="ok" role="status">Message #${id} is tried again now.</p>` : '<p class="err" role="status">That message is not waiting for a retry.</p>';
    }
  }
  const entries = await ctx.store.listOutbound(SHOWN);
  const accounts = new Map((await ctx.store.listUsers()).map(u => [u.id, u.email] as const));
  const rows = entries.map(e => `<tr><td>#${e.id}</td><td>${esc(accounts.get(e.userId) ?? String(e.userId))}<br><small>${esc(e.from)}</small></td>`
    + `<td>${recipients(ctx, e)}</td><td>${esc(e.status)}</td><td>${e.attempts}</td>`
    + `<td>${e.status === 'queued' || e.status === 'sending' ? when(e.dueAt) : '–'}</td><td>${esc(e.lastError ?? '')}</td><td>`
    + (e.status === 'queued' ? `<form class="inline" method="post">${ctx.csrfField}<input type="hidden" name="op" value="retry"><input type="hidden" name="id" value="${e.id}"><button>Retry now</button></form>` : '')
    + '</td></tr>').join('');
  ctx.page('Outbound queue', `<h1>Outbound queue</h1>${note}`
    + (entries.length === 0 ? '<p>Nothing queued.</p>'
      : '<table><thead><tr><th scope="col">Message</th><th scope="col">Sender</th><th scope="col">Recipients</th><th scope="col">State</th>'
        + `<th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">Last answer</th><th scope="col">Actions</th></tr></thead><tbody>${rows}</tbody></table>`), { status });
}

export const queueRoutes: Record<string, Route> = {
  '/console/queue': { admin: true, handle: queue },
};
