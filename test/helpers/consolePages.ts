// A stand-in for the console framework (sign-in, sessions, CSRF, layout: the wt-console branch)
// so the device inspector and meeting trace pages run in a real browser before it is merged: the
// viewer is given, not signed in. Replace with the framework's harness once merged.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceLogging } from '../../src/eas/deviceLogging.js';
import type { HttpMount } from '../../src/net/mount.js';
import type { Store } from '../../src/store/Store.js';
import type { User } from '../../src/store/types.js';
import { escapeHtml } from '../../src/web/html.js';
import { inspectorRoute, isInspectorPath } from '../../src/web/inspector/routes.js';
import type { PageContext } from '../../src/web/pageContext.js';
import { isTracePath, traceRoute } from '../../src/web/trace/routes.js';

export function pagesMount(o: { store: Store; logging: () => DeviceLogging; viewer: () => { user: User; admin: boolean } }): HttpMount {
  return {
    name: 'Console',
    handles: path => path.startsWith('/console'),
    async handle(_services, req: IncomingMessage, res: ServerResponse, url: URL) {
      const form = req.method === 'POST' ? new URLSearchParams(await text(req)) : undefined;
      const send = (status: number, title: string, body: string, script?: string) => {
        res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">`
          + `<title>${escapeHtml(title)}</title><style>${CSS}</style></head><body><main>${body}</main>${script ? `<script>${script}</script>` : ''}</body></html>`);
      };
      const ctx: PageContext = {
        store: o.store, req, res, url, viewer: o.viewer(), csrfField: '', form, logging: o.logging(),
        page: (title, body, p = {}) => send(p.status ?? 200, title, body, p.script),
        refuse: (status, message) => send(status, 'Refused', `<p>${escapeHtml(message)}</p>`),
        redirect: location => { res.writeHead(303, { Location: location }); res.end(); },
      };
      if (isInspectorPath(url.pathname)) return inspectorRoute(ctx);
      if (isTracePath(url.pathname)) return traceRoute(ctx);
      send(404, 'Not found', '<p>Not found.</p>');
    },
  };
}

async function text(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const CSS = `body{font-family:system-ui,sans-serif;margin:1rem;max-width:70rem}
.status.bad,mark.status.bad{background:#b00020;color:#fff;padding:0 .3em;border-radius:.2em}
.status.ok,mark.status.ok{background:#dfd;color:#060;padding:0 .3em}
.exchange{border-bottom:1px solid #ccc;padding:.4rem 0;list-style:none}.exchange.failing{border-left:4px solid #b00020;padding-left:.4rem}
pre.xml{white-space:pre-wrap;word-break:break-all;background:#f6f6f6;padding:.5rem;font-size:.85rem}
.note.step-refused{color:#b00020}.note .step{display:inline-block;min-width:7em;font-weight:bold}
.timeline>li{margin-bottom:1rem}`;
