// Complexity guards without a clock: while a function runs, the scanning primitives it calls
// (String and Buffer searches, RegExp exec — which replace, match, split and test go through once
// exec is wrapped — and Buffer.concat) are wrapped to add up the characters or bytes each one
// examined or copied. A linear routine's count grows 4× when its input does; a quadratic one's
// 16×. What a regex engine does inside one exec (backtracking) stays invisible, which is why the
// routines guarded here are scans, and loops that an engine runs in native code count one step
// per call at least.
import assert from 'node:assert/strict';

type Method = (this: unknown, ...args: never[]) => unknown;
/** What one call examined; `lastIndex` is a RegExp's before the call. */
type Cost = (self: unknown, args: unknown[], result: unknown, lastIndex: number) => number;

const len = (x: unknown): number => (typeof x === 'string' || Buffer.isBuffer(x) ? x.length : 1);
const clampFrom = (from: unknown, size: number, fallback: number): number => {
  const n = Number(from);
  return Number.isNaN(n) || from === undefined ? fallback : Math.max(0, Math.min(size, Math.trunc(n)));
};

/** Characters from where a forward search starts to the end of its match (or of the text). */
const forward: Cost = (self, [needle, from], result) => {
  const size = len(self);
  const start = clampFrom(from, size, 0);
  const at = typeof result === 'number' ? result : result ? size : -1; // includes: true/false
  return at < 0 ? size - start + 1 : at - start + len(needle);
};

/** Characters from where a backward search starts down to its match (or the start). */
const backward: Cost = (self, [needle, from], result) => {
  const start = clampFrom(from, len(self), len(self));
  return (result as number) < 0 ? start + 1 : start - (result as number) + len(needle);
};

/** Characters an exec read at least: from lastIndex (0 unless global or sticky) to the match's end. */
const exec: Cost = (self, [input], result, lastIndex) => {
  const re = self as RegExp;
  const size = String(input).length;
  const start = re.global || re.sticky ? Math.min(lastIndex, size) : 0;
  const m = result as RegExpExecArray | null;
  if (!m) return re.sticky ? 1 : size - start + 1;
  return m.index + m[0].length - start + 1;
};

const WRAPPED: [object, string, Cost][] = [
  [String.prototype, 'indexOf', forward],
  [String.prototype, 'includes', forward],
  [String.prototype, 'lastIndexOf', backward],
  [String.prototype, 'startsWith', (_s, [needle]) => len(needle)],
  [String.prototype, 'endsWith', (_s, [needle]) => len(needle)],
  [Buffer.prototype, 'indexOf', forward],
  [Buffer.prototype, 'includes', forward],
  [Buffer.prototype, 'lastIndexOf', backward],
  [RegExp.prototype, 'exec', exec],
  [Buffer, 'concat', (_s, _a, result) => (result as Buffer).length],
];

let steps = 0;
let meters = 0;
let restore: (() => void)[] = [];

function install(): void {
  restore = WRAPPED.map(([owner, name, cost]) => {
    const table = owner as Record<string, Method>;
    const original = table[name]!;
    table[name] = function (this: unknown, ...args: never[]) {
      const lastIndex = this instanceof RegExp ? this.lastIndex : 0;
      const result = original.apply(this, args);
      steps += cost(this, args, result, lastIndex);
      return result;
    };
    return () => { table[name] = original; };
  });
}

/**
 * `f`'s result and the characters or bytes its scans examined. Work that runs beside `f` in this
 * process (a server answering the request `f` makes, its store) counts too.
 */
export async function work<T>(f: () => T | Promise<T>): Promise<{ value: T; steps: number }> {
  if (meters++ === 0) install();
  const before = steps;
  try {
    const value = await f();
    return { value, steps: steps - before };
  } finally {
    if (--meters === 0) for (const undo of restore) undo();
  }
}

/**
 * Asserts that `run`'s work grows linearly with its input: the count at size 4n stays below 6
 * times the count at size n (linear is 4×, quadratic 16×).
 */
export async function assertLinear(label: string, n: number, run: (size: number) => unknown): Promise<void> {
  const small = (await work(() => run(n))).steps;
  const large = (await work(() => run(4 * n))).steps;
  assert.ok(small > 0, `${label}: no scanning counted`);
  assert.ok(large < 6 * small, `${label}: work ${small} at n=${n}, ${large} at 4n (linear is 4×, quadratic 16×)`);
}
