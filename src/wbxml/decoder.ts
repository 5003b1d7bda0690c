// WBXML 1.3 decoder for the subset EAS uses (MS-ASWBXML 2.1.2): SWITCH_PAGE, END, STR_I, OPAQUE,
// plus STR_T and a string table so documents from generic encoders (libwbxml) decode too.
import { Element } from './element.js';
import { WbxmlError } from './errors.js';
import { PAGES } from './pages.js';

const SWITCH_PAGE = 0x00;
const END = 0x01;
const STR_I = 0x03;
const STR_T = 0x83;
const OPAQUE = 0xc3;
const CONTENT_FLAG = 0x40;
const ATTRIBUTE_FLAG = 0x80;

export interface DecodeOptions {
  /** Deepest element nesting accepted; EAS documents stay far below it. */
  maxDepth?: number;
}

export const DEFAULT_MAX_DEPTH = 64;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export function decode(input: Uint8Array, options: DecodeOptions = {}): Element {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  return new Decoder(buf, options.maxDepth ?? DEFAULT_MAX_DEPTH).document();
}

class Decoder {
  private pos = 0;
  private page = 0;
  private stringTable: Buffer = Buffer.alloc(0);
  /** Bytes STR_T references may still copy out of the string table (see tableString). */
  private tableBudget: number;

  constructor(private readonly buf: Buffer, private readonly maxDepth: number) {
    this.tableBudget = buf.length;
  }

  document(): Element {
    this.header();
    if (this.pos >= this.buf.length) throw new WbxmlError('WBXML_TRUNCATED', 'no root element', this.pos);
    // Stack of open elements; iterative so depth is bounded by maxDepth, not by the JS stack.
    const stack: Element[] = [];
    let root: Element | undefined;
    while (this.pos < this.buf.length) {
      const at = this.pos;
      const byte = this.buf[this.pos++];
      if (byte === SWITCH_PAGE) {
        this.switchPage();
      } else if (byte === END) {
        const closed = stack.pop();
        if (!closed) throw new WbxmlError('WBXML_UNSUPPORTED_TOKEN', 'END without an open element', at);
        if (stack.length === 0) { root = closed; break; }
      } else if (byte === STR_I || byte === STR_T || byte === OPAQUE) {
        const parent = stack[stack.length - 1];
        if (!parent) throw new WbxmlError('WBXML_UNSUPPORTED_TOKEN', 'text outside the root element', at);
        if (byte === OPAQUE) addBytes(parent, this.opaque(), at);
        else addText(parent, byte === STR_I ? this.inlineString() : this.tableString(), at);
      } else if ((byte & 0x3f) >= 0x05 && (byte & ATTRIBUTE_FLAG) === 0) {
        // Empty elements count too, so every tree decode() returns is one encode() accepts.
        if (stack.length >= this.maxDepth) throw new WbxmlError('WBXML_TOO_DEEP', `nesting deeper than ${this.maxDepth}`, at);
        const el = this.tag(byte, at);
        const parent = stack[stack.length - 1];
        if (parent) addChild(parent, el, at);
        else if (root || stack.length) throw new WbxmlError('WBXML_UNSUPPORTED_TOKEN', 'second root element', at);
        if (byte & CONTENT_FLAG) stack.push(el);
        else if (!parent) { root = el; break; }
      } else {
        throw new WbxmlError('WBXML_UNSUPPORTED_TOKEN', `token 0x${byte.toString(16)} is not used by EAS`, at);
      }
    }
    if (!root || stack.length) throw new WbxmlError('WBXML_TRUNCATED', 'document ends inside an element', this.pos);
    if (this.pos !== this.buf.length) throw new WbxmlError('WBXML_TRAILING_BYTES', 'bytes after the root element', this.pos);
    return root;
  }

  // WBXML 1.3 section 5.4: version, publicid (0 = index into the string table), charset, string table.
  private header(): void {
    if (this.buf.length < 4) throw new WbxmlError('WBXML_TRUNCATED', 'shorter than a WBXML header', 0);
    const version = this.buf[this.pos++];
    if (version > 0x03) throw new WbxmlError('WBXML_BAD_HEADER', `unknown WBXML version 0x${version.toString(16)}`, 0);
    if (this.mbUint32() === 0) this.mbUint32();
    const charsetAt = this.pos;
    const charset = this.mbUint32();
    // 106 = UTF-8; 0 = "unknown", which some encoders write and which we read as UTF-8.
    if (charset !== 106 && charset !== 0) {
      throw new WbxmlError('WBXML_BAD_HEADER', `charset ${charset} is not UTF-8`, charsetAt);
    }
    const length = this.mbUint32();
    this.need(length);
    this.stringTable = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
  }

