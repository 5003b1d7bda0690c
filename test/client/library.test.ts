// The client library (convene/client) against a running Convene: every command it offers, the
// transport choices (version per call, base64 query, 451 redirects), provisioning on demand
// and a device state saved and resumed.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
// The sources directly, so a bare `tsc -p tsconfig.json` builds the tests; the package name is checked below.
import * as lib from '../../src/client/index.js';
import { selfSignedTls } from '../../src/eas/http/tls.js';
import { FolderType } from '../../src/store/types.js';
import { email } from '../helpers/items.js';
import { PASSWORD, startServer, type TestServer } from '../helpers/server.js';

const { EasClient, EasSession, provision } = lib;
const mime = (from: string, to: string, subject: string) => Buffer.from(
  `From: ${from}\r\nTo: ${to}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello about ${subject}\r\n`);

describe('the client library (convene/client)', () => {
  let t: TestServer;
  let dir: string;
  let n = 0;
  const client = (o: Partial<lib.EasClientOptions> = {}) =>
    new EasClient({ baseUrl: t.url, user: 'alice@example.com', password: PASSWORD, deviceId: `LIB${++n}`, autoProvision: true, ...o });
  const session = async (o: Partial<lib.EasClientOptions> = {}) => {
    const s = new EasSession(client(o));
    assert.equal(await s.folderSync(), 1);
    return s;
  };
  const idOf = (s: lib.EasSession, type: number) => s.folders.byType(type)!.serverId;

  before(async () => {
    t = await startServer({ users: ['alice@example.com', 'bob@example.com'], server: { requireProvisioning: true } });
    dir = mkdtempSync(join(tmpdir(), 'convene-client-'));
  });
  after(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the package entry point convene/client, with its types and the wbxml helpers', async () => {
    const byName = await import('convene/client' as string) as typeof lib;
    assert.equal(byName.EasClient, lib.EasClient, 'convene/client is dist/src/client/index.js');
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { exports: Record<string, { types: string }>; scripts: Record<string, string> };
    assert.equal(pkg.exports['./client']?.types, './dist/src/client/index.d.ts');
    assert.match(pkg.scripts.build!, /tsconfig\.client\.json/, 'npm run build emits the declarations');
    assert.equal(typeof lib.search, 'function');
    assert.ok(lib.decode(lib.encode(lib.tags('FolderHierarchy')('FolderSync', [lib.tags('FolderHierarchy')('SyncKey', '0')]))));
  });

  it('OPTIONS: the versions and commands the server offers', async () => {
    const r = await client().serverVersions();
    assert.ok(r.versions.includes('16.1') && r.commands.includes('Find'));
  });

  it('provisioning: 142 (14.1) and 449 (12.1) are answered by Provision and the request is sent again', async () => {
    for (const version of ['14.1', '12.1']) {
      const refused = await client({ version, autoProvision: false }).send('FolderSync', lib.tags('FolderHierarchy')('FolderSync', [lib.tags('FolderHierarchy')('SyncKey', '0')]));
      assert.ok(lib.needsProvisioning(refused), version);
      const c = client({ version });
      const seen: number[] = [];
      c.onExchange(x => seen.push(x.response.status));
      const s = new EasSession(c);
      assert.equal(await s.folderSync(), 1, version);
      assert.ok(c.policyKey, 'the final policy key is kept');
      assert.equal(seen.length, 4, `refused, Provision twice, retried (${seen})`);
    }
    const explicit = await provision(client({ autoProvision: false }));
    assert.equal(explicit.policyStatus, 1);
    assert.ok(explicit.finalKey);
  });

  it('Sync: syncAll follows MoreAvailable with the SyncKeys; GetItemEstimate counts what is waiting', async () => {
    const s = await session();
    const inbox = idOf(s, FolderType.Inbox);
    const alice = (await t.store.findUserByEmail('alice@example.com'))!;
    for (let i = 0; i < 5; i++) await t.store.addItem(alice.id, Number(inbox), { class: 'Email', props: email(`Batch ${i}`) });
    const mirror = s.collection(inbox);
    await mirror.sync();
    const est = await lib.getItemEstimate(s.client, [{ collectionId: inbox, syncKey: mirror.syncKey }]);
    assert.deepEqual(est.estimates.map(e => [e.status, e.estimate]), [[1, 5]]);
    const legacy = await lib.getItemEstimate(s.client, [{ collectionId: inbox, syncKey: mirror.syncKey, class: 'Email' }], '12.1');
    assert.equal(legacy.estimates[0]?.estimate, 5, 'the 12.1 form, version per call');
    const rounds = await mirror.syncAll({ windowSize: 2 });
    assert.equal(rounds.length, 3, 'three windows of at most two');
    assert.equal(mirror.items.size, 5);
  });

  it('a device state saved to a file and resumed continues with the same SyncKeys and policy key', async () => {
    const s = await session();
    const inbox = idOf(s, FolderType.Inbox);
    await s.collection(inbox).syncAll();
    const file = join(dir, 'device.json');
    await s.save(file);
    assert.doesNotMatch(readFileSync(file, 'utf8'), new RegExp(PASSWORD), 'no password in the file');
    const resumed = await EasSession.load(file, { password: PASSWORD, autoProvision: true });
    assert.equal(resumed.client.policyKey, s.client.policyKey);
    const mirror = resumed.collection(inbox);
    assert.equal(mirror.syncKey, s.collection(inbox).syncKey);
    const sent = await lib.sendMail(s.client, mime('bob@example.com', 'alice@example.com', 'After resume'));
    assert.ok(sent.ok);
    const rounds = await mirror.syncAll();
    assert.equal(rounds[0]?.status, 1, 'the saved SyncKey is still good');
    const adds = rounds.flatMap(r => r.collection?.child('Commands')?.all('Add') ?? []);
    assert.equal(adds.length, 1, 'only what is new since the save');
    await assert.rejects(lib.readState(join(dir, 'missing.json')));
  });

  it('Ping: a change in a watched folder ends it with Status 2', async () => {
    const s = await session();
    const inbox = idOf(s, FolderType.Inbox);
    await s.collection(inbox).syncAll();
    const waiting = lib.ping(s.client, [{ id: inbox, class: 'Email' }], 120);
    await new Promise(resolve => setTimeout(resolve, 300));
    await lib.sendMail(client(), mime('alice@example.com', 'alice@example.com', 'Wake up'));
    const r = await waiting;
    assert.deepEqual([r.status, r.folders], [2, [inbox]]);
  });

  it('ItemOperations Fetch, MoveItems and EmptyFolderContents', async () => {
    const s = await session();
    const inbox = idOf(s, FolderType.Inbox);
    const mirror = s.collection(inbox);
    await mirror.syncAll();
    const [serverId] = [...mirror.items.keys()];
    const fetched = await lib.fetchItem(s.client, { collectionId: inbox, serverId });
    assert.equal(fetched.status, 1);
    assert.ok(lib.propText(fetched.props!, 'Email:Subject'));
    const notes = s.folders.byType(FolderType.Notes)!.serverId;
    const drafts = idOf(s, FolderType.Drafts);
    const moved = await lib.moveItems(s.client, [{ srcMsgId: serverId!, srcFldId: inbox, dstFldId: drafts }]);
    assert.equal(moved.results[0]?.status, 3, 'MoveItems Status 3 is success');
    assert.ok(moved.results[0]?.dstMsgId);
    const emptied = await lib.emptyFolderContents(s.client, drafts);
    assert.equal(emptied.status, 1);
    assert.ok(notes);
  });

  it('SendMail, SmartReply and SmartForward, in the 14.x and the 12.1 form', async () => {
    const bob = new EasSession(client({ user: 'bob@example.com' }));
    await bob.folderSync();
    const inbox = bob.folders.byType(FolderType.Inbox)!.serverId;
    const mirror = bob.collection(inbox);
    await mirror.syncAll();
    const before = mirror.items.size;
    assert.ok((await lib.sendMail(client(), mime('alice@example.com', 'bob@example.com', 'Original'))).ok);
    assert.ok((await lib.sendMail(client({ version: '12.1' }), mime('alice@example.com', 'bob@example.com', 'Old form'))).ok);
    await mirror.syncAll();
    assert.equal(mirror.items.size, before + 2);
    const [original] = [...mirror.items.entries()].find(([, p]) => lib.propText(p, 'Email:Subject') === 'Original')!;
    const reply = await lib.smartReply(bob.client, mime('bob@example.com', 'alice@example.com', 'Re: Original'), { folderId: inbox, itemId: original });
    assert.ok(reply.ok, `SmartReply ${reply.response.status} ${reply.status}`);
    const forward = await lib.smartForward(bob.client, mime('bob@example.com', 'alice@example.com', 'Fwd: Original'), { folderId: inbox, itemId: original }, { version: '12.1' });
    assert.ok(forward.ok, `SmartForward 12.1 ${forward.response.status} ${forward.status}`);
  });

  it('MeetingResponse: an invitation accepted, the organizer sees AttendeeStatus 3', async () => {
    const alice = await session({ version: '16.1' });
    const bob = await session({ user: 'bob@example.com', version: '16.1' });
    const cal = alice.collection(idOf(alice, FolderType.Calendar));
    await cal.syncAll();
    const start = Date.now() + 2 * 86_400_000;
    const at = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    await cal.sync([{ kind: 'Add', clientId: 'm', props: [
      ['Calendar:Timezone', Buffer.alloc(172).toString('base64')], ['Calendar:Subject', 'Library meeting'], ['Calendar:StartTime', at(start)],
      ['Calendar:EndTime', at(start + 3_600_000)], ['Calendar:MeetingStatus', '1'],
      ['Calendar:Attendees', [['Calendar:Attendee', [['Calendar:Email', 'bob@example.com'], ['Calendar:Name', 'Bob'], ['Calendar:AttendeeType', '1']]]]],
    ] }]);
    const inbox = bob.collection(idOf(bob, FolderType.Inbox));
    await inbox.syncAll();
    const [requestId] = [...inbox.items.entries()].find(([, p]) => lib.propText(p, 'Email:Subject') === 'Library meeting')!;
    const r = await lib.meetingResponse(bob.client, [{ response: 'accept', collectionId: inbox.collectionId, requestId }]);
    assert.equal(r.results[0]?.status, 1);
    assert.ok(r.results[0]?.calendarId);
    await cal.syncAll();
    const item = [...cal.items.values()].find(p => lib.propText(p, 'Calendar:Subject') === 'Library meeting')!;
    const attendee = lib.propChildren(item, 'Calendar:Attendees')![0]![1] as lib.ItemProps;
    assert.equal(lib.propText(attendee, 'Calendar:AttendeeStatus'), '3');
  });

  it('Search, Find and ResolveRecipients', async () => {
    const s = await session({ version: '16.1' });
    await lib.sendMail(s.client, mime('alice@example.com', 'alice@example.com', 'Quarterly numbers'));
    const found = await lib.search(s.client, 'Quarterly');
    assert.equal(found.status, 1);
    assert.ok(found.hits.some(h => lib.propText(h.props, 'Email:Subject') === 'Quarterly numbers' && h.longId));
    const gal = await lib.search(s.client, 'bob', { store: 'GAL' });
    assert.ok(gal.hits.some(h => lib.propText(h.props, 'GAL:EmailAddress') === 'bob@example.com'));
    const viaFind = await lib.find(s.client, 'Quarterly');
    assert.equal(viaFind.status, 1);
    assert.ok(viaFind.hits.some(h => h.serverId && lib.propText(h.props, 'Email:Subject') === 'Quarterly numbers'));
    const resolved = await lib.resolveRecipients(s.client, ['bob@example.com']);
    assert.equal(resolved.resolutions[0]?.recipients[0]?.emailAddress, 'bob@example.com');
  });

  it('Settings: user information, Out of Office set and read back, device information', async () => {
    const c = client();
    const info = await lib.userInformation(c);
    assert.deepEqual([info.status, info.emailAddresses], [1, ['alice@example.com']]);
    assert.equal((await lib.setOof(c, { state: 1, messages: [{ appliesTo: 'Internal', reply: 'Away' }] })).status, 1);
    const oof = await lib.getOof(c);
    assert.equal(oof.oofState, 1);
    assert.ok(oof.messages.some(m => m.appliesTo === 'Internal' && m.reply === 'Away'));
    assert.equal((await lib.setOof(c, { state: 0 })).status, 1);
    assert.equal((await lib.setDeviceInformation(c, { Model: 'Library', FriendlyName: 'Test' })).status, 1);
  });

  it('the base64 query form carries the version and the policy key', async () => {
    const s = await session({ base64Query: true, version: '14.1' });
    assert.ok(s.client.policyKey);
    assert.equal((await s.collection(idOf(s, FolderType.Calendar)).syncAll())[0]?.status, 1);
  });

  it('HTTP 451 with X-MS-Location moves the client to the other server (MS-ASHTTP 3.2.5.1)', async () => {
    const redirector: Server = createServer((_req, res) => {
      res.writeHead(451, { 'X-MS-Location': `${t.url}/Microsoft-Server-ActiveSync` });
      res.end();
    });
    await new Promise<void>(resolve => redirector.listen(0, '127.0.0.1', resolve));
    try {
      const s = new EasSession(client({ baseUrl: `http://127.0.0.1:${(redirector.address() as AddressInfo).port}` }));
      assert.equal(await s.folderSync(), 1);
      assert.equal(s.client.baseUrl, t.url);
      assert.equal(s.toState().baseUrl, t.url, 'the state remembers the new server');
    } finally {
      redirector.close();
    }
  });

  it('Autodiscover finds the EAS URL from an address', async () => {
    const r = await lib.autodiscover('alice@example.com', { password: PASSWORD, baseUrl: t.url });
    assert.equal(r.url, `${t.url}/Microsoft-Server-ActiveSync`);
    assert.equal(r.tried[0]?.outcome, 'answered');
  });

  it('TLS: a server certificate trusted by ca, refused without it, accepted with rejectUnauthorized false', async () => {
    const tls = await selfSignedTls(dir);
    const secure = await startServer({ server: { tls: { key: tls.key, cert: tls.cert } } });
    try {
      const url = secure.url.replace('http:', 'https:');
      const at = (o: Partial<lib.EasClientOptions>) => new EasClient({ baseUrl: url, user: 'alice@example.com', password: PASSWORD, deviceId: 'TLS', ...o });
      assert.ok((await at({ tls: { ca: tls.cert } }).serverVersions()).versions.includes('14.1'));
      await assert.rejects(at({}).serverVersions(), (e: NodeJS.ErrnoException) => /SELF_SIGNED|CERT/.test(String(e.code)));
      assert.equal((await at({ tls: { rejectUnauthorized: false } }).discover()).status, 200);
    } finally {
      await secure.close();
    }
  });

  it('FolderCreate, FolderUpdate and FolderDelete keep the hierarchy mirror and its SyncKey', async () => {
    const s = await session();
    const before = s.folders.syncKey;
    const made = await s.folders.create('0', 'Projects');
    assert.equal(made.status, 1);
    assert.notEqual(s.folders.syncKey, before);
    assert.equal(await s.folders.update(made.serverId!, '0', 'Projects 2027'), 1);
    assert.equal(s.folders.find('projects 2027')?.serverId, made.serverId);
    assert.equal(await s.folders.delete(made.serverId!), 1);
    assert.equal(s.folders.folders.has(made.serverId!), false);
    assert.equal(await s.folderSync(), 1, 'the kept SyncKey is the server\'s');
  });

  it('GetAttachment (14.0) and ItemOperations fetch the same attachment bytes; ValidateCert answers per certificate', async () => {
    const s = await session({ version: '14.0' });
    const pdf = Buffer.from('%PDF-1.4 convene library test');
    await lib.sendMail(s.client, Buffer.from(['From: alice@example.com', 'To: alice@example.com', 'Subject: With attachment', 'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', 'See attached.', '--b',
      'Content-Type: application/pdf; name="a.pdf"', 'Content-Disposition: attachment; filename="a.pdf"', 'Content-Transfer-Encoding: base64', '',
      pdf.toString('base64'), '--b--', ''].join('\r\n')));
    const inbox = s.collection(idOf(s, FolderType.Inbox));
    await inbox.syncAll();
    const item = [...inbox.items.values()].find(p => lib.propText(p, 'Email:Subject') === 'With attachment')!;
    const attachment = lib.propChildren(lib.propChildren(item, 'AirSyncBase:Attachments')!, 'AirSyncBase:Attachment')!;
    const ref = lib.propText(attachment, 'AirSyncBase:FileReference')!;
    const got = await lib.getAttachment(s.client, ref);
    assert.equal(got.status, 200);
    assert.deepEqual(got.data, pdf);
    const fetched = await lib.fetchItem(s.client, { fileReference: ref });
    assert.deepEqual([fetched.status, fetched.data], [1, pdf]);
    const tls = await selfSignedTls(dir);
    const der = Buffer.from(tls.cert.toString().replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
    const checked = await lib.validateCert(s.client, [der]);
    assert.equal(checked.status, 1);
    assert.equal(checked.certificates.length, 1);
    assert.notEqual(checked.certificates[0], 1, 'a self-signed certificate is not trusted');
  });
});
