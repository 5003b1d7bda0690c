// Ping (MS-ASCMD 2.2.1.13): wait until one of the folders changes or the heartbeat ends.
import { tags } from '../../wbxml/index.js';
import type { EasClient, EasResponse } from '../EasClient.js';

const p = tags('Ping');

/** MS-ASCMD 2.2.3.177.11: 1 nothing changed, 2 changes, 3–8 a problem with the request. */
export const PING_STATUS: Readonly<Record<number, string>> = {
  1: 'the heartbeat ended without changes', 2: 'changes found', 3: 'the server needs the heartbeat and folders',
  4: 'the request was malformed', 5: 'the heartbeat is out of range', 6: 'too many folders', 7: 'the folder hierarchy is out of date',
  8: 'server error',
};

export interface PingResult {
  status: number;
  /** Folders with changes (Status 2). */
  folders: string[];
  /** Status 5: the interval the server allows; Status 6: the folder limit. */
  heartbeatInterval: number | undefined;
  maxFolders: number | undefined;
  response: EasResponse;
}

/** Sends Ping; with no folders and no heartbeat the server reuses the last ones (MS-ASCMD 2.2.1.13). */
export async function ping(client: EasClient, folders: { id: string; class: string }[], heartbeatSeconds?: number, version?: string): Promise<PingResult> {
  const tree = folders.length === 0 && heartbeatSeconds === undefined ? undefined : p('Ping', [
    heartbeatSeconds !== undefined && p('HeartbeatInterval', heartbeatSeconds),
    folders.length > 0 && p('Folders', folders.map(f => p('Folder', [p('Id', f.id), p('Class', f.class)]))),
  ]);
  const response = await client.send('Ping', tree, { version });
  const body = response.body;
  const number = (name: string) => (body?.childText(name) === undefined ? undefined : Number(body.childText(name)));
  return {
    status: number('Status') ?? (response.status === 200 ? 0 : -1),
    folders: body?.child('Folders')?.all('Folder').map(f => f.text ?? '') ?? [],
    heartbeatInterval: number('HeartbeatInterval'), maxFolders: number('MaxFolders'), response,
  };
}
