// Property filters of calendar-query (RFC 4791 9.7.2-9.7.5) and addressbook-query (RFC 6352
// 10.5): prop-filter, param-filter and text-match, read into plain data before anything is read
// from the store and evaluated on a component parsed by ical.js (jCal / jCard). Bounded: a query
// holds at most MAX_FILTERS filters and MAX_MATCH_TEXT characters per text-match, so the work per
// resource is at most filters × property instances of the resource.
import ICAL from 'ical.js';
import { CALDAV_NS, CARDDAV_NS, DavError } from './errors.js';
import { child, children, type XmlNode } from './xml.js';

/** RFC 4790 collations the servers of RFC 4791 7.5.1 / RFC 6352 8.3 know; others are refused. */
export type Collation = 'i;octet' | 'i;ascii-casemap' | 'i;unicode-casemap';
export type MatchType = 'equals' | 'contains' | 'starts-with' | 'ends-with';

export interface TextMatch { text: string; collation: Collation; matchType: MatchType; negate: boolean }
export interface ParamFilter { name: string; notDefined: boolean; match: TextMatch | undefined }
export interface PropFilter { name: string; notDefined: boolean; anyOf: boolean; matches: TextMatch[]; params: ParamFilter[] }

export const MAX_FILTERS = 64;
export const MAX_MATCH_TEXT = 1024;

type Dialect = { ns: typeof CALDAV_NS | typeof CARDDAV_NS; defaultCollation: Collation };
export const CALDAV_FILTERS: Dialect = { ns: CALDAV_NS, defaultCollation: 'i;ascii-casemap' };
export const CARDDAV_FILTERS: Dialect = { ns: CARDDAV_NS, defaultCollation: 'i;unicode-casemap' };

function unsupported(d: Dialect, what: string): DavError {
  return new DavError(403, `filter: ${what} is not supported`, { ns: d.ns, name: 'supported-filter' });
}

/** The prop-filters under `parent`; `budget` counts filters across the whole query. */
export function readPropFilters(d: Dialect, parent: XmlNode, budget: { left: number }): PropFilter[] {
  return children(parent, d.ns, 'prop-filter').map(node => {
    if (--budget.left < 0) throw new DavError(403, `more than ${MAX_FILTERS} filters`, { ns: d.ns, name: 'supported-filter' });
    const name = node.attrs.name?.trim().toUpperCase();
    if (!name) throw new DavError(400, 'prop-filter without a name', { ns: d.ns, name: d.ns === CALDAV_NS ? 'valid-filter' : 'supported-filter' });
    // RFC 4791 9.7.2: a time-range on a property (DTSTAMP, LAST-MODIFIED…) is not evaluated here.
    if (child(node, d.ns, 'time-range')) throw unsupported(d, 'time-range in prop-filter');
    const params = children(node, d.ns, 'param-filter').map(p => {
      if (--budget.left < 0) throw new DavError(403, `more than ${MAX_FILTERS} filters`, { ns: d.ns, name: 'supported-filter' });
      const pname = p.attrs.name?.trim().toUpperCase();
      if (!pname) throw unsupported(d, 'param-filter without a name');
      const tm = child(p, d.ns, 'text-match');
      return { name: pname, notDefined: child(p, d.ns, 'is-not-defined') !== undefined, match: tm ? readTextMatch(d, tm) : undefined };
    });
    const matches = children(node, d.ns, 'text-match').map(t => readTextMatch(d, t));
    // RFC 4791 9.7.2 has no test attribute: every child must match (allof).
    const anyOf = d.ns === CARDDAV_NS && node.attrs.test !== 'allof';
    return { name, notDefined: child(node, d.ns, 'is-not-defined') !== undefined, anyOf, matches, params };
  });
}

