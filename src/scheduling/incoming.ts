// iTIP that arrives by SMTP from other servers (RFC 6047 iMIP) for accounts here. An organizer
// elsewhere: REQUEST/CANCEL reach the local attendees as meeting mail (`delivery.ts`). An attendee
// elsewhere: REPLY/COUNTER reach the local organizer (`replies.ts`), only when newer than the last
// answer applied (RFC 5546 2.1.5: SEQUENCE, then DTSTAMP). Who may act (RFC 6047 3): the From
// address, authenticated (src/mail/auth.ts), is the ORGANIZER (REQUEST, CANCEL) or the ATTENDEE
// (REPLY, COUNTER) — or one they name in SENT-BY. docs/mail-inbound.md has the decisions.
import { exceptionAt } from '../calendar/exceptions.js';
import { icsToEvents, unescapeText } from '../calendar/ical.js';
import type { Attendee, AttendeeStatus, CalendarEvent } from '../calendar/model.js';
import { formatCompact, formatExtended } from '../calendar/timezone.js';
import type { SenderAuth } from '../mail/auth.js';
import { domainOf } from '../mail/headers.js';
import { mailbox, mailItemProps } from '../mail/item.js';
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { Store } from '../store/Store.js';
import { FolderType, type Item, type User } from '../store/types.js';
import { deliverToAttendee } from './delivery.js';
import { meetingCopy } from './calendars.js';
import type { Handled } from './itip.js';
import { answerRefresh } from './refresh.js';
import { applyReply, type PartStat } from './replies.js';
import { scopeLabel, traced, TraceRecorder, type TraceStep } from './trace.js';

export interface IncomingItip {
  /** SMTP MAIL FROM ('' for the null sender). */
  envelopeFrom: string;
  /** The address of the RFC 5322 From header, if the message has one. */
  headerFrom: string | undefined;
  /** What SPF/DKIM/DMARC say about the sender (src/mail/auth.ts). */
  auth: SenderAuth;
  /** The local accounts the message was delivered to (RCPT TO). */
  recipients: User[];
  /** METHOD of the text/calendar part. */
  method: string;
  ics: string;
}

type Log = (msg: string) => void;

export interface ItipOutcome {
  /** Recipients (lower-case addresses) reached as meeting mail or as an answer on their calendar. */
  handled: Handled;
  /** Recipient → why the meeting message was not applied, shown atop the plain copy it gets. */
  notes: Map<string, string>;
}

/** What one message's handlers share: the message, its SENT-BY delegates, the outcome so far. */
interface Routing {
  msg: IncomingItip;
  sentBy: Map<string, Set<string>>;
  out: ItipOutcome;
  log: Log;
  /** The decision trace of this message (trace.ts), written with what it changes. */
  trace: TraceRecorder;
}

/**
 * Routes one iMIP message: recipients it reached get no plain copy; everyone else gets the message
 * as mail, with a note when it was refused. Throws CalendarError (unreadable iCalendar) before it
 * changes anything.
 */
export async function receiveItip(store: Store, msg: IncomingItip, log: Log): Promise<ItipOutcome> {
  const method = msg.method.toUpperCase();
  const events = icsToEvents(msg.ics, { method });
  const trace = new TraceRecorder({ via: 'imip', from: msg.headerFrom, envelopeFrom: msg.envelopeFrom, auth: msg.auth.summary });
  const r: Routing = { msg, sentBy: sentByOf(msg.ics), out: { handled: new Set(), notes: new Map() }, log, trace };
  await traced(store, trace, async tx => {
    r.out.handled.clear(); // the transaction may run again (docs/store.md)
    r.out.notes.clear();
    await tx.lockAccounts(msg.recipients.map(u => u.id));
    for (const event of events) {
      for (const u of msg.recipients) noteOn(r, u, event, 'edit', `iMIP ${method} arrived for ${scopeLabel(event.recurrenceId)} (SEQUENCE ${event.sequence ?? 0})`, { method });
      if (method === 'REQUEST' || method === 'CANCEL') await announce(tx, r, method, event);
      else if (method === 'REPLY' || method === 'COUNTER') await answer(tx, r, method, event);
      else if (method === 'REFRESH') await refresh(tx, r, event);
      // RFC 5546 3.2.8: the organizer turned a proposal down; the meeting stands as it is. Shown as mail.
      else if (method === 'DECLINECOUNTER') log(`iMIP DECLINECOUNTER for ${event.uid} from ${msg.headerFrom ?? '(no From)'}: a proposed time was declined; delivered as mail, no calendar changes`);
      else log(`iMIP ${method} for ${event.uid} from ${msg.envelopeFrom || '<>'}: not a method Convene acts on; delivered as mail`);
    }
  });
  return r.out;
}

