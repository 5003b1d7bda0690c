// Outbound DKIM (docs/mail-auth.md), all real: `convene dkim generate` makes the key in the store
// and prints the TXT record; the record is served by a DNS server on loopback; mail goes through
// the outbound queue to an SMTP listener on loopback (by relay and by "MX"), and mailauth verifies
// the bytes that arrived. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { createPublicKey } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { dkimVerify } from 'mailauth';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { main } from '../../src/cli/main.js';
import { composeMessage } from '../../src/mail/compose.js';
import { createDnsLookup } from '../../src/mail/dnsResolver.js';
import { OutboundMailer, queueMail } from '../../src/mail/outbound.js';
import { signingDomain } from '../../src/mail/outboundDkim.js';
import type { Store } from '../../src/store/Store.js';
import type { User } from '../../src/store/types.js';
import { DnsZone } from '../helpers/mailAuth.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { BACKENDS, type Backend } from '../helpers/stores.js';

const ICS = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene//test//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:dkim-1',
  'DTSTAMP:20261201T090000Z', 'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Planning',
  'ORGANIZER:mailto:alice@example.com', 'ATTENDEE;RSVP=TRUE:mailto:bob@example.net', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

/** `convene ARGS` in this process, its output captured. */
async function convene(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { log: console.log, error: console.error };
  console.log = (...a: unknown[]) => { out.push(`${a.join(' ')}\n`); };
  console.error = (...a: unknown[]) => { err.push(`${a.join(' ')}\n`); };
  try {
    return { code: await main(args), out: out.join(''), err: err.join('') };
  } finally {
    Object.assign(console, saved);
  }
}