function readTextMatch(d: Dialect, node: XmlNode): TextMatch {
  const collation = (node.attrs.collation ?? d.defaultCollation) as Collation;
  if (!['i;octet', 'i;ascii-casemap', 'i;unicode-casemap'].includes(collation)) {
    throw new DavError(403, `collation ${collation}`, { ns: d.ns, name: 'supported-collation' });
  }
  // RFC 4791 9.7.5 has no match-type: a CalDAV text-match is a substring test.
  const matchType = (d.ns === CALDAV_NS ? 'contains' : node.attrs['match-type'] ?? 'contains') as MatchType;
  if (!['equals', 'contains', 'starts-with', 'ends-with'].includes(matchType)) throw unsupported(d, `match-type ${matchType}`);
  if (node.text.length > MAX_MATCH_TEXT) throw unsupported(d, `a text-match longer than ${MAX_MATCH_TEXT} characters`);
  return { text: node.text, collation, matchType, negate: node.attrs['negate-condition'] === 'yes' };
}

/** RFC 4790 9.2 i;ascii-casemap folds a-z only; RFC 5051 i;unicode-casemap, approximated by full case folding and NFKD. */
function fold(s: string, c: Collation): string {
  if (c === 'i;octet') return s;
  if (c === 'i;ascii-casemap') return s.replace(/[a-z]+/g, m => m.toUpperCase());
  return s.toUpperCase().normalize('NFKD');
}

export function textMatches(m: TextMatch, value: string): boolean {
  const v = fold(value, m.collation);
  const t = fold(m.text, m.collation);
  const hit = m.matchType === 'equals' ? v === t
    : m.matchType === 'starts-with' ? v.startsWith(t)
      : m.matchType === 'ends-with' ? v.endsWith(t) : v.includes(t);
  return hit !== m.negate;
}

/** One property instance of a parsed component: its name, parameters and value as text. */
export interface PropInstance { name: string; params: Record<string, string[]>; value: string }

/** The properties of a jCal / jCard component ([name, [props], [components]]). */
export function propertiesOf(component: unknown[]): PropInstance[] {
  const props = (component[1] ?? []) as unknown[][];
  return props.map(p => {
    const params: Record<string, string[]> = {};
    for (const [k, v] of Object.entries((p[1] ?? {}) as Record<string, unknown>)) {
      params[k.toUpperCase()] = (Array.isArray(v) ? v : [v]).map(String);
    }
    return { name: String(p[0]).toUpperCase(), params, value: p.slice(3).map(valueText).join(',') };
  });
}

function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.map(valueText).join(';');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Subcomponents of a jCal component with this name (VEVENT in a VCALENDAR). */
export function componentsOf(component: unknown[], name: string): unknown[][] {
  return ((component[2] ?? []) as unknown[][]).filter(c => String(c[0]).toUpperCase() === name);
}

/** ICAL.parse of a rendered resource: the first component (a VCALENDAR or a VCARD). */
export function parseComponent(text: string): unknown[] {
  const parsed = ICAL.parse(text) as unknown[];
  return (Array.isArray(parsed[0]) ? parsed[0] : parsed) as unknown[];
}

/** RFC 4791 9.7.2 / RFC 6352 10.5.1: one prop-filter against a component's properties. */
export function propFilterMatches(f: PropFilter, props: PropInstance[]): boolean {
  const present = props.filter(p => p.name === f.name);
  if (f.notDefined) return present.length === 0;
  if (present.length === 0) return false;
  const tests = f.matches.length + f.params.length;
  if (tests === 0) return true;
  return present.some(p => {
    const results = [...f.matches.map(m => textMatches(m, p.value)), ...f.params.map(pf => paramMatches(pf, p))];
    return f.anyOf ? results.some(Boolean) : results.every(Boolean);
  });
}

function paramMatches(f: ParamFilter, p: PropInstance): boolean {
  const values = p.params[f.name];
  if (f.notDefined) return values === undefined;
  if (values === undefined) return false;
  return f.match ? values.some(v => textMatches(f.match!, v)) : true;
}