/** Logs a refusal and notes it for the recipients concerned (and in the trace); their copy is plain mail. */
function refuse(r: Routing, event: CalendarEvent, recipients: User[], logLine: string, note: string): void {
  r.log(logLine);
  for (const u of recipients) {
    if (!r.out.notes.has(u.email)) r.out.notes.set(u.email, note);
    noteOn(r, u, event, 'refused', note);
  }
}

/** A trace note on `user`'s account about this meeting. */
function noteOn(r: Routing, user: User, event: CalendarEvent, step: TraceStep, text: string, data?: Record<string, unknown>): void {
  r.trace.note({ step, userId: user.id, uid: event.uid, subject: event.subject, recurrenceId: event.recurrenceId, text, data });
}

/** RFC 6047 3: the From address passed authentication (its domain is the one SPF/DKIM/DMARC vouch for). */
function authenticated(msg: IncomingItip): boolean {
  return !!msg.headerFrom && !!msg.auth.fromDomain && domainOf(msg.headerFrom) === msg.auth.fromDomain;
}

/**
 * `principal` itself, or an address it names in SENT-BY (RFC 5545 3.2.18), is `from`; or `from` is
 * of a calendar service that speaks for the principal's domain (iCloud: SenderAuth.speaksFor).
 */
function actsFor(r: Routing, from: string | undefined, principal: string): boolean {
  if (!from) return false;
  if (from === principal || r.sentBy.get(principal)?.has(from)) return true;
  return domainOf(from) === r.msg.auth.fromDomain && !!r.msg.auth.speaksFor?.includes(domainOf(principal));
}

// ─── REQUEST / CANCEL from an organizer elsewhere ──────────────────────────────────────────────

