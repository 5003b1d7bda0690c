// Sender authentication for tests, all real: a tiny authoritative DNS server over UDP on loopback
// (dns-packet) that serves the SPF, DKIM and DMARC TXT records of made-up domains, keys made with
// node:crypto, messages composed by nodemailer and signed with mailauth's dkimSign. An InboundSmtp
// started with `zone.auth()` verifies against this zone only.
import { generateKeyPairSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket, { type Packet } from 'dns-packet';
import { dkimSign } from 'mailauth';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import type { MailAuthOptions } from '../../src/mail/auth.js';

const NXDOMAIN = 3;
const SERVFAIL = 2;

export class DnsZone {
  /** name (lower-case) → its TXT records, each one string. */
  readonly txt = new Map<string, string[]>();
  /** Names never answered (a resolver's timeout). */
  readonly silent = new Set<string>();
  /** Names answered with SERVFAIL. */
  readonly failing = new Set<string>();
  /** Questions received, for tests that count lookups. */
  questions = 0;

  private constructor(private readonly socket: Socket, readonly port: number) {
    socket.on('message', (buf, peer) => {
      let query;
      try {
        query = dnsPacket.decode(buf);
      } catch {
        return;
      }
      const reply = this.answer(query);
      if (reply) socket.send(dnsPacket.encode(reply), peer.port, peer.address);
    });
  }

  static async start(): Promise<DnsZone> {
    const socket = createSocket('udp4');
    await new Promise<void>(resolve => socket.bind(0, '127.0.0.1', resolve));
    socket.unref();
    return new DnsZone(socket, socket.address().port);
  }

  /** `IP:PORT` for InboundSmtp's `auth.dns.server`. */
  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** InboundSmtp options that resolve here. The timeout is short enough that a silent name times out
   *  soon, and long enough that a loaded machine answering late is not taken for a silent name. */
  auth(extra: MailAuthOptions = {}): MailAuthOptions {
    return { dns: { server: this.server, timeoutMs: 2000, tries: 1 }, ...extra };
  }

  close(): Promise<void> {
    return new Promise(resolve => this.socket.close(() => resolve()));
  }

  publish(name: string, record: string): void {
    const key = name.toLowerCase();
    this.txt.set(key, [...(this.txt.get(key) ?? []), record]);
  }

  private answer(query: Packet): Packet | undefined {
    const q = query.questions?.[0];
    if (!q) return undefined;
    this.questions++;
    const name = q.name.toLowerCase();
    if (this.silent.has(name)) return undefined;
    const base = { id: query.id, type: 'response' as const, questions: query.questions };
    if (this.failing.has(name)) return { ...base, flags: SERVFAIL };
    const records = this.txt.get(name);
    // A name with records but none of this type is NODATA; an unknown name NXDOMAIN (RFC 2308).
    if (!records) return { ...base, flags: dnsPacket.AUTHORITATIVE_ANSWER | NXDOMAIN };
    const answers = q.type === 'TXT' ? records.map(r => ({ name: q.name, type: 'TXT', ttl: 60, data: chunks(r) })) : [];
    return { ...base, flags: dnsPacket.AUTHORITATIVE_ANSWER, answers };
  }
}

/** RFC 1035 3.3.14: a TXT record is strings of at most 255 bytes. */
function chunks(record: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < record.length; i += 255) out.push(record.slice(i, i + 255));
  return out.length ? out : [''];
}

/** A domain of the test world: its SPF, DKIM key and DMARC record in the zone. */
export interface MailDomain {
  name: string;
  selector: string;
  privateKey: string;
}

export interface DomainRecords {
  /** The SPF record; default `v=spf1 ip4:127.0.0.1 -all` (loopback is this domain's server). */
  spf?: string | false;
  /** The DMARC record; default none published. */
  dmarc?: string | false;
  /** Publish a DKIM key (selector `test`); default true. */
  dkim?: boolean;
}

export function publishDomain(zone: DnsZone, name: string, o: DomainRecords = {}): MailDomain {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const domain = { name, selector: 'test', privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
  const spf = o.spf ?? 'v=spf1 ip4:127.0.0.1 -all';
  if (spf) zone.publish(name, spf);
  if (o.dmarc) zone.publish(`_dmarc.${name}`, o.dmarc);
  if (o.dkim !== false) {
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    zone.publish(`${domain.selector}._domainkey.${name}`, `v=DKIM1; k=rsa; p=${der}`);
  }
  return domain;
}

/** The message nodemailer makes of these options, as bytes. */
export function compose(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

/** The message with a DKIM-Signature of `domain` on top (mailauth's dkimSign, relaxed/relaxed). */
export async function signed(domain: MailDomain, message: Buffer): Promise<Buffer> {
  const result = await dkimSign(message, {
    // index.d.ts asks for the key at the top; the implementation reads signatureData.
    canonicalization: 'relaxed/relaxed', signingDomain: domain.name, selector: domain.selector, privateKey: domain.privateKey,
    signatureData: [{ signingDomain: domain.name, selector: domain.selector, privateKey: domain.privateKey }],
  });
  if (result.errors.length || !result.signatures) throw new Error(`DKIM signing failed: ${JSON.stringify(result.errors)}`);
  return Buffer.concat([Buffer.from(result.signatures), message]);
}

let world: Promise<DnsZone> | undefined;

/**
 * One zone per test process for tests about other things than authentication: the outside
 * domains they send from publish SPF for loopback, so their mail is authenticated as it would be
 * from those domains' servers; anything else resolves to "no such domain".
 */
export function testWorld(): Promise<DnsZone> {
  world ??= (async () => {
    const zone = await DnsZone.start();
    for (const name of ['elsewhere.example', 'mail.elsewhere.example', 'evil.example', 'a.example', 'b.example']) publishDomain(zone, name, { dkim: false });
    return zone;
  })();
  return world;
}

/** InboundSmtp `auth` options that resolve in the shared test world. */
export async function testWorldAuth(): Promise<MailAuthOptions> {
  return (await testWorld()).auth();
}
