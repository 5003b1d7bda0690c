// Outbound SMTP (docs/mail-outbound.md) over real sockets on 127.0.0.1: an smtp-server listener
// receives what the mailer sends through a relay or "MX" (a fake resolver pointing at loopback).
// The queue's store methods run on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { SMTPServer } from 'smtp-server';
import { composeMessage, stripBcc } from '../../src/mail/compose.js';
import { OutboundMailer, queueMail, type MailResolver, type OutboundMailerOptions } from '../../src/mail/outbound.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type Item, type User } from '../../src/store/types.js';
import { BACKENDS, sqliteBackend, type Backend } from '../helpers/stores.js';

const ICS = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene//test//EN', 'METHOD:REQUEST', 'BEGIN:VEVENT', 'UID:outbound-1',
  'DTSTAMP:20261201T090000Z', 'DTSTART:20261201T100000Z', 'DTEND:20261201T110000Z', 'SUMMARY:Planning',
  'ORGANIZER:mailto:alice@example.com', 'ATTENDEE;RSVP=TRUE:mailto:bob@example.net', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

interface Received { from: string; to: string[]; raw: Buffer; secure: boolean; user: string | undefined }
type Reply = { code: number; message: string } | undefined;

/**
 * An SMTP listener; `rcpt` answers RCPT TO (the nth time this address is tried), accepting by
 * default. With `stall`, RCPT answers wait (`stalled` of them) until the listener closes.
 */
async function listen(o: { rcpt?: (address: string, nth: number) => Reply; auth?: { user: string; pass: string }; starttls?: boolean; stall?: boolean } = {}) {
  const received: Received[] = [];
  const tried: string[] = [];
  const stalled: (() => void)[] = [];
  const server = new SMTPServer({
    logger: false, disableReverseLookup: true, hideSTARTTLS: !o.starttls, allowInsecureAuth: true, closeTimeout: 100,
    authOptional: !o.auth, ...(o.auth ? {} : { disabledCommands: ['AUTH'] }),
    onAuth(auth, _session, done) {
      const ok = auth.username === o.auth?.user && auth.password === o.auth?.pass;
      done(ok ? null : new Error('bad credentials'), ok ? { user: auth.username } : undefined);
    },
    onRcptTo(address, _session, done) {
      tried.push(address.address);
      const reply = o.rcpt?.(address.address, tried.filter(a => a === address.address).length);
      const answer = () => done(reply ? Object.assign(new Error(reply.message), { responseCode: reply.code }) : null);
      if (o.stall) stalled.push(answer);
      else answer();
    },
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        received.push({ from, to: session.envelope.rcptTo.map(r => r.address), raw: Buffer.concat(chunks), secure: session.secure, user: session.user as string | undefined });
        done();
      });
    },
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  const close = () => {
    for (const answer of stalled.splice(0)) answer();
    return new Promise<void>(resolve => server.close(() => resolve()));
  };
  return { port, received, tried, stalled, close };
}

/** Polls `check`; `ms` only keeps a broken test from hanging, generous for a loaded machine. */
async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 10));
  }
}

const sleep = (ms: number) => new Promise(r => setTimeout(r, ms));

async function inbox(store: Store, user: User): Promise<Item[]> {
  const folder = (await store.listFolders(user.id)).find(f => f.type === FolderType.Inbox)!;
  return store.getItems(folder.id, await store.liveItemIds(folder.id));
}

const prop = (item: Item, name: string) => item.props.find(p => p[0] === name)?.[1];
const bodyOf = (item: Item) => ((prop(item, 'AirSyncBase:Body') as [string, string][]).find(p => p[0] === 'AirSyncBase:Data')?.[1]) ?? '';

function plain(subject: string, to: string[]): Buffer {
  return Buffer.from(`From: Alice <alice@example.com>\r\nTo: ${to.join(', ')}\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\n${subject} body\r\n`);
}

