// One DAV:response of a multistatus (RFC 4918 14.16, 14.24): the properties asked for, found ones
// under 200 and unknown ones under 404, or a bare status for a member that is not there.
import { ALLPROP, PROPERTIES, storedKeys, storedProp, type DavResource } from './props.js';
import { esc, qname, type XmlNode } from './xml.js';

export type PropRequest = { kind: 'allprop' } | { kind: 'propname' } | { kind: 'prop'; names: { ns: string; local: string }[] };

export function propResponse(href: string, resource: DavResource, request: PropRequest): string {
  const names = request.kind === 'prop' ? request.names : [...ALLPROP, ...storedKeys(resource)].map(splitKey);
  const found: string[] = [];
  const missing: string[] = [];
  for (const { ns, local } of names) {
    const getter = PROPERTIES[`${ns}|${local}`];
    const value = getter?.(resource) ?? storedProp(resource, `${ns}|${local}`);
    const q = qname(ns, local);
    if (value === undefined) {
      // propname lists what the resource has; allprop and prop report the rest as 404.
      if (request.kind === 'prop') missing.push(q.empty);
      continue;
    }
    if (request.kind === 'propname' || value === '') found.push(q.empty);
    else found.push(`${q.open}${value}${q.close}`);
  }
  const stats = [propstat(found, '200 OK'), propstat(missing, '404 Not Found')].join('');
  return `<d:response><d:href>${esc(href)}</d:href>${stats}</d:response>`;
}

export function statusResponse(href: string, status: string): string {
  return `<d:response><d:href>${esc(href)}</d:href><d:status>HTTP/1.1 ${status}</d:status></d:response>`;
}

function propstat(props: string[], status: string): string {
  if (props.length === 0) return '';
  return `<d:propstat><d:prop>${props.join('')}</d:prop><d:status>HTTP/1.1 ${status}</d:status></d:propstat>`;
}

/** The property names of a DAV:prop element. */
export function propNames(prop: XmlNode): PropRequest {
  return { kind: 'prop', names: prop.children.map(c => ({ ns: c.ns, local: c.local })) };
}

function splitKey(key: string): { ns: string; local: string } {
  const at = key.lastIndexOf('|');
  return { ns: key.slice(0, at), local: key.slice(at + 1) };
}
