// Email items as a device sees them (MS-ASEMAIL), per protocol version and per what the device
// asked for: the body in the type and size it wants (bodyRender.ts), attachments named by their
// FileReference, elements the version does not know left out. Meeting mail keeps its meeting as an
// event; the MeetingRequest container is rendered from it for each device's version. Two top-level
// properties of a stored meeting message are bookkeeping for that container (Email:RecurrenceId,
// Email2:MeetingMessageType) and move inside it on the way out; Convene's own (Convene:*) never leave.
import { globalObjIdBase64 } from '../calendar/globalObjId.js';
import type { Item, ItemProps, PropNode } from '../store/types.js';
import { renderAttachments } from './attachments.js';
import { composedMime } from './bodyMime.js';
import { renderBody, type BodyRequest, type BodySource } from './bodyRender.js';
import { readStoredBody } from './bodyStore.js';
import { htmlToPlain } from './bodyText.js';
import { meetingRequestNode } from './meetingRequest.js';

const MEETING_WITH_REQUEST = /^IPM\.Schedule\.Meeting\.(Request|Canceled)/i;
const META = new Set(['Email:RecurrenceId', 'Email2:MeetingMessageType']);

export interface EmailView {
  version: number;
  /** BodyPreference, MIMESupport, MIMETruncation; without it the stored body goes whole. */
  body?: BodyRequest | undefined;
  /** The message the item was filed from, if it has one (store.getItemContent). */
  content(): Promise<Buffer | undefined>;
}

export async function emailToDevice(item: Item, view: EmailView): Promise<ItemProps> {
  const out: ItemProps = [];
  let bodyDone = false;
  const source = bodySource(item, view);
  for (const node of item.props) {
    const [name] = node;
    if (name === 'AirSyncBase:Body') {
      // The first Body is the message's own; a second one is the stored plain-text summary.
      if (!bodyDone && source) out.push(...await renderBody(source, view.body, view.version));
      bodyDone = true;
    } else if (name === 'AirSyncBase:Attachments') {
      const list = renderAttachments(node, { folderId: item.folderId, itemId: item.id }, view.version);
      if (list) out.push(list);
    } else if (!META.has(name) && !name.startsWith('Convene:') && knownTo(name, view.version)) {
      out.push(node);
    }
  }
  return withMeetingRequest(item, out, view.version);
}

/** Elements that a version's schema does not have are left out. */
function knownTo(name: string, version: number): boolean {
  // MS-ASEMAIL 2.2.2.42 IsDraft and 2.2.2.7 Bcc are 16.0's.
  if (name === 'Email2:IsDraft' || name === 'Email2:Bcc') return version >= 16;
  if (name.startsWith('Email2:')) return version >= 14;
  if (name === 'Email:Categories') return version >= 14;
  if (name.startsWith('AirSyncBase:') || name === 'Email:Flag') return version >= 12;
  return true;
}

function bodySource(item: Item, view: EmailView): BodySource | undefined {
  const stored = readStoredBody(item.props);
  if (!stored) return undefined;
  let mime: Promise<Buffer | undefined> | undefined;
  const content = () => (mime ??= view.content());
  return {
    stored,
    messageClass: String(item.props.find(p => p[0] === 'Email:MessageClass')?.[1] ?? 'IPM.Note'),
    mime: async () => (await content()) ?? composedMime(item),
    // The same conversion the stored summary was cut from (bodyStore.ts).
    plain: async () => htmlToPlain(stored.data),
  };
}

function withMeetingRequest(item: Item, out: ItemProps, version: number): ItemProps {
  const messageClass = item.props.find(p => p[0] === 'Email:MessageClass')?.[1];
  if (!item.event || typeof messageClass !== 'string' || !MEETING_WITH_REQUEST.test(messageClass)) return out;
  const meta = (name: string) => item.props.find(p => p[0] === name)?.[1] as string | undefined;
  const recurrenceId = meta('Email:RecurrenceId') === undefined ? undefined : Date.parse(meta('Email:RecurrenceId')!);
  const instance = recurrenceId === undefined ? undefined : dateParts(recurrenceId);
  const node: PropNode = meetingRequestNode({
    event: item.event,
    recurrenceId,
    messageType: Number(meta('Email2:MeetingMessageType') ?? 0),
    globalObjId: globalObjIdBase64(item.event.uid, instance),
  }, version);
  // MS-ASEMAIL schema order: MeetingRequest follows the envelope and flags, before InternetCPID.
  const at = out.findIndex(p => p[0] === 'Email:InternetCPID');
  out.splice(at < 0 ? out.length : at, 0, node);
  return out;
}

function dateParts(ms: number): { year: number; month: number; day: number } {
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}
