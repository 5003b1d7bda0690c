// How every fuzz property runs: a fixed seed and a small sample inside `npm test`; the long run
// (`npm run fuzz`, scripts/fuzz.js) takes FUZZ_RUNS cases per property and FUZZ_SEED from the
// environment. fast-check prints the seed, the shrink path and the smallest counterexample on a
// failure; FUZZ_SEED + FUZZ_PATH replay exactly that case (docs/reliability.md, "Fuzzing").
import fc from 'fast-check';

/** The seed of the fast sample; the long run's seed comes from FUZZ_SEED (scripts/fuzz.js sets one). */
const FAST_SEED = 1010;

export const LONG = process.env.FUZZ_RUNS !== undefined && process.env.FUZZ_RUNS !== '';
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : FAST_SEED;
const PATH = process.env.FUZZ_PATH || undefined;

/**
 * fast-check parameters for one property: `fast` cases in the `npm test` sample, FUZZ_RUNS in the
 * long run (`weight` scales it for properties whose cases cost a whole HTTP round trip or more).
 * `known` (a property a known bug still fails): the sample's cases only, stop at the first failure
 * without shrinking, as each failing case may cost a whole step budget.
 */
export function params<T>(fast: number, weight = 1): fc.Parameters<T> {
  const long = Math.max(1, Math.round(Number(process.env.FUZZ_RUNS) * weight));
  const numRuns = LONG ? long : fast;
  return { seed: SEED, numRuns, includeErrorInReport: true, ...(PATH ? { path: PATH } : {}) };
}

/** Code points a hostile device or sender picks from: controls (NUL included), Latin-1, CJK, astral, specials. */
export const hostileChar = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x00, max: 0x1f }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x7f, max: 0x2ff }) },
  { weight: 1, arbitrary: fc.constantFrom(0x2028, 0x2029, 0x200b, 0x202e, 0xfeff, 0xfffd, 0xfffe, 0xffff, 0xd800, 0xdfff) },
  { weight: 1, arbitrary: fc.integer({ min: 0x4e00, max: 0x4e40 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0x1f300, max: 0x1f320 }) },
).map(cp => String.fromCharCode(...(cp > 0xffff ? [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)] : [cp])));

/** XML 1.0 Char (section 2.2): what a stored string can carry to a device without bug (a). */
export function xmlSafe(s: string): boolean {
  return !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** Strings a hostile peer sends; `safe` keeps them to XML characters (the part bug (a) does not touch). */
export function hostileString(o: { maxLength?: number; safe?: boolean } = {}): fc.Arbitrary<string> {
  const s = fc.array(hostileChar, { maxLength: o.maxLength ?? 40 }).map(cs => cs.join(''));
  return o.safe ? s.map(x => (xmlSafe(x) ? x : [...x].filter(xmlSafe).join(''))) : s;
}

/** Values that are almost what a field wants: numbers at the edges, ids, dates, base64, odd text. */
export function fieldValue(o: { safe?: boolean; ids?: readonly string[] } = {}): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom('', '0', '1', '2', '-1', '4294967296', '99999999999999999999', '1e3', ' 1', '0x10', 'NaN', 'true', 'T'),
    fc.integer({ min: -5, max: 300 }).map(String),
    fc.constantFrom('20240101T000000Z', '2024-01-01T00:00:00.000Z', '19700101T000000Z', '99991231T235959Z', '2024-02-30T25:61:00Z'),
    fc.constantFrom('a@example.com', 'alice@example.com', 'bob@example.com', '<x@y>', '"Q" <q@q>', '@', 'a@@b'),
    fc.constantFrom('AAAA', '====', 'not base64!', 'xA==', Buffer.alloc(172).toString('base64')),
    ...(o.ids?.length ? [fc.constantFrom(...o.ids)] : []),
    hostileString({ safe: o.safe }),
  );
}
