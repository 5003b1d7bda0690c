// AirSyncBase:Body of a calendar item, contact, task or note as a device asked for it (MS-ASAIRS
// 2.2.2.9, 2.2.2.12 BodyPreference): the stored type cut to its TruncationSize with Truncated and
// EstimatedDataSize, or left without Data when AllOrNone says so. Mail has its own renderer, which
// also converts between types (src/mail/bodyRender.ts).
import { cutUtf8 } from '../mail/bodyText.js';
import type { BodyPreference } from '../mail/bodyRender.js';
import type { ItemProps, PropNode } from '../store/types.js';
import { propText } from '../store/props.js';

export { cutUtf8 };

const A = (n: string) => `AirSyncBase:${n}`;

/** The item with its AirSyncBase:Body (if any) rendered for these preferences. */
export function withBodyCut(props: ItemProps, preferences: BodyPreference[] | undefined): ItemProps {
  return props.map(node => (node[0] === A('Body') && Array.isArray(node[1]) ? cutBody(node[1], preferences) : node));
}

export function cutBody(body: ItemProps, preferences: BodyPreference[] | undefined): PropNode {
  const type = Number(propText(body, A('Type')) ?? 1);
  const data = propText(body, A('Data')) ?? '';
  const pref = preferences?.find(p => p.type === type) ?? preferences?.[0];
  // A body cut before keeps what it said of the whole, so cutting twice changes nothing.
  const size = Number(propText(body, A('EstimatedDataSize')) ?? Buffer.byteLength(data, 'utf8'));
  const limit = pref?.truncationSize;
  const truncated = propText(body, A('Truncated')) === '1' || (limit !== undefined && size > limit);
  const kept = body.filter(p => ![A('Type'), A('Data'), A('EstimatedDataSize'), A('Truncated')].includes(p[0]));
  return [A('Body'), [
    [A('Type'), String(type)],
    [A('EstimatedDataSize'), String(size)],
    ...(truncated ? [[A('Truncated'), '1'] as PropNode] : []),
    ...(truncated && pref?.allOrNone ? [] : [[A('Data'), limit !== undefined ? cutUtf8(data, limit) : data] as PropNode]),
    ...kept,
  ]];
}
