// The meeting walkthrough `convene demo` plays (issue 17, shared/spec/README.md), through the client
// library only — what real phones would send. Every step checks what it claims and says it in
// one sentence; a claim that does not hold stops the demo (exit 1).
import type { CollectionMirror } from '../client/collection.js';
import { sendMail } from '../client/commands/mail.js';
import { meetingResponse } from '../client/commands/meeting.js';
import { EasClient, type Exchange } from '../client/EasClient.js';
import { EasSession } from '../client/session.js';
import { propChildren, propText } from '../store/props.js';
import type { ItemProps } from '../store/types.js';
import { CliError } from './errors.js';

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
/** TIME_ZONE_INFORMATION of UTC: 172 zero bytes (MS-ASCAL 2.2.2.42). */
const UTC_BLOB = Buffer.alloc(172).toString('base64');
const compact = (t: number) => new Date(t).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');

export interface DemoPeople { url: string; password: string; alice: string; bob: string }
export interface DemoOutcome { received: Record<string, string[]>; statuses: { meeting: string; status: string }[] }

type Say = (sentence: string) => void;

function check(ok: unknown, claim: string): void {
  if (!ok) throw new CliError(`the demo went wrong: ${claim}`);
}

function meeting(subject: string, start: number, bob: string, recurring = false): ItemProps {
  return [
    ['Calendar:Timezone', UTC_BLOB], ['Calendar:AllDayEvent', '0'], ['Calendar:BusyStatus', '2'], ['Calendar:Subject', subject],
    ['Calendar:StartTime', compact(start)], ['Calendar:EndTime', compact(start + HOUR)], ['Calendar:Sensitivity', '0'],
    ['Calendar:MeetingStatus', '1'], ['Calendar:Reminder', '15'],
    ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', bob], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]]]],
    ...(recurring ? [['Calendar:Recurrence', [['Calendar:Type', '1'], ['Calendar:Interval', '1'], ['Calendar:Occurrences', '5'],
      ['Calendar:DayOfWeek', String(1 << new Date(start).getUTCDay())]]] as [string, ItemProps]] : []),
  ];
}

/** A message in words: a request, an update of one occurrence, an acceptance. */
function kindOf(m: ItemProps): string {
  const request = propChildren(m, 'Email:MeetingRequest');
  if (classOf(m) === 'IPM.Schedule.Meeting.Request') {
    return propText(request ?? [], 'Email:InstanceType') === '3' ? `update of the occurrence on ${propText(request ?? [], 'Email:StartTime')?.slice(0, 10)}` : 'meeting request';
  }
  if (classOf(m) === 'IPM.Schedule.Meeting.Resp.Pos') return 'acceptance';
  return classOf(m) ?? 'mail';
}

const subjectOf = (p: ItemProps) => propText(p, 'Email:Subject') ?? propText(p, 'Calendar:Subject');
const classOf = (p: ItemProps) => propText(p, 'Email:MessageClass');
/** Bob's AttendeeStatus on the organizer's copy (MS-ASCAL 2.2.2.4). */
const bobStatus = (item: ItemProps | undefined) => propText((propChildren(item ?? [], 'Calendar:Attendees')?.[0]?.[1] ?? []) as ItemProps, 'Calendar:AttendeeStatus');

