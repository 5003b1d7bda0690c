// How a mail item keeps its body (docs/mail.md, "Email over Sync"):
// - the native body, first: AirSyncBase:Body {Type 1 or 2, Data}, as the message has it;
// - for an HTML body, a plain-text summary beside it: a second AirSyncBase:Body {Type 1,
//   EstimatedDataSize (the whole plain text, in bytes), Truncated, Data (its first SUMMARY_BYTES)},
//   the text html-to-text makes of the HTML — the same text a longer request converts again;
// - AirSyncBase:NativeBodyType.
// The summary answers the common plain-text requests (a preview, a TruncationSize of a few hundred
// bytes) without converting HTML on every Sync; a larger plain-text request converts the HTML again
// (docs/mail.md has the measurements behind the size).
import type { ItemProps, PropNode } from '../store/types.js';
import { cutUtf8, htmlToPlain } from './bodyText.js';
import { propText } from '../store/props.js';

export const SUMMARY_BYTES = 2048;

const A = (n: string) => `AirSyncBase:${n}`;

export interface NativeBody {
  type: 1 | 2;
  data: string;
}

/** The stored nodes for a body: native, the summary of an HTML one, NativeBodyType. */
export function storedBody(body: NativeBody): { body: PropNode[]; nativeBodyType: PropNode } {
  const nodes: PropNode[] = [[A('Body'), [[A('Type'), String(body.type)], [A('Data'), body.data]]]];
  if (body.type === 2) nodes.push(summaryNode(htmlToPlain(body.data)));
  return { body: nodes, nativeBodyType: [A('NativeBodyType'), String(body.type)] };
}

function summaryNode(plain: string): PropNode {
  const size = Buffer.byteLength(plain, 'utf8');
  const kept = cutUtf8(plain, SUMMARY_BYTES);
  return [A('Body'), [
    [A('Type'), '1'], [A('EstimatedDataSize'), String(size)],
    ...(kept.length < plain.length ? [[A('Truncated'), '1'] as PropNode] : []),
    [A('Data'), kept],
  ]];
}

export interface StoredBody {
  /** 1 text, 2 HTML; anything else a device stored (a 16.x draft) is passed on as it is. */
  type: number;
  data: string;
  /** Plain text of an HTML body: its start and its whole size in bytes. */
  summary?: { data: string; size: number; complete: boolean } | undefined;
}

/** The body as stored, if the item has one. */
export function readStoredBody(props: ItemProps): StoredBody | undefined {
  const bodies = props.filter(p => p[0] === A('Body') && Array.isArray(p[1])).map(p => p[1] as ItemProps);
  if (bodies.length === 0) return undefined;
  const [native, second] = bodies;
  const type = Number(propText(native, A('Type')) ?? 1);
  const out: StoredBody = { type, data: propText(native, A('Data')) ?? '' };
  if (type === 2 && second && propText(second, A('Type')) === '1') {
    const data = propText(second, A('Data')) ?? '';
    out.summary = { data, size: Number(propText(second, A('EstimatedDataSize')) ?? Buffer.byteLength(data)), complete: propText(second, A('Truncated')) !== '1' };
  }
  return out;
}
