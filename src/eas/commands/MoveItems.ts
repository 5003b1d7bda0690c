// MS-ASCMD 2.2.1.12 MoveItems: each Move names an item (SrcMsgId), the folder it is in (SrcFldId)
// and where it goes (DstFldId); each gets its own Response with Status and, on success, the item's
// new ServerId (DstMsgId). Moves run in request order.
import { moveItem, type MoveFailure, type MoveOutcome, type MoveRequest } from '../../sync/moveItems.js';
import { tags, type Element } from '../../wbxml/index.js';
import { CommonStatus, EasError } from '../status.js';
import type { CommandContext, CommandResult } from './types.js';

const mv = tags('Move');

/** MS-ASCMD 2.2.3.177.10 Status (MoveItems). Success is 3, not 1. */
export const MoveItemsStatus = {
  InvalidSource: 1,
  InvalidDestination: 2,
  Success: 3,
  SameSourceAndDestination: 4,
  CannotMove: 5,
} as const;

const STATUS: Record<MoveFailure, number> = {
  INVALID_SOURCE: MoveItemsStatus.InvalidSource,
  INVALID_DESTINATION: MoveItemsStatus.InvalidDestination,
  SAME_FOLDER: MoveItemsStatus.SameSourceAndDestination,
  CANNOT_MOVE: MoveItemsStatus.CannotMove,
};

export async function moveItems(ctx: CommandContext): Promise<CommandResult> {
  const moves = parse(ctx.body);
  const results: [MoveRequest, MoveOutcome][] = [];
  for (const m of moves) results.push([m, await moveItem(ctx, m)]);
  return { body: build(results) };
}

/** A request outside the schema (MS-ASCMD 6.27) is the common Status 103 (HTTP 400 before 14.0). */
function parse(body: Element | undefined): MoveRequest[] {
  const bad = (why: string): EasError => new EasError(400, `MoveItems: ${why}`, CommonStatus.InvalidXML);
  if (body?.name !== 'MoveItems' || body.namespace !== 'Move') throw bad('the root is not MoveItems');
  const moves = body.all('Move');
  if (moves.length === 0 || moves.length !== body.children.length) throw bad('MoveItems holds Move elements only, at least one');
  return moves.map(m => {
    const srcMsgId = m.childText('SrcMsgId')?.trim();
    const srcFldId = m.childText('SrcFldId')?.trim();
    const dstFldId = m.childText('DstFldId')?.trim();
    if (!srcMsgId || !srcFldId || !dstFldId) throw bad('a Move needs SrcMsgId, SrcFldId and DstFldId');
    return { srcMsgId, srcFldId, dstFldId };
  });
}

function build(results: [MoveRequest, MoveOutcome][]): Element {
  return mv('MoveItems', results.map(([req, outcome]) => mv('Response', [
    mv('SrcMsgId', req.srcMsgId),
    mv('Status', outcome.ok ? MoveItemsStatus.Success : STATUS[outcome.reason]),
    outcome.ok && mv('DstMsgId', outcome.dstMsgId),
  ])));
}