async function announce(store: Store, r: Routing, method: 'REQUEST' | 'CANCEL', event: CalendarEvent): Promise<void> {
  const { msg, log } = r;
  const handled = r.out.handled;
  const organizer = event.organizer?.email.toLowerCase();
  const sender = msg.headerFrom?.toLowerCase();
  const from = `${sender ?? '(no From)'} / MAIL FROM ${msg.envelopeFrom || '<>'}`;
  const not = (why: string) => `This meeting ${method === 'CANCEL' ? 'cancellation' : 'request'} was not applied to your calendar: ${why}.`;
  if (!organizer) return log(`iMIP ${method} for ${event.uid} from ${from} has no ORGANIZER; delivered as mail`);
  // Meetings organized here are announced from here: a copy from outside is forged.
  if (await store.findUserByEmail(organizer)) {
    return refuse(r, event, msg.recipients, `refused iMIP ${method} for ${event.uid}: its ORGANIZER ${organizer} is an account here but it came from outside (${from}); delivered as mail`,
      not(`its organizer ${organizer} is an account of this server, yet it came from outside`));
  }
  if (!actsFor(r, sender, organizer)) {
    return refuse(r, event, msg.recipients, `refused iMIP ${method} for ${event.uid}: sent by ${from}, not by its ORGANIZER ${organizer} or a SENT-BY it names; delivered as mail`,
      not(`it was sent by ${sender ?? 'nobody named'}, not by the organizer ${organizer}`));
  }
  if (!authenticated(msg)) {
    return refuse(r, event, msg.recipients, `refused iMIP ${method} for ${event.uid}: From ${sender} is not authenticated (${msg.auth.summary}); delivered as mail`,
      not(`the sender ${sender} could not be verified (${msg.auth.summary})`));
  }
  for (const attendee of msg.recipients) {
    if (!attendeesOf(event).some(a => a.email.toLowerCase() === attendee.email)) continue;
    const mine = await store.findItemsByUid(attendee.id, event.uid);
    const held = heldSequence(mine, event.recurrenceId);
    const sequence = event.sequence ?? 0;
    const older = held !== undefined && sequence < held ? `SEQUENCE ${sequence}, below the ${held} already held`
      : olderStamp(mine, event) ? `SEQUENCE ${sequence} with a DTSTAMP older than the revision already held` : undefined;
    if (older) {
      // RFC 5546 2.1.5: updates that arrive out of order; only the newest revision counts.
      log(`iMIP ${method} for ${event.uid} to ${attendee.email} has ${older}: outdated`);
      noteOn(r, attendee, event, 'refused', `${method} not applied: it has ${older} (RFC 5546 2.1.5: outdated)`, { reason: 'STALE' });
      // There is no outdated cancellation (a device would offer to remove the item): plain mail.
      if (method === 'CANCEL') continue;
      await fileOutdated(store, attendee, event);
    } else {
      const delivered = await deliverToAttendee(store, attendee, {
        method, event: asSeries(event), recurrenceId: event.recurrenceId,
        messageType: method === 'CANCEL' || mine.length > 0 ? MeetingMessageType.FullUpdate : MeetingMessageType.InitialRequest,
        // The same SEQUENCE again is an informational update: the attendee's answer stands (unless
        // the time moved anyway: not every organizer counts up as RFC 5546 2.1.4 asks).
        resetResponses: held === undefined || sequence > held || timeMoved(mine, event),
      });
      // The attendee holds this UID as another organizer's meeting: plain mail, nothing applied.
      if (delivered === 'OTHER_ORGANIZER') {
        log(`iMIP ${method} for ${event.uid} to ${attendee.email}: the meeting held has another ORGANIZER; delivered as mail`);
        noteOn(r, attendee, event, 'refused', `${method} not applied: the meeting held has another ORGANIZER (hijack refused)`, { reason: 'ORGANIZER_MISMATCH' });
        continue;
      }
      noteOn(r, attendee, event, 'applied', `${method} applied for ${scopeLabel(event.recurrenceId)}${delivered === 'OUTDATED' ? ' as an outdated request' : ''}`, { outcome: delivered });
    }
    handled.add(attendee.email);
  }
}

/**
 * RFC 5545 3.2.18 SENT-BY on ORGANIZER and ATTENDEE lines: principal → the addresses that may act
 * for it. Read from the text: the calendar model does not keep SENT-BY.
 */
function sentByOf(ics: string): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const address = (v: string) => v.trim().replace(/^mailto:/i, '').toLowerCase();
  for (const line of ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)) {
    if (!/^(ORGANIZER|ATTENDEE);/i.test(line)) continue;
    const at = valueStart(line);
    const by = /;SENT-BY=(?:"([^"]*)"|([^;:]*))/i.exec(line.slice(0, at));
    if (!by) continue;
    const principal = address(line.slice(at));
    out.set(principal, (out.get(principal) ?? new Set()).add(address(by[1] ?? by[2] ?? '')));
  }
  return out;
}

function attendeesOf(event: CalendarEvent): Attendee[] {
  return [...(event.attendees ?? []), ...(event.exceptions ?? []).flatMap(x => x.overrides.attendees ?? [])];
}

/** The highest SEQUENCE of this meeting (or occurrence) the attendee holds, in any folder. */
function heldSequence(items: Item[], recurrenceId: number | undefined): number | undefined {
  const seen = items.flatMap(i => {
    if (!i.event) return [];
    const own = recurrenceId === undefined ? undefined : exceptionAt(i.event, recurrenceId)?.sequence;
    return [i.event.sequence ?? 0, ...(own === undefined ? [] : [own])];
  });
  return seen.length ? Math.max(...seen) : undefined;
}

/**
 * RFC 5546 2.1.5: of one SEQUENCE, the later DTSTAMP is the newer revision. Compared with the
 * attendee's calendar copy of the same scope (the series, or that occurrence's exception); requests
 * still in the Inbox are compared by delivery.ts.
 */
