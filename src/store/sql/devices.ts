// Devices beyond their sighting: policy keys, remote wipes and what a device says about itself
// (docs/provisioning.md); and each account's Out of Office settings.
import type { Device, DeviceInformation, DeviceWipe, OofSettings, User } from '../types.js';
import type { SqlDriver } from './driver.js';

export interface DeviceRow {
  id: number; user_id: number; device_id: string; device_type: string; user_agent: string;
  protocol_version: string; first_seen: number; last_seen: number;
  policy_key: number | null; policy_hash: string | null; pending_policy_key: number | null;
  wipe_kind: string | null; wipe_status: string | null; wipe_requested_at: number | null; wipe_updated_at: number | null;
  information: string | null;
  ping?: string | null; sync_request?: string | null;
}

export const DEVICE_COLUMNS = `id, user_id, device_id, device_type, user_agent, protocol_version, first_seen, last_seen,
  policy_key, policy_hash, pending_policy_key, wipe_kind, wipe_status, wipe_requested_at, wipe_updated_at, information`;

/** DEVICE_COLUMNS and the device's caches (Device.cached), for the read of every request. */
export const DEVICE_COLUMNS_CACHED = `${DEVICE_COLUMNS}, ping, sync_request`;

const PREFIXED = DEVICE_COLUMNS_CACHED.split(',').map(c => c.trim());
const USER_WITH_DEVICE = `SELECT u.id, u.email, u.display_name, u.password_hash, u.created_at, ${PREFIXED.map(c => `d.${c} AS d_${c}`).join(', ')}
  FROM users u LEFT JOIN devices d ON d.user_id = u.id AND d.device_id = ? WHERE u.email = ?`;

/** The account and its device in one statement: the device's columns come prefixed `d_`. */
export async function userWithDevice(db: SqlDriver, email: string, deviceId: string): Promise<{ user: User; device: Device | null } | undefined> {
  const r = await db.get<Record<string, unknown>>(USER_WITH_DEVICE, [deviceId, email.toLowerCase()]);
  if (!r) return undefined;
  const user: User = {
    id: r.id as number, email: r.email as string, displayName: r.display_name as string, passwordHash: r.password_hash as string, createdAt: r.created_at as number,
  };
  if (r.d_id === null || r.d_id === undefined) return { user, device: null };
  const row: Record<string, unknown> = {};
  for (const c of PREFIXED) row[c] = r[`d_${c}`];
  return { user, device: toDevice(row as unknown as DeviceRow) };
}

export function toDevice(r: DeviceRow): Device {
  return {
    id: r.id, userId: r.user_id, deviceId: r.device_id, deviceType: r.device_type, userAgent: r.user_agent,
    protocolVersion: r.protocol_version, firstSeen: r.first_seen, lastSeen: r.last_seen,
    policyKey: r.policy_key, policyHash: r.policy_hash, pendingPolicyKey: r.pending_policy_key,
    wipe: r.wipe_kind && r.wipe_status ? {
      kind: r.wipe_kind as DeviceWipe['kind'], status: r.wipe_status as DeviceWipe['status'],
      requestedAt: r.wipe_requested_at ?? 0, updatedAt: r.wipe_updated_at ?? 0,
    } : null,
    information: r.information ? (JSON.parse(r.information) as DeviceInformation) : null,
    ...(r.sync_request !== undefined || r.ping !== undefined ? { cached: { ping: r.ping ?? null, syncRequest: r.sync_request ?? null } } : {}),
  };
}

export async function setPendingPolicyKey(db: SqlDriver, devicePk: number, key: number): Promise<void> {
  await db.run('UPDATE devices SET pending_policy_key = ? WHERE id = ?', [key, devicePk]);
}

/** Swaps the temporary key for the final one in one statement, so two acknowledgements cannot both win. */
export async function acknowledgePolicyKey(db: SqlDriver, devicePk: number, temporaryKey: number, finalKey: number, policyHash: string): Promise<boolean> {
  const res = await db.run(
    'UPDATE devices SET policy_key = ?, policy_hash = ?, pending_policy_key = NULL WHERE id = ? AND pending_policy_key = ?',
    [finalKey, policyHash, devicePk, temporaryKey]);
  return res.changes > 0;
}

export async function setInformation(db: SqlDriver, devicePk: number, info: DeviceInformation): Promise<void> {
  await db.run('UPDATE devices SET information = ? WHERE id = ?', [JSON.stringify(info), devicePk]);
}

export async function requestWipe(db: SqlDriver, devicePk: number, kind: DeviceWipe['kind']): Promise<void> {
  const now = Date.now();
  await db.run(
    `UPDATE devices SET wipe_kind = ?, wipe_status = 'requested', wipe_requested_at = ?, wipe_updated_at = ? WHERE id = ?`,
    [kind, now, now, devicePk]);
}

/** Moves a requested wipe on; a device with no wipe requested stays as it is. */
export async function recordWipe(db: SqlDriver, devicePk: number, status: Exclude<DeviceWipe['status'], 'requested'>): Promise<void> {
  await db.run('UPDATE devices SET wipe_status = ?, wipe_updated_at = ? WHERE id = ? AND wipe_kind IS NOT NULL',
    [status, Date.now(), devicePk]);
}

export async function removeDevice(db: SqlDriver, userId: number, deviceId: string): Promise<boolean> {
  return (await db.run('DELETE FROM devices WHERE user_id = ? AND device_id = ?', [userId, deviceId])).changes > 0;
}

export async function getOof(db: SqlDriver, userId: number): Promise<OofSettings | undefined> {
  const row = await db.get<{ settings: string }>('SELECT settings FROM oof_settings WHERE user_id = ?', [userId]);
  return row && (JSON.parse(row.settings) as OofSettings);
}

export async function setOof(db: SqlDriver, userId: number, oof: OofSettings): Promise<void> {
  await db.run(
    `INSERT INTO oof_settings (user_id, settings, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET settings = excluded.settings, updated_at = excluded.updated_at`,
    [userId, JSON.stringify(oof), Date.now()]);
}
