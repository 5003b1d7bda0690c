// What string content a device can receive. EAS is XML carried as WBXML (MS-ASWBXML), so a string
// value must be made of XML 1.0 characters (W3C XML 1.0 2.2, production [2] Char):
//   #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
// That excludes NUL (which a WBXML STR_I, being NUL-terminated, cannot even represent), the other C0
// controls but TAB, LF and CR, U+FFFE and U+FFFF, and UTF-16 surrogates not in a pair (no character
// at all; Node's UTF-8 encoder would write U+FFFD for them anyway). C1 controls and the other
// noncharacters are XML Chars and stay. docs/reliability.md, "Strings a device can receive".
//
// Each excluded code unit is replaced by U+FFFD, not stripped: Unicode 15 3.9 (U+FFFD substitution)
// and the WHATWG Encoding Standard do the same, the reader sees that something was there, and text
// is never silently joined ("ad\0min" stays two visible parts instead of becoming "admin").

// C0 controls but TAB, LF, CR, and the two noncharacters XML excludes: one character class, which
// V8 scans fast. Lone surrogates are left to String.prototype.isWellFormed / toWellFormed (ES2024,
// Node 20), which find them natively and replace them with U+FFFD.
const CONTROL = /[\0-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const CONTROL_ALL = new RegExp(CONTROL.source, 'g');

interface WellFormed { isWellFormed(): boolean; toWellFormed(): string }

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** True when every character of `s` is an XML 1.0 Char: the string can go to a device as it is. */
export function isReceivable(s: string): boolean {
  return !CONTROL.test(s) && (s as unknown as WellFormed).isWellFormed();
}

/** `s` with each character a device cannot receive replaced by U+FFFD; `s` itself when there is none. */
export function receivable(s: string): string {
  return isReceivable(s) ? s : (s as unknown as WellFormed).toWellFormed().replace(CONTROL_ALL, REPLACEMENT_CHARACTER);
}

/**
 * Every string inside plain data (arrays and plain objects, as JSON holds them) made receivable.
 * Bytes (Buffer, Uint8Array) and other objects are left alone: binary content travels as OPAQUE,
 * which carries any byte. Returns `value` itself when nothing needed a change, so a clean tree
 * costs one scan and no copy.
 */
export function receivableDeep<T>(value: T): T {
  if (typeof value === 'string') return receivable(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = receivableDeep(value[i] as unknown);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return (out ?? value) as T;
  }
  if (isPlainObject(value)) {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const next = receivableDeep(v);
      if (next !== v) (out ??= { ...value })[k] = next;
    }
    return (out ?? value) as T;
  }
  return value;
}

/** True when no string inside plain data needs a change. */
export function isReceivableDeep(value: unknown): boolean {
  return receivableDeep(value) === value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
