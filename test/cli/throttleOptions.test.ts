// `convene serve` throttle options: flags, CONVENE_AUTH_* and the one-line refusals.
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { UsageError } from '../../src/cli/options.js';
import { throttleOptions } from '../../src/cli/throttleOptions.js';

describe('serve: throttle options', () => {
  afterEach(() => { delete process.env.CONVENE_AUTH_FAILURES; delete process.env.CONVENE_AUTH_LOCK; });

  it('reads flags before CONVENE_AUTH_*, in seconds, and leaves the rest to the defaults', () => {
    process.env.CONVENE_AUTH_FAILURES = '7';
    process.env.CONVENE_AUTH_LOCK = '30';
    assert.deepEqual(throttleOptions({ 'auth-failures': '3', 'auth-window': '600' }), { accountFailures: 3, windowMs: 600_000, lockMs: 30_000 });
    assert.deepEqual(throttleOptions({}), { accountFailures: 7, lockMs: 30_000 });
    assert.deepEqual(throttleOptions({ 'auth-failures': '0', 'auth-address-accounts': '0', 'auth-spread-failures': '0' }),
      { accountFailures: 0, addressAccounts: 0, spreadFailures: 0, lockMs: 30_000 });
  });

  it('refuses what is not a whole number in range, naming where it came from', () => {
    const refusal = (values: Record<string, string>): string => {
      try {
        throttleOptions(values);
      } catch (e) {
        assert.ok(e instanceof UsageError);
        return e.message;
      }
      return 'accepted';
    };
    assert.equal(refusal({ 'auth-failures': 'abc' }), '--auth-failures takes a whole number from 0 to 1000, not "abc"');
    assert.equal(refusal({ 'auth-window': '0' }), '--auth-window takes a whole number from 1 to 86400, not "0"');
    assert.equal(refusal({ 'auth-lock': '600', 'auth-lock-max': '60' }), '--auth-lock-max (60 s) is shorter than --auth-lock (600 s)');
    process.env.CONVENE_AUTH_LOCK = '1.5';
    assert.equal(refusal({}), 'CONVENE_AUTH_LOCK (--auth-lock) takes a whole number from 1 to 86400, not "1.5"');
  });
});
