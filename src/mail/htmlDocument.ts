// Where an HTML document's body starts and ends, for quoting one message inside another. Plain
// scans, not regexes: /<body[^>]*>([\s\S]*)<\/body\s*>/ and its kin search to the end of the text
// from every candidate tag, so a message of many '<body>' (or '<head>', '</body>') and no closing
// tag kept the event loop for seconds. These functions give the same results as those regexes
// (noted on each) and read each character a bounded number of times.

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
