// `convene user add --admin` and `convene user admin ADDRESS on|off`: the web console's operators.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'convene-cli-admin-'));

function convene(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CONVENE_DATA: dataDir } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('convene user: operator flag', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('adds an operator, switches the flag, and refuses bad input in one line', () => {
    assert.equal(convene(['user', 'add', 'ops@example.com', '--password', 'ops-secret-1', '--admin']).code, 0);
    assert.equal(convene(['user', 'add', 'amy@example.com', '--password', 'amy-secret-1']).code, 0);
    assert.match(convene(['user', 'list']).out, /ops@example.com\tops\t0 devices\toperator\n/);
    assert.doesNotMatch(convene(['user', 'list']).out, /amy@example.com.*operator/);
    assert.equal(convene(['user', 'admin', 'amy@example.com', 'on']).code, 0);
    assert.match(convene(['user', 'list']).out, /amy@example.com\tamy\t0 devices\toperator/);
    assert.equal(convene(['user', 'admin', 'ops@example.com', 'off']).code, 0);
    assert.doesNotMatch(convene(['user', 'list']).out, /ops@example.com.*operator/);
    const bad = convene(['user', 'admin', 'amy@example.com', 'maybe']);
    assert.notEqual(bad.code, 0);
    assert.match(bad.err, /on or off/);
    const none = convene(['user', 'admin', 'nobody@example.com', 'on']);
    assert.notEqual(none.code, 0);
    assert.equal(none.err.trim().split('\n').length, 1);
    assert.match(convene(['user', '--help']).out, /user admin ADDRESS on\|off/);
  });
});
