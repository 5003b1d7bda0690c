// Delivery to local attendees is set-wise (docs/performance.md): a meeting's invitation costs the
// same number of statements for 5 attendees as for 25 — accounts found, locked (some below the
// organizer's id, some above), their folders and earlier copies read, requests and copies inserted,
// and the announcements sent, each in one statement. Counted by the drivers, never timed. Every
// attendee still gets the request in the Inbox and a tentative copy, and is announced.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { formatCompact } from '../../src/calendar/timezone.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, startServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();
const att = (i: number): string => `att${i}@example.com`;

function meeting(subject: string, attendees: string[]): ItemProps {
  return [
    ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(START)], ['Calendar:EndTime', formatCompact(START + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', attendees.map((email, i): ItemProps[number] => ['Calendar:Attendee', [
      ['Calendar:Email', email], ['Calendar:Name', `Attendee ${i}`], ['Calendar:AttendeeType', '1']]])],
  ];
}

for (const makeBackend of BACKENDS) {
  describe(`set-wise delivery (${makeBackend.name.replace('Backend', '')})`, () => {
    it('an invitation to 25 local attendees sends as many statements as one to 5, and reaches each', async () => {
      // Five accounts below the organizer's id, twenty above: both kinds of lock (docs/store.md).
      const users = [...[0, 1, 2, 3, 4].map(att), 'org@example.com', ...Array.from({ length: 20 }, (_, i) => att(i + 5))];
      const t = await startServer({ users, backend: makeBackend });
      try {
        const org = new CollectionMirror(t.client('org@example.com', { version: '16.1', deviceId: 'ORG' }),
          await folderId(t, 'org@example.com', FolderType.Calendar));
        await org.sync();
        await org.syncAll();
        const announced: number[] = [];
        t.store.changes.subscribe(e => { if (e.folderId !== undefined) announced.push(e.userId); });
        // Listening for sure (PostgreSQL's LISTEN connection starts with the first listener): one change heard.
        const last = (await t.store.findUserByEmail(att(24)))!;
        const contacts = (await t.store.listFolders(last.id)).find(f => f.type === FolderType.Contacts)!.id;
        for (let i = 0; i < 100 && !announced.includes(last.id); i++) {
          if (i % 25 === 0) await t.store.addItem(last.id, contacts, { class: 'Contacts', props: [] });
          await new Promise(r => setTimeout(r, 20));
        }
        announced.length = 0;
        const invite = async (subject: string, attendees: string[]): Promise<number> => {
          const before = t.store.statementCounts().statements;
          const r = await org.sync([{ kind: 'Add', clientId: subject, props: meeting(subject, attendees) }]);
          assert.equal(r.added.get(subject)?.status, 1);
          return t.store.statementCounts().statements - before;
        };
        const few = [0, 1, 5, 6, 7].map(att);
        const many = Array.from({ length: 25 }, (_, i) => att(i));
        const forFew = await invite('Few', few);
        const forMany = await invite('Many', many);
        assert.equal(forMany, forFew, `statements for 25 attendees (${forMany}) and for 5 (${forFew})`);

        for (const email of many) {
          const user = (await t.store.findUserByEmail(email))!;
          const folders = await t.store.listFolders(user.id);
          const inbox = folders.find(f => f.type === FolderType.Inbox)!.id;
          const calendar = folders.find(f => f.type === FolderType.Calendar)!.id;
          const subjects = few.includes(email) ? ['Few', 'Many'] : ['Many'];
          const uids = new Set<string>();
          for (const item of await t.store.getItems(inbox, await t.store.liveItemIds(inbox))) uids.add(item.event!.uid);
          assert.equal(uids.size, subjects.length, `${email}: one request per meeting`);
          const copies = await t.store.getItems(calendar, await t.store.liveItemIds(calendar));
          assert.deepEqual(copies.map(c => c.event?.subject).sort(), subjects, `${email}: a copy per meeting`);
          assert.ok(copies.every(c => c.event?.responseType === 5 && c.event.busyStatus === 1), `${email}: tentative, not responded`);
          assert.ok([...uids].every(uid => copies.some(c => c.event?.uid === uid)), `${email}: the copies follow the requests`);
          // Change numbers stay dense and ordered within each folder: 1, 2, … as one by one.
          const changes = await t.store.listChanges(calendar, 0, 100);
          assert.deepEqual(changes.map(c => c.modseq), changes.map((_, i) => i + 1));
        }
        // Announced after the commit: every attendee (the cross-process feed on SQLite, LISTEN on PostgreSQL).
        const manyIds = (await t.store.findUsersByEmail(many)).map(u => u.id);
        for (let i = 0; i < 100 && !manyIds.every(id => announced.includes(id)); i++) await new Promise(r => setTimeout(r, 20));
        assert.deepEqual(manyIds.filter(id => !announced.includes(id)), [], 'every attendee announced');
      } finally {
        await t.close();
      }
    });
  });
}
