// The HTML and header conversions on input built to hurt them (test/mail/hostile.test.ts, whose
// guards count work instead of timing it), against ordinary mail of the same size in the same run.
// A ratio near 1 says hostile input costs what its size does; the tests already show it is linear.
import { performance } from 'node:perf_hooks';
import { htmlToText } from '../../src/calendar/ical.js';
import { htmlToPlain } from '../../src/mail/bodyText.js';
import { headerFields } from '../../src/mail/headers.js';
import { bodyContent } from '../../src/mail/htmlDocument.js';
import { htmlText } from '../../src/search/text.js';

const SIZE = 400_000; // characters of each input
const REPEAT = 7;
const ORDINARY = '<p>The quarterly numbers are in, and they look <b>better</b> than the forecast.</p>\n';

const fill = (unit: string): string => unit.repeat(Math.ceil(SIZE / unit.length)).slice(0, SIZE);

const CASES: [string, (s: string) => unknown, string, string][] = [
  ['htmlToPlain', htmlToPlain, fill('<div>'), fill(ORDINARY)],
  ['htmlToText', htmlToText, fill('<'), fill(ORDINARY)],
  ['htmlText (search)', htmlText, fill('<script>'), fill(ORDINARY)],
  ['bodyContent', bodyContent, fill('<body>'), `<html><body>${fill(ORDINARY)}</body></html>`],
  ['headerFields', s => headerFields(Buffer.from(s)), `Subject: x\r\n${fill(' a\r\n')}\r\nbody`,
    `${fill('X-Ordinary: a header line of ordinary length, as many as fit\r\n')}\r\nbody`],
];

export default async function (): Promise<void> {
  console.log(`${SIZE.toLocaleString('en')} characters each, median of ${REPEAT}`);
  for (const [name, convert, hostile, ordinary] of CASES) {
    const bad = median(() => convert(hostile));
    const good = median(() => convert(ordinary));
    console.log(`  ${name.padEnd(20)} hostile ${bad.toFixed(1).padStart(7)} ms   ordinary ${good.toFixed(1).padStart(7)} ms   ratio ${(bad / good).toFixed(2)}`);
  }
}

function median(f: () => unknown): number {
  f();
  const times = Array.from({ length: REPEAT }, () => {
    const start = performance.now();
    f();
    return performance.now() - start;
  }).sort((a, b) => a - b);
  return times[REPEAT >> 1]!;
}
