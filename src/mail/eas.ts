// Email items as a device sees them. Meeting mail keeps its meeting as an event; the MeetingRequest
// container is rendered from it for each device's version. Two top-level properties of a stored
// meeting message are bookkeeping for that container (Email:RecurrenceId, Email2:MeetingMessageType)
// and move inside it on the way out.
import { globalObjIdBase64 } from '../calendar/globalObjId.js';
import type { Item, ItemProps } from '../store/types.js';
import { meetingRequestNode } from './meetingRequest.js';

const MEETING_WITH_REQUEST = /^IPM\.Schedule\.Meeting\.(Request|Canceled)/i;
const META = new Set(['Email:RecurrenceId', 'Email2:MeetingMessageType']);

export function emailToDevice(item: Item, version: number): ItemProps {
  const messageClass = item.props.find(p => p[0] === 'Email:MessageClass')?.[1];
  if (!item.event || typeof messageClass !== 'string' || !MEETING_WITH_REQUEST.test(messageClass)) return item.props;
  const meta = (name: string) => item.props.find(p => p[0] === name)?.[1] as string | undefined;
  const recurrenceId = meta('Email:RecurrenceId') === undefined ? undefined : Date.parse(meta('Email:RecurrenceId')!);
  const instance = recurrenceId === undefined ? undefined : dateParts(recurrenceId);
  const node = meetingRequestNode({
    event: item.event,
    recurrenceId,
    messageType: Number(meta('Email2:MeetingMessageType') ?? 0),
    globalObjId: globalObjIdBase64(item.event.uid, instance),
  }, version);
  const out = item.props.filter(p => !META.has(p[0]));
  // MS-ASEMAIL schema order: MeetingRequest follows the envelope and flags, before InternetCPID.
  const at = out.findIndex(p => p[0] === 'Email:InternetCPID');
  out.splice(at < 0 ? out.length : at, 0, node);
  return out;
}

function dateParts(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
