// MS-ASCMD 2.2.1.15 ResolveRecipients: for each To, who it is (src/directory/resolve.ts), and on
// request the recipient's availability (MergedFreeBusy), certificates and photo (a contact's own). Every To gets a
// Response in request order, echoing it; a request outside the limits is Status 5 as a whole.
// docs/directory.md.
import { mergedFreeBusyOf } from '../../directory/availability.js';
import { resolveRecipient, type Recipient, type Resolution } from '../../directory/resolve.js';
import type { TimeWindow } from '../../calendar/freeBusy.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus, EasError } from '../status.js';
import { parseResolveRecipients, ResolveStatus, type PictureRequest, type ResolveRequest } from './resolveRequest.js';
import type { CommandContext, CommandResult } from './types.js';

const rr = tags('ResolveRecipients');

/** MS-ASCMD 2.2.3.177.12 Status (ResolveRecipients) of a Response. */
const ResponseStatus = { Resolved: 1, Ambiguous: 2, AmbiguousPartial: 3, Unresolved: 4 } as const;
/**
 * … of Availability: success, and the MS-ASCMD 2.2.2 code 163. (160, over 100 recipients, cannot
 * arise: a request holds at most 100 To, resolveRequest.ts.)
 */
const AvailabilityStatus = { Success: 1, Failure: 163 } as const;
/** … of Certificates: 7, no valid certificate (Convene keeps none). */
const NO_VALID_CERTIFICATE = 7;
/**
 * … of Picture: a photo, or the MS-ASCMD 2.2.2 codes 173 (none: directory entries, and contacts
 * without one), 174 (larger than MaxSize), 175 (MaxPictures already given for this To).
 */
const PictureStatus = { Success: 1, NoPicture: 173, TooLarge: 174, LimitReached: 175 } as const;
/** Suggestions in one response, all To together: a bound on the work one request can cause. */
const SUGGESTION_BUDGET = 500;
/**
 * Photo bytes in one response, over every To: without MaxPictures 500 suggestions of up to 48 KB
 * each would make one answer of ~24 MB. Past it a photo is Status 175, as past MaxPictures.
 */
export const PICTURE_BYTES_BUDGET = 1024 * 1024;

export async function resolveRecipients(ctx: CommandContext): Promise<CommandResult> {
  const req = parseResolveRecipients(ctx.body, ctx.version);
  if (req === undefined) throw new EasError(400, 'ResolveRecipients: the root is not ResolveRecipients', CommonStatus.InvalidXML);
  if (req === 'PROTOCOL_ERROR') return { body: rr('ResolveRecipients', [rr('Status', ResolveStatus.ProtocolError)]) };
  const answers: Element[] = [];
  const availability = new Availability(ctx, req.availability);
  // Each distinct To is looked up once, and one response lists at most SUGGESTION_BUDGET
  // suggestions in all, however many ambiguous To and MaxAmbiguousRecipients ask for.
  const resolved = new Map<string, Resolution>();
  let budget = SUGGESTION_BUDGET;
  const pictureBytes = { left: PICTURE_BYTES_BUDGET };
  for (const to of req.to) {
    let resolution = resolved.get(to) ?? await resolveRecipient(ctx.store, ctx.user.id, to, { maxAmbiguous: req.maxAmbiguous });
    resolved.set(to, resolution);
    if (resolution.status === 'AMBIGUOUS') {
      resolution = { ...resolution, suggestions: resolution.suggestions.slice(0, budget) };
      budget -= resolution.suggestions.length;
    }
    answers.push(await response(to, resolution, req, availability, pictureBytes));
  }
  return { body: rr('ResolveRecipients', [rr('Status', ResolveStatus.Success), ...answers]) };
}

async function response(to: string, r: Resolution, req: ResolveRequest, availability: Availability,
  pictureBytes: { left: number }): Promise<Element> {
  const head = [rr('To', to)];
  const photos = req.picture && new Photos(req.picture, pictureBytes);
  switch (r.status) {
    case 'UNRESOLVED':
      return rr('Response', [...head, rr('Status', ResponseStatus.Unresolved), rr('RecipientCount', 0)]);
    case 'AMBIGUOUS':
      // MS-ASCMD 2.2.3.183: suggestions carry no free/busy, 2.2.3.177.12: and no certificates.
      return rr('Response', [...head,
        rr('Status', r.total > r.suggestions.length ? ResponseStatus.AmbiguousPartial : ResponseStatus.Ambiguous),
        rr('RecipientCount', r.total),
        ...r.suggestions.map(s => recipient(s, [photos && photos.of(s)])),
      ]);
    case 'RESOLVED':
      return rr('Response', [...head, rr('Status', ResponseStatus.Resolved), rr('RecipientCount', 1), recipient(r.recipient, [
        req.availability && await availability.of(r.recipient),
        req.certificates && rr('Certificates', [rr('Status', NO_VALID_CERTIFICATE), rr('CertificateCount', 0)]),
        photos && photos.of(r.recipient),
      ])]);
  }
}

/** MS-ASCMD 2.2.3.186.5 Type: 1 a directory (GAL) entry, 2 a contact. */
function recipient(r: Recipient, extra: (Element | false | undefined)[]): Element {
  return rr('Recipient', [
    rr('Type', r.kind === 'GAL' ? 1 : 2), rr('DisplayName', r.displayName), rr('EmailAddress', r.emailAddress), ...extra,
  ]);
}

/** MS-ASCMD 2.2.3.135.2 Picture of each Recipient of one To; 2.2.3.104.2: MaxPictures counts per To, our byte budget per request. */
class Photos {
  private given = 0;

  constructor(private readonly req: PictureRequest, private readonly bytes: { left: number }) {}

  of(r: Recipient): Element {
    const answer = (status: number, data?: Buffer) => rr('Picture', [rr('Status', status), data && rr('Data', data)]);
    if (!r.picture) return answer(PictureStatus.NoPicture);
    const data = Buffer.from(r.picture, 'base64');
    if (this.req.maxSize !== undefined && data.length > this.req.maxSize) return answer(PictureStatus.TooLarge);
    if (this.req.maxPictures !== undefined && this.given >= this.req.maxPictures) return answer(PictureStatus.LimitReached);
    if (data.length > this.bytes.left) return answer(PictureStatus.LimitReached);
    this.given++;
    this.bytes.left -= data.length;
    return answer(PictureStatus.Success, data);
  }
}

/** Availability answers for one request, each account computed once. */
class Availability {
  private readonly cache = new Map<number, string>();

  constructor(private readonly ctx: CommandContext, private readonly window: TimeWindow | undefined) {}

  async of(r: Recipient): Promise<Element> {
    const status = (n: number) => rr('Status', n);
    // Someone known only as a contact has a calendar elsewhere, which this server cannot read.
    if (r.userId === undefined || !this.window) return rr('Availability', [status(AvailabilityStatus.Failure)]);
    let merged = this.cache.get(r.userId);
    if (merged === undefined) {
      merged = await mergedFreeBusyOf(this.ctx.store, r.userId, this.window);
      this.cache.set(r.userId, merged);
    }
    return rr('Availability', [status(AvailabilityStatus.Success), rr('MergedFreeBusy', merged)]);
  }
}
