// The outbound queue as the console's operator page sees it (docs/console.md): the newest entries
// without their MIME, and "retry now" for one waiting its next attempt. A leased entry (sending) is
// left to its node; the delivery loop is woken as for a new message (the queue's notify channel).
import type { OutboundFailure, OutboundListing, OutboundStatus } from '../Store.js';
import type { SqlDriver } from './driver.js';
import { OUTBOUND_CHANNEL } from './outbound.js';

interface Row {
  id: number | string; user_id: number | string; mail_from: string; recipients: string; pending: string; failed: string; status: string;
  attempts: number | string; due_at: number | string; last_error: string | null; created_at: number | string; updated_at: number | string;
}

export async function list(db: SqlDriver, limit: number): Promise<OutboundListing[]> {
  const rows = await db.all<Row>(
    `SELECT id, user_id, mail_from, recipients, pending, failed, status, attempts, due_at, last_error, created_at, updated_at
     FROM outbound_queue ORDER BY id DESC LIMIT ?`, [limit]);
  return rows.map(r => ({
    id: Number(r.id), userId: Number(r.user_id), from: r.mail_from, recipients: JSON.parse(r.recipients) as string[],
    pending: JSON.parse(r.pending) as string[], failed: JSON.parse(r.failed) as OutboundFailure[], status: r.status as OutboundStatus,
    attempts: Number(r.attempts), dueAt: Number(r.due_at), lastError: r.last_error, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  }));
}

/** Brings a queued entry's next attempt to now; false when it is not waiting (sent, failed, leased). */
export async function retryNow(db: SqlDriver, id: number): Promise<boolean> {
  const now = Date.now();
  const changed = (await db.run("UPDATE outbound_queue SET due_at = ?, updated_at = ? WHERE id = ? AND status = 'queued'", [now, now, id])).changes > 0;
  if (changed) await db.notify(OUTBOUND_CHANNEL, String(id));
  return changed;
}
