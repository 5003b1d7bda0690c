// The console's HTML shell and response headers. Everything a user or a device wrote reaches a
// page through escapeHtml; the CSP (default-src 'self') keeps an escaping slip from running script.
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { escapeHtml as esc } from '../html.js';

export const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy': "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: under no-referrer a browser posts forms with "Origin: null".
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

const STYLE = `body{font:16px/1.45 system-ui,sans-serif;margin:0;color:#111;background:#fff}
header{background:#1b3a5c;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}main{padding:1rem;max-width:70rem}table{border-collapse:collapse;width:100%}
td,th{border-bottom:1px solid #ccc;padding:.3rem .4rem;text-align:left;vertical-align:top}
input,select,textarea,button{font:inherit;margin:.15rem 0}label{display:block;margin:.4rem 0}
form.inline{display:inline}.err{color:#a00000}.ok{color:#005a00}
:focus{outline:3px solid #f90}@media(max-width:40rem){td,th{display:block}}
.status.bad,mark.status.bad{background:#b00020;color:#fff;padding:0 .3em;border-radius:.2em}
.status.ok,mark.status.ok{background:#dfd;color:#060;padding:0 .3em}
.exchange{border-bottom:1px solid #ccc;padding:.4rem 0;list-style:none}.exchange.failing{border-left:4px solid #b00020;padding-left:.4rem}
pre.xml{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5rem;font-size:.85rem}
.note.step-refused{color:#b00020}.note .step{display:inline-block;min-width:7em;font-weight:bold}
.timeline>li{margin-bottom:1rem}`;

export interface Nav { email: string; admin: boolean; csrfField: string }

/**
 * The whole page; `body` is already escaped HTML. `script` is the source of the page's one inline
 * script (a constant of the page's module): the CSP names it by hash, nothing else inline runs.
 */
export function renderPage(title: string, body: string, nav?: Nav, script?: string): string {
  const links = nav
    ? `<nav aria-label="Console"><a href="/console">Home</a> · <a href="/console/me/password">Password</a> · <a href="/console/me/oof">Out of Office</a> · `
      + `<a href="/console/me/devices">My devices</a> · <a href="/console/me/agenda">Agenda</a>`
      + (nav.admin ? ` · <a href="/console/accounts">Accounts</a> · <a href="/console/devices">Devices</a> · <a href="/console/queue">Queue</a> · <a href="/console/status">Status</a>` : '')
      + ` · <a href="/console/trace">Meeting trace</a></nav>`
      + `<span>${esc(nav.email)}${nav.admin ? ' (operator)' : ''}</span>`
      + `<form class="inline" method="post" action="/console/signout">${nav.csrfField}<button>Sign out</button></form>`
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">`
    + `<title>${esc(title)} · Convene</title><link rel="stylesheet" href="/console/style.css"></head>`
    + `<body><header><strong>Convene</strong>${links}</header><main id="main">${body}</main>`
    + (script ? `<script>${script}</script>` : '') + `</body></html>`;
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string> = {}, script?: string): void {
  const csp = script ? `${SECURITY_HEADERS['Content-Security-Policy']}; script-src 'self' '${scriptHash(script)}'` : SECURITY_HEADERS['Content-Security-Policy']!;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Security-Policy': csp, 'Content-Type': 'text/html; charset=utf-8', ...headers });
  res.end(html);
}

export function sendStyle(res: ServerResponse): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': 'text/css; charset=utf-8', 'Cache-Control': 'max-age=300' });
  res.end(STYLE);
}

/** CSP Level 2 hash-source of an inline script. */
function scriptHash(script: string): string {
  return `sha256-${createHash('sha256').update(script, 'utf8').digest('base64')}`;
}
