// The outbound SMTP queue on any SqlDriver (docs/mail-outbound.md). A node leases due rows by
// moving them to 'sending' with due_at = lease expiry; a row whose lease ran out is due again, so
// mail held by a node that died is retried. Every later change names the lease owner and is a
// no-op for anyone else. PostgreSQL nodes skip each other's locked rows (FOR UPDATE SKIP LOCKED);
// SQLite has one writer, and the claim runs in one IMMEDIATE transaction.
import type { NewOutbound, OutboundEntry, OutboundFailure, OutboundQueueStats, OutboundRetry, OutboundStatus } from '../Store.js';
import type { SqlDriver } from './driver.js';

/** Announced (inside the enqueuing transaction: PostgreSQL delivers it at commit) to wake mailers. */
export const OUTBOUND_CHANNEL = 'convene_outbound';

interface OutboundRow {
  id: number; user_id: number; mail_from: string; recipients: string; pending: string; failed: string;
  mime: Buffer | Uint8Array; status: string; attempts: number; due_at: number; lease_owner: string | null;
  last_error: string | null; created_at: number; updated_at: number;
}

const COLUMNS = 'id, user_id, mail_from, recipients, pending, failed, mime, status, attempts, due_at, lease_owner, last_error, created_at, updated_at';
/** Rows a claim may take: waiting for their next attempt, or leased by a node whose lease ran out. */
const WAITING = "status IN ('queued', 'sending')";

export async function enqueue(db: SqlDriver, entry: NewOutbound): Promise<OutboundEntry> {
  const now = Date.now();
  const recipients = JSON.stringify(entry.recipients);
  const row = await db.get<OutboundRow>(
    `INSERT INTO outbound_queue (user_id, mail_from, recipients, pending, failed, mime, status, attempts, due_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, '[]', ?, 'queued', 0, ?, ?, ?) RETURNING ${COLUMNS}`,
    [entry.userId, entry.from, recipients, recipients, entry.mime, now, now, now]);
  await db.notify(OUTBOUND_CHANNEL, String(row!.id));
  return toEntry(row!);
}

export async function find(db: SqlDriver, id: number): Promise<OutboundEntry | undefined> {
  const row = await db.get<OutboundRow>(`SELECT ${COLUMNS} FROM outbound_queue WHERE id = ?`, [id]);
  return row && toEntry(row);
}

/** Call inside a transaction. */
export async function claim(tx: SqlDriver, owner: string, limit: number, leaseMs: number): Promise<OutboundEntry[]> {
  const now = Date.now();
  const lock = tx.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  // The outer WHERE repeats the test: PostgreSQL re-reads a row another claim changed meanwhile.
  const rows = await tx.all<OutboundRow>(
    `UPDATE outbound_queue SET status = 'sending', lease_owner = ?, due_at = ?, attempts = attempts + 1, updated_at = ?
     WHERE id IN (SELECT id FROM outbound_queue WHERE ${WAITING} AND due_at <= ? ORDER BY due_at, id LIMIT ?${lock})
       AND ${WAITING} AND due_at <= ?
     RETURNING ${COLUMNS}`,
    [owner, now + leaseMs, now, now, limit, now]);
  return rows.map(toEntry).sort((a, b) => a.id - b.id);
}

export async function markSent(db: SqlDriver, id: number, owner: string): Promise<boolean> {
  return settle(db, id, owner, 'sent', { pending: [], failed: [], dueAt: Date.now(), error: null });
}

export async function reschedule(db: SqlDriver, id: number, owner: string, retry: OutboundRetry): Promise<boolean> {
  return settle(db, id, owner, 'queued', retry);
}

export async function markFailed(db: SqlDriver, id: number, owner: string, outcome: { failed: OutboundFailure[]; error: string }): Promise<boolean> {
  return settle(db, id, owner, 'failed', { pending: [], failed: outcome.failed, dueAt: Date.now(), error: outcome.error });
}

async function settle(db: SqlDriver, id: number, owner: string, status: OutboundStatus,
  s: { pending: string[]; failed: OutboundFailure[]; dueAt: number; error: string | null }): Promise<boolean> {
  const res = await db.run(
    `UPDATE outbound_queue SET status = ?, pending = ?, failed = ?, due_at = ?, last_error = COALESCE(?, last_error),
       lease_owner = NULL, updated_at = ?
     WHERE id = ? AND lease_owner = ? AND status = 'sending'`,
    [status, JSON.stringify(s.pending), JSON.stringify(s.failed), s.dueAt, s.error, Date.now(), id, owner]);
  return res.changes > 0;
}

export async function nextDue(db: SqlDriver): Promise<number | undefined> {
  const row = await db.get<{ due: number | string | null }>(`SELECT MIN(due_at) AS due FROM outbound_queue WHERE ${WAITING}`);
  return row?.due == null ? undefined : Number(row.due);
}

/** One read over the waiting rows only (the (status, due_at) index finds them): count, oldest, next due. */
export async function stats(db: SqlDriver): Promise<OutboundQueueStats> {
  const row = await db.get<{ waiting: number | string; oldest: number | string | null; due: number | string | null }>(
    `SELECT COUNT(*) AS waiting, MIN(created_at) AS oldest, MIN(due_at) AS due FROM outbound_queue WHERE ${WAITING}`);
  const time = (v: number | string | null | undefined) => (v == null ? undefined : Number(v));
  return { waiting: Number(row?.waiting ?? 0), oldestQueuedAt: time(row?.oldest), nextDueAt: time(row?.due) };
}

export async function purge(db: SqlDriver, before: number): Promise<number> {
  return (await db.run("DELETE FROM outbound_queue WHERE status IN ('sent', 'failed') AND updated_at < ?", [before])).changes;
}

function toEntry(r: OutboundRow): OutboundEntry {
  return {
    id: r.id, userId: r.user_id, from: r.mail_from, recipients: JSON.parse(r.recipients) as string[],
    pending: JSON.parse(r.pending) as string[], failed: JSON.parse(r.failed) as OutboundFailure[],
    mime: Buffer.isBuffer(r.mime) ? r.mime : Buffer.from(r.mime), status: r.status as OutboundStatus,
    attempts: r.attempts, dueAt: r.due_at, leaseOwner: r.lease_owner, lastError: r.last_error,
    createdAt: r.created_at, updatedAt: r.updated_at,
  };
}
