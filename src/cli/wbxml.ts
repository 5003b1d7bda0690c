// `convene wbxml decode|encode`: the codec as a tool for people debugging devices. decode takes a
// file, standard input, or the bytes themselves on the command line, as hex or base64 (as copied
// from a capture or a log).
import { existsSync, readFileSync } from 'node:fs';
import { decode, encode, fromXml, toXml } from '../wbxml/index.js';
import { parse, UsageError } from './options.js';

export const WBXML_HELP = `convene wbxml decode FILE|-|HEX|BASE64   WBXML → readable XML on standard output
convene wbxml encode FILE|- [--hex|--base64]   XML → WBXML on standard output
  decode reads raw bytes, hex ("03 01 6a 00 …") or base64, from a file, from "-" (standard input)
  or from the argument itself; --hex/--base64 say which when it could be either.`;

export async function wbxmlCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { hex: { type: 'boolean' }, base64: { type: 'boolean' } });
  if (values.help || !action) return console.log(WBXML_HELP);
  const source = positionals[0];
  if (action === 'decode') {
    const input = source === undefined || source === '-' || existsSync(source) ? readFileSync(source === undefined || source === '-' ? 0 : source) : Buffer.from(source);
    process.stdout.write(toXml(decode(bytesOf(input, values)), { indent: 2, prolog: true }));
  } else if (action === 'encode') {
    const bytes = encode(fromXml(readFileSync(source === undefined || source === '-' ? 0 : source).toString('utf8')));
    process.stdout.write(values.hex ? `${bytes.toString('hex')}\n` : values.base64 ? `${bytes.toString('base64')}\n` : bytes);
  } else {
    throw new UsageError(`unknown action "wbxml ${action}"\n${WBXML_HELP}`);
  }
}

/** WBXML starts with version byte 0x03; text that is hex or base64 of it is decoded first. */
function bytesOf(input: Buffer, how: { hex?: boolean | undefined; base64?: boolean | undefined }): Buffer {
  if (input[0] === 0x03 && !how.hex && !how.base64) return input;
  const text = input.toString('latin1').trim();
  const hex = /^(?:[0-9a-fA-F]{2}[\s:]*)+$/.test(text);
  if (how.hex || (hex && !how.base64)) {
    if (!hex) throw new UsageError('--hex: the input is not hex');
    return Buffer.from(text.replace(/[\s:]+/g, ''), 'hex');
  }
  const b64 = text.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) return Buffer.from(b64, /[-_]/.test(b64) ? 'base64url' : 'base64');
  if (how.base64) throw new UsageError('--base64: the input is not base64');
  return input;
}
