// MS-ASCMD 2.2.1.1 Autodiscover over real HTTP: the mobilesync answer, where the URL comes from,
// credentials, and every error a device or a hostile request can meet.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { SaxesParser } from 'saxes';
import { startServer, PASSWORD, type TestServer } from '../helpers/server.js';

const REQUEST_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const MOBILESYNC = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
const OUTLOOK = 'http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a';

function requestXml(email: string, schema = MOBILESYNC): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<Autodiscover xmlns="${REQUEST_NS}">
  <Request>
    <EMailAddress>${email}</EMailAddress>
    <AcceptableResponseSchema>${schema}</AcceptableResponseSchema>
  </Request>
</Autodiscover>`;
}

/** Text by slash path of local names, with each element's namespace: { 'Autodiscover/Response/User/EMailAddress': … }. */
function readXml(xml: string): { text: Record<string, string>; ns: Record<string, string> } {
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  const text: Record<string, string> = {};
  const ns: Record<string, string> = {};
  parser.on('opentag', n => { path.push(n.local); ns[path.join('/')] = n.uri; });
  parser.on('text', t => { if (t.trim()) text[path.join('/')] = (text[path.join('/')] ?? '') + t; });
  parser.on('closetag', () => { path.pop(); });
  parser.write(xml).close();
  return { text, ns };
}

describe('Autodiscover (MS-ASCMD 2.2.1.1)', () => {
  let t: TestServer;
  const basic = (user: string, password = PASSWORD): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  // node:http rather than fetch: the tests set Host, which fetch does not allow.
  const post = (body: string, o: { path?: string; user?: string; password?: string; headers?: Record<string, string>; method?: string; base?: string } = {}) =>
    new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }>((resolve, reject) => {
      const req = request(`${o.base ?? t.url}${o.path ?? '/autodiscover/autodiscover.xml'}`, {
        method: o.method ?? 'POST',
        headers: {
          'Content-Type': 'text/xml', 'Content-Length': String(Buffer.byteLength(body)),
          ...(o.user === '' ? {} : { Authorization: basic(o.user ?? 'alice@example.com', o.password) }), ...o.headers,
        },
      }, res => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end(body);
    });

  before(async () => { t = await startServer({ users: ['alice@example.com', 'bob@example.com'] }); });
  after(() => t.close());

  it('answers the mobilesync schema with the account and the EAS URL of this server', async () => {
    const res = await post(requestXml('alice@example.com'));
    assert.equal(res.status, 200);
    assert.match(String(res.headers['content-type']), /^text\/xml/);
    const { text, ns } = readXml(res.text);
    assert.equal(ns['Autodiscover'], 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
    assert.equal(ns['Autodiscover/Response'], MOBILESYNC);
    assert.equal(text['Autodiscover/Response/User/EMailAddress'], 'alice@example.com');
    assert.equal(text['Autodiscover/Response/User/DisplayName'], 'alice');
    assert.equal(text['Autodiscover/Response/Action/Settings/Server/Type'], 'MobileSync');
    assert.equal(text['Autodiscover/Response/Action/Settings/Server/Url'], `${t.url}/Microsoft-Server-ActiveSync`);
    assert.equal(text['Autodiscover/Response/Action/Settings/Server/Name'], `${t.url}/Microsoft-Server-ActiveSync`);
  });

  it('the path is case-insensitive, a trailing slash too; logons work as for EAS', async () => {
    for (const path of ['/Autodiscover/Autodiscover.xml', '/AUTODISCOVER/AUTODISCOVER.XML', '/autodiscover/autodiscover.xml/']) {
      const res = await post(requestXml('alice@example.com'), { path, user: 'EXAMPLE\\alice' });
      assert.equal(res.status, 200, path);
      assert.equal(readXml(res.text).text['Autodiscover/Response/Action/Settings/Server/Type'], 'MobileSync', path);
    }
  });

  it('the URL follows the Host, X-Forwarded-* behind a proxy, or --public-url; a hostile Host is not echoed', async () => {
    const url = async (o: Parameters<typeof post>[1]) =>
      readXml((await post(requestXml('alice@example.com'), o)).text).text['Autodiscover/Response/Action/Settings/Server/Url'];
    assert.equal(await url({ headers: { Host: 'mail.example.com:8443' } }), 'http://mail.example.com:8443/Microsoft-Server-ActiveSync');
    // Without --behind-proxy, forwarded headers are anybody's and ignored.
    assert.equal(await url({ headers: { Host: 'mail.example.com', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example' } }),
      'http://mail.example.com/Microsoft-Server-ActiveSync');
    assert.equal(await url({ headers: { Host: 'evil"><x' } }), `${t.url}/Microsoft-Server-ActiveSync`);
    const proxied = await startServer({ server: { behindProxy: true } });
    const configured = await startServer({ server: { publicUrl: 'https://sync.example.org' } });
    try {
      assert.equal(await url({ base: proxied.url, headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'mail.example.com' } }),
        'https://mail.example.com/Microsoft-Server-ActiveSync');
      assert.equal(await url({ base: proxied.url, headers: { Host: 'mail.example.com' } }), 'https://mail.example.com/Microsoft-Server-ActiveSync');
      assert.equal(await url({ base: configured.url, headers: { Host: 'other.example' } }), 'https://sync.example.org/Microsoft-Server-ActiveSync');
    } finally {
      await proxied.close();
      await configured.close();
    }
  });

  it('MS-ASHTTP 2.2.2.1.1: a wrong password, an unknown account or no credentials get 401 with a Basic challenge', async () => {
    for (const o of [{ password: 'wrong password' }, { user: 'carol@example.com' }, { user: '' }]) {
      const res = await post(requestXml('alice@example.com'), o);
      assert.equal(res.status, 401, JSON.stringify(o));
      assert.match(String(res.headers['www-authenticate']), /^Basic realm=/);
    }
  });

  it('an address that is not the authenticated account gets Action/Error with Status 2', async () => {
    for (const email of ['bob@example.com', 'nobody@example.com']) {
      const { text } = readXml((await post(requestXml(email))).text);
      assert.equal(text['Autodiscover/Response/Action/Error/Status'], '2', email);
      assert.equal(text['Autodiscover/Response/User/EMailAddress'], email);
      assert.equal(text['Autodiscover/Response/Action/Settings/Server/Url'], undefined);
    }
  });

  it('MS-ASCMD 2.2.3.64: another response schema (Outlook) is ErrorCode 601; a malformed request is 600', async () => {
    const outlook = readXml((await post(requestXml('alice@example.com', OUTLOOK))).text);
    assert.equal(outlook.text['Autodiscover/Response/Error/ErrorCode'], '601');
    assert.equal(outlook.ns['Autodiscover/Response'], 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006');
    const malformed = [
      '<Autodiscover><Request><EMailAddress>alice@example.com</EMailAddress>',
      'not xml at all',
      '',
      `<Autodiscover xmlns="${REQUEST_NS}"><Request><AcceptableResponseSchema>${MOBILESYNC}</AcceptableResponseSchema></Request></Autodiscover>`,
      `<Other><Request><EMailAddress>alice@example.com</EMailAddress><AcceptableResponseSchema>${MOBILESYNC}</AcceptableResponseSchema></Request></Other>`,
      // No entity expansion, external or internal: the parser refuses undeclared entities.
      `<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><Autodiscover><Request><EMailAddress>&x;</EMailAddress><AcceptableResponseSchema>${MOBILESYNC}</AcceptableResponseSchema></Request></Autodiscover>`,
    ];
    for (const body of malformed) {
      const res = await post(body);
      assert.equal(res.status, 200, body);
      assert.equal(readXml(res.text).text['Autodiscover/Response/Error/ErrorCode'], '600', body);
    }
  });

  it('GET is answered with ErrorCode 600 rather than a crash; other methods get 405; a huge body 413', async () => {
    const get = await post('', { method: 'GET', user: '' });
    assert.equal(get.status, 200);
    assert.equal(readXml(get.text).text['Autodiscover/Response/Error/ErrorCode'], '600');
    assert.equal((await post('x', { method: 'PUT' })).status, 405);
    assert.equal((await post(`<Autodiscover>${'x'.repeat(100_000)}</Autodiscover>`)).status, 413);
    // The server is still there.
    assert.equal((await post(requestXml('alice@example.com'))).status, 200);
  });

  describe('Autodiscover v2 (JSON)', () => {
    const get = (path: string, headers: Record<string, string> = {}, base = t.url) =>
      post('', { path, method: 'GET', user: '', base, headers });

    it('answers both forms with the EAS URL, whatever the case of path and query names', async () => {
      const forms = [
        '/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync',
        '/AutoDiscover/AutoDiscover.json/v1.0/alice%40example.com?Protocol=activesync',
        '/autodiscover/autodiscover.json?Email=alice@example.com&Protocol=ActiveSync',
        '/Autodiscover/Autodiscover.json?email=alice%40example.com&protocol=ActiveSync',
      ];
      for (const path of forms) {
        const res = await get(path, { Host: 'mail.example.com' });
        assert.equal(res.status, 200, path);
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.deepEqual(JSON.parse(res.text), { Protocol: 'ActiveSync', Url: 'http://mail.example.com/Microsoft-Server-ActiveSync' }, path);
      }
    });

    it('uses the same public URL as the XML Autodiscover (--public-url, the proxy headers)', async () => {
      const configured = await startServer({ server: { publicUrl: 'https://sync.example.org' } });
      const proxied = await startServer({ server: { behindProxy: true } });
      try {
        const path = '/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=ActiveSync';
        assert.equal(JSON.parse((await get(path, {}, configured.url)).text).Url, 'https://sync.example.org/Microsoft-Server-ActiveSync');
        const viaProxy = await get(path, { 'X-Forwarded-Host': 'eas.example.net', 'X-Forwarded-Proto': 'https' }, proxied.url);
        assert.equal(JSON.parse(viaProxy.text).Url, 'https://eas.example.net/Microsoft-Server-ActiveSync');
      } finally {
        await configured.close();
        await proxied.close();
      }
    });

    it('answers the same for an address with no account: it tells nobody which accounts exist', async () => {
      const res = await get('/autodiscover/autodiscover.json/v1.0/nobody@example.com?Protocol=ActiveSync', { Host: 'mail.example.com' });
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.text).Protocol, 'ActiveSync');
    });

    it('an unknown or missing Protocol is 400 InvalidProtocol; a missing address 400; other methods 405', async () => {
      for (const path of [
        '/autodiscover/autodiscover.json/v1.0/alice@example.com?Protocol=Ews',
        '/autodiscover/autodiscover.json/v1.0/alice@example.com',
        '/autodiscover/autodiscover.json?Email=alice@example.com&Protocol=AutodiscoverV1',
      ]) {
        const res = await get(path);
        assert.equal(res.status, 400, path);
        const body = JSON.parse(res.text) as { ErrorCode: string; ErrorMessage: string };
        assert.equal(body.ErrorCode, 'InvalidProtocol', path);
        assert.equal(typeof body.ErrorMessage, 'string');
      }
      const noAddress = await get('/autodiscover/autodiscover.json?Protocol=ActiveSync');
      assert.equal(noAddress.status, 400);
      assert.equal(JSON.parse(noAddress.text).ErrorCode, 'InvalidUser');
      assert.equal((await get('/autodiscover/autodiscover.json/v1.0/%E0%A4%A?Protocol=ActiveSync')).status, 400);
      assert.equal((await post('x', { path: '/autodiscover/autodiscover.json?Email=a@b.c&Protocol=ActiveSync' })).status, 405);
    });
  });
});
