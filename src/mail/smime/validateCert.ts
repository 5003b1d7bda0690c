// S/MIME certificate validation for MS-ASCMD 2.2.1.22 ValidateCert: is this signer's certificate
// trustworthy now? Each certificate is judged on its own: validity dates, fitness for signing mail
// (key usage, extended key usage), an email address, then a path through the device's
// CertificateChain to a trust anchor (Node's bundled roots plus the operator's, docs/smime.md).
// Revocation is never fetched over the network: a CRL/OCSP fetch from the server is an SSRF and
// stall risk, so a CheckCRL request gets "revocation status unknown" instead (docs/smime.md).
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { KeyUsageFlags, KeyUsagesExtension, X509Certificate as ParsedCertificate } from '@peculiar/x509';

export type CertVerdict =
  | 'VALID'
  /** The issuer named by the certificate is present but its signature does not verify. */
  | 'SIGNATURE_INVALID'
  /** The path ends at a self-signed root that is not a trust anchor. */
  | 'UNTRUSTED_ROOT'
  /** No path: an issuer is missing, or the chain loops or is too long. */
  | 'CHAIN_INVALID'
  /** A key usage is present and allows neither digitalSignature nor nonRepudiation. */
  | 'NOT_FOR_SIGNING'
  /** An extended key usage is present and allows neither email protection nor any purpose. */
  | 'NOT_FOR_MAIL'
  /** The certificate is outside its validity period (expired or not yet valid). */
  | 'OUT_OF_DATE'
  /** A certificate above it in the chain is outside its validity period. */
  | 'CHAIN_OUT_OF_DATE'
  /** No email address, neither in subjectAltName nor in the subject. */
  | 'NO_EMAIL'
  /** An issuer in the chain is not a CA (basicConstraints). */
  | 'ISSUER_NOT_CA'
  /** Otherwise valid; revocation was asked for and not checked. */
  | 'REVOCATION_UNKNOWN';

export interface TrustAnchors { readonly certificates: readonly X509Certificate[] }

const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const ANY_EXTENDED_KEY_USAGE = '2.5.29.37.0';
const MAX_DEPTH = 8;

let bundled: X509Certificate[] | undefined;

/** Node's bundled roots plus the operator's PEM bundle; throws when the bundle holds no certificate. */
export function trustAnchors(operatorPem?: string): TrustAnchors {
  bundled ??= rootCertificates.map(pem => new X509Certificate(pem));
  return { certificates: [...bundled, ...(operatorPem === undefined ? [] : parsePemBundle(operatorPem))] };
}

export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate in it');
  return blocks.map(b => new X509Certificate(b));
}

/** A DER certificate as the wire carries it; undefined when it is not one. */
export function parseDer(der: Buffer): X509Certificate | undefined {
  if (der.length === 0) return undefined;
  try {
    return new X509Certificate(der);
  } catch {
    return undefined;
  }
}

export interface ValidateInput {
  certificate: X509Certificate;
  /** Intermediates (and possibly a root) the device sent along, in any order. */
  chain: readonly X509Certificate[];
  checkRevocation: boolean;
  anchors: TrustAnchors;
  now?: Date;
}

export function validateCertificate(input: ValidateInput): CertVerdict {
  const now = input.now ?? new Date();
  const cert = input.certificate;
  if (!withinValidity(cert, now)) return 'OUT_OF_DATE';
  if (!signs(cert)) return 'NOT_FOR_SIGNING';
  if (!fitForMail(cert)) return 'NOT_FOR_MAIL';
  if (!hasEmail(cert)) return 'NO_EMAIL';
  const path = pathVerdict(cert, input.chain, input.anchors, now);
  if (path !== 'VALID') return path;
  return input.checkRevocation ? 'REVOCATION_UNKNOWN' : 'VALID';
}

/** Up the chain from the certificate until a trust anchor issues one. */
function pathVerdict(leaf: X509Certificate, chain: readonly X509Certificate[], anchors: TrustAnchors, now: Date): CertVerdict {
  let current = leaf;
  const seen = new Set<string>([leaf.fingerprint256]);
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (anchors.certificates.some(a => a.fingerprint256 === current.fingerprint256)) return 'VALID';
    const anchor = anchors.certificates.find(a => issuedBy(current, a) && current.verify(a.publicKey));
    if (anchor) return anchor.ca || anchor.fingerprint256 === current.fingerprint256 ? 'VALID' : 'ISSUER_NOT_CA';
    if (issuedBy(current, current)) return current.verify(current.publicKey) ? 'UNTRUSTED_ROOT' : 'SIGNATURE_INVALID';
    const issuers = chain.filter(c => issuedBy(current, c) && !seen.has(c.fingerprint256));
    if (issuers.length === 0) return 'CHAIN_INVALID';
    const issuer = issuers.find(c => current.verify(c.publicKey));
    if (!issuer) return 'SIGNATURE_INVALID';
    if (!issuer.ca) return 'ISSUER_NOT_CA';
    if (!withinValidity(issuer, now)) return 'CHAIN_OUT_OF_DATE';
    seen.add(issuer.fingerprint256);
    current = issuer;
  }
  return 'CHAIN_INVALID';
}

/**
 * By name only (X509Certificate.checkIssued also refuses issuers that are no CA, which would hide
 * that case behind "no issuer"); the signature is verified separately.
 */
function issuedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  return cert.issuer === issuer.subject;
}

function withinValidity(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

/**
 * RFC 8550 4.4.2: with a key usage extension, a signer's certificate has digitalSignature or
 * nonRepudiation. node:crypto does not expose the bits; @peculiar/x509 reads them.
 */
function signs(cert: X509Certificate): boolean {
  let usage: KeyUsagesExtension | null;
  try {
    usage = new ParsedCertificate(cert.raw).getExtension(KeyUsagesExtension);
  } catch {
    return false;
  }
  return !usage || (usage.usages & (KeyUsageFlags.digitalSignature | KeyUsageFlags.nonRepudiation)) !== 0;
}

/** RFC 8550 4.4.4: with an extended key usage, email protection (or any purpose) must be among it. */
function fitForMail(cert: X509Certificate): boolean {
  const usage = cert.keyUsage;
  return usage === undefined || usage.length === 0 || usage.includes(EMAIL_PROTECTION) || usage.includes(ANY_EXTENDED_KEY_USAGE);
}

/** RFC 8550 3: the address is in subjectAltName (rfc822Name) or, in older certificates, the subject's emailAddress. */
function hasEmail(cert: X509Certificate): boolean {
  if (/(^|,\s*)email:[^,\s]+@/i.test(cert.subjectAltName ?? '')) return true;
  return /^emailAddress=.+@/im.test(cert.subject);
}
