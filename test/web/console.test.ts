// The web console over real HTTP on the EAS listener: sign-in and its throttle, sessions stored as
// hashes, CSRF on every POST, operator pages refused to users, forged cookies, escaping, CSP.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CollectionMirror } from '../../src/client/collection.js';
import { FolderHierarchyMirror } from '../../src/client/folders.js';
import { FolderType } from '../../src/store/types.js';
import { consoleMount } from '../../src/web/console/mount.js';
import { post, session, signIn } from '../helpers/console.js';
import { folderId, startServer, type TestServer } from '../helpers/server.js';
import { BACKENDS } from '../helpers/stores.js';

for (const backend of BACKENDS) describe(`web console over HTTP (${backend.name})`, () => {
  let t: TestServer;
  before(async () => {
    t = await startServer({ backend, users: ['ops@example.com', 'alice@example.com', 'bob@example.com'], server: { mounts: [consoleMount()] } });
    await t.store.setAdmin((await t.store.findUserByEmail('ops@example.com'))!.id, true);
  });
  after(() => t?.close());

  it('signs in with the account password: HttpOnly SameSite=Strict cookie, only its SHA-256 stored, CSP on pages', async () => {
    const res = await signIn(t.url, 'alice@example.com');
    assert.equal(res.status, 303);
    const setCookie = res.headers.get('set-cookie')!;
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.doesNotMatch(setCookie, /Secure/, 'plain HTTP on loopback: no Secure flag');
    const token = /convene_console=([^;]+)/.exec(setCookie)![1]!;
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const stored = await t.store.findConsoleSession(createHash('sha256').update(token).digest('hex'));
    assert.ok(stored, 'the session is found by the hash of the token');
    assert.equal(await t.store.findConsoleSession(token), undefined, 'the token itself is not stored');
    const home = await fetch(`${t.url}/console`, { headers: { cookie: `convene_console=${token}` } });
    assert.equal(home.status, 200);
    assert.match(home.headers.get('content-security-policy')!, /default-src 'self'/);
    assert.match(await home.text(), /alice/);
  });

  it('refuses a wrong password (401), then throttles the logon like EAS (503 with Retry-After)', async () => {
    const wrong = await signIn(t.url, 'bob@example.com', 'not the password');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.headers.get('set-cookie'), null);
    let last = wrong;
    for (let i = 0; i < 6; i++) last = await signIn(t.url, 'bob@example.com', 'not the password');
    assert.equal(last.status, 503);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
    // Held even with the right password while the lock lasts; EAS is held the same way.
    assert.equal((await signIn(t.url, 'bob@example.com')).status, 503);
    const eas = await fetch(`${t.url}/Microsoft-Server-ActiveSync?Cmd=FolderSync&User=bob&DeviceId=X1&DeviceType=T`, {
      method: 'OPTIONS', headers: { authorization: `Basic ${Buffer.from('bob@example.com:nope').toString('base64')}` },
    });
    assert.equal(eas.status, 503);
  });

  it('unsigned requests go to the sign-in page; a forged cookie gets nothing', async () => {
    const anon = await fetch(`${t.url}/console/accounts`, { redirect: 'manual' });
    assert.equal(anon.status, 303);
    assert.match(anon.headers.get('location')!, /^\/console\/signin/);
    const forged = await fetch(`${t.url}/console/accounts`, { redirect: 'manual', headers: { cookie: `convene_console=${'A'.repeat(43)}` } });
    assert.equal(forged.status, 303);
    assert.equal((await post(t.url, '/console/me/oof', { cookie: `convene_console=${'A'.repeat(43)}` }, { state: '1' })).status, 403);
  });

  it('a POST without the session\'s CSRF token is refused (403) and changes nothing', async () => {
    const s = await session(t.url, 'ops@example.com');
    const none = await post(t.url, '/console/accounts', s, { op: 'add', address: 'mallory@example.com', password: 'long enough pw' });
    assert.equal(none.status, 403);
    const other = await session(t.url, 'alice@example.com');
    const wrong = await post(t.url, '/console/accounts', s, { op: 'add', address: 'mallory@example.com', password: 'long enough pw', csrf: other.csrf });
    assert.equal(wrong.status, 403, 'another session\'s token does not do');
    const foreign = await fetch(`${t.url}/console/accounts`, {
      method: 'POST', headers: { cookie: s.cookie, origin: 'http://evil.example', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ op: 'add', address: 'mallory@example.com', password: 'long enough pw', csrf: s.csrf }).toString(),
    });
    assert.equal(foreign.status, 403, 'a form from another origin');
    assert.equal(await t.store.findUserByEmail('mallory@example.com'), undefined);
    const ok = await post(t.url, '/console/accounts', s, { op: 'add', address: 'carol@example.com', password: 'long enough pw', csrf: s.csrf });
    assert.equal(ok.status, 200);
    assert.ok(await t.store.findUserByEmail('carol@example.com'));
  });

  it('a user opening operator pages gets 403; their own cookie does not reach another account', async () => {
    const alice = await session(t.url, 'alice@example.com');
    for (const path of ['/console/accounts', '/console/devices', '/console/status']) {
      assert.equal((await fetch(`${t.url}${path}`, { headers: { cookie: alice.cookie } })).status, 403, path);
    }
    assert.equal((await post(t.url, '/console/accounts', alice, { op: 'remove', address: 'bob@example.com', csrf: alice.csrf })).status, 403);
    assert.ok(await t.store.findUserByEmail('bob@example.com'));
    // Alice's session only ever shows and changes Alice's settings.
    await post(t.url, '/console/me/oof', alice, { state: '1', 'Internal-on': '1', 'Internal-text': 'away', csrf: alice.csrf });
    const bob = (await t.store.findUserByEmail('bob@example.com'))!;
    assert.equal(await t.store.getOof(bob.id), undefined);
    assert.equal((await t.store.getOof((await t.store.findUserByEmail('alice@example.com'))!.id))?.state, 1);
  });

  it('what devices and users wrote is shown as text', async () => {
    const client = t.client('alice@example.com', { deviceId: 'EVIL1', deviceType: '<script>alert(1)</script>' });
    await new FolderHierarchyMirror(client).sync();
    const ops = await session(t.url, 'ops@example.com');
    await post(t.url, '/console/accounts', ops, { op: 'add', address: 'dave@example.com', name: '<img src=x onerror=alert(2)>', password: 'long enough pw', csrf: ops.csrf });
    const devices = await (await fetch(`${t.url}/console/devices`, { headers: { cookie: ops.cookie } })).text();
    assert.doesNotMatch(devices, /<script>alert/);
    assert.match(devices, /&#60;script&#62;alert\(1\)/);
    const accounts = await (await fetch(`${t.url}/console/accounts`, { headers: { cookie: ops.cookie } })).text();
    assert.doesNotMatch(accounts, /<img src=x/);
  });

  it('operator wipes a device; sign-out ends the session', async () => {
    const client = t.client('alice@example.com', { deviceId: 'ALICE2' });
    await new FolderHierarchyMirror(client).sync();
    const ops = await session(t.url, 'ops@example.com');
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const devices = (await t.store.listDevices(alice.id)).filter(d => d.deviceId === 'ALICE2');
    assert.equal(devices.length, 1);
    const res = await post(t.url, '/console/devices', ops, { op: 'wipe', device: String(devices[0]!.id), csrf: ops.csrf });
    assert.equal(res.status, 200);
    assert.equal((await t.store.listDevices(alice.id)).find(d => d.deviceId === 'ALICE2')!.wipe?.status, 'requested');
    // The device inspector and the meeting trace run in the console: operators only for the inspector.
    const inspect = `/console/devices/${devices[0]!.id}/inspect`;
    const inspector = await fetch(`${t.url}${inspect}`, { headers: { cookie: ops.cookie } });
    assert.equal(inspector.status, 200);
    assert.match(inspector.headers.get('content-security-policy')!, /script-src 'self' 'sha256-/);
    assert.match(await (await fetch(`${t.url}/console/devices`, { headers: { cookie: ops.cookie } })).text(), new RegExp(`href="${inspect}"`));
    const aliceSession = await session(t.url, 'alice@example.com');
    assert.equal((await fetch(`${t.url}${inspect}`, { headers: { cookie: aliceSession.cookie } })).status, 403);
    assert.equal((await fetch(`${t.url}/console/trace?q=x`, { headers: { cookie: aliceSession.cookie } })).status, 200);
    assert.equal((await post(t.url, `/console/devices/${devices[0]!.id}/logging`, ops, { on: '1' })).status, 403, 'logging switch needs the CSRF token');
    assert.equal((await post(t.url, `/console/devices/${devices[0]!.id}/logging`, ops, { on: '1', csrf: ops.csrf })).status, 303);
    assert.ok((await t.store.deviceLoggingUntil(devices[0]!.id))! > Date.now());
    // A user's device form reaches only their own devices: another account's device id is refused.
    const erin = await t.store.createUser({ email: 'erin@example.com', displayName: 'Erin', passwordHash: alice.passwordHash });
    const erinSession = await session(t.url, 'erin@example.com');
    const other = await post(t.url, '/console/me/devices', erinSession, { op: 'remove', device: String(devices[0]!.id), csrf: erinSession.csrf });
    assert.match(await other.text(), /No such device/);
    assert.equal((await t.store.listDevices(alice.id)).filter(d => d.deviceId === 'ALICE2').length, 1);
    assert.equal((await t.store.listDevices(erin.id)).length, 0);
    assert.equal((await post(t.url, '/console/signout', ops, { csrf: ops.csrf })).status, 303);
    assert.equal((await fetch(`${t.url}/console`, { redirect: 'manual', headers: { cookie: ops.cookie } })).status, 303);
  });

  it('outbound queue page lists entries per recipient; Retry now brings a queued one due', async () => {
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const entry = await t.store.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['"<script>"@remote.example', 'x@remote.example'], mime: Buffer.from('Subject: hi\r\n\r\nhi\r\n') });
    const ops = await session(t.url, 'ops@example.com');
    const page = await (await fetch(`${t.url}/console/queue`, { headers: { cookie: ops.cookie } })).text();
    assert.match(page, new RegExp(`#${entry.id}`));
    assert.doesNotMatch(page, /"<script>"@/);
    assert.match(page, /x@remote\.example — pending/);
    const res = await post(t.url, '/console/queue', ops, { id: String(entry.id), csrf: ops.csrf });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /tried again now/);
    assert.ok((await t.store.getOutbound(entry.id))!.dueAt <= Date.now());
    const user = await session(t.url, 'alice@example.com');
    assert.equal((await fetch(`${t.url}/console/queue`, { headers: { cookie: user.cookie } })).status, 403);
  });

  it('Give up: CSRF-checked, gives up one pending recipient of a queued entry and bounces it to the sender; anything else refused', async () => {
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    const inboxOf = async () => {
      const inbox = (await t.store.listFolders(alice.id)).find(f => f.type === FolderType.Inbox)!;
      return t.store.getItems(inbox.id, await t.store.liveItemIds(inbox.id));
    };
    const entry = await t.store.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['gone@remote.example', 'later@remote.example'], mime: Buffer.from('Subject: Quarterly\r\n\r\nhi\r\n') });
    const ops = await session(t.url, 'ops@example.com');
    const snapshot = async () => { const e = (await t.store.getOutbound(entry.id))!; return [e.status, e.pending, e.failed]; };
    const before = await snapshot();
    const inboxBefore = (await inboxOf()).length;
    const page = await (await fetch(`${t.url}/console/queue`, { headers: { cookie: ops.cookie } })).text();
    assert.match(page, /name="recipient" value="gone@remote\.example"><button aria-label="Give up gone@remote\.example">Give up/);

    const forged = await post(t.url, '/console/queue', ops, { op: 'giveup', id: String(entry.id), recipient: 'gone@remote.example' });
    assert.equal(forged.status, 403);
    assert.deepEqual(await snapshot(), before, 'no CSRF token: nothing changed');
    assert.equal((await inboxOf()).length, inboxBefore);

    const res = await post(t.url, '/console/queue', ops, { op: 'giveup', id: String(entry.id), recipient: 'gone@remote.example', csrf: ops.csrf });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Gave up gone@remote\.example of message #\d+/);
    const after = (await t.store.getOutbound(entry.id))!;
    assert.equal(after.status, 'queued', 'another recipient still waits');
    assert.deepEqual(after.pending, ['later@remote.example']);
    assert.deepEqual(after.failed.map(f => f.recipient), ['gone@remote.example']);
    assert.match(after.failed[0]!.error, /given up by an operator after 0 attempts/);
    const reports = (await inboxOf()).slice(inboxBefore);
    assert.equal(reports.length, 1, 'the sender gets one delivery report');
    const prop = (name: string) => reports[0]!.props.find(p => p[0] === name)?.[1];
    assert.equal(prop('Email:MessageClass'), 'REPORT.IPM.Note.NDR');
    assert.equal(prop('Email:Subject'), 'Undeliverable: Quarterly');
    assert.match(JSON.stringify(prop('AirSyncBase:Body')), /gone@remote\.example/);

    // The last pending recipient given up: the entry fails, as when the loop gives up.
    assert.equal((await post(t.url, '/console/queue', ops, { op: 'giveup', id: String(entry.id), recipient: 'later@remote.example', csrf: ops.csrf })).status, 200);
    assert.equal((await t.store.getOutbound(entry.id))!.status, 'failed');
    const failed = await snapshot();
    const inboxNow = (await inboxOf()).length;
    assert.equal(inboxNow, inboxBefore + 2);
    // Not queued any more (failed), a recipient that is not pending, an id that is no number: refused, unchanged.
    for (const form of [{ id: String(entry.id), recipient: 'later@remote.example' }, { id: String(entry.id), recipient: 'nobody@remote.example' }, { id: 'x', recipient: 'a@b' }]) {
      const refused = await post(t.url, '/console/queue', ops, { op: 'giveup', ...form, csrf: ops.csrf });
      assert.equal(refused.status, 409);
      assert.match(await refused.text(), /Nothing given up: that recipient is not waiting in a queued message/);
    }
    assert.deepEqual(await snapshot(), failed);
    assert.equal((await inboxOf()).length, inboxNow);
    // A leased entry (a node is sending it) is left to that node.
    const leasedEntry = await t.store.enqueueOutbound({ userId: alice.id, from: 'alice@example.com', recipients: ['busy@remote.example'], mime: Buffer.from('Subject: x\r\n\r\nx\r\n') });
    await t.store.transaction(tx => tx.claimOutbound('test-node', { limit: 100, leaseMs: 600_000 }));
    assert.equal((await t.store.getOutbound(leasedEntry.id))!.status, 'sending');
    assert.equal((await post(t.url, '/console/queue', ops, { op: 'giveup', id: String(leasedEntry.id), recipient: 'busy@remote.example', csrf: ops.csrf })).status, 409);
    assert.deepEqual((await t.store.getOutbound(leasedEntry.id))!.pending, ['busy@remote.example']);
    assert.equal((await inboxOf()).length, inboxNow);
  });

  it('devices page shows each device\'s last sync per folder, in statements that do not grow with devices', async () => {
    const ops = await session(t.url, 'ops@example.com');
    const inbox = await folderId(t, 'alice@example.com', FolderType.Inbox);
    const syncOne = async (deviceId: string) => {
      const client = t.client('alice@example.com', { deviceId });
      await new FolderHierarchyMirror(client).sync();
      await new CollectionMirror(client, inbox).sync();
    };
    await syncOne('ALICESYNC1');
    const statementsFor = async () => {
      const start = t.store.statementCounts().statements;
      const html = await (await fetch(`${t.url}/console/devices`, { headers: { cookie: ops.cookie } })).text();
      return { html, statements: t.store.statementCounts().statements - start };
    };
    const one = await statementsFor();
    assert.match(one.html, /Last sync per folder/);
    const row = /<code>ALICESYNC1<\/code>[\s\S]*?<\/tr>/.exec(one.html)![0];
    assert.match(row, /<li>Inbox — \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ <small>\(SyncKey \d+\)<\/small><\/li>/);
    await syncOne('ALICESYNC2');
    const two = await statementsFor();
    assert.match(two.html, /<code>ALICESYNC2<\/code>[\s\S]*?<li>Inbox — /);
    assert.equal(two.statements, one.statements, 'one more synced device of an account: no more statements');
  });

  it('status page shows the metrics numbers', async () => {
    const ops = await session(t.url, 'ops@example.com');
    const page = await (await fetch(`${t.url}/console/status`, { headers: { cookie: ops.cookie } })).text();
    assert.match(page, /HTTP requests answered<\/th><td>\d+/);
  });
});
