// Per-device protocol logging switched at runtime (src/eas/deviceLogging.ts) and its live bus
// (src/eas/liveBus.ts): a real server, a real client, the switch in the store.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { CACHE_MS, DeviceLogging } from '../../src/eas/deviceLogging.js';
import { deviceLoggingOf } from '../../src/eas/http/server.js';
import { LiveBus } from '../../src/eas/liveBus.js';
import type { ProtocolExchange } from '../../src/store/traceTypes.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';

describe('LiveBus: bounded, never waits for a subscriber', () => {
  it('a subscriber that stays full is dropped once its queue overflows; the others keep receiving', () => {
    const bus = new LiveBus<number, number>(3);
    const fast: number[] = [];
    let dropped = false;
    bus.subscribe(1, { write: x => (fast.push(x), true), dropped: () => assert.fail('fast dropped') });
    const slow: number[] = [];
    bus.subscribe(1, { write: x => (slow.push(x), false), dropped: () => { dropped = true; } });
    for (let i = 0; i < 10; i++) bus.publish(1, i);
    assert.deepEqual(fast, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.deepEqual(slow, [0], 'took one, then was full');
    assert.ok(dropped);
    assert.equal(bus.listeners(1), 1);
  });

  it('a subscriber that drains gets what waited, in order', () => {
    const bus = new LiveBus<string, number>(10);
    const got: number[] = [];
    let open = false;
    const sub = bus.subscribe('d', { write: x => (got.push(x), open), dropped: () => assert.fail('dropped') });
    for (let i = 0; i < 4; i++) bus.publish('d', i);
    open = true;
    sub.drained();
    assert.deepEqual(got, [0, 1, 2, 3]);
    sub.close();
    assert.equal(bus.listeners('d'), 0);
  });
});

describe('device logging switched at runtime', () => {
  let t: TestServer;
  let logging: DeviceLogging;
  let devicePk: number;

  before(async () => {
    t = await startServer({ users: ['alice@example.com'] });
    logging = deviceLoggingOf(t.server)!;
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LOGME' })).sync();
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    devicePk = (await t.store.listDevices(alice.id)).find(d => d.deviceId === 'LOGME')!.id;
  });
  after(() => t.close());

  it('off by default: nothing is kept', async () => {
    assert.deepEqual(await t.store.listProtocolExchanges(devicePk, { limit: 10 }), []);
  });

  it('on: each exchange is kept and published, decoded to XML, credentials redacted, Status values found', async () => {
    await logging.set(devicePk, true);
    const live: ProtocolExchange[] = [];
    const sub = logging.bus.subscribe(devicePk, { write: x => (live.push(x), true), dropped: () => {} });
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LOGME' })).sync();
    // The log is written after the answer went out: wait for it by polling the bus (no clock).
    while (!live.length) await new Promise(r => setImmediate(r));
    sub.close();
    const [x] = await t.store.listProtocolExchanges(devicePk, { limit: 10 });
    assert.equal(x!.cmd, 'FolderSync');
    assert.deepEqual(live.map(e => e.id), [x!.id]);
    assert.match(x!.request, /<FolderSync xmlns="FolderHierarchy"?/);
    assert.match(x!.request, /authorization: Basic alice@example\.com:\*\*\*/i);
    assert.ok(!x!.request.includes(Buffer.from(`alice@example.com:${PASSWORD}`).toString('base64')), 'no credentials');
    assert.ok(!x!.request.includes(PASSWORD));
    assert.equal(x!.statuses[0], 1);
    assert.deepEqual(await t.store.getProtocolExchange(devicePk, x!.id), x);
    assert.deepEqual(await t.store.listProtocolExchanges(devicePk, { limit: 10, cmd: 'Sync' }), []);
  });

  it('the switch is in the store: another node sees it once its cache (CACHE_MS) is past', async () => {
    let clock = 1_000_000;
    const other = new DeviceLogging(t.store, () => clock);
    await other.set(devicePk, true, clock + 60_000);
    assert.equal(await other.isOn(devicePk), true);
    const node2 = new DeviceLogging(t.store, () => clock);
    assert.equal(await node2.isOn(devicePk), true);
    await other.set(devicePk, false);
    assert.equal(await node2.isOn(devicePk), true, 'cached');
    clock += CACHE_MS;
    assert.equal(await node2.isOn(devicePk), false);
  });

  it('one read per CACHE_MS serves every device, however many ask (counted statements)', async () => {
    let clock = 2_000_000;
    const node = new DeviceLogging(t.store, () => clock);
    await node.set(devicePk, true, clock + 60_000);
    const before = t.store.statementCounts().statements;
    const answers = await Promise.all(Array.from({ length: 500 }, (_, i) => node.isOn(i === 0 ? devicePk : 1_000_000 + i)));
    assert.deepEqual([answers[0], answers.slice(1).some(Boolean)], [true, false]);
    assert.equal(t.store.statementCounts().statements - before, 1);
    clock += CACHE_MS;
    await node.isOn(devicePk);
    assert.equal(t.store.statementCounts().statements - before, 2);
    await node.set(devicePk, false);
  });

  it('off: nothing more is kept', async () => {
    await logging.set(devicePk, false);
    const before = (await t.store.listProtocolExchanges(devicePk, { limit: 100 })).length;
    await new FolderHierarchyMirror(t.client('alice@example.com', { deviceId: 'LOGME' })).sync();
    assert.equal((await t.store.listProtocolExchanges(devicePk, { limit: 100 })).length, before);
  });
});
