// TLS material: the operator's files, or a self-signed certificate made once and kept in the data
// directory so a phone that trusted it keeps trusting it across restarts.
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
