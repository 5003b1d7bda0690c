// Resources (rooms, equipment): one row per account that answers invitations itself.
import type { Resource } from '../Store.js';
import type { SqlDriver } from './driver.js';

interface ResourceRow {
  user_id: number | string; name: string; capacity: number | null; policy: string;
  booking_window_days: number | null; max_duration_minutes: number | null; allow_conflicts: number;
}

const COLUMNS = 'user_id, name, capacity, policy, booking_window_days, max_duration_minutes, allow_conflicts';

const toResource = (r: ResourceRow): Resource => ({
  userId: Number(r.user_id), name: r.name, capacity: r.capacity ?? undefined, policy: r.policy === 'manual' ? 'manual' : 'auto',
  bookingWindowDays: r.booking_window_days ?? undefined, maxDurationMinutes: r.max_duration_minutes ?? undefined, allowConflicts: Number(r.allow_conflicts) === 1,
});

export async function set(db: SqlDriver, r: Resource): Promise<void> {
  await db.run(
    `INSERT INTO resources (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET name = excluded.name, capacity = excluded.capacity, policy = excluded.policy,
       booking_window_days = excluded.booking_window_days, max_duration_minutes = excluded.max_duration_minutes, allow_conflicts = excluded.allow_conflicts`,
    [r.userId, r.name, r.capacity ?? null, r.policy, r.bookingWindowDays ?? null, r.maxDurationMinutes ?? null, r.allowConflicts ? 1 : 0]);
}

export async function of(db: SqlDriver, userIds: readonly number[]): Promise<Map<number, Resource>> {
  const out = new Map<number, Resource>();
  for (let i = 0; i < userIds.length; i += 500) {
    const chunk = userIds.slice(i, i + 500);
    const rows = await db.all<ResourceRow>(`SELECT ${COLUMNS} FROM resources WHERE user_id IN (${chunk.map(() => '?').join(', ')})`, [...chunk]);
    for (const r of rows) out.set(Number(r.user_id), toResource(r));
  }
  return out;
}

export async function list(db: SqlDriver): Promise<Resource[]> {
  return (await db.all<ResourceRow>(`SELECT ${COLUMNS} FROM resources ORDER BY user_id`)).map(toResource);
}
