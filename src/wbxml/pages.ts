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
  /** The namespace libwbxml reads and prints for this page ("Gal" for GAL). */
  readonly libwbxmlNamespace: string;
}

// What libwbxml (0.11.8, src/wbxml_tables.c) spells differently and the generated table does not
// carry: its namespace for code page 16, and the second name it has for Provision 0x10
// (wbxml-codepages.json aliases.lib_also), which is the one wbxml2xml prints. Without them
// fromXml rejects wbxml2xml output and xml2wbxml misreads GAL elements as other pages' tags.
const LIBWBXML_NAMESPACES: Readonly<Record<number, string>> = { 16: 'Gal' };
const LIBWBXML_ALSO: Readonly<Record<number, Readonly<Record<string, number>>>> = { 14: { DeviceEncryptionEnabled: 0x10 } };

export const PAGES: readonly (PageInfo | undefined)[] = buildPages();
const BY_NAMESPACE = new Map(PAGES.filter((p): p is PageInfo => !!p).flatMap(p => [[p.libwbxmlNamespace, p] as const, [p.namespace, p] as const]));

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
    for (const [name, token] of Object.entries(LIBWBXML_ALSO[row.page] ?? {})) if (!tokens.has(name)) tokens.set(name, token);
    const libwbxmlNamespace = LIBWBXML_NAMESPACES[row.page] ?? row.namespace;
    pages[row.page] = { page: row.page, namespace: row.namespace, names, tokens, libwbxmlNames, unknownToLibwbxml, libwbxmlNamespace };
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
