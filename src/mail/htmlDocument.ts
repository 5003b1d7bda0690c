// Linear scans over HTML, for quoting one message inside another and for reading the text of a
// body. Plain scans, not regexes: /<body[^>]*>([\s\S]*)<\/body\s*>/, /<[^>]+>/ and their kin
// search to the end of the text from every candidate '<', so a message of many '<' (or '<body>',
// '<script') and no closing one kept the event loop for seconds. These functions give the same
// results as those regexes (noted on each) and read each character a bounded number of times.

/**
 * The content of an HTML document's body; without a <body>, the whole text less its doctype,
 * <html> tags and <head>. Same result as
 * `/<body[^>]*>([\s\S]*)<\/body\s*>/i.exec(html)?.[1]`, else
 * `html.replace(/<!doctype[^>]*>|<\/?html[^>]*>|<head[^>]*>[\s\S]*?<\/head\s*>/gi, '')`.
 */
export function bodyContent(html: string): string {
  const lower = asciiLower(html);
  const open = lower.indexOf('<body');
  const gt = open < 0 ? -1 : lower.indexOf('>', open + 5);
  // A later <body> could only end at the same </body> or earlier, so the first one decides.
  const close = gt < 0 ? -1 : lastEndTag(lower, 'body', gt + 1);
  return close >= 0 ? html.slice(gt + 1, close) : withoutDocumentParts(html, lower);
}

/**
 * `addition` put just before the last </body> (at the end when there is none). Same place as
 * `html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i)`.
 */
export function insertBeforeBodyEnd(html: string, addition: string): string {
  const at = lastEndTag(asciiLower(html), 'body', 0);
  return at < 0 ? `${html}${addition}` : `${html.slice(0, at)}${addition}${html.slice(at)}`;
}

/**
 * Every tag replaced by `by`: `s.replace(/<[^>]+>/g, by)`, or with `emptyToo` (which counts "<>"
 * as a tag) `s.replace(/<[^>]*>/g, by)`.
 */
export function replaceTags(s: string, by: string, emptyToo = false): string {
  let out = '';
  let from = 0;
  for (let lt = s.indexOf('<'); lt >= 0; lt = s.indexOf('<', lt + 1)) {
    const gt = s.indexOf('>', lt + 1);
    if (gt < 0) break; // no '>' after this '<', so none after any later one either
    if (gt === lt + 1 && !emptyToo) continue;
    out += s.slice(from, lt) + by;
    from = gt + 1;
    lt = gt;
  }
  return out + s.slice(from);
}

/**
 * Whole elements of these names, from the start tag to the nearest end tag, replaced by `by`:
 * `html.replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, by)` for ['script', 'style', 'head'].
 */
export function replaceElements(html: string, names: string[], by: string): string {
  const lower = asciiLower(html);
  const ends = new Map(names.map(name => [name, forwardOnly(from => firstEndTag(lower, name, from))]));
  let out = '';
  let from = 0;
  for (let lt = lower.indexOf('<'); lt >= 0; lt = lower.indexOf('<', lt + 1)) {
    const name = names.find(n => lower.startsWith(n, lt + 1) && !/\w/.test(lower[lt + 1 + n.length] ?? ''));
    const close = name === undefined ? -1 : ends.get(name)!(lt + 1 + name.length);
    if (close < 0) continue;
    out += html.slice(from, lt) + by;
    from = closeEnd(lower, close + 2 + name!.length);
    lt = from - 1;
  }
  return out + html.slice(from);
}

/** Comments replaced by `by`: `html.replace(/<!--[\s\S]*?-->/g, by)`. */
export function replaceComments(html: string, by: string): string {
  let out = '';
  let from = 0;
  for (let open = html.indexOf('<!--'); open >= 0; open = html.indexOf('<!--', from)) {
    const close = html.indexOf('-->', open + 4);
    if (close < 0) break; // unclosed, and so is every later one
    out += html.slice(from, open) + by;
    from = close + 3;
  }
  return out + html.slice(from);
}

const VOID = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);

