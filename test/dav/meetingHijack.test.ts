// A meeting belongs to its organizer: an account that gives itself someone else's meeting UID
// (a CalDAV PUT stores ORGANIZER and UID as sent, docs/dav.md) and then edits it from a 16.x device
// must not rewrite the copies other attendees hold of the real organizer's meeting (RFC 5546 3.2.2:
// a REQUEST for a meeting comes from its organizer). On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { CalendarEvent } from '../../src/calendar/model.js';
import { davMount } from '../../src/dav/server.js';
import { FolderType } from '../../src/store/types.js';
import { folderId, PASSWORD, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const ALICE = 'alice@example.com';
const BOB = 'bob@example.com';
const CAROL = 'carol@example.com';
const UID = 'carols-meeting-uid@example.com';
const START = Date.now() + 7 * 86_400_000;

const stamp = (ms: number): string => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const basic = `Basic ${Buffer.from(`${ALICE}:${PASSWORD}`).toString('base64')}`;

for (const makeBackend of BACKENDS) {
  describe(`a meeting UID taken over by another account on ${makeBackend.name.replace('Backend', '')}`, () => {
    let t: TestServer;
    before(async () => {
      t = await startServer({ users: [ALICE, BOB, CAROL], backend: makeBackend, server: { mounts: [davMount()] } });
    });
    after(() => t.close());

    /** Alice gives herself `uid` over CalDAV as a meeting of hers with Bob, then edits it from a 16.1 device. */
    const takeOver = async (uid: string, name: string): Promise<void> => {
      const calId = await folderId(t, ALICE, FolderType.Calendar);
      const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', `UID:${uid}`, `DTSTAMP:${stamp(Date.now())}`,
        `DTSTART:${stamp(START)}`, `DTEND:${stamp(START + 3_600_000)}`, 'SUMMARY:Budget', `ORGANIZER:mailto:${ALICE}`,
        `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${BOB}`, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
      const put = await fetch(new URL(`/dav/calendars/${encodeURIComponent(ALICE)}/${calId}/${name}.ics`, t.url), {
        method: 'PUT', body: ics, headers: { Authorization: basic, 'Content-Type': 'text/calendar' },
      });
      assert.equal(put.status, 201);
      // ... and moves it from her 16.1 device: the server sends the update to Bob.
      const { collection } = await syncedDevice(t, ALICE, calId, { version: '16.1', deviceId: `ALICE${name}` });
      const [serverId, props] = [...collection.items.entries()].find(([, ps]) => ps.some(p => p[0] === 'Calendar:UID' && p[1] === uid))
        ?? [...collection.items.entries()].find(([, ps]) => ps.some(p => p[0] === 'Calendar:Subject' && p[1] === 'Budget'))!;
      const moved = props.map(p => (p[0] === 'Calendar:Subject' ? ['Calendar:Subject', 'Budget (moved to my office)'] as typeof p : p));
      await collection.sync([{ kind: 'Change', serverId, props: moved }]);
    };
    const heldCopy = (uid: string): CalendarEvent => ({
      uid, start: START, end: START + 3_600_000, allDay: false, timeZone: 'UTC', subject: 'Budget',
      organizer: { email: CAROL }, attendees: [{ email: BOB, status: 5, type: 1 }], meetingStatus: 3, sequence: 0,
    });

    it('a REQUEST from someone who is not the organizer of the copy an attendee holds changes nothing of it', async () => {
      // Bob holds his copy of Carol's meeting (as delivery made it: received, organizer Carol).
      const bob = (await t.store.findUserByEmail(BOB))!;
      const bobCal = Number(await folderId(t, BOB, FolderType.Calendar));
      const held = await t.store.addItem(bob.id, bobCal, { class: 'Calendar', props: [], filterTime: START, event: heldCopy(UID) });
      await takeOver(UID, 'mine');
      const [after] = await t.store.getItems(bobCal, [held!.id]);
      assert.equal(after!.event?.organizer?.email, CAROL, "Bob's copy still follows Carol");
      assert.equal(after!.event?.subject, 'Budget');
      assert.equal(after!.modseq, held!.modseq, "Bob's copy is not written");
    });

    it('nor the request of that meeting still waiting in his Inbox', async () => {
      const bob = (await t.store.findUserByEmail(BOB))!;
      const inbox = Number(await folderId(t, BOB, FolderType.Inbox));
      const uid = `inbox-${UID}`;
      const request = await t.store.addItem(bob.id, inbox, {
        class: 'Email', filterTime: START, event: heldCopy(uid),
        props: [['Email:Subject', 'Budget'], ['Email:MessageClass', 'IPM.Schedule.Meeting.Request'], ['Email2:MeetingMessageType', '1']],
      });
      const before = await t.store.liveItemIds(inbox);
      await takeOver(uid, 'inboxed');
      const [after] = await t.store.getItems(inbox, [request!.id]);
      assert.equal(after!.modseq, request!.modseq, 'Carol\'s request is not outdated');
      assert.deepEqual(await t.store.liveItemIds(inbox), before, 'no request from Alice for it');
    });
  });
}
