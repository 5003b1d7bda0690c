// The POST gate: every check a request passes before its command runs, each answered the way
// MS-ASHTTP / MS-ASCMD say. An EasError thrown by a check becomes, for a 14.0+ client and a command
// with a root element, HTTP 200 with the common Status in that element; otherwise the HTTP code.
import type { IncomingMessage } from 'node:http';
import { logonMatches } from '../../accounts/accounts.js';
import type { Device, User } from '../../store/types.js';
import { decode, encode, WbxmlError, type Element } from '../../wbxml/index.js';
import { COMMANDS, statusBody, type CommandDef } from '../commands/index.js';
import { checkProvisioning } from '../provisioning/gate.js';
import { parseQuery, QueryError, type RequestLine } from '../query.js';
import { CommonStatus, EasError } from '../status.js';
import { atLeast, parseVersion, SUPPORTED_VERSIONS, type ProtocolVersion } from '../version.js';
import { readBody } from './body.js';
import { checkCredentials } from './credentials.js';
import type { ServerContext } from './server.js';

export interface PostOutcome {
  http: number;
  headers: Record<string, string>;
  body: Buffer | string;
  requestBody: Buffer;
  account?: string | undefined;
  deviceId?: string | undefined;
  /** The Cmd of the request line, when it could be read (for the access log and metrics). */
  cmd?: string | undefined;
  /** The EAS Status the gate refused with, if it did. */
  easStatus?: number | undefined;
  /** The device's row, once it was recorded (its protocol log may be on: src/eas/deviceLogging.ts). */
  devicePk?: number | undefined;
}

const WBXML = 'application/vnd.ms-sync.wbxml';

export async function handlePost(ctx: ServerContext, req: IncomingMessage, query: string): Promise<PostOutcome> {
  const started = performance.now();
  const seen: Seen = {};
  const outcome = { ...(await gate(ctx, req, query, seen)), ...seen };
  // Server-Timing (W3C): how long the server worked on this request, for people debugging clients.
  outcome.headers = { ...outcome.headers, 'Server-Timing': `app;dur=${(performance.now() - started).toFixed(2)}` };
  return outcome;
}

type Seen = Pick<PostOutcome, 'cmd' | 'easStatus' | 'devicePk'>;

async function gate(ctx: ServerContext, req: IncomingMessage, query: string, seen: Seen): Promise<PostOutcome> {
  let requestBody: Buffer = Buffer.alloc(0);
  let version: ProtocolVersion | undefined;
  let def: CommandDef | undefined;
  let user: User | undefined;
  let line: RequestLine | undefined;
  // Set once the DeviceId passed validation and is recorded: only such devices get a protocol log.
  let deviceId: string | undefined;
  try {
    line = readLine(query);
    seen.cmd = line.cmd;
    version = readVersion(line, req);
    // Own names only: a Cmd such as `constructor` or `__proto__` names no command.
    def = Object.hasOwn(COMMANDS, line.cmd) ? COMMANDS[line.cmd] : undefined;
    const account = await authenticate(ctx, req, line);
    user = account.user;
    if (!def) throw new EasError(501, `unknown command ${line.cmd}`);
    checkCommand(def, line.cmd, version);
    const device = await recordDevice(ctx, user, line, req, version, account.device);
    deviceId = device.deviceId;
    seen.devicePk = device.id;
    checkProvisioning(ctx.provisioning, line.cmd, device, line, req.headers, version);
    requestBody = await readBody(req, ctx.body);
    const body = decodeBody(requestBody, req, def);
    const log = ctx.log.child({ cmd: line.cmd, user: user.email, device: device.deviceId });
    const gone = new AbortController();
    const onClose = (): void => gone.abort();
    req.socket.once('close', onClose);
    const result = await def.handler!({
      store: ctx.store, user, device, version, line, headers: req.headers, body, rawBody: requestBody, log,
      waits: ctx.waits, signal: gone.signal, provisioning: ctx.provisioning, maxMessageBytes: ctx.maxBodyBytes,
      trustAnchors: ctx.trustAnchors,
    }).finally(() => req.socket.off('close', onClose));
    if (result.raw) {
      const headers = { ...result.headers, 'Content-Type': result.raw.contentType };
      return { http: 200, headers, body: result.raw.data, requestBody, account: user.email, deviceId };
    }
    return respond(200, result.headers ?? {}, result.body, requestBody, user, deviceId);
  } catch (e) {
    if (!(e instanceof EasError)) throw e;
    if (e.http === 413) req.resume();
    seen.easStatus = e.status;
    const body = e.status !== undefined && def && version && atLeast(version, '14.0') ? statusBody(def, e.status) : undefined;
    ctx.log.info({ cmd: line?.cmd, user: user?.email, http: e.http, status: e.status }, e.message);
    return respond(body ? 200 : e.http, e.headers, body, requestBody, user, deviceId);
  }
}

