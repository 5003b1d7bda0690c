// Scheduling cost over real HTTP on both stores: a 16.1 organizer's Sync Add of one meeting with
// 500 local attendees (each gets a request in the Inbox and a tentative calendar item before the
// Sync is answered), then attendees answering MeetingResponse accept with SendResponse (each answer
// rewrites the organizer's copy with that attendee's status and puts a reply in the organizer's
// Inbox). Reference in the same run: the organizer's Add of the same meeting without attendees, and
// a no-change Sync. Statements are the store's own counts (Store.statementCounts()).
import type { Agent } from 'node:http';
import { roundsOnEachBackend, serverMs } from '../helpers.js';
import { encodeTimeZoneBlob, formatCompact, timeZoneInfoForIana } from '../../src/calendar/timezone.js';
import { CollectionMirror } from '../../src/client/collection.js';
import { EasClient } from '../../src/client/EasClient.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import type { Store } from '../../src/store/Store.js';
import { FolderType, type ItemProps } from '../../src/store/types.js';
import { serverIdOf } from '../../src/sync/collection.js';
import { tags } from '../../src/wbxml/index.js';

const ATTENDEES = Number(process.env.MEETING_BENCH_ATTENDEES ?? 500);
const ANSWERS = Math.min(ATTENDEES, Number(process.env.MEETING_BENCH_ANSWERS ?? 200));
const PASSWORD = 'bench-password';
const HOUR = 3600_000;
const START = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(8, 0, 0, 0); return d.getTime(); })();
const mr = tags('MeetingResponse');
const f = tags('FolderHierarchy');

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const attendee = (i: number): string => `att${i}@example.com`;

function meeting(subject: string, attendees: number): ItemProps {
  return [
    ['Calendar:Timezone', encodeTimeZoneBlob(timeZoneInfoForIana('Europe/Berlin', 2026))], ['Calendar:AllDayEvent', '0'],
    ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject], ['Calendar:StartTime', formatCompact(START)],
    ['Calendar:EndTime', formatCompact(START + HOUR)], ['Calendar:MeetingStatus', '1'],
    ...(attendees ? [['Calendar:Attendees', Array.from({ length: attendees }, (_, i): ItemProps[number] => ['Calendar:Attendee', [
      ['Calendar:Email', attendee(i)], ['Calendar:Name', `Attendee ${i}`], ['Calendar:AttendeeType', '1']]])]] as ItemProps : []),
  ];
}

export interface MeetingFigures {
  attendees: number;
  inviteMs: number; inviteServerMs: number; inviteStatements: number; statementsPerAttendee: number;
  referenceAddMs: number; noChangeSyncMs: number;
  answers: number; responseP50Ms: number; responseP99Ms: number; responseServerP50Ms: number; responseServerP99Ms: number;
  statementsPerResponse: number; responseServerMaxMs: number;
}

export default function run(): Promise<Record<string, MeetingFigures>> {
  return roundsOnEachBackend(PASSWORD, round);
}

