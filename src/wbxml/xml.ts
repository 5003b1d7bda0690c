// XML ⇄ Element: the readable form of a WBXML document for logs, the `convene wbxml` tools and
// fixtures. Namespaces follow the EAS convention ("AirSync:", "AirSyncBase:" …), declared as a
// default namespace wherever the code page changes, which is also what libwbxml prints.
import { SaxesParser } from 'saxes';
import { Element } from './element.js';
import { WbxmlError } from './errors.js';
import { OPAQUE_ELEMENTS, PAGES, pageByNamespace, type PageInfo } from './pages.js';

export interface RenderOptions {
  /** Indent by this many spaces per level; 0 writes one line. */
  indent?: number;
  /** Use the element names libwbxml prints (Attendee_Email …) so its tools read our output. */
  libwbxmlNames?: boolean;
  /** Element names ("Password", "Settings:Password") whose text is replaced by ***. */
  redact?: ReadonlySet<string>;
  /** Longer text is cut with a note of its length; keeps protocol logs readable. */
  maxText?: number;
  /** Prepend the XML declaration and the ActiveSync DOCTYPE libwbxml expects. */
  prolog?: boolean;
}

const PROLOG = '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n';

export function toXml(root: Element, options: RenderOptions = {}): string {
  const out: string[] = [];
  if (options.prolog) out.push(PROLOG);
  renderElement(root, -1, 0, options, out);
  if (options.indent) out.push('\n');
  return out.join('');
}

function renderElement(el: Element, parentPage: number, depth: number, o: RenderOptions, out: string[]): void {
  const page = PAGES[el.page] as PageInfo;
  const name = (o.libwbxmlNames && page.libwbxmlNames.get(el.token)) || el.name;
  const pad = o.indent ? (depth ? '\n' : '') + ' '.repeat(depth * o.indent) : '';
  const ns = el.page !== parentPage ? ` xmlns="${o.libwbxmlNames ? page.libwbxmlNamespace : page.namespace}:"` : '';
  const c = el.content;
  if (c === undefined || c === '' || (Array.isArray(c) && c.length === 0)) {
    out.push(`${pad}<${name}${ns}/>`);
    return;
  }
  out.push(`${pad}<${name}${ns}>`);
  if (Array.isArray(c)) {
    for (const child of c) renderElement(child, el.page, depth + 1, o, out);
    out.push(`${o.indent ? '\n' + ' '.repeat(depth * o.indent) : ''}</${name}>`);
    return;
  }
  out.push(escapeText(valueText(el, o)), `</${name}>`);
}

function valueText(el: Element, o: RenderOptions): string {
  if (o.redact && (o.redact.has(el.name) || o.redact.has(`${el.namespace}:${el.name}`))) return '***';
  const c = el.content as string | Uint8Array;
  let text = typeof c === 'string' ? c : Buffer.from(c).toString('base64');
  if (o.maxText !== undefined && text.length > o.maxText) {
    text = `${text.slice(0, o.maxText)}… [${text.length} characters in all]`;
  }
  return text;
}

// CR is written as a character reference: a raw CR would be turned into LF by any XML parser's
// end-of-line handling, so CRLF text (mail bodies, MIME) would not survive the XML form.
function escapeText(s: string): string {
  return /[&<>\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#13;')
    : s;
}

/**
 * Parses the XML form back into a tree. Whitespace between elements is ignored; elements listed
 * as opaque take base64 text and become bytes again.
 */
export function fromXml(xml: string): Element {
  const parser = new SaxesParser({ xmlns: true });
  const stack: Element[] = [];
  const texts: string[] = [];
  let root: Element | undefined;
  let failure: Error | undefined;
  parser.on('error', e => { failure ??= e; });
  parser.on('opentag', node => {
    const page = pageByNamespace(node.uri.replace(/:$/, ''));
    if (!page) throw new WbxmlError('WBXML_UNKNOWN_PAGE', `namespace "${node.uri}" is not an EAS code page`);
    const token = page.tokens.get(node.local);
    if (token === undefined) throw new WbxmlError('WBXML_UNKNOWN_TAG', `${page.namespace}:${node.local} is not a tag`);
    const el = new Element(page.page, token, page.names[token] as string);
    const parent = stack[stack.length - 1];
    if (parent) {
      if (texts.join('').trim() !== '') throw new WbxmlError('WBXML_MIXED_CONTENT', `${parent.name} mixes text and elements`);
      parent.content = [...(Array.isArray(parent.content) ? parent.content : []), el];
    } else if (root) {
      throw new WbxmlError('XML_INVALID', 'more than one root element');
    } else {
      root = el;
    }
    texts.length = 0;
    stack.push(el);
  });
  const onText = (t: string): void => { if (stack.length) texts.push(t); };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const el = stack.pop() as Element;
    if (!Array.isArray(el.content) && texts.length) {
      const text = texts.join('');
      el.content = OPAQUE_ELEMENTS.has(`${el.namespace}:${el.name}`) ? Buffer.from(text.trim(), 'base64') : text;
    }
    texts.length = 0;
  });
  try {
    parser.write(xml).close();
  } catch (e) {
    if (e instanceof WbxmlError) throw e;
    throw new WbxmlError('XML_INVALID', (e as Error).message);
  }
  if (failure) throw new WbxmlError('XML_INVALID', failure.message);
  if (!root) throw new WbxmlError('XML_INVALID', 'no root element');
  return root;
}
