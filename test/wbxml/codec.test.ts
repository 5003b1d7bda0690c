// The WBXML codec against its fixture corpus and against itself: golden round trips, documents
// built differently that must decode alike, randomized trees, every tag of every code page, UTF-8,
// OPAQUE, the header forms generic encoders write, and typed errors for broken or hostile input.
//
// Randomized parts print their seed; rerun one with WBXML_SEED=<seed> node scripts/run-tests.js wbxml.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode, encode, Element, fromXml, PAGES, tags, toXml, WbxmlError, type WbxmlErrorCode } from '../../src/wbxml/index.js';
import { OPAQUE_ELEMENTS, type PageInfo } from '../../src/wbxml/pages.js';
import { everyTagDocument } from '../helpers/wbxml.js';

// dist/test/wbxml/codec.test.js → the repository root; fixtures are read from the source tree.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const FIXTURES = join(ROOT, 'test/fixtures/wbxml');
const SEED = Number(process.env.WBXML_SEED ?? Date.now() % 2 ** 31);

interface Fixture { file: string; xml: string; tree: Element; bytes: Buffer }
const fixtures: Fixture[] = readdirSync(FIXTURES).filter(f => f.endsWith('.xml')).sort().map(file => {
  const xml = readFileSync(join(FIXTURES, file), 'utf8');
  const tree = fromXml(xml);
  return { file, xml, tree, bytes: encode(tree) };
});
const ALL_PAGES = PAGES.filter((p): p is PageInfo => !!p);

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * A tree as plain data, so assert.deepEqual compares meaning, not classes (Buffer vs Uint8Array).
 * No content, '', [] and zero bytes are all "empty": the XML form writes each as <X/>.
 */
interface Plain { ns: string; name: string; token: number; text?: string; hex?: string; children?: Plain[] }
function plain(el: Element): Plain {
  const base: Plain = { ns: el.namespace, name: el.name, token: el.token };
  const c = el.content;
  if (c === undefined || c.length === 0) return base;
  if (typeof c === 'string') return { ...base, text: c };
  if (c instanceof Uint8Array) return { ...base, hex: Buffer.from(c).toString('hex') };
  return { ...base, children: c.map(plain) };
}

