// MS-ASCMD 2.2.1.10.1.1 MultiPartResponse: an ItemOperations answer as parts — the WBXML first,
// then raw payloads its Part elements point at. The body starts with the part count and one
// (offset, length) pair per part, each a little-endian int32, offsets from the body's start.
import type { CommandContext } from './types.js';

export const MULTIPART_CONTENT_TYPE = 'application/vnd.ms-sync.multipart';

/** MS-ASHTTP 2.2.1.1.2.5 MS-ASAcceptMultiPart: T, or the AcceptMultiPart bit of a base64 query. */
export function acceptsMultipart(ctx: Pick<CommandContext, 'headers' | 'line'>): boolean {
  const header = ctx.headers['ms-asacceptmultipart'];
  const value = Array.isArray(header) ? header[0] : header;
  return value?.trim().toUpperCase() === 'T' || ctx.line.acceptMultiPart === true;
}

export function multipartBody(parts: Buffer[]): Buffer {
  const head = Buffer.alloc(4 + 8 * parts.length);
  head.writeInt32LE(parts.length, 0);
  let offset = head.length;
  parts.forEach((part, i) => {
    head.writeInt32LE(offset, 4 + 8 * i);
    head.writeInt32LE(part.length, 8 + 8 * i);
    offset += part.length;
  });
  return Buffer.concat([head, ...parts]);
}
