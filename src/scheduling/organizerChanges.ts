// Organizer side, step "decide" (src/scheduling/README.md): given the organizer's event before and
// after an edit, which iTIP messages (RFC 5546 REQUEST / CANCEL) must go out. Pure: no store, no
// mail, no clock (`o.now`). Delivery turns each PlannedMessage into IPM.Schedule.Meeting.Request /
// .Canceled mail (MS-ASEMAIL) or iMIP; REPLY handling lives elsewhere.
//
// Rules (the README repeats them; tests are named after them):
//  1. New meeting — no meeting before, now attendees and we organize it (rule 3) → one REQUEST,
//     MeetingMessageType 1, scope series (or the single event), to every attendee. A meeting whose
//     MeetingStatus goes back from cancelled to live is reinvited the same way ("meeting reinstated").
//  2. Meeting gone — deleted by the organizer, MeetingStatus cancelled (5/13), or every attendee
//     removed → one CANCEL, scope series, to every attendee it had.
//  3. Not a meeting → nothing: no attendees (other than the organizer) before and after, or the
//     organizer is someone else (OrganizerEmail ≠ o.organizer; without OrganizerEmail, a received
//     MeetingStatus 3/7/11/15 copy). Handing a meeting over to another organizer sends nothing.
//  4. Only what attendees see is compared, semantically: effective times (start, end, allDay,
//     recurrence as the RRULE it means, the zone only through the occurrences it yields), location,
//     subject, body (line endings and trailing blanks ignored), sensitivity (iTIP CLASS), online
//     meeting links, the attendee set (lower case). Never: reminder, categories, busy status,
//     dtStamp, easTimeZone, attendee names/status/type, JSON key or list order. Identical → nothing.
//  5. Attendees added → REQUEST type 1 to the new ones only; removed → CANCEL to the removed ones
//     only; the others hear only about other changes they see.
//  6. Series time or recurrence changed → ONE REQUEST type 2 (full update, resetResponses) for the
//     series to the remaining attendees; else subject/location/body/sensitivity/links → ONE REQUEST
//     type 3 (informational). Never one message per occurrence.
//  7. Exceptions, matched by originalStart (an all-day one by its local date): an override that is
//     new, changed or reverted → one REQUEST for that occurrence (type 2 + resetResponses if its
//     time changed, else 3); a newly deleted occurrence (Deleted, or MeetingStatus cancelled in the
//     exception) → one CANCEL for it; a restored one → REQUEST type 2. Attendees added to / removed
//     from one occurrence only → REQUEST type 1 / CANCEL for it, to them only. When the series time
//     or recurrence changed (rule 6), exception changes — a 16.x series edit drops them — travel
//     with the series update: no per-occurrence message.
//  8. Never a message about the past: an occurrence whose end (the later of its original and its
//     new end) is before `now` gets none; a meeting whose last occurrence ended before `now` gets
//     none at all (creation, update, cancellation). A series partly in the past is announced once,
//     and its messages say "past occurrences are not re-announced".
//  9. SEQUENCE = max(before.sequence, after.sequence) (0 if absent), +1 when a REQUEST type 2 or a
//     CANCEL is planned (RFC 5546 2.1.4: MUST for DTSTART, DTEND, DURATION, RRULE, RDATE, EXDATE,
//     STATUS and for every CANCEL). Types 1 and 3 keep it: they change nothing an answer depends on,
//     so replies to the current SEQUENCE stay valid. 2.1.4 leaves other properties, a distant new
//     LOCATION its example, to the organizer's judgement; Convene judges location informational.
import type { Attendee, Body, CalendarEvent, Exception, Location, Overrides } from '../calendar/model.js';
import { occurrenceStarts, seriesEnd, seriesStartOf, toRRule } from '../calendar/recurrence.js';
import { canonicalZone, icalTimeFromUtc, utcToLocal } from '../calendar/timezone.js';
import { zoneLookup } from '../calendar/window.js';

/** The whole meeting, or one occurrence of it named by its original start (iCalendar RECURRENCE-ID). */
export type MessageScope = { kind: 'series' } | { kind: 'occurrence'; recurrenceId: number };

export interface PlannedMessage {
  method: 'REQUEST' | 'CANCEL';
  /** Attendee addresses, lower case, sorted, never the organizer. */
  recipients: string[];
  scope: MessageScope;
  /** MS-ASEMAIL 2.2.2.47 email2:MeetingMessageType: 1 initial, 2 full update, 3 informational. CANCEL: 2. */
  meetingMessageType: 1 | 2 | 3;
  /** The recipients' AttendeeStatus goes back to 5 (not responded): their time changed. */
  resetResponses: boolean;
  /** What changed, for logs and tests. */
  reasons: string[];
}

