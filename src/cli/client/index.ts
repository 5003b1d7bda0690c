// `convene client`: the client library (src/client) from the shell, against any EAS server.
import { existsSync, readFileSync } from 'node:fs';
import { EasClient, type EasClientOptions } from '../../client/EasClient.js';
import { EasSession, StateError } from '../../client/session.js';
import { CliError, plainReason } from '../errors.js';
import { env, parse, UsageError } from '../options.js';
import { CLIENT_COMMANDS } from './commands.js';
import { EXIT, printExchange } from './output.js';

export const CLIENT_HELP = `convene client [CONNECTION] COMMAND …   an EAS client against any server (docs/client.md)
  options                       the server's protocol versions and commands (OPTIONS)
  autodiscover ADDRESS          the EAS URL for an address (Autodiscover)
  provision                     fetch and acknowledge the device policy; keeps the policy key
  folders                       FolderSync: the folder list
  sync FOLDER [--window N] [--filter N]   Sync a folder (name, type or id) until nothing more is available
  fetch FOLDER SERVERID         ItemOperations Fetch of one item
  send FILE.eml                 SendMail (saved in Sent Items)
  respond ITEM accept|tentative|decline [--instance ID] [--folder F]   MeetingResponse (F: Inbox by default)
  ping FOLDER… [--heartbeat S]  Ping: wait for changes
  search TEXT [--gal]           Search the mailbox (or the directory)
  raw CMD FILE.xml              send any command written as XML; prints the answer as XML
 CONNECTION:
  --url URL                     the server, e.g. https://mail.example.com (CONVENE_URL)
  --user ADDRESS                (CONVENE_USER)
  --password P | --password-file FILE   (CONVENE_PASSWORD)
  --device-id ID  --device-type TYPE    (ConveneCli, ConveneClient by default)
  --version V                   protocol version, 14.1 by default (2.5 … 16.1)
  --state FILE                  load the device (SyncKeys, policy key, items) from FILE and save it back
  --base64                      the base64 form of the request line
  --ca FILE | --insecure        trust this certificate | any certificate (test servers only)
  --no-provision                do not provision by itself when the server asks for it
 OUTPUT: a table by default; --json for scripts; --xml also prints every request and response
  (to standard error with --json).
 Exit status: 0 done, 1 other failure, 2 usage, 3 network or TLS, 4 HTTP 401/403, 5 other HTTP
  error, 6 provisioning needed or refused, 7 an EAS Status other than success.`;

const FLAGS = {
  url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, 'password-file': { type: 'string' },
  'device-id': { type: 'string' }, 'device-type': { type: 'string' }, version: { type: 'string' }, state: { type: 'string' },
  base64: { type: 'boolean' }, ca: { type: 'string' }, insecure: { type: 'boolean' }, 'no-provision': { type: 'boolean' },
  xml: { type: 'boolean' }, json: { type: 'boolean' },
  window: { type: 'string' }, filter: { type: 'string' }, instance: { type: 'string' }, folder: { type: 'string' },
  heartbeat: { type: 'string' }, gal: { type: 'boolean' },
} as const;

export type ClientValues = ReturnType<typeof parse<typeof FLAGS>>['values'];

export interface ClientContext {
  session: EasSession;
  values: ClientValues;
  args: string[];
  out: (s: string) => void;
  /** Prints JSON with --json, else the text. */
  show: (json: unknown, text: string) => void;
}

export async function clientCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, FLAGS);
  const [name, ...args] = positionals;
  const command = name === undefined ? undefined : CLIENT_COMMANDS[name];
  if (values.help || !name || name === 'help') {
    // `convene client help sync` as well as `convene client sync --help`.
    console.log((name === 'help' ? CLIENT_COMMANDS[args[0] ?? '']?.help : command?.help) ?? CLIENT_HELP);
    return;
  }
  if (!command) throw new UsageError(`unknown command "client ${name}" (convene client --help lists them)`);
  // Autodiscover logs on as the address it looks up unless --user says otherwise.
  const session = await openSession(values, name === 'autodiscover' ? args[0] : undefined);
  const out = (s: string): void => { process.stdout.write(s); };
  // With --json the exchanges go to standard error, so standard output stays one JSON document.
  if (values.xml) session.client.onExchange(x => printExchange(x, values.json ? s => { process.stderr.write(s); } : out));
  const ctx: ClientContext = {
    session, values, args, out,
    show: (json, text) => out(values.json ? `${JSON.stringify(json, null, 2)}\n` : text.endsWith('\n') || text === '' ? text : `${text}\n`),
  };
  try {
    await command.run(ctx);
  } catch (e) {
    throw networkError(e, session.client.baseUrl);
  } finally {
    if (values.state) await session.save(values.state);
  }
}

async function openSession(values: ClientValues, autodiscoverAddress: string | undefined): Promise<EasSession> {
  const urlOptional = autodiscoverAddress !== undefined;
  const password = values.password ?? (values['password-file'] !== undefined ? firstLine(values['password-file']) : env('PASSWORD'));
  if (password === undefined) throw new UsageError('client needs --password, --password-file or CONVENE_PASSWORD');
  let tls: EasClientOptions['tls'];
  if (values.ca !== undefined) tls = { ca: readFileSync(values.ca) };
  if (values.insecure) tls = { ...tls, rejectUnauthorized: false };
  const given: Partial<EasClientOptions> = {
    baseUrl: values.url ?? env('URL'), user: values.user ?? env('USER') ?? autodiscoverAddress, deviceId: values['device-id'], deviceType: values['device-type'],
    version: values.version, base64Query: values.base64 || undefined, tls, autoProvision: !values['no-provision'],
  };
  if (given.version !== undefined && !/^(2\.5|12\.0|12\.1|14\.0|14\.1|16\.0|16\.1)$/.test(given.version)) {
    throw new UsageError(`--version takes 2.5, 12.0, 12.1, 14.0, 14.1, 16.0 or 16.1, not "${given.version}"`);
  }
  if (values.state !== undefined && existsSync(values.state)) {
    try {
      return await EasSession.load(values.state, { ...given, password });
    } catch (e) {
      if (e instanceof StateError) throw new CliError(e.message, EXIT.failure);
      throw e;
    }
  }
  if (given.user === undefined) throw new UsageError('client needs --user (or CONVENE_USER)');
  if (given.baseUrl === undefined && !urlOptional) throw new UsageError('client needs --url (or CONVENE_URL)');
  try {
    new URL(given.baseUrl ?? 'https://localhost');
  } catch {
    throw new UsageError(`--url takes a URL such as https://mail.example.com, not "${given.baseUrl}"`);
  }
  return new EasSession(new EasClient({
    ...given, baseUrl: given.baseUrl ?? '', user: given.user, password, deviceId: given.deviceId ?? 'ConveneCli',
  } as EasClientOptions));
}

function firstLine(file: string): string {
  try {
    return readFileSync(file, 'utf8').split(/\r?\n/)[0] ?? '';
  } catch (e) {
    throw new CliError(`--password-file: ${plainReason(e) ?? (e as Error).message}`, EXIT.usage);
  }
}

/** A refused connection, a name that does not resolve, a certificate that is not trusted: exit 3. */
function networkError(e: unknown, url: string): unknown {
  if (e instanceof CliError || e instanceof UsageError) return e;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string' && (/^E[A-Z]+$/.test(code) || /CERT|SELF_SIGNED|TLS|SSL/.test(code))) {
    return new CliError(`${url}: ${plainReason(e) ?? (e as Error).message}`, EXIT.network, { cause: e });
  }
  return e;
}