for (const makeBackend of BACKENDS) {
  const engine = makeBackend === sqliteBackend ? 'sqlite' : 'postgres';

  describe(`outbound queue (store): ${engine}`, () => {
    let backend: Backend;
    let store: Store;
    let user: User;
    before(async () => {
      backend = await makeBackend();
      store = await backend.open();
      user = await store.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
    });
    after(async () => {
      await store.close();
      await backend.dispose();
    });
    const enqueue = (n: string, on = store) => on.enqueueOutbound({ userId: user.id, from: 'alice@example.com', recipients: [`${n}@example.net`, 'x@example.org'], mime: Buffer.from([0, 255, 13, 10, 65]) });

    it('keeps a queued message with its bytes, and announces it once it commits', async () => {
      let heard = 0;
      const stop = await store.watchOutbound(() => heard++);
      const e = await store.transaction(tx => enqueue('a', tx));
      assert.deepEqual([e.status, e.attempts, e.pending, e.failed, e.leaseOwner], ['queued', 0, ['a@example.net', 'x@example.org'], [], null]);
      assert.deepEqual((await store.getOutbound(e.id))!.mime, Buffer.from([0, 255, 13, 10, 65]));
      await waitFor('the announcement', () => heard === 1);
      await stop();
      assert.ok((await store.nextOutboundDue())! <= Date.now());
    });

    it('leases each due message to one claimer, also when several claim at once', async () => {
      for (const n of ['b', 'c', 'd', 'e', 'f']) await enqueue(n);
      const first = (await store.getOutbound(1))!;
      // Queued and leased messages both wait; the counts for /metrics come from one query.
      assert.deepEqual(await store.outboundQueueStats(), { waiting: 6, oldestQueuedAt: first.createdAt, nextDueAt: await store.nextOutboundDue() });
      const claims = await Promise.all(['n1', 'n2', 'n3', 'n4'].map(owner => store.claimOutbound(owner, { limit: 2, leaseMs: 60_000 })));
      const ids = claims.flat().map(c => c.id);
      assert.equal(ids.length, 6);
      assert.equal(new Set(ids).size, 6);
      for (const [i, owner] of ['n1', 'n2', 'n3', 'n4'].entries()) {
        for (const c of claims[i]) assert.deepEqual([c.status, c.leaseOwner, c.attempts], ['sending', owner, 1]);
      }
      assert.deepEqual(await store.claimOutbound('n5', { limit: 10, leaseMs: 60_000 }), []);
      for (const [i, owner] of ['n1', 'n2', 'n3', 'n4'].entries()) {
        for (const c of claims[i]) assert.equal(await store.markOutboundSent(c.id, owner), true);
      }
      assert.equal(await store.nextOutboundDue(), undefined);
      assert.deepEqual(await store.outboundQueueStats(), { waiting: 0, oldestQueuedAt: undefined, nextDueAt: undefined });
    });

    it('gives a message back when its lease runs out; the old owner can then no longer settle it', async () => {
      const e = await enqueue('g');
      const [mine] = await store.claimOutbound('dead', { limit: 1, leaseMs: 100 });
      assert.equal(mine.id, e.id);
      assert.deepEqual(await store.claimOutbound('live', { limit: 1, leaseMs: 60_000 }), []);
      await sleep(150);
      const [again] = await store.claimOutbound('live', { limit: 1, leaseMs: 60_000 });
      assert.deepEqual([again.id, again.attempts, again.leaseOwner], [e.id, 2, 'live']);
      assert.equal(await store.markOutboundSent(e.id, 'dead'), false);
      assert.equal(await store.rescheduleOutbound(e.id, 'dead', { pending: [], failed: [], dueAt: 0, error: 'x' }), false);
      assert.equal(await store.markOutboundSent(e.id, 'live'), true);
      assert.equal((await store.getOutbound(e.id))!.status, 'sent');
    });

    it('reschedules with the recipients left, not claimable before due, then fails and is purged', async () => {
      const e = await enqueue('h');
      await store.claimOutbound('n', { limit: 1, leaseMs: 60_000 });
      const dueAt = Date.now() + 200;
      const failed = [{ recipient: 'x@example.org', error: '550 no' }];
      assert.equal(await store.rescheduleOutbound(e.id, 'n', { pending: ['h@example.net'], failed, dueAt, error: '451 later' }), true);
      const waiting = (await store.getOutbound(e.id))!;
      assert.deepEqual([waiting.status, waiting.pending, waiting.failed, waiting.lastError, waiting.dueAt], ['queued', ['h@example.net'], failed, '451 later', dueAt]);
      assert.equal(await store.nextOutboundDue(), dueAt);
      assert.deepEqual(await store.claimOutbound('n', { limit: 1, leaseMs: 60_000 }), []);
      await sleep(250);
      const [back] = await store.claimOutbound('n', { limit: 1, leaseMs: 60_000 });
      assert.deepEqual([back.id, back.attempts, back.pending], [e.id, 2, ['h@example.net']]);
      const all = [...failed, { recipient: 'h@example.net', error: '451 later (given up)' }];
      assert.equal(await store.markOutboundFailed(e.id, 'n', { failed: all, error: '451 later' }), true);
      const done = (await store.getOutbound(e.id))!;
      assert.deepEqual([done.status, done.pending, done.failed, done.leaseOwner], ['failed', [], all, null]);
      assert.equal(await store.purgeOutbound(Date.now() - 60_000), 0);
      assert.ok((await store.purgeOutbound(Date.now() + 1)) >= 1);
      assert.equal(await store.getOutbound(e.id), undefined);
    });
  });
}

