// Routes of the meeting trace (docs/console.md, "Meeting trace"):
//   GET /console/trace[?q=]             search by subject, UID or attendee
//   GET /console/trace/meeting?uid=…    one meeting's timeline
// Operators see every account's notes; a user sees the notes kept on their own account only.
import type { PageContext } from '../pageContext.js';
import { traceMeetingBody, traceSearchBody } from './page.js';

const MAX_QUERY = 200;
const RESULTS = 50;
/** Notes shown of one meeting (the store keeps at most 500 per account and meeting). */
const NOTES = 2000;

export function isTracePath(path: string): boolean {
  return path === '/console/trace' || path === '/console/trace/meeting';
}

export async function traceRoute(ctx: PageContext): Promise<void> {
  if (ctx.req.method !== 'GET' && ctx.req.method !== 'HEAD') return ctx.refuse(404, 'Not found.');
  const own = ctx.viewer.admin ? undefined : ctx.viewer.user.id;
  if (ctx.url.pathname === '/console/trace') {
    const q = (ctx.url.searchParams.get('q') ?? '').trim().slice(0, MAX_QUERY);
    const found = q ? await ctx.store.findTracedMeetings({ text: q, userId: own, limit: RESULTS }) : [];
    return ctx.page('Meeting trace', traceSearchBody(q, found, { ownOnly: own !== undefined }));
  }
  const uid = (ctx.url.searchParams.get('uid') ?? '').slice(0, 1000);
  if (!uid) return ctx.redirect('/console/trace');
  const rows = await ctx.store.schedulingTrace(uid, { userId: own, limit: NOTES });
  const accounts = new Map((await ctx.store.listUsers()).map(u => [u.id, u.email] as const));
  ctx.page('Meeting trace', traceMeetingBody(uid, rows, accounts));
}
