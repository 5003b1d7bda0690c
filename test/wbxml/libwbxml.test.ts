// Differential tests against libwbxml, the reference WBXML implementation, through Debian's
// libwbxml2-utils: for every fixture and for an every-tag document per code page,
//   (a) our encode() is byte-identical to `xml2wbxml -a -n` of the same document,
//   (b) `wbxml2xml -m 0 -l ACTIVESYNC` of our bytes parses (fromXml) back to the same tree,
//   (c) `xml2wbxml` with its defaults (literal public id, string table, STR_T) decodes to the same tree.
// Tags libwbxml does not know are pruned first (see knownToLibwbxml). The tools are required: when
// they are missing the suite fails and says how to install them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode, Element, fromXml, PAGES, tags, toXml } from '../../src/wbxml/index.js';
import { OPAQUE_ELEMENTS, type PageInfo } from '../../src/wbxml/pages.js';
import { everyTagDocument } from '../helpers/wbxml.js';
import { libwbxmlSkip } from '../helpers/libwbxml.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/wbxml');
const ALL_PAGES = PAGES.filter((p): p is PageInfo => !!p);

/**
 * What the installed libwbxml lacks beyond the tags wbxml-codepages.json already marks unknown to it
 * (libwbxmlName === false: Calendar 0x2B-0x32, ComposeMail Type, Ping Version). The digest was made
 * from libwbxml's HEAD; Debian ships 0.11.8, which predates these EAS 16.x additions. The test
 * "the installed libwbxml lacks exactly these tags" keeps this list honest.
 */
const INSTALLED_GAPS: ReadonlyMap<number, 'page' | readonly number[]> = new Map<number, 'page' | readonly number[]>([
  [25, 'page'], // Find (16.1): no code page 25 at all
  [8, [0x10, 0x11]], // MeetingResponse ProposedStartTime, ProposedEndTime (16.1)
  [14, [0x3b]], // Provision AccountOnlyRemoteWipe (16.1)
]);

function knownToLibwbxml(page: number, token: number): boolean {
  if ((PAGES[page] as PageInfo).unknownToLibwbxml.has(token)) return false;
  const gap = INSTALLED_GAPS.get(page);
  return !(gap === 'page' || gap?.includes(token));
}

/** The tree without elements libwbxml does not know (and their subtrees); undefined if the root goes. */
function prune(el: Element): Element | undefined {
  if (!knownToLibwbxml(el.page, el.token)) return undefined;
  const c = el.content;
  const content = Array.isArray(c) ? c.map(prune).filter((x): x is Element => !!x) : c;
  return new Element(el.page, el.token, el.name, content);
}

interface Plain { ns: string; name: string; text?: string; hex?: string; children?: Plain[] }
/** Plain data for deepEqual; no content, '', [] and zero bytes are all empty (<X/>). */
function plain(el: Element, crlf = false): Plain {
  const base: Plain = { ns: el.namespace, name: el.name };
  const c = el.content;
  if (c === undefined || c.length === 0) return base;
  if (typeof c === 'string') return { ...base, text: crlf ? c.replace(/\r\n?/g, '\n') : c };
  if (c instanceof Uint8Array) return { ...base, hex: Buffer.from(c).toString('hex') };
  return { ...base, children: c.map(x => plain(x, crlf)) };
}


// ---------------------------------------------------------------------------------------------
// Running the tools: files in one temp dir, at most 8 processes at a time.

const INSTALL_HINT = 'libwbxml\'s tools are required for these tests: apt-get install libwbxml2-utils (CI installs it).';
let dir = '';
let seq = 0;
let running = 0;
const waiting: (() => void)[] = [];

async function tool(cmd: string, args: string[]): Promise<void> {
  while (running >= 8) await new Promise<void>(resolve => waiting.push(resolve));
  running++;
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(cmd, args, { timeout: 20_000 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`${cmd} ${args.join(' ')} failed: ${String(stderr || stdout || error.message).trim()}`));
        else resolve();
      });
    });
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/** `xml2wbxml` (by default `-a -n`: no public id, no string table, as EAS sends) of an XML text. */
async function xml2wbxml(xml: string, flags = ['-a', '-n']): Promise<Buffer> {
  const n = seq++;
  writeFileSync(join(dir, `${n}.xml`), xml);
  await tool('xml2wbxml', [...flags, '-o', join(dir, `${n}.wbxml`), join(dir, `${n}.xml`)]);
  return readFileSync(join(dir, `${n}.wbxml`));
}

