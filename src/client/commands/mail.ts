// SendMail, SmartReply, SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.18, 2.2.1.19): 14.0 and later wrap
// the MIME in a ComposeMail tree; older versions post the MIME itself with the parameters in the query.
import { randomUUID } from 'node:crypto';
import { tags } from '../../wbxml/index.js';
import { rootStatus, type EasClient, type EasResponse } from '../EasClient.js';

const cm = tags('ComposeMail');

export interface ComposeOptions {
  /** Unique per message (MS-ASCMD 2.2.3.28.1); a random one by default. */
  clientId?: string | undefined;
  saveInSentItems?: boolean | undefined;
  version?: string | undefined;
}

export interface SourceItem {
  folderId?: string | undefined;
  itemId?: string | undefined;
  longId?: string | undefined;
  instanceId?: string | undefined;
  /** Replace the original's body rather than quote it (MS-ASCMD 2.2.3.152). */
  replaceMime?: boolean | undefined;
}

export interface ComposeResult {
  /** Success is an empty 200; otherwise the Status of the response (MS-ASCMD 2.2.3.177.13). */
  ok: boolean;
  status: number | undefined;
  response: EasResponse;
}

export function sendMail(client: EasClient, mime: Buffer, o: ComposeOptions = {}): Promise<ComposeResult> {
  return compose(client, 'SendMail', mime, undefined, o);
}

export function smartReply(client: EasClient, mime: Buffer, source: SourceItem, o: ComposeOptions = {}): Promise<ComposeResult> {
  return compose(client, 'SmartReply', mime, source, o);
}

export function smartForward(client: EasClient, mime: Buffer, source: SourceItem, o: ComposeOptions = {}): Promise<ComposeResult> {
  return compose(client, 'SmartForward', mime, source, o);
}

async function compose(client: EasClient, cmd: 'SendMail' | 'SmartReply' | 'SmartForward', mime: Buffer, source: SourceItem | undefined,
  o: ComposeOptions): Promise<ComposeResult> {
  const version = o.version ?? client.version;
  const save = o.saveInSentItems ?? true;
  let response: EasResponse;
  if (Number(version) >= 14) {
    response = await client.send(cmd, cm(cmd, [
      cm('ClientId', o.clientId ?? randomUUID()),
      save && cm('SaveInSentItems'),
      source?.replaceMime && cm('ReplaceMime'),
      source && cm('Source', [
        source.folderId !== undefined && cm('FolderId', source.folderId), source.itemId !== undefined && cm('ItemId', source.itemId),
        source.longId !== undefined && cm('LongId', source.longId), source.instanceId !== undefined && cm('InstanceId', source.instanceId),
      ]),
      cm('MIME', mime),
    ]), { version });
  } else {
    // MS-ASHTTP 2.2.1.1.1.2: ItemId, CollectionId and SaveInSent travel in the query.
    const query: Record<string, string> = { ...(save ? { SaveInSent: 'T' } : {}) };
    if (source?.itemId !== undefined) query.ItemId = source.itemId;
    if (source?.folderId !== undefined) query.CollectionId = source.folderId;
    response = await client.send(cmd, undefined, { raw: mime, contentType: 'message/rfc822', query, version });
  }
  const status = rootStatus(response);
  return { ok: response.status === 200 && (status === undefined || status === 1), status, response };
}
