// Mail built to hurt the server: HTML nested deeper than html-to-text can recurse, text that sends a
// regex searching from every '<' to the end, a header folded over tens of thousands of lines, and a
// header value carrying a line break. Each must be filed, rendered and answered as ordinary mail,
// in work linear in its size (the inputs below took 2–30 s before the fix). No clock: the guards
// count the characters and bytes the scans examine (helpers/workMeter.ts) and compare input n
// with 4n (linear is 4×, quadratic 16×), or hold a whole request to a budget per input byte.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { htmlToText } from '../../src/calendar/ical.js';
import { htmlText } from '../../src/search/text.js';
import { conversions, htmlToPlain } from '../../src/mail/bodyText.js';
import { headerFields, headerLine, headerProblem } from '../../src/mail/headers.js';
import { bodyContent, insertBeforeBodyEnd } from '../../src/mail/htmlDocument.js';
import { deliverInbound, InboundSmtp } from '../../src/mail/inbound.js';
import { FolderType, type Item, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propText } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';
import { assertLinear, work } from '../helpers/workMeter.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const cm = tags('ComposeMail');
const DEEP_HTML = `${'<div>'.repeat(3000)}hello from the deep`;
/**
 * Scan work a whole request may do per byte of hostile input: such requests count 7–26 today (every
 * pass over the message, the store, the codec); quadratic work on these inputs is ~10⁴ per byte.
 */
const STEPS_PER_BYTE = 200;
/** Only so a regression shows as a failure rather than a hung run; speed is not asserted. */
const WAIT = { timeout: 120_000 };

function message(o: { from: string; to: string; subject: string; type?: string; body: string; extra?: string[] }): Buffer {
  return Buffer.from([
    `From: ${o.from}`, `To: ${o.to}`, `Subject: ${o.subject}`, ...(o.extra ?? []), 'MIME-Version: 1.0',
    `Content-Type: ${o.type ?? 'text/html'}; charset=utf-8`, '', o.body, '',
  ].join('\r\n'));
}

/** A tiny seeded generator, so the equivalence cases are the same on every run. */
function seeded(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x80000000;
  };
}

