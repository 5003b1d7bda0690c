// MS-ASCMD 2.2.1.22 ValidateCert over real HTTP, with certificates made here: an operator CA and
// an intermediate, and S/MIME leaves that are fine, expired, not yet valid, from an unknown root,
// for TLS only, without an address.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { generate } from 'selfsigned';
import { trustAnchors } from '../../src/mail/smime/validateCert.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

const vc = tags('ValidateCert');
const DAY = 86_400_000;

type Extensions = NonNullable<Parameters<typeof generate>[1]>['extensions'];
interface Pair { cert: string; key: string }

async function make(cn: string, opts: { ca?: Pair; isCa?: boolean; email?: string | null; from?: number; to?: number; eku?: 'email' | 'server'; encryptOnly?: boolean } = {}): Promise<Pair> {
  const extensions: Extensions = [{ name: 'basicConstraints', cA: opts.isCa ?? false }];
  if (opts.isCa) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true });
  else if (opts.encryptOnly) extensions.push({ name: 'keyUsage', keyEncipherment: true });
  else extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true });
  if (!opts.isCa) extensions.push({ name: 'extKeyUsage', emailProtection: opts.eku !== 'server', serverAuth: opts.eku === 'server' });
  const email = opts.email === undefined ? `${cn}@example.com` : opts.email;
  if (email) extensions.push({ name: 'subjectAltName', altNames: [{ type: 1, value: email }] });
  const now = Date.now();
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec', algorithm: 'sha256', extensions, ca: opts.ca,
    notBeforeDate: new Date(now + (opts.from ?? -1) * DAY), notAfterDate: new Date(now + (opts.to ?? 365) * DAY),
  });
  return { cert: pems.cert, key: pems.private };
}

const der = (p: Pair): string => new X509Certificate(p.cert).raw.toString('base64');

function request(certificates: string[], chain: string[] = [], checkCrl?: string): Element {
  return vc('ValidateCert', [
    chain.length > 0 && vc('CertificateChain', chain.map(c => vc('Certificate', c))),
    vc('Certificates', certificates.map(c => vc('Certificate', c))),
    checkCrl !== undefined && vc('CheckCRL', checkCrl),
  ]);
}

describe('ValidateCert (MS-ASCMD 2.2.1.22)', () => {
  let t: TestServer;
  let root: Pair, intermediate: Pair, strangerRoot: Pair;
  before(async () => {
    root = await make('Operator Root', { isCa: true, email: null, to: 3650 });
    intermediate = await make('Operator Intermediate', { isCa: true, email: null, ca: root });
    strangerRoot = await make('Stranger Root', { isCa: true, email: null });
    t = await startServer({ server: { trustAnchors: trustAnchors(root.cert) } });
  });
  after(() => t.close());

  async function statuses(body: Element, version?: string): Promise<{ top: string | undefined; each: string[] }> {
    const res = await t.client('alice@example.com', version ? { version: version as never } : {}).send('ValidateCert', body);
    assert.equal(res.status, 200);
    assert.equal(res.body?.name, 'ValidateCert');
    return { top: res.body?.childText('Status'), each: (res.body?.all('Certificate') ?? []).map(c => String(c.childText('Status'))) };
  }

  it('2.2.3.177.18: a leaf through the intermediate to the operator\'s anchor is 1; each certificate gets its Status in order', async () => {
    const good = await make('alice', { ca: intermediate });
    const direct = await make('bob', { ca: root });
    assert.deepEqual(await statuses(request([der(good), der(direct)], [der(intermediate)])), { top: '1', each: ['1', '1'] });
    // Without the intermediate there is no path: 5, the chain is not correct.
    assert.deepEqual(await statuses(request([der(good)])), { top: '1', each: ['5'] });
  });

  it('7: expired, and not yet valid; 8: an intermediate outside its validity', async () => {
    const expired = await make('old', { ca: intermediate, from: -30, to: -1 });
    const early = await make('early', { ca: intermediate, from: 2, to: 30 });
    const oldCa = await make('Old Intermediate', { isCa: true, email: null, ca: root, from: -30, to: -1 });
    const underOld = await make('carol', { ca: oldCa });
    assert.deepEqual(await statuses(request([der(expired), der(early), der(underOld)], [der(intermediate), der(oldCa)])),
      { top: '1', each: ['7', '7', '8'] });
  });

  it('4: a root that is not a trust anchor; 6: no signing key usage; 9: not for email protection; 10: no email address; 11: an issuer that is no CA', async () => {
    const stranger = await make('dave', { ca: strangerRoot });
    const encryptOnly = await make('sealed', { ca: intermediate, encryptOnly: true });
    const tlsOnly = await make('web', { ca: intermediate, eku: 'server' });
    const noMail = await make('nomail', { ca: intermediate, email: null });
    const fakeCa = await make('notaca', { ca: root });
    const underFake = await make('erin', { ca: fakeCa });
    assert.deepEqual(await statuses(request([der(stranger), der(encryptOnly), der(tlsOnly), der(noMail), der(underFake)],
      [der(strangerRoot), der(intermediate), der(fakeCa)])), { top: '1', each: ['4', '6', '9', '10', '11'] });
  });

  it('3: the issuer named is there but its signature does not verify', async () => {
    const good = await make('frank', { ca: intermediate });
    // Same subject, other key: the name chains, the signature does not.
    const impostor = await make('Operator Intermediate', { isCa: true, email: null, ca: root });
    assert.deepEqual(await statuses(request([der(good)], [der(impostor)])), { top: '1', each: ['3'] });
  });

  it('CheckCRL 1: revocation is not fetched, so a valid certificate is 16 (status unknown), docs/smime.md', async () => {
    const good = await make('grace', { ca: intermediate });
    assert.deepEqual(await statuses(request([der(good)], [der(intermediate)], '1')), { top: '1', each: ['16'] });
    assert.deepEqual(await statuses(request([der(good)], [der(intermediate)], '0')), { top: '1', each: ['1'] });
  });

  it('2: no Certificates, not base64, not DER, an unknown child, a bad CheckCRL — never a 500', async () => {
    const good = der(await make('heidi', { ca: intermediate }));
    for (const body of [
      vc('ValidateCert', [vc('CheckCRL', '0')]),
      request([]),
      request(['***not base64***']),
      request([Buffer.from('not a certificate').toString('base64')]),
      request([good.slice(0, 40)]),
      request([good], ['@@']),
      request([good], [], '7'),
      vc('ValidateCert', [vc('Certificates', [vc('Certificate', good)]), vc('Status', '1')]),
      // Bounded before anything is parsed: 33 certificates, or one of 30,000 base64 characters.
      request(Array.from({ length: 33 }, () => good)),
      request([good], [Buffer.alloc(22_500, 0x30).toString('base64')]),
    ]) assert.deepEqual(await statuses(body), { top: '2', each: [] });
    const res = await t.client('alice@example.com').send('ValidateCert');
    assert.ok(res.status < 500, `no body: HTTP ${res.status}`);
  });

  it('is a command of every version Convene speaks, 12.1 as 16.1 (MS-ASCMD 2.2.1.22)', async () => {
    const good = await make('ivan', { ca: intermediate });
    for (const v of ['12.1', '14.1', '16.1']) assert.deepEqual(await statuses(request([der(good)], [der(intermediate)]), v), { top: '1', each: ['1'] }, v);
  });
});
