// The organizer side, wired to Sync: after a 16.x device adds, changes or deletes a meeting it
// organizes, decide what the attendees must hear (organizerChanges.ts) and deliver it. A ≤14.1
// device sends its own invitations with SendMail (MS-ASCMD 2.2.1.11), so it gets no help here.
import type { CalendarEvent } from '../calendar/model.js';
import { withoutScheduleParams } from '../calendar/scheduleParams.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';
import { deliverToAttendees } from './delivery.js';
import { sendOrganizerMessage } from './remote.js';
import { planOrganizerMessages, type Comparison, type Plan } from './organizerChanges.js';
import { applyReply, type PartStat } from './replies.js';
import { deliverableAddress, SCHEDULE_STATUS, serverMessages, withScheduleStatus } from './scheduleStatus.js';
import { scopeLabel, TraceRecorder, type TraceSource, type Tracer } from './trace.js';

/** MS-ASCAL MeetingStatus of the organizer's own copy of a meeting. */
const ORGANIZED = 1;

export interface OrganizerEdit {
  store: Store;
  user: User;
  before: CalendarEvent | undefined;
  after: CalendarEvent | undefined;
  /** An editor-delegate organizing in `user`'s name (docs/resources-delegates.md): iMIP carries SENT-BY and Sender. */
  sentBy?: User | undefined;
  /** Where the edit came from, for the decision trace (trace.ts); "what" names it ("Change with InstanceId …"). */
  trace?: { source: TraceSource; what?: string | undefined } | undefined;
}

const TYPE_LABEL = { 1: 'invitation', 2: 'full update', 3: 'informational update' } as const;

/** The event as the organizer's copy must be stored: its organizer, meeting status and SEQUENCE. */
export async function scheduleOrganizerEdit(edit: OrganizerEdit): Promise<CalendarEvent | undefined> {
  const after = edit.after && asOrganized(edit.after, edit.user);
  const planned = planOrganizerMessages(edit.before, after, { now: Date.now(), organizer: edit.user.email });
  // A new time asks every attendee again: their answers on the organizer's copy go back to 5.
  const reset = planned.messages.some(m => m.resetResponses && m.scope.kind === 'series');
  // RFC 6638 7.1, 7.2: SCHEDULE-AGENT and SCHEDULE-FORCE-SEND (set over CalDAV; an EAS Change keeps the agent).
  const plan = { ...planned, messages: serverMessages(planned.messages, edit.before, after, edit.user.email) };
  const event = after && { ...after, sequence: plan.sequence, ...(reset ? { attendees: after.attendees?.map(a => ({ ...a, status: 5 as const })) } : {}) };
  const statuses = new Map<string, string>();
  const source = event ?? edit.before;
  if (!source) return event;
  const trace = edit.trace && plan.compared.some(c => c.outcome !== 'not a meeting') ? new TraceRecorder(edit.trace.source) : undefined;
  const note = trace && noteFor(trace, edit.user.id, source);
  note?.('edit', edit.trace?.what ?? (edit.before ? (edit.after ? 'meeting changed' : 'meeting deleted') : 'meeting added'), undefined, { sequence: plan.sequence });
  for (const c of plan.compared) note?.('compared', comparisonText(c), c.scope.kind === 'occurrence' ? c.scope.recurrenceId : undefined, { outcome: c.outcome, changes: c.changes });
  if (!plan.messages.length) note?.('none', noMessageWhy(plan), undefined, { outcome: plan.compared.map(c => c.outcome) });
  for (const m of plan.messages) {
    const recurrenceId = m.scope.kind === 'occurrence' ? m.scope.recurrenceId : undefined;
    // What travels to attendees carries no RFC 6638 7 parameters (7.1–7.3).
    const sent = withoutScheduleParams(event ?? { ...source, sequence: plan.sequence });
    const sentNote = (recipient: string, where: 'local' | 'remote', outcome: string) => note?.('sent',
      `${m.method} (${m.method === 'CANCEL' ? 'cancellation' : TYPE_LABEL[m.meetingMessageType]}) for ${scopeLabel(recurrenceId)} to ${recipient}: ${outcome}`,
      recurrenceId, { method: m.method, recipient, where, meetingMessageType: m.meetingMessageType, sequence: plan.sequence, reasons: m.reasons, outcome });
    // Local attendees are found, locked and delivered to set-wise (docs/performance.md): a handful
    // of statements for the whole list, not a handful per attendee.
    const local = new Map((await edit.store.findUsersByEmail(m.recipients)).map(u => [u.email, u]));
    const attendees = m.recipients.flatMap(r => local.get(r.toLowerCase()) ?? []);
    const elsewhere = m.recipients.filter(r => !local.has(r.toLowerCase()));
    const remote = elsewhere.filter(deliverableAddress);
    for (const r of elsewhere) statuses.set(r.toLowerCase(), deliverableAddress(r) ? SCHEDULE_STATUS.PENDING : SCHEDULE_STATUS.INVALID_USER);
    const outgoing = { method: m.method, event: sent, recurrenceId, messageType: m.meetingMessageType, resetResponses: m.resetResponses };
    const outcomes = await deliverToAttendees(edit.store, attendees, outgoing);
    for (const attendee of attendees) {
      const delivered = outcomes.get(attendee.id)!;
      statuses.set(attendee.email.toLowerCase(), delivered === 'OTHER_ORGANIZER' ? SCHEDULE_STATUS.NO_AUTHORITY : SCHEDULE_STATUS.DELIVERED);
      sentNote(attendee.email, 'local', DELIVERED[delivered]);
      // The attendee's own account keeps its side too: a user's trace shows what reached them.
      trace?.note({ step: delivered === 'OTHER_ORGANIZER' ? 'refused' : 'applied', userId: attendee.id, uid: source.uid, subject: source.subject, recurrenceId,
        text: `${m.method} from ${edit.user.email} for ${scopeLabel(recurrenceId)}: ${DELIVERED[delivered]}`, data: { method: m.method, outcome: delivered } });
    }
    // People elsewhere get one iMIP mail per message (RFC 6047), through the outbound queue.
    if (remote.length) await sendOrganizerMessage(edit.store, edit.user, remote, m.method, sent, recurrenceId, edit.sentBy);
    for (const recipient of remote) sentNote(recipient, 'remote', 'queued as iMIP mail');
    for (const recipient of elsewhere.filter(r => !deliverableAddress(r))) sentNote(recipient, 'remote', 'not sent: no address a message can go to');
  }
  await trace?.flush(edit.store);
  // RFC 6638 3.2.9: each attendee a message went to carries its SCHEDULE-STATUS on the organizer's copy.
  return event && withScheduleStatus(event, statuses);
}

