// Recipient resolution for ResolveRecipients (MS-ASCMD 2.2.1.15): what one To names. An address
// resolves to the account that has it, else to a contact of the asking account that has it, else
// to nothing (an address elsewhere is unresolved: no directory entry, no contact). A name is
// looked up by ANR (gal.ts) in the directory and in the account's contacts: one match resolves,
// several are suggestions (ambiguous), none is unresolved.
import type { Store } from '../store/Store.js';
import { fold, nameWords } from '../search/text.js';
import { addressIn, contactEntries } from './contacts.js';
import { galEntry, searchGal } from './gal.js';

export interface Recipient {
  /** MS-ASCMD 2.2.3.186.5 Type: a directory entry or one of the account's contacts. */
  kind: 'GAL' | 'CONTACT';
  displayName: string;
  emailAddress: string;
  /** The account, for a directory entry (whose free/busy the server has). */
  userId?: number | undefined;
  /** A contact's photo (base64); directory entries have none. */
  picture?: string | undefined;
}

export type Resolution =
  | { status: 'RESOLVED'; recipient: Recipient }
  /** `suggestions` holds at most maxAmbiguous of the `total` matches. */
  | { status: 'AMBIGUOUS'; suggestions: Recipient[]; total: number }
  | { status: 'UNRESOLVED' };

export async function resolveRecipient(store: Store, userId: number, to: string, opts: { maxAmbiguous: number }): Promise<Resolution> {
  const address = addressIn(to);
  const found = address ? await byAddress(store, userId, address) : await byName(store, userId, to);
  if (found.length === 0) return { status: 'UNRESOLVED' };
  if (found.length === 1) return { status: 'RESOLVED', recipient: found[0]! };
  return { status: 'AMBIGUOUS', suggestions: found.slice(0, opts.maxAmbiguous), total: found.length };
}

async function byAddress(store: Store, userId: number, address: string): Promise<Recipient[]> {
  const user = await store.findUserByEmail(address);
  if (user) {
    const e = galEntry(user);
    return [{ kind: 'GAL', displayName: e.displayName, emailAddress: e.emailAddress, userId: user.id }];
  }
  const contact = (await contactEntries(store, userId, [address])).find(c => c.emailAddress === address);
  return contact ? [{ kind: 'CONTACT', displayName: contact.displayName, emailAddress: address, picture: contact.picture }] : [];
}

async function byName(store: Store, userId: number, name: string): Promise<Recipient[]> {
  const words = nameWords(name).map(fold);
  if (words.length === 0) return [];
  const gal: Recipient[] = (await searchGal(store, name))
    .map(e => ({ kind: 'GAL' as const, displayName: e.displayName, emailAddress: e.emailAddress, userId: e.userId }));
  const known = new Set(gal.map(r => r.emailAddress));
  const contacts = (await contactEntries(store, userId, words))
    .filter(c => !known.has(c.emailAddress) && words.every(w => c.tokens.some(t => t.startsWith(w))))
    .map(c => ({ kind: 'CONTACT' as const, displayName: c.displayName, emailAddress: c.emailAddress, picture: c.picture }));
  const seen = new Set<string>();
  return [...gal, ...contacts].filter(r => !seen.has(r.emailAddress) && seen.add(r.emailAddress));
}
