// The AirSyncBase:Body of a task or note as one device asked for it (MS-ASAIRS 2.2.2.9 Body,
// 2.2.2.12 BodyPreference): the mail renderer's choice of type — the stored type first, else text
// made from HTML or HTML made from text — cut to TruncationSize with EstimatedDataSize, Truncated,
// AllOrNone and (14.0+) Preview. MIME (Type 4) is mail's: never offered here.
import { renderBody, type BodyRequest } from '../mail/bodyRender.js';
import { htmlToPlain } from '../mail/bodyText.js';
import { propBody } from '../store/props.js';
import type { ItemProps } from '../store/types.js';

export async function withRenderedBody(props: ItemProps, req: BodyRequest | undefined, version: number): Promise<ItemProps> {
  const body = propBody(props);
  if (!body || version < 12) return props;
  const stored = { type: Number(body.type ?? 1), data: body.data };
  const [node] = await renderBody({
    stored, messageClass: '',
    plain: async () => htmlToPlain(stored.data),
    mime: async () => { throw new Error('a task or note has no MIME form'); },
  }, { bodyPreferences: req?.bodyPreferences ?? [], mimeSupport: 0 }, version);
  return props.map(p => (p[0] === 'AirSyncBase:Body' ? node! : p));
}
