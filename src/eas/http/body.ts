// The EAS side of body reading (src/net/body.ts): a refused body becomes an EasError, answered by
// the POST gate with its HTTP code.
import type { IncomingMessage } from 'node:http';
import { BodyRefused, readBody as readLimited, type BodyLimits } from '../../net/body.js';
import { EasError } from '../status.js';

export { BodyAborted, type BodyLimits } from '../../net/body.js';

export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  try {
    return await readLimited(req, limits);
  } catch (e) {
    if (e instanceof BodyRefused) throw new EasError(e.http, e.message, undefined, e.headers);
    throw e;
  }
}
