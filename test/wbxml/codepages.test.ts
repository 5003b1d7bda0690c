// src/wbxml/codepages.ts is generated from ../shared/spec/wbxml-codepages.json (npm run gen:codepages)
// and committed. This checks that the two still agree, and that the lookups built on the table
// (pages.ts) and the codec's fixed bytes match what the digest says.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CODE_PAGES, type TagRow } from '../../src/wbxml/codepages.js';
import { OPAQUE_ELEMENTS, PAGES, pageByNamespace } from '../../src/wbxml/pages.js';
import { encode, tags } from '../../src/wbxml/index.js';

// dist/test/wbxml/codepages.test.js → repository root → the shared spec next to it.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const DIGEST = join(ROOT, '../shared/spec/wbxml-codepages.json');

interface TokenDef { token: string; aliases?: Record<string, string>; only_in?: string[]; since?: string; legacy?: boolean }
interface Digest {
  codepages: Record<string, { namespace: string; tokens: Record<string, TokenDef> }>;
  header: { typical_prefix_bytes: string };
  tag_byte: { content_flag: string; token_mask: string };
  opaque_elements: { _notes: string };
}

const digest: Digest | undefined = existsSync(DIGEST) ? (JSON.parse(readFileSync(DIGEST, 'utf8')) as Digest) : undefined;
const skip = digest ? false : `${DIGEST} is not present; nothing to compare codepages.ts with`;

/** The rows scripts/gen-codepages.js derives from one token definition. */
function expectedRow(name: string, t: TokenDef): TagRow {
  const lib = t.only_in && !t.only_in.includes('lib') ? false : t.aliases?.lib ?? null;
  return [name, parseInt(t.token, 16), lib, t.since ?? null];
}

describe('codepages.ts matches shared/spec/wbxml-codepages.json', { skip }, () => {
  const d = digest as Digest;

  test('the same code pages, in order', () => {
    const pages = Object.keys(d.codepages).map(Number).sort((a, b) => a - b);
    assert.deepEqual(CODE_PAGES.map(p => p.page), pages, 'regenerate with npm run gen:codepages');
    assert.deepEqual(pages, Array.from({ length: 26 }, (_, i) => i));
  });

  for (const [page, def] of Object.entries(d.codepages)) {
    test(`page ${page} ${def.namespace}`, () => {
      const row = CODE_PAGES.find(p => p.page === Number(page));
      assert.ok(row, `page ${page} is missing from codepages.ts: run npm run gen:codepages`);
      assert.equal(row.namespace, def.namespace);
      const expected = Object.entries(def.tokens).map(([name, t]) => expectedRow(name, t)).sort((a, b) => a[1] - b[1]);
      assert.deepEqual(row.tags, expected, `codepages.ts page ${page} differs from the digest: run npm run gen:codepages`);
    });
  }

  test('tokens are unique per page and lie in 0x05-0x3F', () => {
    for (const row of CODE_PAGES) {
      const tokens = row.tags.map(t => t[1]);
      assert.equal(new Set(tokens).size, tokens.length, `${row.namespace}: duplicate token`);
      assert.equal(new Set(row.tags.map(t => t[0])).size, tokens.length, `${row.namespace}: duplicate name`);
      for (const t of tokens) assert.ok(t >= 0x05 && t <= 0x3f, `${row.namespace}: token 0x${t.toString(16)}`);
    }
  });

  test('PAGES resolves every name, libwbxml alias and lib_also name to its token', () => {
    for (const [page, def] of Object.entries(d.codepages)) {
      const info = PAGES[Number(page)];
      assert.ok(info);
      assert.equal(pageByNamespace(def.namespace), info);
      for (const [name, t] of Object.entries(def.tokens)) {
        const token = parseInt(t.token, 16);
        assert.equal(info.names[token], name);
        assert.equal(info.tokens.get(name), token, `${def.namespace}:${name}`);
        for (const key of ['lib', 'lib_also']) {
          const alias = t.aliases?.[key];
          if (alias) assert.equal(info.tokens.get(alias), token, `${def.namespace}:${alias} (${key}) should resolve to ${name}`);
        }
        const libKnows = !t.only_in || t.only_in.includes('lib');
        assert.equal(info.unknownToLibwbxml.has(token), !libKnows, `${def.namespace}:${name} known to libwbxml`);
      }
    }
  });

  test('OPAQUE elements are the ones the digest lists, at the tokens it gives', () => {
    // "_notes" lists them as "ComposeMail:MIME (0x15/0x10), …": namespace:name (page/token).
    const listed = [...d.opaque_elements._notes.matchAll(/(\w+):(\w+) \(0x([0-9A-F]+)\/0x([0-9A-F]+)\)/gi)];
    assert.ok(listed.length >= 8);
    assert.deepEqual(new Set(listed.map(m => `${m[1]}:${m[2]}`)), new Set(OPAQUE_ELEMENTS));
    for (const [, namespace, name, page, token] of listed) {
      const info = pageByNamespace(namespace);
      assert.equal(info?.page, parseInt(page, 16), `${namespace} page`);
      assert.equal(info?.tokens.get(name), parseInt(token, 16), `${namespace}:${name} token`);
    }
  });

  test('the encoder writes the header and tag bytes the digest describes', () => {
    const prefix = Buffer.from(d.header.typical_prefix_bytes.replace(/\s+/g, ''), 'hex');
    const bytes = encode(tags('AirSync')('Sync', [tags('AirSync')('SyncKey', '0')]));
    assert.deepEqual(bytes.subarray(0, 4), prefix);
    const flag = parseInt(d.tag_byte.content_flag, 16);
    const mask = parseInt(d.tag_byte.token_mask, 16);
    assert.equal(bytes[4], 0x05 | flag);
    assert.equal(bytes[5] & mask, 0x0b);
  });
});