export interface Plan {
  /** The SEQUENCE the stored event must now carry (rule 9). */
  sequence: number;
  messages: PlannedMessage[];
  /** What was compared, scope by scope, and what it showed: the decision trace (trace.ts) reads it. */
  compared: Comparison[];
}

/**
 * One scope the planner looked at: `changed` (what attendees see differs: `changes` says what),
 * `unchanged`, `past` (rule 8: nothing said about it), or `not a meeting` (rule 3).
 */
export interface Comparison {
  scope: MessageScope;
  outcome: 'changed' | 'unchanged' | 'past' | 'not a meeting';
  changes: string[];
}

export interface PlanOptions {
  /** UTC ms; occurrences ending before it are never announced. */
  now: number;
  /** The account's address: the organizer of the meetings it sends. */
  organizer: string;
}

export const PAST_NOTE = 'past occurrences are not re-announced';
export const FOLDED_NOTE = 'exception changes travel with the series update';
/** How far ahead two spellings of a recurrence are compared occurrence by occurrence. */
const PATTERN_HORIZON_MS = 2 * 366 * 86_400_000;
const SERIES: MessageScope = { kind: 'series' };

export function planOrganizerMessages(before: CalendarEvent | undefined, after: CalendarEvent | undefined, o: PlanOptions): Plan {
  const me = normalEmail(o.organizer);
  const base = Math.max(before?.sequence ?? 0, after?.sequence ?? 0);
  const pair = meetingPair(before, after, me);
  const compared: Comparison[] = [];
  const messages = pair ? diffMeeting(pair.before, pair.after, { now: o.now, me, why: pair.why, compared }) : [];
  if (!pair) compared.push({ scope: SERIES, outcome: 'not a meeting', changes: [] });
  const bump = messages.some(m => m.method === 'CANCEL' || m.meetingMessageType === 2);
  return { sequence: base + (bump ? 1 : 0), messages, compared };
}

// ---------------------------------------------------------------------------------------------
// Rules 1–3: which two meetings to compare. A side that is no live meeting becomes the other side
// without attendees, so "new meeting" and "meeting gone" are the attendee-set difference.

type Role = 'none' | 'foreign' | 'cancelled' | 'live';

interface Why {
  added: string;
  removed: string;
}

interface Ctx {
  now: number;
  me: string;
  why: Why;
  /** Each scope compared is noted here (Plan.compared). */
  compared: Comparison[];
}

interface MeetingPair {
  before: CalendarEvent;
  after: CalendarEvent;
  why: Why;
}

const EDIT: Why = { added: 'attendees added', removed: 'attendees removed' };

function meetingPair(before: CalendarEvent | undefined, after: CalendarEvent | undefined, me: string): MeetingPair | undefined {
  const rb = roleOf(before, me);
  const ra = roleOf(after, me);
  if (rb === 'foreign' || ra === 'foreign') return undefined;
  if (rb === 'live' && ra === 'live') return { before: before!, after: after!, why: EDIT };
  if (ra === 'live') {
    const added = rb === 'cancelled' ? 'meeting reinstated' : 'new meeting';
    return { before: withoutAttendees(after!), after: after!, why: { ...EDIT, added } };
  }
  if (rb === 'live') {
    const removed = ra === 'cancelled' ? 'meeting cancelled' : after ? 'all attendees removed' : 'meeting deleted';
    return { before: before!, after: withoutAttendees(before!), why: { ...EDIT, removed } };
  }
  return undefined;
}

function roleOf(e: CalendarEvent | undefined, me: string): Role {
  if (!e) return 'none';
  const organizer = e.organizer?.email;
  // MS-ASCAL MeetingStatus bits: 1 meeting, 2 received (user is an attendee), 4 cancelled.
  if (organizer ? normalEmail(organizer) !== me : hasBit(e.meetingStatus, 2)) return 'foreign';
  if (!recipientsOf(e.attendees, me).length) return 'none';
  return hasBit(e.meetingStatus, 4) ? 'cancelled' : 'live';
}

function withoutAttendees(e: CalendarEvent): CalendarEvent {
  const exceptions = e.exceptions?.map(x => ({ ...x, overrides: { ...x.overrides, attendees: undefined } }));
  return { ...e, attendees: [], exceptions };
}

// ---------------------------------------------------------------------------------------------
// Rules 4–8: the difference between two live meetings

