// WBXML test documents shared by the codec's own tests and the libwbxml differential tests.
import { Element } from '../../src/wbxml/index.js';
import { OPAQUE_ELEMENTS, type PageInfo } from '../../src/wbxml/pages.js';

/** One document per code page that uses every tag of the page: with text, empty, and nested. */
export function everyTagDocument(page: PageInfo): Element {
  const rows = page.names.flatMap((name, token) => (name ? [{ name, token }] : []));
  const value = (name: string, i: number): string | Uint8Array =>
    OPAQUE_ELEMENTS.has(`${page.namespace}:${name}`) ? Uint8Array.from([0, 1, 2, 0xfe, 0xff, i]) : `${name} #${i} – ✓`;
  const el = (token: number, content?: Element['content']): Element => new Element(page.page, token, page.names[token] as string, content);
  return el(rows[0].token, [
    ...rows.map((r, i) => el(r.token, value(r.name, i))),
    ...rows.map(r => el(r.token)),
    ...rows.map((r, i) => el(r.token, [el(rows[(i + 1) % rows.length].token, [el(r.token)])])),
  ]);
}
