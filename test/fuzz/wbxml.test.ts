// Property tests of the WBXML codec (src/wbxml, MS-ASWBXML, WBXML 1.3): hostile bytes only ever
// throw WbxmlError, decoding does work linear in the input, and every tree the encoder accepts
// decodes back to itself. docs/reliability.md, "Fuzzing".
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decode, Element, encode, fromXml, PAGES, toXml, WbxmlError } from '../../src/wbxml/index.js';
import { OPAQUE_ELEMENTS, type PageInfo } from '../../src/wbxml/pages.js';
import { hostileString, params } from './fuzz.js';

const TAGS = PAGES.filter((p): p is PageInfo => !!p)
  .flatMap(p => p.names.flatMap((name, token) => (name ? [{ page: p.page, token, name, ns: p.namespace }] : [])));

/** Random trees over every tag of every code page; `safe` keeps text to XML characters. */
function treeArb(safe: boolean): fc.Arbitrary<Element> {
  const { tree } = fc.letrec<{ tree: Element }>(tie => ({
    tree: fc.record({
      tag: fc.constantFrom(...TAGS),
      content: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.constant(undefined),
        hostileString({ safe, maxLength: 12 }).filter(s => !s.includes('\0')),
        fc.uint8Array({ maxLength: 12 }),
        fc.array(tie('tree'), { maxLength: 4 }),
      ),
    }).map(({ tag, content }) => {
      const opaque = OPAQUE_ELEMENTS.has(`${tag.ns}:${tag.name}`);
      // The XML form writes an opaque element's text as base64 and reads base64 back.
      const c = safe && opaque && typeof content === 'string' ? Buffer.from(content) : safe && !opaque && content instanceof Uint8Array ? undefined : content;
      return new Element(tag.page, tag.token, tag.name, c as Element['content']);
    }),
  }));
  return tree;
}

/**
 * The tree as plain data (empty text, no content and zero bytes all mean <X/>). A lone surrogate
 * has no UTF-8 form: it travels as U+FFFD, as TextEncoder writes it (WHATWG Encoding 4.3).
 */
function plain(el: Element): unknown {
  const c = el.content;
  if (c === undefined || c.length === 0) return [el.page, el.token];
  if (typeof c === 'string') return [el.page, el.token, (c as string & { toWellFormed(): string }).toWellFormed()];
  if (c instanceof Uint8Array) return [el.page, el.token, Buffer.from(c).toString('hex')];
  return [el.page, el.token, c.map(plain)];
}

/** Tokens the decoder meets: the global ones, tags with and without content, page numbers, text. */
const tokenBytes = fc.oneof(
  fc.constantFrom(0x00, 0x01, 0x02, 0x03, 0x04, 0x83, 0xc3, 0x40, 0x80, 0xc0, 0xff, 0x7f).map(b => [b]),
  fc.integer({ min: 0x05, max: 0x3f }).map(t => [t | 0x40]),
  fc.integer({ min: 0x05, max: 0x3f }).map(t => [t]),
  fc.integer({ min: 0, max: 30 }).map(b => [b]),
  fc.integer({ min: 0x20, max: 0x7e }).map(b => [b]),
  fc.constant([0x83, 0x00]),
);
// Canonical, libwbxml's literal public id with a string table, charset 0, a multi-byte public id,
// and a 40-byte string table that STR_T (0x83) references can copy out many times.
const HEADERS = [[0x03, 0x01, 0x6a, 0x00], [0x03, 0x00, 0x00, 0x6a, 0x02, 0x41, 0x00], [0x03, 0x01, 0x00, 0x00], [0x02, 0x81, 0x80, 0x6a, 0x00],
  [0x03, 0x01, 0x6a, 0x29, ...Array<number>(40).fill(0x41), 0x00]];
const hostileDocument = fc.tuple(fc.constantFrom(...HEADERS), fc.array(tokenBytes, { maxLength: 200 }))
  .map(([h, body]) => Uint8Array.from([...h, ...body.flat()]));

