// Reading a request body within the limits (docs/limits.md), for every HTTP transport (EAS, DAV): its size counted as it arrives (413
// past the limit), its bytes in a Spool (memory up to a threshold, then a temporary file; 503 when
// the spool budget of all uploads is spent), and a body that stops arriving for `idleMs` ends the
// exchange with 408. A client that goes away mid-body is its own doing: BodyAborted, logged quietly.
import type { IncomingMessage } from 'node:http';
import { SpoolFull, type Spooler } from './spool.js';

export interface BodyLimits {
  maxBytes: number;
  /** Longest pause between two pieces of a body. */
  idleMs: number;
  spooler: Spooler;
}

/** The client closed the connection before its body was complete. */
export class BodyAborted extends Error {
  constructor() {
    super('the client went away before its request body was complete');
    this.name = 'BodyAborted';
  }
}

/** A body refused by its limits: the HTTP answer (408, 413, 503) each transport writes its own way. */
export class BodyRefused extends Error {
  constructor(readonly http: 408 | 413 | 503, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
    this.name = 'BodyRefused';
  }
}

/** Answers that end the connection: the rest of the body is not worth reading. */
const CLOSE = { Connection: 'close' };
/** How soon to try again when the spool budget is spent: uploads in progress finish or time out by then. */
export const SPOOL_RETRY_AFTER_SECONDS = 30;

export async function readBody(req: IncomingMessage, limits: BodyLimits): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  if (declared > limits.spooler.diskAvailable() + limits.spooler.limits.memoryPerUpload) throw spoolFull();
  const spool = limits.spooler.start();
  try {
    await receive(req, limits, chunk => spool.write(chunk));
    return await spool.bytes();
  } catch (e) {
    if (e instanceof SpoolFull) throw spoolFull();
    throw e;
  } finally {
    await spool.dispose();
  }
}

function receive(req: IncomingMessage, limits: BodyLimits, write: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let size = 0;
    let settled = false;
    let writes: Promise<void> = Promise.resolve();
    const finish = (e?: unknown): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (e === undefined) resolve();
      else {
        // Stop reading: nothing more of this body is wanted (a 413 drains it; see eas/http/post.ts).
        req.pause();
        reject(e);
      }
    };
    const onIdle = (): void => finish(new BodyRefused(408, `no body bytes for ${limits.idleMs} ms`, CLOSE));
    let timer = setTimeout(onIdle, limits.idleMs);
    const onData = (chunk: Buffer): void => {
      timer.refresh();
      size += chunk.length;
      if (size > limits.maxBytes) return finish(tooLarge(limits.maxBytes));
      // Back-pressure: the socket waits while a chunk goes to the spool file.
      req.pause();
      writes = writes.then(() => write(chunk)).then(() => { if (!settled) req.resume(); });
      writes.catch(finish);
    };
    const onEnd = (): void => void writes.then(() => finish(), finish);
    const onError = (): void => finish(new BodyAborted());
    const onClose = (): void => { if (!req.complete) finish(new BodyAborted()); };
    req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

function tooLarge(limit: number): BodyRefused {
  return new BodyRefused(413, `the body exceeds the ${limit}-byte limit`);
}

function spoolFull(): BodyRefused {
  return new BodyRefused(503, 'uploads in progress hold the whole spool budget',
    { ...CLOSE, 'Retry-After': String(SPOOL_RETRY_AFTER_SECONDS) });
}
