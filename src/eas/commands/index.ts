// The one dispatch table. OPTIONS advertises exactly the commands with a handler here, so the
// list and the implementation cannot drift apart.
import { tags, type Element } from '../../wbxml/index.js';
import type { ProtocolVersion } from '../version.js';
import { find } from './Find.js';
import { folderCreate, folderDelete, folderUpdate } from './FolderChanges.js';
import { folderSync } from './FolderSync.js';
import { getAttachment } from './GetAttachment.js';
import { getItemEstimate } from './GetItemEstimate.js';
import { itemOperations } from './ItemOperations.js';
import { moveItems } from './MoveItems.js';
import { meetingResponse } from './MeetingResponse.js';
import { ping } from './Ping.js';
import { provision } from './Provision.js';
import { resolveRecipients } from './ResolveRecipients.js';
import { search } from './Search.js';
import { sendMail } from './SendMail.js';
import { smartForward } from './SmartForward.js';
import { smartReply } from './SmartReply.js';
import { settings } from './Settings.js';
import { sync } from './Sync/index.js';
import { validateCert } from './ValidateCert.js';
import type { Handler } from './types.js';

export interface CommandDef {
  /** The command's root element in the WBXML body, as [code page, element]. */
  root?: readonly [namespace: string, element: string];
  handler?: Handler;
  minVersion?: ProtocolVersion;
  /** The command's request must have a WBXML body. */
  needsBody?: boolean;
}

// MS-ASCMD 2.2.1: every command the protocol defines. Those without a handler are answered as
// not supported (Status 137), never with a guess.
export const COMMANDS: Readonly<Record<string, CommandDef>> = {
  Sync: { root: ['AirSync', 'Sync'], handler: sync },
  SendMail: { root: ['ComposeMail', 'SendMail'], handler: sendMail },
  SmartForward: { root: ['ComposeMail', 'SmartForward'], handler: smartForward },
  SmartReply: { root: ['ComposeMail', 'SmartReply'], handler: smartReply },
  GetAttachment: { handler: getAttachment },
  FolderSync: { root: ['FolderHierarchy', 'FolderSync'], handler: folderSync, needsBody: true },
  FolderCreate: { root: ['FolderHierarchy', 'FolderCreate'], handler: folderCreate, needsBody: true },
  FolderDelete: { root: ['FolderHierarchy', 'FolderDelete'], handler: folderDelete, needsBody: true },
  FolderUpdate: { root: ['FolderHierarchy', 'FolderUpdate'], handler: folderUpdate, needsBody: true },
  MoveItems: { root: ['Move', 'MoveItems'], handler: moveItems, needsBody: true },
  GetItemEstimate: { root: ['GetItemEstimate', 'GetItemEstimate'], handler: getItemEstimate, needsBody: true },
  MeetingResponse: { root: ['MeetingResponse', 'MeetingResponse'], handler: meetingResponse, needsBody: true },
  Search: { root: ['Search', 'Search'], handler: search, needsBody: true },
  Settings: { root: ['Settings', 'Settings'], handler: settings, minVersion: '12.0', needsBody: true },
  Ping: { root: ['Ping', 'Ping'], handler: ping },
  ItemOperations: { root: ['ItemOperations', 'ItemOperations'], handler: itemOperations, minVersion: '12.0' },
  Provision: { root: ['Provision', 'Provision'], handler: provision, needsBody: true },
  ResolveRecipients: { root: ['ResolveRecipients', 'ResolveRecipients'], handler: resolveRecipients, needsBody: true },
  ValidateCert: { root: ['ValidateCert', 'ValidateCert'], handler: validateCert, needsBody: true },
  Find: { root: ['Find', 'Find'], handler: find, minVersion: '16.1', needsBody: true },
};

export function implementedCommands(): string[] {
  return Object.entries(COMMANDS).filter(([, def]) => def.handler).map(([name]) => name);
}

/** `<Root><Status>n</Status></Root>` in the command's own code page. */
export function statusBody(def: CommandDef, status: number): Element | undefined {
  if (!def.root) return undefined;
  const t = tags(def.root[0]);
  return t(def.root[1], [t('Status', status)]);
}
