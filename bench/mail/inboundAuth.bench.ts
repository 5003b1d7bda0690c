// Inbound delivery over SMTP with sender authentication (SPF, DKIM, DMARC by mailauth against a DNS
// zone on loopback) against the same listener with it off, in the same run, on each store. The
// messages are DKIM-signed by 10 sender domains, so after the first few the DNS answers come from
// the resolver's cache, as they do for a server's regular correspondents; what remains is the
// signature check and the verdict. Messages/s over one SMTP connection at a time (nodemailer pool).
import { performance } from 'node:perf_hooks';
import nodemailer from 'nodemailer';
import { createAccount } from '../../src/accounts/accounts.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { compose, DnsZone, publishDomain, signed, type MailDomain } from '../../test/helpers/mailAuth.js';
import { BACKENDS } from '../../test/helpers/stores.js';

const COUNT = 300;
const DOMAINS = 10;

export default async function run(): Promise<void> {
  const zone = await DnsZone.start();
  const domains: MailDomain[] = Array.from({ length: DOMAINS }, (_, i) =>
    publishDomain(zone, `sender${i}.example`, { dmarc: 'v=DMARC1; p=quarantine' }));
  // A new Message-ID per round (the same message twice is dropped as a duplicate), signed after it is set.
  const round = (r: number) => Promise.all(Array.from({ length: COUNT }, async (_, i) => {
    const d = domains[i % DOMAINS]!;
    const raw = await signed(d, await compose({ from: `news@${d.name}`, to: 'bob@example.com', subject: `Update ${i}`,
      text: 'The quarterly numbers are in. '.repeat(40), messageId: `<r${r}-${i}@${d.name}>` }));
    return { from: `news@${d.name}`, raw };
  }));
  try {
    for (const makeBackend of BACKENDS) {
      const backend = await makeBackend();
      const store = await backend.open();
      try {
        await createAccount(store, { email: 'bob@example.com', password: 'bench-password' });
        const rate = async (on: boolean, r: number): Promise<number> => {
          const messages = await round(r + 10 * backend.name.length);
          const smtp = new InboundSmtp({ store, hostname: 'mx.example.com', auth: on ? zone.auth() : false, limits: { maxMessagesPerConnection: COUNT + 1 } });
          const port = await smtp.listen(0, '127.0.0.1');
          const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, pool: true, maxConnections: 1, maxMessages: Infinity });
          try {
            const start = performance.now();
            for (const m of messages) await transport.sendMail({ envelope: { from: m.from, to: ['bob@example.com'] }, raw: m.raw });
            return COUNT / ((performance.now() - start) / 1000);
          } finally {
            transport.close();
            await smtp.close();
          }
        };
        await rate(false, 0); // warm-up: JIT, store caches
        const off = await rate(false, 1);
        const on = await rate(true, 2);
        console.log(`[${backend.name}] inbound SMTP delivery of ${COUNT} DKIM-signed messages: authentication on ${on.toFixed(0)} msg/s, `
          + `off ${off.toFixed(0)} msg/s, ratio on/off ${(on / off).toFixed(2)}`);
      } finally {
        await store.close();
        await backend.dispose();
      }
    }
  } finally {
    await zone.close();
  }
}
