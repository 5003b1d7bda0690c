// The inbound paths: a message as the SMTP listener files it (deliverInbound: postal-mime, iMIP to
// the scheduling engine, the Inbox), an iCalendar import (importIcs), and the request line of the
// EAS endpoint (MS-ASHTTP 2.2.1.1.1, plain and base64 forms). Properties: a refusal is typed
// (DeliveryError, CalendarError, HTTP 4xx) and changes nothing; accepted input stays within the
// step budget and leaves every folder fully syncable. docs/reliability.md, "Fuzzing".
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { CalendarError } from '../../src/calendar/errors.js';
import { importIcs } from '../../src/calendar/importExport.js';
import { DeliveryError, deliverInbound } from '../../src/mail/inbound.js';
import { fieldValue, hostileString, params } from './fuzz.js';
import { icsArb } from './icsArb.js';
import { assertFullSync, emptyFolders, snapshot, startFuzzServer, USERS, type FuzzServer } from './server.js';
import { recurrenceSteps, resetSteps } from './steps.js';

const PEOPLE = [...USERS, 'carol@elsewhere.example'];

/** A MIME message: headers (some folded or encoded), a body of several shapes, maybe an iMIP part. */
function mimeArb(safe: boolean): fc.Arbitrary<Buffer> {
  // Encoded words (RFC 2047) can carry what the raw header cannot: NUL and CR LF (bug (a)).
  const encoded = safe ? ['=?UTF-8?B?w7w=?=', '<a@b>', ''] : ['=?UTF-8?B?w7w=?=', '=?x?Q?=00?=', '=?UTF-8?Q?a=0D=0Ab?=', '<a@b>', ''];
  const value = fc.oneof(fieldValue({ safe }), fc.constantFrom(...encoded));
  const header = fc.oneof(
    fc.tuple(fc.constantFrom('From', 'To', 'Cc', 'Reply-To', 'Sender'), fc.oneof(fc.constantFrom(...PEOPLE), value)).map(([k, v]) => `${k}: ${v}`),
    fc.tuple(fc.constantFrom('Subject', 'Message-ID', 'In-Reply-To', 'References', 'Date', 'Importance', 'X-Priority', 'Thread-Topic', 'X-Whatever'), value)
      .map(([k, v]) => `${k}: ${v}`),
    fc.constantFrom('Subject: folded\r\n continued', 'Date: Fri, 31 Feb 2025 99:99:99 +9999', 'Content-Transfer-Encoding: base64', 'Content-Transfer-Encoding: quoted-printable', ': no name', 'NoColon'),
  );
  const text = hostileString({ safe, maxLength: 60 });
  const ics = icsArb({ safe, people: PEOPLE });
  const body = fc.oneof(
    text.map(t => ['Content-Type: text/plain; charset=utf-8', '', t]),
    fc.tuple(text, fc.integer({ min: 1, max: safe ? 30 : 5000 })).map(([t, n]) => ['Content-Type: text/html; charset=utf-8', '', `${'<div>'.repeat(n)}${t}`]),
    fc.tuple(text, ics, fc.constantFrom('REQUEST', 'REPLY', 'CANCEL', 'COUNTER', 'PUBLISH', '')).map(([t, cal, method]) => [
      'Content-Type: multipart/alternative; boundary="b1"', '', '--b1', 'Content-Type: text/plain', '', t, '--b1',
      `Content-Type: text/calendar; charset=utf-8${method ? `; method=${method}` : ''}`, '', cal, '--b1--']),
    fc.tuple(text, fc.uint8Array({ maxLength: 60 })).map(([t, bytes]) => [
      'Content-Type: multipart/mixed; boundary="m"', '', '--m', 'Content-Type: text/plain', '', t, '--m',
      'Content-Type: application/octet-stream; name="x.bin"', 'Content-Disposition: attachment; filename="x.bin"', 'Content-Transfer-Encoding: base64', '',
      Buffer.from(bytes).toString('base64'), '--m', 'Content-Type: message/rfc822', '', 'Subject: inner', '', 'inner body']),
    fc.constantFrom(['Content-Type: multipart/mixed; boundary="never"', '', 'no parts at all'], [], ['Content-Type: text/plain; charset=x-unknown', '', '\u00ff']),
  );
  return fc.tuple(fc.array(header, { maxLength: 8 }), body, fc.constantFrom('\r\n', '\n'))
    .map(([headers, b, eol]) => Buffer.from([...headers, 'MIME-Version: 1.0', ...b].join(eol) + eol, 'utf8'));
}

