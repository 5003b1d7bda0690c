// MS-ASCMD 2.2.1.15 ResolveRecipients over real HTTP and WBXML, on both store engines: addresses
// and names resolved against the directory and the account's contacts (exact, ambiguous, partial,
// unresolved), certificates (none kept) and directory photos (none; contacts' own: test/contacts/resolve.test.ts), and availability — a weekly meeting with one
// occurrence moved and one declined, as MergedFreeBusy — with every Status the spec gives.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { EasClient } from '../../src/client/EasClient.js';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { eventFilterTime } from '../../src/calendar/window.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { tags, type Element } from '../../src/wbxml/index.js';
import { contact } from '../helpers/items.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const rr = tags('ResolveRecipients');
const at = (iso: string) => Date.parse(iso);

const request = (to: string[], options?: (Element | false)[]): Element =>
  rr('ResolveRecipients', [...to.map(t => rr('To', t)), options && rr('Options', options)]);
const availability = (start: string, end?: string): Element =>
  rr('Availability', [rr('StartTime', start), end !== undefined && rr('EndTime', end)]);

interface Answer { to: string | undefined; status: string | undefined; count: string | undefined; recipients: Element[] }

for (const backend of BACKENDS) {
  describe(`ResolveRecipients (${backend.name.replace('Backend', '')})`, () => {
    let t: TestServer;
    let n = 0;
    const phone = (version = '14.1'): EasClient => t.client('alice@example.com', { deviceId: `RR${++n}`, version });
    const send = async (tree: Element, client = phone()): Promise<{ status: string | undefined; answers: Answer[] }> => {
      const res = await client.send('ResolveRecipients', tree);
      assert.equal(res.status, 200);
      return {
        status: res.body?.childText('Status'),
        answers: (res.body?.all('Response') ?? []).map(r => ({
          to: r.childText('To'), status: r.childText('Status'), count: r.childText('RecipientCount'), recipients: r.all('Recipient'),
        })),
      };
    };
    const one = async (to: string, options?: (Element | false)[], client?: EasClient): Promise<Answer> => {
      const { status, answers } = await send(request([to], options), client);
      assert.equal(status, '1');
      return answers[0]!;
    };
    const who = (r: Element) => [r.childText('Type'), r.childText('DisplayName'), r.childText('EmailAddress')];
    const freeBusy = (r: Element) => [r.child('Availability')?.childText('Status'), r.child('Availability')?.childText('MergedFreeBusy')];

    before(async () => {
      t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com', 'bobby@example.com', 'carol@example.com'] });
      for (const [address, name] of [['alice@example.com', 'Alice Example'], ['bob@example.com', 'Bob Builder'], ['bobby@example.com', 'Bobby Tables'], ['carol@example.com', 'Carol Jones']]) {
        await t.store.setDisplayName((await t.store.findUserByEmail(address!))!.id, name!);
      }
      const alice = (await t.store.findUserByEmail('alice@example.com'))!.id;
      const contacts = (await t.store.listFolders(alice)).find(f => f.type === FolderType.Contacts)!.id;
      const person = (name: string, address: string) => [...contact(name).filter(p => p[0] !== 'Contacts:Email1Address'), ['Contacts:Email1Address', address]] as ItemProps;
      await t.store.addItem(alice, contacts, { class: 'Contacts', props: person('Dora Explorer', '"Dora" <dora@explorer.org>') });
      await t.store.addItem(alice, contacts, { class: 'Contacts', props: person('Bob Marley', 'bob@marley.example') });

      // Bob's week: a weekly meeting Mondays 10:00–11:00 UTC; on 2 March it moved to Tuesday 3 March
      // 14:00–15:00 (tentative); on 9 March Bob declined; a tentative placeholder and a day out of office.
      const bob = (await t.store.findUserByEmail('bob@example.com'))!.id;
      const calendar = (await t.store.listFolders(bob)).find(f => f.type === FolderType.Calendar)!.id;
      const add = (event: CalendarEvent) => t.store.addItem(bob, calendar, { class: 'Calendar', props: [], event, filterTime: eventFilterTime(event) });
      await add({
        uid: 'weekly', start: at('2026-02-23T10:00:00Z'), end: at('2026-02-23T11:00:00Z'), allDay: false, timeZone: 'UTC', busyStatus: 2,
        subject: 'Weekly', recurrence: { type: 1, interval: 1, dayOfWeek: 2 },
        exceptions: [
          { originalStart: at('2026-03-02T10:00:00Z'), overrides: { start: at('2026-03-03T14:00:00Z'), end: at('2026-03-03T15:00:00Z'), busyStatus: 1 } },
          { originalStart: at('2026-03-09T10:00:00Z'), overrides: { responseType: 4 } },
        ],
      });
      await add({ uid: 'oof', start: at('2026-03-04T09:00:00Z'), end: at('2026-03-04T10:00:00Z'), allDay: false, timeZone: 'UTC', busyStatus: 3 });
      await add({ uid: 'cancelled', start: at('2026-03-04T11:00:00Z'), end: at('2026-03-04T12:00:00Z'), allDay: false, timeZone: 'UTC', busyStatus: 2, meetingStatus: 7 });
      // In Deleted Items an event says nothing about Bob's time.
      const deleted = (await t.store.listFolders(bob)).find(f => f.type === FolderType.DeletedItems)!.id;
      const gone: CalendarEvent = { uid: 'gone', start: at('2026-03-02T10:00:00Z'), end: at('2026-03-02T12:00:00Z'), allDay: false, timeZone: 'UTC', busyStatus: 3 };
      await t.store.addItem(bob, deleted, { class: 'Calendar', props: [], event: gone, filterTime: gone.end });
    });
    after(() => t.close());

    it('MS-ASCMD 2.2.3.177.12: an address of an account resolves (Status 1) to its directory entry (Type 1)', async () => {
      const a = await one('bob@example.com');
      assert.deepEqual([a.to, a.status, a.count, a.recipients.map(who)], ['bob@example.com', '1', '1', [['1', 'Bob Builder', 'bob@example.com']]]);
      assert.deepEqual((await one('"Bob B." <BOB@example.com>')).recipients.map(who), [['1', 'Bob Builder', 'bob@example.com']]);
    });

    it('MS-ASCMD 2.2.3.177.12: a name that fits several is ambiguous (2), cut by MaxAmbiguousRecipients it is partial (3)', async () => {
      const a = await one('bob');
      assert.deepEqual([a.status, a.count], ['2', '3']);
      assert.deepEqual(a.recipients.map(who), [['1', 'Bob Builder', 'bob@example.com'], ['1', 'Bobby Tables', 'bobby@example.com'], ['2', 'Bob Marley', 'bob@marley.example']]);
      const cut = await one('bob', [rr('MaxAmbiguousRecipients', 1)]);
      assert.deepEqual([cut.status, cut.count, cut.recipients.map(who)], ['3', '3', [['1', 'Bob Builder', 'bob@example.com']]]);
      assert.deepEqual(await one('bob', [rr('MaxAmbiguousRecipients', 0)]).then(x => [x.status, x.recipients.length]), ['3', 0]);
      assert.deepEqual((await one('Bob Bu')).recipients.map(who), [['1', 'Bob Builder', 'bob@example.com']]);
    });

    it('MS-ASCMD 2.2.3.186.5: a contact of the account resolves as Type 2, by name and by address', async () => {
      assert.deepEqual((await one('dora')).recipients.map(who), [['2', 'Dora Explorer', 'dora@explorer.org']]);
      assert.deepEqual((await one('Dora@Explorer.org')).recipients.map(who), [['2', 'Dora Explorer', 'dora@explorer.org']]);
    });

    it('MS-ASCMD 2.2.3.177.12: an address elsewhere or an unknown name is unresolved (4), its To still answered', async () => {
      for (const to of ['someone@elsewhere.org', 'Zed']) {
        assert.deepEqual(await one(to).then(a => [a.to, a.status, a.count, a.recipients.length]), [to, '4', '0', 0]);
      }
    });

    it('MS-ASCMD 2.2.3.183: every To gets its Response, in request order', async () => {
      const { answers } = await send(request(['carol@example.com', 'nobody@example.com', 'bob']));
      assert.deepEqual(answers.map(a => [a.to, a.status]), [['carol@example.com', '1'], ['nobody@example.com', '4'], ['bob', '2']]);
    });

    it('MS-ASCMD 2.2.3.22: certificates asked for: none kept (Status 7), and none for ambiguous names', async () => {
      const a = await one('carol@example.com', [rr('CertificateRetrieval', 2), rr('MaxCertificates', 50)]);
      const certs = a.recipients[0]!.child('Certificates')!;
      assert.deepEqual([certs.childText('Status'), certs.childText('CertificateCount')], ['7', '0']);
      assert.equal((await one('bob', [rr('CertificateRetrieval', 3)])).recipients.some(r => r.has('Certificates')), false);
      assert.equal((await one('carol@example.com', [rr('CertificateRetrieval', 1)])).recipients[0]!.has('Certificates'), false);
    });

    it('MS-ASCMD 2.2.3.135.2: photos asked for from 14.1 on: none kept (Status 173)', async () => {
      const a = await one('carol@example.com', [rr('Picture', [rr('MaxSize', 10000), rr('MaxPictures', 3)])]);
      assert.equal(a.recipients[0]!.child('Picture')!.childText('Status'), '173');
      const old = await one('carol@example.com', [rr('Picture', [])], phone('14.0'));
      assert.equal(old.recipients[0]!.has('Picture'), false);
    });

    it('MS-ASCMD 2.2.3.107: MergedFreeBusy over two weeks: the moved occurrence where it went, the declined one free', async () => {
      const a = await one('bob@example.com', [availability('2026-03-02T00:00:00.000Z', '2026-03-16T00:00:00.000Z')]);
      const [status, merged] = freeBusy(a.recipients[0]!);
      assert.equal(status, '1');
      assert.equal(merged!.length, 14 * 48);
      const slot = (iso: string) => merged![(at(iso) - at('2026-03-02T00:00:00Z')) / 1_800_000];
      assert.equal(slot('2026-03-02T10:00:00Z'), '0', 'moved away');
      assert.deepEqual([slot('2026-03-03T14:00:00Z'), slot('2026-03-03T14:30:00Z'), slot('2026-03-03T15:00:00Z')], ['1', '1', '0'], 'moved here, tentative');
      assert.deepEqual([slot('2026-03-04T09:00:00Z'), slot('2026-03-04T09:30:00Z')], ['3', '3'], 'out of office');
      assert.equal(slot('2026-03-04T11:00:00Z'), '0', 'cancelled');
      assert.equal(slot('2026-03-09T10:00:00Z'), '0', 'declined');
      assert.equal(merged!.replace(/0/g, '').length, 4, 'nothing else is taken');
      const later = await one('bob@example.com', [availability('2026-03-16T10:15:00.000Z', '2026-03-16T11:15:00.000Z')]);
      assert.deepEqual(freeBusy(later.recipients[0]!), ['1', '22']);
    });

    it('MS-ASCMD 2.2.3.61.1: without EndTime the window is seven days', async () => {
      const a = await one('carol@example.com', [availability('2026-03-02T00:00:00.000Z')]);
      assert.deepEqual(freeBusy(a.recipients[0]!), ['1', '0'.repeat(7 * 48)]);
    });

    it('MS-ASCMD 2.2.3.183: no availability for ambiguous names; a contact\'s calendar cannot be read (163)', async () => {
      const window = [availability('2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z')];
      assert.equal((await one('bob', window)).recipients.some(r => r.has('Availability')), false);
      assert.deepEqual(freeBusy((await one('dora@explorer.org', window)).recipients[0]!), ['163', undefined]);
    });

    it('MS-ASCMD 2.2.3.183: up to 100 To, each with its free/busy (a repeated To is looked up once)', async () => {
      const { answers } = await send(request(Array.from({ length: 100 }, () => 'bob@example.com'), [availability('2026-03-02T00:00:00.000Z', '2026-03-02T01:00:00.000Z')]));
      assert.equal(answers.length, 100);
      assert.ok(answers.every(a => JSON.stringify(freeBusy(a.recipients[0]!)) === JSON.stringify(['1', '00'])));
    });

    it('MS-ASCMD 2.2.1.15: 12.1 has no Availability; it is not answered', async () => {
      const a = await one('bob@example.com', [availability('2026-03-02T00:00:00.000Z', '2026-03-03T00:00:00.000Z')], phone('12.1'));
      assert.deepEqual([a.status, a.recipients[0]!.has('Availability')], ['1', false]);
    });

    it('MS-ASCMD 2.2.3.177.12: Status 5 for a bad window, a To out of limits, bad options', async () => {
      const bad: [string, Element][] = [
        ['EndTime before StartTime', request(['bob@example.com'], [availability('2026-03-02T10:00:00.000Z', '2026-03-02T09:00:00.000Z')])],
        ['under 30 minutes', request(['bob@example.com'], [availability('2026-03-02T10:00:00.000Z', '2026-03-02T10:29:59.000Z')])],
        ['over 42 days', request(['bob@example.com'], [availability('2026-03-01T00:00:00.000Z', '2026-04-12T00:00:01.000Z')])],
        ['invalid StartTime', request(['bob@example.com'], [availability('TimeWithInvalidFormat', '2026-03-02T10:00:00.000Z')])],
        ['invalid EndTime', request(['bob@example.com'], [availability('2026-03-02T10:00:00.000Z', 'tomorrow')])],
        ['no StartTime', request(['bob@example.com'], [rr('Availability', [rr('EndTime', '2026-03-02T10:00:00.000Z')])])],
        ['257 characters', request(['x'.repeat(257)])],
        ['empty To', request([''])],
        ['no To', request([], [rr('CertificateRetrieval', 1)])],
        ['101 To (MS-ASCMD 2.2.3.183: 1…100)', request(Array.from({ length: 101 }, (_, i) => `u${i}@example.com`))],
        ['CertificateRetrieval 4', request(['bob'], [rr('CertificateRetrieval', 4)])],
        ['MaxAmbiguousRecipients 10000', request(['bob'], [rr('MaxAmbiguousRecipients', 10000)])],
        ['MaxSize over 100 KB', request(['bob'], [rr('Picture', [rr('MaxSize', 102401)])])],
        ['an unknown option', request(['bob'], [rr('Status', 1)])],
        ['two Options', rr('ResolveRecipients', [rr('To', 'bob'), rr('Options', []), rr('Options', [])])],
      ];
      for (const [why, tree] of bad) {
        const { status, answers } = await send(tree);
        assert.deepEqual([status, answers.length], ['5', 0], why);
      }
      assert.equal((await send(request(['x'.repeat(256)]))).status, '1');
      assert.equal((await send(request(['bob@example.com'], [availability('2026-03-01T00:00:00.000Z', '2026-04-12T00:00:00.000Z')]))).status, '1');
    });

    it('a body that is not a ResolveRecipients request is the common Status 103', async () => {
      const res = await phone().send('ResolveRecipients', rr('To', 'bob'));
      assert.deepEqual([res.status, res.body?.childText('Status')], [200, '103']);
    });
  });
}
