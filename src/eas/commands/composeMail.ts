// The ComposeMail requests (MS-ASCMD 2.2.1.17 SendMail, 2.2.1.19 SmartForward, 2.2.1.20 SmartReply)
// read once: 14.0+ send a ComposeMail tree; 12.1 and older send the raw message (message/rfc822)
// with SaveInSent, ItemId, CollectionId, LongId and Occurrence in the query. Success is an empty
// 200; a failure is a common Status in the command's root (14.0+) or an HTTP code (older versions,
// as Exchange answered them: 400 for a bad request, 413 for too large, 500 for the rest).
import type { Forwardee } from '../../mail/meetingForward.js';
import type { SourceRef } from '../../mail/original.js';
import type { SmartFailure } from '../../mail/smart.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus, EasError, type CommonStatusValue } from '../status.js';
import type { CommandContext, CommandResult } from './types.js';

const cm = tags('ComposeMail');

export type ComposeCommand = 'SendMail' | 'SmartReply' | 'SmartForward';

export interface ComposeRequest {
  mime?: Buffer | undefined;
  clientId?: string | undefined;
  saveInSent: boolean;
  replaceMime: boolean;
  source?: SourceRef | undefined;
  forwardees?: Forwardee[] | undefined;
  note?: { type: 1 | 2; data: string } | undefined;
}

/** Failures found while reading the request, beside those the domain reports. */
export type RequestFailure = 'INVALID_CONTENT' | 'INVALID_IDS' | 'INVALID_DATETIME' | 'BODY_COMBINATION' | 'FORWARD_PARAMETERS' | 'INVALID_ACCOUNT_ID';
export type ComposeFailure = SmartFailure | RequestFailure;

const ANSWER: Record<ComposeFailure, { status: CommonStatusValue; http: number }> = {
  INVALID_CONTENT: { status: CommonStatus.InvalidContent, http: 400 },
  INVALID_IDS: { status: CommonStatus.InvalidCombinationOfIds, http: 400 },
  INVALID_DATETIME: { status: CommonStatus.InvalidDateTime, http: 400 },
  INVALID_MIME: { status: CommonStatus.InvalidMIME, http: 400 },
  TOO_LARGE: { status: CommonStatus.AttachmentIsTooLarge, http: 413 },
  ALREADY_SENT: { status: CommonStatus.MessagePreviouslySent, http: 500 },
  NO_RECIPIENT: { status: CommonStatus.MessageHasNoRecipient, http: 500 },
  SOURCE_NOT_FOUND: { status: CommonStatus.ItemNotFound, http: 500 },
  NOT_REPLYABLE: { status: CommonStatus.MessageReplyNotAllowed, http: 500 },
  NO_RECURRENCE: { status: CommonStatus.NoRecurrenceInCalendar, http: 500 },
  BODY_COMBINATION: { status: CommonStatus.InvalidMimeBodyCombination, http: 400 },
  FORWARD_PARAMETERS: { status: CommonStatus.InvalidSmartForwardParameters, http: 400 },
  INVALID_ACCOUNT_ID: { status: CommonStatus.InvalidAccountId, http: 400 },
};

/** The command's answer to a failure: its Status for 14.0+, an HTTP error before. */
export function refuse(ctx: CommandContext, command: ComposeCommand, reason: ComposeFailure): CommandResult {
  const { status, http } = ANSWER[reason];
  if (Number(ctx.version) >= 14) return { body: cm(command, [cm('Status', status)]) };
  throw new EasError(http, `${command} refused: ${reason}`);
}

export function readComposeRequest(ctx: CommandContext, command: ComposeCommand): ComposeRequest | RequestFailure {
  if (Number(ctx.version) < 14) return legacyRequest(ctx, command);
  const body = ctx.body;
  if (body?.name !== command || body.namespace !== 'ComposeMail') return 'INVALID_CONTENT';
  const mime = body.child('MIME')?.bytes;
  const request: ComposeRequest = {
    mime: mime && mime.length ? Buffer.from(mime) : undefined,
    clientId: body.childText('ClientId')?.trim() || undefined,
    saveInSent: body.has('SaveInSentItems'),
    replaceMime: body.has('ReplaceMime'),
  };
  // MS-ASCMD 2.2.3.3 (R724): an AccountId must name one of the user's accounts; Convene has one, whose
  // AccountId (Settings UserInformation) is its address.
  const accountId = body.childText('AccountId');
  if (accountId !== undefined && accountId.trim().toLowerCase() !== ctx.user.email) return 'INVALID_ACCOUNT_ID';
  if (command === 'SendMail') return request.mime ? request : 'INVALID_CONTENT';
  const source = sourceOf(body.child('Source'));
  if (typeof source === 'string') return source;
  request.source = source;
  if (command === 'SmartForward' && Number(ctx.version) >= 16) return meetingForwardForm(body, request);
  return request.mime ? request : 'INVALID_CONTENT';
}

