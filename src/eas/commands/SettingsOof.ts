// MS-ASCMD 2.2.3.122 Oof (Settings): an account's Out of Office state, schedule and messages per
// audience. Stored and given back here (docs/provisioning.md); src/mail/autoReply.ts sends the
// automatic replies with them (docs/mail.md).
import { htmlToPlain, plainToHtml } from '../../mail/bodyText.js';
import type { OofAudience, OofMessage, OofSettings } from '../../store/types.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { CommandContext } from './types.js';

const s = tags('Settings');

/** MS-ASCMD 2.2.3.177.15 Status (Settings) values an Oof container answers with. */
const Status = { Success: 1, ProtocolError: 2, InvalidArguments: 5, ConflictingArguments: 6 } as const;

const AUDIENCES: readonly OofAudience[] = ['Internal', 'ExternalKnown', 'ExternalUnknown'];
/** MS-ASCMD 2.2.3.19 BodyType (Settings). */
const BODY_TYPES = ['Text', 'HTML'] as const;
const NOTHING_SET: OofSettings = { state: 0, startTime: null, endTime: null, messages: {} };
/** A reply message is a few paragraphs; this bounds what one account can make the store keep. */
const MAX_REPLY = 64 * 1024;

class OofError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export async function oof(ctx: CommandContext, container: Element): Promise<Element> {
  try {
    const get = container.child('Get', 'Settings');
    const set = container.child('Set', 'Settings');
    if (get) return s('Oof', [s('Status', Status.Success), await oofGet(ctx, get)]);
    if (!set) throw new OofError(Status.ProtocolError, 'Oof without Get or Set');
    const current = (await ctx.store.getOof(ctx.user.id)) ?? NOTHING_SET;
    await ctx.store.setOof(ctx.user.id, applySet(current, set));
    return s('Oof', [s('Status', Status.Success)]);
  } catch (e) {
    if (!(e instanceof OofError)) throw e;
    ctx.log.info({ status: e.status }, `Settings Oof: ${e.message}`);
    return s('Oof', [s('Status', e.status)]);
  }
}

/** MS-ASCMD 2.2.3.83 Get (Oof): the stored settings, each message in the BodyType asked for. */
async function oofGet(ctx: CommandContext, get: Element): Promise<Element> {
  const bodyType = get.childText('BodyType', 'Settings')?.trim();
  const wanted = BODY_TYPES.find(t => t.toLowerCase() === bodyType?.toLowerCase());
  if (!wanted) throw new OofError(Status.ProtocolError, `BodyType "${bodyType ?? ''}" is neither Text nor HTML`);
  const o = (await ctx.store.getOof(ctx.user.id)) ?? NOTHING_SET;
  return s('Get', [
    s('OofState', o.state),
    o.startTime !== null && s('StartTime', new Date(o.startTime).toISOString()),
    o.endTime !== null && s('EndTime', new Date(o.endTime).toISOString()),
    ...AUDIENCES.filter(a => o.messages[a]).map(a => {
      const m = o.messages[a]!;
      return s('OofMessage', [
        s(`AppliesTo${a}`, []),
        s('Enabled', m.enabled ? 1 : 0),
        s('ReplyMessage', converted(m, wanted)),
        s('BodyType', wanted),
      ]);
    }),
  ]);
}

function converted(m: OofMessage, wanted: OofMessage['bodyType']): string {
  if (m.bodyType === wanted || m.replyMessage === '') return m.replyMessage;
  return wanted === 'Text' ? htmlToPlain(m.replyMessage) : plainToHtml(m.replyMessage);
}

/** MS-ASCMD 2.2.3.167 Set (Oof): state and times replace what was stored; each message replaces its audience's. */
function applySet(current: OofSettings, set: Element): OofSettings {
  const state = set.childText('OofState', 'Settings')?.trim();
  if (state !== '0' && state !== '1' && state !== '2') throw new OofError(Status.ProtocolError, `OofState "${state ?? ''}"`);
  const startTime = time(set, 'StartTime');
  const endTime = time(set, 'EndTime');
  // MS-ASCMD 2.2.3.124: time-based Out of Office needs both ends of its window, in order.
  if (state === '2' && (startTime === null || endTime === null)) throw new OofError(Status.InvalidArguments, 'OofState 2 without StartTime and EndTime');
  if (startTime !== null && endTime !== null && endTime <= startTime) throw new OofError(Status.ConflictingArguments, 'EndTime is not after StartTime');
  const messages = { ...current.messages };
  for (const m of set.all('OofMessage', 'Settings')) {
    const [audience, message] = readMessage(m);
    messages[audience] = message;
  }
  return { state: Number(state) as OofSettings['state'], startTime, endTime, messages };
}

function time(set: Element, name: 'StartTime' | 'EndTime'): number | null {
  const text = set.childText(name, 'Settings')?.trim();
  if (!text) return null;
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new OofError(Status.InvalidArguments, `${name} "${text}" is not a UTC date-time`);
  return ms;
}

/** MS-ASCMD 2.2.3.123 OofMessage: one AppliesTo… element names the audience. */
function readMessage(m: Element): [OofAudience, OofMessage] {
  const audiences = AUDIENCES.filter(a => m.has(`AppliesTo${a}`, 'Settings'));
  if (audiences.length !== 1) throw new OofError(Status.ProtocolError, 'an OofMessage names not exactly one audience');
  const enabled = m.childText('Enabled', 'Settings')?.trim() ?? '0';
  if (enabled !== '0' && enabled !== '1') throw new OofError(Status.ProtocolError, `Enabled "${enabled}"`);
  const reply = m.childText('ReplyMessage', 'Settings') ?? '';
  if (reply.length > MAX_REPLY) throw new OofError(Status.InvalidArguments, 'ReplyMessage is too long');
  const bodyType = m.childText('BodyType', 'Settings')?.trim() ?? 'Text';
  const type = BODY_TYPES.find(t => t.toLowerCase() === bodyType.toLowerCase());
  if (!type) throw new OofError(Status.ProtocolError, `BodyType "${bodyType}"`);
  return [audiences[0], { enabled: enabled === '1', replyMessage: reply, bodyType: type }];
}
