// The outside world for mail tests: an SMTP listener on loopback that keeps what arrives, and the
// outbound mailer relaying the server's queue to it.
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { OutboundMailer } from '../../src/mail/outbound.js';
import type { Store } from '../../src/store/Store.js';

export interface Arrival {
  rcpt: string[];
  raw: Buffer;
}

export interface SmtpSink {
  received: Arrival[];
  /** The next message not yet taken, waiting for it up to `ms`. */
  next(ms?: number): Promise<Arrival>;
  close(): Promise<void>;
}

export async function smtpSink(store: Store): Promise<SmtpSink> {
  const received: Arrival[] = [];
  let taken = 0;
  const listener = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false, disableReverseLookup: true, size: 256 * 1024 * 1024,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => { received.push({ rcpt: session.envelope.rcptTo.map(r => r.address), raw: Buffer.concat(chunks) }); done(); });
    },
  });
  await new Promise<void>(r => listener.listen(0, '127.0.0.1', r));
  const port = (listener.server.address() as AddressInfo).port;
  const mailer = new OutboundMailer({ store, relay: `smtp://127.0.0.1:${port}`, log: pino({ level: 'silent' }) });
  await mailer.start();
  return {
    received,
    /** The next delivered message; `ms` only keeps a broken test from hanging. */
    async next(ms = 60_000) {
      const until = Date.now() + ms;
      while (received.length <= taken) {
        if (Date.now() > until) throw new Error('no mail arrived');
        await new Promise(r => setTimeout(r, 20));
      }
      return received[taken++]!;
    },
    async close() {
      await mailer.stop({ graceMs: 1000 });
      await new Promise<void>(r => listener.close(() => r()));
    },
  };
}
