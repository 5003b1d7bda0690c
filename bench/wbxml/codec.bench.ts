// WBXML codec throughput on a large Sync response (2,000 mail and calendar items with bodies),
// against libwbxml's command-line tools on the same document in the same run.
//
// libwbxml is only reachable here as a process (xml2wbxml, wbxml2xml), so its times include
// process start, reading and writing files and its XML side; a tiny document run the same way
// estimates that fixed cost, and "net" subtracts it. Ours are in-process encode()/decode() calls.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { decode, encode, tags, toXml, type Element } from '../../src/wbxml/index.js';

const ITEMS = 2_000;
const WARMUP = 5;
const REPEAT = 21;
const TOOL_REPEAT = 5;

export default async function (): Promise<void> {
  const doc = syncResponse(ITEMS);
  const bytes = encode(doc);
  const mb = bytes.length / 1e6;
  console.log(`document: Sync response, ${ITEMS} items, ${fmt(mb, 2)} MB WBXML`);

  const enc = timeIt(() => encode(doc));
  const dec = timeIt(() => decode(bytes));
  console.log(`ours  encode  median ${fmt(enc, 2)} ms  ${fmt(mb / (enc / 1000), 1)} MB/s`);
  console.log(`ours  decode  median ${fmt(dec, 2)} ms  ${fmt(mb / (dec / 1000), 1)} MB/s`);
  await memory(bytes);

  const dir = mkdtempSync(join(tmpdir(), 'convene-bench-'));
  try {
    const probe = spawnSync('wbxml2xml', [], { encoding: 'utf8' });
    if (probe.error) {
      console.log('libwbxml: wbxml2xml/xml2wbxml not found (apt-get install libwbxml2-utils); no comparison');
      return;
    }
    console.log(`libwbxml ${/libwbxml ([\d.]+)/.exec(probe.stdout + probe.stderr)?.[1] ?? '?'} (times include process start and file I/O)`);
    const big = files(dir, 'big', doc, bytes);
    const tinyDoc = tags('FolderHierarchy')('FolderSync', [tags('FolderHierarchy')('SyncKey', '0')]);
    const tiny = files(dir, 'tiny', tinyDoc, encode(tinyDoc));

    const libEnc = toolTime('xml2wbxml', ['-a', '-n', '-o', big.outWbxml, big.xml]);
    const libDec = toolTime('wbxml2xml', ['-m', '0', '-l', 'ACTIVESYNC', '-o', big.outXml, big.wbxml]);
    const spawnEnc = toolTime('xml2wbxml', ['-a', '-n', '-o', tiny.outWbxml, tiny.xml], 2 * TOOL_REPEAT);
    const spawnDec = toolTime('wbxml2xml', ['-m', '0', '-l', 'ACTIVESYNC', '-o', tiny.outXml, tiny.wbxml], 2 * TOOL_REPEAT);
    const same = readFileSync(big.outWbxml).equals(bytes);
    console.log(`xml2wbxml -a -n on the document: output ${same ? 'byte-identical to ours' : 'DIFFERS from ours'}`);

    row('encode', 'xml2wbxml', mb, enc, libEnc, spawnEnc);
    row('decode', 'wbxml2xml', mb, dec, libDec, spawnDec);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(what: string, tool: string, mb: number, ours: number, lib: number, spawn: number): void {
  const net = Math.max(lib - spawn, 0.001);
  console.log(`${tool.padEnd(9)} median ${fmt(lib, 1)} ms (${fmt(mb / (lib / 1000), 1)} MB/s); tiny document ${fmt(spawn, 1)} ms; net ${fmt(net, 1)} ms (${fmt(mb / (net / 1000), 1)} MB/s)`);
  console.log(`ratio ours/libwbxml ${what}: ${fmt(lib / ours, 1)}x the throughput (net of process start: ${fmt(net / ours, 1)}x)`);
}

/** Median of REPEAT timed runs after WARMUP untimed ones, in ms. */
function timeIt(fn: () => unknown): number {
  for (let i = 0; i < WARMUP; i++) fn();
  const times: number[] = [];
  for (let i = 0; i < REPEAT; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

function toolTime(cmd: string, args: string[], repeat = TOOL_REPEAT): number {
  const times: number[] = [];
  for (let i = 0; i < repeat + 1; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { encoding: 'utf8' });
    const t = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr || r.stdout}`);
    if (i > 0) times.push(t); // the first run warms the page cache
  }
  return median(times);
}

function files(dir: string, name: string, doc: Element, bytes: Buffer): Record<'xml' | 'wbxml' | 'outXml' | 'outWbxml', string> {
  const f = { xml: join(dir, `${name}.xml`), wbxml: join(dir, `${name}.wbxml`), outXml: join(dir, `${name}.out.xml`), outWbxml: join(dir, `${name}.out.wbxml`) };
  writeFileSync(f.xml, toXml(doc, { prolog: true, libwbxmlNames: true }));
  writeFileSync(f.wbxml, bytes);
  return f;
}

/**
 * Heap cost of one decode, with V8's gc exposed for the measurement: what the decoded tree keeps
 * alive, and what the decode allocated in all (heap growth with no collection in between; only
 * reported when no GC ran during the call).
 */
async function memory(bytes: Buffer): Promise<void> {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (() => void) | undefined;
  if (typeof gc !== 'function') return console.log('memory: gc not available, skipped');
  const gcs: number[] = [];
  const observer = new PerformanceObserver(list => list.getEntries().forEach(e => gcs.push(e.startTime)));
  observer.observe({ entryTypes: ['gc'] });
  const used = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  let allocated: number | undefined;
  for (let attempt = 0; attempt < 5 && allocated === undefined; attempt++) {
    gc();
    await new Promise(resolve => setTimeout(resolve, 5));
    const before = used();
    const t0 = performance.now();
    const tree = decode(bytes);
    const t1 = performance.now();
    const after = used();
    await new Promise(resolve => setTimeout(resolve, 5));
    if (!gcs.some(t => t >= t0 && t <= t1)) allocated = after - before;
    keep(tree);
  }
  gc();
  const base = used();
  const tree = decode(bytes);
  gc();
  const retained = used() - base;
  keep(tree);
  observer.disconnect();
  const perByte = (n: number): string => `${fmt(n / 1e6, 1)} MB (${fmt(n / bytes.length, 1)} bytes per input byte)`;
  console.log(`memory per decode: allocated ${allocated === undefined ? 'n/a (GC ran during every try)' : perByte(allocated)}; tree retains ${perByte(retained)}`);
}

let sink: unknown;
function keep(x: unknown): void {
  sink = x;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (n: number, digits: number): string => n.toFixed(digits);

// ---------------------------------------------------------------------------------------------
// The document: what a Sync response of a busy mailbox and calendar looks like.

const A = tags('AirSync');
const B = tags('AirSyncBase');
const E = tags('Email');
const E2 = tags('Email2');
const C = tags('Calendar');

const LOREM = 'Thanks for the update — the numbers look good. Let us go over the open items on Thursday: ' +
  'budget for Q3, hiring plan, the office move, and the customer escalations from last week. ' +
  'Grüße aus Zürich, 谢谢, ありがとう. ';

function syncResponse(items: number): Element {
  const commands: Element[] = [];
  for (let i = 0; i < items; i++) commands.push(i % 2 ? calendarItem(i) : emailItem(i));
  return A('Sync', [A('Collections', [A('Collection', [
    A('SyncKey', '{9f3c2a1e-5b7d-4e8f-a6b1-c2d3e4f5a6b7}42'), A('CollectionId', '1'), A('Status', '1'),
    A('Commands', commands), A('MoreAvailable'),
  ])])]);
}

function emailItem(i: number): Element {
  const body = `<html><body><p>Hi team,</p><p>${LOREM.repeat(4 + (i % 5))}</p><p>Item ${i}</p></body></html>`;
  return A('Add', [A('ServerId', `1:${i}`), A('ApplicationData', [
    E('To', '"Bob Nakamura" <bob@example.org>, "李小龙" <li@example.cn>'),
    E('From', '"Alice Martin" <alice@example.com>'),
    E('Subject', `Weekly report #${i} 📈`),
    E('DateReceived', new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString()),
    E('DisplayTo', 'Bob Nakamura; 李小龙'),
    E('ThreadTopic', `Weekly report #${i}`),
    E('Importance', '1'),
    E('Read', String(i % 3 === 0 ? 0 : 1)),
    B('Body', [B('Type', '2'), B('EstimatedDataSize', String(body.length)), B('Truncated', '0'), B('Data', body)]),
    E('MessageClass', 'IPM.Note'),
    E('InternetCPID', '65001'),
    E('Flag'),
    E('ContentClass', 'urn:content-classes:message'),
    B('NativeBodyType', '2'),
    E2('ConversationId', Uint8Array.from({ length: 16 }, (_, k) => (i * 7 + k) & 0xff)),
    E2('ConversationIndex', Uint8Array.from({ length: 22 }, (_, k) => (i + k * 13) & 0xff)),
  ])]);
}

