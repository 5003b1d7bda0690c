// The meeting trace's HTML pieces (docs/console.md, "Meeting trace"): search results and the
// timeline of one meeting — one entry per engine run (an edit from a device, a mail from
// elsewhere), what arrived, what the planner compared, what went to whom or why nothing did, which
// answers were applied or refused and why. Subjects, addresses and texts are attacker-controlled:
// escaped here.
import { describeSource } from '../../scheduling/trace.js';
import type { TracedMeeting, TraceRow, TraceStep } from '../../store/traceTypes.js';
import { escapeHtml as esc } from '../html.js';

export function traceUrl(uid: string): string {
  return `/console/trace/meeting?uid=${encodeURIComponent(uid)}`;
}

const STEP_LABEL: Record<TraceStep, string> = {
  edit: 'arrived', compared: 'compared', sent: 'sent', none: 'nothing sent', applied: 'applied', refused: 'refused',
};

export function searchResults(query: string, found: TracedMeeting[]): string {
  if (!query) return '';
  if (!found.length) return `<p role="status">No meeting in the trace matches “${esc(query)}”.</p>`;
  return `<table class="meetings"><caption>Meetings matching “${esc(query)}”</caption>`
    + '<thead><tr><th scope="col">Subject</th><th scope="col">UID</th><th scope="col">Last decision</th><th scope="col">Notes</th></tr></thead><tbody>'
    + found.map(m => `<tr><td><a href="${esc(traceUrl(m.uid))}">${esc(m.subject || '(no subject)')}</a></td><td><code>${esc(m.uid)}</code></td>`
      + `<td><time datetime="${new Date(m.lastAt).toISOString()}">${when(m.lastAt)}</time></td><td>${m.notes}</td></tr>`).join('')
    + '</tbody></table>';
}

/** The runs of a meeting, oldest first; within a run, the notes in the order they were taken. */
export function timeline(rows: TraceRow[], accounts: Map<number, string>): string {
  if (!rows.length) return '<p role="status">No decision about this meeting is in the trace (or it was purged).</p>';
  const runs = new Map<string, TraceRow[]>();
  for (const r of rows) runs.set(r.run, [...(runs.get(r.run) ?? []), r]);
  return '<ol class="timeline">' + [...runs.values()].map(notes => {
    const first = notes[0]!;
    return `<li class="run" id="run-${esc(first.run)}"><h3><time datetime="${new Date(first.at).toISOString()}">${when(first.at)}</time> — `
      + `${esc(describeSource(first.source))}</h3><ul class="notes">`
      + notes.map(n => `<li class="note step-${n.step}" data-step="${n.step}"${recipientAttr(n)}>`
        + `<span class="step">${STEP_LABEL[n.step]}</span> <span class="account">[${esc(accounts.get(n.userId) ?? `account ${n.userId}`)}]</span> `
        + `${esc(n.text)}</li>`).join('')
      + '</ul></li>';
  }).join('') + '</ol>';
}

function recipientAttr(n: TraceRow): string {
  const r = n.data?.recipient;
  return typeof r === 'string' ? ` data-recipient="${esc(r)}"` : '';
}

function when(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}