/** The record in a zone-file line the CLI printed: owner name, and the TXT strings joined (RFC 6376 3.6.2.2). */
function parseRecord(out: string): { name: string; text: string; strings: string[] } {
  const m = /^(\S+)\.\s+IN\s+TXT\s+((?:"[^"]*"\s*)+)$/m.exec(out);
  assert.ok(m, `a TXT record line in:\n${out}`);
  const strings = [...m[2]!.matchAll(/"([^"]*)"/g)].map(s => s[1]!);
  return { name: m[1]!, text: strings.join(''), strings };
}

async function verify(zone: DnsZone, raw: Buffer) {
  return (await dkimVerify(raw, { resolver: createDnsLookup({ server: zone.server, timeoutMs: 1000, tries: 1 }) })).results;
}

for (const makeBackend of BACKENDS) {
  describe(`outbound DKIM (${makeBackend.name.replace('Backend', '')})`, () => {
    let backend: Backend;
    let store: Store;
    let zone: DnsZone;
    let sink: SmtpSink;
    let alice: User;
    let printed: string;
    const where = () => (backend.db ? ['--db', backend.db] : ['--data', backend.dataDir]);

    before(async () => {
      backend = await makeBackend();
      zone = await DnsZone.start();
      const made = await convene('dkim', 'generate', 'Example.com', '--selector', 'jan2026', ...where());
      assert.equal(made.code, 0, made.err);
      printed = made.out;
      const record = parseRecord(printed);
      zone.publish(record.name, record.text);
      store = await backend.open();
      alice = await store.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
      sink = await smtpSink(store);
    });
    after(async () => {
      await sink.close();
      await store.close();
      await zone.close();
      await backend.dispose();
    });

    it('prints a record whose key is the stored private key, split in 255-byte strings, and never the private key', async () => {
      const record = parseRecord(printed);
      assert.equal(record.name, 'jan2026._domainkey.example.com');
      assert.ok(record.strings.length >= 2 && record.strings.every(s => Buffer.byteLength(s) <= 255));
      assert.doesNotMatch(printed, /PRIVATE KEY/);
      const key = await store.getDkimKey('EXAMPLE.COM');
      assert.ok(key);
      const spki = createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
      assert.equal(record.text, `v=DKIM1; k=rsa; p=${spki}`);
      assert.equal(createPublicKey(key.privateKey).asymmetricKeyDetails?.modulusLength, 2048);
      const listed = await convene('dkim', 'list', ...where());
      assert.equal(listed.code, 0);
      assert.match(listed.out, /example\.com\tselector jan2026/);
      assert.doesNotMatch(listed.out, /PRIVATE KEY/);
    });

    it('a meeting request sent through the relay verifies against the published record', async () => {
      const mime = await composeMessage({ from: { name: 'Alice', address: 'alice@example.com' }, to: ['bob@example.net'], subject: 'Planning',
        text: 'Shall we?', icalEvent: { method: 'REQUEST', content: ICS } });
      await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net'], mime });
      const got = await sink.next();
      const results = await verify(zone, got.raw);
      assert.equal(results.length, 1);
      assert.equal(results[0]!.status.result, 'pass', JSON.stringify(results[0]!.status));
      assert.equal(results[0]!.signingDomain, 'example.com');
      assert.equal(results[0]!.selector, 'jan2026');
      assert.match(got.raw.toString('latin1'), /c=relaxed\/relaxed/);
      // The body after the new header is the queued message, byte for byte.
      assert.ok(got.raw.subarray(got.raw.length - mime.length).equals(mime));
    });

    it('an automatic reply with the null return path is signed for its From: domain', async () => {
      const mime = await composeMessage({ from: 'alice@example.com', to: ['carol@example.org'], subject: 'Out of Office: hi', text: 'Away.',
        headers: { 'Auto-Submitted': 'auto-replied' } });
      await queueMail(store, alice.id, { from: '', recipients: ['carol@example.org'], mime });
      const raw = (await sink.next()).raw;
      const results = await verify(zone, raw);
      assert.equal(results[0]!.status.result, 'pass');
      const signature = raw.toString('latin1').split(/\r\n(?![ \t])/).find(l => /^DKIM-Signature:/i.test(l)) ?? '';
      assert.match(signature.replace(/\s+/g, ''), /h=[^;]*auto-submitted/i);
    });

    it('a message a device sent with bare LF line ends verifies as it arrives', async () => {
      const mime = Buffer.from('From: alice@example.com\nTo: bob@example.net\nSubject: LF\nMessage-ID: <lf@example.com>\n\nline one\nline two\n');
      await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net'], mime });
      assert.equal((await verify(zone, (await sink.next()).raw))[0]!.status.result, 'pass');
    });

    it('mail from a domain without a key goes out unsigned, as before', async () => {
      const mime = await composeMessage({ from: 'alice@other.example', to: ['bob@example.net'], subject: 'Unsigned', text: 'x' });
      await queueMail(store, alice.id, { from: 'alice@other.example', recipients: ['bob@example.net'], mime });
      const got = await sink.next();
      assert.doesNotMatch(got.raw.toString('latin1'), /^DKIM-Signature:/im);
      assert.ok(got.raw.equals(mime));
    });

    it('direct delivery to an MX signs too', async () => {
      const received: Buffer[] = [];
      const mx = new SMTPServer({
        authOptional: true, disabledCommands: ['STARTTLS', 'AUTH'], logger: false, disableReverseLookup: true,
        onData(stream, _s, done) {
          const chunks: Buffer[] = [];
          stream.on('data', (c: Buffer) => chunks.push(c));
          stream.on('end', () => { received.push(Buffer.concat(chunks)); done(); });
        },
      });
      await new Promise<void>(r => mx.listen(0, '127.0.0.1', r));
      const other = await backend.open();
      const mailer = new OutboundMailer({
        store: other, smtpPort: (mx.server.address() as AddressInfo).port, log: pino({ level: 'silent' }),
        resolver: { resolveMx: async () => [{ exchange: '127.0.0.1', priority: 10 }], resolve4: async () => ['127.0.0.1'], resolve6: async () => [] },
      });
      // The relay mailer of the sink must not take this one: stop it while the MX mailer runs.
      await sink.close();
      try {
        await mailer.start();
        const mime = await composeMessage({ from: 'alice@example.com', to: ['dan@example.net'], subject: 'By MX', text: 'direct' });
        await queueMail(other, alice.id, { from: 'alice@example.com', recipients: ['dan@example.net'], mime });
        while (!received.length) await new Promise(r => setTimeout(r, 20));
        const results = await verify(zone, received[0]!);
        assert.equal(results[0]!.status.result, 'pass');
      } finally {
        await mailer.stop({ graceMs: 1000 });
        await other.close();
        await new Promise<void>(r => mx.close(() => r()));
        sink = await smtpSink(store);
      }
    });

    it('the store keeps one key per domain; remove makes the domain unsigned', async () => {
      const again = await convene('dkim', 'generate', 'example.com', ...where());
      assert.equal(again.code, 1);
      assert.match(again.err, /has a key already/);
      const key = (await store.getDkimKey('example.com'))!;
      assert.equal(await store.addDkimKey({ ...key, selector: 'other' }), false);
      assert.deepEqual((await store.listDkimKeys()).map(k => [k.domain, k.selector]), [['example.com', 'jan2026']]);
      assert.equal(typeof key.createdAt, 'number');
      assert.equal((await convene('dkim', 'remove', 'EXAMPLE.com', ...where())).code, 0);
      assert.equal(await store.getDkimKey('example.com'), undefined);
      assert.equal(await store.removeDkimKey('example.com'), false);
      assert.equal((await convene('dkim', 'remove', 'example.com', ...where())).code, 1);
      assert.equal(await store.addDkimKey(key), true);
      assert.equal((await store.getDkimKey('example.com'))?.privateKey, key.privateKey);
    });
  });
}

describe('convene dkim: usage', () => {
  it('answers bad input plainly and opens no store', async () => {
    for (const args of [['dkim', 'generate'], ['dkim', 'generate', 'not a domain'], ['dkim', 'generate', 'example.com', '--selector', 'a_b'],
      ['dkim', 'frobnicate'], ['dkim', 'list', '--selector', 'x']]) {
      const r = await convene(...args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, /^convene: /);
    }
    for (const args of [['dkim', '--help'], ['dkim', 'generate', '-h'], ['dkim', 'help'], ['--help']]) {
      const r = await convene(...args);
      assert.equal(r.code, 0);
      assert.match(r.out, /convene dkim generate DOMAIN/);
    }
  });

  it('signs for the From: domain; the envelope sender only stands in for a missing From:', () => {
    const msg = (head: string) => Buffer.from(`${head}\r\nSubject: x\r\n\r\nbody\r\n`);
    assert.equal(signingDomain(msg('From: "A, B" <a@Example.COM>'), 'bounce@relay.example'), 'example.com');
    assert.equal(signingDomain(msg('To: b@example.net'), 'a@env.example'), 'env.example');
    assert.equal(signingDomain(msg('To: b@example.net'), ''), undefined);
  });
});
