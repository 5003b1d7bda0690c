// The Global Address List: the accounts of this server, as Search (Store "GAL"), Find's GAL
// criterion and ResolveRecipients see them. Every account sees every other — the directory of the
// organisation, as on Exchange; docs/directory.md says what it reveals.
//
// Matching is MS-ASCMD 2.2.1.16's ambiguous name resolution (ANR): each word of the query must begin
// one of the entry's indexed values — display name (or a word of it), first name, last name, alias,
// address — case-insensitively. "John" finds "John Frum" and "Barry Johnson", not "James Littlejohn".
import type { Resource, Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { fold, nameWords } from '../search/text.js';

export interface GalEntry {
  userId: number;
  displayName: string;
  emailAddress: string;
  /** The address's local part, as Exchange's alias. */
  alias: string;
  /** Derived from a display name of two or more words: the first word, and the rest. */
  firstName?: string | undefined;
  lastName?: string | undefined;
  /**
   * Rooms and equipment (docs/resources-delegates.md) say what they are in the GAL's Title
   * ("Resource, capacity 8") and their name in Office, the recipient's "office location" (MS-ASCMD
   * 6.18, GAL schema): a device shows both beside the name, and EAS has no capacity field.
   */
  title?: string | undefined;
  office?: string | undefined;
}

export function galEntry(user: User, resource?: Resource): GalEntry {
  const alias = user.email.split('@')[0]!;
  const displayName = user.displayName.trim() || alias;
  const words = displayName.split(/\s+/);
  const named = words.length >= 2;
  return {
    userId: user.id, displayName, emailAddress: user.email, alias,
    firstName: named ? words[0] : undefined, lastName: named ? words.slice(1).join(' ') : undefined,
    ...(resource ? { title: resource.capacity === undefined ? 'Resource' : `Resource, capacity ${resource.capacity}`, office: resource.name } : {}),
  };
}

/** Every entry whose indexed values the query's words begin, in directory order (display name). */
export async function searchGal(store: Store, query: string): Promise<GalEntry[]> {
  const words = nameWords(query).map(fold);
  if (words.length === 0) return [];
  const found = (await store.findUserCandidates(words)).filter(u => anrMatches(galEntry(u), words));
  if (found.length === 0) return [];
  const resources = await store.resourcesOf(found.map(u => u.id));
  return found.map(u => galEntry(u, resources.get(u.id)));
}

/** MS-ASCMD 2.2.1.16 ANR: each (folded) word begins one of the entry's values or words of them. */
export function anrMatches(entry: GalEntry, words: string[]): boolean {
  const values = [entry.displayName, entry.firstName, entry.lastName, entry.alias, entry.emailAddress]
    .filter((v): v is string => !!v).map(fold);
  const tokens = new Set(values.flatMap(v => [v, ...v.split(/[\s._-]+/)]));
  const name = fold(entry.displayName);
  return words.every(w => [...tokens].some(t => t.startsWith(w)) || name.includes(` ${w}`));
}