function olderStamp(items: Item[], event: CalendarEvent): boolean {
  const own = items.find(i => i.class === 'Calendar')?.event;
  if (!own || event.dtStamp === undefined) return false;
  const x = event.recurrenceId === undefined || own.recurrenceId === event.recurrenceId ? undefined : exceptionAt(own, event.recurrenceId);
  if (event.recurrenceId !== undefined && own.recurrenceId !== event.recurrenceId && !x) return false;
  const sequence = x ? x.sequence ?? own.sequence ?? 0 : own.sequence ?? 0;
  const stamp = x ? x.dtStamp : own.dtStamp;
  return stamp !== undefined && (event.sequence ?? 0) === sequence && event.dtStamp < stamp;
}

function timeMoved(items: Item[], event: CalendarEvent): boolean {
  const own = items.find(i => i.class === 'Calendar')?.event;
  return !!own && event.recurrenceId === undefined && (own.start !== event.start || own.end !== event.end);
}

/** A message about one occurrence is delivered as an exception of the series it belongs to. */
function asSeries(event: CalendarEvent): CalendarEvent {
  if (event.recurrenceId === undefined) return event;
  const { recurrenceId, ...rest } = event;
  return { ...rest, start: recurrenceId, end: recurrenceId + (event.end - event.start),
    exceptions: [{ originalStart: recurrenceId, sequence: event.sequence, dtStamp: event.dtStamp, overrides: { start: event.start, end: event.end, subject: event.subject } }] };
}

/** MS-ASEMAIL 2.2.2.47: an outdated request is shown, not answerable; the calendar stays as it is. */
async function fileOutdated(store: Store, attendee: User, event: CalendarEvent): Promise<void> {
  const inbox = (await store.listFolders(attendee.id)).find(f => f.type === FolderType.Inbox)!;
  const o = event.organizer!;
  const props = mailItemProps({
    to: attendee.email, from: mailbox(o.email, o.name), subject: event.subject ?? '', displayTo: attendee.displayName,
    body: { type: 1, data: 'This meeting request is out of date: a newer version has arrived.' },
    messageClass: 'IPM.Schedule.Meeting.Request', calendarMessage: true,
    extra: [['Email2:MeetingMessageType', String(MeetingMessageType.Outdated)]],
  });
  if (event.recurrenceId !== undefined) props.push(['Email:RecurrenceId', formatExtended(event.recurrenceId)]);
  const { recurrenceId: _r, ...shown } = event;
  await store.addItem(attendee.id, inbox.id, { class: 'Email', props, event: shown, filterTime: Date.now() });
}

// ─── REPLY / COUNTER from an attendee elsewhere ────────────────────────────────────────────────

/** One answer inside a REPLY: for the series or one occurrence. */
interface Answer {
  recurrenceId: number | undefined;
  status: AttendeeStatus | undefined;
  sequence: number;
  dtStamp: number | undefined;
  /** COUNTER: the time the attendee proposes. */
  start: number;
  end: number;
}

const PARTSTAT: Partial<Record<AttendeeStatus, PartStat>> = { 2: 'TENTATIVE', 3: 'ACCEPTED', 4: 'DECLINED' };

async function answer(store: Store, r: Routing, method: 'REPLY' | 'COUNTER', event: CalendarEvent): Promise<void> {
  const vetted = await fromAttendee(store, r, method, event);
  if (!vetted) return;
  const { organizer, sender } = vetted;
  const log = r.log;
  let reached = false;
  for (const a of answersOf(event, sender)) {
    const outcome = await applyAnswer(store, organizer, { uid: event.uid, sender, method, answer: a, comment: commentOf(event) });
    const scope = scopeLabel(a.recurrenceId);
    r.trace.note({ step: outcome === 'APPLIED' ? 'applied' : 'refused', userId: organizer.id, uid: event.uid, subject: event.subject, recurrenceId: a.recurrenceId,
      text: outcome === 'APPLIED' ? `${method} from ${sender} for ${scope} applied` : `${method} from ${sender} for ${scope} refused: ${ANSWER_REFUSED[outcome]}`,
      data: { method, from: sender, outcome, sequence: a.sequence, dtStamp: a.dtStamp } });
    if (outcome !== 'APPLIED') log(`iMIP ${method} for ${event.uid} from ${sender}${a.recurrenceId === undefined ? '' : ` (occurrence ${formatCompact(a.recurrenceId)})`}: ${outcome}`);
    // An answer superseded by one already applied is the organizer's news no more.
    reached ||= outcome === 'APPLIED' || outcome === 'OUTDATED' || outcome === 'OLDER_THAN_APPLIED';
  }
  if (reached) r.out.handled.add(organizer.email);
}

