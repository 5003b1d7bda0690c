// SMTP listener limits (docs/limits.md) over real sockets on loopback: stalled DATA holds spool
// files, not memory (counted by InboundSmtp.inFlight(), not RSS); a spent spool budget is a
// temporary 452 (RFC 5321 4.2.5, RFC 1870 6.1); idle, long-lived, surplus and busy connections get 421.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { InboundSmtp, type InboundOptions } from '../../src/mail/inbound.js';
import type { SmtpLimitOptions } from '../../src/mail/inboundLimits.js';
import { FolderType, type Item } from '../../src/store/types.js';
import { rawConnect, until, write, type RawConnection } from '../helpers/rawSocket.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The replies (complete lines) received so far. */
const replies = (c: RawConnection): string[] => c.received().split('\r\n').filter(l => /^\d{3} /.test(l));
const lastReply = (c: RawConnection): string => replies(c).at(-1) ?? '';

/** Bob's Inbox items whose properties mention `subject`. */
async function filed(t: TestServer, subject: string): Promise<Item[]> {
  const bob = (await t.store.findUserByEmail('bob@example.com'))!;
  const id = (await t.store.listFolders(bob.id)).find(f => f.type === FolderType.Inbox)!.id;
  return (await t.store.getItems(id, await t.store.liveItemIds(id))).filter(i => JSON.stringify(i.props).includes(subject));
}

/** Sends a command and waits for its reply. */
async function command(c: RawConnection, line: string): Promise<string> {
  const before = replies(c).length;
  await write(c.socket, `${line}\r\n`);
  await until(() => replies(c).length > before || c.isClosed(), `a reply to ${line}`);
  return lastReply(c);
}

async function greeted(port: number): Promise<RawConnection> {
  const c = await rawConnect(port);
  await until(() => replies(c).length > 0 || c.isClosed(), 'the greeting');
  return c;
}

/** A connection in DATA for bob, ready for message bytes. */
async function inData(port: number, mailFrom = 'MAIL FROM:<x@elsewhere.example>'): Promise<RawConnection> {
  const c = await greeted(port);
  assert.match(await command(c, 'EHLO client.example'), /^250 /);
  assert.match(await command(c, mailFrom), /^250 /);
  assert.match(await command(c, 'RCPT TO:<bob@example.com>'), /^250 /);
  assert.match(await command(c, 'DATA'), /^354 /);
  return c;
}

/** A message of about `size` bytes whose body is lines of 'A'. */
function message(subject: string, size: number): Buffer {
  const line = `${'A'.repeat(998)}\r\n`;
  const head = `From: x@elsewhere.example\r\nTo: bob@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject}@elsewhere.example>\r\n\r\n`;
  return Buffer.from(head + line.repeat(Math.ceil(size / line.length)));
}

