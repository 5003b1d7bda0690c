// The upload spool (src/net/spool.ts): whatever the chunking, the bytes come back as written, the
// memory budget is never passed, the disk budget refuses with SpoolFull, and dispose releases all.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { Spooler, SpoolFull } from '../../src/net/spool.js';

describe('upload spool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convene-spool-unit-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('returns the bytes as written across the memory-to-file move, within the memory budget', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 20 }), async chunks => {
      const spooler = new Spooler({ memoryPerUpload: 4096, memoryTotal: 6000, diskTotal: 1 << 20, dir });
      const other = spooler.start();
      await other.write(Buffer.alloc(3000, 7));
      const spool = spooler.start();
      for (const c of chunks) {
        await spool.write(Buffer.from(c));
        assert.ok(spooler.gauge().memoryBytes <= 6000);
      }
      assert.deepEqual(await spool.bytes(), Buffer.concat(chunks.map(c => Buffer.from(c))));
      await spool.dispose();
      await other.dispose();
      assert.deepEqual(spooler.gauge(), { memoryBytes: 0, diskBytes: 0, uploads: 0 });
    }), { numRuns: 40 });
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses with SpoolFull past the disk budget; the bytes already taken are released on dispose', async () => {
    const spooler = new Spooler({ memoryPerUpload: 10, memoryTotal: 10, diskTotal: 100, dir });
    const spool = spooler.start();
    await spool.write(Buffer.alloc(60));
    await assert.rejects(spool.write(Buffer.alloc(60)), SpoolFull);
    assert.equal(spooler.gauge().diskBytes, 60);
    await spool.dispose();
    assert.deepEqual(spooler.gauge(), { memoryBytes: 0, diskBytes: 0, uploads: 0 });
  });
});
