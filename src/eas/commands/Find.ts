// MS-ASCMD 2.2.1.2 Find (16.1): the mailbox (mail only, KQL FreeText) or the directory, over the
// same searches as Search. Mail results name the item by ServerId and CollectionId, so a device
// fetches it with ItemOperations as it would a synced one. Every request searches afresh; the
// SearchId is accepted and a Range need not start at 0 (docs/search.md).
import { addressParser } from 'postal-mime';
import { searchGal } from '../../directory/gal.js';
import { htmlToPlain, previewOf } from '../../mail/bodyText.js';
import { searchMailbox } from '../../search/mailbox.js';
import { filled, formatRange, type Range } from '../../search/range.js';
import type { Item, ItemProps } from '../../store/types.js';
import { serverIdOf } from '../../sync/collection.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus, EasError } from '../status.js';
import { FindStatus, parseFind, type FindRequest } from './findRequest.js';
import { galProperties } from './Search.js';
import type { CommandContext, CommandResult } from './types.js';
import { propText } from '../../store/props.js';

const f = tags('Find');
const as = tags('AirSync');
const em = tags('Email');
const em2 = tags('Email2');
const io = tags('ItemOperations');

/** Results in one answer at most; a device asking for more gets fewer (MS-ASCMD 2.2.3.143.1). */
const MAX_RESULTS = 100;
/** MS-ASCMD 2.2.3.137: the preview is at most 255 characters. */
const PREVIEW_CHARS = 255;

interface Answer {
  status: number;
  results?: Element[];
  range?: Range | undefined;
  total?: number;
}

export async function find(ctx: CommandContext): Promise<CommandResult> {
  const req = parseFind(ctx.body);
  if (req === undefined) throw new EasError(400, 'Find: the root is not Find', CommonStatus.InvalidXML);
  const answer = req === 'INVALID' ? { status: FindStatus.InvalidRequest } : await run(ctx, req);
  const ok = answer.status === FindStatus.Success;
  return {
    body: f('Find', [f('Status', answer.status), ok && f('Response', [
      io('Store', 'Mailbox'),
      f('Status', FindStatus.Success),
      answer.results,
      answer.range && f('Range', formatRange(answer.range)),
      f('Total', answer.total ?? 0),
    ])]),
  };
}

async function run(ctx: CommandContext, req: FindRequest): Promise<Answer> {
  const wanted = { first: req.range.first, last: Math.min(req.range.last, req.range.first + MAX_RESULTS - 1) };
  if (req.kind === 'GAL') {
    const entries = await searchGal(ctx.store, req.query);
    const range = filled(wanted, entries.length);
    const shown = range ? entries.slice(range.first, range.last + 1) : [];
    return { status: FindStatus.Success, results: shown.map(e => f('Result', [f('Properties', galProperties(e, req.picture))])), range, total: entries.length };
  }
  const outcome = await searchMailbox(ctx.store, ctx.user.id, req.query, wanted);
  // MS-ASCMD 2.2.3.177.2: a folder the device names that the account lacks: its hierarchy is stale.
  if (!outcome.ok) return { status: FindStatus.FolderSyncRequired };
  return { status: FindStatus.Success, results: outcome.items.map(mailResult), range: outcome.range, total: outcome.total };
}

function mailResult(item: Item): Element {
  return f('Result', [
    as('Class', item.class),
    as('ServerId', serverIdOf(item.folderId, item.id)),
    as('CollectionId', String(item.folderId)),
    f('Properties', mailProperties(item.props)),
  ]);
}

/** MS-ASCMD 2.2.3.139.1 Properties (Find) of a message. */
function mailProperties(props: ItemProps): Element[] {
  const text = (name: string) => propText(props, name);
  const value = (el: (n: string, c: string) => Element, tag: string, name: string) => text(name) !== undefined && el(tag, text(name)!);
  return [
    value(em, 'Subject', 'Email:Subject'),
    value(em, 'DateReceived', 'Email:DateReceived'),
    value(em, 'DisplayTo', 'Email:DisplayTo'),
    text('Email:Cc') && f('DisplayCc', displayNames(text('Email:Cc')!)),
    text('Email2:Bcc') && f('DisplayBcc', displayNames(text('Email2:Bcc')!)),
    value(em, 'Importance', 'Email:Importance'),
    value(em, 'Read', 'Email:Read'),
    value(em2, 'IsDraft', 'Email2:IsDraft'),
    f('Preview', preview(props)),
    f('HasAttachments', hasAttachments(props) ? 1 : 0),
    value(em, 'From', 'Email:From'),
  ].filter((el): el is Element => !!el);
}

/** MS-ASCMD 2.2.3.48: display names separated by semicolons (the address where there is no name). */
function displayNames(list: string): string {
  return addressParser(list).flatMap(a => ('group' in a && a.group ? a.group : [a]))
    .map(a => a.name || ('address' in a ? a.address : '')).filter(Boolean).join('; ');
}

/** MS-ASCMD 2.2.3.137: the start of the message's plain text. */
function preview(props: ItemProps): string {
  const bodies = props.filter(p => p[0] === 'AirSyncBase:Body' && Array.isArray(p[1])).map(p => p[1] as ItemProps);
  const part = (body: ItemProps, name: string) => body.find(p => p[0] === `AirSyncBase:${name}`)?.[1];
  const plain = bodies.find(b => part(b, 'Type') === '1');
  if (plain) return previewOf(String(part(plain, 'Data') ?? ''), PREVIEW_CHARS);
  const html = bodies.find(b => part(b, 'Type') === '2');
  return html ? previewOf(htmlToPlain(String(part(html, 'Data') ?? '')), PREVIEW_CHARS) : '';
}

function hasAttachments(props: ItemProps): boolean {
  const list = props.find(p => p[0] === 'AirSyncBase:Attachments')?.[1];
  return Array.isArray(list) && list.some(a => a[0] === 'AirSyncBase:Attachment');
}
