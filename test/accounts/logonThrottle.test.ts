// The logon throttle's rules on their own, on a clock the test moves (no waiting): pair locks
// that grow and are forgotten, the address limit over different names, the spread rule that only
// tightens, checks in flight, and the memory bound. Over real HTTP: test/eas/throttle.test.ts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressKey, LogonThrottle, type Attempt, type Refusal, type ThrottleEvent, type ThrottleOptions } from '../../src/accounts/logonThrottle.js';

const MIN = 60_000;

function throttle(o: Partial<ThrottleOptions> = {}) {
  const clock = { now: 1_000_000 };
  const events: ThrottleEvent[] = [];
  const t = new LogonThrottle({ now: () => clock.now, onEvent: e => events.push(e), ...o });
  /** One verified password: its refusal, or undefined once checked. */
  const attempt = (logon: string, addr: string, ok: boolean): Refusal | undefined => {
    const early = t.check(logon, addr);
    if (early) return early;
    const a = t.begin(logon, addr);
    if ('retryAfter' in a) return a;
    t.end(a, ok);
    return undefined;
  };
  return { t, clock, events, attempt, advance: (ms: number) => { clock.now += ms; } };
}

describe('logon throttle', () => {
  it('locks a logon name for one address after its failures, growing, and only there', () => {
    const { attempt, advance, events } = throttle();
    for (let i = 0; i < 5; i++) assert.equal(attempt('alice@example.com', '198.51.100.7', false), undefined);
    assert.deepEqual(attempt('alice@example.com', '198.51.100.7', true), { retryAfter: 60, scope: 'account' });
    // The name is normalised as logons are: same account, same lock.
    assert.deepEqual(attempt('EXAMPLE\\Alice@Example.com ', '198.51.100.7', true), { retryAfter: 60, scope: 'account' });
    // The owner elsewhere is not affected.
    assert.equal(attempt('alice@example.com', '203.0.113.9', true), undefined);
    assert.deepEqual(events, [{ kind: 'lock', scope: 'account', name: 'alice@example.com', addr: '198.51.100.7', seconds: 60 }]);
    // After the lock, each failure locks again, twice as long, up to the longest lock.
    const waits: number[] = [];
    let wait = 60;
    for (let i = 0; i < 8; i++) {
      advance(wait * 1000);
      assert.equal(attempt('alice@example.com', '198.51.100.7', false), undefined);
      wait = attempt('alice@example.com', '198.51.100.7', false)!.retryAfter;
      waits.push(wait);
    }
    assert.deepEqual(waits, [120, 240, 480, 960, 1920, 3600, 3600, 3600]);
  });

  it('forgets after a quiet window and when the right password comes', () => {
    const { attempt, advance } = throttle();
    for (let i = 0; i < 5; i++) attempt('bob', '198.51.100.7', false);
    advance(MIN);
    // Quiet for a whole window after the lock: five tries again, not one.
    advance(15 * MIN);
    for (let i = 0; i < 4; i++) assert.equal(attempt('bob', '198.51.100.7', false), undefined);
    // A correct password clears the pair: four more failures do not lock.
    assert.equal(attempt('bob', '198.51.100.7', true), undefined);
    for (let i = 0; i < 4; i++) assert.equal(attempt('bob', '198.51.100.7', false), undefined);
    assert.equal(attempt('bob', '198.51.100.7', true), undefined);
    // Failures spread over more than a window do not add up.
    for (let i = 0; i < 10; i++) {
      assert.equal(attempt('bob', '198.51.100.7', false), undefined);
      advance(i % 4 === 3 ? 15 * MIN : 1000);
    }
  });

  it('locks an address that fails for many names, not for one name failing again', () => {
    const { attempt, events } = throttle({ addressAccounts: 3, accountFailures: 100 });
    // One phone with a stale password: failures of one name do not count against the address.
    for (let i = 0; i < 20; i++) assert.equal(attempt('carol', '192.0.2.1', false), undefined);
    assert.equal(attempt('dave', '192.0.2.1', false), undefined);
    assert.equal(attempt('erin', '192.0.2.1', false), undefined);
    assert.deepEqual(events.at(-1), { kind: 'lock', scope: 'address', name: 'erin', addr: '192.0.2.1', seconds: 60 });
    // Every name from that address waits, right password or not; other addresses do not.
    assert.deepEqual(attempt('frank', '192.0.2.1', true), { retryAfter: 60, scope: 'address' });
    assert.equal(attempt('frank', '192.0.2.2', true), undefined);
  });

  it('under a spread attack gives each address one failure, and never locks the right password out', () => {
    const { attempt, events } = throttle({ spreadFailures: 10 });
    for (let i = 0; i < 10; i++) assert.equal(attempt('alice', `198.51.100.${i}`, false), undefined);
    assert.deepEqual(events, [{ kind: 'spread', name: 'alice', failures: 10 }]);
    assert.equal(attempt('alice', '203.0.113.1', false), undefined);
    assert.equal(attempt('alice', '203.0.113.1', false)?.scope, 'account');
    // The owner at an address that has not failed gets in.
    assert.equal(attempt('alice', '203.0.113.2', true), undefined);
    assert.equal(attempt('alice', '203.0.113.2', true), undefined);
  });

  it('counts checks in flight: parallel guesses cannot outrun the limit', () => {
    const { t } = throttle();
    const started = Array.from({ length: 8 }, () => t.begin('alice', '198.51.100.7'));
    const admitted = started.filter((a): a is Attempt => !('retryAfter' in a));
    assert.equal(admitted.length, 5);
    assert.deepEqual(started[5], { retryAfter: 1, scope: 'account' });
    for (const a of admitted) t.end(a, false);
    assert.equal(t.check('alice', '198.51.100.7')?.retryAfter, 60);
  });

  it('keeps its memory bounded under a flood of new addresses and names', () => {
    const { attempt, t } = throttle({ maxEntries: 500 });
    for (let i = 0; i < 5000; i++) attempt(`user${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false);
    assert.ok(t.size <= 3 * 500, `${t.size} entries`);
  });

  it('keeps an earned lock through a flood of fresh addresses', () => {
    const { attempt, t } = throttle({ maxEntries: 500 });
    for (let i = 0; i < 5; i++) attempt('alice@example.com', '198.51.100.7', false);
    assert.equal(attempt('alice@example.com', '198.51.100.7', true)?.scope, 'account');
    for (let i = 0; i < 5000; i++) attempt(`user${i}`, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, false);
    assert.ok(t.size <= 3 * 500, `${t.size} entries`);
    assert.equal(attempt('alice@example.com', '198.51.100.7', true)?.scope, 'account');
  });

  it('with every limit 0, never refuses', () => {
    const { attempt } = throttle({ accountFailures: 0, addressAccounts: 0, spreadFailures: 0 });
    for (let i = 0; i < 50; i++) assert.equal(attempt('alice', '198.51.100.7', false), undefined);
  });

  it('counts IPv6 clients by their /64', () => {
    assert.equal(addressKey('2001:DB8:0:1:aaaa::1'), '2001:db8:0:1::/64');
    assert.equal(addressKey('2001:db8::1'), '2001:db8:0:0::/64');
    assert.equal(addressKey('::1'), '0:0:0:0::/64');
    assert.equal(addressKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
    assert.equal(addressKey('198.51.100.7'), '198.51.100.7');
    const { attempt } = throttle();
    for (let i = 0; i < 5; i++) attempt('alice', `2001:db8:0:1::${i + 1}`, false);
    assert.equal(attempt('alice', '2001:db8:0:1:ffff::9', true)?.scope, 'account');
    assert.equal(attempt('alice', '2001:db8:0:2::1', true), undefined);
  });
});
