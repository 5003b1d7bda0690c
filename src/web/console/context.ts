// What every console page handler gets once the guards ran: the same names and shape as
// PageContext (src/web/pageContext.ts of the inspector/trace pages), so those routes plug in;
// the per-device `logging` switch is added where that listener piece exists (docs/console.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { HttpServices } from '../../net/mount.js';
import type { Store } from '../../store/Store.js';
import type { User } from '../../store/types.js';

export interface ConsoleContext {
  store: Store;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** The signed-in account and whether it is an operator. */
  viewer: { user: User; admin: boolean };
  /** The hidden CSRF input for this session, to put in every form. */
  csrfField: string;
  /** The posted form, its CSRF token already checked (POST only). */
  form?: URLSearchParams | undefined;
  /** Sends a whole page in the console's layout; `body` is already escaped HTML. */
  page(title: string, body: string, o?: { status?: number; script?: string }): void;
  /** Sends a plain refusal page (403, 404) in the console's layout. */
  refuse(status: 403 | 404, message: string): void;
  redirect(location: string): void;
  /** The listener's services (metrics for the status page). */
  services: HttpServices;
}

/** A console page: `admin` pages refuse non-operators before `handle` runs. */
export type Route = { admin: boolean; handle(ctx: ConsoleContext): Promise<void> };
