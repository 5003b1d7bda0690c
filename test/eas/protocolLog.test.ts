// The per-device protocol log (`--log-devices`): owner-only files, rotated by size.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DEFAULT_ROTATION, ProtocolLog, type Exchange } from '../../src/eas/protocolLog.js';

const dir = mkdtempSync(join(tmpdir(), 'convene-plog-'));

const exchange = (n: number): Exchange => ({
  account: 'ann@example.com', deviceId: 'ROT1', method: 'POST', url: `/Microsoft-Server-ActiveSync?Cmd=Ping&n=${n}`,
  requestHeaders: { 'content-type': 'text/plain' }, requestBody: Buffer.from(`request ${n} `.padEnd(200, '.')),
  status: 200, responseHeaders: {}, responseBody: Buffer.alloc(0), ms: 1,
});

describe('ProtocolLog', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates a device file past maxBytes, keeping `keep` older files, newest first; 0600 files in 0700 folders', async () => {
    assert.deepEqual(DEFAULT_ROTATION, { maxBytes: 10 * 1024 * 1024, keep: 3 });
    const logs = join(dir, 'logs');
    const log = new ProtocolLog(logs, { maxBytes: 1000, keep: 2 });
    // Concurrent writes, as requests of one device finish together: none lost while a rotation runs.
    await Promise.all(Array.from({ length: 20 }, (_, i) => log.write(exchange(i))));
    const folder = join(logs, 'ann@example.com');
    assert.deepEqual(readdirSync(folder).sort(), ['ROT1.log', 'ROT1.log.1', 'ROT1.log.2']);
    const sizes = ['ROT1.log', 'ROT1.log.1', 'ROT1.log.2'].map(f => statSync(join(folder, f)).size);
    for (const size of sizes) assert.ok(size <= 1000, `${size} bytes`);
    const numbers = (f: string) => [...readFileSync(join(folder, f), 'utf8').matchAll(/n=(\d+)/g)].map(m => Number(m[1]));
    const kept = [...numbers('ROT1.log.2'), ...numbers('ROT1.log.1'), ...numbers('ROT1.log')];
    // The newest exchanges, in order, ending with the last one written.
    assert.deepEqual(kept, Array.from({ length: kept.length }, (_, i) => 20 - kept.length + i));
    for (const f of readdirSync(folder)) assert.equal(statSync(join(folder, f)).mode & 0o777, 0o600, f);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    assert.equal(statSync(logs).mode & 0o777, 0o700);
  });
});
