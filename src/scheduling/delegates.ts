// Delegates (docs/resources-delegates.md, "Delegates"): a principal's meeting requests go to its
// delegates' Inboxes as requests they can answer for it; the principal keeps its calendar copy and,
// unless it asked for none, a copy of the request that must not be answered (MS-ASEMAIL 2.2.2.47,
// MeetingMessageType 6). The delegate's answer is the principal's, sent by the delegate (RFC 5545
// 3.2.18 SENT-BY). Delivery itself is delivery.ts's (deliverToDelegates); the answer, attendee.ts's.
import { MeetingMessageType } from '../mail/meetingRequest.js';
import type { Delegate, Store } from '../store/Store.js';
import type { Item } from '../store/types.js';

/** Bookkeeping on a delegate's copy of a request: the principal's address. Never sent to a device. */
export const DELEGATED_FOR = 'Convene:DelegatedFor';

/** Where a principal's requests go: its delegates that edit its calendar, and whether it keeps copies. */
export interface Route { delegates: Delegate[]; principalCopies: boolean }

/** The principal whose request this item is (on a delegate's Inbox), if it is one. */
export function delegatedFor(item: Item): string | undefined {
  const v = item.props.find(p => p[0] === DELEGATED_FOR)?.[1];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Principal id → its route. Only an editor of the principal's calendar receives its requests
 * (answering writes that calendar); the principal keeps copies unless every such delegate was added
 * with --requests-to-delegate-only.
 */
export function routesOf(delegations: readonly Delegate[]): Map<number, Route> {
  const out = new Map<number, Route>();
  for (const d of delegations) {
    if (d.calendar !== 'editor') continue;
    const r = out.get(d.principalId) ?? { delegates: [], principalCopies: false };
    r.delegates.push(d);
    r.principalCopies ||= d.principalCopies;
    out.set(d.principalId, r);
  }
  return out;
}

/** Whether `delegateId` edits `principalId`'s calendar: may answer and organize in its name. */
export async function isEditorDelegate(store: Store, principalId: number, delegateId: number): Promise<boolean> {
  return (await store.delegatesOf([principalId])).some(d => d.delegateId === delegateId && d.calendar === 'editor');
}

/**
 * What the principal's own Inbox gets of `msg`: the message itself without delegates; with them, a
 * REQUEST becomes the copy it must not answer (type 6) and a CANCEL stays as it is — or nothing at
 * all when the principal asked for none.
 */
export function principalCopy<M extends { method: string; messageType: number }>(msg: M, route: Route | undefined): M | undefined {
  if (!route) return msg;
  if (!route.principalCopies) return undefined;
  return msg.method === 'REQUEST' ? { ...msg, messageType: MeetingMessageType.Delegated } : msg;
}
