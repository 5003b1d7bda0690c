// The outbound queue as the console's operator page sees it (docs/console.md): the newest entries
// without their MIME, and "retry now" for one waiting its next attempt. A leased entry (sending) is
// left to its node, and so is "give up" of one of its recipients; the delivery loop is woken as for a new message (the queue's notify channel).
import type { OutboundEntry, OutboundFailure, OutboundListing, OutboundStatus } from '../Store.js';
import type { SqlDriver } from './driver.js';
import { find, OUTBOUND_CHANNEL } from './outbound.js';

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

/**
 * Gives up one pending recipient of a queued entry: it joins the failed ones (so the page shows it
 * bounced with `error`), and the entry is failed once nothing is pending. The UPDATE repeats what
 * was read (queued, same pending list), so a claim or another give-up meanwhile makes it a no-op.
 */
export async function giveUp(db: SqlDriver, id: number, recipient: string, error: string): Promise<OutboundEntry | undefined> {
  const entry = await find(db, id);
  if (!entry || entry.status !== 'queued' || !entry.pending.includes(recipient)) return undefined;
  const pending = entry.pending.filter(r => r !== recipient);
  const failed: OutboundFailure[] = [...entry.failed, { recipient, error }];
  const status: OutboundStatus = pending.length ? 'queued' : 'failed';
  const res = await db.run(
    `UPDATE outbound_queue SET status = ?, pending = ?, failed = ?, last_error = ?, updated_at = ?
     WHERE id = ? AND status = 'queued' AND pending = ?`,
    [status, JSON.stringify(pending), JSON.stringify(failed), error, Date.now(), id, JSON.stringify(entry.pending)]);
  return res.changes > 0 ? entry : undefined;
}
