// `convene migrate`: a SQLite store copied whole into an empty PostgreSQL database (docs/backup.md).
// Every table the schema has, row for row with its ids, so devices keep their SyncKeys: sync state,
// per-device item versions, tombstones, the outbound queue, keys and maintenance marks. Driven by the
// tables themselves, not a list: a table a later migration adds is copied without a change here.
import Database from 'better-sqlite3';
import type { SqlDriver, SqlValue } from './sql/driver.js';
import { migrate, MIGRATION_LOCK, SCHEMA_VERSION } from './sql/schema.js';

/** A refusal with its reason in one line (the CLI prints it as is). */
export class MigrateError extends Error {}

/** SQLite's own tables and the cross-process announcements (transient, SQLite only: docs/push.md). */
const NOT_COPIED = new Set(['schema_version', 'process_notifications', 'sqlite_sequence']);
/** Rows per INSERT, and the bytes after which a batch goes out early (item_content holds whole messages). */
const MAX_ROWS = 200;
const MAX_PARAMS = 30_000;
const MAX_BYTES = 8 * 1024 * 1024;

export interface CopiedTable { name: string; rows: number }

interface Column { name: string; type: string }

/**
 * Copies the SQLite store at `source` (already at this version's schema) into `target`, which must
 * hold no Convene store: the schema is made and every row copied in one transaction, then each
 * identity sequence is set past the highest id SQLite ever gave (ids are never reused).
 */
export async function copySqliteToPostgres(source: string, target: SqlDriver): Promise<CopiedTable[]> {
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // One read transaction: a consistent snapshot even if a CLI command writes meanwhile.
    db.exec('BEGIN');
    const version = (db.prepare('SELECT MAX(version) AS v FROM schema_version').get() as { v: number | null }).v;
    if (version !== SCHEMA_VERSION) throw new MigrateError(`the SQLite store is at schema ${version}, this Convene at ${SCHEMA_VERSION}`);
    const tables = tablesInForeignKeyOrder(db);
    return await target.transaction(async tx => {
      // The lock `migrate` takes: a `convene serve` starting on this database waits for the copy.
      await tx.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK]);
      const present = (await tx.all<{ table_name: string }>(
        'SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()')).map(r => r.table_name);
      const clash = present.filter(t => t === 'schema_version' || tables.includes(t));
      if (clash.length > 0) {
        const v = present.includes('schema_version') ? await tx.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_version') : undefined;
        throw new MigrateError(v ? `it holds a Convene store already (schema ${v.v}): migrate needs an empty database`
          : `it has tables of its own (${clash.slice(0, 3).join(', ')}): migrate needs an empty database`);
      }
      await migrate(tx);
      const copied: CopiedTable[] = [];
      for (const table of tables) copied.push({ name: table, rows: await copyTable(db, tx, table) });
      return copied;
    });
  } finally {
    if (db.inTransaction) db.exec('COMMIT');
    db.close();
  }
}

/** Parents before children, so every row's foreign keys exist when it is inserted. */
function tablesInForeignKeyOrder(db: Database.Database): string[] {
  const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
    .map(r => r.name).filter(n => !NOT_COPIED.has(n) && !n.startsWith('sqlite_'));
  const ordered: string[] = [];
  const visit = (name: string, path: Set<string>): void => {
    if (ordered.includes(name) || path.has(name)) return;
    path.add(name);
    for (const fk of db.pragma(`foreign_key_list(${quote(name)})`) as { table: string }[]) {
      if (fk.table !== name && names.includes(fk.table)) visit(fk.table, path);
    }
    ordered.push(name);
  };
  for (const name of names) visit(name, new Set());
  return ordered;
}

