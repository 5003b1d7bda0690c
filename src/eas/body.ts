// AirSyncBase:Body as a device asked for it (MS-ASAIRS 2.2.2.9 BodyPreference): cut to its
// TruncationSize with Truncated and EstimatedDataSize, or left out whole when AllOrNone says so.
// Converting between body types (HTML → plain text, MIME) is the mail layer's job.
import type { CollectionOptions } from '../store/types.js';
import { tags, type Element } from '../wbxml/index.js';

const asb = tags('AirSyncBase');

export function renderBody(body: Element, preferences: CollectionOptions['bodyPreferences'] | undefined): Element {
  const type = Number(body.childText('Type') ?? 1);
  const data = body.childText('Data') ?? '';
  const pref = preferences?.find(p => p.type === type) ?? preferences?.[0];
  const size = Buffer.byteLength(data, 'utf8');
  const limit = pref?.truncationSize;
  const truncated = limit !== undefined && size > limit;
  const kept = body.children.filter(c => !['Type', 'Data', 'EstimatedDataSize', 'Truncated'].includes(c.name));
  return asb('Body', [
    asb('Type', type),
    asb('EstimatedDataSize', size),
    truncated && asb('Truncated', 1),
    !(truncated && pref?.allOrNone) && asb('Data', truncated ? cutUtf8(data, limit) : data),
    ...kept,
  ]);
}

/** The longest prefix of `s` whose UTF-8 form fits in `bytes`, never splitting a character. */
export function cutUtf8(s: string, bytes: number): string {
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= bytes) return s;
  let end = bytes;
  while (end > 0 && (buf[end] & 0xc0) === 0x80) end--;
  return buf.subarray(0, end).toString('utf8');
}
