// Two Convene servers on loopback, each with its own domain and data, schedule a meeting across
// them: the invitation travels by SMTP (iMIP), Bob accepts on his device, Alice's AttendeeStatus
// becomes 3 (issue 6's done-when, and the remote half of the scheduling engine).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import type { CollectionMirror } from '../../src/client/collection.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { InboundSmtp } from '../../src/mail/inbound.js';
import { OutboundMailer } from '../../src/mail/outbound.js';
import type { ItemProps } from '../../src/store/types.js';
import { FolderType } from '../../src/store/types.js';
import { tags } from '../../src/wbxml/index.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { propNodes as nodes, propText as text } from '../helpers/items.js';
import { testWorldAuth } from '../helpers/mailAuth.js';

const mr = tags('MeetingResponse');
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 5 * 24 * HOUR); d.setUTCHours(14, 0, 0, 0); return d.getTime(); })();

async function eventually<T>(what: string, fn: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise(r => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a meeting across two servers (iMIP over SMTP)', () => {
  let a: TestServer;
  let b: TestServer;
  const stops: (() => Promise<void>)[] = [];

  before(async () => {
    a = await startServer({ users: ['alice@a.example'] });
    b = await startServer({ users: ['bob@b.example'] });
    const inA = new InboundSmtp({ store: a.store, hostname: 'a.example', auth: await testWorldAuth() });
    const inB = new InboundSmtp({ store: b.store, hostname: 'b.example', auth: await testWorldAuth() });
    const portA = await inA.listen(0, '127.0.0.1');
    const portB = await inB.listen(0, '127.0.0.1');
    const outA = new OutboundMailer({ store: a.store, relay: `smtp://127.0.0.1:${portB}`, hostname: 'a.example', log: pino({ level: 'silent' }) });
    const outB = new OutboundMailer({ store: b.store, relay: `smtp://127.0.0.1:${portA}`, hostname: 'b.example', log: pino({ level: 'silent' }) });
    await outA.start();
    await outB.start();
    stops.push(() => outA.stop({ graceMs: 1000 }), () => outB.stop({ graceMs: 1000 }), () => inA.close(), () => inB.close());
  });
  after(async () => {
    for (const stop of stops) await stop();
    await a.close();
    await b.close();
  });

  it('Alice invites Bob elsewhere; he accepts on his 16.1 device; Alice sees AttendeeStatus 3', async () => {
    const aliceCal = (await syncedDevice(a, 'alice@a.example', await folderId(a, 'alice@a.example', FolderType.Calendar), { version: '16.1', deviceId: 'A1' })).collection;
    const bob = await syncedDevice(b, 'bob@b.example', await folderId(b, 'bob@b.example', FolderType.Inbox), { version: '16.1', deviceId: 'B1' });
    const bobInbox: CollectionMirror = bob.collection;
    const added = await aliceCal.sync([{ kind: 'Add', clientId: 'x', props: [
      ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Paris', 2026))], ['Calendar:AllDayEvent', '0'],
      ['Calendar:Subject', 'Across the wire'], ['Calendar:StartTime', formatCompact(START)], ['Calendar:EndTime', formatCompact(START + HOUR)],
      ['Calendar:MeetingStatus', '1'], ['Calendar:BusyStatus', '2'],
      ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'bob@b.example'], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]]]],
    ] }]);
    const serverId = added.added.get('x')!.serverId!;

    const [requestId] = await eventually('the invitation at Bob\'s server', async () => {
      await bobInbox.syncAll();
      return [...bobInbox.items.entries()].find(([, p]) => text(p, 'Email:MessageClass') === 'IPM.Schedule.Meeting.Request');
    });
    const res = await bob.client.send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', bobInbox.collectionId), mr('RequestId', requestId), mr('SendResponse')])]));
    assert.equal(res.body?.child('Result')?.childText('Status'), '1');

    const alice = (await a.store.findUserByEmail('alice@a.example'))!;
    const status = await eventually('Bob\'s answer at Alice\'s server', async () => {
      const item = await a.store.getItem(alice.id, Number(serverId.split(':')[1]));
      const s = item?.event?.attendees?.find(x => x.email === 'bob@b.example')?.status;
      return s === 3 ? s : undefined;
    });
    assert.equal(status, 3);
    await aliceCal.syncAll();
    assert.equal(text(nodes(aliceCal.items.get(serverId), 'Calendar:Attendees')[0]?.[1] as ItemProps, 'Calendar:AttendeeStatus'), '3');
  });
});