/** One scope's difference: who joined, who left, who stayed, and what the stayers see changed. */
interface ScopeDiff {
  scope: MessageScope;
  added: string[];
  removed: string[];
  kept: string[];
  time: string[];
  info: string[];
  why: Why;
  /** Appended to the reasons of every message of this scope. */
  notes: string[];
}

function diffMeeting(b: CalendarEvent, a: CalendarEvent, ctx: Ctx): PlannedMessage[] {
  if (Math.max(lastEnd(b), lastEnd(a)) < ctx.now) { // rule 8: all of it is over
    ctx.compared.push({ scope: SERIES, outcome: 'past', changes: [] });
    return [];
  }
  const series = seriesDiff(b, a, ctx);
  noteCompared(ctx, series);
  const messages = messagesFor(series);
  if (series.time.length) return messages; // rule 7: exceptions travel with the full update
  const occurrences = occurrenceDiffs(b, a, ctx, series);
  for (const d of occurrences) noteCompared(ctx, d);
  return [...messages, ...occurrences.flatMap(messagesFor)];
}

function noteCompared(ctx: Ctx, d: ScopeDiff): void {
  const changes = [...(d.added.length ? [d.why.added] : []), ...(d.removed.length ? [d.why.removed] : []), ...d.time, ...d.info];
  ctx.compared.push({ scope: d.scope, outcome: changes.length ? 'changed' : 'unchanged', changes });
}

function seriesDiff(b: CalendarEvent, a: CalendarEvent, ctx: Ctx): ScopeDiff {
  const before = recipientsOf(b.attendees, ctx.me);
  const after = recipientsOf(a.attendees, ctx.me);
  const time = seriesTimeChanges(b, a, ctx.now);
  const notes: string[] = [];
  if (time.length && exceptionsDiffer(b, a)) notes.push(FOLDED_NOTE);
  if ((b.recurrence || a.recurrence) && Math.min(b.end, a.end) < ctx.now) notes.push(PAST_NOTE);
  return {
    scope: SERIES, added: minus(after, before), removed: minus(before, after), kept: intersect(after, before),
    time, info: infoChanges(b, a), why: ctx.why, notes,
  };
}

