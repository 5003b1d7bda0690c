// What SmartReply/SmartForward must never give away (found in review): a header smuggled into the
// original's Message-ID, blind copies listed in a forwarded invitation, and another account's
// meeting reached through a calendar item that only names its UID.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import PostalMime from 'postal-mime';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { deliverInbound } from '../../src/mail/inbound.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { propText as text } from '../helpers/items.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { smtpSink, type SmtpSink } from '../helpers/smtpSink.js';

const cm = tags('ComposeMail');
const HOUR = 3600_000;
const START = Date.now() + 3 * 24 * HOUR;
const TZ = encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026));

const meeting = (subject: string, attendees: string[], extra: ItemProps = []): ItemProps => [
  ['Calendar:Timezone', TZ], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
  ['Calendar:StartTime', formatCompact(START)], ['Calendar:EndTime', formatCompact(START + HOUR)], ['Calendar:MeetingStatus', '1'],
  ['Calendar:Attendees', attendees.map(email => ['Calendar:Attendee', [['Calendar:Email', email], ['Calendar:AttendeeType', '1']]])],
  ...extra,
];
const message = (lines: string[]) => Buffer.from([...lines, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', 'text', ''].join('\r\n'));
const icsOf = async (raw: Buffer): Promise<string | undefined> => {
  const calendar = (await PostalMime.parse(raw)).attachments.find(a => a.mimeType === 'text/calendar');
  return calendar && Buffer.from(calendar.content as ArrayBuffer).toString('utf8').replace(/\r?\n[ \t]/g, '');
};

describe('Smart commands keep what is private private', () => {
  let t: TestServer;
  let sink: SmtpSink;
  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com', 'carol@example.com'] });
    sink = await smtpSink(t.store);
  });
  after(async () => {
    await sink.close();
    await t.close();
  });

  it('RFC 5322 3.6.4: an encoded-word in the original\'s In-Reply-To cannot add a recipient to a forward', async () => {
    const raw = message(['From: mallory@evil.example', 'To: bob@example.com', 'Subject: numbers?', 'Message-ID: <m1@evil.example>',
      'In-Reply-To: =?utf-8?Q?<z@evil.example>=0D=0ABcc:_spy@evil.example,?=']);
    await deliverInbound(t.store, { mailFrom: 'mallory@evil.example', rcptTo: ['bob@example.com'] }, raw, () => undefined);
    const inbox = (await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Inbox), { version: '14.1', deviceId: 'B' })).collection;
    const [id] = [...inbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'numbers?')!;
    const res = await t.client('bob@example.com', { version: '14.1', deviceId: 'B' }).send('SmartForward', cm('SmartForward', [
      cm('ClientId', 'inj1'), cm('Source', [cm('FolderId', inbox.collectionId), cm('ItemId', id)]),
      cm('MIME', message(['From: bob@example.com', 'To: dave@far.example', 'Subject: FW: numbers?'])),
    ]));
    assert.equal(res.status, 200);
    const out = await sink.next();
    assert.deepEqual(out.rcpt, ['dave@far.example']);
    assert.doesNotMatch(out.raw.toString('utf8'), /spy@evil/);
  });

  it('RFC 5322 3.6.3: blind copies of a forwarded meeting are not made attendees others can see', async () => {
    const bobCal = (await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Calendar), { version: '16.1', deviceId: 'B16' })).collection;
    await bobCal.sync([{ kind: 'Add', clientId: 'p', props: meeting('Planning', ['alice@example.com']) }]);
    const aliceInbox = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Inbox), { version: '14.1', deviceId: 'A' })).collection;
    const [requestId] = [...aliceInbox.items.entries()].find(([, p]) => text(p, 'Email:Subject') === 'Planning')!;
    const res = await t.client('alice@example.com', { version: '14.1', deviceId: 'A' }).send('SmartForward', cm('SmartForward', [
      cm('ClientId', 'bcc1'), cm('Source', [cm('FolderId', aliceInbox.collectionId), cm('ItemId', requestId)]),
      cm('MIME', message(['From: alice@example.com', 'To: dave@far.example', 'Bcc: eve@secret.example, carol@example.com', 'Subject: FW: Planning'])),
    ]));
    assert.equal(res.status, 200);
    const out = await sink.next();
    assert.deepEqual(out.rcpt.sort(), ['dave@far.example', 'eve@secret.example']);
    const ics = (await icsOf(out.raw))!;
    assert.match(ics, /ATTENDEE[^\n]*mailto:dave@far\.example/i);
    assert.doesNotMatch(ics, /eve@secret|carol@example/i);
    const calendar = Number(bobCal.collectionId);
    const organizerCopy = (await t.store.getItems(calendar, await t.store.liveItemIds(calendar))).find(i => i.event?.subject === 'Planning')!;
    assert.deepEqual(organizerCopy.event!.attendees!.map(a => a.email).sort(), ['alice@example.com', 'dave@far.example']);
  });

  it('a calendar item that only names another account\'s meeting UID forwards nothing of that meeting and changes nothing', async () => {
    const bobCal = (await syncedDevice(t, 'bob@example.com', await folderId(t, 'bob@example.com', FolderType.Calendar), { version: '16.1', deviceId: 'B16b' })).collection;
    await bobCal.sync([{ kind: 'Add', clientId: 's', props: meeting('Secret merger', ['carol@example.com']) }]);
    const calendar = Number(bobCal.collectionId);
    const secret = (await t.store.getItems(calendar, await t.store.liveItemIds(calendar))).find(i => i.event?.subject === 'Secret merger')!.event!;
    const aliceCal = (await syncedDevice(t, 'alice@example.com', await folderId(t, 'alice@example.com', FolderType.Calendar), { version: '14.1', deviceId: 'A14' })).collection;
    await aliceCal.sync([{ kind: 'Add', clientId: 'x', props: meeting('whatever', ['alice@example.com'], [
      ['Calendar:UID', secret.uid], ['Calendar:OrganizerEmail', 'bob@example.com'], ['Calendar:OrganizerName', 'Bob'],
    ]) }]);
    await aliceCal.syncAll();
    const [itemId] = [...aliceCal.items.entries()].find(([, p]) => text(p, 'Calendar:Subject') === 'whatever')!;
    const res = await t.client('alice@example.com', { version: '14.1', deviceId: 'A14' }).send('SmartForward', cm('SmartForward', [
      cm('ClientId', 'steal1'), cm('Source', [cm('FolderId', aliceCal.collectionId), cm('ItemId', itemId)]),
      cm('MIME', message(['From: alice@example.com', 'To: mallory@evil.example', 'Subject: FW'])),
    ]));
    assert.equal(res.status, 200);
    const out = await sink.next();
    assert.doesNotMatch(out.raw.toString('utf8'), /Secret merger|carol@example/);
    assert.equal(await icsOf(out.raw), undefined, 'no invitation: Alice is not invited to Bob\'s meeting');
    const after = (await t.store.getItems(calendar, await t.store.liveItemIds(calendar))).find(i => i.event?.uid === secret.uid)!.event!;
    assert.deepEqual(after.attendees!.map(a => a.email), ['carol@example.com']);
  });
});