/**
 * The recipient the answer is for: its ORGANIZER. Outlook and Exchange leave ORGANIZER out of their
 * REPLYs (RFC 5546 3.2.3 requires it): then the recipient who organizes a meeting with this UID.
 */
async function answeredOrganizer(store: Store, recipients: User[], event: CalendarEvent): Promise<User | undefined> {
  const named = event.organizer?.email.toLowerCase();
  if (named) return recipients.find(u => u.email === named);
  for (const u of recipients) {
    if ((await organizerItem(store, u, event.uid))?.event?.organizer?.email.toLowerCase() === u.email) return u;
  }
  return undefined;
}

/** RFC 5546 3.2.6 REFRESH: an attendee elsewhere asks for the meeting again; it gets the current REQUEST. */
async function refresh(store: Store, r: Routing, event: CalendarEvent): Promise<void> {
  const vetted = await fromAttendee(store, r, 'REFRESH', event);
  if (!vetted) return;
  const outcome = await answerRefresh(store, vetted.organizer, { uid: event.uid, attendee: vetted.sender, recurrenceId: event.recurrenceId });
  // Answered automatically: the organizer is not bothered with it.
  if (outcome === 'SENT') {
    r.log(`iMIP REFRESH for ${event.uid} from ${vetted.sender}: the current REQUEST sent`);
    noteOn(r, vetted.organizer, event, 'sent', `REQUEST (current version) for ${scopeLabel(event.recurrenceId)} to ${vetted.sender}: queued as iMIP mail, answering its REFRESH`,
      { method: 'REQUEST', recipient: vetted.sender, where: 'remote' });
    r.out.handled.add(vetted.organizer.email);
    return;
  }
  const why = { NO_SUCH_MEETING: 'there is no such meeting on your calendar', NO_SUCH_OCCURRENCE: 'the meeting has no such occurrence', NOT_AN_ATTENDEE: `${vetted.sender} is not invited to it`, CANCELLED: 'the meeting is cancelled' }[outcome];
  refuse(r, event, [vetted.organizer], `iMIP REFRESH for ${event.uid} from ${vetted.sender}: ${outcome}; delivered as mail`,
    `This request for the current version of your meeting was not answered: ${why}.`);
}

/**
 * A message from an attendee elsewhere to a local organizer counts only from the attendee itself (or
 * one it names in SENT-BY), authenticated; MAIL FROM may be anything (calendar services send with a
 * bounce address). Otherwise the organizer gets it as mail with a note.
 */
async function fromAttendee(store: Store, r: Routing, method: 'REPLY' | 'COUNTER' | 'REFRESH', event: CalendarEvent): Promise<{ organizer: User; sender: string } | undefined> {
  const { msg, log } = r;
  const organizer = await answeredOrganizer(store, msg.recipients, event);
  if (!organizer) {
    log(`iMIP ${method} for ${event.uid}: its ORGANIZER ${event.organizer?.email ?? '(none)'} is not a recipient here; delivered as mail`);
    return undefined;
  }
  const what = method === 'REFRESH' ? 'This request for the current version of your meeting was not answered' : 'This answer to your meeting was not applied to your calendar';
  const not = (why: string) => `${what}: ${why}.`;
  // The answer counts only from the attendee itself (or one it names in SENT-BY), authenticated;
  // MAIL FROM may be anything (calendar services send with a bounce address).
  const from = msg.headerFrom?.toLowerCase();
  const listed = attendeesOf(event).map(a => a.email.toLowerCase());
  const sender = listed.find(a => actsFor(r, from, a));
  if (!sender) {
    refuse(r, event, [organizer], `forged iMIP ${method} for ${event.uid} ignored: From ${from ?? '(none)'}, MAIL FROM ${msg.envelopeFrom || '<>'}, `
      + `ATTENDEE ${listed.join(', ') || '(none)'}; delivered as mail`, not(`it came from ${from ?? 'nobody named'}, not from the attendee it answers for`));
    return undefined;
  }
  // Accounts here answer through their devices (SendMail, MeetingResponse), never from outside.
  if (await store.findUserByEmail(sender) || await store.findUserByEmail(from!)) {
    refuse(r, event, [organizer], `forged iMIP ${method} for ${event.uid} ignored: ${from} is an account here but it came from outside; delivered as mail`,
      not(`${from} is an account of this server, yet it came from outside`));
    return undefined;
  }
  if (!authenticated(msg)) {
    refuse(r, event, [organizer], `forged iMIP ${method} for ${event.uid} ignored: From ${from} is not authenticated (${msg.auth.summary}); delivered as mail`,
      not(`the sender ${from} could not be verified (${msg.auth.summary})`));
    return undefined;
  }
  return { organizer, sender };
}

