// What the device inspector and meeting trace pages need from the console framework (sign-in,
// sessions, CSRF, layout): the signed-in viewer, the CSRF field for forms, and the page layout.
// The framework makes one per request after its guards ran (docs/console.md).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceLogging } from '../eas/deviceLogging.js';
import type { Store } from '../store/Store.js';
import type { User } from '../store/types.js';

export interface PageContext {
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
  /** The per-device logging switch of the listener the console runs on. */
  logging: DeviceLogging;
  /** Sends a whole page in the console's layout; `body` is already escaped HTML. */
  page(title: string, body: string, o?: { status?: number; script?: string }): void;
  /** Sends a plain refusal page (403, 404) in the console's layout. */
  refuse(status: 403 | 404, message: string): void;
  redirect(location: string): void;
}
