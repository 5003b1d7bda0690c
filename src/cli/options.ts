// Flags shared by every command that touches the store, each also readable from CONVENE_*, and the
// checks that turn a bad value into one line before anything is opened.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { openStore, type StoreLocation } from '../store/open.js';
import type { Store } from '../store/Store.js';
import { redactedUrl, step } from './errors.js';

export class UsageError extends Error {}

export const STORE_FLAGS = {
  data: { type: 'string' },
  db: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export function env(name: string): string | undefined {
  const v = process.env[`CONVENE_${name}`];
  return v === undefined || v === '' ? undefined : v;
}

export function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    // node:util's messages may span lines ("… is ambiguous.\nDid you forget …"): errors are one line.
    throw new UsageError((e as Error).message.split('\n').map(l => l.trim()).filter(Boolean).join(' '));
  }
}

/** Where the store is; a --db that is neither PostgreSQL nor SQLite is a usage error here, not later. */
export function storeLocation(values: { data?: string | undefined; db?: string | undefined }): StoreLocation {
  const db = values.db ?? env('DB');
  if (db !== undefined && !/^postgres(ql)?:\/\/./.test(db) && !/^sqlite:./.test(db)) {
    throw new UsageError(`--db takes postgres://USER:PASSWORD@HOST/DATABASE or sqlite:PATH, not "${redactedUrl(db)}"`);
  }
  if (db !== undefined && db.startsWith('postgres')) {
    try {
      new URL(db);
    } catch {
      throw new UsageError('--db: the PostgreSQL URL is not a valid URL (a special character in the password must be %-encoded)');
    }
  }
  return { dataDir: resolve(values.data ?? env('DATA') ?? './data'), db };
}

/** What a message calls the store: the SQLite file, or the PostgreSQL URL without its password. */
export function describeStore(where: StoreLocation): string {
  if (where.db?.startsWith('postgres')) return `PostgreSQL ${redactedUrl(where.db)}`;
  return where.db ? where.db.slice('sqlite:'.length) : resolve(where.dataDir, 'convene.db');
}

/** Opens the store; a missing database, a wrong password, a read-only file is one line (exit 1). */
export function openStoreOrExplain(where: StoreLocation): Promise<Store> {
  return step(`cannot open the store ${describeStore(where)}`, () => openStore(where));
}

export async function withStore<T>(values: { data?: string | undefined; db?: string | undefined }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStoreOrExplain(storeLocation(values));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A whole number of at least `min`. */
export function wholeNumber(value: string, name: string, min = 0): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min) throw new UsageError(`${name} takes a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}"`);
  return n;
}

/** A TCP port; 0 lets the system choose one. */
export function portNumber(value: string, name: string): number {
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n > 65535) throw new UsageError(`${name} takes a port number from 0 to 65535, not "${value}"`);
  return n;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function logLevel(value: string): LogLevel {
  const level = value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level takes ${LOG_LEVELS.join('|')}, not "${value}"`);
  return level as LogLevel;
}
