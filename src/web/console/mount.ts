// The web console under /console on the EAS listener (docs/console.md): sign-in and sign-out, the
// session guard, the CSRF check of every POST, and the routing to the operator and user pages.
// The listener gives it the one password check (same throttle as EAS), body limits and metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BodyAborted, BodyRefused, readBody } from '../../net/body.js';
import type { HttpMount, HttpServices } from '../../net/mount.js';
import type { ConsoleSession } from '../../store/Store.js';
import { escapeHtml as esc } from '../html.js';
import { inspectorRoute, isInspectorPath } from '../inspector/routes.js';
import { isTracePath, traceRoute } from '../trace/routes.js';
import { agendaRoutes } from './agendaPage.js';
import type { ConsoleContext, Route } from './context.js';
import { renderPage, sendHtml, sendStyle } from './layout.js';
import { operatorRoutes } from './operatorPages.js';
import { queueRoutes } from './queuePage.js';
import { clearedCookie, cookieToken, csrfMatches, hashToken, sessionCookie, startSession } from './session.js';
import { userRoutes } from './userPages.js';

/** A console form is a few fields; anything longer is not ours. */
const MAX_FORM_BYTES = 64 * 1024;

/** Further routes (the device inspector, the meeting trace) given by exact path or a test. */
export type ExtraRoute = { matches(path: string): boolean; handle(ctx: ConsoleContext): Promise<void> };

/** The device inspector and the meeting trace check the viewer's role themselves (docs/console.md). */
const PAGE_ROUTES: ExtraRoute[] = [{ matches: isInspectorPath, handle: inspectorRoute }, { matches: isTracePath, handle: traceRoute }];

export function consoleMount(extra: ExtraRoute[] = []): HttpMount {
  const routes: Record<string, Route> = { ...userRoutes, ...agendaRoutes, ...operatorRoutes, ...queueRoutes };
  extra = [...PAGE_ROUTES, ...extra];
  return {
    name: 'Console',
    handles: path => path === '/console' || path.startsWith('/console/'),
    async handle(services, req, res, url) {
      try {
        await dispatch(services, routes, extra, req, res, url);
      } catch (e) {
        if (e instanceof BodyRefused) return sendHtml(res, e.http, renderPage('Refused', `<p>${esc(e.message)}</p>`), e.headers);
        if (e instanceof BodyAborted) return void res.destroy();
        services.log.error({ err: e }, 'console page failed');
        if (!res.headersSent) sendHtml(res, 500, renderPage('Error', '<p>The page failed; the server log says why.</p>'));
        else res.end();
      }
    },
  };
}

async function dispatch(services: HttpServices, routes: Record<string, Route>, extra: ExtraRoute[], req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (path === '/console/style.css') return sendStyle(res);
  if (!services.deviceLogging) throw new Error('the console needs the listener\'s device logging');
  const secure = services.tls === true;
  if (method === 'POST' && !sameOrigin(req)) return sendHtml(res, 403, renderPage('Refused', '<p>A form from another site was refused.</p>'));
  const form = method === 'POST' ? await readForm(services, req) : undefined;
  if (path === '/console/signin') return signIn(services, req, res, url, form, secure);
  const token = cookieToken(req);
  const session = token ? await services.store.findConsoleSession(hashToken(token)) : undefined;
  if (!session) {
    if (method !== 'GET' && method !== 'HEAD') return sendHtml(res, 403, renderPage('Refused', '<p>Sign in first.</p>'));
    return redirect(res, `/console/signin?next=${encodeURIComponent(url.pathname + url.search)}`);
  }
  // Every POST carries the session's token from the page's form (SameSite=Strict is a second wall).
  if (method === 'POST' && !csrfMatches(session, form?.get('csrf'))) {
    return sendHtml(res, 403, renderPage('Refused', '<p>The form was stale or not from this console: reload the page and try again.</p>'));
  }
  if (path === '/console/signout' && method === 'POST') {
    await services.store.removeConsoleSession(session.tokenHash);
    return redirect(res, '/console/signin', { 'Set-Cookie': clearedCookie(secure) });
  }
  const ctx = context(services, req, res, url, session, { user: session.user, admin: session.admin }, form, services.deviceLogging);
  const route = routes[path];
  if (route) {
    if (route.admin && !ctx.viewer.admin) return ctx.refuse(403, 'This page is for operators.');
    return route.handle(ctx);
  }
  const other = extra.find(r => r.matches(path));
  if (other) return other.handle(ctx);
  return ctx.refuse(404, 'No such page.');
}