/** The series answer, then one per occurrence the REPLY answers differently (or alone). */
function answersOf(event: CalendarEvent, sender: string): Answer[] {
  const statusIn = (list: Attendee[] | undefined) => list?.find(a => a.email.toLowerCase() === sender)?.status;
  const out: Answer[] = [{ recurrenceId: event.recurrenceId, status: statusIn(event.attendees), sequence: event.sequence ?? 0, dtStamp: event.dtStamp, start: event.start, end: event.end }];
  for (const x of event.exceptions ?? []) {
    // With a master, an override without its own ATTENDEE answers as the series does.
    if (x.deleted || (event.recurrenceId === undefined && !x.overrides.attendees)) continue;
    const start = x.overrides.start ?? x.originalStart;
    out.push({
      recurrenceId: x.originalStart, status: statusIn(x.overrides.attendees ?? event.attendees), sequence: x.sequence ?? event.sequence ?? 0,
      dtStamp: x.dtStamp ?? event.dtStamp, start, end: x.overrides.end ?? start + (event.end - event.start),
    });
  }
  return out;
}

type AnswerOutcome = 'APPLIED' | 'NO_SUCH_MEETING' | 'NOT_AN_ATTENDEE' | 'NO_ANSWER' | 'NO_DTSTAMP' | 'OUTDATED' | 'OLDER_THAN_APPLIED';

/** Why an answer was not applied, as the trace says it. */
const ANSWER_REFUSED: Record<Exclude<AnswerOutcome, 'APPLIED'>, string> = {
  NO_SUCH_MEETING: 'no such meeting on the organizer\'s calendar', NOT_AN_ATTENDEE: 'the sender is not an attendee', NO_ANSWER: 'it names no PARTSTAT of the sender',
  NO_DTSTAMP: 'it has no DTSTAMP', OUTDATED: 'stale SEQUENCE (an answer to an older revision, RFC 5546 2.1.5)',
  OLDER_THAN_APPLIED: 'older DTSTAMP than the answer already applied (RFC 5546 2.1.5)',
};

async function applyAnswer(store: Store, organizer: User,
  r: { uid: string; sender: string; method: 'REPLY' | 'COUNTER'; answer: Answer; comment: string | undefined }): Promise<AnswerOutcome> {
  const a = r.answer;
  // RFC 5546 3.2.7: a COUNTER proposes a time; Convene answers it as tentative, with the time in the text.
  const partstat = r.method === 'COUNTER' ? 'TENTATIVE' : a.status === undefined ? undefined : PARTSTAT[a.status];
  if (!partstat) return 'NO_ANSWER';
  if (a.dtStamp === undefined) return 'NO_DTSTAMP';
  const item = await organizerItem(store, organizer, r.uid);
  if (!item?.event) return 'NO_SUCH_MEETING';
  // RFC 5546 2.1.5: an answer to an older revision of the meeting, or older than the one applied, is stale.
  if (a.sequence < scopeSequence(item.event, a.recurrenceId)) return 'OUTDATED';
  const last = lastStamp(item.event, r.sender, a.recurrenceId);
  if (last !== undefined && a.dtStamp <= last) return 'OLDER_THAN_APPLIED';
  const proposal = r.method === 'COUNTER' ? `Proposed new time: ${new Date(a.start).toUTCString()} – ${new Date(a.end).toUTCString()}` : undefined;
  const outcome = await applyReply(store, organizer, {
    uid: r.uid, from: r.sender, partstat, recurrenceId: a.recurrenceId,
    comment: [r.comment, proposal].filter(Boolean).join('\n\n') || undefined,
  });
  if (outcome !== 'APPLIED') return outcome;
  const updated = (await store.getItem(organizer.id, item.id))!;
  const event = { ...updated.event!, extraIcal: withStamp(updated.event!.extraIcal, r.sender, a.recurrenceId, a.dtStamp) };
  await store.updateItem(organizer.id, item.id, { props: updated.props, event, filterTime: updated.filterTime, keepScheduleTag: true });
  return 'APPLIED';
}

