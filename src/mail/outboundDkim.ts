// Outbound DKIM (RFC 6376; docs/mail-auth.md): each domain Convene sends for may have one signing
// key, made by `convene dkim generate`. A message leaving through the outbound queue is signed with
// the key of its From: domain, the identity DMARC aligns with (RFC 7489 3.1); nodemailer signs,
// relaxed/relaxed. Without a key for that domain the message goes out unsigned.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type DKIM from 'nodemailer/lib/dkim';
import type { DkimKey, Store } from '../store/Store.js';
import { domainOf, fromDomain } from './headers.js';

/** RFC 8301 3.2: at least 1024 bits, 2048 recommended (and still fits TXT strings comfortably). */
export const DKIM_KEY_BITS = 2048;

/**
 * The fields the signature covers when present (RFC 6376 5.4.1): who, what, when, which thread,
 * and how the body is to be read.
 */
export const SIGNED_FIELDS = ['From', 'Sender', 'Reply-To', 'To', 'Cc', 'Subject', 'Date', 'Message-ID', 'In-Reply-To', 'References',
  'MIME-Version', 'Content-Type', 'Content-Transfer-Encoding', 'Auto-Submitted'].join(':');

export type DkimErrorCode = 'BAD_DOMAIN' | 'BAD_SELECTOR';

export class DkimError extends Error {
  constructor(readonly code: DkimErrorCode, message: string) {
    super(message);
    this.name = 'DkimError';
  }
}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A domain name of two labels or more, lower-case; DkimError BAD_DOMAIN otherwise. */
export function normalDomain(domain: string): string {
  const d = domain.trim().toLowerCase().replace(/\.$/, '');
  const labels = d.split('.');
  if (d.length > 253 || labels.length < 2 || !labels.every(l => LABEL.test(l))) throw new DkimError('BAD_DOMAIN', `"${domain}" is not a domain name`);
  return d;
}

/** RFC 6376 3.1: a selector is one or more DNS labels. */
export function checkSelector(selector: string): string {
  const s = selector.trim().toLowerCase();
  if (!s || s.length > 63 || !s.split('.').every(l => LABEL.test(l))) throw new DkimError('BAD_SELECTOR', `"${selector}" is not a DKIM selector (letters, digits, hyphens)`);
  return s;
}

/** `convene` and the year and month: a new key gets a new name, so the old record may stay published meanwhile. */
export function defaultSelector(now = new Date()): string {
  return `convene${now.getUTCFullYear()}${String(now.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function generateDkimKey(domain: string, selector: string = defaultSelector(), now = Date.now()): DkimKey {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: DKIM_KEY_BITS });
  return {
    domain: normalDomain(domain), selector: checkSelector(selector), createdAt: now,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

/** The TXT record to publish (RFC 6376 3.6.1): its owner name and its text. */
export function dkimRecord(key: DkimKey): { name: string; text: string } {
  const spki = createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
  return { name: `${key.selector}._domainkey.${key.domain}.`, text: `v=DKIM1; k=rsa; p=${spki}` };
}

/**
 * The record as a zone-file line. RFC 1035 3.3.14: one TXT string holds at most 255 bytes, so the
 * text goes as several quoted strings, which a verifier joins (RFC 6376 3.6.2.2).
 */
export function zoneLine(key: DkimKey): string {
  const { name, text } = dkimRecord(key);
  const strings: string[] = [];
  for (let i = 0; i < text.length; i += 255) strings.push(`"${text.slice(i, i + 255)}"`);
  return `${name} IN TXT ${strings.join(' ')}`;
}

/**
 * The domain a message is signed for: its one From: address's domain (RFC 5322 3.6.2). Bounces and
 * automatic replies go out with the null return path but a From: of the account, so they are
 * signed like any other mail; only a message without a readable From: falls back to the envelope
 * sender's domain, and with neither it goes unsigned.
 */
export function signingDomain(mime: Buffer, envelopeFrom: string): string | undefined {
  return fromDomain(mime) ?? (envelopeFrom.includes('@') ? domainOf(envelopeFrom) : undefined);
}

/** nodemailer's `dkim` option for this message, or undefined when its domain has no key. */
export async function dkimOptions(store: Store, mime: Buffer, envelopeFrom: string): Promise<DKIM.Options | undefined> {
  const domain = signingDomain(mime, envelopeFrom);
  const key = domain ? await store.getDkimKey(domain) : undefined;
  return key && { domainName: key.domain, keySelector: key.selector, privateKey: key.privateKey, headerFieldNames: SIGNED_FIELDS };
}