describe('hostile input: the conversions are linear and never throw', () => {
  it('html-to-text past its depth limit: 3,000 nested <div> keep their text, no stack overflow', async () => {
    const before = { ...conversions };
    assert.equal(htmlToPlain(DEEP_HTML), 'hello from the deep');
    assert.deepEqual(conversions, { library: before.library, linear: before.linear + 1 }, 'straight to the linear stripper, htmlparser2 never runs');
    await assertLinear('htmlToPlain of nested <div>', 3000, n => htmlToPlain(`${'<div>'.repeat(n)}x`));
    assert.match(htmlToPlain(`${'<blockquote><div>'.repeat(20000)}x &amp; y`), /x & y/);
  });

  it('ordinary nesting is still html-to-text\'s (links show their address, images nothing)', () => {
    const html = `${'<div>'.repeat(200)}See <a href="https://example.com/r">the report</a><img src="cid:x" alt="pic">${'</div>'.repeat(200)}`;
    assert.equal(htmlToPlain(html), 'See the report [https://example.com/r]');
  });

  it('htmlToText (iCalendar DESCRIPTION, quoted originals): 200,000 "<" with no ">"', async () => {
    assert.equal(htmlToText(`${'<'.repeat(200_000)}x`), `${'<'.repeat(200_000)}x`);
    await assertLinear('htmlToText of "<"', 50_000, n => htmlToText(`${'<'.repeat(n)}x`));
    assert.equal(htmlToText('<p>a<br/>b</p><>c<d>e&lt;f&gt;&amp;&nbsp;g</p>'), 'a\nb\n<>ce<f>& g');
  });

  it('search\'s text of a body: many "<", "<script", "<!--" with nothing closing them', async () => {
    const shapes = [(n: number) => '<'.repeat(4 * n), (n: number) => '<script>'.repeat(n), (n: number) => '<!--'.repeat(n), (n: number) => `${'<style '.repeat(n)}</style>`];
    for (const shape of shapes) await assertLinear(`htmlText of ${shape(1)}…`, 12_500, n => htmlText(shape(n)));
    assert.equal(htmlText('<head><title>t</title></head><p>A&amp;B</p><!-- c --><script>x</script>d'), 'A&B d');
  });

  it('the body of a quoted document: many <body>, <head>, <html, <!doctype or </body> and no closing tag', async () => {
    const shapes = [(n: number) => '<body>'.repeat(n), (n: number) => `<body>${'</body '.repeat(n)}`, (n: number) => '<head>'.repeat(n),
      (n: number) => '<html'.repeat(n), (n: number) => '<!doctype'.repeat(n), (n: number) => `<head>${'</head'.repeat(n)}`];
    for (const shape of shapes) await assertLinear(`bodyContent of ${shape(1)}…`, 25_000, n => bodyContent(shape(n)));
    const n = 100_000;
    assert.equal(insertBeforeBodyEnd('</body>'.repeat(n), '+'), `${'</body>'.repeat(n - 1)}+</body>`);
    await assertLinear('insertBeforeBodyEnd of </body>…', 25_000, size => insertBeforeBodyEnd('</body>'.repeat(size), '+'));
  });

  it('the scans give the regexes\' results, byte for byte', () => {
    const regexBody = (html: string) => /<body[^>]*>([\s\S]*)<\/body\s*>/i.exec(html)?.[1]
      ?? html.replace(/<!doctype[^>]*>|<\/?html[^>]*>|<head[^>]*>[\s\S]*?<\/head\s*>/gi, '');
    const regexInsert = (html: string, a: string) => {
      const at = html.search(/<\/body\s*>(?![\s\S]*<\/body\s*>)/i);
      return at < 0 ? `${html}${a}` : `${html.slice(0, at)}${a}${html.slice(at)}`;
    };
    const regexText = (html: string) => html.replace(/<(br|\/p|\/div)\s*\/?>/gi, '\n').replace(/<[^>]+>/g, '').replace(/&nbsp;/g, ' ')
      .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
    // Search's text of a body (src/search/text.ts), as it read before the scans.
    const regexSearchText = (html: string) => html.replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<!--[\s\S]*?-->/g, ' ').replace(/<[^>]*>/g, ' ')
      .replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,6});/gi, (whole, ref: string) => {
        if (ref[0] !== '#') return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' } as Record<string, string>)[ref.toLowerCase()] ?? whole;
        const code = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1));
        return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
      }).replace(/\s+/g, ' ').trim();
    const atoms = ['<', '>', '/', ' ', '\n', '\u00a0', '\u2028', 'İ', 'K', 'x', '<body', '<BODY', '</body', '</Body', '<bodyx', '<head', '</HEAD',
      '<html', '</html', '<!DOCTYPE', '<br', '</p', '</div', '<>', '&amp;', '&lt;', '&nbsp;', '\t',
      '<script', '</script', '<SCRIPT', '<style', '</Style', '<scripts', '<!--', '-->', '--', '!', '_', '1'];
    const random = seeded(7);
    const samples = ['<!DOCTYPE html><html><head><title>t</title></head><body class="x"><p>Hi</p></body></html>', '<p>no body</p>'];
    for (let i = 0; i < 20_000; i++) {
      samples.push(Array.from({ length: 1 + Math.floor(random() * 12) }, () => atoms[Math.floor(random() * atoms.length)]).join(''));
    }
    for (const s of samples) {
      assert.equal(bodyContent(s), regexBody(s), JSON.stringify(s));
      assert.equal(insertBeforeBodyEnd(s, '+'), regexInsert(s, '+'), JSON.stringify(s));
      assert.equal(htmlToText(s), regexText(s), JSON.stringify(s));
      assert.equal(htmlText(s), regexSearchText(s), JSON.stringify(s));
    }
  });

  it('RFC 5322 2.2.3: a header folded over 200,000 lines is read in one pass, bytes kept', async () => {
    const folded = `Subject: x\r\n${' a\r\n'.repeat(200_000)}`;
    const mime = Buffer.from(`${folded}To: b@example.com\r\n\r\nbody`);
    const value = headerFields(mime);
    await assertLinear('headerFields of a folded header', 50_000, n => headerFields(Buffer.from(`Subject: x\r\n${' a\r\n'.repeat(n)}\r\nbody`)));
    assert.deepEqual(value.fields.map(f => f.name), ['subject', 'to']);
    assert.equal(value.fields[0]!.raw.toString(), folded);
    assert.equal(headerProblem(mime), undefined);
  });

  it('headerLine never writes CR or LF inside a value: they are dropped, the value stays one field', () => {
    assert.equal(headerLine('In-Reply-To', ['<z@evil.example>\r\nBcc: spy@evil.example']).toString(), 'In-Reply-To: <z@evil.example>Bcc: spy@evil.example\r\n');
    assert.equal(headerLine('References', ['<a@x>\n', '\r<b@x>', '<c@x>\r\n\t<d@x>']).toString(), 'References: <a@x>\r\n <b@x>\r\n <c@x>\t<d@x>\r\n');
  });
});

