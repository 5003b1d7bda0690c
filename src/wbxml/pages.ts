// Lookups over the generated code page table, built once at load time.
import { CODE_PAGES } from './codepages.js';

export interface PageInfo {
  readonly page: number;
  readonly namespace: string;
  /** token → element name (spec spelling); undefined for an unassigned token. */
  readonly names: readonly (string | undefined)[];
  /** element name (spec spelling or a libwbxml alias) → token. */
  readonly tokens: ReadonlyMap<string, number>;
  /** token → name libwbxml prints, where it differs from ours. */
  readonly libwbxmlNames: ReadonlyMap<number, string>;
  /** tokens libwbxml does not know (only Z-Push/Horde define them). */
  readonly unknownToLibwbxml: ReadonlySet<number>;
}

export const PAGES: readonly (PageInfo | undefined)[] = buildPages();
const BY_NAMESPACE = new Map(PAGES.filter((p): p is PageInfo => !!p).map(p => [p.namespace, p]));

function buildPages(): (PageInfo | undefined)[] {
  const pages: (PageInfo | undefined)[] = [];
  for (const row of CODE_PAGES) {
    const names: (string | undefined)[] = new Array(64).fill(undefined);
    const tokens = new Map<string, number>();
    const libwbxmlNames = new Map<number, string>();
    const unknownToLibwbxml = new Set<number>();
    for (const [name, token, lib] of row.tags) {
      names[token] = name;
      tokens.set(name, token);
      if (typeof lib === 'string') {
        libwbxmlNames.set(token, lib);
        if (!tokens.has(lib)) tokens.set(lib, token);
      } else if (lib === false) {
        unknownToLibwbxml.add(token);
      }
    }
    pages[row.page] = { page: row.page, namespace: row.namespace, names, tokens, libwbxmlNames, unknownToLibwbxml };
  }
  return pages;
}

export function pageByNamespace(namespace: string): PageInfo | undefined {
  return BY_NAMESPACE.get(namespace);
}

/** XML namespace URI as EAS writes it (MS-ASWBXML): the code page name followed by a colon. */
export function namespaceUri(page: PageInfo): string {
  return `${page.namespace}:`;
}

/**
 * Elements whose value is binary and travels as OPAQUE (shared/spec/wbxml-codepages.json,
 * opaque_elements). Their XML rendering is base64.
 */
export const OPAQUE_ELEMENTS: ReadonlySet<string> = new Set([
  'ComposeMail:MIME', 'ItemOperations:ConversationId', 'Email2:ConversationId', 'Email2:ConversationIndex',
  'Search:ConversationId', 'ResolveRecipients:Data', 'GAL:Data', 'AirSyncBase:Content',
]);
