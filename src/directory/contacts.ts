// The account's own contacts as recipients (ResolveRecipients Type 2, MS-ASCMD 2.2.3.186.5): one
// entry per e-mail address a contact has (Email1Address … Email3Address).
import { readPicture } from '../contacts/picture.js';
import type { Store } from '../store/Store.js';
import type { ItemProps } from '../store/types.js';
import { fold } from '../search/text.js';

export interface ContactEntry {
  displayName: string;
  emailAddress: string;
  /** Name parts and addresses, folded, for ANR. */
  tokens: string[];
  /** MS-ASCNTC 2.2.2.58: the contact's photo as base64, if it has one that is whole. */
  picture?: string | undefined;
}

const BATCH = 500;

/** Contacts of the account with an address, among those whose stored text holds every term. */
export async function contactEntries(store: Store, userId: number, terms: string[]): Promise<ContactEntry[]> {
  const refs = await store.findItemCandidates(userId, { classes: ['Contacts'], terms });
  const out: ContactEntry[] = [];
  for (let at = 0; at < refs.length; at += BATCH) {
    for (const item of await store.getItemsInOrder(userId, refs.slice(at, at + BATCH))) out.push(...entriesOf(item.props));
  }
  return out;
}

function entriesOf(props: ItemProps): ContactEntry[] {
  const text = (name: string): string => {
    const v = props.find(p => p[0] === `Contacts:${name}`)?.[1];
    return typeof v === 'string' ? v.trim() : '';
  };
  const person = [text('FirstName'), text('MiddleName'), text('LastName')].filter(Boolean).join(' ');
  const names = [text('FileAs'), person, text('CompanyName')].filter(Boolean);
  const addresses = ['Email1Address', 'Email2Address', 'Email3Address'].map(n => addressIn(text(n))).filter((a): a is string => !!a);
  const tokens = [...names, ...names.flatMap(n => n.split(/[\s,]+/)), ...addresses].map(fold).filter(Boolean);
  const photo = props.find(p => p[0] === 'Contacts:Picture')?.[1];
  const read = photo !== undefined && !Array.isArray(photo) ? readPicture(photo) : undefined;
  const picture = read?.ok && read.base64 ? read.base64 : undefined;
  return addresses.map(emailAddress => ({ displayName: names[0] ?? emailAddress, emailAddress, tokens, picture }));
}

/** The address in `"Name" <a@b>`, `a@b` and the like; undefined when there is none. */
export function addressIn(text: string): string | undefined {
  const bracketed = /<([^<>\s@]+@[^<>\s@]+)>/.exec(text);
  if (bracketed) return bracketed[1]!.toLowerCase();
  const bare = /^\s*"?([^\s"<>@]+@[^\s"<>@]+?)"?\s*$/.exec(text);
  return bare ? bare[1]!.toLowerCase() : undefined;
}
