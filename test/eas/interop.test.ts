// Done-when of the foundation: a FolderSync encoded by libwbxml (a codec we did not write) gets
// Status 1 and the ten default folders, and libwbxml decodes our answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fromXml } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { libwbxmlSkip } from '../helpers/libwbxml.js';

const PROLOG = '<?xml version="1.0"?>\n<!DOCTYPE ActiveSync PUBLIC "-//MICROSOFT//DTD ActiveSync//EN" "http://www.microsoft.com/">\n';

describe('FolderSync through libwbxml', { skip: libwbxmlSkip }, () => {
  let t: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'convene-interop-'));
  before(async () => { t = await startServer(); });
  after(async () => { await t.close(); rmSync(dir, { recursive: true, force: true }); });

  it('answers an xml2wbxml request with Status 1 and ten folders that wbxml2xml can read', async () => {
    writeFileSync(join(dir, 'req.xml'), `${PROLOG}<FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync>\n`);
    execFileSync('xml2wbxml', ['-a', '-n', '-o', join(dir, 'req.wbxml'), join(dir, 'req.xml')], { stdio: 'pipe' });
    const res = await t.client('alice@example.com').send('FolderSync', undefined, { raw: readFileSync(join(dir, 'req.wbxml')) });
    assert.equal(res.status, 200);
    writeFileSync(join(dir, 'res.wbxml'), res.raw);
    execFileSync('wbxml2xml', ['-m', '0', '-l', 'ACTIVESYNC', '-o', join(dir, 'res.xml'), join(dir, 'res.wbxml')], { stdio: 'pipe' });
    const tree = fromXml(readFileSync(join(dir, 'res.xml'), 'utf8'));
    assert.equal(tree.childText('Status'), '1');
    assert.equal(tree.child('Changes')?.all('Add').length, 10);
    assert.deepEqual(tree.child('Changes')?.all('Add').map(a => a.childText('Type')), ['2', '3', '4', '5', '6', '7', '8', '9', '10', '11']);
  });
});
