// MS-ASCMD 2.2.1.11 MeetingResponse: each Request answered on its own with its Result.
import { longIdAsServerId } from '../../search/longId.js';
import { answerMeeting, type AnswerFailure, type MeetingAnswer } from '../../scheduling/attendee.js';
import { easSource } from '../../scheduling/trace.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus } from '../status.js';
import { atLeast, type ProtocolVersion } from '../version.js';
import { EAS_DATE_TIME } from './composeMail.js';
import type { CommandContext, CommandResult } from './types.js';

const mr = tags('MeetingResponse');

/** MS-ASCMD 2.2.3.177.9 Status (MeetingResponse). */
export const MeetingResponseStatus = { Success: 1, InvalidRequest: 2, MailboxError: 3, ServerError: 4 } as const;

const STATUS: Record<AnswerFailure, number> = {
  INVALID_REQUEST: MeetingResponseStatus.InvalidRequest,
  // The request is gone, cancelled or outdated: Exchange answers these as server errors. (A
  // delegated one, MeetingMessageType 6, is an invalid meeting request: INVALID_REQUEST.)
  REQUEST_MISSING: MeetingResponseStatus.ServerError,
  NOT_ANSWERABLE: MeetingResponseStatus.ServerError,
  // The request (or calendar item) named was answered or deleted since the device last synced —
  // by another device of the same user, say. The first answer stands; this one changes nothing.
  ALREADY_ANSWERED: MeetingResponseStatus.InvalidRequest,
  // MS-ASCMD 2.2.3.92.3: InstanceId on a meeting that does not recur.
  NO_RECURRENCE: CommonStatus.NoRecurrenceInCalendar,
};

/** `echo`: the RequestId the Result repeats — none when the device named the request by LongId. */
type Parsed = { answer: Omit<MeetingAnswer, 'version'>; echo: string | undefined; instanceId?: string | undefined }
  | { invalid: true; requestId?: string | undefined; status?: number | undefined };

export async function meetingResponse(ctx: CommandContext): Promise<CommandResult> {
  const requests = ctx.body?.name === 'MeetingResponse' ? ctx.body.all('Request') : [];
  const results: Element[] = [];
  for (const r of requests.length ? requests : [undefined]) {
    const parsed = parse(r, ctx.version);
    if ('invalid' in parsed) {
      results.push(result(parsed.requestId, parsed.status ?? MeetingResponseStatus.InvalidRequest));
      continue;
    }
    const outcome = await answerMeeting(ctx.store, ctx.user, { ...parsed.answer, version: Number(ctx.version) },
      easSource(ctx.user.email, ctx.device, 'MeetingResponse'));
    results.push(outcome.ok
      ? result(parsed.echo, MeetingResponseStatus.Success, outcome.calendarId, parsed.instanceId)
      : result(parsed.echo, STATUS[outcome.reason], undefined, parsed.instanceId));
  }
  return { body: mr('MeetingResponse', results) };
}

function parse(r: Element | undefined, version: ProtocolVersion): Parsed {
  // MS-ASCMD 2.2.3.98.2: a request found by Search is named by its LongId instead (docs/search.md).
  const longId = r?.childText('LongId', 'Search')?.trim();
  const named = longId ? longIdAsServerId(longId) : undefined;
  if (longId && !named) return { invalid: true };
  // MS-ASCMD 2.2.3.150.2: with search:LongId, CollectionId and RequestId MUST NOT be present.
  if (longId && (r!.has('CollectionId') || r!.has('RequestId'))) return { invalid: true, requestId: r!.childText('RequestId')?.trim() };
  const requestId = named ? named.serverId : r?.childText('RequestId')?.trim();
  const collectionId = named ? named.collectionId : r?.childText('CollectionId')?.trim();
  const userResponse = Number(r?.childText('UserResponse'));
  if (!r || !requestId || !collectionId || ![1, 2, 3].includes(userResponse)) return { invalid: true, requestId };
  const send = r.child('SendResponse');
  const instanceId = r.has('InstanceId') ? (r.childText('InstanceId') ?? '').trim() : undefined;
  // MS-ASCMD 2.2.3.177.9: an InstanceId that is null is Status 2 (one that is no date-time, 104 below).
  if (instanceId === '') return { invalid: true, requestId };
  // MS-ASCMD 2.2.3.92.3: an InstanceId that is no date-time is common Status 104.
  if (instanceId !== undefined && !EAS_DATE_TIME.test(instanceId)) return { invalid: true, requestId, status: CommonStatus.InvalidDateTime };
  return {
    echo: named ? undefined : requestId,
    answer: {
      userResponse: userResponse as 1 | 2 | 3, collectionId, requestId, instanceId,
      sendResponse: send ? { body: send.child('Body', 'AirSyncBase')?.childText('Data'), proposal: atLeast(version, '16.1') ? proposalOf(send) : undefined } : undefined,
    },
    instanceId,
  };
}

/** MS-ASCMD 2.2.3.163: 16.1 ProposedStartTime/ProposedEndTime, a new time the attendee suggests (ignored from 16.0). */
function proposalOf(send: Element): { start: string; end: string } | undefined {
  const start = send.childText('ProposedStartTime')?.trim();
  const end = send.childText('ProposedEndTime')?.trim();
  return start && end ? { start, end } : undefined;
}

function result(requestId: string | undefined, status: number, calendarId?: string, instanceId?: string): Element {
  return mr('Result', [
    requestId !== undefined && mr('RequestId', requestId),
    mr('Status', status),
    calendarId !== undefined && mr('CalendarId', calendarId),
    instanceId !== undefined && mr('InstanceId', instanceId),
  ]);
}
