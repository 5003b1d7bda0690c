// MS-ASCMD 2.2.1.22 ValidateCert: the device sends the certificates of signed mail it received
// (Certificates), the intermediates it has (CertificateChain) and whether to check revocation
// (CheckCRL); the server answers a Status for the request and one Certificate/Status for each
// certificate, in request order. The judgement itself is src/mail/smime/validateCert.ts.
import { parseDer, trustAnchors, validateCertificate, type CertVerdict, type TrustAnchors } from '../../mail/smime/validateCert.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { X509Certificate } from 'node:crypto';
import type { CommandContext, CommandResult } from './types.js';

const vc = tags('ValidateCert');

/** MS-ASCMD 2.2.3.177.18 Status (ValidateCert). */
export const ValidateCertStatus = {
  Success: 1,
  ProtocolError: 2,
  SignatureNotValidated: 3,
  UntrustedSource: 4,
  ChainNotCorrect: 5,
  NotValidForSigning: 6,
  Expired: 7,
  ChainTimePeriodsInvalid: 8,
  UsedIncorrectly: 9,
  InformationMissing: 10,
  ChainUsedIncorrectly: 11,
  RevocationStatusUnknown: 16,
} as const;

const STATUS: Record<CertVerdict, number> = {
  VALID: ValidateCertStatus.Success,
  SIGNATURE_INVALID: ValidateCertStatus.SignatureNotValidated,
  UNTRUSTED_ROOT: ValidateCertStatus.UntrustedSource,
  CHAIN_INVALID: ValidateCertStatus.ChainNotCorrect,
  NOT_FOR_SIGNING: ValidateCertStatus.NotValidForSigning,
  NOT_FOR_MAIL: ValidateCertStatus.UsedIncorrectly,
  // 7 is "expired or not yet valid".
  OUT_OF_DATE: ValidateCertStatus.Expired,
  CHAIN_OUT_OF_DATE: ValidateCertStatus.ChainTimePeriodsInvalid,
  NO_EMAIL: ValidateCertStatus.InformationMissing,
  ISSUER_NOT_CA: ValidateCertStatus.ChainUsedIncorrectly,
  REVOCATION_UNKNOWN: ValidateCertStatus.RevocationStatusUnknown,
};

/** At most this many certificates in one request (each costs signature checks against every anchor). */
const MAX_CERTIFICATES = 32;
/** A certificate's base64 text at most (16 KiB of DER: RSA 16384-bit keys and long chains fit). */
const MAX_CERTIFICATE_BASE64 = 22_000;

let defaultAnchors: TrustAnchors | undefined;

export async function validateCert(ctx: CommandContext): Promise<CommandResult> {
  const request = parse(ctx.body);
  if (!request) return { body: vc('ValidateCert', [vc('Status', ValidateCertStatus.ProtocolError)]) };
  const anchors = ctx.trustAnchors ?? (defaultAnchors ??= trustAnchors());
  const answers = request.certificates.map(certificate => {
    const verdict = validateCertificate({ certificate, chain: request.chain, checkRevocation: request.checkCrl, anchors });
    return vc('Certificate', [vc('Status', STATUS[verdict])]);
  });
  return { body: vc('ValidateCert', [vc('Status', ValidateCertStatus.Success), ...answers]) };
}

interface Request { certificates: X509Certificate[]; chain: X509Certificate[]; checkCrl: boolean }

/** undefined: not a ValidateCert request, no certificate, or a certificate that is not base64 DER. */
function parse(body: Element | undefined): Request | undefined {
  if (body?.name !== 'ValidateCert' || body.namespace !== 'ValidateCert') return undefined;
  for (const c of body.children) {
    if (c.namespace !== 'ValidateCert' || !['Certificates', 'CertificateChain', 'CheckCRL'].includes(c.name)) return undefined;
  }
  const lists = body.all('Certificates', 'ValidateCert');
  const chains = body.all('CertificateChain', 'ValidateCert');
  const checks = body.all('CheckCRL', 'ValidateCert');
  if (lists.length !== 1 || chains.length > 1 || checks.length > 1) return undefined;
  // Counted and sized before any is parsed or verified: each verification is synchronous work.
  const elements = [...lists[0]!.children, ...(chains[0]?.children ?? [])];
  if (elements.length > MAX_CERTIFICATES || elements.some(c => (c.text?.length ?? 0) > MAX_CERTIFICATE_BASE64)) return undefined;
  const certificates = certificatesOf(lists[0]!);
  const chain = chains[0] ? certificatesOf(chains[0]) : [];
  if (!certificates || certificates.length === 0 || !chain) return undefined;
  const crl = checks[0]?.text?.trim();
  if (crl !== undefined && crl !== '0' && crl !== '1') return undefined;
  return { certificates, chain, checkCrl: crl === '1' };
}

function certificatesOf(list: Element): X509Certificate[] | undefined {
  const out: X509Certificate[] = [];
  for (const c of list.children) {
    if (c.name !== 'Certificate' || c.namespace !== 'ValidateCert') return undefined;
    const text = (c.text ?? '').replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
    const cert = parseDer(Buffer.from(text, 'base64'));
    if (!cert) return undefined;
    out.push(cert);
  }
  return out;
}