/**
 * Whether elements may nest deeper than `limits.depth`, or a parser that walks its stack on each
 * start tag (htmlparser2) may take more than `limits.work` steps (the sum of the depths at each
 * start tag). Depth is start tags (not void, not `/>`) less end tags, counted in one pass that
 * stops at a limit. An unclosed <p> counts as open, so this can only overestimate.
 */
export function nestingExceeds(html: string, limits: { depth: number; work: number }): boolean {
  let depth = 0;
  let work = 0;
  for (let lt = html.indexOf('<'); lt >= 0; lt = html.indexOf('<', lt + 1)) {
    const next = html.charCodeAt(lt + 1);
    if (next === 0x2f /* / */) {
      if (depth > 0) depth--;
      continue;
    }
    if (!((next >= 0x41 && next <= 0x5a) || (next >= 0x61 && next <= 0x7a))) continue;
    const gt = html.indexOf('>', lt + 2);
    if (gt < 0) return false; // no tag is complete from here on
    let end = lt + 2;
    while (end < gt && /[A-Za-z0-9-]/.test(html[end]!)) end++;
    if (!VOID.has(asciiLower(html.slice(lt + 1, end))) && html[gt - 1] !== '/') {
      if (++depth > limits.depth || (work += depth) > limits.work) return true;
    }
    lt = gt;
  }
  return false;
}

function withoutDocumentParts(html: string, lower: string): string {
  const nextGt = forwardOnly(from => lower.indexOf('>', from));
  const nextHeadEnd = forwardOnly(from => firstEndTag(lower, 'head', from));
  let out = '';
  let from = 0;
  for (let lt = lower.indexOf('<'); lt >= 0; lt = lower.indexOf('<', lt + 1)) {
    const end = documentPartEnd(lower, lt, nextGt, nextHeadEnd);
    if (end < 0) continue;
    out += html.slice(from, lt);
    from = end;
    lt = end - 1;
  }
  return out + html.slice(from);
}

/** The end of a doctype, <html>, </html> or <head>…</head> starting at `at`, or -1. */
function documentPartEnd(lower: string, at: number, nextGt: Find, nextHeadEnd: Find): number {
  for (const tag of ['<!doctype', '<html', '</html']) {
    if (!lower.startsWith(tag, at)) continue;
    const gt = nextGt(at + tag.length);
    return gt < 0 ? -1 : gt + 1;
  }
  if (!lower.startsWith('<head', at)) return -1;
  const gt = nextGt(at + 5);
  const close = gt < 0 ? -1 : nextHeadEnd(gt + 1);
  return close < 0 ? -1 : closeEnd(lower, close + 6);
}

/** Start of the last `</name\s*>` at or after `min`, or -1. */
function lastEndTag(lower: string, name: string, min: number): number {
  const tag = `</${name}`;
  for (let at = lower.lastIndexOf(tag); at >= min; at = at > 0 ? lower.lastIndexOf(tag, at - 1) : -1) {
    if (closeEnd(lower, at + tag.length) >= 0) return at;
  }
  return -1;
}

/** Start of the first `</name\s*>` at or after `from`, or -1. */
function firstEndTag(lower: string, name: string, from: number): number {
  const tag = `</${name}`;
  for (let at = lower.indexOf(tag, from); at >= 0; at = lower.indexOf(tag, at + 1)) {
    if (closeEnd(lower, at + tag.length) >= 0) return at;
  }
  return -1;
}

const CLOSE = /\s*>/y;

/** Offset just past `\s*>` at `at`, or -1. */
function closeEnd(lower: string, at: number): number {
  CLOSE.lastIndex = at;
  return CLOSE.exec(lower) ? CLOSE.lastIndex : -1;
}

type Find = (from: number) => number;

/** A search that remembers its last answer, so queries from growing offsets read the text once. */
function forwardOnly(find: Find): Find {
  let askedFrom = Infinity;
  let found = -1;
  return from => {
    if (from >= askedFrom && (found < 0 || found >= from)) return found;
    askedFrom = from;
    found = find(from);
    return found;
  };
}

/** `s` with A–Z lowered and nothing else (offsets stay put; /i matches only ASCII letters here). */
function asciiLower(s: string): string {
  return s.replace(/[A-Z]+/g, c => c.toLowerCase());
}