/** `wbxml2xml -m 0 -l ACTIVESYNC` (compact output) of WBXML bytes. */
async function wbxml2xml(bytes: Uint8Array): Promise<string> {
  const n = seq++;
  writeFileSync(join(dir, `${n}.in.wbxml`), bytes);
  await tool('wbxml2xml', ['-m', '0', '-l', 'ACTIVESYNC', '-o', join(dir, `${n}.out.xml`), join(dir, `${n}.in.wbxml`)]);
  return readFileSync(join(dir, `${n}.out.xml`), 'utf8');
}

const libXml = (el: Element): string => toXml(el, { prolog: true, libwbxmlNames: true });

// ---------------------------------------------------------------------------------------------

interface Case {
  name: string;
  tree: Element | undefined; // pruned; undefined when libwbxml knows none of it
  prunedTags: number;
  ours?: Buffer;
  lib?: Buffer | Error; // (a)
  back?: string | Error; // (b)
  withTable?: Buffer | Error; // (c)
}

const cases: Case[] = [
  ...readdirSync(FIXTURES).filter(f => f.endsWith('.xml')).sort().map(file => {
    const full = fromXml(readFileSync(join(FIXTURES, file), 'utf8'));
    const tree = prune(full);
    const count = (e: Element | undefined): number => (e ? 1 + e.children.reduce((n, c) => n + count(c), 0) : 0);
    return { name: file, tree, prunedTags: count(full) - count(tree) };
  }),
  ...ALL_PAGES.map(page => {
    const full = everyTagDocument(page);
    const tree = prune(full);
    return { name: `every tag of page ${page.page} ${page.namespace}`, tree, prunedTags: full.children.length - (tree?.children.length ?? 0) };
  }),
];

const settle = <T>(p: Promise<T>): Promise<T | Error> => p.catch((e: unknown) => (e instanceof Error ? e : new Error(String(e))));

