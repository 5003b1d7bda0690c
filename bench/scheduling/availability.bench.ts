// Free/busy of 50 people over 4 weeks (issue 18 part 4), on both stores: each person's calendar
// has one-off meetings (busy, tentative, out of office, free), a daily stand-up in Berlin time, and
// two weekly series with an occurrence moved and one deleted. Measured two ways: the one
// availability function (directory/availability.ts) for all 50 in-process, and a 16.1 device's
// ResolveRecipients with 50 To and Availability over 4 weeks (server time from Server-Timing).
// Reference in the same run: the same ResolveRecipients without Availability (the directory
// lookups alone). Target: under 100 ms server time on SQLite.
import type { Agent } from 'node:http';
import { roundsOnEachBackend, serverMs } from '../helpers.js';
import { importIcs } from '../../src/calendar/importExport.js';
import { mergedFreeBusy } from '../../src/calendar/freeBusy.js';
import { EasClient } from '../../src/client/EasClient.js';
import { busyTimesOf } from '../../src/directory/availability.js';
import type { Store } from '../../src/store/Store.js';
import { tags } from '../../src/wbxml/index.js';

const PEOPLE = 50;
const ROUNDS = 20;
const PASSWORD = 'bench-password';
const DAY = 86_400_000;
const rr = tags('ResolveRecipients');
const person = (i: number) => `person${i}@example.com`;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const BERLIN = ['BEGIN:VTIMEZONE', 'TZID:Europe/Berlin',
  'BEGIN:DAYLIGHT', 'DTSTART:19700329T020000', 'RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
  'BEGIN:STANDARD', 'DTSTART:19701025T030000', 'RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
  'END:VTIMEZONE'];

const utc = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const local = (ms: number) => utc(ms).replace('Z', '');

/** One person's calendar from `from` for six weeks: ~3 one-off meetings a working day and three series. */
function calendarOf(i: number, from: number): string {
  const events: string[][] = [];
  for (let d = 0; d < 42; d++) {
    const day = from + d * DAY;
    if (new Date(day).getUTCDay() % 6 === 0) continue;
    for (let k = 0; k < 3; k++) {
      const start = day + (9 + ((i + k * 3 + d) % 8)) * 3600_000;
      const kind = (i + d + k) % 10;
      const extra = kind === 0 ? ['X-MICROSOFT-CDO-BUSYSTATUS:TENTATIVE'] : kind === 1 ? ['X-MICROSOFT-CDO-BUSYSTATUS:OOF'] : kind === 2 ? ['TRANSP:TRANSPARENT'] : [];
      events.push([`UID:p${i}-d${d}-${k}`, `DTSTART:${utc(start)}`, `DTEND:${utc(start + 3600_000)}`, `SUMMARY:Meeting ${k}`, ...extra]);
    }
  }
  const monday = from + ((8 - new Date(from).getUTCDay()) % 7) * DAY;
  events.push([`UID:p${i}-standup`, `DTSTART;TZID=Europe/Berlin:${local(monday + 9 * 3600_000)}`, `DTEND;TZID=Europe/Berlin:${local(monday + 9.25 * 3600_000)}`,
    'RRULE:FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR', 'SUMMARY:Stand-up']);
  for (const [n, hour] of [[1, 14], [2, 16]] as const) {
    const first = monday + n * DAY + hour * 3600_000;
    events.push([`UID:p${i}-weekly${n}`, `DTSTART;TZID=Europe/Berlin:${local(first)}`, `DTEND;TZID=Europe/Berlin:${local(first + 3600_000)}`,
      'RRULE:FREQ=WEEKLY;COUNT=20', `EXDATE;TZID=Europe/Berlin:${local(first + 7 * DAY)}`, `SUMMARY:Weekly ${n}`]);
    events.push([`UID:p${i}-weekly${n}`, `RECURRENCE-ID;TZID=Europe/Berlin:${local(first + 14 * DAY)}`,
      `DTSTART;TZID=Europe/Berlin:${local(first + 14 * DAY + 3600_000)}`, `DTEND;TZID=Europe/Berlin:${local(first + 14 * DAY + 2 * 3600_000)}`, `SUMMARY:Weekly ${n} (moved)`]);
  }
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//bench//EN', ...BERLIN,
    ...events.flatMap(e => ['BEGIN:VEVENT', 'DTSTAMP:20261101T000000Z', ...e, 'END:VEVENT']), 'END:VCALENDAR', ''].join('\r\n');
}

