// The scheduling decision trace and devices' protocol exchanges (src/store/traceTypes.ts): written
// in batches, read per meeting or device, trimmed by the expiry job to an age and a count per
// meeting (per device) so neither grows without bound.
import type { NewProtocolExchange, NewTraceRow, ProtocolExchange, TracedMeeting, TraceRow, TraceSource, TraceStep } from '../traceTypes.js';
import type { SqlDriver, SqlValue } from './driver.js';

const TRACE_COLUMNS = 'run, at, user_id, uid, recurrence_id, step, subject, text, data, source';

interface TraceDbRow {
  id: number | string; run: string; at: number | string; user_id: number | string; uid: string; recurrence_id: number | string | null;
  step: string; subject: string | null; text: string; data: string | null; source: string;
}

/** One INSERT for the whole batch: an engine run costs one statement, whatever it noted. */
export async function addTrace(db: SqlDriver, rows: readonly NewTraceRow[]): Promise<void> {
  if (!rows.length) return;
  const params: SqlValue[] = [];
  for (const r of rows) {
    params.push(r.run, r.at, r.userId, r.uid, r.recurrenceId ?? null, r.step, r.subject ?? null, r.text,
      r.data ? JSON.stringify(r.data) : null, JSON.stringify(r.source));
  }
  const values = rows.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
  await db.run(`INSERT INTO scheduling_trace (${TRACE_COLUMNS}) VALUES ${values}`, params);
}

/** The meeting's notes, oldest first; only one account's when `userId` is given. */
export async function traceOf(db: SqlDriver, uid: string, o: { userId?: number | undefined; limit: number }): Promise<TraceRow[]> {
  const own = o.userId === undefined ? '' : ' AND user_id = ?';
  const params: SqlValue[] = o.userId === undefined ? [uid, o.limit] : [uid, o.userId, o.limit];
  const rows = await db.all<TraceDbRow>(`SELECT id, ${TRACE_COLUMNS} FROM scheduling_trace WHERE uid = ?${own} ORDER BY id LIMIT ?`, params);
  return rows.map(toTraceRow);
}

/**
 * Meetings whose UID is `text`, or whose subject or notes (recipients, senders) contain it, newest
 * decision first; only one account's when `userId` is given.
 */
export async function findMeetings(db: SqlDriver, o: { text: string; userId?: number | undefined; limit: number }): Promise<TracedMeeting[]> {
  const like = `%${o.text.toLowerCase().replace(/[!%_]/g, c => `!${c}`)}%`;
  const own = o.userId === undefined ? '' : ' AND user_id = ?';
  const params: SqlValue[] = [o.text, like, like, ...(o.userId === undefined ? [] : [o.userId]), o.limit];
  const rows = await db.all<{ uid: string; subject: string | null; last_at: number | string; notes: number | string }>(
    `SELECT uid, MAX(subject) AS subject, MAX(at) AS last_at, COUNT(*) AS notes FROM scheduling_trace
     WHERE (uid = ? OR LOWER(subject) LIKE ? ESCAPE '!' OR LOWER(text) LIKE ? ESCAPE '!')${own}
     GROUP BY uid ORDER BY MAX(at) DESC LIMIT ?`, params);
  return rows.map(r => ({ uid: r.uid, subject: r.subject ?? undefined, lastAt: Number(r.last_at), notes: Number(r.notes) }));
}

/** Notes older than `before`, and all but the newest `keep` of each meeting of each account. */
export async function purgeTrace(db: SqlDriver, before: number, keep: number): Promise<number> {
  const old = (await db.run('DELETE FROM scheduling_trace WHERE at < ?', [before])).changes;
  const over = (await db.run(
    `DELETE FROM scheduling_trace WHERE id IN (SELECT id FROM (
       SELECT id, ROW_NUMBER() OVER (PARTITION BY user_id, uid ORDER BY id DESC) AS n FROM scheduling_trace) ranked WHERE n > ?)`,
    [keep])).changes;
  return old + over;
}

function toTraceRow(r: TraceDbRow): TraceRow {
  return {
    id: Number(r.id), run: r.run, at: Number(r.at), userId: Number(r.user_id), uid: r.uid,
    recurrenceId: r.recurrence_id === null ? undefined : Number(r.recurrence_id), step: r.step as TraceStep,
    subject: r.subject ?? undefined, text: r.text, data: r.data ? (JSON.parse(r.data) as Record<string, unknown>) : undefined,
    source: JSON.parse(r.source) as TraceSource,
  };
}

