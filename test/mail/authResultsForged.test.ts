// RFC 8601 5: Authentication-Results fields that arrive claiming our authserv-id were not written by
// us; they are removed before ours is added — unless a trusted relay in front uses that id
// (--trusted-relay with --trusted-authserv-id). Over real SMTP on loopback, checked on what is stored.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { withoutAuthResultsOf } from '../../src/mail/authResults.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import type { MailAuthOptions } from '../../src/mail/auth.js';
import { FolderType } from '../../src/store/types.js';
import { propText as text } from '../helpers/items.js';
import { compose, DnsZone, publishDomain } from '../helpers/mailAuth.js';
import { startServer, type TestServer } from '../helpers/server.js';

const FORGED = 'Authentication-Results: mx.example.com;\r\n dkim=pass header.d=bank.example;\r\n dmarc=pass header.from=bank.example\r\n';
const FORGED_UPPER = 'authentication-results : MX.Example.COM (our name, forged) 1; spf=pass smtp.mailfrom=bank.example\r\n';
const OTHER = 'Authentication-Results: relay.example; dmarc=pass header.from=elsewhere.example\r\n';

describe('RFC 8601 5: forged Authentication-Results claiming our authserv-id', () => {
  let zone: DnsZone;
  let t: TestServer;
  const logs: string[] = [];
  let n = 0;

  before(async () => {
    zone = await DnsZone.start();
    publishDomain(zone, 'elsewhere.example', { dkim: false });
    t = await startServer({ users: ['bob@example.com'] });
  });
  after(async () => {
    await t.close();
    await zone.close();
  });

  /** Sends a message with `fields` on top through a listener with these options; returns what Bob's Inbox stored. */
  async function deliver(fields: string, auth: MailAuthOptions = {}): Promise<{ stored: string; message: Buffer }> {
    const smtp = new InboundSmtp({ store: t.store, hostname: 'mx.example.com', auth: zone.auth(auth), log: m => logs.push(m) });
    const port = await smtp.listen(0, '127.0.0.1');
    const subject = `forged ${++n}`;
    const message = Buffer.concat([Buffer.from(fields), await compose({ from: 'carol@elsewhere.example', to: 'bob@example.com', subject, text: 'hello' })]);
    try {
      await nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true })
        .sendMail({ envelope: { from: 'carol@elsewhere.example', to: ['bob@example.com'] }, raw: message });
    } finally {
      await smtp.close();
    }
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    const inbox = (await t.store.listFolders(bob.id)).find(f => f.type === FolderType.Inbox)!.id;
    const item = (await t.store.getItems(inbox, await t.store.liveItemIds(inbox))).find(i => text(i.props, 'Email:Subject') === subject)!;
    return { stored: (await t.store.getItemContent(bob.id, item.id))!.toString('latin1'), message };
  }

  it('from outside: every field with our authserv-id (any case, folded, with a comment) is removed; ours is added, the rest kept', async () => {
    const { stored, message } = await deliver(FORGED + OTHER + FORGED_UPPER);
    const fields = stored.slice(0, stored.indexOf('\r\n\r\n')).replace(/\r\n[ \t]/g, ' ').split('\r\n').filter(l => /^authentication-results\s*:/i.test(l));
    assert.equal(fields.length, 2, fields.join('\n'));
    assert.match(fields[0]!, /^Authentication-Results: mx\.example\.com; .*spf=pass/, 'ours, with what was really checked');
    assert.doesNotMatch(fields[0]!, /bank\.example/);
    assert.equal(fields[1], OTHER.trim(), 'another authserv-id is just text, kept');
    assert.ok(stored.endsWith(message.subarray(FORGED.length + OTHER.length + FORGED_UPPER.length).toString('latin1')), 'the rest byte for byte');
    assert.ok(logs.some(l => /2 Authentication-Results field\(s\) claiming our authserv-id removed/.test(l)));
  });

  it('an authserv-id written as a quoted-string (RFC 8601 2.2: authserv-id = value, RFC 2045) is ours too, and removed', async () => {
    const quoted = 'Authentication-Results: "mx.example.com" 1; dkim=pass header.d=bank.example\r\n'
      + 'Authentication-Results: (forged) "MX.EXAMPLE\\.COM";\r\n dmarc=pass header.from=bank.example\r\n';
    const { stored } = await deliver(quoted + OTHER);
    assert.doesNotMatch(stored, /bank\.example/);
    assert.match(stored, /relay\.example; dmarc=pass/);
    assert.equal(withoutAuthResultsOf(Buffer.from(`${quoted}Subject: z\r\n\r\nbody`), 'mx.example.com').removed, 2);
  });

  it('from a trusted relay that writes under our authserv-id, its field is kept and used', async () => {
    const { stored } = await deliver(FORGED.replace('bank.example', 'elsewhere.example').replace('bank.example', 'elsewhere.example'),
      { trustedRelays: ['127.0.0.1'], trustedAuthservIds: ['mx.example.com'] });
    assert.match(stored, /dmarc=pass header\.from=elsewhere\.example/);
    assert.match(stored, /none \(the verdict of mx\.example\.com, a trusted relay, is used\)/);
  });

  it('a trusted relay with another authserv-id does not vouch for fields bearing ours', async () => {
    const { stored } = await deliver(OTHER + FORGED, { trustedRelays: ['127.0.0.1'], trustedAuthservIds: ['relay.example'] });
    assert.doesNotMatch(stored, /bank\.example/);
    assert.match(stored, /relay\.example; dmarc=pass/);
  });

  it('a bare CR inside a field (broken mailers send them) loses no byte of the message when a forged field goes', () => {
    const raw = Buffer.from(`From: Carol\r<carol@elsewhere.example>\r\n${FORGED}Subject: a\rb\r\n\r\nbody`);
    const { message, removed } = withoutAuthResultsOf(raw, 'mx.example.com');
    assert.equal(removed, 1);
    assert.equal(message.toString('latin1'), 'From: Carol\r<carol@elsewhere.example>\r\nSubject: a\rb\r\n\r\nbody');
  });

  it('the header block only: a body line that looks like a field stays; bare LF line ends are kept as they are', () => {
    const raw = Buffer.from(`${FORGED.replace(/\r\n/g, '\n')}Subject: x\n\n${FORGED}`);
    const { message, removed } = withoutAuthResultsOf(raw, 'MX.EXAMPLE.COM');
    assert.equal(removed, 1);
    assert.equal(message.toString(), `Subject: x\n\n${FORGED}`);
    const untouched = Buffer.from('Subject: y\r\n\r\nbody');
    assert.equal(withoutAuthResultsOf(untouched, 'mx.example.com').message, untouched);
  });
});
