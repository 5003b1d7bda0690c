// `convene dkim generate|list|remove`: the keys outbound mail is signed with (docs/mail-auth.md).
// The private key stays in the store; only the public record to publish is printed.
import { AccountError } from '../accounts/accounts.js';
import { checkSelector, defaultSelector, DkimError, generateDkimKey, normalDomain, zoneLine } from '../mail/outboundDkim.js';
import type { Store } from '../store/Store.js';
import { parse, STORE_FLAGS, UsageError, withStore } from './options.js';

export const DKIM_HELP = `convene dkim generate DOMAIN [--selector S]
convene dkim list
convene dkim remove DOMAIN
  generate: makes an RSA 2048 key for mail from DOMAIN and prints the DNS TXT record to publish;
  mail whose From: is at DOMAIN is signed from then on. --selector names the key (default
  convene + year + month, e.g. ${defaultSelector()}). One key per domain: remove the old one first.
  list: each domain's selector and record; remove: DOMAIN's mail goes out unsigned again.
  Each takes --data DIR / --db URL (CONVENE_DATA / CONVENE_DB) to choose the store.`;

const FLAGS = { ...STORE_FLAGS, selector: { type: 'string' } } as const;

export async function dkimCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, FLAGS);
  if (values.help || !action || action === 'help' || action === '--help' || action === '-h') return console.log(DKIM_HELP);
  if (action !== 'generate' && action !== 'list' && action !== 'remove') throw new UsageError(`unknown action "dkim ${action}"\n${DKIM_HELP}`);
  const [given] = positionals;
  if (action !== 'list' && !given) throw new UsageError(`a domain is needed\n${DKIM_HELP}`);
  if (values.selector !== undefined && action !== 'generate') throw new UsageError('--selector goes with "dkim generate" only');
  let domain = '';
  let selector: string | undefined;
  try {
    if (given) domain = normalDomain(given);
    if (values.selector !== undefined) selector = checkSelector(values.selector);
  } catch (e) {
    if (e instanceof DkimError) throw new UsageError(e.message);
    throw e;
  }
  await withStore(values, async store => {
    if (action === 'generate') return generate(store, domain, selector);
    if (action === 'list') return list(store);
    return remove(store, domain);
  });
}

async function generate(store: Store, domain: string, selector: string | undefined): Promise<void> {
  const existing = await store.getDkimKey(domain);
  if (existing) throw new AccountError(`${domain} has a key already (selector ${existing.selector}); "convene dkim remove ${domain}" first`);
  const key = generateDkimKey(domain, selector);
  if (!await store.addDkimKey(key)) throw new AccountError(`${domain} has a key already; "convene dkim remove ${domain}" first`);
  console.log(`Key made for ${domain}. Publish this record in DNS; mail from ${domain} is signed from now on:\n`);
  console.log(zoneLine(key));
}

async function list(store: Store): Promise<void> {
  const keys = await store.listDkimKeys();
  if (!keys.length) return console.log('No DKIM keys: outbound mail goes out unsigned ("convene dkim generate DOMAIN" makes one).');
  for (const k of keys) {
    console.log(`${k.domain}\tselector ${k.selector}\tmade ${new Date(k.createdAt).toISOString().replace(/\.\d+Z$/, 'Z')}`);
    console.log(`  ${zoneLine(k)}`);
  }
}

async function remove(store: Store, domain: string): Promise<void> {
  if (!await store.removeDkimKey(domain)) throw new AccountError(`${domain} has no DKIM key (see "convene dkim list")`);
  console.log(`Removed the DKIM key of ${domain}: its mail goes out unsigned. The DNS record may go once queued mail has left.`);
}