function respond(http: number, headers: Record<string, string>, tree: Element | undefined, requestBody: Buffer,
  user: User | undefined, deviceId: string | undefined): PostOutcome {
  const body = tree ? encode(tree) : Buffer.alloc(0);
  const all = tree ? { ...headers, 'Content-Type': WBXML } : headers;
  return { http, headers: all, body, requestBody, account: user?.email, deviceId };
}

function readLine(query: string): RequestLine {
  try {
    return parseQuery(query);
  } catch (e) {
    if (e instanceof QueryError) throw new EasError(400, e.message);
    throw e;
  }
}

// MS-ASHTTP 2.2.1.1.2.4: the version comes from the header, or from the base64 query's first byte.
function readVersion(line: RequestLine, req: IncomingMessage): ProtocolVersion {
  const header = req.headers['ms-asprotocolversion'];
  const version = line.version ?? parseVersion(Array.isArray(header) ? header[0] : header);
  if (!version) {
    throw new EasError(400, `unsupported protocol version "${String(header ?? '')}"`, undefined,
      { 'MS-ASProtocolVersions': SUPPORTED_VERSIONS.join(',') });
  }
  return version;
}

/** The account, and its device of the request's DeviceId read in the same statement (docs/performance.md). */
async function authenticate(ctx: ServerContext, req: IncomingMessage, line: RequestLine): Promise<{ user: User; device?: Device | null | undefined }> {
  const checked = await checkCredentials(ctx, req, 'ActiveSync', line.deviceId);
  if (!checked.user) {
    throw new EasError(checked.http, checked.http === 503 ? 'wrong passwords: throttled' : 'credentials missing or refused', undefined, checked.headers);
  }
  const { user } = checked;
  // The query's User (plain form) must name the account the credentials belong to.
  if (line.user !== undefined && !logonMatches(user, line.user)) {
    throw new EasError(403, `User=${line.user} is not the authenticated account ${user.email}`, CommonStatus.AccessDenied);
  }
  return checked;
}

function checkCommand(def: CommandDef, name: string, version: ProtocolVersion): void {
  if (!def.handler) throw new EasError(501, `${name} is not supported`, CommonStatus.CommandNotSupported);
  if (def.minVersion && !atLeast(version, def.minVersion)) {
    throw new EasError(400, `${name} needs protocol ${def.minVersion}`, CommonStatus.VersionNotSupported);
  }
}

const DEVICE_ID = /^[A-Za-z0-9._-]{1,64}$/;
const DEVICE_TYPE = /^[\x21-\x7e]{1,64}$/;

async function recordDevice(ctx: ServerContext, user: User, line: RequestLine, req: IncomingMessage, version: ProtocolVersion,
  known: Device | null | undefined): Promise<Device> {
  if (!line.deviceId || !DEVICE_ID.test(line.deviceId)) {
    throw new EasError(400, 'DeviceId missing or invalid', CommonStatus.DeviceIdMissingOrInvalid);
  }
  if (!line.deviceType || !DEVICE_TYPE.test(line.deviceType)) {
    throw new EasError(400, 'DeviceType missing or invalid', CommonStatus.DeviceTypeMissingOrInvalid);
  }
  return ctx.store.recordDevice({
    userId: user.id, deviceId: line.deviceId, deviceType: line.deviceType,
    userAgent: String(req.headers['user-agent'] ?? '').slice(0, 256), protocolVersion: version,
  }, known);
}

function decodeBody(bytes: Buffer, req: IncomingMessage, def: CommandDef): Element | undefined {
  const type = String(req.headers['content-type'] ?? '').toLowerCase();
  if (bytes.length === 0 || type.startsWith('message/rfc822')) {
    if (def.needsBody) throw new EasError(400, 'the command needs a WBXML body', CommonStatus.InvalidContent);
    return undefined;
  }
  try {
    return decode(bytes);
  } catch (e) {
    if (e instanceof WbxmlError) throw new EasError(400, `malformed WBXML: ${e.message}`, CommonStatus.InvalidWBXML);
    throw e;
  }
}
