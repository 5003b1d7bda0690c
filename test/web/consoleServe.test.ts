// `convene serve` mounts the console under /console on its one listener, beside EAS and DAV, and
// an operator made with the CLI signs in to it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { spawnServe, type Serving } from '../helpers/cli.js';
import { session } from '../helpers/console.js';
import { PASSWORD } from '../helpers/server.js';

const BIN = fileURLToPath(new URL('../../../bin/convene.js', import.meta.url));

describe('convene serve: the console on the EAS listener', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convene-console-serve-'));
  let s: Serving | undefined;
  after(() => {
    if (s && s.process.exitCode === null) s.process.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves /console; an operator added by the CLI signs in and sees the operator pages', async () => {
    const add = spawnSync(process.execPath, [BIN, 'user', 'add', 'ops@example.com', '--password', PASSWORD, '--admin', '--data', dir], { encoding: 'utf8' });
    assert.equal(add.status, 0, add.stderr);
    s = await spawnServe(['--data', dir, '--drain-seconds', '0', '--log-level', 'warn']);
    assert.match(s.output(), /web console at http:\/\/127\.0\.0\.1:\d+\/console/);
    const anon = await fetch(`${s.url}/console`, { redirect: 'manual' });
    assert.equal(anon.status, 303);
    const ops = await session(s.url, 'ops@example.com');
    assert.equal((await fetch(`${s.url}/console/accounts`, { headers: { cookie: ops.cookie } })).status, 200);
    // EAS on the same port still answers as before.
    const eas = await fetch(`${s.url}/Microsoft-Server-ActiveSync`, {
      method: 'OPTIONS', headers: { authorization: `Basic ${Buffer.from(`ops@example.com:${PASSWORD}`).toString('base64')}` },
    });
    assert.equal(eas.status, 200);
    assert.ok(eas.headers.get('ms-asprotocolversions'));
    s.process.kill('SIGTERM');
    assert.equal((await s.exited).code, 0, s.output());
  });
});