/** The fixture text without prolog, DOCTYPE and comments: what toXml(…, {indent: 2}) writes. */
function normalise(xml: string): string {
  return xml.replace(/<\?xml[^>]*\?>/, '').replace(/<!DOCTYPE[^>]*>/, '').replace(/<!--[\s\S]*?-->/g, '').trim();
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

function expectError(input: Uint8Array | number[], code: WbxmlErrorCode, options?: { maxDepth?: number }): WbxmlError {
  const e = errorOf(() => decode(Uint8Array.from(input), options));
  assert.ok(e instanceof WbxmlError, `expected WbxmlError ${code}, got ${e === undefined ? 'success' : String(e)}`);
  assert.equal(e.code, code, e.message);
  return e;
}

/** mulberry32: small, fast, good enough to drive test data; same seed, same sequence. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function mbUint32(n: number): number[] {
  const out = [n & 0x7f];
  for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80);
  return out;
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** Token stream of a document our encoder wrote (header 03 01 6A 00, SWITCH_PAGE/END/STR_I/OPAQUE/tags). */
type Token =
  | { kind: 'switch'; page: number }
  | { kind: 'end' }
  | { kind: 'str'; bytes: Buffer }
  | { kind: 'opaque'; bytes: Buffer }
  | { kind: 'tag'; byte: number };
function tokenize(b: Buffer): Token[] {
  assert.deepEqual([...b.subarray(0, 4)], [0x03, 0x01, 0x6a, 0x00]);
  const out: Token[] = [];
  let i = 4;
  while (i < b.length) {
    const t = b[i++];
    if (t === 0x00) out.push({ kind: 'switch', page: b[i++] });
    else if (t === 0x01) out.push({ kind: 'end' });
    else if (t === 0x03) {
      const end = b.indexOf(0, i);
      out.push({ kind: 'str', bytes: b.subarray(i, end) });
      i = end + 1;
    } else if (t === 0xc3) {
      let len = 0;
      for (;;) {
        const x = b[i++];
        len = len * 128 + (x & 0x7f);
        if (!(x & 0x80)) break;
      }
      out.push({ kind: 'opaque', bytes: b.subarray(i, i + len) });
      i += len;
    } else out.push({ kind: 'tag', byte: t });
  }
  return out;
}

/** Writes tokens back; strings go inline, or into a string table referenced with STR_T. */
function assemble(tokens: Token[], o: { header?: number[]; stringTable?: boolean } = {}): Buffer {
  const body: number[] = [];
  const table: number[] = [];
  if (o.stringTable) table.push(...Buffer.from('-//MICROSOFT//DTD ActiveSync//EN\0'));
  for (const t of tokens) {
    if (t.kind === 'switch') body.push(0x00, t.page);
    else if (t.kind === 'end') body.push(0x01);
    else if (t.kind === 'tag') body.push(t.byte);
    else if (t.kind === 'opaque') body.push(0xc3, ...mbUint32(t.bytes.length), ...t.bytes);
    else if (o.stringTable) {
      body.push(0x83, ...mbUint32(table.length));
      table.push(...t.bytes, 0);
    } else body.push(0x03, ...t.bytes, 0);
  }
  // A literal public id is an index into the string table (WBXML 1.3 5.5): 03 00 <index 0> 6A.
  const header = o.header ?? (o.stringTable ? [0x03, 0x00, 0x00, 0x6a, ...mbUint32(table.length), ...table] : [0x03, 0x01, 0x6a, 0x00]);
  return Buffer.from([...header, ...body]);
}

/** Splits a UTF-8 string at a code point boundary near the middle (never inside a sequence). */
function splitUtf8(b: Buffer): [Buffer, Buffer] {
  let at = b.length >> 1;
  while (at > 0 && (b[at] & 0xc0) === 0x80) at--;
  return [b.subarray(0, at), b.subarray(at)];
}

/** Per page: a root (the page's first tag) holding every tag with text (bytes if OPAQUE), every tag empty, and every tag nested. */

// ---------------------------------------------------------------------------------------------

describe('fixture corpus', () => {
  test('uses every code page 0-25 and most tags of each', t => {
    const used = new Set<string>();
    const walk = (e: Element): void => {
      used.add(`${e.page}:${e.token}`);
      e.children.forEach(walk);
    };
    fixtures.forEach(f => walk(f.tree));
    const report: string[] = [];
    for (const page of ALL_PAGES) {
      const tokens = page.names.flatMap((n, tok) => (n ? [tok] : []));
      const covered = tokens.filter(tok => used.has(`${page.page}:${tok}`)).length;
      report.push(`${page.namespace} ${covered}/${tokens.length}`);
      assert.ok(covered / tokens.length >= 0.8, `${page.namespace}: only ${covered} of ${tokens.length} tags appear in the fixtures`);
    }
    assert.equal(ALL_PAGES.length, 26);
    t.diagnostic(`${fixtures.length} fixtures; tags covered: ${report.join(', ')}`);
  });

  for (const f of fixtures) {
    test(f.file, () => {
      // Golden: XML → tree → WBXML → tree → XML reproduces the fixture text exactly.
      const back = decode(f.bytes);
      assert.equal(toXml(back, { indent: 2 }).trim(), normalise(f.xml));
      assert.deepEqual(plain(back), plain(f.tree));
      // Canonical bytes: re-encoding what we decoded gives the same bytes.
      assert.ok(encode(back).equals(f.bytes), 'encode(decode(b)) differs from b');
      // The one-line form and libwbxml's names (with prolog) read back to the same tree.
      assert.deepEqual(plain(fromXml(toXml(back))), plain(f.tree));
      assert.deepEqual(plain(fromXml(toXml(back, { libwbxmlNames: true, prolog: true }))), plain(f.tree));
      // A view into a larger buffer at an odd offset (not a Buffer, not at offset 0) decodes alike.
      const big = new Uint8Array(f.bytes.length + 7);
      big.set(f.bytes, 3);
      assert.deepEqual(plain(decode(big.subarray(3, 3 + f.bytes.length))), plain(f.tree));
    });
  }

  test('FolderSync request encodes to the known bytes', () => {
    const f = fixtures.find(x => x.file === 'foldersync-request.xml') as Fixture;
    assert.equal(f.bytes.toString('hex'), '03016a0000075652033000' + '0101');
  });

  test('SendMail MIME is the RFC 5322 text as OPAQUE bytes', () => {
    const f = fixtures.find(x => x.file === 'sendmail-request.xml') as Fixture;
    const mime = f.tree.child('MIME');
    assert.ok(mime?.content instanceof Uint8Array);
    const text = Buffer.from(mime.content).toString('utf8');
    assert.match(text, /^From: "Bob Nakamura" <bob@example.org>\r\n/);
    assert.match(text, /viele Grüße aus Zürich!\r\n$/);
    // OPAQUE 0xC3, length, raw bytes: the text is in the WBXML verbatim.
    assert.ok(f.bytes.includes(Buffer.from(text)));
    // Clients that send the MIME as a STR_I string instead are read too; the bytes are the same.
    const asText = decode(encode(tags('ComposeMail')('SendMail', [tags('ComposeMail')('MIME', text)])));
    assert.equal(asText.child('MIME')?.text, text);
    assert.deepEqual(asText.child('MIME')?.bytes, Buffer.from(text));
  });
});

describe('documents written differently decode to the same tree', () => {
  const variants: Record<string, (tokens: Token[]) => Buffer> = {
    'SWITCH_PAGE before every tag': ts => {
      let page = 0;
      const out: Token[] = [];
      for (const t of ts) {
        if (t.kind === 'switch') page = t.page;
        else if (t.kind === 'tag') out.push({ kind: 'switch', page }, t);
        else out.push(t);
      }
      return assemble(out);
    },
    'every string split into two STR_I': ts =>
      assemble(ts.flatMap((t): Token[] => (t.kind === 'str' ? splitUtf8(t.bytes).map(bytes => ({ kind: 'str', bytes })) : [t]))),
    'every OPAQUE split into two': ts =>
      assemble(ts.flatMap((t): Token[] => (t.kind === 'opaque' ? [t.bytes.subarray(0, 1), t.bytes.subarray(1)].map(bytes => ({ kind: 'opaque', bytes })) : [t]))),
    'strings in a string table (STR_T), literal public id': ts => assemble(ts, { stringTable: true }),
    'empty elements as tag|0x40 … END': ts =>
      assemble(ts.flatMap((t): Token[] => (t.kind === 'tag' && !(t.byte & 0x40) ? [{ kind: 'tag', byte: t.byte | 0x40 }, { kind: 'end' }] : [t]))),
    'public id 1 as a padded mb_u_int32, charset 0 (unknown)': ts => assemble(ts, { header: [0x03, 0x80, 0x01, 0x00, 0x00] }),
    'known public id 0x1201 and an unused string table': ts => assemble(ts, { header: [0x03, 0xa4, 0x01, 0x6a, 0x04, 0x61, 0x62, 0x63, 0x00] }),
    'WBXML 1.2 version byte': ts => assemble(ts, { header: [0x02, 0x01, 0x6a, 0x00] }),
  };
  for (const [name, make] of Object.entries(variants)) {
    test(name, t => {
      let rewritten = 0;
      for (const f of fixtures) {
        const bytes = make(tokenize(f.bytes));
        if (bytes.equals(f.bytes)) continue; // nothing of that kind in this document
        rewritten++;
        const tree = decode(bytes);
        assert.deepEqual(plain(tree), plain(f.tree), f.file);
        assert.ok(encode(tree).equals(f.bytes), `${f.file}: re-encoding should give the canonical bytes`);
      }
      assert.ok(rewritten > 0);
      t.diagnostic(`${rewritten} of ${fixtures.length} fixtures rewritten`);
    });
  }

  test('whitespace text between child elements is ignored', () => {
    // <Ping><Status>1</Status></Ping> with STR_I "\n  " around the child.
    const tree = decode(hex('03016a00 000d 45 03 0a202000 47 033100 01 03 0a00 01'));
    assert.deepEqual(plain(tree), plain(tags('Ping')('Ping', [tags('Ping')('Status', '1')])));
  });
});

describe('header forms from generic encoders', () => {
  // Produced by libwbxml 0.11.8 `xml2wbxml -n` (no -a) from a Ping request: version 1.3, public id
  // 0 = "literal, string table index 0", charset 106, a 33-byte string table holding the public id.
  const LITERAL_PUBLIC_ID = hex(`0300006a21 2d2f2f4d4943524f534f46542f2f4454442041637469766553796e632f2f454e00
    000d 45 48 0334383000 01 49 4a 4b 03696e626f782d666f6c64657200 01 4c 03456d61696c00 01 01
    4a 4b 03696e626f782d666f6c64657200 01 4c 03456d61696c00 01 01 01 01`);
  // Same document from `xml2wbxml` with its default string table: repeated strings become STR_T
  // references (0x83 + offset); the public id string sits at offset 0x13.
  const STRING_TABLE = hex(`0300136a34 696e626f782d666f6c64657200 456d61696c00 2d2f2f4d4943524f534f46542f2f4454442041637469766553796e632f2f454e00
    000d 45 48 0334383000 01 49 4a 4b 830001 4c 830d01 01 4a 4b 830001 4c 830d01 01 01 01`);
  const P = tags('Ping');
  const folder = P('Folder', [P('Id', 'inbox-folder'), P('Class', 'Email')]);
  const expected = plain(P('Ping', [P('HeartbeatInterval', '480'), P('Folders', [folder, folder])]));

  test('literal public id "-//MICROSOFT//DTD ActiveSync//EN" in the string table', () => {
    assert.deepEqual(plain(decode(LITERAL_PUBLIC_ID)), expected);
  });

  test('STR_T references into the string table', () => {
    assert.deepEqual(plain(decode(STRING_TABLE)), expected);
  });

  test('STR_T reference past the string table is rejected', () => {
    expectError(hex('03016a03 61620000 0d 45 83 09 01'), 'WBXML_TRUNCATED');
  });

  test('truncated inside the string table is rejected at every prefix', () => {
    for (let n = 0; n < STRING_TABLE.length; n++) expectError(STRING_TABLE.subarray(0, n), 'WBXML_TRUNCATED');
  });
});

describe('randomized trees', () => {
  const rnd = prng(SEED);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
  const tagsOf = ALL_PAGES.map(p => ({ page: p, rows: p.names.flatMap((name, token) => (name ? [{ name, token }] : [])) }));

  // Code point pools: ASCII, whitespace and controls, Latin-1, combining marks, CJK, RTL, emoji
  // (astral), specials (U+FFFD is valid text and must not be mistaken for a decoding error).
  const POOLS: [number, number][] = [[0x20, 0x7e], [0x20, 0x7e], [0x09, 0x0d], [0x01, 0x1f], [0xa0, 0xff], [0x300, 0x36f],
    [0x4e00, 0x9fff], [0x5d0, 0x5ea], [0x1f300, 0x1faff], [0xfffd, 0xfffd], [0xfeff, 0xfeff], [0x10000, 0x10ffff]];
  const XML_SAFE = (cp: number): boolean => cp === 0x09 || cp === 0x0a || cp === 0x0d || (cp >= 0x20 && cp !== 0xfffe && cp !== 0xffff);
  function randomText(xmlSafe: boolean): string {
    let s = '';
    for (let n = int(24); n > 0; n--) {
      const [lo, hi] = pick(POOLS);
      const cp = lo + int(hi - lo + 1);
      if (xmlSafe && !XML_SAFE(cp)) continue;
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  const randomBytes = (): Uint8Array => Uint8Array.from({ length: pick([0, 1, 5, 40, 130, 300]) }, () => int(256));

  function randomTree(depth: number, xmlSafe: boolean): Element {
    const { page, rows } = pick(tagsOf);
    const { name, token } = pick(rows);
    const opaque = OPAQUE_ELEMENTS.has(`${page.namespace}:${name}`);
    const r = rnd();
    let content: Element['content'];
    if (depth < 7 && r < 0.45) content = Array.from({ length: 1 + int(5) }, () => randomTree(depth + 1, xmlSafe));
    else if (r < 0.9) content = !xmlSafe ? (rnd() < 0.7 ? randomText(false) : randomBytes()) : opaque ? randomBytes() : randomText(true);
    return new Element(page.page, token, name, content);
  }

  test(`decode(encode(t)) equals t for 600 random trees (seed ${SEED})`, t => {
    t.diagnostic(`seed ${SEED} (rerun with WBXML_SEED=${SEED})`);
    for (let i = 0; i < 600; i++) {
      const tree = randomTree(0, false);
      const bytes = encode(tree);
      assert.deepEqual(plain(decode(bytes)), plain(tree), `tree #${i}, seed ${SEED}`);
      assert.ok(encode(decode(bytes)).equals(bytes), `tree #${i}, seed ${SEED}: not canonical`);
    }
  });

  test(`fromXml(toXml(t)) equals t for 300 random XML-representable trees (seed ${SEED})`, () => {
    for (let i = 0; i < 300; i++) {
      const tree = randomTree(0, true);
      for (const options of [{}, { indent: 2 }, { libwbxmlNames: true, prolog: true, indent: 1 }]) {
        assert.deepEqual(plain(fromXml(toXml(tree, options))), plain(tree), `tree #${i}, seed ${SEED}, ${JSON.stringify(options)}`);
      }
    }
  });
});

describe('every tag of every code page', () => {
  for (const page of ALL_PAGES) {
    test(`page ${page.page} ${page.namespace}`, () => {
      const doc = everyTagDocument(page);
      const bytes = encode(doc);
      assert.deepEqual(plain(decode(bytes)), plain(doc));
      assert.deepEqual(plain(fromXml(toXml(doc, { indent: 2 }))), plain(doc));
      assert.deepEqual(plain(fromXml(toXml(doc, { libwbxmlNames: true, prolog: true }))), plain(doc));
      const t = tags(page.namespace);
      page.names.forEach((name, token) => {
        if (!name) return;
        // The tag byte is the token, with 0x40 when the element has content.
        assert.deepEqual([...encode(t(name)).subarray(-1)], [token]);
        const withText = encode(t(name, 'x'));
        assert.equal(withText[withText.length - 5], token | 0x40);
        const lib = page.libwbxmlNames.get(token);
        if (lib) assert.equal(t(lib).name, name, `${page.namespace}:${lib} should resolve to ${name}`);
      });
    });
  }

  test('unassigned tokens are rejected on every page', () => {
    for (const page of ALL_PAGES) {
      for (let token = 0x05; token < 0x40; token++) {
        if (page.names[token]) continue;
        expectError([0x03, 0x01, 0x6a, 0x00, 0x00, page.page, token], 'WBXML_UNKNOWN_TAG');
      }
    }
  });
});

describe('text and binary content', () => {
  const E = tags('Email');
  const B = tags('AirSyncBase');

  test('UTF-8: emoji, CJK, combining marks, RTL, astral and special code points', () => {
    const samples = ['😀👍🏽👨‍👩‍👧‍👦', '中文 日本語 한국어', 'e\u0301 n\u0303', 'שלום עולם', '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 \u{10FFFD}',
      'replacement \uFFFD is text', '\uFEFFbom', 'nbsp\u00a0and\u2028ls', 'tab\tcr\rlf\n', '\u0001\u001f controls', ' padded '];
    for (const s of samples) {
      const bytes = encode(E('Subject', s));
      assert.ok(bytes.includes(Buffer.concat([Buffer.from([0x03]), Buffer.from(s, 'utf8'), Buffer.from([0])])), `raw UTF-8 of ${JSON.stringify(s)}`);
      assert.equal(decode(bytes).text, s);
      if (!/[\u0001-\u0008\u000b\u000c\u000e-\u001f]/.test(s)) assert.equal(fromXml(toXml(decode(bytes))).text, s, `XML form of ${JSON.stringify(s)}`);
    }
  });

  test('CRLF survives the XML form (CR is written as &#13;)', () => {
    const el = B('Body', [B('Type', '1'), B('Data', 'line 1\r\nline 2\r\n')]);
    const xml = toXml(el, { indent: 2 });
    assert.match(xml, /line 1&#13;\nline 2&#13;\n</);
    assert.ok(encode(fromXml(xml)).equals(encode(el)));
  });

  test('OPAQUE content decodes to bytes and re-encodes identically', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (const data of [all, new Uint8Array(0), Uint8Array.from({ length: 70_000 }, (_, i) => (i * 31) & 0xff)]) {
      const el = B('Attachments', [B('Add', [B('ClientId', 'a'), B('Content', data)])]);
      const bytes = encode(el);
      const back = decode(bytes);
      const content = back.child('Add')?.child('Content')?.content;
      assert.ok(content instanceof Uint8Array);
      assert.deepEqual(Buffer.from(content), Buffer.from(data));
      assert.ok(encode(back).equals(bytes));
      assert.deepEqual(plain(fromXml(toXml(back))), plain(el), 'base64 in the XML form');
    }
    // mb_u_int32 length: 200 = 81 48; 70,000 = 84 A2 70.
    assert.ok(encode(B('Content', new Uint8Array(200))).includes(hex('c38148')));
    assert.ok(encode(B('Content', new Uint8Array(70_000))).includes(hex('c384a270')));
  });

  test('a string with NUL cannot be written as STR_I', () => {
    assert.equal((errorOf(() => encode(E('Subject', 'a\0b'))) as WbxmlError).code, 'XML_INVALID');
  });
});

describe('typed errors', () => {
  const OK = [0x03, 0x01, 0x6a, 0x00];

  test('truncation at every prefix length of every fixture is WBXML_TRUNCATED', () => {
    let n = 0;
    for (const f of fixtures) {
      for (let len = 0; len < f.bytes.length; len++) {
        expectError(f.bytes.subarray(0, len), 'WBXML_TRUNCATED');
        n++;
      }
    }
    assert.ok(n > 10_000);
  });

  test('unknown code page', () => {
    const e = expectError([...OK, 0x00, 26, 0x05], 'WBXML_UNKNOWN_PAGE');
    assert.equal(e.offset, 5);
    expectError([...OK, 0x00, 0xff, 0x05], 'WBXML_UNKNOWN_PAGE');
  });

  test('unknown token', () => {
    expectError([...OK, 0x00, 15, 0x06], 'WBXML_UNKNOWN_TAG'); // Search 0x06 is unassigned
    expectError([...OK, 0x00, 17, 0x49, 0x01], 'WBXML_UNKNOWN_TAG'); // AirSyncBase 0x09
    expectError([...OK, 0x45, 0x7f, 0x01], 'WBXML_UNKNOWN_TAG'); // AirSync 0x3F
  });

  test('bad UTF-8', () => {
    const cases = ['ff', 'c0af', 'e0808f', 'eda080', 'f4908080', '80', 'c3', 'e282', 'f09f98', 'f8888080', '41c328'];
    for (const bad of cases) {
      expectError([...OK, 0x00, 0x02, 0x54, 0x03, ...hex(bad), 0x00, 0x01], 'WBXML_BAD_UTF8');
    }
    // In a string table too.
    expectError([0x03, 0x01, 0x6a, 0x02, 0xff, 0x00, 0x00, 0x02, 0x54, 0x83, 0x00, 0x01], 'WBXML_BAD_UTF8');
  });

  test('nesting deeper than maxDepth: 10,000 levels throw WBXML_TOO_DEEP, not a stack overflow', () => {
    const depth = 10_000;
    const doc = Buffer.concat([Buffer.from(OK), Buffer.alloc(depth, 0x45), Buffer.alloc(depth, 0x01)]);
    expectError(doc, 'WBXML_TOO_DEEP');
    expectError(doc, 'WBXML_TOO_DEEP', { maxDepth: 9_999 });
    // The decoder is iterative: with a big enough limit the same document decodes.
    let el: Element | undefined = decode(doc, { maxDepth: depth });
    let levels = 0;
    while (el) { levels++; el = el.children[0]; }
    assert.equal(levels, depth);
    // The encoder refuses such a tree with the same typed error.
    assert.equal((errorOf(() => encode(decode(doc, { maxDepth: depth }))) as WbxmlError).code, 'WBXML_TOO_DEEP');
  });

  // Found by test/fuzz/wbxml.test.ts: 600 two-byte STR_T references to a 1 MiB table string made a
  // 1 MiB document decode into 600 MiB of text (a RangeError, HTTP 500).
  test('STR_T references cannot expand past the document size: WBXML_TOO_LARGE', () => {
    const mb = (n: number): number[] => { const out = [n & 0x7f]; for (let v = Math.floor(n / 128); v > 0; v = Math.floor(v / 128)) out.unshift((v & 0x7f) | 0x80); return out; };
    const withRefs = (tableLength: number, refs: number): Buffer => Buffer.concat([
      Buffer.from([0x03, 0x01, 0x6a, ...mb(tableLength + 1)]), Buffer.alloc(tableLength, 0x41), Buffer.from([0x00, 0x45]),
      Buffer.from(Array.from({ length: refs }, () => [0x83, 0x00]).flat()), Buffer.from([0x01]),
    ]);
    expectError(withRefs(1 << 20, 600), 'WBXML_TOO_LARGE');
    expectError(withRefs(100, 3), 'WBXML_TOO_LARGE');
    // What libwbxml writes (each table string referenced about once) still decodes.
    assert.equal(decode(withRefs(100, 1)).text, 'A'.repeat(100));
    assert.equal(decode(withRefs(2, 5)).text, 'A'.repeat(10));
  });

  test('maxDepth counts empty elements too, so decode never returns a tree encode refuses', () => {
    const nested = (levels: number): Buffer => Buffer.concat([Buffer.from(OK), Buffer.alloc(levels - 1, 0x45), Buffer.from([0x06]), Buffer.alloc(levels - 1, 0x01)]);
    assert.ok(encode(decode(nested(64))).equals(nested(64)));
    expectError(nested(65), 'WBXML_TOO_DEEP');
    expectError(nested(4), 'WBXML_TOO_DEEP', { maxDepth: 3 });
  });

  test('trailing bytes after the root element', () => {
    const f = fixtures[0];
    expectError([...f.bytes, 0x01], 'WBXML_TRAILING_BYTES');
    expectError([...f.bytes, 0x00], 'WBXML_TRAILING_BYTES');
    expectError([...f.bytes, ...f.bytes.subarray(4)], 'WBXML_TRAILING_BYTES');
    expectError([...OK, 0x05, 0x05], 'WBXML_TRAILING_BYTES'); // a second empty root
  });

  test('attributes and the global tokens EAS does not use', () => {
    // Tags with the attribute bit (0x80): <Sync attr…/> and <Sync attr…>…
    expectError([...OK, 0x85, 0x01], 'WBXML_UNSUPPORTED_TOKEN');
    expectError([...OK, 0xc5, 0x01, 0x01], 'WBXML_UNSUPPORTED_TOKEN');
    // ENTITY, LITERAL, EXT_I_0..2, PI, LITERAL_C, EXT_T_0..2, LITERAL_A, EXT_0..2, LITERAL_AC.
    for (const token of [0x02, 0x04, 0x40, 0x41, 0x42, 0x43, 0x44, 0x80, 0x81, 0x82, 0x84, 0xc0, 0xc1, 0xc2, 0xc4]) {
      expectError([...OK, 0x45, token, 0x00, 0x00, 0x01], 'WBXML_UNSUPPORTED_TOKEN');
      expectError([...OK, token, 0x00, 0x45, 0x01], 'WBXML_UNSUPPORTED_TOKEN');
    }
    expectError([...OK, 0x01], 'WBXML_UNSUPPORTED_TOKEN'); // END with nothing open
    expectError([...OK, 0x03, 0x61, 0x00, 0x05], 'WBXML_UNSUPPORTED_TOKEN'); // text before the root
  });

  test('bad headers', () => {
    expectError([0x04, 0x01, 0x6a, 0x00, 0x05], 'WBXML_BAD_HEADER'); // WBXML version 1.4
    expectError([0x03, 0x01, 0x04, 0x00, 0x05], 'WBXML_BAD_HEADER'); // charset ISO-8859-1
    expectError([0x03, 0x01, 0x83, 0x68, 0x00, 0x05], 'WBXML_BAD_HEADER'); // charset 488 (UTF-16)
    expectError([0x03, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x6a, 0x00, 0x05], 'WBXML_BAD_HEADER'); // mb_u_int32 > 32 bits
    expectError([0x03, 0x01, 0x6a, 0x90, 0x00, 0x05], 'WBXML_TRUNCATED'); // string table longer than the input
  });

  test('mixed content', () => {
    expectError([...OK, 0x45, 0x03, 0x61, 0x00, 0x4b, 0x03, 0x31, 0x00, 0x01, 0x01], 'WBXML_MIXED_CONTENT'); // text, then a child
    expectError([...OK, 0x45, 0x4b, 0x03, 0x31, 0x00, 0x01, 0x03, 0x61, 0x00, 0x01], 'WBXML_MIXED_CONTENT'); // a child, then text
    expectError([...OK, 0x45, 0x03, 0x61, 0x00, 0xc3, 0x01, 0x62, 0x01], 'WBXML_MIXED_CONTENT'); // text, then OPAQUE
    expectError([...OK, 0x45, 0xc3, 0x01, 0x62, 0x0b, 0x01], 'WBXML_MIXED_CONTENT'); // OPAQUE, then a child
    assert.equal((errorOf(() => fromXml('<Sync xmlns="AirSync:">text<SyncKey>1</SyncKey></Sync>')) as WbxmlError).code, 'WBXML_MIXED_CONTENT');
  });

  test('invalid XML', () => {
    for (const xml of ['', '<Sync xmlns="AirSync:">', '<Sync xmlns="AirSync:"></Ping>', 'plain text', '<a:Sync xmlns:a="AirSync:"/><a:Sync xmlns:a="AirSync:"/>']) {
      const e = errorOf(() => fromXml(xml));
      assert.ok(e instanceof WbxmlError && e.code === 'XML_INVALID', `${JSON.stringify(xml)}: ${String(e)}`);
    }
    assert.equal((errorOf(() => fromXml('<Sync xmlns="Nope:"/>')) as WbxmlError).code, 'WBXML_UNKNOWN_PAGE');
    assert.equal((errorOf(() => fromXml('<Nope xmlns="AirSync:"/>')) as WbxmlError).code, 'WBXML_UNKNOWN_TAG');
  });

  test(`random mutations of valid documents only ever throw WbxmlError (seed ${SEED})`, t => {
    const rnd = prng(SEED ^ 0x5eed);
    const int = (n: number): number => Math.floor(rnd() * n);
    const counts = { ok: 0, errors: new Map<string, number>() };
    for (let i = 0; i < 6000; i++) {
      const source = fixtures[int(fixtures.length)].bytes;
      const b = [...source];
      for (let m = 1 + int(4); m > 0; m--) {
        const at = int(b.length);
        switch (int(7)) {
          case 0: b[at] ^= 1 << int(8); break;
          case 1: b[at] = int(256); break;
          case 2: b.splice(at, 0, pick([0x00, 0x01, 0x03, 0x83, 0xc3, 0x45, 0x80, 0xff, int(256)])); break;
          case 3: b.splice(at, 1 + int(8)); break;
          case 4: b.splice(at, 0, ...b.slice(int(b.length), int(b.length) + int(40))); break;
          case 5: b.length = at; break;
          default: b[at] = pick([0x00, 0x01, 0x03, 0x83, 0xc3, 0x7f, 0x80, 0xbf]);
        }
      }
      let tree: Element | undefined;
      try {
        tree = decode(Uint8Array.from(b));
      } catch (e) {
        if (!(e instanceof WbxmlError)) assert.fail(`mutation #${i} (seed ${SEED}) threw ${String(e)} for ${Buffer.from(b).toString('hex')}`);
        counts.errors.set(e.code, (counts.errors.get(e.code) ?? 0) + 1);
        continue;
      }
      counts.ok++;
      // Whatever decodes must encode, and the result must be a fixed point.
      const again = encode(tree);
      assert.deepEqual(plain(decode(again)), plain(tree), `mutation #${i} (seed ${SEED})`);
    }
    t.diagnostic(`seed ${SEED}: ${counts.ok} mutants decoded; errors ${[...counts.errors].map(([k, v]) => `${k}=${v}`).join(' ')}`);
    function pick<T>(xs: T[]): T { return xs[int(xs.length)]; }
  });
});
