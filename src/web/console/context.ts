// What every console page handler gets once the guards ran: a PageContext (src/web/pageContext.ts,
// what the inspector and trace routes take) plus the listener's services (docs/console.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServices } from '../../net/mount.js';
import type { PageContext } from '../pageContext.js';
import type { Store } from '../../store/Store.js';
import type { User } from '../../store/types.js';

export interface ConsoleContext extends PageContext {
  /** The listener's services (metrics for the status page). */
  services: HttpServices;
}

/** A console page: `admin` pages refuse non-operators before `handle` runs. */
export type Route = { admin: boolean; handle(ctx: ConsoleContext): Promise<void> };
