// MS-ASHTTP 2.2.1.1.1: the request line's query, in its plain form (Cmd=…&User=…) or as one
// base64 blob (12.1+). Both become one RequestLine so nothing downstream knows which was used.
import type { ProtocolVersion } from './version.js';
import { versionFromByte } from './version.js';

export interface RequestLine {
  cmd: string;
  user: string | undefined;
  deviceId: string | undefined;
  deviceType: string | undefined;
  /** From the base64 form only; the plain form uses the MS-ASProtocolVersion header. */
  version?: ProtocolVersion | undefined;
  /** From the base64 form only; the plain form uses the X-MS-PolicyKey header. */
  policyKey?: number | undefined;
  locale?: number | undefined;
  itemId?: string | undefined;
  collectionId?: string | undefined;
  longId?: string | undefined;
  occurrence?: string | undefined;
  attachmentName?: string | undefined;
  saveInSent?: boolean | undefined;
  acceptMultiPart?: boolean | undefined;
  encoding: 'plain' | 'base64';
}

export class QueryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'QueryError';
  }
}

/** MS-ASHTTP 2.2.1.1.1.1.2: command codes of the base64 form. Find (23) as grommunio-sync has it. */
export const COMMAND_CODES: Readonly<Record<number, string>> = {
  0: 'Sync', 1: 'SendMail', 2: 'SmartForward', 3: 'SmartReply', 4: 'GetAttachment',
  9: 'FolderSync', 10: 'FolderCreate', 11: 'FolderDelete', 12: 'FolderUpdate', 13: 'MoveItems',
  14: 'GetItemEstimate', 15: 'MeetingResponse', 16: 'Search', 17: 'Settings', 18: 'Ping',
  19: 'ItemOperations', 20: 'Provision', 21: 'ResolveRecipients', 22: 'ValidateCert', 23: 'Find',
};

export function parseQuery(rawQuery: string): RequestLine {
  const params = new URLSearchParams(rawQuery);
  if (params.has('Cmd')) return plainQuery(params);
  if (rawQuery === '') throw new QueryError('the request has no query');
  return base64Query(rawQuery);
}

function plainQuery(p: URLSearchParams): RequestLine {
  const saveInSent = p.get('SaveInSent');
  return {
    encoding: 'plain',
    cmd: p.get('Cmd') ?? '',
    user: p.get('User') ?? undefined,
    deviceId: p.get('DeviceId') ?? undefined,
    deviceType: p.get('DeviceType') ?? undefined,
    itemId: p.get('ItemId') ?? undefined,
    collectionId: p.get('CollectionId') ?? undefined,
    longId: p.get('LongId') ?? undefined,
    occurrence: p.get('Occurrence') ?? undefined,
    attachmentName: p.get('AttachmentName') ?? undefined,
    saveInSent: saveInSent === null ? undefined : saveInSent.toUpperCase() === 'T',
  };
}

/** A bad escape (`%`, `%zz`, an invalid UTF-8 sequence) is the client's error, not ours. */
function percentDecoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new QueryError('the base64 query has a bad percent-escape');
  }
}

const PARAMETER_TAGS: Readonly<Record<number, keyof RequestLine>> = {
  0: 'attachmentName', 1: 'collectionId', 3: 'itemId', 4: 'longId', 6: 'occurrence', 8: 'user',
};

// MS-ASHTTP 2.2.1.1.1.1: version, command, locale (LE), DeviceId, PolicyKey (LE), DeviceType, then
// tag/length/value parameters.
function base64Query(raw: string): RequestLine {
  const text = percentDecoded(raw);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text)) throw new QueryError('the query is neither Cmd=… nor base64');
  const b = Buffer.from(text, 'base64');
  let pos = 0;
  const need = (n: number): void => {
    if (pos + n > b.length) throw new QueryError('the base64 query is truncated');
  };
  const lengthPrefixed = (): Buffer => {
    need(1);
    const n = b[pos++];
    need(n);
    const v = b.subarray(pos, pos + n);
    pos += n;
    return v;
  };
  need(4);
  const versionByte = b[pos++];
  const cmdCode = b[pos++];
  const locale = b.readUInt16LE(pos);
  pos += 2;
  const deviceId = lengthPrefixed();
  const policyKey = lengthPrefixed();
  const deviceType = lengthPrefixed();
  const cmd = COMMAND_CODES[cmdCode];
  if (cmd === undefined) throw new QueryError(`unknown command code ${cmdCode}`);
  const line: RequestLine = {
    encoding: 'base64',
    cmd,
    user: undefined,
    // Z-Push and Horde turn the raw DeviceId bytes into hex; so do we, so state survives a switch.
    deviceId: deviceId.length ? deviceId.toString('hex').toUpperCase() : undefined,
    deviceType: deviceType.length ? deviceType.toString('latin1') : undefined,
    version: versionFromByte(versionByte),
    policyKey: policyKey.length === 4 ? policyKey.readUInt32LE(0) : undefined,
    locale,
  };
  if (!line.version) throw new QueryError(`unsupported protocol version byte ${versionByte}`);
  while (pos < b.length) {
    need(2);
    const tag = b[pos++];
    const length = b[pos++];
    need(length);
    const value = b.subarray(pos, pos + length);
    pos += length;
    if (tag === 7) {
      const bits = length ? value[0] : 0;
      line.saveInSent = (bits & 0x01) !== 0;
      line.acceptMultiPart = (bits & 0x02) !== 0;
    } else if (PARAMETER_TAGS[tag]) {
      (line as unknown as Record<string, string>)[PARAMETER_TAGS[tag]] = value.toString('utf8');
    }
  }
  return line;
}
