// Every way `convene serve` (and the password prompt) can fail to start, as a person meets it:
// one line `convene: …`, a non-zero exit, and nothing left running or locked.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { generate } from 'selfsigned';
import { assertOneLine, BIN, runCli } from '../helpers/cli.js';
import { pgAdminUrl } from '../helpers/stores.js';

const root = mkdtempSync(join(tmpdir(), 'convene-startup-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh data directory path (not created). */
const freshDir = (): string => join(root, `d${++n}`);

const serve = (args: string[], o: Parameters<typeof runCli>[1] = {}) =>
  runCli(['serve', '--host', '127.0.0.1', '--drain-seconds', '0', ...args], o);

/** A TCP port with a listener on it, held until `close`. */
async function occupiedPort(): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, close: () => new Promise(resolve => server.close(() => resolve())) };
}

/** A port nothing listens on (taken from the system, then given back). */
async function closedPort(): Promise<number> {
  const held = await occupiedPort();
  await held.close();
  return held.port;
}

describe('convene serve: a bad option is one line and exit 2, before anything is opened', () => {
  for (const [args, pattern] of [
    [['--port', '99999'], /--port takes a port number from 0 to 65535, not "99999"/],
    [['--port', 'abc'], /--port takes a port number/],
    [['--log-level', 'chatty'], /--log-level takes fatal\|error\|warn\|info\|debug/],
    [['--db', 'mysql://root@localhost/convene'], /--db takes postgres:\/\/.* or sqlite:PATH, not "mysql:/],
    [['--smtp-relay', 'notaurl'], /--smtp-relay takes smtp:\/\/.*not "notaurl"/],
    [['--smtp-port', 'abc'], /--smtp-port takes a port number/],
    [['--drain-seconds', 'soon'], /--drain-seconds takes a whole number/],
    [['--behind-proxy', '--trusted-proxies', '10.0.0.0/33'], /--trusted-proxies: "10.0.0.0\/33" is no address or CIDR range/],
    // An empty prefix is no /0: a typo must not make every peer a trusted proxy.
    [['--behind-proxy', '--trusted-proxies', '10.0.0.0/'], /--trusted-proxies: "10.0.0.0\/" is no address or CIDR range/],
    [['--tls-cert', 'x.pem'], /--tls-cert and --tls-key go together/],
  ] as const) {
    it(args.join(' '), async () => {
      const dir = freshDir();
      assertOneLine(await serve(['--port', '0', '--data', dir, ...args]), 2, pattern);
      assert.equal(existsSync(dir), false, 'no data directory made');
    });
  }
});

describe('convene serve: the store cannot be opened', () => {
  it('PostgreSQL: a database or role that does not exist, nothing listening at the address', async () => {
    const url = new URL(pgAdminUrl());
    const withPath = (path: string) => Object.assign(new URL(url), { pathname: path }).toString();
    const noDb = await serve(['--port', '0', '--data', freshDir(), '--db', withPath('/convene_no_such_db')]);
    assertOneLine(noDb, 1, /cannot open the store PostgreSQL .*: database "convene_no_such_db" does not exist — create it first/);
    if (url.password) assert.equal(noDb.err.includes(`:${url.password}@`), false, 'the password is not printed');
    const noRole = new URL(url);
    noRole.username = 'convene_no_such_role';
    assertOneLine(await serve(['--port', '0', '--data', freshDir(), '--db', noRole.toString()]), 1,
      /cannot open the store PostgreSQL .*: (role "convene_no_such_role" does not exist|password authentication failed for user "convene_no_such_role")/);
    const nobody = new URL(url);
    nobody.port = String(await closedPort());
    assertOneLine(await serve(['--port', '0', '--data', freshDir(), '--db', nobody.toString()]), 1,
      new RegExp(`cannot open the store PostgreSQL .*: 127\\.0\\.0\\.1:${nobody.port}: connection refused`));
  });

  describe('PostgreSQL: a wrong password', () => {
    // A server that checks passwords: the test one if it does (scram, as `npm test` starts it),
    // else one of our own (a server whose pg_hba trusts loopback takes any password).
    let server: { url: string; stop(): Promise<void> } | undefined;
    let url: URL;
    before(async () => {
      url = new URL(pgAdminUrl());
      const role = `convene_pw_${process.pid}`;
      const admin = new pg.Client({ connectionString: url.toString() });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
      await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'right-password'`);
      await admin.end();
      const wrong = Object.assign(new URL(url), { username: role, password: 'wrong-password' });
      const probe = new pg.Client({ connectionString: wrong.toString() });
      const checked = await probe.connect().then(() => false, (e: { code?: string }) => e.code === '28P01');
      await probe.end().catch(() => undefined);
      if (checked) {
        url = wrong;
      } else {
        const { startEmbedded } = await import(new URL('../../../scripts/test-postgres.js', import.meta.url).href) as
          { startEmbedded(): Promise<{ url: string; stop(): Promise<void> }> };
        server = await startEmbedded();
        url = Object.assign(new URL(server.url), { password: 'wrong-password' });
      }
    });
    after(async () => {
      await server?.stop();
      const admin = new pg.Client({ connectionString: pgAdminUrl() });
      await admin.connect();
      await admin.query(`DROP ROLE IF EXISTS convene_pw_${process.pid}`);
      await admin.end();
    });

    it('is one line naming the user, without the password', async () => {
      const r = await serve(['--port', '0', '--data', freshDir(), '--db', url.toString()]);
      assertOneLine(r, 1, /cannot open the store PostgreSQL postgres:\/\/[^:]+:\*\*\*@.*: password authentication failed for user "[^"]+" — check the password/);
      assert.doesNotMatch(r.err, /wrong-password/);
    });
  });

  it('SQLite: a data directory that cannot be made', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    assertOneLine(await serve(['--port', '0', '--data', join(file, 'data')]), 1, /cannot use the data directory: .*a-file\/data: a part of the path is not a directory/);
  });

  it('SQLite: a file that is not a database', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'junk.db'), 'not a database, just text\n'.repeat(200));
    assertOneLine(await serve(['--port', '0', '--data', dir, '--db', `sqlite:${join(dir, 'junk.db')}`]), 1,
      /cannot open the store .*junk\.db: the file is not a SQLite database/);
    assert.equal(existsSync(join(dir, 'junk.db.serve.lock')), false, 'the lock was given back');
  });

  it('SQLite: a store this user may only read (its directory, then the file alone)', async t => {
    // Read-only to the process: as root (who may write anywhere) the command runs as "nobody".
    const asRoot = process.getuid?.() === 0;
    const dir = freshDir();
    assert.equal((await runCli(['user', 'add', 'ro@example.com', '--password', 'read-only-1', '--data', dir])).code, 0);
    const user = asRoot ? { uid: 65534 } : {};
    if (asRoot) {
      const reach = await runCli(['--version'], user);
      if (reach.code !== 0) return t.skip(`the user "nobody" cannot run ${BIN} (${reach.err.trim().split('\n')[0]})`);
      chmodSync(root, 0o755);
    }
    chmodSync(dir, 0o555);
    chmodSync(join(dir, 'convene.db'), 0o444);
    try {
      assertOneLine(await serve(['--port', '0', '--data', dir], user), 1, /cannot lock the store: .*: permission denied/);
      assertOneLine(await runCli(['user', 'list', '--data', dir], user), 1,
        /cannot open the store .*convene\.db: the database is read-only for this user \(check the owner and mode/);
      chmodSync(dir, 0o777);
      assertOneLine(await serve(['--port', '0', '--data', dir], user), 1,
        /cannot open the store .*convene\.db: the database is read-only for this user/);
      assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), false, 'the lock was given back');
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('convene serve: a listener or TLS that cannot be had closes everything again', () => {
  it('the HTTP port in use: exit 1, and the SMTP listener opened before it is closed again', async () => {
    const held = await occupiedPort();
    const smtpPort = await closedPort();
    const dir = freshDir();
    try {
      assertOneLine(await serve(['--port', String(held.port), '--smtp-port', String(smtpPort), '--data', dir]), 1,
        new RegExp(`cannot listen for HTTP on 127\\.0\\.0\\.1:${held.port}: the address is in use`));
    } finally {
      await held.close();
    }
    // Its port is free again (the process ended; nothing keeps it), and so is the store.
    const again = createServer();
    await new Promise<void>((resolve, reject) => { again.once('error', reject); again.listen(smtpPort, '127.0.0.1', resolve); });
    await new Promise(resolve => again.close(resolve));
    assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), false);
  });

  it('the SMTP port in use: exit 1 before HTTP ever listens', async () => {
    const held = await occupiedPort();
    const httpPort = await closedPort();
    const dir = freshDir();
    try {
      const r = await serve(['--port', String(httpPort), '--smtp-port', String(held.port), '--data', dir]);
      assertOneLine(r, 1, new RegExp(`cannot listen for SMTP on 127\\.0\\.0\\.1:${held.port}: the address is in use`));
      assert.doesNotMatch(r.out, /Convene listening/);
    } finally {
      await held.close();
    }
    assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), false);
  });

  it('TLS files that are missing, not PEM, or a key of another certificate', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    const [a, b] = await Promise.all([1, 2].map(() => generate([{ name: 'commonName', value: 'localhost' }], { keySize: 2048 })));
    writeFileSync(join(dir, 'a.crt'), a.cert);
    writeFileSync(join(dir, 'a.key'), a.private);
    writeFileSync(join(dir, 'b.key'), b.private);
    writeFileSync(join(dir, 'text.pem'), 'hello\n');
    const tls = (cert: string, key: string) => serve(['--port', '0', '--data', dir, '--tls-cert', join(dir, cert), '--tls-key', join(dir, key)]);
    assertOneLine(await tls('missing.crt', 'a.key'), 1, /cannot use TLS: the TLS certificate .*missing\.crt cannot be read \(no such file\)/);
    assertOneLine(await tls('text.pem', 'a.key'), 1, /cannot use TLS: the TLS certificate .*text\.pem is not a PEM certificate/);
    assertOneLine(await tls('a.crt', 'text.pem'), 1, /cannot use TLS: the TLS key .*text\.pem is not an unencrypted PEM private key/);
    assertOneLine(await tls('a.crt', 'b.key'), 1, /cannot use TLS: the TLS key .*b\.key does not belong to the certificate .*a\.crt/);
    assert.equal(existsSync(join(dir, 'convene.db.serve.lock')), false);
  });

  it('--trust-anchors that is missing or holds no certificate (ValidateCert, docs/smime.md)', async () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, 'text.pem'), 'hello\n');
    const anchors = (file: string) => serve(['--port', '0', '--data', dir, '--trust-anchors', join(dir, file)]);
    assertOneLine(await anchors('missing.pem'), 1, /cannot read --trust-anchors .*missing\.pem/);
    assertOneLine(await anchors('text.pem'), 2, /--trust-anchors .*text\.pem: no PEM certificate in it/);
  });
});

/**
 * `convene user add` at a terminal: `script` (util-linux) gives it one. Each answer is typed once
 * the prompt is on the screen, as a person would.
 */
function atTerminal(args: string[], keys: [RegExp, string][]): Promise<{ code: number | null; screen: string }> {
  const command = [process.execPath, BIN, ...args].map(a => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const child = spawn('script', ['-qefc', command, '/dev/null'], { env: { ...process.env, TERM: 'dumb' }, timeout: 60_000 });
  let screen = '';
  const pending = [...keys];
  child.stdout.on('data', (c: Buffer) => {
    screen += c;
    while (pending.length > 0 && pending[0][0].test(screen)) {
      const [, typed] = pending.shift()!;
      child.stdin.write(typed);
    }
  });
  return new Promise((resolve, reject) => {
    child.once('error', e => reject(new Error(`these tests need \`script\` from util-linux (Debian: bsdutils): ${e.message}`)));
    child.once('close', code => {
      child.stdin.destroy();
      resolve({ code, screen });
    });
  });
}

describe('convene user add: the password prompt', () => {
  const errorLines = (screen: string) => screen.split(/\r?\n/).filter(l => l.startsWith('convene:'));

  it('two different passwords: one line, exit 1, no account', async () => {
    const dir = freshDir();
    const r = await atTerminal(['user', 'add', 'pat@example.com', '--data', dir],
      [[/Password for pat@example\.com: /, 'first-secret\r'], [/Again: /, 'second-secret\r']]);
    assert.deepEqual(errorLines(r.screen), ['convene: the two passwords differ; nothing was changed'], r.screen);
    assert.doesNotMatch(r.screen, /secret/, 'nothing typed is shown');
    assert.equal(r.code, 1);
    assert.doesNotMatch((await runCli(['user', 'list', '--data', dir])).out, /pat@example\.com/);
  });

  it('Ctrl-C at the prompt: one line, exit 130, no account', async () => {
    const dir = freshDir();
    const r = await atTerminal(['user', 'add', 'cat@example.com', '--data', dir], [[/Password for cat@example\.com: /, 'half\u0003']]);
    assert.deepEqual(errorLines(r.screen), ['convene: cancelled; nothing was changed'], r.screen);
    assert.equal(r.code, 130);
    assert.doesNotMatch((await runCli(['user', 'list', '--data', dir])).out, /cat@example\.com/);
  });

  it('the same password twice, typed ahead in one go, adds the account', async () => {
    const dir = freshDir();
    const r = await atTerminal(['user', 'add', 'dot@example.com', '--data', dir], [[/Password for dot@example\.com: /, 'typed-ahead-1\rtyped-ahead-1\r']]);
    assert.equal(r.code, 0, r.screen);
    assert.match(r.screen, /Added dot@example\.com/);
  });
});
