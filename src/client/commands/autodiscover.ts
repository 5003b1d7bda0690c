// Autodiscover (MS-ASCMD 2.2.1.1, MS-OXDISCO 3.1.5): from an e-mail address to the EAS URL. Tries
// the given base, then https://DOMAIN and https://autodiscover.DOMAIN, and follows the Redirect
// answers the protocol has (Action/Redirect with a new address, Action/Settings, RedirectUrl).
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { SaxesParser } from 'saxes';
import type { TlsOptions } from '../EasClient.js';

const REQUEST_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/requestschema/2006';
const RESPONSE_SCHEMA = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';

export interface AutodiscoverOptions {
  user?: string | undefined;
  password: string;
  /** Tried first, e.g. https://mail.example.com (the path /autodiscover/autodiscover.xml is added). */
  baseUrl?: string | undefined;
  tls?: TlsOptions | undefined;
  /** Redirects followed at most (MS-OXDISCO 3.1.5.4 asks for a limit); 10 by default. */
  maxRedirects?: number | undefined;
}

export interface AutodiscoverResult {
  /** The EAS URL (…/Microsoft-Server-ActiveSync). */
  url: string | undefined;
  displayName: string | undefined;
  email: string;
  /** Where the answer came from, and what was tried before it. */
  tried: { url: string; outcome: string }[];
  error: { code: string | undefined; message: string | undefined } | undefined;
}

export async function autodiscover(email: string, o: AutodiscoverOptions): Promise<AutodiscoverResult> {
  const tried: AutodiscoverResult['tried'] = [];
  let address = email;
  const candidates = (domain: string): string[] => [
    ...(o.baseUrl ? [o.baseUrl] : []), `https://${domain}`, `https://autodiscover.${domain}`,
  ].map(b => new URL('/autodiscover/autodiscover.xml', b).toString());
  let queue = candidates(address.split('@')[1] ?? '');
  for (let hops = 0; queue.length > 0 && hops <= (o.maxRedirects ?? 10);) {
    const url = queue.shift()!;
    let answer: { status: number; text: string };
    try {
      answer = await post(url, requestXml(address), o.user ?? email, o.password, o.tls);
    } catch (e) {
      tried.push({ url, outcome: (e as Error).message });
      continue;
    }
    if (answer.status !== 200) {
      tried.push({ url, outcome: `HTTP ${answer.status}` });
      continue;
    }
    const fields = readFields(answer.text);
    tried.push({ url, outcome: 'answered' });
    const action = fields['Autodiscover/Response/Action/Redirect'];
    const redirectUrl = fields['Autodiscover/Response/Action/RedirectUrl'];
    if (action) {
      // A new address: start over with its domain.
      address = action.trim();
      queue = candidates(address.split('@')[1] ?? '');
      hops++;
      continue;
    }
    if (redirectUrl) {
      queue = [redirectUrl.trim()];
      hops++;
      continue;
    }
    const errorCode = fields['Autodiscover/Response/Error/ErrorCode'] ?? fields['Autodiscover/Response/Action/Error/ErrorCode'];
    return {
      url: fields['Autodiscover/Response/Action/Settings/Server/Url']?.trim(), displayName: fields['Autodiscover/Response/User/DisplayName'],
      email: fields['Autodiscover/Response/User/EMailAddress'] ?? address, tried,
      error: errorCode === undefined ? undefined : { code: errorCode, message: fields['Autodiscover/Response/Error/Message'] ?? fields['Autodiscover/Response/Action/Error/Message'] },
    };
  }
  return { url: undefined, displayName: undefined, email: address, tried, error: undefined };
}

function requestXml(email: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="${REQUEST_SCHEMA}"><Request>`
    + `<EMailAddress>${email.replace(/[<>&"]/g, c => `&#${c.charCodeAt(0)};`)}</EMailAddress>`
    + `<AcceptableResponseSchema>${RESPONSE_SCHEMA}</AcceptableResponseSchema></Request></Autodiscover>`;
}

/** The text of each element by its path of local names (the response's namespaces vary by server). */
function readFields(xml: string): Record<string, string> {
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  const out: Record<string, string> = {};
  parser.on('opentag', n => { path.push(n.local); });
  parser.on('text', t => { if (t.trim()) out[path.join('/')] = (out[path.join('/')] ?? '') + t; });
  parser.on('closetag', () => { path.pop(); });
  try {
    parser.write(xml).close();
  } catch {
    // A page that is not XML (a login form, a 404 page as 200) answers nothing.
  }
  return out;
}

function post(url: string, body: string, user: string, password: string, tls: TlsOptions | undefined): Promise<{ status: number; text: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, {
      method: 'POST', ...tls,
      headers: {
        'Content-Type': 'text/xml; charset=utf-8', 'Content-Length': String(Buffer.byteLength(body)),
        Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`,
      },
    }, res => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}
