// Autodiscover v2 (the JSON form Outlook and iOS probe first): GET
// /autodiscover/autodiscover.json/v1.0/ADDRESS?Protocol=ActiveSync, or
// /autodiscover/autodiscover.json?Email=ADDRESS&Protocol=ActiveSync, answers where the protocol's
// endpoint is. Anonymous, as Exchange's is; the answer is the same for every address, so it tells
// nobody which accounts exist. docs/transport.md.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { publicBase } from './autodiscover.js';
import { send, type ServerContext } from './server.js';

/** Lower-cased; the router compares lower-cased paths, as clients vary the case. */
export const AUTODISCOVER_JSON_PATH = '/autodiscover/autodiscover.json';
const VERSIONED = /^\/autodiscover\/autodiscover\.json\/v1\.0\/([^/]+)$/i;

export function isAutodiscoverJson(path: string): boolean {
  return path === AUTODISCOVER_JSON_PATH || VERSIONED.test(path);
}

export function autodiscoverJson(ctx: ServerContext, req: IncomingMessage, res: ServerResponse, url: URL): void {
  if (req.method !== 'GET') return send(res, 405, { Allow: 'GET' }, '');
  const query = caseless(url.searchParams);
  const inPath = VERSIONED.exec(url.pathname.replace(/\/+$/, ''))?.[1];
  const address = inPath !== undefined ? safeDecode(inPath) : query.get('email');
  const protocol = query.get('protocol');
  if (!protocol || protocol.toLowerCase() !== 'activesync') {
    return json(res, 400, { ErrorCode: 'InvalidProtocol', ErrorMessage: `The given protocol value '${protocol ?? ''}' is invalid. Supported values are 'ActiveSync'.` });
  }
  if (!address || !/^[^@\s]+@[^@\s]+$/.test(address)) {
    return json(res, 400, { ErrorCode: 'InvalidUser', ErrorMessage: 'An email address is required.' });
  }
  json(res, 200, { Protocol: 'ActiveSync', Url: `${publicBase(ctx, req)}/Microsoft-Server-ActiveSync` });
}

/** Query names as clients send them (`Protocol`, `protocol`): the first value of each, by lower-cased name. */
function caseless(params: URLSearchParams): Map<string, string> {
  const map = new Map<string, string>();
  for (const [k, v] of params) if (!map.has(k.toLowerCase())) map.set(k.toLowerCase(), v);
  return map;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

function json(res: ServerResponse, status: number, body: object): void {
  send(res, status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'private' }, JSON.stringify(body));
}
