// Work counters for the "no stall" properties: bounds in steps, never in wall time.
// - ical.js recurrence iterator steps (every RRULE expansion, VTIMEZONE observances included):
//   past the budget the iterator throws, so a runaway expansion ends at once instead of stalling
//   the run, and the overrun is remembered even when the caller turns the throw into a typed error.
// - store calls: a Proxy around the Store counts every method call (transactions' stores too).
import ICAL from 'ical.js';
import type { Store } from '../../src/store/Store.js';

/**
 * Recurrence steps one operation on one input may cost (resetSteps() starts an operation). Convene
 * stops one expansion at MAX_ITERATIONS (100,000); the budget leaves room for that and a few small
 * ones (zones, exceptions). A VTIMEZONE step costs ical.js ~25 µs, so the budget is also what a
 * stalling case costs the run (~4 s) before it fails.
 */
export const RECUR_BUDGET = 150_000;

export class StallError extends Error {
  constructor(what: string) {
    super(`stall: more than ${what}`);
    this.name = 'StallError';
  }
}

let recurSteps = 0;
let overrun = false;
const originalNext = ICAL.RecurIterator.prototype.next;
ICAL.RecurIterator.prototype.next = function next(this: ICAL.RecurIterator, ...args: unknown[]) {
  if (++recurSteps > RECUR_BUDGET) {
    overrun = true;
    throw new StallError(`${RECUR_BUDGET} recurrence steps`);
  }
  return (originalNext as (...a: unknown[]) => ICAL.Time | null).apply(this, args);
} as typeof originalNext;

/** Starts a fresh budget for one input. */
export function resetSteps(): void {
  recurSteps = 0;
  overrun = false;
}

/** Recurrence steps since resetSteps(), and whether the budget was exceeded (a stall). */
export function recurrenceSteps(): { steps: number; stalled: boolean } {
  return { steps: recurSteps, stalled: overrun };
}

/** The store with every method call counted in `counter.calls`. */
export function countingStore(store: Store, counter: { calls: number }): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'transaction') {
        return (fn: (tx: Store) => Promise<unknown>) => {
          counter.calls++;
          return target.transaction(tx => fn(countingStore(tx, counter)));
        };
      }
      return (...args: unknown[]) => {
        counter.calls++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
