// Sync results → the MS-ASCMD 2.2.1.21 response tree. Status numbers live here, nowhere else.
import type { CollectionResult, Outcome } from '../../../sync/collection.js';
import { tags, type Element } from '../../../wbxml/index.js';
import { toElements } from '../../props.js';

const as = tags('AirSync');

/** MS-ASCMD 2.2.3.177.17 Status (Sync). */
export const SyncStatus = {
  Success: 1,
  InvalidSyncKey: 3,
  ProtocolError: 4,
  ServerError: 5,
  ConversionError: 6,
  Conflict: 7,
  ObjectNotFound: 8,
  FolderHierarchyChanged: 12,
  IncompleteRequest: 13,
  InvalidInterval: 14,
  InvalidRequest: 15,
  Retry: 16,
} as const;

const STATUS: Record<Outcome, number> = {
  OK: SyncStatus.Success,
  INVALID_SYNC_KEY: SyncStatus.InvalidSyncKey,
  PROTOCOL_ERROR: SyncStatus.ProtocolError,
  INVALID_ITEM: SyncStatus.ConversionError,
  CONFLICT: SyncStatus.Conflict,
  NOT_FOUND: SyncStatus.ObjectNotFound,
  HIERARCHY_CHANGED: SyncStatus.FolderHierarchyChanged,
  NOT_SUPPORTED: SyncStatus.ProtocolError,
};

export function buildSync(results: CollectionResult[], version: number): Element {
  return as('Sync', [as('Collections', results.map(r => buildCollection(r, version)))]);
}

export function syncStatusOnly(status: number, limit?: number): Element {
  return as('Sync', [as('Status', status), limit !== undefined && as('Limit', limit)]);
}

// Items arrive rendered for the device, bodies cut as it asked (src/sync/codecs.ts toDevice).
function buildCollection(r: CollectionResult, version: number): Element {
  const ok = r.outcome === 'OK';
  return as('Collection', [
    version < 12.1 && r.class && as('Class', r.class),
    r.syncKey !== undefined && as('SyncKey', r.syncKey),
    as('CollectionId', r.collectionId),
    as('Status', STATUS[r.outcome]),
    ok && r.responses.length > 0 && as('Responses', r.responses.flatMap(x => {
      // Exchange reports a successful Change or Delete by saying nothing about it, except that an
      // occurrence edit is echoed with its InstanceId (MS-ASAIRS 2.2.2.25) and files added to a
      // draft with their FileReferences (MS-ASAIRS 2.2.2.14).
      if ((x.kind === 'Change' || x.kind === 'Delete') && x.outcome === 'OK' && !x.instanceId && !x.props) return [];
      return [as(x.kind, [
        x.clientId !== undefined && as('ClientId', x.clientId),
        x.serverId !== undefined && as('ServerId', x.serverId),
        x.instanceId !== undefined && tags('AirSyncBase')('InstanceId', x.instanceId),
        as('Status', STATUS[x.outcome]),
        x.props && as('ApplicationData', toElements(x.props)),
      ])];
    })),
    ok && r.moreAvailable && as('MoreAvailable'),
    ok && r.commands.length > 0 && as('Commands', r.commands.map(c => as(c.kind, [
      as('ServerId', c.serverId),
      c.props && as('ApplicationData', toElements(c.props)),
    ]))),
  ]);
}

