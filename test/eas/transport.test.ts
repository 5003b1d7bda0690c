// MS-ASHTTP transport: discovery, the gate's answers to bad requests, both query forms.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tags } from '../../src/wbxml/index.js';
import { startServer, type TestServer } from '../helpers/server.js';

const fh = tags('FolderHierarchy');
const folderSync0 = fh('FolderSync', [fh('SyncKey', '0')]);

describe('EAS HTTP transport', () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'], server: { maxBodyBytes: 64 * 1024, protocolLogDir: undefined } });
  });
  after(() => t.close());

  it('MS-ASHTTP 2.2.4: OPTIONS lists versions and the implemented commands without credentials', async () => {
    const res = await t.client('alice@example.com').discover(false);
    assert.equal(res.status, 200);
    assert.equal(res.headers['ms-asprotocolversions'], '2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    assert.match(String(res.headers['ms-asprotocolcommands']), /(^|,)FolderSync(,|$)/);
    assert.ok(res.headers['ms-server-activesync']);
  });

  it('OPTIONS with wrong credentials gets 401, as phones verify accounts with it', async () => {
    const res = await t.client('alice@example.com', { password: 'wrong' }).discover(true);
    assert.equal(res.status, 401);
    assert.match(String(res.headers['www-authenticate']), /^Basic realm=/);
    assert.equal((await t.client('alice@example.com').discover(true)).status, 200);
  });

  it('MS-ASHTTP 2.2.2.1.1: a wrong password, an unknown account or no credentials get 401', async () => {
    for (const c of [t.client('alice@example.com', { password: 'nope' }), t.client('carol@example.com')]) {
      const res = await c.send('FolderSync', folderSync0);
      assert.equal(res.status, 401);
      assert.match(String(res.headers['www-authenticate']), /Basic/);
    }
  });

  it('accepts the logon as address, local part or DOMAIN\\user', async () => {
    for (const user of ['alice@example.com', 'alice', 'EXAMPLE\\alice', 'ALICE@EXAMPLE.COM']) {
      const res = await t.client(user).send('FolderSync', folderSync0);
      assert.equal(res.status, 200, user);
      assert.equal(res.body?.childText('Status'), '1', user);
    }
  });

  it('a User that is not the authenticated account is refused (Status 130 for 14.0+, HTTP 403 before)', async () => {
    const c = t.client('alice@example.com');
    const r14 = await c.send('FolderSync', folderSync0, { query: { User: 'bob@example.com' } });
    assert.equal(r14.status, 200);
    assert.equal(r14.body?.childText('Status'), '130');
    const c12 = t.client('alice@example.com', { version: '12.1' });
    assert.equal((await c12.send('FolderSync', folderSync0, { query: { User: 'bob@example.com' } })).status, 403);
  });

  it('MS-ASCMD 2.2.2: malformed WBXML gets Status 102 for 14.0+ and HTTP 400 before; the server keeps serving', async () => {
    const garbage = Buffer.from([0x03, 0x01, 0x6a, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30]);
    const r14 = await t.client('alice@example.com').send('FolderSync', undefined, { raw: garbage });
    assert.equal(r14.status, 200);
    assert.equal(r14.body?.name, 'FolderSync');
    assert.equal(r14.body?.childText('Status'), '102');
    const r25 = await t.client('alice@example.com', { version: '2.5' }).send('FolderSync', undefined, { raw: garbage });
    assert.equal(r25.status, 400);
    assert.equal(r25.raw.length, 0);
    assert.equal((await t.client('alice@example.com').send('FolderSync', folderSync0)).status, 200);
  });

  it('survives random bodies: every answer is a well-formed response, never a 500', async () => {
    let seed = 12345;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 200; i++) {
      const bytes = Buffer.from(Array.from({ length: 1 + Math.floor(rand() * 40) }, () => Math.floor(rand() * 256)));
      if (rand() < 0.5) bytes.set([0x03, 0x01, 0x6a, 0x00].slice(0, bytes.length));
      const res = await t.client('alice@example.com').send('FolderSync', undefined, { raw: bytes });
      assert.ok(res.status === 200, `seed 12345 case ${i}: HTTP ${res.status}`);
      assert.match(String(res.body?.childText('Status')), /^(1|9|10|102)$/);
    }
  });

  it('an unknown Cmd gets 501; every command MS-ASCMD 2.2.1 defines has a handler (none is answered 137)', async () => {
    assert.equal((await t.client('alice@example.com').send('Teleport', folderSync0)).status, 501);
    const r14 = await t.client('alice@example.com').send('ValidateCert', tags('ValidateCert')('ValidateCert'));
    assert.equal(r14.status, 200);
    assert.equal(r14.body?.name, 'ValidateCert');
    // An empty ValidateCert is a protocol error (MS-ASCMD 2.2.3.177.18), in every version.
    assert.equal(r14.body?.childText('Status'), '2');
  });

  it('MS-ASHTTP 2.2.1.1.1.2.1: an empty Cmd, or one that names no command (Object\'s own names too), gets 501 and touches nothing', async () => {
    for (const cmd of ['', 'constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      for (const version of ['14.1', '12.1']) {
        const res = await t.client('alice@example.com', { version, deviceId: 'CMDPROBE' }).send(cmd, folderSync0);
        assert.equal(res.status, 501, `${cmd} ${version}`);
      }
    }
    // No Cmd at all in the plain form: the query is neither form (400).
    const user = encodeURIComponent('alice@example.com');
    const noCmd = await fetch(`${t.url}/Microsoft-Server-ActiveSync?User=${user}&DeviceId=NOCMD&DeviceType=Phone`, {
      method: 'POST', headers: { 'MS-ASProtocolVersion': '14.1', Authorization: `Basic ${Buffer.from('alice@example.com:x').toString('base64')}` },
    });
    assert.equal(noCmd.status, 400);
  });

  it('an unsupported or missing MS-ASProtocolVersion gets 400 with the supported list', async () => {
    for (const v of ['17.0', '1.0', '']) {
      const res = await t.client('alice@example.com').send('FolderSync', folderSync0, { headers: { 'MS-ASProtocolVersion': v } });
      assert.equal(res.status, 400, v);
      assert.equal(res.headers['ms-asprotocolversions'], '2.5,12.0,12.1,14.0,14.1,16.0,16.1');
    }
  });

  it('a missing DeviceId or DeviceType gets Status 108/109 (14.0+) or HTTP 400', async () => {
    const c = t.client('alice@example.com');
    assert.equal((await c.send('FolderSync', folderSync0, { query: { DeviceId: '' } })).body?.childText('Status'), '108');
    assert.equal((await c.send('FolderSync', folderSync0, { query: { DeviceId: 'bad id!' } })).body?.childText('Status'), '108');
    assert.equal((await c.send('FolderSync', folderSync0, { query: { DeviceType: '' } })).body?.childText('Status'), '109');
    assert.equal((await t.client('alice@example.com', { version: '12.0' }).send('FolderSync', folderSync0, { query: { DeviceId: '' } })).status, 400);
  });

  it('a body over the limit gets 413 and nothing is processed', async () => {
    const res = await t.client('alice@example.com').send('FolderSync', undefined, { raw: Buffer.alloc(65 * 1024, 0x41) });
    assert.equal(res.status, 413);
  });

  it('a query that is neither form gets 400', async () => {
    const res = await fetch(`${t.url}/Microsoft-Server-ActiveSync?!!notbase64!!`, { method: 'POST' });
    assert.equal(res.status, 400);
    assert.equal((await fetch(`${t.url}/elsewhere`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(`${t.url}/Microsoft-Server-ActiveSync`, { method: 'GET' })).status, 405);
  });

  it('MS-ASHTTP 2.2.1.1.1.1: the base64 query form works and the DeviceId becomes hex', async () => {
    const c = t.client('alice@example.com', { base64Query: true, deviceId: 'a1b2c3d4', version: '14.1' });
    const res = await c.send('FolderSync', folderSync0);
    assert.equal(res.status, 200);
    assert.equal(res.body?.childText('Status'), '1');
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    assert.ok((await t.store.listDevices(alice.id)).some(d => d.deviceId === 'A1B2C3D4'));
  });

  it('records each device with its type, user agent and version', async () => {
    await t.client('bob@example.com', { deviceId: 'PHONE7', deviceType: 'Android', userAgent: 'Android/14', version: '16.1' })
      .send('FolderSync', folderSync0);
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    const [device] = await t.store.listDevices(bob.id);
    assert.deepEqual([device.deviceId, device.deviceType, device.userAgent, device.protocolVersion], ['PHONE7', 'Android', 'Android/14', '16.1']);
  });
});

describe('protocol log', () => {
  it('writes each exchange as XML per device, with credentials redacted', async () => {
    const t0 = await startServer({});
    const logDir = join(t0.backend.dataDir, 'logs');
    await t0.close();
    const t = await startServer({ server: { protocolLogDir: logDir } });
    try {
      await t.client('alice@example.com', { deviceId: 'LOGDEV' }).send('FolderSync', folderSync0);
      await new Promise(r => setTimeout(r, 100));
      const dir = join(logDir, 'alice@example.com');
      assert.deepEqual(readdirSync(dir), ['LOGDEV.log']);
      const text = readFileSync(join(dir, 'LOGDEV.log'), 'utf8');
      assert.match(text, /<FolderSync xmlns="FolderHierarchy:">/);
      assert.match(text, /<DisplayName>Inbox<\/DisplayName>/);
      assert.match(text, /authorization: Basic alice@example.com:\*\*\*/);
      assert.doesNotMatch(text, /correct horse/);
    } finally {
      await t.close();
    }
  });
});
