// MS-ASCMD 2.2.1.21 Sync request → a typed request. Pure: no store, no network.
import type { CollectionOptions, ItemClass } from '../../../store/types.js';
import { MAX_WINDOW, type ClientCommand, type CollectionRequest } from '../../../sync/collection.js';
import type { Element } from '../../../wbxml/index.js';
import { toProps } from '../../props.js';

export interface SyncRequest {
  /** Undefined: an empty request (or one without Collections), answered from the cached request. */
  collections: CollectionRequest[] | undefined;
  partial: boolean;
  /** Seconds to hold the request open when nothing changed (Wait is in minutes on the wire). */
  holdSeconds?: number | undefined;
  wait?: number | undefined;
  heartbeatInterval?: number | undefined;
  windowSize?: number | undefined;
}

export class SyncParseError extends Error {}

export function parseSync(body: Element | undefined): SyncRequest {
  if (!body) return { collections: undefined, partial: false };
  if (body.name !== 'Sync' || body.namespace !== 'AirSync') throw new SyncParseError('the root element is not AirSync:Sync');
  // 2.2.3.131 (R4430): a Sync element needs Collections or Partial (an empty body is the empty request).
  if (!body.has('Collections') && !body.has('Partial')) throw new SyncParseError('a Sync request needs Collections or Partial');
  const collections = body.child('Collections')?.all('Collection').map(parseCollection);
  // 2.2.3.31.2: Collections holds 1…N Collection; an empty one (without Partial, which reuses the
  // cached list) would otherwise replace the cached request by nothing.
  if (collections?.length === 0 && !body.has('Partial')) throw new SyncParseError('Collections without a Collection');
  return {
    collections,
    partial: body.has('Partial'),
    wait: optionalInt(body, 'Wait'),
    heartbeatInterval: optionalInt(body, 'HeartbeatInterval'),
    windowSize: windowSizeOf(body),
  };
}

function parseCollection(c: Element): CollectionRequest {
  const syncKey = c.childText('SyncKey');
  const collectionId = c.childText('CollectionId');
  if (!syncKey || !collectionId) throw new SyncParseError('a Collection needs SyncKey and CollectionId');
  const getChanges = c.child('GetChanges');
  // 2.2.3.84 (R5838, R3128): there are no changes to get before the first SyncKey.
  if (syncKey.trim() === '0' && getChanges && getChanges.text !== '0') throw new SyncParseError('GetChanges with SyncKey 0');
  const options: Partial<CollectionOptions> = parseOptions(c);
  const supported = c.child('Supported');
  if (supported) options.supported = supported.children.map(s => `${s.namespace}:${s.name}`);
  const deletesAsMoves = c.childText('DeletesAsMoves');
  if (deletesAsMoves !== undefined) options.deletesAsMoves = deletesAsMoves !== '0';
  return {
    syncKey: syncKey.trim(),
    collectionId: collectionId.trim(),
    getChanges: getChanges ? getChanges.text !== '0' : undefined,
    windowSize: windowSizeOf(c),
    options,
    commands: (c.child('Commands')?.children ?? []).map(parseCommand),
  };
}

// MS-ASCMD 2.2.3.115.5 Options: 14.0+ may send one per Class (Email and SMS); the one without a
// Class, or the first, applies to the collection's own items.
function parseOptions(c: Element): Partial<CollectionOptions> {
  const all = c.all('Options');
  const o = all.find(x => !x.has('Class')) ?? all.find(x => x.childText('Class') !== 'SMS') ?? all[0];
  if (!o) return {};
  const out: Partial<CollectionOptions> = {};
  const filterType = optionalInt(o, 'FilterType');
  if (filterType !== undefined) out.filterType = filterType;
  const conflict = optionalInt(o, 'Conflict');
  if (conflict !== undefined) out.conflict = conflict;
  const mimeSupport = optionalInt(o, 'MIMESupport');
  if (mimeSupport !== undefined) out.mimeSupport = mimeSupport;
  const mimeTruncation = optionalInt(o, 'MIMETruncation');
  if (mimeTruncation !== undefined) out.mimeTruncation = mimeTruncation;
  const prefs = o.all('BodyPreference', 'AirSyncBase');
  if (prefs.length) {
    out.bodyPreferences = prefs.map(p => ({
      type: Number(p.childText('Type') ?? 1),
      truncationSize: optionalInt(p, 'TruncationSize'),
      allOrNone: p.childText('AllOrNone') === '1' || undefined,
      preview: optionalInt(p, 'Preview'),
    }));
  }
  // 2.5 has no BodyPreference: its Truncation code becomes a plain-text preference (MS-ASCMD 2.2.3.185).
  const truncation = optionalInt(o, 'Truncation');
  if (!prefs.length && truncation !== undefined) out.bodyPreferences = [{ type: 1, truncationSize: TRUNCATION[truncation] }];
  const cls = o.childText('Class');
  if (cls) out.class = cls as ItemClass;
  return out;
}

function parseCommand(cmd: Element): ClientCommand {
  const data = cmd.child('ApplicationData');
  const serverId = cmd.childText('ServerId');
  const instanceId = cmd.childText('InstanceId', 'AirSyncBase');
  switch (cmd.name) {
    case 'Add': {
      const clientId = cmd.childText('ClientId');
      if (!clientId || !data) throw new SyncParseError('Add needs ClientId and ApplicationData');
      return { kind: 'Add', clientId, props: toProps(data), send: sendOf(cmd) };
    }
    case 'Change':
      if (!serverId || !data) throw new SyncParseError('Change needs ServerId and ApplicationData');
      return { kind: 'Change', serverId, instanceId, props: toProps(data), send: sendOf(cmd) };
    case 'Delete':
      if (!serverId) throw new SyncParseError('Delete needs ServerId');
      return { kind: 'Delete', serverId, instanceId };
    case 'Fetch':
      if (!serverId) throw new SyncParseError('Fetch needs ServerId');
      return { kind: 'Fetch', serverId };
    default:
      throw new SyncParseError(`${cmd.name} is not a Sync command`);
  }
}

/** MS-ASEMAIL 2.2.2.69: an empty email2:Send beside ApplicationData sends the draft. */
function sendOf(cmd: Element): true | undefined {
  return cmd.has('Send', 'Email2') || undefined;
}

/** MS-ASCMD 2.2.3.185 Truncation codes → bytes; 9 (or any other code) keeps the whole body. */
const TRUNCATION = [0, 512, 1024, 2048, 5120, 10240, 20480, 51200, 102400];

/** MS-ASCMD 2.2.3.199 WindowSize: 0 and values above 512 are 512; a negative count is no request. */
function windowSizeOf(el: Element): number | undefined {
  const n = optionalInt(el, 'WindowSize');
  if (n === undefined) return undefined;
  if (n < 0) throw new SyncParseError('WindowSize is negative');
  return n === 0 || n > MAX_WINDOW ? MAX_WINDOW : n;
}

function optionalInt(el: Element, name: string): number | undefined {
  const text = el.childText(name)?.trim();
  if (text === undefined || text === '') return undefined;
  if (!/^-?\d{1,9}$/.test(text)) throw new SyncParseError(`${name} is not a number`);
  return Number(text);
}