function calendarItem(i: number): Element {
  const start = new Date(Date.UTC(2025, 2, 3, 9) + i * 86_400_000);
  const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
  return A('Add', [A('ServerId', `7:${i}`), A('ApplicationData', [
    C('Timezone', 'LAEAAEUAYQBzAHQAZQByAG4AIABTAHQAYQBuAGQAYQByAGQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAEUAYQBzAHQAZQByAG4AIABEAGEAeQBsAGkAZwBoAHQAIABUAGkAbQBlAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w=='),
    C('DtStamp', stamp(start)),
    C('StartTime', stamp(start)),
    C('EndTime', stamp(new Date(start.getTime() + 3_600_000))),
    C('Subject', `Planning session ${i}`),
    C('UID', `040000008200E00074C5B7101A82E00800000000${i.toString(16).padStart(8, '0')}`),
    C('OrganizerName', 'Alice Martin'),
    C('OrganizerEmail', 'alice@example.com'),
    C('Attendees', [0, 1, 2].map(k => C('Attendee', [
      C('Email', `person${k}@example.org`), C('Name', `Person ${k}`), C('AttendeeStatus', '3'), C('AttendeeType', '1'),
    ]))),
    C('Location', 'Room 4B'),
    B('Body', [B('Type', '1'), B('EstimatedDataSize', '600'), B('Data', `Agenda:\r\n${LOREM.repeat(2).trimEnd()}`)]),
    C('Recurrence', [C('Type', '1'), C('Interval', '1'), C('DayOfWeek', '4'), C('Occurrences', '10')]),
    C('Sensitivity', '0'),
    C('BusyStatus', '2'),
    C('AllDayEvent', '0'),
    C('Reminder', '15'),
    C('MeetingStatus', '3'),
  ])]);
}

void sink;