export async function playWalkthrough(p: DemoPeople, say: Say, onExchange: ((who: string, x: Exchange) => void) | undefined): Promise<DemoOutcome> {
  const device = async (user: string, deviceId: string, version: string) => {
    const client = new EasClient({ baseUrl: p.url, user, password: p.password, deviceId, deviceType: 'DemoPhone', version, autoProvision: true });
    if (onExchange) client.onExchange(x => onExchange(`${user.split('@')[0]} ${version}`, x));
    const session = new EasSession(client);
    check(await session.folderSync() === 1, `${user}'s FolderSync`);
    const open = async (type: number) => {
      const c = session.collection(session.folders.byType(type)!.serverId);
      await c.syncAll();
      return c;
    };
    return { client, session, inbox: await open(2), calendar: await open(8) };
  };
  /** What arrived in an Inbox since the last look. */
  const fresh = async (c: CollectionMirror): Promise<ItemProps[]> => {
    const before = new Set(c.items.keys());
    await c.syncAll();
    return [...c.items.entries()].filter(([id]) => !before.has(id)).map(([, props]) => props);
  };
  const received: Record<string, string[]> = { Alice: [], Bob: [] };
  const note = (who: string, mail: ItemProps[]) => received[who]!.push(...mail.map(m => `"${subjectOf(m)}" (${kindOf(m)})`));
  const statuses: DemoOutcome['statuses'] = [];
  const start = (() => { const d = new Date(Date.now() + 3 * 24 * HOUR); d.setUTCHours(9, 0, 0, 0); return d.getTime(); })();

  const alice = await device(p.alice, 'ALICE161', '16.1');
  const bob = await device(p.bob, 'BOB161', '16.1');
  say('Alice and Bob each have a 16.1 phone with their folders synced.');

  // Part 1: 16.1 throughout — the server sends the invitation and the answer.
  const added = await alice.calendar.sync([{ kind: 'Add', clientId: 'kickoff', props: meeting('Project kickoff', start, p.bob) }]);
  check(added.added.get('kickoff')?.status === 1, 'Alice\'s Calendar Add');
  say('Alice\'s 16.1 phone adds "Project kickoff" to her calendar with Bob as attendee (Sync Add); the server invites Bob.');
  let mail = await fresh(bob.inbox);
  note('Bob', mail);
  const request = [...bob.inbox.items.entries()].find(([, m]) => subjectOf(m) === 'Project kickoff' && classOf(m) === 'IPM.Schedule.Meeting.Request');
  check(request, 'Bob\'s Inbox has the meeting request');
  await bob.calendar.syncAll();
  const placeholder = [...bob.calendar.items.values()].find(m => subjectOf(m) === 'Project kickoff');
  check(propText(placeholder ?? [], 'Calendar:ResponseType') === '5' && propText(placeholder ?? [], 'Calendar:BusyStatus') === '1', 'Bob\'s tentative calendar item');
  say('Bob\'s Inbox sync shows the meeting request, and his calendar already holds the meeting as tentative (BusyStatus 1, ResponseType 5).');
  const answer = await meetingResponse(bob.client, [{ response: 'accept', collectionId: bob.inbox.collectionId, requestId: request![0] }]);
  check(answer.results[0]?.status === 1, 'Bob\'s MeetingResponse');
  say('Bob accepts from his Inbox (MeetingResponse with SendResponse): Status 1, and the server answers Alice for him.');
  mail = await fresh(alice.inbox);
  note('Alice', mail);
  check(mail.some(m => subjectOf(m) === 'Accepted: Project kickoff' && classOf(m) === 'IPM.Schedule.Meeting.Resp.Pos'), 'Alice\'s Inbox has the acceptance');
  await alice.calendar.syncAll();
  const kickoff = [...alice.calendar.items.values()].find(m => subjectOf(m) === 'Project kickoff');
  check(bobStatus(kickoff) === '3', 'AttendeeStatus 3 on Alice\'s calendar');
  statuses.push({ meeting: 'Project kickoff', status: bobStatus(kickoff)! });
  say('Alice\'s Inbox receives "Accepted: Project kickoff" and her calendar shows Bob with AttendeeStatus 3 (accepted).');

  // Part 2: Bob's 14.1 phone has no SendResponse; it mails the iCalendar REPLY itself.
  const bob14 = await device(p.bob, 'BOB141', '14.1');
  await alice.calendar.sync([{ kind: 'Add', clientId: 'budget', props: meeting('Budget review', start + 2 * HOUR, p.bob) }]);
  mail = await fresh(bob14.inbox);
  note('Bob', mail);
  const request14 = [...bob14.inbox.items.entries()].find(([, m]) => subjectOf(m) === 'Budget review' && classOf(m) === 'IPM.Schedule.Meeting.Request');
  check(request14, 'the request on Bob\'s 14.1 phone');
  say('Alice invites Bob to "Budget review"; Bob\'s second phone, which speaks 14.1, finds the request in his Inbox.');
  const answer14 = await meetingResponse(bob14.client, [{ response: 'accept', collectionId: bob14.inbox.collectionId, requestId: request14![0] }]);
  check(answer14.results[0]?.status === 1, 'Bob\'s 14.1 MeetingResponse');
  await bob14.calendar.syncAll();
  const budget = [...bob14.calendar.items.values()].find(m => subjectOf(m) === 'Budget review')!;
  const sent = await sendMail(bob14.client, replyMime(p.bob, p.alice, budget), { saveInSentItems: false });
  check(sent.ok, 'Bob\'s SendMail of the REPLY');
  say('Bob\'s 14.1 phone accepts with MeetingResponse (14.1 has no SendResponse) and mails the iCalendar REPLY to Alice itself with SendMail.');
  mail = await fresh(alice.inbox);
  note('Alice', mail);
  check(mail.some(m => subjectOf(m) === 'Accepted: Budget review'), 'Alice\'s Inbox has the 14.1 acceptance');
  await alice.calendar.syncAll();
  const budgetAlice = [...alice.calendar.items.values()].find(m => subjectOf(m) === 'Budget review');
  check(bobStatus(budgetAlice) === '3', 'AttendeeStatus 3 from the 14.1 answer');
  statuses.push({ meeting: 'Budget review', status: bobStatus(budgetAlice)! });
  say('Alice\'s Inbox receives "Accepted: Budget review" and her calendar shows Bob with AttendeeStatus 3 again.');

  // Part 3: a weekly series — one occurrence moved, then the unchanged series saved again.
  const first = start + WEEK;
  const series = await alice.calendar.sync([{ kind: 'Add', clientId: 'weekly', props: meeting('Team sync', first, p.bob, true) }]);
  const seriesId = series.added.get('weekly')?.serverId;
  check(seriesId, 'the weekly series was added');
  mail = await fresh(bob.inbox);
  note('Bob', mail);
  check(mail.length === 1, 'one request for the series');
  say('Alice creates "Team sync", weekly for five weeks; Bob receives one request for the whole series.');
  const third = first + 2 * WEEK;
  const moved = await alice.calendar.sync([{ kind: 'Change', serverId: seriesId!, instanceId: compact(third),
    props: [['Calendar:StartTime', compact(third + 2 * HOUR)], ['Calendar:EndTime', compact(third + 3 * HOUR)]] }]);
  check(moved.status === 1, 'the occurrence move');
  mail = await fresh(bob.inbox);
  note('Bob', mail);
  const update = mail.map(m => propChildren(m, 'Email:MeetingRequest') ?? []);
  check(mail.length === 1 && propText(update[0]!, 'Email:InstanceType') === '3', 'exactly one update, for one occurrence');
  say(`Alice moves the third occurrence two hours later (Sync Change with InstanceId ${compact(third)}): Bob receives exactly one update, for that date only.`);
  await alice.calendar.sync([{ kind: 'Change', serverId: seriesId!, props: meeting('Team sync', first, p.bob, true) }]);
  mail = await fresh(bob.inbox);
  check(mail.length === 0, 'nothing for an unchanged series');
  say('Alice\'s phone saves the unchanged series again: the server sees nothing new and Bob receives nothing.');
  return { received, statuses };
}

