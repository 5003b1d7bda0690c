// A mail item's body as one device asked for it.
// 12.0+ (MS-ASAIRS 2.2.2.9 Body, 2.2.2.12 BodyPreference): one AirSyncBase:Body of the type chosen
// from the device's BodyPreferences — 1 plain text, 2 HTML, 4 the whole message when MIMESupport
// allows it (MS-ASCMD 2.2.3.110: 0 never, 1 S/MIME only, 2 always); RTF (3) is never produced —
// cut to TruncationSize, with EstimatedDataSize, Truncated, AllOrNone and (14.0+) Preview.
// 2.5 (MS-ASEMAIL): Email:Body/BodySize/BodyTruncated cut per AirSync Truncation, or with MIME
// support Email:MIMEData/MIMESize/MIMETruncated cut per MIMETruncation.
import { isUtf8 } from 'node:buffer';
import type { PropNode } from '../store/types.js';
import { isReceivable } from '../wbxml/text.js';
import type { StoredBody } from './bodyStore.js';
import { cutUtf8, plainToHtml, previewOf, utf8Boundary } from './bodyText.js';

export interface BodyPreference {
  type: number;
  truncationSize?: number | undefined;
  allOrNone?: boolean | undefined;
  preview?: number | undefined;
}

/** What a device asked for: Sync's collection Options, or an ItemOperations Fetch's Options. */
export interface BodyRequest {
  bodyPreferences: BodyPreference[];
  /** MS-ASCMD 2.2.3.110.3 MIMESupport. */
  mimeSupport?: number | undefined;
  /** MS-ASCMD 2.2.3.111 MIMETruncation, the code the device sent. */
  mimeTruncation?: number | undefined;
}

/** Where the body's other forms come from; each is read only if the answer needs it. */
export interface BodySource {
  stored: StoredBody;
  messageClass: string;
  /** The whole plain text of an HTML body (html-to-text). */
  plain(): Promise<string>;
  /** The whole message (stored, or composed). */
  mime(): Promise<Buffer>;
}

/** MS-ASCMD 2.2.3.111 MIMETruncation codes → bytes; 8 (and anything else) is the whole message. */
const MIME_TRUNCATION = [0, 4096, 5120, 7168, 10240, 20480, 51200, 102400];

export function mimeTruncationBytes(code: number | undefined): number | undefined {
  return code === undefined ? undefined : MIME_TRUNCATION[code];
}

/** MS-ASCMD 2.2.3.110.3: whether this message may travel as MIME to this device. */
export function mimeAllowed(mimeSupport: number | undefined, messageClass: string): boolean {
  return mimeSupport === 2 || (mimeSupport === 1 && /^IPM\.Note\.SMIME/i.test(messageClass));
}

export async function renderBody(src: BodySource, req: BodyRequest | undefined, version: number): Promise<PropNode[]> {
  return version < 12 ? renderLegacy(src, req) : [await renderAirSyncBase(src, req, version)];
}

// ---- 12.0 and later ------------------------------------------------------------------------------

/** One form of the body: its whole size, and its first `limit` bytes (all of it without a limit). */
interface Form { size: number; take(limit: number | undefined): Promise<string | Buffer> }

async function renderAirSyncBase(src: BodySource, req: BodyRequest | undefined, version: number): Promise<PropNode> {
  const prefs = req?.bodyPreferences ?? [];
  const native = src.stored.type;
  // Without a preference, or a body only a device could have stored (RTF, MIME), the stored body.
  if (prefs.length === 0 || (native !== 1 && native !== 2)) {
    return bodyNode(native, await textForm(src.stored.data), prefs.find(p => p.type === native) ?? prefs[0], undefined, version);
  }
  const ordered = choices(prefs, native, mimeAllowed(req?.mimeSupport, src.messageClass));
  const forms = new Map<number, Form>();
  const formOf = async (type: number): Promise<Form> => {
    if (!forms.has(type)) forms.set(type, await form(src, type));
    return forms.get(type)!;
  };
  // MS-ASAIRS 2.2.2.3.2 AllOrNone: a type that would be cut is passed over for the next one.
  for (const pref of ordered) {
    const f = await formOf(pref.type);
    if (pref.allOrNone && pref.truncationSize !== undefined && f.size > pref.truncationSize) continue;
    return bodyNode(pref.type, f, withMimeLimit(pref, req), await previewText(src, pref, version), version);
  }
  const first = ordered[0];
  return bodyNode(first.type, await formOf(first.type), first, await previewText(src, first, version), version);
}

/**
 * The preferences the server can answer, best first: the whole message when the device allows it
 * (it asked for MIME on purpose), then the body's own type — MS-ASAIRS 2.2.2.3.2: by default the
 * type matching the native format is returned — then the rest in the device's order. RTF-only or
 * MIME-refused requests get plain text.
 */
function choices(prefs: BodyPreference[], native: number, mime: boolean): BodyPreference[] {
  const usable = prefs.filter(p => p.type === 1 || p.type === 2 || (p.type === 4 && mime));
  if (usable.length === 0) return [{ type: 1, truncationSize: prefs[0]?.truncationSize, preview: prefs[0]?.preview }];
  const rank = (p: BodyPreference) => (p.type === 4 ? 0 : p.type === native ? 1 : 2);
  return usable.map((p, i) => ({ p, i })).sort((a, b) => rank(a.p) - rank(b.p) || a.i - b.i).map(x => x.p);
}

