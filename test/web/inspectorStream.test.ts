// The device inspector's Server-Sent Events stream (src/web/inspector/stream.ts) over real HTTP:
// the backlog after Last-Event-ID, then live exchanges of a real device, filtered by command.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { deviceLoggingOf } from '../../src/eas/http/server.js';
import { streamExchanges } from '../../src/web/inspector/stream.js';
import { exchangeFragment } from '../../src/web/inspector/view.js';
import { startServer, type TestServer } from '../helpers/server.js';

/** Reads SSE events until `count` have come; returns their ids and data. */
async function readEvents(url: string, count: number, headers: Record<string, string> = {}): Promise<{ id: number; data: string }[]> {
  const res = await fetch(url, { headers });
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const reader = res.body!.getReader();
  const events: { id: number; data: string }[] = [];
  let buffer = '';
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += Buffer.from(value).toString('utf8');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const id = /^id: (\d+)$/m.exec(block);
      if (id) events.push({ id: Number(id[1]), data: block.split('\n').filter(l => l.startsWith('data: ')).map(l => l.slice(6)).join('\n') });
    }
  }
  await reader.cancel();
  return events;
}

describe('device inspector: the live stream', () => {
  let t: TestServer;
  let http: Server;
  let base = '';
  let devicePk = 0;

  before(async () => {
    t = await startServer({ users: ['alice@example.com'] });
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LIVE1' })).sync();
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    devicePk = (await t.store.listDevices(alice.id))[0]!.id;
    const logging = deviceLoggingOf(t.server)!;
    await logging.set(devicePk, true);
    http = createServer((req, res) => {
      const cmd = new URL(req.url!, 'http://x').searchParams.get('cmd') ?? undefined;
      void streamExchanges(req, res, { store: t.store, logging, devicePk, cmd, render: x => exchangeFragment(x) });
    });
    await new Promise<void>(r => http.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}/`;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise(r => http.close(r));
    await t.close();
  });

  it('a device request appears live, as an escaped fragment with its Status', async () => {
    const reading = readEvents(`${base}?cmd=FolderSync`, 1);
    // Let the stream subscribe before the device speaks (the backlog would carry it anyway).
    await new Promise(r => setTimeout(r, 0));
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LIVE1' })).sync();
    const [e] = await reading;
    assert.ok(e);
    assert.match(e.data, /<strong class="cmd">FolderSync<\/strong>/);
    assert.match(e.data, /Status(&gt;|&#62;)<mark class="status ok">1<\/mark>/);
    assert.ok(!e.data.includes('<FolderSync'), 'the XML is escaped');
  });

  it('a reconnect gets what was kept after its Last-Event-ID first', async () => {
    const kept = await t.store.listProtocolExchanges(devicePk, { limit: 10 });
    assert.ok(kept.length >= 1);
    const all = await readEvents(base, kept.length);
    assert.deepEqual(all.map(e => e.id), kept.map(x => x.id));
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LIVE1' })).sync();
    const after = await readEvents(base, 1, { 'Last-Event-ID': String(kept.at(-1)!.id) });
    assert.ok(after[0]!.id > kept.at(-1)!.id);
  });
});

describe('device inspector: a lone CR in an exchange', () => {
  it('stays inside its data lines (a bare CR ends an SSE line too, WHATWG HTML 9.2.6)', async () => {
    const t = await startServer({ users: ['carol@example.com'] });
    await new FolderHierarchyMirror(t.client('carol@example.com', { deviceId: 'CR1' })).sync();
    const carol = (await t.store.findUserByEmail('carol@example.com'))!;
    const pk = (await t.store.listDevices(carol.id))[0]!.id;
    const logging = deviceLoggingOf(t.server)!;
    const http = createServer((req, res) => {
      void streamExchanges(req, res, { store: t.store, logging, devicePk: pk, render: () => 'a\revent: forged\rid: 999999\r\rdata: b' });
    });
    await new Promise<void>(r => http.listen(0, '127.0.0.1', r));
    try {
      await logging.set(pk, true);
      await new FolderHierarchyMirror(t.client('carol@example.com', { deviceId: 'CR1' })).sync();
      const res = await fetch(`http://127.0.0.1:${(http.address() as AddressInfo).port}/`);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('data: b')) text += Buffer.from((await reader.read()).value!).toString('utf8');
      await reader.cancel();
      assert.ok(!text.includes('\r'), 'no bare CR reaches the stream');
      assert.ok(!/^event: forged$/m.test(text) && !/^id: 999999$/m.test(text), 'no forged field line');
    } finally {
      http.closeAllConnections();
      await new Promise(r => http.close(r));
      await t.close();
    }
  });
});