// ─── protocol logging per device ───────────────────────────────────────────────────────────────

/** Switches the device's protocol log on until `until` (ms), or off (null). */
export async function setLogging(db: SqlDriver, devicePk: number, until: number | null): Promise<void> {
  if (until === null) await db.run('DELETE FROM device_logging WHERE device_pk = ?', [devicePk]);
  else {
    await db.run(`INSERT INTO device_logging (device_pk, log_until) VALUES (?, ?)
      ON CONFLICT (device_pk) DO UPDATE SET log_until = excluded.log_until`, [devicePk, until]);
  }
}

export async function loggingUntil(db: SqlDriver, devicePk: number): Promise<number | undefined> {
  const row = await db.get<{ log_until: number | string }>('SELECT log_until FROM device_logging WHERE device_pk = ?', [devicePk]);
  return row && Number(row.log_until);
}

/** Every device whose switch is on at `now` (a handful: the ones being inspected), at most `limit`. */
export async function loggingDevices(db: SqlDriver, now: number, limit: number): Promise<Map<number, number>> {
  const rows = await db.all<{ device_pk: number | string; log_until: number | string }>(
    'SELECT device_pk, log_until FROM device_logging WHERE log_until > ? ORDER BY device_pk LIMIT ?', [now, limit]);
  return new Map(rows.map(r => [Number(r.device_pk), Number(r.log_until)]));
}

const EXCHANGE_COLUMNS = 'device_pk, at, cmd, http, statuses, ms, request, response';

interface ExchangeDbRow {
  id: number | string; device_pk: number | string; at: number | string; cmd: string; http: number | string; statuses: string;
  ms: number | string; request: string; response: string;
}

export async function addExchange(db: SqlDriver, e: NewProtocolExchange): Promise<number> {
  const row = await db.get<{ id: number | string }>(`INSERT INTO protocol_exchanges (${EXCHANGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
    [e.devicePk, e.at, e.cmd, e.http, JSON.stringify(e.statuses), e.ms, e.request, e.response]);
  return Number(row!.id);
}

/** The device's exchanges after `afterId`, oldest first (the newest `limit` when `newest`). */
export async function exchangesOf(db: SqlDriver, devicePk: number, o: { afterId?: number | undefined; cmd?: string | undefined; limit: number }): Promise<ProtocolExchange[]> {
  const params: SqlValue[] = [devicePk, o.afterId ?? 0];
  const cmd = o.cmd ? ' AND cmd = ?' : '';
  if (o.cmd) params.push(o.cmd);
  params.push(o.limit);
  const rows = await db.all<ExchangeDbRow>(
    `SELECT id, ${EXCHANGE_COLUMNS} FROM protocol_exchanges WHERE device_pk = ? AND id > ?${cmd} ORDER BY id DESC LIMIT ?`, params);
  return rows.map(toExchange).reverse();
}

export async function exchange(db: SqlDriver, devicePk: number, id: number): Promise<ProtocolExchange | undefined> {
  const row = await db.get<ExchangeDbRow>(`SELECT id, ${EXCHANGE_COLUMNS} FROM protocol_exchanges WHERE device_pk = ? AND id = ?`, [devicePk, id]);
  return row && toExchange(row);
}

export async function purgeExchanges(db: SqlDriver, before: number, keep: number): Promise<number> {
  const old = (await db.run('DELETE FROM protocol_exchanges WHERE at < ?', [before])).changes;
  const over = (await db.run(
    `DELETE FROM protocol_exchanges WHERE id IN (SELECT id FROM (
       SELECT id, ROW_NUMBER() OVER (PARTITION BY device_pk ORDER BY id DESC) AS n FROM protocol_exchanges) ranked WHERE n > ?)`,
    [keep])).changes;
  // A switch left on past its time is off: the row goes too.
  const off = (await db.run('DELETE FROM device_logging WHERE log_until < ?', [Date.now()])).changes;
  return old + over + off;
}

function toExchange(r: ExchangeDbRow): ProtocolExchange {
  return {
    id: Number(r.id), devicePk: Number(r.device_pk), at: Number(r.at), cmd: r.cmd, http: Number(r.http),
    statuses: JSON.parse(r.statuses) as number[], ms: Number(r.ms), request: r.request, response: r.response,
  };
}