const DELIVERED = {
  DELIVERED: 'delivered here', OUTDATED: 'filed as outdated (a newer request is already there)',
  OTHER_ORGANIZER: 'refused: the attendee holds this UID as another organizer\'s meeting',
} as const;

/** A note about this meeting on the organizer's account. */
function noteFor(trace: Tracer, userId: number, event: CalendarEvent) {
  return (step: 'edit' | 'compared' | 'none' | 'sent', text: string, recurrenceId: number | undefined, data: Record<string, unknown>) =>
    trace.note({ step, userId, uid: event.uid, subject: event.subject, recurrenceId, text, data });
}

function comparisonText(c: Comparison): string {
  const scope = scopeLabel(c.scope.kind === 'occurrence' ? c.scope.recurrenceId : undefined);
  switch (c.outcome) {
    case 'changed': return `${scope}: changed (${c.changes.join(', ')})`;
    case 'unchanged': return `${scope}: unchanged (nothing attendees see differs)`;
    case 'past': return `${scope}: in the past, not announced`;
    case 'not a meeting': return `${scope}: not a meeting this account organizes`;
  }
}

/** Why an edit sent nothing: unchanged, past, informational-only to nobody, or no meeting. */
function noMessageWhy(plan: Plan): string {
  const outcomes = new Set(plan.compared.map(c => c.outcome));
  if (outcomes.has('past') && !outcomes.has('changed')) return 'no message: the meeting (or what changed of it) is in the past';
  if (!outcomes.has('changed')) return 'no message: unchanged for attendees';
  return 'no message: what changed has no attendee to tell';
}

/**
 * Some clients answer an invitation by editing their own copy (its ResponseType, or their own
 * attendee entry) instead of MeetingResponse. That is the attendee's answer: passed to a local
 * organizer when the meeting asks for answers — never a meeting of the attendee's, never a re-invite.
 */
export async function answerByEdit(store: Store, user: User, before: CalendarEvent | undefined, after: CalendarEvent, source?: TraceSource): Promise<void> {
  const organizer = after.organizer?.email.toLowerCase();
  if (!before || !organizer || organizer === user.email || after.responseRequested === false) return;
  const was = answerOf(before, user.email);
  const now = answerOf(after, user.email);
  if (!now || now === was) return;
  const organizerUser = await store.findUserByEmail(organizer);
  if (!organizerUser) return;
  const trace = source ? new TraceRecorder(source) : undefined;
  trace?.note({ step: 'edit', userId: organizerUser.id, uid: after.uid, subject: after.subject, text: `${user.email} answered ${now} by editing their copy` });
  await applyReply(store, organizerUser, { uid: after.uid, from: user.email, fromName: user.displayName, partstat: now }, trace);
  await trace?.flush(store);
}

/** ResponseType 3/2/4 of the item, or the user's own AttendeeStatus in it. */
export function answerOf(e: CalendarEvent, email: string): PartStat | undefined {
  const own = e.attendees?.find(a => a.email.toLowerCase() === email)?.status;
  const code = e.responseType === 2 || e.responseType === 3 || e.responseType === 4 ? e.responseType : own;
  return code === 3 ? 'ACCEPTED' : code === 2 ? 'TENTATIVE' : code === 4 ? 'DECLINED' : undefined;
}

/** A meeting a device creates is the account's own: organizer and status are the server's to set. */
function asOrganized(event: CalendarEvent, user: User): CalendarEvent {
  if (!event.attendees?.length) return event;
  if (event.organizer && event.organizer.email.toLowerCase() !== user.email) return event;
  return { ...event, organizer: event.organizer ?? { email: user.email, name: user.displayName }, meetingStatus: event.meetingStatus ?? ORGANIZED, responseType: 1 };
}