export interface AvailabilityFigures {
  people: number; eventsPerPerson: number;
  functionMs: number; resolveServerMs: number; resolveWallMs: number; referenceServerMs: number;
}

export default function run(): Promise<Record<string, AvailabilityFigures>> {
  return roundsOnEachBackend(PASSWORD, round);
}

async function round(name: string, store: Store, url: string, agent: Agent, passwordHash: string): Promise<AvailabilityFigures> {
  const from = Math.floor(Date.now() / DAY) * DAY;
  const window = { from, to: from + 28 * DAY };
  const viewer = await store.createUser({ email: 'viewer@example.com', displayName: 'Viewer', passwordHash });
  const ids: number[] = [];
  let events = 0;
  for (let i = 0; i < PEOPLE; i++) {
    const u = await store.createUser({ email: person(i), displayName: `Person ${i}`, passwordHash });
    const result = await importIcs(store, u.id, calendarOf(i, from - 7 * DAY));
    if (result.failed.length) throw new Error(`${u.email}: ${result.failed[0]!.reason}`);
    events += result.added;
    ids.push(u.id);
  }

  const fn: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (const id of ids) mergedFreeBusy(await busyTimesOf(store, id, window), window);
    fn.push(performance.now() - t0);
  }

  const client = new EasClient({ baseUrl: url, user: viewer.email, password: PASSWORD, deviceId: 'FREEBUSY', version: '16.1', agent });
  const to = ids.map((_, i) => rr('To', person(i)));
  const ask = async (withAvailability: boolean) => {
    const options = withAvailability
      ? [rr('Options', [rr('Availability', [rr('StartTime', new Date(window.from).toISOString()), rr('EndTime', new Date(window.to).toISOString())])])]
      : [];
    const t0 = performance.now();
    const res = await client.send('ResolveRecipients', rr('ResolveRecipients', [...to, ...options]));
    const wall = performance.now() - t0;
    const answers = (res.body?.children ?? []).filter(c => c.name === 'Response');
    if (answers.length !== PEOPLE) throw new Error(`expected ${PEOPLE} Responses, got ${answers.length}`);
    if (withAvailability && !answers.every(a => /^[0-4]+$/.test(a.child('Recipient')?.child('Availability')?.childText('MergedFreeBusy') ?? ''))) {
      throw new Error('a Response without MergedFreeBusy');
    }
    return { wall, server: serverMs(res.headers) };
  };
  await ask(true);
  const withFb: { wall: number; server: number }[] = [];
  const without: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    withFb.push(await ask(true));
    without.push((await ask(false)).server);
  }
  const figures: AvailabilityFigures = {
    people: PEOPLE, eventsPerPerson: Math.round(events / PEOPLE),
    functionMs: median(fn), resolveServerMs: median(withFb.map(x => x.server)), resolveWallMs: median(withFb.map(x => x.wall)),
    referenceServerMs: median(without),
  };
  console.log(`[${name}] free/busy of ${PEOPLE} people (~${figures.eventsPerPerson} events each) over 4 weeks: ` +
    `availability function ${figures.functionMs.toFixed(1)} ms for all; ResolveRecipients server ${figures.resolveServerMs.toFixed(1)} ms ` +
    `(wall ${figures.resolveWallMs.toFixed(1)} ms; target < 100 ms on SQLite), the same without Availability ${figures.referenceServerMs.toFixed(1)} ms`);
  return figures;
}
