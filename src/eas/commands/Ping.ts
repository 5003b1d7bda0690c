// MS-ASCMD 2.2.1.13 Ping: hold the request until one of the device's folders changes (Status 2),
// its folder hierarchy changes (7), or the heartbeat ends (1). Interval and folder list are cached
// per device, so a Ping without them repeats the last one (3.1.5.8). No polling: the wait is on
// the store's change feed.
import { waitForChange } from '../../push/waitForChange.js';
import { checkFolders, type PingCheck } from '../../sync/ping.js';
import { ownersAmong, sharedCalendarsOf } from '../../sync/sharedCalendars.js';
import { tags, type Element } from '../../wbxml/index.js';
import type { CommandContext, CommandResult } from './types.js';

const p = tags('Ping');

/** MS-ASCMD 2.2.3.177.11 Status (Ping). */
export const PingStatus = {
  Expired: 1,
  ChangesFound: 2,
  MissingParameters: 3,
  SyntaxError: 4,
  InvalidInterval: 5,
  TooManyFolders: 6,
  FolderSyncRequired: 7,
  ServerError: 8,
} as const;

/** Seconds; the same bounds as Sync's HeartbeatInterval (MS-ASCMD 2.2.3.88.2). */
export const HEARTBEAT = { min: 60, max: 3540 };
export const MAX_FOLDERS = 300;
/** How long a woken Ping gathers further changes before it answers. */
export const PING_SETTLE_MS = 5;

interface PingParameters { heartbeat: number; folderIds: number[] }

export async function ping(ctx: CommandContext): Promise<CommandResult> {
  const parsed = parse(ctx.body);
  if (parsed === 'invalid') return status(PingStatus.SyntaxError);
  const raw = await ctx.store.getDeviceCache(ctx.device.id, 'ping');
  const cached = raw ? (JSON.parse(raw) as PingParameters) : undefined;
  const heartbeat = parsed.heartbeat ?? cached?.heartbeat;
  const folderIds = parsed.folderIds ?? cached?.folderIds;
  if (heartbeat === undefined || folderIds === undefined) return status(PingStatus.MissingParameters);
  if (heartbeat < HEARTBEAT.min || heartbeat > HEARTBEAT.max) {
    return { body: p('Ping', [p('Status', PingStatus.InvalidInterval), p('HeartbeatInterval', heartbeat < HEARTBEAT.min ? HEARTBEAT.min : HEARTBEAT.max)]) };
  }
  if (folderIds.length > MAX_FOLDERS) return { body: p('Ping', [p('Status', PingStatus.TooManyFolders), p('MaxFolders', MAX_FOLDERS)]) };
  // Cached for a Ping without them (3.1.5.8); a Ping that repeats the cached ones writes nothing.
  const now = JSON.stringify({ heartbeat, folderIds } satisfies PingParameters);
  if ((parsed.heartbeat !== undefined || parsed.folderIds !== undefined) && now !== raw) {
    await ctx.store.setDeviceCache(ctx.device.id, 'ping', now);
  }
  return { body: answer(await watch(ctx, heartbeat, folderIds)) };
}

/** Subscribes before looking, so a change that lands in between is not missed. */
async function watch(ctx: CommandContext, heartbeat: number, folderIds: number[]): Promise<PingCheck | { kind: 'expired' }> {
  const controller = ctx.waits.begin(ctx.device.id);
  const stop = (): void => controller.abort();
  ctx.signal.addEventListener('abort', stop);
  try {
    // A short settle: one transaction's announcements arrive together (one tick), so a longer one
    // only delays the answer; the device's next Sync sees whatever lands after it (issue 14: wake
    // p99 ≤ 50 ms among 10,000 held Pings).
    // Calendars shared with the account (a delegate's) change under their owner's id: watched there too.
    const shared = await sharedCalendarsOf(ctx.store, ctx.user.id);
    const woke = waitForChange(ctx.store.changes, {
      userId: ctx.user.id, otherUserIds: ownersAmong(shared, folderIds), folderIds: new Set(folderIds), timeoutMs: heartbeat * 1000, signal: controller.signal, settleMs: PING_SETTLE_MS,
    });
    const now = await checkFolders(ctx.store, ctx.device, folderIds, shared);
    if (now.kind !== 'quiet') {
      controller.abort();
      return now;
    }
    const reason = await woke;
    if (reason.kind === 'items') return { kind: 'changed', folderIds: reason.folderIds };
    if (reason.kind === 'hierarchy') return { kind: 'hierarchy' };
    return { kind: 'expired' };
  } finally {
    ctx.signal.removeEventListener('abort', stop);
    ctx.waits.end(ctx.device.id, controller);
  }
}

function answer(outcome: PingCheck | { kind: 'expired' }): Element {
  switch (outcome.kind) {
    case 'changed': return p('Ping', [p('Status', PingStatus.ChangesFound), p('Folders', outcome.folderIds.map(id => p('Folder', String(id))))]);
    case 'hierarchy': return p('Ping', [p('Status', PingStatus.FolderSyncRequired)]);
    default: return p('Ping', [p('Status', PingStatus.Expired)]);
  }
}

function parse(body: Element | undefined): { heartbeat?: number | undefined; folderIds?: number[] | undefined } | 'invalid' {
  if (!body) return {};
  if (body.name !== 'Ping' || body.namespace !== 'Ping') return 'invalid';
  const hb = body.childText('HeartbeatInterval')?.trim();
  // An integer out of range, whatever its sign or size, is Status 5 with the bound (R5837, R4249);
  // only text that is no integer at all is a syntax error.
  if (hb !== undefined && !/^[+-]?\d+$/.test(hb)) return 'invalid';
  const folders = body.child('Folders');
  const ids = folders?.all('Folder').map(f => f.childText('Id')?.trim() ?? '');
  if (ids && (ids.length === 0 || ids.some(id => !/^\d{1,15}$/.test(id)))) return 'invalid';
  return { heartbeat: hb === undefined ? undefined : clampedInteger(hb), folderIds: ids?.map(Number) };
}

/** A decimal integer of any length, as a number that keeps its side of the HEARTBEAT bounds. */
function clampedInteger(text: string): number {
  const n = Number(text);
  return Number.isFinite(n) ? n : text.startsWith('-') ? -Infinity : Infinity;
}

function status(code: number): CommandResult {
  return { body: p('Ping', [p('Status', code)]) };
}
