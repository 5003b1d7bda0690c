// The meeting trace's page bodies (docs/console.md, "Meeting trace"): the search form with its
// results, and one meeting's timeline.
import type { TracedMeeting, TraceRow } from '../../store/traceTypes.js';
import { escapeHtml as esc } from '../html.js';
import { searchResults, timeline } from './view.js';

export function traceSearchBody(q: string, found: TracedMeeting[], o: { ownOnly: boolean }): string {
  return '<h1>Meeting trace</h1>'
    + `<p>Every scheduling decision the server took about a meeting: what arrived from which device or mail, what was compared, `
    + `what was sent to whom or why nothing was, which answers were applied or refused.${o.ownOnly ? ' You see the notes kept on your own account.' : ''}</p>`
    + '<form method="get" action="/console/trace" role="search"><label for="q">Subject, UID or attendee</label> '
    + `<input id="q" name="q" type="search" value="${esc(q)}" maxlength="200" required> <button type="submit">Search</button></form>`
    + searchResults(q, found);
}

export function traceMeetingBody(uid: string, rows: TraceRow[], accounts: Map<number, string>): string {
  const subject = [...rows].reverse().find(r => r.subject)?.subject;
  return `<h1>Meeting trace: ${esc(subject ?? '(no subject)')}</h1><p>UID <code>${esc(uid)}</code> · <a href="/console/trace">Search again</a></p>`
    + timeline(rows, accounts);
}