describe('outbound mailer', () => {
  let backend: Backend;
  let store: Store;
  let alice: User;
  let mailer: OutboundMailer | undefined;
  const start = async (o: Omit<OutboundMailerOptions, 'store'>) => {
    mailer = new OutboundMailer({ store, hostname: 'convene.test', backoff: [50], ...o });
    await mailer.start();
    return mailer;
  };
  const settled = async (id: number) => {
    await waitFor(`message ${id} to settle`, async () => ['sent', 'failed'].includes((await store.getOutbound(id))!.status));
    return (await store.getOutbound(id))!;
  };
  before(async () => {
    backend = await sqliteBackend();
    store = await backend.open();
    alice = await store.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
  });
  after(async () => {
    await mailer?.stop();
    await store.close();
    await backend.dispose();
  });

  it('sends an iMIP message through an authenticated relay as composed, Bcc dropped', async () => {
    const smtp = await listen({ auth: { user: 'relay user', pass: 'p@ss' } });
    try {
      await start({ relay: `smtp://relay%20user:p%40ss@127.0.0.1:${smtp.port}` });
      const composed = await composeMessage({
        from: { name: 'Alice', address: 'alice@example.com' }, to: ['bob@example.net'], cc: ['carol@example.org'],
        subject: 'Invitation: Planning', text: 'Please come.', icalEvent: { method: 'request', content: ICS },
      });
      // As a device submits it: the Bcc field in the header.
      const mime = Buffer.concat([Buffer.from('Bcc: dave@example.com\r\n'), composed]);
      const queued = await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net', 'carol@example.org', 'dave@example.com', 'BOB@example.net'], mime });
      assert.deepEqual(queued.recipients, ['bob@example.net', 'carol@example.org', 'dave@example.com']);
      // Woken by the enqueue: the idle check is a minute away.
      const done = await settled(queued.id);
      assert.deepEqual([done.status, done.attempts, done.pending], ['sent', 1, []]);
      assert.equal(smtp.received.length, 1);
      const got = smtp.received[0];
      assert.deepEqual([got.from, got.to, got.user], ['alice@example.com', ['bob@example.net', 'carol@example.org', 'dave@example.com'], 'relay user']);
      assert.doesNotMatch(got.raw.toString(), /^Bcc:/im);
      const mail = await PostalMime.parse(got.raw);
      assert.deepEqual([mail.from?.name, mail.from?.address, mail.to?.map(a => a.address), mail.cc?.map(a => a.address)],
        ['Alice', 'alice@example.com', ['bob@example.net'], ['carol@example.org']]);
      assert.equal(mail.subject, 'Invitation: Planning');
      assert.equal(mail.text?.trim(), 'Please come.');
      assert.equal(mail.headers.find(h => h.key === 'content-class')?.value, 'urn:content-classes:calendarmessage');
      const calendar = mail.attachments.find(a => a.mimeType === 'text/calendar')!;
      assert.equal(calendar.method, 'REQUEST');
      assert.match(typeof calendar.content === 'string' ? calendar.content : Buffer.from(calendar.content as ArrayBuffer).toString(), /UID:outbound-1/);
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });

  it('retries after 4xx twice, with back-off, and delivers once', async () => {
    const smtp = await listen({ rcpt: (_a, nth) => (nth <= 2 ? { code: 451, message: '4.3.0 try later' } : undefined) });
    try {
      await start({ relay: `smtp://127.0.0.1:${smtp.port}`, backoff: [100, 200] });
      const t0 = Date.now();
      const queued = await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net'], mime: plain('Retry me', ['bob@example.net']) });
      const done = await settled(queued.id);
      assert.ok(Date.now() - t0 >= 300, 'waited 100 then 200 ms');
      assert.deepEqual([done.status, done.attempts, smtp.tried.length, smtp.received.length], ['sent', 3, 3, 1]);
      assert.match(done.lastError ?? '', /451 4\.3\.0 try later/);
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });

  it('bounces a 5xx at once to the sender\'s Inbox and delivers to the others; the entry is failed', async () => {
    const smtp = await listen({ rcpt: a => (a === 'nobody@example.net' ? { code: 550, message: '5.1.1 no such user' } : undefined) });
    try {
      await start({ relay: `smtp://127.0.0.1:${smtp.port}` });
      const before = (await inbox(store, alice)).length;
      // Queued as SendMail will: inside its transaction.
      const queued = await store.transaction(tx => queueMail(tx, alice.id, { from: 'alice@example.com', recipients: ['nobody@example.net', 'bob@example.net'], mime: plain('Lunch', ['nobody@example.net', 'bob@example.net']) }));
      const done = await settled(queued.id);
      assert.deepEqual([done.status, done.attempts, done.pending], ['failed', 1, []]);
      assert.deepEqual(done.failed.map(f => f.recipient), ['nobody@example.net']);
      assert.deepEqual(smtp.received.map(r => r.to), [['bob@example.net']]);
      const reports = (await inbox(store, alice)).slice(before);
      assert.equal(reports.length, 1);
      const ndr = reports[0];
      assert.equal(prop(ndr, 'Email:MessageClass'), 'REPORT.IPM.Note.NDR');
      assert.equal(prop(ndr, 'Email:Subject'), 'Undeliverable: Lunch');
      assert.match(bodyOf(ndr), /nobody@example\.net/);
      assert.match(bodyOf(ndr), /550 5\.1\.1 no such user/);
      assert.doesNotMatch(bodyOf(ndr), /bob@example\.net/);
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });

  it('RFC 5321 4.5.5: a message sent with the null return path (an automatic reply) fails without a report', async () => {
    const smtp = await listen({ rcpt: () => ({ code: 550, message: '5.1.1 no such user' }) });
    try {
      await start({ relay: `smtp://127.0.0.1:${smtp.port}` });
      const before = (await inbox(store, alice)).length;
      const queued = await queueMail(store, alice.id, { from: '', recipients: ['gone@example.net'], mime: plain('Automatic reply: hi', ['gone@example.net']) });
      const done = await settled(queued.id);
      assert.deepEqual([done.status, done.failed.map(f => f.recipient)], ['failed', ['gone@example.net']]);
      assert.equal((await inbox(store, alice)).length, before, 'no delivery report');
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });

  it('gives up after the last allowed attempt and bounces with the last error', async () => {
    const smtp = await listen({ rcpt: () => ({ code: 452, message: '4.2.2 mailbox full' }) });
    try {
      await start({ relay: `smtp://127.0.0.1:${smtp.port}`, backoff: [30], maxAttempts: 3 });
      const queued = await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['full@example.net'], mime: plain('Big file', ['full@example.net']) });
      const done = await settled(queued.id);
      assert.deepEqual([done.status, done.attempts, smtp.tried.length, smtp.received.length], ['failed', 3, 3, 0]);
      const ndr = (await inbox(store, alice)).find(i => prop(i, 'Email:Subject') === 'Undeliverable: Big file')!;
      assert.match(bodyOf(ndr), /full@example\.net[\s\S]*452 4\.2\.2 mailbox full \(given up after 3 attempts\)/);
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });

  it('without a relay: MX by preference (moving on from one that does not answer), A fallback, bounces for no domain and null MX', async () => {
    const smtp = await listen({ starttls: true });
    const looked: string[] = [];
    const resolver: MailResolver = {
      async resolveMx(domain) {
        if (domain === 'example.net') return [{ exchange: 'mx2.example.net', priority: 20 }, { exchange: 'mx1.example.net', priority: 10 }];
        if (domain === 'nullmx.example') return [{ exchange: '', priority: 0 }];
        throw Object.assign(new Error(domain), { code: domain === 'example.org' ? 'ENODATA' : 'ENOTFOUND' });
      },
      // 127.0.0.2 is loopback too, but nothing listens there: mx1 refuses the connection.
      resolve4: async host => {
        looked.push(host);
        return ({ 'mx1.example.net': ['127.0.0.2'], 'mx2.example.net': ['127.0.0.1'], 'example.org': ['127.0.0.1'] })[host] ?? [];
      },
      resolve6: async () => [],
    };
    try {
      await start({ resolver, smtpPort: smtp.port });
      const to = ['bob@example.net', 'carol@example.org', 'x@nowhere.invalid', 'y@nullmx.example'];
      const queued = await queueMail(store, alice.id, { from: 'alice@example.com', recipients: to, mime: plain('Direct', to) });
      const done = await settled(queued.id);
      assert.deepEqual([done.status, done.attempts], ['failed', 1]);
      assert.deepEqual(done.failed.map(f => f.recipient).sort(), ['x@nowhere.invalid', 'y@nullmx.example']);
      assert.deepEqual(smtp.received.map(r => r.to).sort(), [['bob@example.net'], ['carol@example.org']]);
      assert.ok(smtp.received.every(r => r.secure), 'STARTTLS taken when offered');
      assert.deepEqual(looked.filter(h => h.endsWith('example.net')), ['mx1.example.net', 'mx2.example.net'], 'lowest preference first');
      const ndr = (await inbox(store, alice)).find(i => prop(i, 'Email:Subject') === 'Undeliverable: Direct')!;
      assert.match(bodyOf(ndr), /nowhere\.invalid: no such domain/);
      assert.match(bodyOf(ndr), /nullmx\.example accepts no mail/);
    } finally {
      await mailer!.stop();
      await smtp.close();
    }
  });
});

describe('outbound mailer stopping', () => {
  // The timeout only turns a stop() that waits for the server into a failure instead of a hang.
  it('cuts off an attempt that outlasts the grace period and leaves the message queued', { timeout: 60_000 }, async () => {
    const backend = await sqliteBackend();
    const store = await backend.open();
    const smtp = await listen({ stall: true });
    try {
      const alice = await store.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
      const mailer = new OutboundMailer({ store, relay: `smtp://127.0.0.1:${smtp.port}`, hostname: 'convene.test' });
      await mailer.start();
      const queued = await queueMail(store, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net'], mime: plain('Slow', ['bob@example.net']) });
      await waitFor('the attempt to reach RCPT', () => smtp.tried.length === 1);
      // The server never answers before it closes, so stop() returning at all is the proof.
      await mailer.stop({ graceMs: 100 });
      assert.equal(smtp.stalled.length, 1, 'stopped while the server still held its RCPT answer');
      const entry = (await store.getOutbound(queued.id))!;
      assert.deepEqual([entry.status, entry.attempts, entry.pending, entry.leaseOwner], ['queued', 1, ['bob@example.net'], null]);
      assert.ok(entry.dueAt > Date.now() + 30_000, 'retried after the first back-off');
    } finally {
      await smtp.close();
      await store.close();
      await backend.dispose();
    }
  });
});

describe('outbound mailer across a restart', () => {
  for (const makeBackend of BACKENDS) {
    const engine = makeBackend === sqliteBackend ? 'sqlite' : 'postgres';

    it(`${engine}: a message deferred before a restart, and one leased by a node that died, are each delivered once`, async () => {
      const backend = await makeBackend();
      let accept = false;
      const smtp = await listen({ rcpt: () => (accept ? undefined : { code: 421, message: '4.7.0 busy' }) });
      const options = { relay: `smtp://127.0.0.1:${smtp.port}`, hostname: 'convene.test', backoff: [300] };
      try {
        const first = await backend.open();
        const alice = await first.createUser({ email: 'alice@example.com', displayName: 'Alice', passwordHash: 'h' });
        const mailer1 = new OutboundMailer({ store: first, ...options });
        await mailer1.start();
        const deferred = await queueMail(first, alice.id, { from: 'alice@example.com', recipients: ['bob@example.net'], mime: plain('Deferred', ['bob@example.net']) });
        await waitFor('the first attempt to be deferred', async () => (await first.getOutbound(deferred.id))!.status === 'queued' && smtp.tried.length === 1);
        await mailer1.stop();
        // Another node claimed this one and died holding the lease.
        const orphan = await queueMail(first, alice.id, { from: 'alice@example.com', recipients: ['carol@example.net'], mime: plain('Orphan', ['carol@example.net']) });
        await first.claimOutbound('dead-node', { limit: 1, leaseMs: 400 });
        await first.close();

        accept = true;
        const second = await backend.open();
        const mailer2 = new OutboundMailer({ store: second, ...options });
        await mailer2.start();
        try {
          await waitFor('both messages', async () => (await second.getOutbound(deferred.id))!.status === 'sent' && (await second.getOutbound(orphan.id))!.status === 'sent');
          await sleep(300);
          assert.deepEqual(smtp.received.map(r => r.to).sort(), [['bob@example.net'], ['carol@example.net']]);
          assert.equal((await second.getOutbound(deferred.id))!.attempts, 2);
          assert.equal((await second.getOutbound(orphan.id))!.attempts, 2);
        } finally {
          await mailer2.stop();
          await second.close();
        }
      } finally {
        await smtp.close();
        await backend.dispose();
      }
    });
  }
});

describe('compose', () => {
  it('stripBcc drops folded Bcc fields from the header only', () => {
    const raw = Buffer.from('From: a@x\r\nBcc: b@x,\r\n c@x\r\nTo: d@x\r\n\r\nBcc: stays in the body\r\n');
    assert.equal(stripBcc(raw).toString(), 'From: a@x\r\nTo: d@x\r\n\r\nBcc: stays in the body\r\n');
    const none = Buffer.from('From: a@x\n\nbody');
    assert.equal(stripBcc(none), none);
    const resent = Buffer.from('Resent-From: a@x\r\nResent-Bcc: e@x\r\nSubject: s\r\n\r\nx');
    assert.equal(stripBcc(resent).toString(), 'Resent-From: a@x\r\nSubject: s\r\n\r\nx', 'RFC 5322 3.6.6: Resent-Bcc too');
  });
});

