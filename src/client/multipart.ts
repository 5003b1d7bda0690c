// Reading a multipart ItemOperations response (MS-ASCMD 2.2.1.10.1.1 MultiPartResponse): a part
// count, (offset, length) pairs, then the parts; part 0 is the WBXML.

export function readMultipart(body: Buffer): Buffer[] {
  if (body.length < 4) throw new Error('multipart body too short');
  const count = body.readInt32LE(0);
  if (count < 1 || 4 + 8 * count > body.length) throw new Error(`multipart body with ${count} parts does not fit`);
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const offset = body.readInt32LE(4 + 8 * i);
    const length = body.readInt32LE(8 + 8 * i);
    if (offset < 0 || length < 0 || offset + length > body.length) throw new Error(`multipart part ${i} lies outside the body`);
    parts.push(body.subarray(offset, offset + length));
  }
  return parts;
}