/** Rules 5 and 6: CANCEL to the removed, REQUEST 1 to the added, one update to the others. */
function messagesFor(d: ScopeDiff): PlannedMessage[] {
  const out: PlannedMessage[] = [];
  const message = (method: PlannedMessage['method'], recipients: string[], type: 1 | 2 | 3, reasons: string[]) => {
    const resetResponses = method === 'REQUEST' && type === 2;
    out.push({ method, recipients, scope: d.scope, meetingMessageType: type, resetResponses, reasons: [...reasons, ...d.notes] });
  };
  if (d.removed.length) message('CANCEL', d.removed, 2, [d.why.removed]);
  if (d.added.length) message('REQUEST', d.added, 1, [d.why.added]);
  if (d.kept.length && d.time.length) message('REQUEST', d.kept, 2, [...d.time, ...d.info]);
  else if (d.kept.length && d.info.length) message('REQUEST', d.kept, 3, d.info);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rule 7: occurrences

/** What attendees see of one occurrence, on one side of the edit. */
interface OccurrenceView {
  cancelled: boolean;
  start: number;
  end: number;
  allDay: boolean;
  /** The later of the occurrence's original end and its (moved) end. */
  lastEnd: number;
  info: Record<string, string>;
  attendees: string[];
}

function occurrenceDiffs(b: CalendarEvent, a: CalendarEvent, ctx: Ctx, series: ScopeDiff): ScopeDiff[] {
  if (!b.recurrence && !a.recurrence) return [];
  const xb = exceptionsByOccurrence(b);
  const xa = exceptionsByOccurrence(a);
  const out: ScopeDiff[] = [];
  for (const key of new Set([...xb.keys(), ...xa.keys()])) {
    const d = occurrenceDiff(side(b, xb.get(key)), side(a, xa.get(key)), ctx, series, a);
    if (d) out.push(d);
  }
  return out.sort((x, y) => recurrenceIdOf(x.scope) - recurrenceIdOf(y.scope));
}

interface Side {
  event: CalendarEvent;
  exception: Exception | undefined;
}

const side = (event: CalendarEvent, exception: Exception | undefined): Side => ({ event, exception });

function occurrenceDiff(b: Side, a: Side, ctx: Ctx, series: ScopeDiff, base: CalendarEvent): ScopeDiff | undefined {
  const originalStart = (a.exception ?? b.exception)!.originalStart;
  const vb = occurrenceView(b, originalStart, base, ctx.me);
  const va = occurrenceView(a, originalStart, base, ctx.me);
  if (Math.max(vb.lastEnd, va.lastEnd) < ctx.now) { // rule 8
    ctx.compared.push({ scope: { kind: 'occurrence', recurrenceId: originalStart }, outcome: 'past', changes: [] });
    return undefined;
  }
  if (vb.cancelled && va.cancelled) return undefined;
  const d: ScopeDiff = {
    scope: { kind: 'occurrence', recurrenceId: originalStart }, added: [], removed: [], kept: [], time: [], info: [],
    why: { added: 'attendees added to the occurrence', removed: 'attendees removed from the occurrence' }, notes: [],
  };
  if (va.cancelled) return { ...d, removed: minus(vb.attendees, series.removed), why: { ...d.why, removed: 'occurrence deleted' } };
  if (vb.cancelled) return { ...d, kept: minus(va.attendees, series.added), time: ['occurrence restored'] };
  return {
    ...d,
    added: minus(minus(va.attendees, vb.attendees), series.added),
    removed: minus(minus(vb.attendees, va.attendees), series.removed),
    kept: minus(intersect(va.attendees, vb.attendees), series.added),
    time: timeChanges(vb, va).map(f => `occurrence ${f}`),
    info: Object.keys(va.info).filter(k => va.info[k] !== vb.info[k]).map(k => `occurrence ${k}`),
  };
}

/**
 * One occurrence as attendees see it. Times come from the side's own series; information fields
 * the exception does not override come from `base` (the series after the edit) on both sides, so a
 * series-wide subject change is told once by the series message, not again per exception.
 */
function occurrenceView(s: Side, originalStart: number, base: CalendarEvent, me: string): OccurrenceView {
  const x = s.exception;
  const duration = s.event.end - s.event.start;
  // Both sides start from the same originalStart: an all-day exception may spell it differently.
  const start = x?.overrides.start ?? originalStart;
  const end = x?.overrides.end ?? start + duration;
  const info: Record<string, string> = {};
  for (const [name, read] of INFO_FIELDS) info[name] = read(x?.overrides ?? {}) ?? read(base) ?? '';
  return {
    cancelled: !!x && (!!x.deleted || hasBit(x.overrides.meetingStatus, 4)),
    start, end, allDay: x?.overrides.allDay ?? s.event.allDay,
    lastEnd: Math.max(originalStart + duration, end),
    info,
    attendees: recipientsOf(x?.overrides.attendees ?? s.event.attendees, me),
  };
}

/** Exceptions keyed by their occurrence: the exact original start, or an all-day one's local date. */
function exceptionsByOccurrence(e: CalendarEvent): Map<string, Exception> {
  return new Map((e.exceptions ?? []).map(x => [occurrenceKey(e, x.originalStart), x] as const));
}

function occurrenceKey(e: CalendarEvent, originalStart: number): string {
  if (!e.allDay) return String(originalStart);
  try {
    // As src/calendar/recurrence/occurrences.ts keyOf: the local date nearest the instant (a device's UTC
    // midnight still finds its day).
    const d = utcToLocal(e.timeZone, originalStart + 43_200_000);
    return `${d.year}-${d.month}-${d.day}`;
  } catch {
    return String(originalStart);
  }
}

function exceptionsDiffer(b: CalendarEvent, a: CalendarEvent): boolean {
  return stableJson(b.exceptions ?? []) !== stableJson(a.exceptions ?? []);
}

const recurrenceIdOf = (s: MessageScope) => (s.kind === 'occurrence' ? s.recurrenceId : -Infinity);

// ---------------------------------------------------------------------------------------------
// Rule 4: attendee-visible fields

/** Time fields of a series or an occurrence that differ. */
function timeChanges(b: { start: number; end: number; allDay: boolean }, a: typeof b): string[] {
  return (['start', 'end', 'allDay'] as const).filter(f => b[f] !== a[f]);
}

function seriesTimeChanges(b: CalendarEvent, a: CalendarEvent, now: number): string[] {
  const out = timeChanges(b, a);
  if (!b.recurrence && !a.recurrence) return out; // the zone of a single event only labels its instants
  if (!b.recurrence || !a.recurrence) return [...out, 'recurrence'];
  const sameRule = rruleOf(b) === rruleOf(a);
  if (sameRule && zoneKey(b) === zoneKey(a)) return out;
  if (sameOccurrences(b, a, now)) return out;
  return [...out, sameRule ? 'timeZone' : 'recurrence'];
}

/** The RRULE a recurrence means (defaults filled from DTSTART), or its JSON if it cannot be read. */
function rruleOf(e: CalendarEvent): string {
  try {
    const zone = zoneLookup(e.timeZone);
    const dtstart = seriesStartOf(icalTimeFromUtc(e.start, e.timeZone));
    return toRRule(e.recurrence!, dtstart, { allDay: e.allDay, zone });
  } catch {
    return stableJson(e.recurrence);
  }
}

const zoneKey = (e: CalendarEvent) => canonicalZone(e.timeZone) ?? e.timeZone;

/**
 * Two spellings (RRULE text, zone name) of one series: the same end and the same occurrence starts
 * over the next two years (from now, or from the later series start) mean the same for attendees.
 */
function sameOccurrences(b: CalendarEvent, a: CalendarEvent, now: number): boolean {
  const bare = (e: CalendarEvent): CalendarEvent => ({ ...e, exceptions: undefined });
  try {
    if (seriesEnd(bare(b), zoneLookup) !== seriesEnd(bare(a), zoneLookup)) return false;
    const from = Math.max(now, Math.min(b.start, a.start));
    const window = { from, to: from + PATTERN_HORIZON_MS };
    const xs = occurrenceStarts(bare(b), window, zoneLookup);
    const ys = occurrenceStarts(bare(a), window, zoneLookup);
    return xs.length === ys.length && xs.every((x, i) => x === ys[i]);
  } catch {
    return false;
  }
}

/**
 * Attendee-visible information fields, each read as a comparable string: undefined = not set
 * (an exception inherits it), '' = empty or the default.
 */
const INFO_FIELDS: ReadonlyArray<readonly [string, (o: Overrides) => string | undefined]> = [
  ['subject', o => o.subject?.trim()],
  ['location', o => (o.location === undefined ? undefined : locationKey(o.location))],
  ['body', o => (o.body === undefined ? undefined : bodyKey(o.body))],
  // iTIP CLASS: a private meeting hides its details in the attendee's shared calendar.
  ['sensitivity', o => (o.sensitivity === undefined ? undefined : o.sensitivity ? String(o.sensitivity) : '')],
  ['online meeting link', o => o.onlineMeetingConfLink?.trim()],
  ['online meeting external link', o => o.onlineMeetingExternalLink?.trim()],
];

function infoChanges(b: CalendarEvent, a: CalendarEvent): string[] {
  return INFO_FIELDS.filter(([, read]) => (read(b) ?? '') !== (read(a) ?? '')).map(([name]) => name);
}

function locationKey(l: Location): string {
  const fields = Object.entries(l)
    .map(([k, v]) => [k, typeof v === 'string' ? v.trim() : v] as const)
    .filter(([, v]) => v !== undefined && v !== '');
  return fields.length ? stableJson(Object.fromEntries(fields)) : '';
}

function bodyKey(body: Body): string {
  const text = (body.data ?? '').replace(/\r\n?/g, '\n').trimEnd();
  return text ? `${body.type}:${text}` : '';
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** The end of the meeting's last occurrence (exceptions applied); Infinity when endless or unknown. */
function lastEnd(e: CalendarEvent): number {
  try {
    return seriesEnd(e, zoneLookup) ?? Infinity;
  } catch {
    return Infinity;
  }
}

/** Attendee addresses as recipients: trimmed, lower case, no mailto:, no organizer, unique, sorted. */
function recipientsOf(attendees: Attendee[] | undefined, me: string): string[] {
  const emails = (attendees ?? []).map(x => normalEmail(x.email)).filter(x => x && x !== me);
  return [...new Set(emails)].sort();
}

const normalEmail = (s: string) => s.trim().replace(/^mailto:/i, '').toLowerCase();
const hasBit = (status: number | undefined, bit: number) => ((status ?? 0) & bit) !== 0;

/** Set difference and intersection of (small, lower-case) address lists; order of `xs` kept. */
function minus(xs: string[], ys: string[]): string[] {
  const drop = new Set(ys);
  return xs.filter(x => !drop.has(x));
}

function intersect(xs: string[], ys: string[]): string[] {
  const keep = new Set(ys);
  return xs.filter(x => keep.has(x));
}

/** JSON with sorted keys and undefined members left out, for order-blind comparison. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).filter(([, y]) => y !== undefined).sort(([p], [q]) => (p < q ? -1 : 1)))
      : x,
  ) ?? '';
}
