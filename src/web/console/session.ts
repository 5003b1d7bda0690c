// Console sessions (docs/console.md): a random 32-byte token in an HttpOnly, SameSite=Strict
// cookie (Secure under TLS); the store keeps only its SHA-256, so a copy of the table signs no one
// in. Each session has its own CSRF token, checked on every POST.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ConsoleSession, Store } from '../../store/Store.js';

export const COOKIE = 'convene_console';
/** A session lasts 12 hours from sign-in (an operator's working day), then signs in again. */
export const SESSION_MS = 12 * 3600_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function startSession(store: Store, userId: number): Promise<{ token: string; session: ConsoleSession }> {
  const token = randomBytes(32).toString('base64url');
  const session = { tokenHash: hashToken(token), userId, csrf: randomBytes(32).toString('base64url'), expiresAt: Date.now() + SESSION_MS };
  await store.createConsoleSession(session);
  return { token, session };
}

export function sessionCookie(token: string, secure: boolean): string {
  return `${COOKIE}=${token}; Path=/console; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`;
}

export function clearedCookie(secure: boolean): string {
  return `${COOKIE}=; Path=/console; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
}

/** The session token of the request's cookie, if it has one shaped like ours. */
export function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === COOKIE) {
      const v = part.slice(eq + 1).trim();
      return /^[A-Za-z0-9_-]{43}$/.test(v) ? v : undefined;
    }
  }
  return undefined;
}

export function csrfMatches(session: ConsoleSession, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(session.csrf);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