describe('inbound SMTP limits', () => {
  let t: TestServer;
  let spoolDir: string;
  const listeners: InboundSmtp[] = [];
  const listen = async (limits: SmtpLimitOptions, extra: Partial<InboundOptions> = {}): Promise<{ smtp: InboundSmtp; port: number }> => {
    const smtp = new InboundSmtp({ store: t.store, maxSize: 8 * MiB, ...extra, limits: { ...limits, spool: { dir: spoolDir, ...limits.spool } }, auth: await testWorldAuth() });
    listeners.push(smtp);
    return { smtp, port: await smtp.listen(0, '127.0.0.1') };
  };
  before(async () => {
    t = await startServer({ users: ['bob@example.com'] });
    spoolDir = mkdtempSync(join(tmpdir(), 'convene-smtp-spool-'));
  });
  after(async () => {
    for (const l of listeners) await l.close();
    await t.close();
    rmSync(spoolDir, { recursive: true, force: true });
  });

  it('ten messages stalled at 1 MiB hold at most the memory budget; the rest is in unlinked spool files', async () => {
    const { smtp, port } = await listen({ spool: { memoryPerUpload: 64 * KiB, memoryTotal: 256 * KiB, diskTotal: 32 * MiB } });
    const conns = await Promise.all(Array.from({ length: 10 }, () => inData(port)));
    await Promise.all(conns.map((c, i) => write(c.socket, message(`stall-${i}`, MiB).subarray(0, MiB))));
    // smtp-server holds back the end of an unfinished line (it may be the final dot): a few bytes each.
    await until(() => smtp.inFlight().memoryBytes + smtp.inFlight().diskBytes >= 10 * (MiB - KiB), 'ten megabytes received');
    const g = smtp.inFlight();
    assert.equal(g.uploads, 10);
    assert.ok(g.memoryBytes <= 256 * KiB, `memory held ${g.memoryBytes}`);
    assert.deepEqual(readdirSync(spoolDir), []);
    for (const c of conns) c.socket.destroy();
    await until(() => smtp.inFlight().uploads === 0, 'the abandoned messages released');
    assert.deepEqual(smtp.inFlight(), { memoryBytes: 0, diskBytes: 0, uploads: 0 });
  });

  it('RFC 1870 6.1: past the spool budget a SIZE that does not fit, or DATA that overflows, is a temporary 452; nothing is stored', async () => {
    const { smtp, port } = await listen({ spool: { memoryPerUpload: 64 * KiB, memoryTotal: 256 * KiB, diskTotal: 2 * MiB } });
    const c = await greeted(port);
    await command(c, 'EHLO client.example');
    assert.match(await command(c, `MAIL FROM:<x@elsewhere.example> SIZE=${3 * MiB}`), /^452 /);
    assert.match(await command(c, 'MAIL FROM:<x@elsewhere.example>'), /^250 /);
    assert.match(await command(c, 'RCPT TO:<bob@example.com>'), /^250 /);
    assert.match(await command(c, 'DATA'), /^354 /);
    await write(c.socket, message('overflow', 3 * MiB));
    assert.match(await command(c, '.'), /^452 /);
    assert.equal(smtp.inFlight().uploads, 0);
    assert.deepEqual(await filed(t, 'overflow'), []);
    // The connection is still good for a message that fits.
    assert.match(await command(c, 'MAIL FROM:<x@elsewhere.example>'), /^250 /);
    c.socket.destroy();
  });

  it('a message above the memory threshold is spooled to disk and delivered whole', async () => {
    const { port } = await listen({ spool: { memoryPerUpload: 16 * KiB, memoryTotal: 64 * KiB } });
    const c = await inData(port);
    const sent = message('spooled-whole', 600 * KiB);
    await write(c.socket, sent);
    assert.match(await command(c, '.'), /^250 /);
    c.socket.destroy();
    assert.equal((await filed(t, 'spooled-whole')).length, 1);
  });

  it('RFC 5321 4.5.3.2: a client that owes input and sends nothing gets 421 after the idle timeout and is closed', async () => {
    const { port } = await listen({ idleTimeoutMs: 300 });
    const c = await greeted(port);
    await c.closed;
    assert.match(lastReply(c), /^421 /);
    const d = await inData(port);
    await write(d.socket, 'Subject: stalled\r\n');
    await d.closed;
    assert.match(lastReply(d), /^421 /);
  });

  it('a connection open longer than maxConnectionMs gets 421 and is closed, however busy', async () => {
    const { port } = await listen({ maxConnectionMs: 500 });
    const c = await greeted(port);
    while (!c.isClosed()) {
      await write(c.socket, 'NOOP\r\n').catch(() => undefined);
      await new Promise(r => setTimeout(r, 50));
    }
    assert.match(lastReply(c), /^421 /);
  });

  it('connections past maxClients get 421; a MAIL FROM past maxMessagesPerConnection messages gets 421', async () => {
    const { port } = await listen({ maxClients: 2, maxMessagesPerConnection: 2 });
    const first = await greeted(port);
    const second = await greeted(port);
    const third = await greeted(port);
    assert.match(lastReply(third), /^421 /);
    await third.closed;
    assert.match(lastReply(first), /^220 /);
    second.socket.destroy();
    await command(first, 'EHLO client.example');
    for (const n of [1, 2]) {
      assert.match(await command(first, 'MAIL FROM:<x@elsewhere.example>'), /^250 /, `message ${n}`);
      await command(first, 'RCPT TO:<bob@example.com>');
      await command(first, 'DATA');
      await write(first.socket, message(`cap-${n}`, 100));
      assert.match(await command(first, '.'), /^250 /, `message ${n}`);
    }
    assert.match(await command(first, 'MAIL FROM:<x@elsewhere.example>'), /^421 /);
    await first.closed;
  });
});