async function organizerItem(store: Store, organizer: User, uid: string): Promise<Item | undefined> {
  return (await meetingCopy(store, organizer.id, uid)).item;
}

function scopeSequence(event: CalendarEvent, recurrenceId: number | undefined): number {
  const own = recurrenceId === undefined ? undefined : exceptionAt(event, recurrenceId)?.sequence;
  return Math.max(event.sequence ?? 0, own ?? 0);
}

/** RFC 5545 3.8.1.4 COMMENT: the attendee's words to the organizer, if any. */
function commentOf(event: CalendarEvent): string | undefined {
  const lines = (event.extraIcal ?? []).filter(l => /^COMMENT[;:]/i.test(l));
  const text = lines.map(l => unescapeText(l.slice(valueStart(l)))!);
  return text.join('\n').trim() || undefined;
}

/** Where a content line's value begins: after the first colon outside a quoted parameter. */
function valueStart(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '"') quoted = !quoted;
    else if (line[i] === ':' && !quoted) return i + 1;
  }
  return line.length;
}

// ─── the DTSTAMP of the last answer applied, per attendee and occurrence ───────────────────────
// Kept on the organizer's event as Convene's own iCalendar lines, so they survive device edits
// (calendar/eas.ts carries extraIcal over) and import/export without a change to the model:
//   X-CONVENE-REPLY-DTSTAMP;X-CONVENE-ATTENDEE="mailto:bob@example.org"[;X-CONVENE-RECURRENCE-ID=…]:20260105T101500Z

const STAMP = /^X-CONVENE-REPLY-DTSTAMP;X-CONVENE-ATTENDEE="mailto:([^"]*)"(?:;X-CONVENE-RECURRENCE-ID=(\d{8}T\d{6}Z))?:(\d{8}T\d{6}Z)$/i;

function stampKey(email: string, recurrenceId: number | undefined): string {
  return `${encodeURI(email).toLowerCase()}|${recurrenceId === undefined ? '' : formatCompact(recurrenceId)}`;
}

function stampOf(line: string): { key: string; at: number } | undefined {
  const m = STAMP.exec(line);
  if (!m) return undefined;
  return { key: `${m[1]!.toLowerCase()}|${m[2]?.toUpperCase() ?? ''}`, at: compactToMs(m[3]!) };
}

function lastStamp(event: CalendarEvent, email: string, recurrenceId: number | undefined): number | undefined {
  const key = stampKey(email, recurrenceId);
  return (event.extraIcal ?? []).map(stampOf).find(s => s?.key === key)?.at;
}

function withStamp(extra: string[] | undefined, email: string, recurrenceId: number | undefined, at: number): string[] {
  const key = stampKey(email, recurrenceId);
  const rid = recurrenceId === undefined ? '' : `;X-CONVENE-RECURRENCE-ID=${formatCompact(recurrenceId)}`;
  const line = `X-CONVENE-REPLY-DTSTAMP;X-CONVENE-ATTENDEE="mailto:${encodeURI(email)}"${rid}:${formatCompact(at)}`;
  return [...(extra ?? []).filter(l => stampOf(l)?.key !== key), line];
}

function compactToMs(s: string): number {
  return Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(9, 11), +s.slice(11, 13), +s.slice(13, 15));
}