describe('hostile mail end to end', () => {
  let t: TestServer;
  let smtp: InboundSmtp;
  let port: number;
  let sink: SmtpSink;

  const inbox = async (user: string): Promise<Item[]> => {
    const folder = Number(await folderId(t, user, FolderType.Inbox));
    return t.store.getItems(folder, await t.store.liveItemIds(folder));
  };
  /** The plain-text summary filed beside an HTML body (bodyStore.ts). */
  const plainSummary = (item: Item | undefined) => {
    const body = item?.props.filter(p => p[0] === 'AirSyncBase:Body').map(p => p[1] as ItemProps).find(b => propText(b, 'AirSyncBase:Type') === '1');
    return propText(body, 'AirSyncBase:Data');
  };

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
    smtp = new InboundSmtp({ store: t.store, maxSize: 4 * 1024 * 1024, hostname: 'mx.example.com', auth: await testWorldAuth() });
    port = await smtp.listen(0, '127.0.0.1');
    sink = await smtpSink(t.store);
  });
  after(async () => {
    await sink.close();
    await smtp.close();
    await t.close();
  });

  it('inbound SMTP: deeply nested HTML is 250 and lands in the Inbox with its text', async () => {
    const raw = message({ from: 'deep@elsewhere.example', to: 'bob@example.com', subject: 'Deep inbound', body: DEEP_HTML });
    const transport = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true });
    const info = await transport.sendMail({ envelope: { from: 'deep@elsewhere.example', to: ['bob@example.com'] }, raw });
    assert.match(info.response, /^250 /);
    const item = (await inbox('bob@example.com')).find(i => propText(i.props, 'Email:Subject') === 'Deep inbound');
    assert.equal(plainSummary(item), 'hello from the deep', 'filed in the Inbox, its text kept');
    const { collection } = await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { deviceId: 'DEEP', version: '14.1' });
    assert.ok([...collection.items.values()].some(p => propText(p, 'Email:Subject') === 'Deep inbound'));
  });

  it('SendMail: deeply nested HTML is HTTP 200, delivered, with a plain-text summary that keeps the text', async () => {
    const mime = message({ from: 'alice@example.com', to: 'bob@example.com', subject: 'Deep sent', body: DEEP_HTML });
    const res = await t.client('alice@example.com', { version: '14.1' })
      .send('SendMail', cm('SendMail', [cm('ClientId', 'deep-1'), cm('SaveInSentItems'), cm('MIME', mime)]));
    assert.equal(res.status, 200);
    assert.equal(res.raw?.length ?? 0, 0, 'success is an empty 200');
    const item = (await inbox('bob@example.com')).find(i => propText(i.props, 'Email:Subject') === 'Deep sent');
    assert.equal(plainSummary(item), 'hello from the deep');
  });

  it('SmartReply and SmartForward of an original built for quadratic regexes answer, in linear work', WAIT, async () => {
    const n = 60_000;
    const html = `<p>hi</p><!--${'<body>'.repeat(n)}${'<head>'.repeat(n)}-->${'<'.repeat(n)}`;
    await deliverInbound(t.store, { mailFrom: 'q@elsewhere.example', rcptTo: ['bob@example.com'] },
      message({ from: 'q@elsewhere.example', to: 'bob@example.com', subject: 'Quadratic', body: html, extra: ['Message-ID: <quad-1@elsewhere.example>'] }), () => undefined);
    const box = await folderId(t, 'bob@example.com', FolderType.Inbox);
    const { collection } = await syncedDevice(t, 'bob@example.com', box, { deviceId: 'QUAD', version: '14.1' });
    const id = [...collection.items.entries()].find(([, p]) => propText(p, 'Email:Subject') === 'Quadratic')![0];
    const bob = t.client('bob@example.com', { version: '14.1', deviceId: 'QUAD' });
    const device = (subject: string, body: string, type: string) =>
      message({ from: 'bob@example.com', to: 'carol@example.com', subject, body, type });
    for (const [command, mime] of [
      ['SmartReply', device('Re: Quadratic', `<html><body>ok${'</body>'.repeat(n)}`, 'text/html')],
      ['SmartForward', device('Fw: Quadratic', `ok${' '.repeat(n)}x`, 'text/plain')],
    ] as const) {
      const { value: res, steps } = await work(() => bob.send(command, cm(command, [
        cm('ClientId', `q-${command}`), cm('Source', [cm('FolderId', box), cm('ItemId', id)]), cm('MIME', mime),
      ])));
      assert.equal(res.status, 200, command);
      assert.equal(res.raw?.length ?? 0, 0, `${command} succeeds with an empty 200`);
      const bytes = html.length + mime.length;
      assert.ok(steps < STEPS_PER_BYTE * bytes, `${command}: ${steps} steps for ${bytes} bytes of original and message`);
    }
    const subjects = (await inbox('carol@example.com')).map(i => propText(i.props, 'Email:Subject'));
    assert.deepEqual(subjects.sort(), ['Fw: Quadratic', 'Re: Quadratic']);
  });

  it('SendMail with a Subject folded over 200,000 lines is read in linear work', WAIT, async () => {
    const mime = message({ from: 'alice@example.com', to: 'bob@example.com', subject: `long${' a\r\n'.repeat(200_000)} end`, body: 'x', type: 'text/plain' });
    const { value: res, steps } = await work(() => t.client('alice@example.com', { version: '14.1' })
      .send('SendMail', cm('SendMail', [cm('ClientId', 'fold-1'), cm('MIME', mime)])));
    assert.equal(res.status, 200);
    assert.ok(steps < STEPS_PER_BYTE * mime.length, `${steps} steps for ${mime.length} bytes`);
  });

  it('a line break hidden in the original\'s In-Reply-To never becomes a header of the forward', async () => {
    await deliverInbound(t.store, { mailFrom: 'mallory@evil.example', rcptTo: ['bob@example.com'] }, message({
      from: 'mallory@evil.example', to: 'bob@example.com', subject: 'numbers?', type: 'text/plain', body: 'pass this on?',
      extra: ['Message-ID: <m1@evil.example>', 'In-Reply-To: =?utf-8?Q?<z@evil.example>=0D=0ABcc:_spy@evil.example,?='],
    }), () => undefined);
    const box = await folderId(t, 'bob@example.com', FolderType.Inbox);
    const { collection } = await syncedDevice(t, 'bob@example.com', box, { deviceId: 'INJ', version: '14.1' });
    const id = [...collection.items.entries()].find(([, p]) => propText(p, 'Email:Subject') === 'numbers?')![0];
    const bob = t.client('bob@example.com', { version: '14.1', deviceId: 'INJ' });
    for (const command of ['SmartReply', 'SmartForward'] as const) {
      const mime = message({ from: 'bob@example.com', to: 'dave@far.example', subject: `${command} numbers`, type: 'text/plain', body: 'confidential' });
      const res = await bob.send(command, cm(command, [cm('ClientId', `inj-${command}`), cm('Source', [cm('FolderId', box), cm('ItemId', id)]), cm('MIME', mime)]));
      assert.equal(res.status, 200);
      const out = await sink.next();
      assert.deepEqual(out.rcpt, ['dave@far.example'], `${command}: nothing goes to the injected Bcc`);
      const head = out.raw.toString().split('\r\n\r\n')[0]!;
      assert.doesNotMatch(head, /^bcc:/im, command);
    }
  });
});
