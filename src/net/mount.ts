// Another transport on the EAS listener (CalDAV under /dav/): the listener owns the socket, TLS,
// limits, the access log and the one password check; a mount owns its paths. The listener hands a
// mount these services, so transports share accounts, the logon throttle and body limits without
// importing each other (docs/dav.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { DeviceLogging } from '../eas/deviceLogging.js';
import type { Store } from '../store/Store.js';
import type { Device, User } from '../store/types.js';
import type { BodyLimits } from './body.js';

/** The account behind a request's credentials, or the answer refusing it (401 challenge, 503 throttled). */
export type CredentialCheck =
  /** `device`: read with the account when the check was given a DeviceId (EAS), null when it has none. */
  | { user: User; device?: Device | null | undefined }
  | { user?: undefined; http: 401 | 503; headers: Record<string, string> };

export interface HttpServices {
  store: Store;
  log: Logger;
  /** The one password check of the listener: same accounts, same throttle, same counters. */
  checkCredentials(req: IncomingMessage, endpoint: string): Promise<CredentialCheck>;
  body: BodyLimits;
  /** The numbers `/metrics` serves (the console's status page reads them). */
  metrics?: Registry | undefined;
  /** The listener's per-device protocol logging switch (the console's device inspector). */
  deviceLogging?: DeviceLogging | undefined;
  /** Whether this listener speaks TLS itself or is told a TLS proxy is in front (Secure cookies). */
  tls?: boolean | undefined;
}

export interface HttpMount {
  /** A name for the access log and metrics ("DAV"). */
  name: string;
  /** Whether `path` (lower-cased, no trailing slash) belongs to this mount. */
  handles(path: string): boolean;
  handle(services: HttpServices, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void>;
}
