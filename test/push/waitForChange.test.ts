// Issue 14, retained state after a round of held waits: every way a wait ends (a change, its
// time, a newer wait from the same device, shutdown) leaves no listener on the change feed and no
// entry in DeviceWaits, so a node's heap returns to its baseline once the Pings are answered.
// Counted, never timed or measured in bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeviceWaits, waitForChange } from '../../src/push/waitForChange.js';
import { ChangeFeed } from '../../src/store/changes.js';

async function round(end: (feed: ChangeFeed, waits: DeviceWaits) => void, timeoutMs = 60_000): Promise<void> {
  const feed = new ChangeFeed();
  const waits = new DeviceWaits();
  const held: Promise<unknown>[] = [];
  for (let device = 1; device <= 200; device++) {
    const userId = device % 5;
    const c = waits.begin(device);
    held.push(
      waitForChange(feed, { userId, folderIds: new Set([userId * 10]), timeoutMs, signal: c.signal, settleMs: 0 }).finally(() =>
        waits.end(device, c),
      ),
    );
  }
  assert.equal(feed.size, 200);
  assert.equal(waits.size, 200);
  end(feed, waits);
  await Promise.all(held);
  assert.equal(feed.size, 0, 'no listener left on the change feed');
  assert.equal(waits.size, 0, 'no DeviceWaits entry left');
  assert.equal((feed as unknown as { byUser: Map<number, unknown> }).byUser.size, 0, 'no per-account set left');
}

describe('waits leave nothing behind (issue 14)', () => {
  it('woken by changes', () => round(feed => { for (let u = 0; u < 5; u++) feed.emit({ userId: u, folderId: u * 10 }); }));
  it('woken by a hierarchy change', () => round(feed => { for (let u = 0; u < 5; u++) feed.emit({ userId: u, hierarchy: true }); }));
  it('ended by their time', () => round(() => undefined, 1));
  it('ended at shutdown', () => round((_feed, waits) => waits.endAll()));
});
