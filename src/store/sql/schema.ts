// Schema migrations, applied in order at open. Both engines share the DDL except for how an
// identity column is spelt.
import type { Dialect, SqlDriver } from './driver.js';

const ID: Record<Dialect, string> = {
  sqlite: 'INTEGER PRIMARY KEY AUTOINCREMENT',
  postgres: 'BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY',
};

const MIGRATIONS: readonly ((d: Dialect) => string[])[] = [
  d => [
    `CREATE TABLE users (
      id ${ID[d]},
      email TEXT NOT NULL UNIQUE,
      display_name TEXT NOT NULL,
      password_hash TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE TABLE devices (
      id ${ID[d]},
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      device_id TEXT NOT NULL,
      device_type TEXT NOT NULL,
      user_agent TEXT NOT NULL,
      protocol_version TEXT NOT NULL,
      first_seen BIGINT NOT NULL,
      last_seen BIGINT NOT NULL,
      UNIQUE (user_id, device_id)
    )`,
    `CREATE TABLE folders (
      id ${ID[d]},
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      parent_id BIGINT NOT NULL DEFAULT 0,
      display_name TEXT NOT NULL,
      type INTEGER NOT NULL
    )`,
    `CREATE INDEX folders_user ON folders (user_id)`,
    `CREATE TABLE hierarchy_snapshots (
      device_pk BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      sync_key BIGINT NOT NULL,
      folders TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (device_pk, sync_key)
    )`,
  ],
  // Items with change tracking (docs/sync.md): each folder counts its changes in modseq; an item
  // carries the count at its last change; a deleted item stays as a tombstone.
  d => [
    `ALTER TABLE folders ADD COLUMN modseq BIGINT NOT NULL DEFAULT 0`,
    `CREATE TABLE items (
      id ${ID[d]},
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      class TEXT NOT NULL,
      modseq BIGINT NOT NULL,
      deleted INTEGER NOT NULL DEFAULT 0,
      filter_time BIGINT,
      props TEXT NOT NULL,
      created_at BIGINT NOT NULL
    )`,
    `CREATE INDEX items_changes ON items (folder_id, modseq)`,
    `CREATE TABLE collection_states (
      device_pk BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      sync_key BIGINT NOT NULL,
      modseq BIGINT NOT NULL,
      options TEXT NOT NULL,
      replay_key BIGINT,
      replay TEXT,
      updated_at BIGINT NOT NULL,
      PRIMARY KEY (device_pk, folder_id)
    )`,
    `CREATE TABLE device_items (
      device_pk BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      item_id BIGINT NOT NULL,
      modseq BIGINT NOT NULL,
      PRIMARY KEY (device_pk, folder_id, item_id)
    )`,
    `ALTER TABLE devices ADD COLUMN ping TEXT`,
    `ALTER TABLE devices ADD COLUMN sync_request TEXT`,
  ],
  // Calendar items keep their event model (src/calendar/model.ts) beside the generic properties.
  // …and their UID, by which iCalendar and iTIP find them.
  () => [`ALTER TABLE items ADD COLUMN event TEXT`, `ALTER TABLE items ADD COLUMN uid TEXT`, `CREATE INDEX items_uid ON items (user_id, uid)`],
  // SendMail ClientIds already seen (MS-ASCMD 2.2.3.25.1): a message is sent once.
  () => [`CREATE TABLE sent_client_ids (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    client_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, client_id)
  )`],
  // Outbound SMTP queue (docs/mail-outbound.md): one row per submitted message; due_at is the next
  // attempt or, while a node holds the lease, when the lease runs out.
  d => [`CREATE TABLE outbound_queue (
    id ${ID[d]},
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    mail_from TEXT NOT NULL,
    recipients TEXT NOT NULL,
    pending TEXT NOT NULL,
    failed TEXT NOT NULL,
    mime ${d === 'postgres' ? 'BYTEA' : 'BLOB'} NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    due_at BIGINT NOT NULL,
    lease_owner TEXT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
  )`, `CREATE INDEX outbound_queue_due ON outbound_queue (status, due_at)`],
  // A mail item's message as it arrived (RFC 5322), beside the properties derived from it: the
  // source of Type 4 bodies, attachments and Smart commands. Kept apart so change scans stay small;
  // a move hands it to the new row, a delete drops it (docs/store.md).
  d => [`CREATE TABLE item_content (
    item_id BIGINT PRIMARY KEY REFERENCES items(id) ON DELETE CASCADE,
    mime ${d === 'postgres' ? 'BYTEA' : 'BLOB'} NOT NULL
  )`],
  // Message-IDs each account received from other servers: a sender that retries after losing our
  // 250 reply, or a message that reaches an account by two routes, is filed once (docs/mail-inbound.md).
  () => [`CREATE TABLE received_message_ids (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    message_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, message_id)
  )`],
  // Tombstone expiry (docs/sync.md): when an item was deleted, and per folder the newest change
  // number whose tombstones are gone — a device that synced before it is reconciled from the
  // versions it holds instead.
  () => [
    `ALTER TABLE items ADD COLUMN deleted_at BIGINT`,
    // Tombstones from before this version count from the upgrade, not from their item's creation.
    `UPDATE items SET deleted_at = ${Date.now()} WHERE deleted = 1`,
    `CREATE INDEX items_deleted_at ON items (deleted_at)`,
    `ALTER TABLE folders ADD COLUMN purged_modseq BIGINT NOT NULL DEFAULT 0`,
  ],
  // Provisioning (docs/provisioning.md): each device's acknowledged and temporary policy keys, the
  // policy it acknowledged, a remote wipe and its progress, what it said about itself; and each
  // account's Out of Office settings (Settings Oof), stored as given.
  () => [
    `ALTER TABLE devices ADD COLUMN policy_key BIGINT`,
    `ALTER TABLE devices ADD COLUMN policy_hash TEXT`,
    `ALTER TABLE devices ADD COLUMN pending_policy_key BIGINT`,
    `ALTER TABLE devices ADD COLUMN wipe_kind TEXT`,
    `ALTER TABLE devices ADD COLUMN wipe_status TEXT`,
    `ALTER TABLE devices ADD COLUMN wipe_requested_at BIGINT`,
    `ALTER TABLE devices ADD COLUMN wipe_updated_at BIGINT`,
    `ALTER TABLE devices ADD COLUMN information TEXT`,
    `CREATE TABLE oof_settings (
      user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      settings TEXT NOT NULL,
      updated_at BIGINT NOT NULL
    )`,
  ],
  // Out of Office automatic replies (docs/mail.md): each Settings Oof Set starts a new period of
  // the account's settings; a sender gets one reply per period (RFC 3834 2).
  () => [
    `ALTER TABLE oof_settings ADD COLUMN period BIGINT NOT NULL DEFAULT 0`,
    `CREATE TABLE oof_replies (
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      sender TEXT NOT NULL,
      period BIGINT NOT NULL,
      created_at BIGINT NOT NULL,
      PRIMARY KEY (user_id, sender, period)
    )`,
  ],
  // One-off maintenance tasks that have run (docs/reliability.md: the repair of stored text).
  () => [`CREATE TABLE maintenance (
    name TEXT PRIMARY KEY,
    done_at BIGINT NOT NULL
  )`],
  // Outbound DKIM (docs/mail-auth.md): one signing key per domain, made by `convene dkim generate`;
  // the private key as PKCS#8 PEM (the public key is derived from it).
  () => [`CREATE TABLE dkim_keys (
    domain TEXT PRIMARY KEY,
    selector TEXT NOT NULL,
    private_key TEXT NOT NULL,
    created_at BIGINT NOT NULL
  )`],
  // CalDAV (docs/dav.md): the resource name a client PUT an event under; kept on the tombstone so
  // sync-collection can name what was deleted. Items without one are named after their id.
  () => [`ALTER TABLE items ADD COLUMN dav_name TEXT`, `CREATE INDEX items_dav_name ON items (folder_id, dav_name)`],
  // ItemOperations Move with MoveAlways (MS-ASCMD 2.2.3.118): later mail of a conversation is
  // filed in its folder (sql/conversationRules.ts); the id is Email2:ConversationId in base64.
  () => [`CREATE TABLE conversation_rules (
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    conversation_id TEXT NOT NULL,
    folder_id BIGINT NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
    used_at BIGINT NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
  )`],
  // DAV collections (docs/dav.md): the URL segment a CalDAV/CardDAV client chose at MKCALENDAR /
  // MKCOL (folders without one are named by their id), and the collection's properties (description,
  // colour, time zone, a client's dead properties) as one JSON object.
  () => [
    `ALTER TABLE folders ADD COLUMN dav_name TEXT`,
    `ALTER TABLE folders ADD COLUMN dav_props TEXT`,
    `CREATE INDEX folders_dav_name ON folders (user_id, dav_name)`,
  ],
  // The web console (docs/console.md): the scheduling engine's decisions per account and meeting,
  // written as it takes them (src/scheduling/trace.ts); per-device protocol logging an operator
  // switches on until a time, and the exchanges it kept. Both trimmed by src/store/expiry.ts.
  d => [
    `CREATE TABLE scheduling_trace (
      id ${ID[d]},
      run TEXT NOT NULL,
      at BIGINT NOT NULL,
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      uid TEXT NOT NULL,
      recurrence_id BIGINT,
      step TEXT NOT NULL,
      subject TEXT,
      text TEXT NOT NULL,
      data TEXT,
      source TEXT NOT NULL
    )`,
    `CREATE INDEX scheduling_trace_uid ON scheduling_trace (uid, id)`,
    `CREATE INDEX scheduling_trace_at ON scheduling_trace (at)`,
    `CREATE TABLE device_logging (
      device_pk BIGINT PRIMARY KEY REFERENCES devices(id) ON DELETE CASCADE,
      log_until BIGINT NOT NULL
    )`,
    `CREATE TABLE protocol_exchanges (
      id ${ID[d]},
      device_pk BIGINT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
      at BIGINT NOT NULL,
      cmd TEXT NOT NULL,
      http INTEGER NOT NULL,
      statuses TEXT NOT NULL,
      ms INTEGER NOT NULL,
      request TEXT NOT NULL,
      response TEXT NOT NULL
    )`,
    `CREATE INDEX protocol_exchanges_device ON protocol_exchanges (device_pk, id)`,
    `CREATE INDEX protocol_exchanges_at ON protocol_exchanges (at)`,
  ],
  // The web console's sign-in (docs/console.md): the operator flag on accounts, and sessions kept
  // as the SHA-256 of their cookie token (a copy of the table lets no one sign in), with the
  // session's CSRF token and its expiry.
  () => [
    `ALTER TABLE users ADD COLUMN admin INTEGER NOT NULL DEFAULT 0`,
    `CREATE TABLE console_sessions (
      token_hash TEXT PRIMARY KEY,
      user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      csrf TEXT NOT NULL,
      created_at BIGINT NOT NULL,
      expires_at BIGINT NOT NULL
    )`,
    `CREATE INDEX console_sessions_expiry ON console_sessions (expires_at)`,
  ],
  // Rooms and equipment that answer invitations themselves (docs/resources-delegates.md).
  () => [`CREATE TABLE resources (
      user_id BIGINT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
      name TEXT NOT NULL,
      capacity INTEGER,
      policy TEXT NOT NULL,
      booking_window_days INTEGER,
      max_duration_minutes INTEGER,
      allow_conflicts INTEGER NOT NULL
    )`],
  // RFC 6638 3.2.10 schedule-tag (docs/dav.md): the modseq of the item's last change that was not
  // only a reply merged into an organizer's copy. NULL: the row's modseq (no backfill needed).
  () => [`ALTER TABLE items ADD COLUMN schedule_tag BIGINT`],
  // Delegates (docs/resources-delegates.md): who receives and answers a principal's meeting
  // requests, with their rights on its calendar and whether the principal keeps a copy.
  () => [`CREATE TABLE delegates (
      principal_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      delegate_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      calendar TEXT NOT NULL,
      principal_copies INTEGER NOT NULL,
      PRIMARY KEY (principal_id, delegate_id)
    )`, `CREATE INDEX delegates_delegate ON delegates (delegate_id)`],
];

/** The schema version this Convene writes: a store at a higher one was made by a newer Convene. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** The PostgreSQL advisory lock migrations (and `convene migrate`'s copy) hold: one-bigint key space. */
export const MIGRATION_LOCK = 7405321;

export async function migrate(db: SqlDriver): Promise<void> {
  await db.transaction(async tx => {
    // Several nodes may start at once against one PostgreSQL: one migrates, the others wait.
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
    const row = await tx.get<{ version: number }>('SELECT MAX(version) AS version FROM schema_version');
    const current = row?.version ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of MIGRATIONS[v](tx.dialect)) await tx.run(statement);
      await tx.run('INSERT INTO schema_version (version) VALUES (?)', [v + 1]);
    }
  });
}