describe('fuzz: inbound mail, iCalendar import and the request line', () => {
  let t: FuzzServer;
  let device = 0;
  before(async () => { t = await startFuzzServer(); });
  after(() => t.close());

  /** Accepted: within budget and syncable. Refused: a typed error and the store as it was. */
  async function deliver(raw: Buffer, rcptTo: string[]): Promise<void> {
    await emptyFolders(t.store);
    const before = await snapshot(t.store);
    resetSteps();
    let refusedBy: unknown;
    try {
      await deliverInbound(t.store, { mailFrom: 'carol@elsewhere.example', rcptTo }, raw, () => undefined);
    } catch (e) {
      refusedBy = e;
    }
    assert.equal(recurrenceSteps().stalled, false, 'recurrence step budget exceeded');
    if (refusedBy !== undefined) {
      assert.ok(refusedBy instanceof DeliveryError && refusedBy.responseCode >= 500, `refused with ${String(refusedBy)}`);
      assert.equal(await snapshot(t.store), before, 'refused but the store changed');
      return;
    }
    for (const email of USERS) await assertFullSync(t, email, `MAIL${++device}`);
  }

  const recipients = fc.subarray(USERS, { minLength: 1 });
  test('deliverInbound: filed (and syncable) or DeliveryError 5xx with nothing changed', async () => {
    await fc.assert(fc.asyncProperty(mimeArb(true), recipients, deliver), params(25, 0.3));
  });
  test('deliverInbound with control characters, minutely VTIMEZONE rules, COUNT=5000000 and deep HTML', async () => {
      await fc.assert(fc.asyncProperty(mimeArb(false), recipients, deliver), params(5, 0.1));
    });

  async function importCalendar(ics: string): Promise<void> {
    await emptyFolders(t.store);
    const user = (await t.store.findUserByEmail(USERS[0]!))!;
    const before = await snapshot(t.store);
    resetSteps();
    try {
      const result = await importIcs(t.store, user.id, ics);
      assert.ok(result.added + result.updated + result.failed.length >= 0);
    } catch (e) {
      assert.ok(e instanceof CalendarError, `refused with ${String(e)}`);
      assert.equal(await snapshot(t.store), before, 'refused but the store changed');
    }
    assert.equal(recurrenceSteps().stalled, false, 'recurrence step budget exceeded');
    await assertFullSync(t, USERS[0]!, `ICS${++device}`);
  }

  test('importIcs: imported (and syncable) or CalendarError with nothing changed', async () => {
    await fc.assert(fc.asyncProperty(icsArb({ safe: true, people: PEOPLE }), importCalendar), params(20, 0.3));
  });
  test('importIcs with control characters, minutely VTIMEZONE rules, COUNT=5000000 and deep HTML', async () => {
      await fc.assert(fc.asyncProperty(icsArb({ safe: false, people: PEOPLE }), importCalendar), params(5, 0.1));
    });

  /** A raw POST with this query string; the answer's HTTP status. */
  function post(query: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const auth = Buffer.from(`${USERS[0]}:correct horse battery`).toString('base64');
      const req = request(`${t.url}/Microsoft-Server-ActiveSync?${query}`, {
        method: 'POST', headers: { Authorization: `Basic ${auth}`, 'MS-ASProtocolVersion': '14.1', 'Content-Type': 'application/vnd.ms-sync.wbxml' },
      }, res => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)); });
      req.on('error', reject);
      req.end();
    });
  }
  const queryPart = fc.oneof(
    fc.constantFrom('Cmd=FolderSync', 'Cmd=Ping', 'Cmd=Nope', 'Cmd=', 'User=alice@example.com', 'User=bob@example.com', 'DeviceId=Q1', 'DeviceId=',
      'DeviceType=X', 'DeviceType=%00', 'ItemId=1', 'CollectionId=1', 'AttachmentName=1%3A2%3A0', 'SaveInSent=T', 'x', '&', '=', '%41', '+'),
    fc.uint8Array({ maxLength: 40 }).map(b => encodeURIComponent(Buffer.from(b).toString('base64'))),
    fc.tuple(fc.constantFrom(121, 140, 141, 161, 0, 255), fc.integer({ min: 0, max: 30 }), fc.uint8Array({ maxLength: 30 }))
      .map(([v, cmd, rest]) => encodeURIComponent(Buffer.from([v, cmd, 9, 4, 2, 0x51, 0x31, 0, 1, 0x58, ...rest]).toString('base64'))),
  );
  const query = (safe: boolean) => fc.array(queryPart, { maxLength: 6 }).map(parts => parts.join(parts.length % 2 ? '&' : ''))
    .map(q => (safe ? q.replace(/%(?![0-9A-Fa-f]{2})/g, '') : q));
  const noServerError = async (q: string): Promise<void> => {
    const before = await snapshot(t.store);
    const status = await post(q);
    assert.ok(status < 500 || status === 501, `HTTP ${status} for ?${q}`);
    assert.equal(await snapshot(t.store), before);
  };

  test('request line: any query gets an answer below 500 (501 for commands without a handler) and changes no data', async () => {
    await fc.assert(fc.asyncProperty(query(true), noServerError), params(60, 0.5));
  });
  test('request line with a stray % (broken percent-encoding)', async () => {
    await fc.assert(fc.asyncProperty(query(false).map(q => `${q}%`), noServerError), params(5, 0.1));
  });
});
