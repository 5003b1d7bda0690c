// Signing in to the web console over real HTTP, and reading a page's CSRF token, for the console
// tests (test/web/).
import { PASSWORD } from './server.js';

export interface ConsoleSessionCookie { cookie: string; csrf: string }

export async function signIn(base: string, address: string, password = PASSWORD): Promise<Response> {
  return fetch(`${base}/console/signin`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ address, password }).toString(),
  });
}

/** A signed-in session: its cookie and the CSRF token its pages carry. */
export async function session(base: string, address: string): Promise<ConsoleSessionCookie> {
  const res = await signIn(base, address);
  if (res.status !== 303) throw new Error(`sign-in of ${address}: HTTP ${res.status}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const page = await (await fetch(`${base}/console`, { headers: { cookie } })).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)![1]!;
  return { cookie, csrf };
}

export async function post(base: string, path: string, s: { cookie: string } | undefined, form: Record<string, string>): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST', redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...(s ? { cookie: s.cookie } : {}) },
    body: new URLSearchParams(form).toString(),
  });
}