function decodeOrTyped(bytes: Uint8Array): Element | undefined {
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof WbxmlError) return undefined;
    throw new Error(`untyped ${String(e)} for ${Buffer.from(bytes).toString('hex')}`);
  }
}

/** Elements plus text and opaque bytes in a decoded tree: the decoder's output, which is its work. */
function outputSize(el: Element): number {
  const c = el.content;
  if (Array.isArray(c)) return 1 + c.reduce((n, x) => n + outputSize(x), 0);
  return 1 + (typeof c === 'string' ? Buffer.byteLength(c) : c?.length ?? 0);
}

describe('fuzz: WBXML codec (MS-ASWBXML)', () => {
  test('hostile token streams decode or throw WbxmlError, never anything else', () => {
    fc.assert(fc.property(hostileDocument, bytes => { decodeOrTyped(bytes); }), params(3000));
  });

  test('a decoded tree is never larger than its input: elements + text bytes ≤ input bytes', () => {
    fc.assert(fc.property(hostileDocument, bytes => {
      const tree = decodeOrTyped(bytes);
      if (tree) assert.ok(outputSize(tree) <= bytes.length, `output ${outputSize(tree)} > input ${bytes.length}`);
    }), params(2000));
  });

  test('byte flips, cuts and insertions in valid documents only ever throw WbxmlError', () => {
    const mutated = fc.tuple(treeArb(false), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.constantFrom('flip', 'cut', 'insert')), { minLength: 1, maxLength: 4 }))
      .map(([tree, edits]) => {
        let b = [...encode(tree)];
        for (const [at, value, kind] of edits) {
          const i = at % (b.length + 1);
          if (kind === 'flip') b[i % b.length] = value;
          else if (kind === 'cut') b = b.slice(0, i);
          else b.splice(i, 0, value);
        }
        return Uint8Array.from(b);
      });
    fc.assert(fc.property(mutated, bytes => { decodeOrTyped(bytes); }), params(2000));
  });

  test('decode(encode(t)) equals t (lone surrogates as U+FFFD), and re-encoding is byte-identical (canonical)', () => {
    fc.assert(fc.property(treeArb(false), tree => {
      const bytes = encode(tree);
      const back = decode(bytes);
      assert.deepEqual(plain(back), plain(tree));
      assert.ok(encode(back).equals(bytes));
    }), params(1000));
  });

  test('a string with NUL cannot be encoded: WbxmlError XML_INVALID, not a corrupt document', () => {
    fc.assert(fc.property(hostileString(), fc.nat({ max: 40 }), (s, at) => {
      const text = `${s.slice(0, at)}\0${s.slice(at)}`;
      const el = new Element(0, 0x0b, 'SyncKey', text);
      assert.throws(() => encode(el), (e: unknown) => e instanceof WbxmlError && e.code === 'XML_INVALID');
    }), params(200));
  });

  test('fromXml(toXml(t)) equals t for trees of XML characters', () => {
    fc.assert(fc.property(treeArb(true), tree => {
      assert.deepEqual(plain(fromXml(toXml(tree))), plain(tree));
    }), params(500));
  });

  test('fromXml of hostile text throws only WbxmlError', () => {
    const xmlish = fc.array(fc.oneof(
      fc.constantFrom('<Sync xmlns="AirSync:">', '</Sync>', '<Collections>', '</Collections>', '<SyncKey/>', '<x:y>', '<!DOCTYPE a [<!ENTITY e "x">]>',
        '&e;', '&amp;', '&#0;', '&#x1F600;', '<![CDATA[', ']]>', '<?xml version="1.0"?>', '<Ping xmlns="Nope:">', 'xmlns="Ping:"', '>', '<'),
      hostileString({ maxLength: 6 }),
    ), { maxLength: 30 }).map(parts => parts.join(''));
    fc.assert(fc.property(xmlish, xml => {
      try {
        fromXml(xml);
      } catch (e) {
        if (!(e instanceof WbxmlError)) throw new Error(`untyped ${String(e)} for ${JSON.stringify(xml)}`);
      }
    }), params(1500));
  });
});