/** MS-ASCMD 2.2.3.173: FolderId + ItemId, or LongId alone; InstanceId a date-time (2.2.3.92.2). */
function sourceOf(source: Element | undefined): SourceRef | RequestFailure {
  const ref: SourceRef = {
    folderId: source?.childText('FolderId')?.trim() || undefined,
    itemId: source?.childText('ItemId')?.trim() || undefined,
    // Exchange URL-decodes LongId; Search gives it out URL-encoded.
    longId: decodeLongId(source?.childText('LongId')),
    instanceId: source?.childText('InstanceId')?.trim() || undefined,
  };
  if (!ref.itemId && !ref.longId) return 'INVALID_IDS';
  if (ref.longId && (ref.itemId || ref.folderId)) return 'INVALID_IDS';
  if (ref.instanceId !== undefined && !EAS_DATE_TIME.test(ref.instanceId)) return 'INVALID_DATETIME';
  return ref;
}

/**
 * MS-ASCMD 2.2.3.169 (16.0+): a SmartForward is either MIME or airsyncbase:Body + Forwardees (a
 * calendar item forwarded by the server); MIME with Body or Forwardees, or SaveInSentItems /
 * ReplaceMime without MIME, is Status 178; Forwardees without a usable Email is 179.
 */
function meetingForwardForm(body: Element, request: ComposeRequest): ComposeRequest | RequestFailure {
  const note = body.child('Body', 'AirSyncBase');
  const forwardees = body.child('Forwardees');
  if (request.mime) return note || forwardees ? 'BODY_COMBINATION' : request;
  if (request.saveInSent || request.replaceMime) return 'BODY_COMBINATION';
  if (!forwardees) return note ? 'FORWARD_PARAMETERS' : 'INVALID_CONTENT';
  const list = forwardees.all('Forwardee').map(f => ({
    email: (f.childText('ForwardeeEmail') ?? '').trim().toLowerCase(),
    name: f.childText('ForwardeeName')?.trim() || undefined,
  }));
  if (!list.length || list.some(f => !ADDRESS.test(f.email))) return 'FORWARD_PARAMETERS';
  const type = note?.childText('Type', 'AirSyncBase')?.trim();
  return { ...request, forwardees: list, note: note ? { type: type === '2' ? 2 : 1, data: note.childText('Data', 'AirSyncBase') ?? '' } : undefined };
}

/** 12.1 and older: the message is the body; the rest is in the query (MS-ASHTTP 2.2.1.1.1.2). */
function legacyRequest(ctx: CommandContext, command: ComposeCommand): ComposeRequest | RequestFailure {
  const request: ComposeRequest = { mime: ctx.rawBody.length ? ctx.rawBody : undefined, saveInSent: ctx.line.saveInSent === true, replaceMime: false };
  if (!request.mime) return 'INVALID_CONTENT';
  if (command === 'SendMail') return request;
  const { itemId, collectionId, longId, occurrence } = ctx.line;
  const source: SourceRef = { folderId: collectionId?.trim() || undefined, itemId: itemId?.trim() || undefined, longId: decodeLongId(longId) };
  if (!source.itemId && !source.longId) return 'INVALID_IDS';
  if (source.longId && (source.itemId || source.folderId)) return 'INVALID_IDS';
  if (occurrence !== undefined) {
    const instance = legacyOccurrence(occurrence);
    if (!instance) return 'INVALID_DATETIME';
    source.instanceId = instance;
  }
  return { ...request, source };
}

/** Occurrence in the query: an EAS date-time, or yyyyMMddHHmm (UTC) as Exchange 2007 read it. */
function legacyOccurrence(value: string): string | undefined {
  const v = value.trim();
  if (EAS_DATE_TIME.test(v)) return v;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:00.000Z` : undefined;
}

function decodeLongId(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v) return undefined;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

/** MS-ASDTYPE 2.3 date-time, in the extended or the compact form. */
export const EAS_DATE_TIME = /^\d{4}-?\d{2}-?\d{2}T\d{2}:?\d{2}(:?\d{2}([.,]\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;
const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
