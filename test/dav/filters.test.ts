// text-match (RFC 4791 9.7.5, RFC 6352 10.5.4) and prop-filter evaluation (src/dav/filters.ts) as
// plain functions: collations, match types, negation, param-filter, several instances of a property.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CARDDAV_FILTERS, parseComponent, propertiesOf, propFilterMatches, readPropFilters, textMatches, type TextMatch } from '../../src/dav/filters.js';
import { parseXml } from '../../src/dav/xml.js';

const tm = (text: string, o: Partial<TextMatch> = {}): TextMatch => ({ text, collation: 'i;unicode-casemap', matchType: 'contains', negate: false, ...o });

describe('RFC 6352 10.5.4 text-match', () => {
  it('match types and collations', () => {
    assert.equal(textMatches(tm('SMI'), 'Ann Smith'), true);
    assert.equal(textMatches(tm('ann smith', { matchType: 'equals' }), 'Ann Smith'), true);
    assert.equal(textMatches(tm('ann', { matchType: 'ends-with' }), 'Ann Smith'), false);
    assert.equal(textMatches(tm('SMITH', { matchType: 'ends-with' }), 'Ann Smith'), true);
    assert.equal(textMatches(tm('ÄRØ'), 'Jöran Ærø'), false, 'ä is not æ');
    assert.equal(textMatches(tm('ærø'), 'Jöran Ærø'), true);
    assert.equal(textMatches(tm('ærø', { collation: 'i;ascii-casemap' }), 'Jöran Ærø'), false);
    assert.equal(textMatches(tm('straße', { matchType: 'equals' }), 'STRASSE'), true, 'full case folding');
    assert.equal(textMatches(tm('ann', { collation: 'i;octet' }), 'Ann'), false);
  });

  it('negate-condition is exactly the opposite, for any text and value', () => {
    fc.assert(fc.property(fc.string(), fc.string(), fc.constantFrom('equals', 'contains', 'starts-with', 'ends-with'),
      fc.constantFrom('i;octet', 'i;ascii-casemap', 'i;unicode-casemap'), (text, value, matchType, collation) => {
        const m = tm(text, { matchType: matchType as TextMatch['matchType'], collation: collation as TextMatch['collation'] });
        assert.equal(textMatches({ ...m, negate: true }, value), !textMatches(m, value));
      }));
  });

  it('prop-filters over several instances of a property, with param-filter and is-not-defined', () => {
    const card = propertiesOf(parseComponent(['BEGIN:VCARD', 'VERSION:3.0', 'FN:Jo', 'TEL;TYPE=cell:+1 555', 'TEL;TYPE=work:+1 777', 'END:VCARD', ''].join('\r\n')));
    const filters = (xml: string) => readPropFilters(CARDDAV_FILTERS, parseXml(Buffer.from(
      `<card:filter xmlns:card="urn:ietf:params:xml:ns:carddav">${xml}</card:filter>`)), { left: 64 });
    const [work] = filters('<card:prop-filter name="tel" test="allof"><card:param-filter name="type"><card:text-match match-type="equals">WORK</card:text-match></card:param-filter>'
      + '<card:text-match>777</card:text-match></card:prop-filter>');
    assert.equal(propFilterMatches(work, card), true, 'one instance meets both');
    const [mixed] = filters('<card:prop-filter name="TEL" test="allof"><card:param-filter name="TYPE"><card:text-match match-type="equals">cell</card:text-match></card:param-filter>'
      + '<card:text-match>777</card:text-match></card:prop-filter>');
    assert.equal(propFilterMatches(mixed, card), false, 'no single instance meets both');
    const [noEmail] = filters('<card:prop-filter name="EMAIL"><card:is-not-defined/></card:prop-filter>');
    assert.equal(propFilterMatches(noEmail, card), true);
    assert.throws(() => filters('<card:prop-filter name="FN"/>'.repeat(65)), /more than 64/);
  });
});