/** Type 4 without a TruncationSize is cut by MIMETruncation, if the device sent one. */
function withMimeLimit(pref: BodyPreference, req: BodyRequest | undefined): BodyPreference {
  if (pref.type !== 4 || pref.truncationSize !== undefined) return pref;
  return { ...pref, truncationSize: mimeTruncationBytes(req?.mimeTruncation) };
}

async function form(src: BodySource, type: number): Promise<Form> {
  const { stored } = src;
  if (type === 4) return bytesForm(await src.mime());
  if (type === 2) return textForm(stored.type === 2 ? stored.data : plainToHtml(stored.data));
  if (stored.type === 1) return textForm(stored.data);
  // Plain text of an HTML body: the stored summary answers short requests; longer ones read it all.
  const summary = stored.summary;
  if (summary?.complete) return textForm(summary.data);
  const summaryBytes = summary ? Buffer.byteLength(summary.data, 'utf8') : 0;
  let whole: Promise<string> | undefined;
  return {
    size: summary?.size ?? Buffer.byteLength(await (whole ??= src.plain()), 'utf8'),
    take: async limit => (summary && limit !== undefined && limit <= summaryBytes ? cutUtf8(summary.data, limit) : cutUtf8(await (whole ??= src.plain()), limit ?? Infinity)),
  };
}

function textForm(data: string): Form {
  return { size: Buffer.byteLength(data, 'utf8'), take: async limit => (limit === undefined ? data : cutUtf8(data, limit)) };
}

/**
 * MIME as it is: text when it is UTF-8 a device can receive as text, cut on a character boundary;
 * otherwise bytes (OPAQUE carries any byte, a NUL too), so the message stays byte-exact.
 */
function bytesForm(mime: Buffer): Form {
  const text = isUtf8(mime) && isReceivable(mime.toString('utf8'));
  return {
    size: mime.length,
    take: async limit => {
      const end = limit === undefined ? mime.length : text ? utf8Boundary(mime, limit) : Math.min(limit, mime.length);
      return text ? mime.subarray(0, end).toString('utf8') : mime.subarray(0, end);
    },
  };
}

async function bodyNode(type: number, f: Form, pref: BodyPreference | undefined, preview: string | undefined, version: number): Promise<PropNode> {
  const limit = pref?.truncationSize;
  const truncated = limit !== undefined && f.size > limit;
  const withheld = truncated && pref?.allOrNone;
  const data = withheld ? undefined : await f.take(truncated ? limit : undefined);
  const A = (n: string) => `AirSyncBase:${n}`;
  // MS-ASAIRS 2.2.2.9: Type, EstimatedDataSize, Truncated, Data, Part, Preview.
  return [A('Body'), [
    [A('Type'), String(type)],
    [A('EstimatedDataSize'), String(f.size)],
    ...(truncated ? [[A('Truncated'), '1'] as PropNode] : []),
    ...(data === undefined ? [] : [[A('Data'), wire(data)] as PropNode]),
    ...(preview !== undefined && version >= 14 ? [[A('Preview'), preview] as PropNode] : []),
  ]];
}

/** MS-ASAIRS 2.2.2.35.4 Preview (14.0+): up to 255 characters of plain text. */
async function previewText(src: BodySource, pref: BodyPreference, version: number): Promise<string | undefined> {
  if (version < 14 || !pref.preview || pref.preview < 0) return undefined;
  const chars = Math.min(pref.preview, 255);
  const { stored } = src;
  const start = stored.type === 1 ? stored.data : stored.summary?.data ?? await src.plain();
  return previewOf(start, chars);
}

// ---- 2.5 ---------------------------------------------------------------------------------------

/** Sync's parse turns AirSync Truncation into the first preference's TruncationSize. */
async function renderLegacy(src: BodySource, req: BodyRequest | undefined): Promise<PropNode[]> {
  if (mimeAllowed(req?.mimeSupport, src.messageClass)) {
    const f = bytesForm(await src.mime());
    const limit = mimeTruncationBytes(req?.mimeTruncation);
    const truncated = limit !== undefined && f.size > limit;
    return [
      ['Email:MIMETruncated', truncated ? '1' : '0'],
      ['Email:MIMESize', String(f.size)],
      ['Email:MIMEData', wire(await f.take(truncated ? limit : undefined))],
    ];
  }
  const f = await form(src, 1);
  const limit = req?.bodyPreferences[0]?.truncationSize;
  const truncated = limit !== undefined && f.size > limit;
  return [
    ['Email:Body', wire(await f.take(truncated ? limit : undefined))],
    ...(truncated ? [['Email:BodySize', String(f.size)] as PropNode] : []),
    ['Email:BodyTruncated', truncated ? '1' : '0'],
  ];
}

/** Text stays text; bytes that are not UTF-8 travel as OPAQUE, unchanged. */
function wire(data: string | Buffer): PropNode[1] {
  return typeof data === 'string' ? data : { b64: data.toString('base64') };
}