describe('libwbxml differential', { skip: libwbxmlSkip }, () => {
  let version = 'unknown';

  before(async () => {
    for (const cmd of ['xml2wbxml', 'wbxml2xml']) {
      const probe = spawnSync(cmd, [], { encoding: 'utf8' });
      if (probe.error) throw new Error(`${cmd} is not available (${probe.error.message}). ${INSTALL_HINT}`);
      version = /libwbxml ([\d.]+)/.exec(probe.stdout + probe.stderr)?.[1] ?? version;
    }
    dir = mkdtempSync(join(tmpdir(), 'convene-libwbxml-'));
    // All tool runs at once (bounded), so each test below only compares.
    await Promise.all(cases.filter(c => c.tree).map(async c => {
      const tree = c.tree as Element;
      c.ours = encode(tree);
      [c.lib, c.back, c.withTable] = await Promise.all([
        settle(xml2wbxml(libXml(tree))),
        settle(wbxml2xml(c.ours)),
        settle(xml2wbxml(libXml(tree), [])),
      ]);
    }));
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('libwbxml tools are installed', t => {
    t.diagnostic(`libwbxml ${version}; ${seq} tool runs for ${cases.length} documents`);
  });

  for (const c of cases) {
    test(c.name, t => {
      if (!c.tree) return t.skip('every tag in it is unknown to libwbxml (see INSTALLED_GAPS)');
      if (c.prunedTags) t.diagnostic(`${c.prunedTags} element(s) unknown to libwbxml left out`);
      const ours = c.ours as Buffer;
      const expected = plain(c.tree);
      // (a) Byte-identical to xml2wbxml -a -n.
      if (c.lib instanceof Error) throw c.lib;
      if (!(c.lib as Buffer).equals(ours)) {
        assert.deepEqual(plain(decode(c.lib as Buffer)), expected, 'xml2wbxml encodes a different tree');
        assert.fail(`same tree, different bytes:\n ours ${ours.toString('hex')}\n  lib ${(c.lib as Buffer).toString('hex')}`);
      }
      // (b) wbxml2xml reads our bytes as the same document. It writes CR raw, and XML end-of-line
      // handling turns CRLF into LF when the output is parsed (any XML parser must), so text is
      // compared with line ends normalised; "CR: …" below pins that difference down.
      if (c.back instanceof Error) throw c.back;
      assert.deepEqual(plain(fromXml(c.back as string), true), plain(c.tree, true), 'wbxml2xml output differs');
      // (c) Its default output (literal public id, string table, STR_T references) decodes alike.
      if (c.withTable instanceof Error) throw c.withTable;
      assert.deepEqual(plain(decode(c.withTable as Buffer)), expected, 'xml2wbxml (string table) decodes differently');
    });
  }

  test('the installed libwbxml lacks exactly these tags (INSTALLED_GAPS and the digest\'s "false" tags)', async () => {
    // wbxml2xml prints a token it does not know as <unknown>; one document holds every such tag.
    const A = tags('AirSync');
    const missing = ALL_PAGES.filter(p => p.page !== 25).flatMap(p =>
      p.names.flatMap((name, token) => (name && !knownToLibwbxml(p.page, token) ? [new Element(p.page, token, name, 'x')] : [])));
    const text = await wbxml2xml(encode(A('Sync', [A('SyncKey', '1'), ...missing, A('Status', '1')])));
    assert.equal(text.match(/<unknown>x<\/unknown>/g)?.length ?? 0, missing.length,
      `libwbxml now knows some of ${missing.map(e => `${e.namespace}:${e.name}`).join(', ')}: shrink INSTALLED_GAPS\n${text}`);
    assert.match(text, /<SyncKey>1<\/SyncKey>.*<Status>1<\/Status>/s);
    // Code page 25 (Find) does not exist there: xml2wbxml refuses it, wbxml2xml prints no Find element.
    const F = tags('Find');
    const find = F('Find', [F('SearchId', 's'), F('Status', '1')]);
    await assert.rejects(xml2wbxml(libXml(find)), /xml2wbxml/, 'libwbxml now knows code page 25 (Find): drop it from INSTALLED_GAPS');
    assert.doesNotMatch(await wbxml2xml(encode(find)), /<(Find|SearchId)\b/);
  });

  // Where libwbxml legitimately differs from us, pinned down so a change on either side shows.

  test('whitespace: xml2wbxml drops leading/trailing whitespace of text, we keep it', async () => {
    // libwbxml treats it as ignorable unless run with -k; -k would also keep the indentation
    // between elements. EAS values are exact (passwords, bodies), so the codec keeps text as is.
    const E = tags('Email');
    const A = tags('AirSync');
    const tree = A('ApplicationData', [E('Subject', '  padded  '), E('To', 'a@example.com')]);
    const lib = await xml2wbxml(libXml(tree));
    assert.ok(!lib.equals(encode(tree)));
    assert.deepEqual(plain(decode(lib)), plain(A('ApplicationData', [E('Subject', 'padded'), E('To', 'a@example.com')])));
  });

  test('CR: xml2wbxml keeps &#13; as CR, wbxml2xml writes CR raw so XML parsers read LF', async () => {
    const B = tags('AirSyncBase');
    const tree = B('Body', [B('Type', '1'), B('Data', 'line 1\r\nline 2')]);
    assert.ok((await xml2wbxml(libXml(tree))).equals(encode(tree)));
    const back = await wbxml2xml(encode(tree));
    assert.ok(back.includes('line 1\r\nline 2'), 'wbxml2xml writes the CR unescaped');
    assert.equal(fromXml(back).child('Data')?.text, 'line 1\nline 2');
  });

  test('GAL: libwbxml names the namespace "Gal:", which is what toXml writes for it with libwbxmlNames', async () => {
    const S = tags('Search');
    const G = tags('GAL');
    const tree = S('Properties', [G('DisplayName', 'Bob'), G('EmailAddress', 'bob@example.org')]);
    assert.match(libXml(tree), /<DisplayName xmlns="Gal:">/);
    assert.match(await wbxml2xml(encode(tree)), /xmlns="Gal:"/);
    // Given the spec's "GAL:", xml2wbxml silently picks same-named tags from other pages.
    const specNames = toXml(tree, { prolog: true });
    assert.match(specNames, /xmlns="GAL:"/);
    const misread = await xml2wbxml(specNames);
    assert.notDeepEqual(plain(decode(misread)), plain(tree));
  });

  test('Provision 0x10: wbxml2xml prints DeviceEncryptionEnabled, fromXml reads it', async () => {
    const P = tags('Provision');
    const tree = P('EASProvisionDoc', [P('RequireStorageCardEncryption', '1')]);
    const text = await wbxml2xml(encode(tree));
    assert.match(text, /<DeviceEncryptionEnabled>1<\/DeviceEncryptionEnabled>/);
    assert.deepEqual(plain(fromXml(text)), plain(tree));
  });
});
