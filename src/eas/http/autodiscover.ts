// MS-ASCMD 2.2.1.1 Autodiscover: plain XML (not WBXML) POSTed to /autodiscover/autodiscover.xml
// with the same Basic credentials as EAS. A device sends its address and the response schema it
// wants; for the mobilesync schema it gets the account's name and the URL of the EAS endpoint.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SaxesParser } from 'saxes';
import { logonMatches } from '../../accounts/accounts.js';
import type { User } from '../../store/types.js';
import { EasError } from '../status.js';
import { readBody } from './body.js';
import { checkCredentials } from './credentials.js';
import { send, type ServerContext } from './server.js';

export const AUTODISCOVER_PATH = '/autodiscover/autodiscover.xml';

const RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006';
/** MS-ASCMD 2.2.3.1 AcceptableResponseSchema: the one schema Convene answers in. */
export const MOBILESYNC_RESPONSE_NS = 'http://schemas.microsoft.com/exchange/autodiscover/mobilesync/responseschema/2006';
/** An Autodiscover request is a few hundred bytes. */
const MAX_REQUEST = 64 * 1024;

/** MS-ASCMD 2.2.3.64 ErrorCode: 600 invalid request, 601 no provider for the requested schema. */
const INVALID_REQUEST = 600;
const SCHEMA_NOT_AVAILABLE = 601;
/** MS-ASCMD 2.2.3.177.1 Status (Autodiscover): 2, protocol error. */
const PROTOCOL_ERROR = 2;

interface AutodiscoverRequest { email: string; schema: string }

export async function autodiscover(ctx: ServerContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  // Some clients probe with GET; there is nothing to discover without a request body.
  if (req.method === 'GET') return reply(res, requestError(INVALID_REQUEST, 'Invalid Request'));
  if (req.method !== 'POST') return send(res, 405, { Allow: 'GET,POST' }, '');
  const checked = await checkCredentials(ctx, req, 'Autodiscover');
  if (!checked.user) return send(res, checked.http, checked.headers, '');
  const { user } = checked;
  let body: Buffer;
  try {
    body = await readBody(req, { ...ctx.body, maxBytes: MAX_REQUEST });
  } catch (e) {
    if (!(e instanceof EasError)) throw e;
    if (e.http === 413) req.resume();
    return send(res, e.http, e.headers, '');
  }
  const request = parseRequest(body.toString('utf8'));
  const log = ctx.log.child({ cmd: 'Autodiscover', user: user.email });
  if (!request) {
    log.info('Autodiscover: the request is not an Autodiscover request');
    return reply(res, requestError(INVALID_REQUEST, 'Invalid Request'));
  }
  if (request.schema !== MOBILESYNC_RESPONSE_NS) {
    log.info({ schema: request.schema }, 'Autodiscover: a response schema Convene does not provide');
    return reply(res, requestError(SCHEMA_NOT_AVAILABLE, 'Provider is not available for the requested schema'));
  }
  if (!logonMatches(user, request.email)) {
    log.info({ asked: request.email }, 'Autodiscover: the address is not the authenticated account');
    return reply(res, actionError(request.email, `${request.email} is not the account these credentials belong to`));
  }
  reply(res, settings(user, `${publicBase(ctx, req)}/Microsoft-Server-ActiveSync`));
}

/**
 * MS-ASCMD 6.1 (AutodiscoverRequest.xsd): Autodiscover/Request with EMailAddress and
 * AcceptableResponseSchema. Namespaces are not checked, so Outlook's request (another request
 * schema) reaches the schema check and gets 601 rather than 600. Undefined when malformed.
 */
export function parseRequest(xml: string): AutodiscoverRequest | undefined {
  const parser = new SaxesParser({ xmlns: true });
  const path: string[] = [];
  const fields: Record<string, string> = {};
  let broken = false;
  parser.on('error', () => { broken = true; });
  parser.on('opentag', node => { path.push(node.local); });
  const onText = (t: string): void => {
    const at = path.join('/');
    if (at === 'Autodiscover/Request/EMailAddress' || at === 'Autodiscover/Request/AcceptableResponseSchema') {
      fields[path[2]] = (fields[path[2]] ?? '') + t;
    }
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => { path.pop(); });
  try {
    parser.write(xml).close();
  } catch {
    broken = true;
  }
  const email = fields.EMailAddress?.trim();
  const schema = fields.AcceptableResponseSchema?.trim();
  if (broken || !email || !schema) return undefined;
  return { email, schema };
}

/** MS-ASCMD 2.2.3.153.1 Response: the account and one MobileSync server (MS-ASCMD 2.2.3.164). */
function settings(user: User, url: string): string {
  return mobilesync([
    '<Culture>en:us</Culture>',
    `<User><DisplayName>${esc(user.displayName)}</DisplayName><EMailAddress>${esc(user.email)}</EMailAddress></User>`,
    `<Action><Settings><Server><Type>MobileSync</Type><Url>${esc(url)}</Url><Name>${esc(url)}</Name></Server></Settings></Action>`,
  ]);
}

/** MS-ASCMD 2.2.3.63 Error in Action: a failure concerning this address. */
function actionError(email: string, message: string): string {
  return mobilesync([
    '<Culture>en:us</Culture>',
    `<User><EMailAddress>${esc(email)}</EMailAddress></User>`,
    `<Action><Error><Status>${PROTOCOL_ERROR}</Status><Message>${esc(message)}</Message><DebugData/></Error></Action>`,
  ]);
}

/** MS-ASCMD 6.4: a request-level error, in the generic response schema (no provider answered). */
function requestError(code: number, message: string): string {
  const time = new Date().toISOString().slice(11, 23);
  return document(`<Response><Error Time="${time}" Id="0"><ErrorCode>${code}</ErrorCode>`
    + `<Message>${esc(message)}</Message><DebugData/></Error></Response>`);
}

function mobilesync(parts: string[]): string {
  return document(`<Response xmlns="${MOBILESYNC_RESPONSE_NS}">${parts.join('')}</Response>`);
}

function document(inner: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<Autodiscover xmlns="${RESPONSE_NS}">${inner}</Autodiscover>\n`;
}

function reply(res: ServerResponse, xml: string): void {
  send(res, 200, { 'Content-Type': 'text/xml; charset=utf-8', 'Cache-Control': 'private' }, xml);
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Where devices reach this server: `--public-url` when given, else what the request came to —
 * its Host (X-Forwarded-Host behind a proxy), https with TLS or behind a proxy (X-Forwarded-Proto).
 */
export function publicBase(ctx: Pick<ServerContext, 'publicUrl' | 'tls' | 'behindProxy'>, req: IncomingMessage): string {
  if (ctx.publicUrl) return ctx.publicUrl.replace(/\/+$/, '');
  const first = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v)?.split(',')[0].trim();
  const forwardedProto = ctx.behindProxy ? first(req.headers['x-forwarded-proto'])?.toLowerCase() : undefined;
  const proto = ctx.tls ? 'https' : forwardedProto === 'http' || forwardedProto === 'https' ? forwardedProto : ctx.behindProxy ? 'https' : 'http';
  const candidates = [ctx.behindProxy ? first(req.headers['x-forwarded-host']) : undefined, req.headers.host];
  const local = req.socket.localAddress ?? '127.0.0.1';
  const host = candidates.find(h => h && HOST.test(h)) ?? `${local.includes(':') ? `[${local}]` : local}:${req.socket.localPort}`;
  return `${proto}://${host}`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}
