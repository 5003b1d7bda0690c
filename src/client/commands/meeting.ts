// MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline a meeting request
// (from the Inbox) or a calendar item; InstanceId answers one occurrence (16.0+).
import { tags } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const mr = tags('MeetingResponse');
const search = tags('Search');

/** MS-ASCMD 2.2.3.182: 1 accepted, 2 tentative, 3 declined. */
export const USER_RESPONSES = { accept: 1, tentative: 2, decline: 3 } as const;
export type UserResponse = keyof typeof USER_RESPONSES;

export interface MeetingAnswer {
  response: UserResponse;
  /** The request's folder and ServerId, or a LongId from Search. */
  collectionId?: string | undefined;
  requestId?: string | undefined;
  longId?: string | undefined;
  /** One occurrence of a series (16.0+, MS-ASCMD 2.2.3.92.3). */
  instanceId?: string | undefined;
  /** 16.0+: the server sends the answer to the organizer (MS-ASCMD 2.2.3.166). */
  sendResponse?: boolean | undefined;
}

export interface MeetingResult { requestId: string | undefined; status: number; calendarId: string | undefined }

export async function meetingResponse(client: EasClient, answers: MeetingAnswer[], version?: string):
  Promise<{ results: MeetingResult[]; response: EasResponse }> {
  const v = Number(version ?? client.version);
  const response = await client.send('MeetingResponse', mr('MeetingResponse', answers.map(a => mr('Request', [
    mr('UserResponse', USER_RESPONSES[a.response]),
    a.collectionId !== undefined && mr('CollectionId', a.collectionId),
    a.requestId !== undefined && mr('RequestId', a.requestId),
    a.longId !== undefined && search('LongId', a.longId),
    a.instanceId !== undefined && mr('InstanceId', a.instanceId),
    // SendResponse exists from 16.0 (MS-ASCMD 2.2.3.166); older clients mail the answer themselves.
    v >= 16 && (a.sendResponse ?? true) && mr('SendResponse'),
  ]))), { version });
  const results = (response.body?.all('Result') ?? []).map(r => ({
    requestId: r.childText('RequestId'), status: Number(r.childText('Status')), calendarId: r.childText('CalendarId'),
  }));
  return { results, response };
}
