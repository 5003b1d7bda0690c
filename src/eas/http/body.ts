// Reading a request body with a size limit: a larger body is refused before it is buffered.
import type { IncomingMessage } from 'node:http';
import { EasError } from '../status.js';

export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new EasError(413, `the body exceeds the ${limit}-byte limit`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new EasError(413, `the body exceeds the ${limit}-byte limit`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}
