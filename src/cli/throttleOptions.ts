// `convene serve` options of the logon throttle (docs/limits.md, Throttling), each also CONVENE_*.
import { MAX_LIMIT } from '../accounts/failureTable.js';
import { DEFAULT_THROTTLE, type ThrottleOptions } from '../accounts/logonThrottle.js';
import { env, UsageError } from './options.js';

const d = DEFAULT_THROTTLE;

export const THROTTLE_HELP = `  --auth-failures N    wrong passwords for one account from one address within the window before that
                       address waits for that account (CONVENE_AUTH_FAILURES, default ${d.accountFailures}; 0: no limit)
  --auth-address-accounts N  accounts with a wrong password from one address within the window before the
                       address waits for all (CONVENE_AUTH_ADDRESS_ACCOUNTS, default ${d.addressAccounts}; 0: no limit)
  --auth-spread-failures N  wrong passwords for one account from all addresses within the window, past which each
                       address gets one try for it (CONVENE_AUTH_SPREAD_FAILURES, default ${d.spreadFailures}; 0: off)
  --auth-window S      the window, seconds (CONVENE_AUTH_WINDOW, default ${d.windowMs / 1000})
  --auth-lock S        first wait, seconds; doubles with each further lock (CONVENE_AUTH_LOCK, default ${d.lockMs / 1000})
  --auth-lock-max S    longest wait, seconds (CONVENE_AUTH_LOCK_MAX, default ${d.lockMaxMs / 1000}). docs/limits.md`;

export const THROTTLE_FLAGS = {
  'auth-failures': { type: 'string' }, 'auth-address-accounts': { type: 'string' }, 'auth-spread-failures': { type: 'string' },
  'auth-window': { type: 'string' }, 'auth-lock': { type: 'string' }, 'auth-lock-max': { type: 'string' },
} as const;

type ThrottleValues = { [K in keyof typeof THROTTLE_FLAGS]?: string | undefined };

/** The throttle settings from flags, else CONVENE_AUTH_*, else the defaults. */
export function throttleOptions(values: ThrottleValues): Partial<ThrottleOptions> {
  const read = (flag: keyof ThrottleValues, min: number, max: number): number | undefined => {
    const name = flag.toUpperCase().replaceAll('-', '_');
    const text = values[flag] ?? env(name);
    if (text === undefined) return undefined;
    const n = Number(text);
    if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) {
      const source = values[flag] === undefined ? `CONVENE_${name} (--${flag})` : `--${flag}`;
      throw new UsageError(`${source} takes a whole number from ${min} to ${max}, not "${text}"`);
    }
    return n;
  };
  const ms = (s: number | undefined) => (s === undefined ? undefined : s * 1000);
  const day = 24 * 60 * 60;
  const o: Partial<ThrottleOptions> = {
    accountFailures: read('auth-failures', 0, MAX_LIMIT),
    addressAccounts: read('auth-address-accounts', 0, MAX_LIMIT),
    spreadFailures: read('auth-spread-failures', 0, MAX_LIMIT),
    windowMs: ms(read('auth-window', 1, day)),
    lockMs: ms(read('auth-lock', 1, day)),
    lockMaxMs: ms(read('auth-lock-max', 1, day)),
  };
  const lock = o.lockMs ?? d.lockMs;
  const lockMax = o.lockMaxMs ?? d.lockMaxMs;
  if (lockMax < lock) throw new UsageError(`--auth-lock-max (${lockMax / 1000} s) is shorter than --auth-lock (${lock / 1000} s)`);
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
