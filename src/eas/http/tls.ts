// TLS material: the operator's files, or a self-signed certificate made once and kept in the data
// directory so a phone that trusted it keeps trusting it across restarts.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  key: Buffer;
  cert: Buffer;
}

export function loadTls(keyPath: string, certPath: string): TlsMaterial {
  return { key: readFileSync(keyPath), cert: readFileSync(certPath) };
}

/** TLS files that cannot serve: the message says which file and why, in one line. */
export class TlsMaterialError extends Error {}

/**
 * The operator's key and certificate, read and checked before they are used: a PEM certificate
 * (chain), an unencrypted PEM private key, and the key that belongs to the certificate. Checked
 * here rather than left to OpenSSL, whose errors name neither the file nor the fix.
 */
export function loadCheckedTls(keyPath: string, certPath: string): TlsMaterial {
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new TlsMaterialError(`the ${what} ${path} cannot be read (${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code ?? String(e)})`);
    }
  };
  const material = { key: read(keyPath, 'TLS key'), cert: read(certPath, 'TLS certificate') };
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(material.cert);
  } catch {
    throw new TlsMaterialError(`the TLS certificate ${certPath} is not a PEM certificate`);
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(material.key);
  } catch {
    throw new TlsMaterialError(`the TLS key ${keyPath} is not an unencrypted PEM private key`);
  }
  if (!certificate.checkPrivateKey(key)) throw new TlsMaterialError(`the TLS key ${keyPath} does not belong to the certificate ${certPath}`);
  return material;
}

/** Subject and expiry of a PEM certificate, for the log line of a (re)load. */
export function describeCertificate(cert: Buffer): { subject: string; validTo: string; fingerprint256: string } {
  const x = new X509Certificate(cert);
  return { subject: x.subject.replace(/\n/g, ', '), validTo: x.validTo, fingerprint256: x.fingerprint256 };
}

export async function selfSignedTls(dataDir: string): Promise<TlsMaterial & { created: boolean; certPath: string }> {
  const dir = join(dataDir, 'tls');
  const keyPath = join(dir, 'self-signed.key');
  const certPath = join(dir, 'self-signed.crt');
  if (existsSync(keyPath) && existsSync(certPath)) return { ...loadTls(keyPath, certPath), created: false, certPath };
  const name = hostname();
  const made = await generate([{ name: 'commonName', value: name }], {
    keySize: 2048,
    algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 5 * 365 * 86400_000),
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: name }, { type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }] }],
  });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyPath, made.private, { mode: 0o600 });
  writeFileSync(certPath, made.cert);
  return { key: Buffer.from(made.private), cert: Buffer.from(made.cert), created: true, certPath };
}
