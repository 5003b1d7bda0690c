// The in-memory tree every command works on: bytes ⇄ Element ⇄ typed request/response.
// EAS never mixes text and child elements, so an element holds exactly one kind of content.
import { WbxmlError } from './errors.js';
import { PAGES, pageByNamespace, type PageInfo } from './pages.js';

export type Content = Element[] | string | Uint8Array | undefined;

export class Element {
  constructor(
    readonly page: number,
    readonly token: number,
    readonly name: string,
    public content: Content = undefined,
  ) {}

  get namespace(): string {
    return (PAGES[this.page] as PageInfo).namespace;
  }

  get children(): Element[] {
    return Array.isArray(this.content) ? this.content : [];
  }

  /** Text content; '' for an empty element, undefined when it has children or binary content. */
  get text(): string | undefined {
    if (this.content === undefined) return '';
    return typeof this.content === 'string' ? this.content : undefined;
  }

  get bytes(): Uint8Array | undefined {
    if (this.content instanceof Uint8Array) return this.content;
    if (typeof this.content === 'string') return Buffer.from(this.content, 'utf8');
    return undefined;
  }

  /** First child with this name; `namespace` narrows it where two pages share a name (Location, Body). */
  child(name: string, namespace?: string): Element | undefined {
    for (const c of this.children) if (c.name === name && (!namespace || c.namespace === namespace)) return c;
    return undefined;
  }

  all(name: string, namespace?: string): Element[] {
    return this.children.filter(c => c.name === name && (!namespace || c.namespace === namespace));
  }

  /** Text of the first child with this name, or undefined when absent. */
  childText(name: string, namespace?: string): string | undefined {
    return this.child(name, namespace)?.text;
  }

  has(name: string, namespace?: string): boolean {
    return this.child(name, namespace) !== undefined;
  }
}

type ChildInput = Element | undefined | null | false | '' | 0 | ChildInput[];
export type BuildContent = string | number | Uint8Array | ChildInput[] | undefined;

/**
 * A builder for one code page: `const fh = tags('FolderHierarchy'); fh('FolderSync', [fh('Status', 1)])`.
 * Names are resolved to tokens here, so a misspelt tag fails where it is written.
 * Falsy children are dropped, which keeps optional elements readable at the call site.
 */
export function tags(namespace: string): (name: string, content?: BuildContent) => Element {
  const page = pageByNamespace(namespace);
  if (!page) throw new WbxmlError('WBXML_UNKNOWN_PAGE', `no code page named ${namespace}`);
  return (name, content) => {
    const token = page.tokens.get(name);
    if (token === undefined) throw new WbxmlError('WBXML_UNKNOWN_TAG', `${namespace}:${name} is not a tag`);
    return new Element(page.page, token, page.names[token] as string, normalise(content));
  };
}

function normalise(content: BuildContent): Content {
  if (content === undefined || typeof content === 'string' || content instanceof Uint8Array) return content;
  if (typeof content === 'number') return String(content);
  const out: Element[] = [];
  const walk = (items: ChildInput[]): void => {
    for (const c of items) {
      if (Array.isArray(c)) walk(c);
      else if (c) out.push(c);
    }
  };
  walk(content);
  return out;
}
