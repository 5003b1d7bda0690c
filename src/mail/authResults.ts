// Reading an Authentication-Results header field (RFC 8601 2.2) that a trusted relay in front of
// Convene added: `authserv-id [version]; method=result prop.name=value …; …`. Comments (in
// parentheses) are dropped; only the parts the sender verdict uses are kept.

export interface AuthResult {
  method: string;
  result: string;
  /** `header.from`, `smtp.mailfrom`, `header.d`, `header.i`, … lower-case names and values. */
  props: Map<string, string>;
}

export interface AuthResultsField {
  authservId: string;
  results: AuthResult[];
}

/** The unfolded values of every Authentication-Results field in the header block, top first. */
export function authResultsFields(raw: Buffer): string[] {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? Math.min(raw.length, 256 * 1024) : end).toString('latin1');
  return head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)
    .filter(line => /^authentication-results\s*:/i.test(line))
    .map(line => line.slice(line.indexOf(':') + 1).trim());
}

export function parseAuthResults(value: string): AuthResultsField | undefined {
  const [id, ...rest] = stripComments(value).split(';').map(s => s.trim());
  // RFC 8601 2.2: authserv-id is a `value` (RFC 2045), a token or a quoted-string: `"mx.example.com"` is mx.example.com.
  const quoted = id === undefined ? null : /^"((?:[^"\\]|\\.)*)"/.exec(id);
  const authservId = (quoted ? quoted[1]!.replace(/\\(.)/g, '$1') : id?.split(/\s+/)[0])?.toLowerCase();
  if (!authservId) return undefined;
  const results: AuthResult[] = [];
  for (const part of rest) {
    const [first, ...props] = part.split(/\s+/).filter(Boolean);
    const m = /^([a-z0-9-]+)=([a-z0-9-]+)$/i.exec(first ?? '');
    if (!m) continue; // "none", or an unreadable part
    const pairs = props.map(p => p.split('=')).filter(kv => kv.length === 2 && kv[0] && kv[1])
      .map(([k, v]) => [k!.toLowerCase(), v!.replace(/^"|"$/g, '').toLowerCase()] as [string, string]);
    results.push({ method: m[1]!.toLowerCase(), result: m[2]!.toLowerCase(), props: new Map(pairs) });
  }
  return { authservId, results };
}

/** RFC 5322 comments, nested too; quoted strings are kept. */
function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\') { if (depth === 0) out += value.slice(i, i + 2); i++; continue; }
    if (c === '"' && depth === 0) quoted = !quoted;
    if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out;
}

/**
 * RFC 8601 5: the message without the Authentication-Results fields that claim `authservId` (ours:
 * from outside they are forged), and how many went. Only the top-level header block is touched;
 * every other byte, the line ends included, stays as it arrived.
 */
export function withoutAuthResultsOf(raw: Buffer, authservId: string): { message: Buffer; removed: number } {
  const id = authservId.toLowerCase();
  const end = headerBlockEnd(raw);
  const head = raw.subarray(0, end).toString('latin1');
  // One field: its first line and the folded lines under it, each with its line end. Lines end at
  // LF only: a bare CR stays inside its line, so the fields together are every byte of the block.
  const fields = head.match(/[^\n]*(?:\n|$)(?:[ \t][^\n]*(?:\n|$))*/g)?.filter(Boolean) ?? [];
  const kept = fields.filter(f => {
    if (!/^authentication-results\s*:/i.test(f)) return true;
    return parseAuthResults(f.slice(f.indexOf(':') + 1).replace(/\r?\n[ \t]/g, ' ').trim())?.authservId !== id;
  });
  if (kept.length === fields.length) return { message: raw, removed: 0 };
  return { message: Buffer.concat([Buffer.from(kept.join(''), 'latin1'), raw.subarray(end)]), removed: fields.length - kept.length };
}

/** Where the header block ends: just after the line end of its last field (before the blank line). */
function headerBlockEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  const ends = [crlf < 0 ? -1 : crlf + 2, lf < 0 ? -1 : lf + 1].filter(n => n >= 0);
  return ends.length ? Math.min(...ends) : raw.length;
}