async function copyTable(db: Database.Database, tx: SqlDriver, table: string): Promise<number> {
  const columns = await targetColumns(tx, table);
  const sourceColumns = (db.pragma(`table_info(${quote(table)})`) as { name: string }[]).map(c => c.name);
  const missing = sourceColumns.filter(c => !columns.some(t => t.name === c));
  if (columns.length === 0 || missing.length > 0 || sourceColumns.length !== columns.length) {
    throw new MigrateError(`table ${table} differs between the SQLite store and the PostgreSQL schema (${missing.join(', ') || 'columns'})`);
  }
  const identity = columns.some(c => c.name === 'id') && (await tx.get<{ seq: string | null }>(
    'SELECT pg_get_serial_sequence(?, ?) AS seq', [table, 'id']))?.seq;
  const list = columns.map(c => quote(c.name)).join(', ');
  const head = `INSERT INTO ${quote(table)} (${list})${identity ? ' OVERRIDING SYSTEM VALUE' : ''} VALUES `;
  const tuple = `(${columns.map(() => '?').join(', ')})`;
  const perBatch = Math.max(1, Math.min(MAX_ROWS, Math.floor(MAX_PARAMS / columns.length)));
  let rows = 0;
  let batch: SqlValue[] = [];
  let batchRows = 0;
  let bytes = 0;
  const flush = async (): Promise<void> => {
    if (batchRows === 0) return;
    await tx.run(head + Array(batchRows).fill(tuple).join(', '), batch);
    rows += batchRows;
    batch = [];
    batchRows = 0;
    bytes = 0;
  };
  const read = db.prepare(`SELECT ${list} FROM ${quote(table)} ORDER BY rowid`).raw(true);
  for (const row of read.iterate() as Iterable<unknown[]>) {
    row.forEach((v, i) => {
      const value = convert(v, columns[i], table);
      bytes += typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 8;
      batch.push(value);
    });
    batchRows++;
    if (batchRows >= perBatch || bytes >= MAX_BYTES) await flush();
  }
  await flush();
  const count = await tx.get<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${quote(table)}`);
  const sourceCount = (db.prepare(`SELECT COUNT(*) AS n FROM ${quote(table)}`).get() as { n: number }).n;
  if (Number(count?.n) !== sourceCount || rows !== sourceCount) {
    throw new MigrateError(`table ${table}: ${sourceCount} rows in SQLite, ${String(count?.n)} in PostgreSQL after the copy`);
  }
  if (identity) await setSequence(db, tx, table, identity);
  return rows;
}

/** Past both the highest id present and the highest SQLite ever handed out (AUTOINCREMENT never reuses one). */
async function setSequence(db: Database.Database, tx: SqlDriver, table: string, sequence: string): Promise<void> {
  const maxId = (db.prepare(`SELECT MAX(id) AS id FROM ${quote(table)}`).get() as { id: number | null }).id ?? 0;
  const seq = (db.prepare('SELECT seq FROM sqlite_sequence WHERE name = ?').get(table) as { seq: number } | undefined)?.seq ?? 0;
  const last = Math.max(maxId, seq);
  // setval(…, 1, false): the next id is 1 — an empty table starts where a fresh one would.
  await tx.run('SELECT setval(?::regclass, ?, ?)', [sequence, Math.max(last, 1), last > 0 ? 'true' : 'false']);
}

async function targetColumns(tx: SqlDriver, table: string): Promise<Column[]> {
  return tx.all<Column>(`SELECT column_name AS name, data_type AS type FROM information_schema.columns
    WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, [table]);
}

/**
 * SQLite stores what it is given; PostgreSQL wants the column's type. BLOB → bytea as is, text kept
 * text (JSON included: the store writes it as text on both), integers as numbers (`deleted` is an
 * INTEGER 0/1 on both engines, not a boolean).
 */
function convert(v: unknown, column: Column, table: string): SqlValue {
  if (v === null || v === undefined) return null;
  if (column.type === 'bytea') return Buffer.isBuffer(v) ? v : Buffer.from(String(v), 'utf8');
  if (column.type === 'bigint' || column.type === 'integer' || column.type === 'smallint') {
    const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : Number(String(v));
    if (!Number.isSafeInteger(n)) throw new MigrateError(`table ${table}, column ${column.name}: ${String(v).slice(0, 40)} is not a whole number`);
    return n;
  }
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  return typeof v === 'string' ? v : String(v);
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