/** An iCalendar REPLY as a 14.1 phone writes it (RFC 5546 3.2.3), in a multipart/alternative mail. */
function replyMime(from: string, to: string, item: ItemProps): Buffer {
  const subject = `Accepted: ${subjectOf(item)}`;
  const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Convene demo phone//EN', 'METHOD:REPLY', 'BEGIN:VEVENT',
    `UID:${propText(item, 'Calendar:UID')}`, `DTSTAMP:${compact(Date.now())}`, 'SEQUENCE:0',
    `DTSTART:${propText(item, 'Calendar:StartTime')}`, `DTEND:${propText(item, 'Calendar:EndTime')}`,
    `ORGANIZER:mailto:${to}`, `ATTENDEE;PARTSTAT=ACCEPTED;CN=Bob:mailto:${from}`, `SUMMARY:${subjectOf(item)}`,
    'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  return Buffer.from([`From: Bob <${from}>`, `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', `Date: ${new Date().toUTCString()}`,
    'Content-Type: multipart/alternative; boundary="demo"', '', '--demo', 'Content-Type: text/plain; charset=utf-8', '', 'Yes, I will be there.',
    '--demo', 'Content-Type: text/calendar; charset=utf-8; method=REPLY', '', ics, '--demo--', ''].join('\r\n'));
}
