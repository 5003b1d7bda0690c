// The meeting identity Exchange carries in binary: PidLidGlobalObjectId (MS-OXOCAL 2.2.1.27), its
// instance-free twin PidLidCleanGlobalObjectId (MS-OXOCAL 2.2.1.28), their iCalendar UID text
// (MS-OXCICAL 2.1.3.1.1.20.26 UID) and the base64 the device sees in email:MeetingRequest/GlobalObjId
// (MS-ASEMAIL 2.2.2.37; conversion rules 3.1.4.7, worked examples 4.3). Layout: spec/calendar-email.md §8.
//
// Convene keeps RFC 5545 UIDs; this file is the only place that turns one into the blob and back.
// UID ⇄ clean id is a bijection: an Exchange-form UID (hex of a GOID) decodes to its bytes, any other
// UID is wrapped as a "vCal-Uid" Data, and the way back undoes exactly that. The occurrence date
// (bytes 16–19) is never part of the UID; callers pass it separately (from RECURRENCE-ID).

// ─── errors ────────────────────────────────────────────────────────────────────────────────────

export type GlobalObjIdErrorCode =
  | 'GOID_TRUNCATED'      // shorter than the 40-byte header, or no Data at all
  | 'GOID_BAD_CLASS_ID'   // bytes 0–15 are not the Byte Array ID
  | 'GOID_SIZE_MISMATCH'  // Size (bytes 36–39) disagrees with the bytes that follow
  | 'GOID_BAD_VCAL_UID'   // Data says "vCal-Uid" but the version, NUL or UTF-8 is wrong
  | 'GOID_BAD_INSTANCE'   // bytes 16–19 (or an `instance` argument) are not a calendar date
  | 'GOID_BAD_UID'        // a UID that cannot be carried (empty, lone UTF-16 surrogate)
  | 'GOID_BAD_BASE64';    // the GlobalObjId element text is not base64

export class GlobalObjIdError extends Error {
  constructor(readonly code: GlobalObjIdErrorCode, message: string) {
    super(message);
    this.name = 'GlobalObjIdError';
  }
}

/** The original date of one occurrence (PidLidExceptionReplaceTime's date); month 1–12. */
export interface InstanceDate { year: number; month: number; day: number }

// ─── layout: MS-OXOCAL 2.2.1.27 ────────────────────────────────────────────────────────────────

/** Byte Array ID, the first 16 bytes of every Global Object ID. */
const CLASS_ID = Buffer.from('040000008200E00074C5B7101A82E008', 'hex');
/** Field offsets: YH YL M D, Creation Time (FILETIME), X (reserved, zero), Size (uint32 LE), Data. */
const AT = { instance: 16, creationTime: 20, reserved: 28, size: 36, data: 40 } as const;
const HEADER_BYTES = AT.data;

// MS-ASEMAIL 2.2.2.37 VCALID = "vCal-Uid" %x01.00.00.00 UID %x00 (example: 4.3, Example 2).
const VCAL_MARKER = Buffer.from('vCal-Uid', 'latin1');
const VCAL_PREFIX = Buffer.concat([VCAL_MARKER, Buffer.from([0x01, 0x00, 0x00, 0x00])]);
const VCAL_OVERHEAD = VCAL_PREFIX.length + 1;

// MS-OXCICAL 2.1.3.1.1.20.26: EncodedGlobalId is all HEXDIG, ≥ 82 characters, of even length, and
// starts (case-insensitively) with the Byte Array ID in hex; anything else is a ThirdPartyGlobalId.
const ENCODED_GLOBAL_ID = /^040000008200e00074c5b7101a82e008(?:[0-9a-f]{2}){25,}$/i;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

// ─── UID → bytes ───────────────────────────────────────────────────────────────────────────────

/** True when `uid` is the hex text of a Global Object ID (MS-OXCICAL EncodedGlobalId). */
export function isEncodedGlobalId(uid: string): boolean {
  return ENCODED_GLOBAL_ID.test(uid);
}

/**
 * PidLidGlobalObjectId for a UID: an EncodedGlobalId decodes to its bytes, any other UID is wrapped
 * as vCal-Uid with a zero Creation Time (so one UID always gives the same bytes). With `instance`
 * bytes 16–19 name that occurrence; without it they are zero, which is PidLidCleanGlobalObjectId.
 * Throws GlobalObjIdError when a hex UID is not a well-formed GOID, or the UID cannot be carried.
 */
export function globalObjIdFromUid(uid: string, instance?: InstanceDate): Buffer {
  const bytes = isEncodedGlobalId(uid) ? Buffer.from(uid, 'hex') : wrapThirdPartyUid(uid);
  checkLayout(bytes);
  writeInstance(bytes, instance);
  return bytes;
}

/** MS-ASEMAIL 2.2.2.37 VCALID inside a zeroed header; Size counts the prefix, the UID and the NUL. */
function wrapThirdPartyUid(uid: string): Buffer {
  if (uid === '') throw new GlobalObjIdError('GOID_BAD_UID', 'an empty UID has no Global Object ID');
  if (LONE_SURROGATE.test(uid)) {
    throw new GlobalObjIdError('GOID_BAD_UID', 'the UID holds a lone UTF-16 surrogate; it has no UTF-8 form');
  }
  const text = Buffer.from(uid, 'utf8');
  const bytes = Buffer.alloc(HEADER_BYTES + VCAL_OVERHEAD + text.length);
  CLASS_ID.copy(bytes, 0);
  bytes.writeUInt32LE(VCAL_OVERHEAD + text.length, AT.size);
  VCAL_PREFIX.copy(bytes, AT.data);
  text.copy(bytes, AT.data + VCAL_PREFIX.length);
  return bytes; // the trailing NUL is Buffer.alloc's zero
}

