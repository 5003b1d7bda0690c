// SmartReply and SmartForward (MS-ASCMD 2.2.1.20 / 2.2.1.19) end to end: real HTTP, a real store,
// real SMTP. An outside sender's message (text, HTML, a binary attachment) sits in Alice's Inbox;
// Alice replies and forwards it to Bob (local) and to people elsewhere, in every request form.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { deliverInbound } from '../../src/mail/inbound.js';
import { formatLongId } from '../../src/search/longId.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propNodes, propText } from '../helpers/items.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const cm = tags('ComposeMail');
const PDF = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 37) % 256));

const ORIGINAL = Buffer.from([
  'From: "Carol Outside" <carol@elsewhere.example>', 'To: alice@example.com', 'Subject: Budget',
  'Date: Tue, 01 Dec 2026 09:00:00 +0000', 'Message-ID: <orig-1@elsewhere.example>', 'References: <thread-0@elsewhere.example>',
  'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="m1"', '',
  '--m1', 'Content-Type: multipart/alternative; boundary="a1"', '',
  '--a1', 'Content-Type: text/plain; charset=utf-8', '', 'Original text line one.', 'Line two of the original.', '',
  '--a1', 'Content-Type: text/html; charset=utf-8', '', '<html><head><title>x</title></head><body><p>Original <b>bold</b> text.</p></body></html>', '',
  '--a1--', '',
  '--m1', 'Content-Type: application/pdf; name="report.pdf"', 'Content-Disposition: attachment; filename="report.pdf"',
  'Content-Transfer-Encoding: base64', '', PDF.toString('base64').replace(/(.{76})/g, '$1\r\n'), '',
  '--m1--', '',
].join('\r\n'));

function deviceMessage(o: { to: string; subject: string; text: string; extra?: string[] }): Buffer {
  return Buffer.from([
    'From: "Alice" <alice@example.com>', `To: ${o.to}`, `Subject: ${o.subject}`, 'X-Mailer: TestPhone 1.0',
    `Message-ID: <${o.subject.replace(/\W+/g, '-')}-${Date.now()}@example.com>`, ...(o.extra ?? []),
    'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', o.text, '',
  ].join('\r\n'));
}

