// Accounts: creation with validation, and resolving the names people type at logon.
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { hashPassword } from './password.js';

export class AccountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AccountError';
  }
}

const ADDRESS = /^[^\s@\\]+@[^\s@\\]+\.[^\s@\\]+$/;

export function checkAddress(email: string): string {
  const address = email.trim().toLowerCase();
  if (!ADDRESS.test(address)) throw new AccountError(`"${email}" is not an email address`);
  return address;
}

export function checkPassword(password: string): string {
  if (password.length < 8) throw new AccountError('a password needs at least 8 characters');
  return password;
}

export async function createAccount(store: Store, input: { email: string; password: string; displayName?: string | undefined }): Promise<User> {
  const email = checkAddress(input.email);
  const passwordHash = await hashPassword(checkPassword(input.password));
  const displayName = input.displayName?.trim() || email.split('@')[0];
  return store.createUser({ email, displayName, passwordHash });
}

/**
 * The account a logon name means. Phones send the address, a bare local part, or a Windows-style
 * "DOMAIN\user"; a bare name counts only when exactly one account has it as local part.
 */
export async function resolveLogon(store: Store, logon: string): Promise<User | undefined> {
  const name = logonName(logon);
  if (name === '') return undefined;
  if (name.includes('@')) return store.findUserByEmail(name);
  const matches = await store.findUsersByLocalPart(name);
  return matches.length === 1 ? matches[0] : undefined;
}

/** "DOMAIN\alice" → "alice"; lower case, surrounding space removed. */
export function logonName(logon: string): string {
  const slash = logon.lastIndexOf('\\');
  return (slash >= 0 ? logon.slice(slash + 1) : logon).trim().toLowerCase();
}

/** Whether the query's User names this account (MS-ASHTTP: User must be the authenticated user). */
export function logonMatches(user: User, logon: string): boolean {
  const name = logonName(logon);
  return name === user.email || name === user.email.split('@')[0];
}
