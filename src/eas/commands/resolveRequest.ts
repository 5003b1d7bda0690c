// The ResolveRecipients request (MS-ASCMD 2.2.1.15) read and checked. Anything outside what the
// spec allows is Status 5 for the whole request ("an invalid parameter was specified or the range
// exceeded limits", 2.2.3.177.12): a To that is empty or longer than 256 characters, too many To,
// option values out of range, and an Availability window that is invalid, shorter than 30 minutes
// or longer than 42 days.
import { SLOT_MS, type TimeWindow } from '../../calendar/freeBusy.js';
import { parseEasDateTime } from '../../calendar/timezone.js';
import type { Element } from '../../wbxml/index.js';
import { atLeast, type ProtocolVersion } from '../version.js';

/** MS-ASCMD 2.2.3.177.12 Status (ResolveRecipients) of the request as a whole. */
export const ResolveStatus = { Success: 1, ProtocolError: 5 } as const;

export interface ResolveRequest {
  to: string[];
  /** CertificateRetrieval 2 or 3: the device wants certificates (full or mini). */
  certificates: boolean;
  maxAmbiguous: number;
  /** 14.0+: the free/busy window. */
  availability?: TimeWindow | undefined;
  /** 14.1+: the device wants contact photos, within these bounds. */
  picture?: PictureRequest | undefined;
}

/** MS-ASCMD 2.2.3.105.2 MaxSize: bytes of one photo; 2.2.3.104.2 MaxPictures: photos per To. */
export interface PictureRequest {
  maxSize?: number | undefined;
  maxPictures?: number | undefined;
}

/** MS-ASCMD 2.2.3.183: a To is at most 256 characters; more than 1,000 of them is refused. */
const MAX_TO_LENGTH = 256;
/** MS-ASCMD 2.2.3.183 To: at most 100 per request (XSD maxOccurs 100); more is a protocol error. */
const MAX_TO = 100;
/** MS-ASCMD 2.2.3.100, 2.2.3.101: MaxAmbiguousRecipients and MaxCertificates are 0–9999. */
const MAX_COUNT = 9999;
/** Suggestions per ambiguous To when the device sets no MaxAmbiguousRecipients (as GAL search's 100). */
const DEFAULT_MAX_AMBIGUOUS = 100;
/** MS-ASCMD 2.2.3.61.1: no EndTime means seven days after StartTime; Exchange allows 42 days at most. */
const DEFAULT_SPAN_MS = 7 * 86_400_000;
const MAX_SPAN_MS = 42 * 86_400_000;
/** MS-ASCMD 2.2.3.105.2: MaxSize is at most 100 KB. */
const MAX_PICTURE_BYTES = 102_400;

const OPTIONS = new Set(['CertificateRetrieval', 'MaxCertificates', 'MaxAmbiguousRecipients', 'Availability', 'Picture']);

class ProtocolError extends Error {}
const refuse = (why: string): never => { throw new ProtocolError(why); };

/** undefined when the body is no ResolveRecipients request at all (the transport answers that). */
export function parseResolveRecipients(body: Element | undefined, version: ProtocolVersion): ResolveRequest | 'PROTOCOL_ERROR' | undefined {
  if (body?.name !== 'ResolveRecipients' || body.namespace !== 'ResolveRecipients') return undefined;
  try {
    return parse(body, version);
  } catch (e) {
    if (e instanceof ProtocolError) return 'PROTOCOL_ERROR';
    throw e;
  }
}

function parse(body: Element, version: ProtocolVersion): ResolveRequest {
  const to = body.all('To', 'ResolveRecipients').map(el => el.text?.trim() ?? '');
  if (to.length === 0 || to.length > MAX_TO) refuse('one to 100 To');
  if (to.some(t => t === '' || [...t].length > MAX_TO_LENGTH)) refuse('a To of 1–256 characters');
  const optionsList = body.all('Options', 'ResolveRecipients');
  if (optionsList.length > 1 || body.children.length !== to.length + optionsList.length) refuse('To and one Options only');
  const options = optionsList[0];
  if (options?.children.some(c => c.namespace !== 'ResolveRecipients' || !OPTIONS.has(c.name))) refuse('an unknown option');
  const retrieval = count(options?.childText('CertificateRetrieval')) ?? 1;
  if (retrieval < 1 || retrieval > 3) refuse('CertificateRetrieval 1, 2 or 3');
  count(options?.childText('MaxCertificates'));
  const availability = options?.child('Availability');
  const picture = options?.child('Picture');
  return {
    to,
    certificates: retrieval !== 1,
    maxAmbiguous: count(options?.childText('MaxAmbiguousRecipients')) ?? DEFAULT_MAX_AMBIGUOUS,
    // MS-ASCMD 2.2.1.15: no free/busy before 14.0, 2.2.3.135.2: no photos before 14.1.
    availability: availability && atLeast(version, '14.0') ? window(availability) : undefined,
    picture: picture && atLeast(version, '14.1') ? pictureOptions(picture) : undefined,
  };
}

/** MS-ASCMD 2.2.3.176.1 StartTime, 2.2.3.61.1 EndTime: a window of 30 minutes to 42 days. */
function window(el: Element): TimeWindow {
  const from = dateTime(el.childText('StartTime') ?? refuse('StartTime is required'));
  const endText = el.childText('EndTime');
  const to = endText === undefined ? from + DEFAULT_SPAN_MS : dateTime(endText);
  if (to < from + SLOT_MS) refuse('EndTime before StartTime + 30 minutes');
  if (to - from > MAX_SPAN_MS) refuse('a window longer than 42 days');
  return { from, to };
}

function dateTime(text: string): number {
  try {
    return parseEasDateTime(text);
  } catch {
    return refuse(`not a date-time: ${text}`);
  }
}

/** MS-ASCMD 2.2.3.105.2 MaxSize (at most 100 KB), 2.2.3.104.2 MaxPictures. */
function pictureOptions(el: Element): PictureRequest {
  return { maxSize: count(el.childText('MaxSize'), MAX_PICTURE_BYTES), maxPictures: count(el.childText('MaxPictures')) };
}

/** A whole number within 0–max; undefined when absent. */
function count(text: string | undefined, max = MAX_COUNT): number | undefined {
  const t = text?.trim();
  if (t === undefined) return undefined;
  if (!/^\d{1,9}$/.test(t) || Number(t) > max) refuse(`not a count within 0–${max}: ${t}`);
  return Number(t);
}