/** YH YL M D: YH is the year's high byte, so the year is big-endian (MS-OXOCAL 2.2.1.27). */
function writeInstance(bytes: Buffer, instance: InstanceDate | undefined): void {
  if (instance === undefined) {
    bytes.fill(0, AT.instance, AT.creationTime);
    return;
  }
  checkDate(instance, 'instance');
  bytes.writeUInt16BE(instance.year, AT.instance);
  bytes.writeUInt8(instance.month, AT.instance + 2);
  bytes.writeUInt8(instance.day, AT.instance + 3);
}

// ─── bytes → UID ───────────────────────────────────────────────────────────────────────────────

/**
 * The UID a Global Object ID stands for (MS-ASEMAIL 3.1.4.7): the text inside a vCal-Uid Data,
 * otherwise the uppercase hex of the whole blob with bytes 16–19 zeroed (the clean id's hex).
 */
export function uidFromGlobalObjId(bytes: Buffer): string {
  checkLayout(bytes);
  const data = bytes.subarray(AT.data);
  if (startsWith(data, VCAL_MARKER)) return unwrapThirdPartyUid(data);
  return cleanGlobalObjId(bytes).toString('hex').toUpperCase();
}

function unwrapThirdPartyUid(data: Buffer): string {
  if (data.length < VCAL_OVERHEAD || !startsWith(data, VCAL_PREFIX)) {
    throw new GlobalObjIdError('GOID_BAD_VCAL_UID', 'vCal-Uid Data lacks its 01 00 00 00 version');
  }
  if (data[data.length - 1] !== 0) {
    throw new GlobalObjIdError('GOID_BAD_VCAL_UID', 'vCal-Uid Data does not end in NUL');
  }
  const text = data.subarray(VCAL_PREFIX.length, data.length - 1);
  if (text.length === 0) throw new GlobalObjIdError('GOID_BAD_VCAL_UID', 'vCal-Uid Data holds an empty UID');
  try {
    return UTF8.decode(text);
  } catch {
    throw new GlobalObjIdError('GOID_BAD_VCAL_UID', 'vCal-Uid Data is not UTF-8');
  }
}

/** The occurrence date in bytes 16–19, or undefined for a clean (series) id. */
export function instanceOfGlobalObjId(bytes: Buffer): InstanceDate | undefined {
  checkLayout(bytes);
  if (bytes.readUInt32BE(AT.instance) === 0) return undefined;
  const date = {
    year: bytes.readUInt16BE(AT.instance),
    month: bytes.readUInt8(AT.instance + 2),
    day: bytes.readUInt8(AT.instance + 3),
  };
  checkDate(date, 'bytes 16–19');
  return date;
}

/** PidLidCleanGlobalObjectId (MS-OXOCAL 2.2.1.28): a copy with YH, YL, M and D zero. */
export function cleanGlobalObjId(bytes: Buffer): Buffer {
  checkLayout(bytes);
  const clean = Buffer.from(bytes);
  clean.fill(0, AT.instance, AT.creationTime);
  return clean;
}

// ─── the GlobalObjId element: MS-ASEMAIL 2.2.2.37 (base64 of the bytes) ────────────────────────

export function globalObjIdBase64(uid: string, instance?: InstanceDate): string {
  return globalObjIdFromUid(uid, instance).toString('base64');
}

export function uidFromGlobalObjIdBase64(b64: string): string {
  if (!BASE64.test(b64)) throw new GlobalObjIdError('GOID_BAD_BASE64', 'GlobalObjId is not base64');
  return uidFromGlobalObjId(Buffer.from(b64, 'base64'));
}

// ─── checks ────────────────────────────────────────────────────────────────────────────────────

/** Byte Array ID, a full header, and a Size that accounts for every remaining byte. */
function checkLayout(bytes: Buffer): void {
  if (bytes.length < HEADER_BYTES) {
    throw new GlobalObjIdError('GOID_TRUNCATED', `${bytes.length} bytes; the header alone is ${HEADER_BYTES}`);
  }
  if (!startsWith(bytes, CLASS_ID)) {
    throw new GlobalObjIdError('GOID_BAD_CLASS_ID', 'bytes 0–15 are not the Global Object ID Byte Array ID');
  }
  const size = bytes.readUInt32LE(AT.size);
  const rest = bytes.length - HEADER_BYTES;
  if (size !== rest) {
    throw new GlobalObjIdError('GOID_SIZE_MISMATCH', `Size says ${size} bytes of Data, ${rest} follow`);
  }
  // MS-OXCICAL EncodedGlobalId needs ≥ 1 Data byte; an empty Data would not survive UID ⇄ bytes.
  if (size === 0) throw new GlobalObjIdError('GOID_TRUNCATED', 'Size is 0: the id has no Data');
}

function checkDate({ year, month, day }: InstanceDate, what: string): void {
  const ok = Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day)
    && year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  if (!ok) throw new GlobalObjIdError('GOID_BAD_INSTANCE', `${what}: ${year}-${month}-${day} is not a date`);
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0); // day 0 of the next month = last day of this one
  return d.getUTCDate();
}

function startsWith(bytes: Buffer, prefix: Buffer): boolean {
  return bytes.length >= prefix.length && bytes.subarray(0, prefix.length).equals(prefix);
}
