// What every command handler receives and returns.
import type { IncomingHttpHeaders } from 'node:http';
import type { Logger } from 'pino';
import type { DeviceWaits } from '../../push/waitForChange.js';
import type { TrustAnchors } from '../../mail/smime/validateCert.js';
import type { Store } from '../../store/Store.js';
import type { ProvisioningSettings } from '../provisioning/gate.js';
import type { Device, User } from '../../store/types.js';
import type { Element } from '../../wbxml/index.js';
import type { RequestLine } from '../query.js';
import type { ProtocolVersion } from '../version.js';

export interface CommandContext {
  store: Store;
  user: User;
  device: Device;
  version: ProtocolVersion;
  line: RequestLine;
  headers: IncomingHttpHeaders;
  /** The decoded WBXML body; undefined when the request had none or was not WBXML. */
  body: Element | undefined;
  /** The raw body, for commands that take MIME (SendMail in 12.1 and below). */
  rawBody: Buffer;
  log: Logger;
  /** Long polls (Ping, hanging Sync) of every device, so a newer one can end an older one. */
  waits: DeviceWaits;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
  /** The device policy and whether it is enforced (docs/provisioning.md). */
  provisioning: ProvisioningSettings;
  /** Largest message SendMail/SmartReply/SmartForward may send, the original included (`--max-body`). */
  maxMessageBytes?: number | undefined;
  /** Roots ValidateCert trusts (`--trust-anchors` plus Node's bundle); Node's bundle alone when absent. */
  trustAnchors?: TrustAnchors | undefined;
}

export interface CommandResult {
  /** A WBXML response; undefined answers 200 with an empty body. */
  body?: Element | undefined;
  /** A response that is not plain WBXML (GetAttachment's bytes, a multipart ItemOperations); wins over `body`. */
  raw?: { contentType: string; data: Buffer } | undefined;
  headers?: Record<string, string>;
}

export type Handler = (ctx: CommandContext) => Promise<CommandResult>;
