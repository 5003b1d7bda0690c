// GetAttachment (MS-ASCMD 2.2.1.8, up to 14.0; ItemOperations Fetch replaces it) and ValidateCert
// (2.2.1.22): the two commands left that are not about items in folders.
import { tags } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const vc = tags('ValidateCert');

/** The attachment's bytes and type by its FileReference (AttachmentName in the query). */
export async function getAttachment(client: EasClient, fileReference: string, version?: string):
  Promise<{ status: number; data: Buffer; contentType: string | undefined; response: EasResponse }> {
  const response = await client.send('GetAttachment', undefined, { query: { AttachmentName: fileReference }, version });
  return { status: response.status, data: response.raw, contentType: response.headers['content-type'], response };
}

export interface CertificateCheck { status: number; certificates: number[]; response: EasResponse }

/** ValidateCert: the server checks certificates (base64 DER) against its trust anchors; one Status per certificate. */
export async function validateCert(client: EasClient, certificates: string[], o: { chain?: string[]; checkCrl?: boolean; version?: string } = {}): Promise<CertificateCheck> {
  const response = await client.send('ValidateCert', vc('ValidateCert', [
    (o.chain?.length ?? 0) > 0 && vc('CertificateChain', o.chain!.map(c => vc('Certificate', c))),
    vc('Certificates', certificates.map(c => vc('Certificate', c))),
    o.checkCrl !== undefined && vc('CheckCRL', o.checkCrl ? 1 : 0),
  ]), { version: o.version });
  return {
    status: Number(response.body?.childText('Status') ?? 0),
    certificates: (response.body?.all('Certificate') ?? []).map(c => Number(c.childText('Status'))),
    response,
  };
}
