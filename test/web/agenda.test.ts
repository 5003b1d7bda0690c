// The console's read-only week (src/web/console/agendaPage.ts) over real HTTP on both stores: a
// weekly meeting made by a 16.1 organizer device, one occurrence moved, shown in the organizer's
// and an attendee's week with every attendee's answer; escaped; nobody else's; bad input is 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { consoleMount } from '../../src/web/console/mount.js';
import { session } from '../helpers/console.js';
import { folderId, startServer, syncedDevice, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
// A Monday two weeks ahead, 09:00 UTC: the series' first occurrence.
const MONDAY = (() => { const d = Math.floor(Date.now() / DAY) * DAY + 14 * DAY; return d - ((new Date(d).getUTCDay() + 6) % 7) * DAY; })();
const FIRST = MONDAY + 9 * HOUR;
const iso = (at: number) => new Date(at).toISOString().slice(0, 10);

function weekly(subject: string): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('UTC', 2026))], ['Calendar:AllDayEvent', '0'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', formatCompact(FIRST)], ['Calendar:EndTime', formatCompact(FIRST + HOUR)], ['Calendar:MeetingStatus', '1'],
    ['Calendar:Attendees', ['bob@example.com'].map(e => ['Calendar:Attendee', [['Calendar:Email', e], ['Calendar:AttendeeType', '1']]] as ItemProps[number])],
    ['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '4'], ['Calendar:DayOfWeek', '2']]],
  ];
}

for (const backend of BACKENDS) describe(`console agenda (${backend.name})`, () => {
  let t: TestServer;
  const page = async (who: string, query: string) => {
    const s = await session(t.url, who);
    const res = await fetch(`${t.url}/console/me/agenda${query}`, { headers: { cookie: s.cookie } });
    return { status: res.status, html: await res.text() };
  };

  before(async () => {
    t = await startServer({ backend, users: ['alice@example.com', 'bob@example.com', 'carol@example.com'], server: { mounts: [consoleMount()] } });
    const cal = await folderId(t, 'alice@example.com', FolderType.Calendar);
    const { collection } = await syncedDevice(t, 'alice@example.com', cal, { version: '16.1', deviceId: 'ALICE1' });
    const r = await collection.sync([{ kind: 'Add', clientId: 'w', props: weekly('Stand-up <script>alert(1)</script>') }]);
    // The third occurrence moves to Wednesday 14:00.
    const third = FIRST + 2 * WEEK;
    await collection.sync([{ kind: 'Change', serverId: r.added.get('w')!.serverId!, instanceId: formatCompact(third),
      props: [['Calendar:StartTime', formatCompact(third + 2 * DAY + 5 * HOUR)], ['Calendar:EndTime', formatCompact(third + 2 * DAY + 6 * HOUR)]] }]);
  });
  after(() => t?.close());

  it('the organizer\'s week: the occurrence, the organizer and each attendee\'s answer, escaped', async () => {
    const { status, html } = await page('alice@example.com', `?week=${iso(MONDAY)}`);
    assert.equal(status, 200);
    assert.match(html, /09:00–10:00 Stand-up &#60;script&#62;alert\(1\)&#60;\/script&#62;/);
    assert.doesNotMatch(html, /<script>alert/);
    assert.match(html, /bob@example\.com: <span class="answer">no answer<\/span>/);
  });

  it('the week of the moved occurrence shows it on its new day and time, once', async () => {
    const { html } = await page('alice@example.com', `?week=${iso(MONDAY + 2 * WEEK)}`);
    assert.equal(html.match(/Stand-up/g)?.length, 1);
    assert.match(html, /14:00–15:00 Stand-up/);
    assert.match(html, /Wednesday/);
  });

  it('the attendee sees the meeting with their own answer; times follow the zone asked for', async () => {
    const { html } = await page('bob@example.com', `?week=${iso(MONDAY)}&tz=Asia/Tokyo`);
    assert.match(html, /18:00–19:00 Stand-up/);
    assert.match(html, /Your answer: not responded/);
  });

  it('another account\'s meetings never appear', async () => {
    const { html } = await page('carol@example.com', `?week=${iso(MONDAY)}`);
    assert.doesNotMatch(html, /Stand-up/);
    assert.match(html, /Nothing this week/);
  });

  it('a bad week or zone is a 400 page', async () => {
    for (const q of ['?week=2026-02-30', '?week=yesterday', '?tz=Mars/Olympus', `?tz=${'A'.repeat(200)}`]) {
      assert.equal((await page('alice@example.com', q)).status, 400, q);
    }
  });
});
