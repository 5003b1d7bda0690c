// The one rule for string content a device can receive (src/wbxml/text.ts): XML 1.0 Char.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { encode, isReceivable, receivable, receivableDeep, tags } from '../../src/wbxml/index.js';

/** W3C XML 1.0 2.2 [2] Char, written out by code point as the spec writes it. */
function xmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/** Strings of any UTF-16 code units, lone surrogates and controls included. */
const anyUnits = fc.array(fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0xd7f0, max: 0xe010 }), fc.integer({ min: 0xfff0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })), { maxLength: 40 })
  .map(units => String.fromCharCode(...units));

describe('receivable text (XML 1.0 Char)', () => {
  it('each code point below U+10000 and a few above: receivable exactly when XML 1.0 says Char', () => {
    for (let cp = 0; cp <= 0xffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      assert.equal(isReceivable(String.fromCodePoint(cp)), xmlChar(cp), cp.toString(16));
    }
    for (const cp of [0x10000, 0x1f600, 0x10ffff]) assert.equal(isReceivable(String.fromCodePoint(cp)), true);
    assert.equal(isReceivable('\uD800'), false);
    assert.equal(isReceivable('\uDC00x'), false);
    assert.equal(isReceivable('\uD83D\uDE00'), true);
    assert.equal(receivable('a\0b\x01c\td\ne\rf\uFFFEg\uD800'), 'a\uFFFDb\uFFFDc\td\ne\rf\uFFFDg\uFFFD');
  });

  it('property: the result is receivable, as long in UTF-16 units, the same where it was, and a fixed point', () => {
    fc.assert(fc.property(anyUnits, s => {
      const r = receivable(s);
      assert.ok(isReceivable(r));
      assert.equal(r.length, s.length);
      assert.equal(receivable(r), r);
      for (const ch of r) assert.ok(xmlChar(ch.codePointAt(0)!));
      if (isReceivable(s)) assert.equal(r, s);
      // Every unit is kept or replaced by U+FFFD; nothing moves.
      for (let i = 0; i < s.length; i++) assert.ok(r[i] === s[i] || r[i] === '\uFFFD');
      // And the encoder takes it.
      encode(tags('AirSync')('ServerId', r));
    }), { numRuns: 2000 });
  });

  it('receivableDeep: strings in arrays and plain objects; bytes untouched; a clean tree is returned as it is', () => {
    const bytes = Buffer.from([0, 1, 2]);
    const tree = { a: ['x\0', { b: 'ok' }], bytes, n: 1, no: null };
    const out = receivableDeep(tree);
    assert.deepEqual(out, { a: ['x\uFFFD', { b: 'ok' }], bytes, n: 1, no: null });
    assert.equal(out.bytes, bytes);
    assert.equal(out.a[1], tree.a[1], 'unchanged parts are shared');
    assert.equal(tree.a[0], 'x\0', 'the input is not changed');
    const clean = { a: ['x', { b: 'ok' }] };
    assert.equal(receivableDeep(clean), clean);
  });
});