  private switchPage(): void {
    this.need(1);
    const page = this.buf[this.pos++];
    if (!PAGES[page]) throw new WbxmlError('WBXML_UNKNOWN_PAGE', `code page ${page} is not defined`, this.pos - 1);
    this.page = page;
  }

  private tag(byte: number, at: number): Element {
    const token = byte & 0x3f;
    const name = PAGES[this.page]!.names[token];
    if (name === undefined) {
      throw new WbxmlError('WBXML_UNKNOWN_TAG', `token 0x${token.toString(16)} is not defined on code page ${this.page}`, at);
    }
    return new Element(this.page, token, name);
  }

  private inlineString(): string {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw new WbxmlError('WBXML_TRUNCATED', 'string without its terminating NUL', this.pos);
    const text = utf8(this.buf, this.pos, end);
    this.pos = end + 1;
    return text;
  }

  private tableString(): string {
    const offset = this.mbUint32();
    const end = this.stringTable.indexOf(0, offset);
    if (offset >= this.stringTable.length || end < 0) {
      throw new WbxmlError('WBXML_TRUNCATED', `string table reference ${offset} out of range`, this.pos);
    }
    // Each STR_T costs two bytes but may name a string of any length: without a bound a 1 MB
    // document expands into gigabytes of text. Decoded text stays within the document's size.
    this.tableBudget -= end - offset;
    if (this.tableBudget < 0) throw new WbxmlError('WBXML_TOO_LARGE', 'string table references expand past the document size', this.pos);
    return utf8(this.stringTable, offset, end);
  }

  private opaque(): Buffer {
    const length = this.mbUint32();
    this.need(length);
    const bytes = Buffer.from(this.buf.subarray(this.pos, this.pos + length));
    this.pos += length;
    return bytes;
  }

  // WBXML 1.3 section 5.1: big-endian base-128, continuation bit 0x80, at most 5 bytes for 32 bits.
  private mbUint32(): number {
    let value = 0;
    for (let i = 0; i < 5; i++) {
      this.need(1);
      const byte = this.buf[this.pos++];
      value = value * 128 + (byte & 0x7f);
      if ((byte & 0x80) === 0) return value;
    }
    throw new WbxmlError('WBXML_BAD_HEADER', 'multi-byte integer longer than 32 bits', this.pos);
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw new WbxmlError('WBXML_TRUNCATED', `expected ${n} more bytes`, this.pos);
  }
}

/** Fast UTF-8 decode; only text that contains U+FFFD is re-checked strictly (it may be a real U+FFFD). */
function utf8(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('utf8', start, end);
  if (text.includes('\uFFFD')) {
    try {
      strictUtf8.decode(buf.subarray(start, end));
    } catch {
      throw new WbxmlError('WBXML_BAD_UTF8', 'string is not valid UTF-8', start);
    }
  }
  return text;
}

function addText(el: Element, text: string, at: number): void {
  if (el.content === undefined) el.content = text;
  else if (typeof el.content === 'string') el.content += text;
  else if (Array.isArray(el.content) && text.trim() === '') return;
  else throw new WbxmlError('WBXML_MIXED_CONTENT', `${el.name} mixes text with other content`, at);
}

function addBytes(el: Element, bytes: Buffer, at: number): void {
  if (el.content === undefined) el.content = bytes;
  else if (el.content instanceof Uint8Array) el.content = Buffer.concat([el.content, bytes]);
  else throw new WbxmlError('WBXML_MIXED_CONTENT', `${el.name} mixes binary data with other content`, at);
}

function addChild(parent: Element, child: Element, at: number): void {
  if (parent.content === undefined) parent.content = [child];
  else if (Array.isArray(parent.content)) parent.content.push(child);
  else if (typeof parent.content === 'string' && parent.content.trim() === '') parent.content = [child];
  else throw new WbxmlError('WBXML_MIXED_CONTENT', `${parent.name} mixes text with child elements`, at);
}
