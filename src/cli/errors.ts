// Failures a person can act on, in their words: one line, no stack (the project guide: the CLI
// speaks to people). The errors come from Node (errno codes), PostgreSQL (SQLSTATE) and SQLite.

/** Printed as `convene: MESSAGE`, the process then exits with `exitCode`. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const ERRNO_WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'exists already',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EADDRINUSE: 'the address is in use (another program listens there)',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

// SQLite result codes (https://sqlite.org/rescode.html), extended ones by their primary code.
const SQLITE_WORDS: Record<string, string> = {
  SQLITE_READONLY: 'the database is read-only for this user (check the owner and mode of the file and of its directory)',
  SQLITE_CANTOPEN: 'the database file cannot be opened (does its directory exist, may this user write in it?)',
  SQLITE_NOTADB: 'the file is not a SQLite database',
  SQLITE_CORRUPT: 'the database file is damaged',
  SQLITE_FULL: 'the disk is full',
  SQLITE_PERM: 'permission denied',
  SQLITE_IOERR: 'an I/O error (disk or file system)',
  SQLITE_BUSY: 'the database is locked by another process',
};

// PostgreSQL SQLSTATEs a wrong URL or a missing set-up produces (PostgreSQL docs, Appendix A).
const POSTGRES_HINTS: Record<string, string> = {
  '3D000': 'create it first (createdb -O ROLE NAME; docs/deploy.md)',
  '28000': 'the role or the pg_hba.conf entry is missing (docs/deploy.md)',
  '28P01': 'check the password in the URL',
  '42501': 'the role lacks a privilege Convene needs (it must own the database)',
  '53300': 'the server has no connection slot left (max_connections)',
  '57P03': 'the server is starting up or shutting down',
};

type Coded = Error & { code?: unknown; syscall?: unknown; path?: unknown; address?: unknown; port?: unknown; severity?: unknown };

/**
 * The reason in plain words when `e` is a failure of the surroundings (a file, a port, a database
 * server) rather than a bug; undefined for anything else.
 */
export function plainReason(e: unknown): string | undefined {
  if (!(e instanceof Error)) return undefined;
  const err = e as Coded;
  const code = typeof err.code === 'string' ? err.code : undefined;
  if (code === undefined) return undefined;
  if (ERRNO_WORDS[code] !== undefined || /^E[A-Z]+$/.test(code)) {
    const words = ERRNO_WORDS[code] ?? firstLine(err.message);
    // A listener's caller names the address already.
    if (err.syscall === 'listen' || err.syscall === 'bind') {
      return code === 'EACCES' ? `${words} (ports below 1024 need root or the CAP_NET_BIND_SERVICE capability)` : words;
    }
    if (typeof err.path === 'string') return `${err.path}: ${words}`;
    if (typeof err.address === 'string') return `${err.address}${typeof err.port === 'number' ? `:${err.port}` : ''}: ${words}`;
    return words;
  }
  if (code.startsWith('SQLITE_')) {
    const primary = /^SQLITE_[A-Z]+/.exec(code)![0];
    return SQLITE_WORDS[primary] ?? firstLine(err.message);
  }
  // pg's DatabaseError: a five-character SQLSTATE and a severity.
  if (/^[0-9A-Z]{5}$/.test(code) && typeof err.severity === 'string') {
    const hint = POSTGRES_HINTS[code];
    return `${firstLine(err.message)}${hint ? ` — ${hint}` : ''}`;
  }
  return undefined;
}

/** Runs one step of starting up; a failure of the surroundings becomes `WHAT: reason` (exit 1). */
export async function step<T>(what: string, run: () => T | Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof CliError) throw e;
    let reason = plainReason(e);
    if (reason === undefined) throw e;
    // The step names the file already: its path once is enough.
    const path = (e as Coded).path;
    if (typeof path === 'string' && what.includes(path) && reason.startsWith(`${path}: `)) reason = reason.slice(path.length + 2);
    throw new CliError(`${what}: ${reason}`, 1, { cause: e });
  }
}

/** A PostgreSQL URL without its password, for messages and logs. */
export function redactedUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}

function firstLine(text: string): string {
  return text.split('\n')[0].slice(0, 300);
}