function context(services: HttpServices, req: IncomingMessage, res: ServerResponse, url: URL, session: ConsoleSession,
  viewer: ConsoleContext['viewer'], form: URLSearchParams | undefined, logging: ConsoleContext['logging']): ConsoleContext {
  const csrfField = `<input type="hidden" name="csrf" value="${esc(session.csrf)}">`;
  const nav = { email: viewer.user.email, admin: viewer.admin, csrfField };
  return {
    store: services.store, req, res, url, viewer, csrfField, form, services, logging,
    page: (title, body, o = {}) => sendHtml(res, o.status ?? 200, renderPage(title, body, nav, o.script), {}, o.script),
    refuse: (status, message) => sendHtml(res, status, renderPage(status === 403 ? 'Refused' : 'Not found', `<h1>${status === 403 ? 'Refused' : 'Not found'}</h1><p>${esc(message)}</p>`, nav)),
    redirect: location => redirect(res, location),
  };
}

async function signIn(services: HttpServices, req: IncomingMessage, res: ServerResponse, url: URL, form: URLSearchParams | undefined, secure: boolean): Promise<void> {
  const next = safeNext(form?.get('next') ?? url.searchParams.get('next'));
  if (req.method !== 'POST') return sendHtml(res, 200, signInPage(next));
  // Passwords over plain HTTP from the network are refused, as for EAS (docs/security.md).
  if (!secure && !fromLoopback(req)) {
    return sendHtml(res, 403, signInPage(next, 'Convene takes passwords only over TLS from the network: start it with --tls or behind a TLS proxy.'));
  }
  const address = (form?.get('address') ?? '').slice(0, 320);
  const password = (form?.get('password') ?? '').slice(0, 1024);
  // The listener's one password check: same accounts, same logon throttle and counters as EAS.
  req.headers.authorization = `Basic ${Buffer.from(`${address}:${password}`, 'utf8').toString('base64')}`;
  const checked = await services.checkCredentials(req, 'Console').finally(() => { delete req.headers.authorization; });
  if (!checked.user) {
    if (checked.http === 503) {
      return sendHtml(res, 503, signInPage(next, 'Too many wrong passwords: wait a few minutes and try again.'), { 'Retry-After': checked.headers['Retry-After'] ?? '60' });
    }
    return sendHtml(res, 401, signInPage(next, 'Wrong address or password.'));
  }
  const { token } = await startSession(services.store, checked.user.id);
  return redirect(res, next, { 'Set-Cookie': sessionCookie(token, secure) });
}

function signInPage(next: string, error?: string): string {
  return renderPage('Sign in', `<h1>Sign in</h1>${error ? `<p class="err" role="alert">${esc(error)}</p>` : ''}`
    + `<form method="post" action="/console/signin"><input type="hidden" name="next" value="${esc(next)}">`
    + `<label>Address <input name="address" type="email" autocomplete="username" required autofocus></label>`
    + `<label>Password <input name="password" type="password" autocomplete="current-password" required></label>`
    + `<button>Sign in</button></form>`);
}

/** Only a path of this console: a sign-in never sends the browser elsewhere. */
function safeNext(next: string | null | undefined): string {
  return next && /^\/console(\/[A-Za-z0-9/_.%?=&-]*)?$/.test(next) && !next.startsWith('//') ? next : '/console';
}

/** A browser says where a form came from; one naming another origin is refused (login CSRF too). */
function sameOrigin(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === 'null') return origin === undefined;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
}

function fromLoopback(req: IncomingMessage): boolean {
  const a = req.socket.remoteAddress ?? '';
  return a === '::1' || a.startsWith('127.') || a.startsWith('::ffff:127.');
}

async function readForm(services: HttpServices, req: IncomingMessage): Promise<URLSearchParams> {
  const bytes = await readBody(req, { ...services.body, maxBytes: Math.min(services.body.maxBytes, MAX_FORM_BYTES) });
  return new URLSearchParams(bytes.toString('utf8'));
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store', ...headers });
  res.end();
}