async function round(name: string, store: Store, url: string, agent: Agent, passwordHash: string): Promise<MeetingFigures> {
  const organizer = await store.createUser({ email: 'organizer@example.com', displayName: 'Organizer', passwordHash });
  const users = [];
  for (let i = 0; i < ATTENDEES; i++) users.push(await store.createUser({ email: attendee(i), displayName: `Attendee ${i}`, passwordHash }));
  const calendar = (await store.listFolders(organizer.id)).find(x => x.type === FolderType.Calendar)!;
  const client = new EasClient({ baseUrl: url, user: organizer.email, password: PASSWORD, deviceId: 'ORGANIZER', version: '16.1', agent });
  await new FolderHierarchyMirror(client).sync();
  const mirror = new CollectionMirror(client, String(calendar.id));
  await mirror.sync();
  await mirror.syncAll();

  // References: a no-change Sync, and the same Add without attendees.
  const noChange: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t0 = performance.now();
    if (!(await mirror.sync()).empty) throw new Error('expected no changes');
    noChange.push(performance.now() - t0);
  }
  let t0 = performance.now();
  await mirror.sync([{ kind: 'Add', clientId: 'ref', props: meeting('Reference', 0) }]);
  const referenceAddMs = performance.now() - t0;

  const c0 = store.statementCounts();
  t0 = performance.now();
  const added = await mirror.sync([{ kind: 'Add', clientId: 'big', props: meeting('All hands', ATTENDEES) }]);
  const inviteMs = performance.now() - t0;
  const inviteStatements = store.statementCounts().statements - c0.statements;
  if (!added.added.get('big')?.serverId) throw new Error('the meeting was not added');
  const inviteServerMs = serverMs(added.response.headers);

  // Every attendee got the request before the Sync was answered (delivery is in the request).
  const requests: Array<{ user: string; inbox: number; serverId: string }> = [];
  for (const u of users.slice(0, ANSWERS)) {
    const inbox = (await store.listFolders(u.id)).find(x => x.type === FolderType.Inbox)!;
    const ids = await store.liveItemIds(inbox.id);
    if (ids.length !== 1) throw new Error(`${u.email}: expected one request in the Inbox, found ${ids.length}`);
    requests.push({ user: u.email, inbox: inbox.id, serverId: serverIdOf(inbox.id, ids[0]) });
  }
  // Each attendee's device logs on once first, so the answer's time is not the first logon's scrypt.
  const devices = requests.map(r => new EasClient({ baseUrl: url, user: r.user, password: PASSWORD, deviceId: `A${r.inbox}`, version: '16.1', agent }));
  for (const d of devices) await d.send('FolderSync', f('FolderSync', [f('SyncKey', '0')]));

  const wall: number[] = [];
  const server: number[] = [];
  const c1 = store.statementCounts();
  for (const [i, r] of requests.entries()) {
    const t = performance.now();
    const res = await devices[i].send('MeetingResponse', mr('MeetingResponse', [mr('Request', [
      mr('UserResponse', 1), mr('CollectionId', String(r.inbox)), mr('RequestId', r.serverId), mr('SendResponse'),
    ])]));
    wall.push(performance.now() - t);
    server.push(serverMs(res.headers));
    if (res.body?.child('Result')?.childText('Status') !== '1') throw new Error(`${r.user}: MeetingResponse Status ${res.body?.child('Result')?.childText('Status')}`);
  }
  const statementsPerResponse = (store.statementCounts().statements - c1.statements) / requests.length;
  const own = (await store.findItemsByUid(organizer.id, (await store.getItem(organizer.id, Number(added.added.get('big')!.serverId!.split(':')[1])))!.event!.uid))
    .find(i => i.folderId === calendar.id)!;
  const accepted = own.event!.attendees!.filter(a => a.status === 3).length;
  if (accepted !== ANSWERS) throw new Error(`expected ${ANSWERS} accepted on the organizer's copy, found ${accepted}`);

  const figures: MeetingFigures = {
    attendees: ATTENDEES, inviteMs, inviteServerMs, inviteStatements, statementsPerAttendee: inviteStatements / ATTENDEES,
    referenceAddMs, noChangeSyncMs: pct(noChange, 0.5),
    answers: requests.length, responseP50Ms: pct(wall, 0.5), responseP99Ms: pct(wall, 0.99),
    responseServerP50Ms: pct(server, 0.5), responseServerP99Ms: pct(server, 0.99), statementsPerResponse,
    responseServerMaxMs: Math.max(...server),
  };
  console.log(`[${name}] one invitation to ${ATTENDEES} local attendees: ${inviteMs.toFixed(0)} ms total (server ${inviteServerMs.toFixed(0)} ms; target ≤ 1000), ` +
    `${inviteStatements} statements, ${figures.statementsPerAttendee.toFixed(1)} per attendee; reference: the same Add without attendees ${referenceAddMs.toFixed(1)} ms, ` +
    `no-change Sync p50 ${figures.noChangeSyncMs.toFixed(2)} ms`);
  console.log(`[${name}] MeetingResponse accept with SendResponse, ${requests.length} attendees of the ${ATTENDEES}-attendee meeting: ` +
    `server p50 ${figures.responseServerP50Ms.toFixed(1)} ms / p99 ${figures.responseServerP99Ms.toFixed(1)} ms / max ${figures.responseServerMaxMs.toFixed(1)} ms ` +
    `(target p99 ≤ ${name === 'sqlite' ? 15 : 30} ms), request p50 ${figures.responseP50Ms.toFixed(1)} / p99 ${figures.responseP99Ms.toFixed(1)} ms, ` +
    `${statementsPerResponse.toFixed(1)} statements each; slowest: ${[...server].sort((a, b) => b - a).slice(0, 5).map(x => x.toFixed(0)).join(', ')} ms, ` +
    `at answers ${[...server.keys()].sort((a, b) => server[b] - server[a]).slice(0, 5).join(', ')}`);
  return figures;
}