describe('SmartReply / SmartForward of mail', () => {
  let t: TestServer;
  let sink: SmtpSink;
  let inbox: string;
  let sourceId: string;
  const bodyOf = async (user: string, type: number, subject: string) => {
    const u = (await t.store.findUserByEmail(user))!;
    const folder = Number(await folderId(t, user, type));
    const items = await t.store.getItems(folder, await t.store.liveItemIds(folder));
    const item = items.find(i => propText(i.props, 'Email:Subject') === subject);
    return item && { props: item.props, data: propText(propNodes(item.props, 'AirSyncBase:Body'), 'AirSyncBase:Data') ?? '', mime: await t.store.getItemContent(u.id, item.id) };
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'] });
    sink = await smtpSink(t.store);
    await deliverInbound(t.store, { mailFrom: 'carol@elsewhere.example', rcptTo: ['alice@example.com'] }, ORIGINAL, () => undefined);
    inbox = await folderId(t, 'alice@example.com', FolderType.Inbox);
    const { collection } = await syncedDevice(t, 'alice@example.com', inbox, { deviceId: 'ALICE' });
    sourceId = [...collection.items.entries()].find(([, p]) => propText(p, 'Email:Subject') === 'Budget')![0];
  });
  after(async () => {
    await sink.close();
    await t.close();
  });

  it('MS-ASCMD 2.2.1.20, 14.1: the reply quotes the original in text and HTML, threads it, keeps the device\'s headers', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const mime = deviceMessage({ to: 'carol@elsewhere.example, bob@example.com', subject: 'Re: Budget', text: 'Looks good to me.' });
    const res = await alice.send('SmartReply', cm('SmartReply', [
      cm('ClientId', 'r1'), cm('Source', [cm('FolderId', inbox), cm('ItemId', sourceId)]), cm('SaveInSentItems'), cm('MIME', mime),
    ]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0, 'success is an empty response');
    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['carol@elsewhere.example'], 'only the outside recipient goes by SMTP');
    const m = await PostalMime.parse(out.raw);
    assert.equal(m.subject, 'Re: Budget');
    assert.equal(m.headers.find(h => h.key === 'x-mailer')?.value, 'TestPhone 1.0', 'the device\'s own header is kept');
    assert.match(m.messageId ?? '', /^<Re-Budget-\d+@example\.com>$/, 'the device\'s Message-ID is kept');
    assert.equal(m.inReplyTo, '<orig-1@elsewhere.example>');
    assert.deepEqual(m.references?.split(/\s+/), ['<thread-0@elsewhere.example>', '<orig-1@elsewhere.example>']);
    assert.match(m.text ?? '', /^Looks good to me\.\n\nOn Tue, 01 Dec 2026 09:00:00 GMT, "Carol Outside" <carol@elsewhere\.example> wrote:\n> Original text line one\.\n> Line two of the original\./);
    assert.match(m.html ?? '', /Looks good to me\.[\s\S]*<blockquote[^>]*><p>Original <b>bold<\/b> text\.<\/p><\/blockquote>/);
    assert.equal(m.attachments.length, 0, 'a reply does not carry the original\'s attachments');

    const bob = await bodyOf('bob@example.com', FolderType.Inbox, 'Re: Budget');
    assert.ok(bob, 'Bob has the reply in his Inbox');
    assert.match(bob.data, /<blockquote/);
    assert.ok(await bodyOf('alice@example.com', FolderType.SentItems, 'Re: Budget'), 'a copy in Sent Items');
  });

  it('MS-ASCMD 2.2.1.19, 16.1: the forward carries the original under a header block, its attachment byte for byte, and the device\'s own part', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '16.1' });
    const notes = Buffer.from('my notes\r\n');
    const mime = Buffer.from([
      'From: "Alice" <alice@example.com>', 'To: dave@far.example, bob@example.com', 'Subject: Fw: Budget', 'Message-ID: <fw-1@example.com>',
      'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="d1"', '',
      '--d1', 'Content-Type: text/plain; charset=utf-8', '', 'FYI, see below.', '',
      '--d1', 'Content-Type: text/plain; name="notes.txt"', 'Content-Disposition: attachment; filename="notes.txt"', 'Content-Transfer-Encoding: base64', '',
      notes.toString('base64'), '--d1--', '',
    ].join('\r\n'));
    const res = await alice.send('SmartForward', cm('SmartForward', [
      cm('ClientId', 'f1'), cm('Source', [cm('FolderId', inbox), cm('ItemId', sourceId)]), cm('MIME', mime),
    ]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['dave@far.example']);
    const m = await PostalMime.parse(out.raw);
    assert.equal(m.subject, 'Fw: Budget');
    assert.equal(m.inReplyTo, undefined, 'a forward answers nothing');
    assert.match(m.references ?? '', /<orig-1@elsewhere\.example>/);
    assert.match(m.text ?? '', /^FYI, see below\.\n\n---------- Forwarded message ----------\nFrom: "Carol Outside" <carol@elsewhere\.example>\nDate: Tue, 01 Dec 2026 09:00:00 GMT\nSubject: Budget\nTo: alice@example\.com\n\nOriginal text line one\./);
    assert.match(m.html ?? '', /Forwarded message[\s\S]*<p>Original <b>bold<\/b> text\.<\/p>/);
    const pdf = m.attachments.find(a => a.filename === 'report.pdf');
    assert.ok(pdf, 'the original\'s attachment');
    assert.ok(Buffer.from(pdf.content as ArrayBuffer).equals(PDF), 'byte for byte');
    assert.equal(pdf.mimeType, 'application/pdf');
    const own = m.attachments.find(a => a.filename === 'notes.txt');
    assert.ok(own && Buffer.from(own.content as ArrayBuffer).equals(notes), 'the device\'s own attachment');

    const bob = await bodyOf('bob@example.com', FolderType.Inbox, 'Fw: Budget');
    assert.ok(bob?.mime, 'Bob gets the forward with its message');
    const bobs = await PostalMime.parse(bob.mime);
    assert.ok(bobs.attachments.some(a => a.filename === 'report.pdf'));
    assert.equal(await bodyOf('alice@example.com', FolderType.SentItems, 'Fw: Budget'), undefined, 'no SaveInSentItems, no copy');
  });

  it('MS-ASCMD 2.2.3.148 ReplaceMime: the device\'s message goes out unchanged', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const mime = deviceMessage({ to: 'carol@elsewhere.example', subject: 'Re: Budget (edited)', text: 'I rewrote the quote myself.\r\n> Original text', extra: ['In-Reply-To: <orig-1@elsewhere.example>'] });
    const res = await alice.send('SmartReply', cm('SmartReply', [
      cm('ClientId', 'r2'), cm('Source', [cm('ItemId', sourceId)]), cm('ReplaceMime'), cm('MIME', mime),
    ]));
    assert.equal(res.status, 200);
    const out = await sink.next();
    assert.equal(out.raw.toString('utf8').replace(/\r\n$/, ''), mime.toString('utf8').replace(/\r\n$/, ''));
  });

  it('MS-ASCMD 2.2.1.20, 12.1: the reply as a message/rfc822 body with ItemId, CollectionId and SaveInSent in the query', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE12', version: '12.1' });
    const mime = deviceMessage({ to: 'carol@elsewhere.example', subject: 'Re: Budget (12.1)', text: 'From an old phone.' });
    const res = await alice.send('SmartReply', undefined, {
      raw: mime, contentType: 'message/rfc822', query: { ItemId: sourceId, CollectionId: inbox, SaveInSent: 'T' },
    });
    assert.equal(res.status, 200);
    const m = await PostalMime.parse((await sink.next()).raw);
    assert.match(m.text ?? '', /^From an old phone\.\n\nOn .* wrote:\n> Original text line one\./);
    assert.ok(await bodyOf('alice@example.com', FolderType.SentItems, 'Re: Budget (12.1)'), 'SaveInSent=T');
  });

  it('MS-ASHTTP 2.2.1.1.1.1.3, 12.1: the forward with the base64 query (ItemId and CollectionId parameters)', async () => {
    const mime = deviceMessage({ to: 'erin@far.example', subject: 'Fw: Budget (base64)', text: 'Forwarded.' });
    const res = await fetch(`${t.url}/Microsoft-Server-ActiveSync?${encodeURIComponent(base64Line('SmartForward', { ItemId: sourceId, CollectionId: inbox }))}`, {
      method: 'POST', body: new Uint8Array(mime),
      headers: { Authorization: `Basic ${Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')}`, 'Content-Type': 'message/rfc822' },
    });
    assert.equal(res.status, 200);
    const m = await PostalMime.parse((await sink.next()).raw);
    assert.ok(m.attachments.some(a => a.filename === 'report.pdf'), 'the original\'s attachment');
    assert.match(m.text ?? '', /Forwarded message/);
  });

  it('an HTML-only reply gets the quote inside its own <body>, and no text part of its own making', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const mime = Buffer.from(['From: alice@example.com', 'To: carol@elsewhere.example', 'Subject: Re: Budget (html)', 'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8', '', '<html><body><p>Agreed.</p></body></html>', ''].join('\r\n'));
    const res = await alice.send('SmartReply', cm('SmartReply', [cm('ClientId', 'html'), cm('Source', [cm('ItemId', sourceId)]), cm('MIME', mime)]));
    assert.equal(res.raw.length, 0);
    const m = await PostalMime.parse((await sink.next()).raw);
    assert.match(m.html ?? '', /^<html><body><p>Agreed\.<\/p><div>On .* wrote:<\/div><blockquote[^>]*><p>Original <b>bold<\/b> text\.<\/p><\/blockquote><\/body><\/html>/);
    assert.doesNotMatch(m.text ?? '', /> Original text line one/, 'postal-mime may derive a text from the HTML; we add no quoted text part');
  });

  it('a device message with bare LF line ends is rebuilt with CRLF throughout', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const mime = Buffer.from('From: alice@example.com\nTo: carol@elsewhere.example\nSubject: Re: Budget (LF)\nX-Folded: one\n two\n\nShort.\n');
    const res = await alice.send('SmartReply', cm('SmartReply', [cm('ClientId', 'lf'), cm('Source', [cm('ItemId', sourceId)]), cm('MIME', mime)]));
    assert.equal(res.raw.length, 0);
    const raw = (await sink.next()).raw;
    assert.doesNotMatch(raw.toString('latin1'), /[^\r]\n/, 'no bare LF');
    const m = await PostalMime.parse(raw);
    assert.equal(m.subject, 'Re: Budget (LF)');
    assert.equal(m.headers.find(h => h.key === 'x-folded')?.value, 'one two');
    assert.match(m.text ?? '', /^Short\.\n\nOn .* wrote:\n> Original text line one\./);
  });

  it('MS-ASCMD 2.2.3.98.4: a Source named by the LongId of a Search result', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const [folder, item] = sourceId.split(':').map(Number) as [number, number];
    const longId = formatLongId({ folderId: folder, id: item });
    const mime = deviceMessage({ to: 'carol@elsewhere.example', subject: 'Re: Budget (LongId)', text: 'Found it by searching.' });
    const res = await alice.send('SmartReply', cm('SmartReply', [cm('ClientId', 'longid'), cm('Source', [cm('LongId', encodeURIComponent(longId))]), cm('MIME', mime)]));
    assert.equal(res.raw.length, 0);
    const m = await PostalMime.parse((await sink.next()).raw);
    assert.match(m.text ?? '', /> Original text line one\./);
  });

  it('RFC 6532: a header with raw UTF-8 is accepted and arrives as written', async () => {
    const alice = t.client('alice@example.com', { deviceId: 'ALICE', version: '14.1' });
    const mime = deviceMessage({ to: 'carol@elsewhere.example', subject: 'Re: Grüße aus Köln', text: 'Tschüss' });
    const res = await alice.send('SmartReply', cm('SmartReply', [cm('ClientId', 'utf8'), cm('Source', [cm('ItemId', sourceId)]), cm('MIME', mime)]));
    assert.equal(res.status, 200);
    assert.equal(res.raw.length, 0);
    const m = await PostalMime.parse((await sink.next()).raw);
    assert.equal(m.subject, 'Re: Grüße aus Köln');
  });
});

/** MS-ASHTTP 2.2.1.1.1.1: a 12.1 base64 request line with ItemId (3) and CollectionId (1) parameters. */
function base64Line(cmd: string, params: { ItemId: string; CollectionId: string }): string {
  const codes: Record<string, number> = { SmartForward: 2, SmartReply: 3 };
  const deviceId = Buffer.from('b64dev01', 'utf8');
  const deviceType = Buffer.from('TestPhone');
  const param = (tag: number, value: string) => Buffer.concat([Buffer.from([tag, Buffer.byteLength(value)]), Buffer.from(value)]);
  return Buffer.concat([
    Buffer.from([121, codes[cmd]!, 0x09, 0x04, deviceId.length]), deviceId, Buffer.from([0, deviceType.length]), deviceType,
    param(3, params.ItemId), param(1, params.CollectionId), param(8, 'alice@example.com'),
  ]).toString('base64');
}
