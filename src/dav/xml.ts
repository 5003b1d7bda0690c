// Request bodies (PROPFIND, REPORT) read with saxes into a small namespaced tree, and multistatus
// answers written as text. A DOCTYPE is refused outright: no entity is ever expanded (RFC 4918 20.6
// warns of entity attacks), and saxes itself knows only the five predefined entities.
import { SaxesParser } from 'saxes';
import { CALDAV_NS, CARDDAV_NS, CS_NS, DAV_NS, DavError } from './errors.js';

export interface XmlNode {
  ns: string;
  local: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

/** Elements nested deeper than this are no request any client sends. */
const MAX_DEPTH = 32;

export function parseXml(body: Buffer): XmlNode {
  const parser = new SaxesParser({ xmlns: true });
  const stack: XmlNode[] = [];
  let root: XmlNode | undefined;
  let failure: string | undefined;
  parser.on('error', e => { failure ??= e.message; });
  parser.on('doctype', () => { failure ??= 'a DOCTYPE is not accepted'; });
  parser.on('opentag', tag => {
    const attrs: Record<string, string> = {};
    for (const a of Object.values(tag.attributes)) if (typeof a === 'object' && a.uri !== 'http://www.w3.org/2000/xmlns/') attrs[a.local] = a.value;
    const node: XmlNode = { ns: tag.uri, local: tag.local, attrs, children: [], text: '' };
    if (stack.length > 0) stack[stack.length - 1].children.push(node);
    else root = node;
    stack.push(node);
    if (stack.length > MAX_DEPTH) failure ??= 'elements nested too deep';
  });
  const onText = (t: string): void => { if (stack.length > 0) stack[stack.length - 1].text += t; };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => { stack.pop(); });
  try {
    parser.write(body.toString('utf8')).close();
  } catch (e) {
    failure ??= e instanceof Error ? e.message : String(e);
  }
  if (failure || !root) throw new DavError(400, `unreadable XML body: ${failure ?? 'empty'}`);
  return root;
}

export function child(node: XmlNode, ns: string, local: string): XmlNode | undefined {
  return node.children.find(c => c.ns === ns && c.local === local);
}

export function children(node: XmlNode, ns: string, local: string): XmlNode[] {
  return node.children.filter(c => c.ns === ns && c.local === local);
}

export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Prefixes of the namespaces Convene answers in; an unknown one is written with its own xmlns. */
const PREFIX: Record<string, string> = { [DAV_NS]: 'd', [CALDAV_NS]: 'c', [CARDDAV_NS]: 'card', [CS_NS]: 'cs' };

export function qname(ns: string, local: string): { open: string; close: string; empty: string } {
  const p = PREFIX[ns];
  if (p) return { open: `<${p}:${local}>`, close: `</${p}:${local}>`, empty: `<${p}:${local}/>` };
  // No namespace: a prefix cannot be bound to "" (Namespaces in XML 1.0, 3), the default one can.
  if (ns === '') return { open: `<${local} xmlns="">`, close: `</${local}>`, empty: `<${local} xmlns=""/>` };
  const decl = ` xmlns:x="${esc(ns)}"`;
  return { open: `<x:${local}${decl}>`, close: `</x:${local}>`, empty: `<x:${local}${decl}/>` };
}

export const XML_HEADER = '<?xml version="1.0" encoding="utf-8"?>\n';
const ROOT_NS = `xmlns:d="${DAV_NS}" xmlns:c="${CALDAV_NS}" xmlns:card="${CARDDAV_NS}" xmlns:cs="${CS_NS}"`;

export function multistatus(responses: string[], extra = ''): string {
  return `${XML_HEADER}<d:multistatus ${ROOT_NS}>${responses.join('')}${extra}</d:multistatus>`;
}

/** A root element (of a namespace with a prefix above) declaring every prefix, around `inner`. */
export function xmlRoot(q: { open: string; close: string }, inner: string): string {
  return `${q.open.replace(/>$/, ` ${ROOT_NS}>`)}${inner}${q.close}`;
}

/** RFC 4918 16: the DAV:error body of a failed precondition, with the href it names if any (RFC 4791 5.3.2.1). */
export function errorBody(ns: string, name: string, href?: string): string {
  const q = qname(ns, name);
  const inner = href === undefined ? q.empty : `${q.open}<d:href>${esc(href)}</d:href>${q.close}`;
  return `${XML_HEADER}<d:error ${ROOT_NS}>${inner}</d:error>`;
}
