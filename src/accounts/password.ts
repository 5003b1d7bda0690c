// Passwords are kept as scrypt hashes: "scrypt$N$r$p$salt$hash" (base64). Verification takes tens
// of milliseconds on purpose; the transport caches successful logons (src/eas/auth.ts).
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEY_LENGTH = 32;

/** scrypt runs so far in this process: complexity guards count them (docs/testing.md). */
export const passwordWork = { derivations: 0 };

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  passwordWork.derivations++;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key));
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/**
 * Stands in for an account that does not exist (or whose stored hash is unusable): the same
 * parameters as a real hash, a random key no password derives to. Checking against it costs what a
 * wrong password for a real account costs, so timing does not tell which accounts exist.
 */
const NOBODY = ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, randomBytes(16).toString('base64'), randomBytes(KEY_LENGTH).toString('base64')].join('$');

/** Whether `password` matches `stored`; without a usable stored hash, false after the same work. */
export async function verifyPassword(password: string, stored: string | undefined): Promise<boolean> {
  const usable = stored !== undefined && /^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/.test(stored);
  const [, n, r, p, salt, hash] = (usable ? stored : NOBODY).split('$');
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), { N: Number(n), r: Number(r), p: Number(p) });
  return usable && key.length === expected.length && timingSafeEqual(key, expected);
}
