// WBXML 1.3 encoder: canonical EAS header 03 01 6A 00 (WBXML 1.3, no public id, UTF-8, no string
// table), code page 0 at the start, SWITCH_PAGE only when the page changes, text as STR_I and
// binary as OPAQUE. Empty strings and empty child lists become empty elements, as libwbxml does.
import type { Element } from './element.js';
import { WbxmlError } from './errors.js';

const HEADER = [0x03, 0x01, 0x6a, 0x00];
const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const OPAQUE = 0xc3;
const CONTENT_FLAG = 0x40;

export interface EncodeOptions {
  maxDepth?: number;
}

export function encode(root: Element, options: EncodeOptions = {}): Buffer {
  const w = new Writer();
  for (const b of HEADER) w.byte(b);
  new Walker(w, options.maxDepth ?? 64).element(root, 1);
  return w.result();
}

class Walker {
  private page = 0;
  constructor(private readonly w: Writer, private readonly maxDepth: number) {}

  element(el: Element, depth: number): void {
    if (depth > this.maxDepth) throw new WbxmlError('WBXML_TOO_DEEP', `nesting deeper than ${this.maxDepth}`);
    if (el.page !== this.page) {
      this.w.byte(SWITCH_PAGE);
      this.w.byte(el.page);
      this.page = el.page;
    }
    const c = el.content;
    const empty = c === undefined || c === '' || (Array.isArray(c) && c.length === 0);
    if (empty) {
      this.w.byte(el.token);
      return;
    }
    this.w.byte(el.token | CONTENT_FLAG);
    if (typeof c === 'string') {
      this.w.byte(STR_I);
      this.w.cstring(c);
    } else if (c instanceof Uint8Array) {
      this.w.byte(OPAQUE);
      this.w.mbUint32(c.length);
      this.w.bytes(c);
    } else {
      for (const child of c as Element[]) this.element(child, depth + 1);
    }
    this.w.byte(END);
  }
}

/** A growable byte buffer; doubling keeps large Sync responses to a handful of copies. */
class Writer {
  private buf = Buffer.allocUnsafe(4096);
  private pos = 0;

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.grow(1);
    this.buf[this.pos++] = b;
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  cstring(s: string): void {
    // A UTF-8 encoding never exceeds 3 bytes per UTF-16 unit; reserve that and write in place.
    // STR_I is NUL-terminated, so a NUL inside the value cannot be represented.
    if (s.includes('\0')) throw new WbxmlError('XML_INVALID', 'a string value contains a NUL character');
    this.ensure(s.length * 3 + 1);
    this.pos += this.buf.write(s, this.pos, 'utf8');
    this.buf[this.pos++] = 0;
  }

  mbUint32(value: number): void {
    const tmp: number[] = [value & 0x7f];
    for (let v = Math.floor(value / 128); v > 0; v = Math.floor(v / 128)) tmp.unshift((v & 0x7f) | 0x80);
    for (const b of tmp) this.byte(b);
  }

  result(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
}
