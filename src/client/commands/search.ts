// Search (MS-ASCMD 2.2.1.16), Find (2.2.1.2, 16.1) and ResolveRecipients (2.2.1.15): asking the
// server about mail and people.
import type { ItemProps } from '../../store/types.js';
import { toProps } from '../../eas/props.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const s = tags('Search');
const as = tags('AirSync');
const f = tags('Find');
const rr = tags('ResolveRecipients');
const asb = tags('AirSyncBase');

export interface SearchHit {
  /** Mailbox results: the folder and LongId to fetch or answer by. */
  collectionId: string | undefined;
  longId: string | undefined;
  /** Find's mail results name the item by ServerId (MS-ASCMD 2.2.3.166.1). */
  serverId?: string | undefined;
  props: ItemProps;
}

export interface SearchResult { status: number; storeStatus: number | undefined; total: number | undefined; hits: SearchHit[]; response: EasResponse }

export interface SearchOptions {
  /** "Mailbox" (FreeText over mail, MS-ASCMD 2.2.3.147) or "GAL". */
  store?: 'Mailbox' | 'GAL' | undefined;
  /** Mailbox: only this folder. */
  collectionId?: string | undefined;
  /** Results wanted, as "0-9" (MS-ASCMD 2.2.3.144.1). */
  range?: string | undefined;
  version?: string | undefined;
}

export async function search(client: EasClient, text: string, o: SearchOptions = {}): Promise<SearchResult> {
  const store = o.store ?? 'Mailbox';
  const query = store === 'GAL' ? s('Query', text)
    : s('Query', [s('And', [as('Class', 'Email'), o.collectionId !== undefined && as('CollectionId', o.collectionId), s('FreeText', text)])]);
  const options = store === 'GAL' ? [s('Range', o.range ?? '0-19')]
    : [s('RebuildResults'), s('DeepTraversal'), s('Range', o.range ?? '0-19'), asb('BodyPreference', [asb('Type', 1), asb('TruncationSize', 200)])];
  const response = await client.send('Search', s('Search', [s('Store', [s('Name', store), query, s('Options', options)])]), { version: o.version });
  const found = response.body?.child('Response')?.child('Store');
  const total = found?.childText('Total');
  return {
    status: Number(response.body?.childText('Status') ?? 0),
    storeStatus: found?.childText('Status') === undefined ? undefined : Number(found.childText('Status')),
    total: total === undefined ? undefined : Number(total),
    hits: (found?.all('Result') ?? []).filter(r => r.has('Properties')).map(r => ({
      collectionId: r.childText('CollectionId'), longId: r.childText('LongId'), props: toProps(r.child('Properties')!),
    })),
    response,
  };
}

export interface FindOptions {
  /** Mail (MailBoxSearchCriterion) or the directory (GalSearchCriterion). */
  store?: 'Mailbox' | 'GAL' | undefined;
  collectionId?: string | undefined;
  range?: string | undefined;
  version?: string | undefined;
}

export interface FindResult { status: number; total: number | undefined; hits: SearchHit[]; response: EasResponse }

export async function find(client: EasClient, text: string, o: FindOptions = {}): Promise<FindResult> {
  const criterion = o.store === 'GAL'
    ? f('GalSearchCriterion', [f('Query', [f('FreeText', text)]), f('Options', [f('Range', o.range ?? '0-19')])])
    : f('MailBoxSearchCriterion', [
      f('Query', [as('Class', 'Email'), o.collectionId !== undefined && as('CollectionId', o.collectionId), f('FreeText', text)]),
      f('Options', [f('Range', o.range ?? '0-19'), f('DeepTraversal')]),
    ]);
  const response = await client.send('Find', f('Find', [f('SearchId', String(Date.now())), f('ExecuteSearch', [criterion])]), { version: o.version ?? '16.1' });
  const answer = response.body?.child('Response');
  const total = answer?.childText('Total');
  return {
    status: Number(response.body?.childText('Status') ?? 0),
    total: total === undefined ? undefined : Number(total),
    hits: (answer?.all('Result') ?? []).map(r => ({
      collectionId: r.childText('CollectionId', 'AirSync'), longId: undefined, serverId: r.childText('ServerId', 'AirSync'), props: r.child('Properties') ? toProps(r.child('Properties')!) : [],
    })),
    response,
  };
}

export interface Recipient { type: number; displayName: string | undefined; emailAddress: string | undefined }
export interface Resolution { to: string | undefined; status: number; recipients: Recipient[] }

export async function resolveRecipients(client: EasClient, to: string[], options: Element[] = [], version?: string):
  Promise<{ status: number; resolutions: Resolution[]; response: EasResponse }> {
  const response = await client.send('ResolveRecipients', rr('ResolveRecipients', [
    ...to.map(t => rr('To', t)), options.length > 0 && rr('Options', options),
  ]), { version });
  const resolutions = (response.body?.all('Response') ?? []).map(r => ({
    to: r.childText('To'), status: Number(r.childText('Status')),
    recipients: r.all('Recipient').map(x => ({ type: Number(x.childText('Type')), displayName: x.childText('DisplayName'), emailAddress: x.childText('EmailAddress') })),
  }));
  return { status: Number(response.body?.childText('Status') ?? 0), resolutions, response };
}
