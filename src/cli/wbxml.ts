// `convene wbxml decode|encode FILE|-`: the codec as a tool for people debugging devices.
import { readFileSync } from 'node:fs';
import { decode, encode, fromXml, toXml } from '../wbxml/index.js';
import { parse, UsageError } from './options.js';

export const WBXML_HELP = `convene wbxml decode FILE|-   WBXML → readable XML on standard output
convene wbxml encode FILE|-   XML → WBXML on standard output
  FILE may also hold hex (as copied from a capture); "-" reads standard input.`;

export async function wbxmlCommand(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, {});
  if (values.help || !action) return console.log(WBXML_HELP);
  const input = readFileSync(positionals[0] === undefined || positionals[0] === '-' ? 0 : positionals[0]);
  if (action === 'decode') {
    process.stdout.write(toXml(decode(maybeHex(input)), { indent: 2, prolog: true }));
  } else if (action === 'encode') {
    process.stdout.write(encode(fromXml(input.toString('utf8'))));
  } else {
    throw new UsageError(`unknown action "wbxml ${action}"\n${WBXML_HELP}`);
  }
}

/** Accepts a hex dump ("03 01 6a 00 …") as well as raw bytes. */
function maybeHex(input: Buffer): Buffer {
  const text = input.toString('latin1').trim();
  if (/^(?:[0-9a-fA-F]{2}\s*)+$/.test(text)) return Buffer.from(text.replace(/\s+/g, ''), 'hex');
  return input;
}
