// Flags shared by every command that touches the store, each also readable from CONVENE_*.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { resolve } from 'node:path';
import { openStore } from '../store/open.js';
import type { Store } from '../store/Store.js';

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
    throw new UsageError((e as Error).message);
  }
}

export function storeLocation(values: { data?: string | undefined; db?: string | undefined }): { dataDir: string; db: string | undefined } {
  return { dataDir: resolve(values.data ?? env('DATA') ?? './data'), db: values.db ?? env('DB') };
}

export async function withStore<T>(values: { data?: string | undefined; db?: string | undefined }, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeLocation(values));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
