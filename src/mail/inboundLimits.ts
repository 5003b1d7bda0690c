// Connection and DATA limits of the SMTP listener (docs/limits.md, "Connections and bodies"): idle
// and total connection time, clients, messages per connection, and the spool a message goes to
// while it arrives (memory up to a threshold, then a temporary file). Past the spool budget of all
// messages in progress the answer is temporary (452), so the sending server retries later.
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SMTPServerDataStream } from 'smtp-server';
import { SpoolFull, type Spool, type SpoolLimits } from '../net/spool.js';

export interface SmtpLimits {
  /** A client that owes us input and sends nothing for this long gets 421 and is closed (smtp-server's socketTimeout). */
  idleTimeoutMs: number;
  /** A connection open this long gets 421 and is closed, whatever it is doing. */
  maxConnectionMs: number;
  /** Connections at once; more get 421 (smtp-server's maxClients). */
  maxClients: number;
  /** MAIL FROM commands on one connection; the next gets 421 and the connection closes. */
  maxMessagesPerConnection: number;
  /** Messages while they arrive: memory threshold per message and in all, then files (452 when full). */
  spool: SpoolLimits;
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = {
  idleTimeoutMs: 2 * 60_000,
  maxConnectionMs: 15 * 60_000,
  maxClients: 200,
  maxMessagesPerConnection: 100,
  spool: {
    memoryPerUpload: 256 * 1024,
    memoryTotal: 32 * 1024 * 1024,
    diskTotal: 512 * 1024 * 1024,
    dir: join(tmpdir(), 'convene-spool'),
  },
};

export type SmtpLimitOptions = Partial<Omit<SmtpLimits, 'spool'>> & { spool?: Partial<SpoolLimits> };

export function resolveSmtpLimits(given: SmtpLimitOptions | undefined): SmtpLimits {
  return { ...DEFAULT_SMTP_LIMITS, ...given, spool: { ...DEFAULT_SMTP_LIMITS.spool, ...given?.spool } };
}

export type Received = { kind: 'whole' } | { kind: 'oversized' } | { kind: 'spoolFull' };

/**
 * Reads DATA into the spool. Past the size limit, or once the spool budget is spent, the rest is
 * read and dropped (it must be consumed for the reply to be sent); the caller answers 552 / 452.
 * A connection that closes mid-message rejects (smtp-server destroys the stream with an error).
 */
export function spoolMessage(stream: SMTPServerDataStream, spool: Spool): Promise<Received> {
  return new Promise((resolve, reject) => {
    let failure: unknown;
    let writes: Promise<void> = Promise.resolve();
    stream.on('data', (chunk: Buffer) => {
      if (stream.sizeExceeded || failure !== undefined) return;
      stream.pause();
      writes = writes.then(() => spool.write(chunk)).catch(e => { failure ??= e; }).then(() => void stream.resume());
    });
    stream.once('end', () => void writes.then(() => {
      if (failure !== undefined && !(failure instanceof SpoolFull)) return reject(failure);
      resolve(stream.sizeExceeded ? { kind: 'oversized' } : failure ? { kind: 'spoolFull' } : { kind: 'whole' });
    }));
    stream.once('error', reject);
    stream.once('close', () => {
      if (!stream.readableEnded) reject(new Error('the connection closed before the message was complete'));
    });
  });
}
