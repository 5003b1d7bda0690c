// Bytes of an upload while they arrive (an EAS request body, an SMTP message): kept in memory up to
// a small threshold, then in a temporary file, so a client that trickles a large upload and stalls
// holds disk, not memory. A Spooler is one listener's budget across all its connections: memory
// held by uploads in progress never passes `memoryTotal` (past it new bytes go to files), and the
// files never pass `diskTotal` (past it the upload is refused with SpoolFull, a temporary answer).
// Once an upload is complete, bytes() hands it over whole: commands and MIME parsing need all of it.
// docs/limits.md has the numbers.
import { randomUUID } from 'node:crypto';
import { mkdir, open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

export interface SpoolLimits {
  /** Bytes one upload keeps in memory before it moves to a file. */
  memoryPerUpload: number;
  /** Bytes all uploads in progress keep in memory together; past it they move to files. */
  memoryTotal: number;
  /** Bytes all spool files together may hold; past it an upload is refused (SpoolFull). */
  diskTotal: number;
  /** Directory for spool files (created 0700; each file 0600 and unlinked as soon as it is open). */
  dir: string;
}

/** What uploads in progress hold right now: for tests and, later, /metrics. */
export interface SpoolGauge {
  memoryBytes: number;
  diskBytes: number;
  uploads: number;
}

/** The disk budget is spent: the caller answers "try again later" (HTTP 503, SMTP 452). */
const DISK_TROUBLE = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EROFS']);

export class SpoolFull extends Error {
  constructor(readonly limit: number) {
    super(`uploads in progress hold the ${limit}-byte spool budget`);
    this.name = 'SpoolFull';
  }
}

export class Spooler {
  private memory = 0;
  private disk = 0;
  private uploads = 0;
  private dirReady: Promise<unknown> | undefined;

  constructor(readonly limits: SpoolLimits) {}

  gauge(): SpoolGauge {
    return { memoryBytes: this.memory, diskBytes: this.disk, uploads: this.uploads };
  }

  /** Bytes a new upload could still put on disk. */
  diskAvailable(): number {
    return Math.max(0, this.limits.diskTotal - this.disk);
  }

  start(): Spool {
    this.uploads++;
    return new Spool(this);
  }

  /** @internal Spool's accounting. */
  takeMemory(held: number, n: number): boolean {
    if (held + n > this.limits.memoryPerUpload || this.memory + n > this.limits.memoryTotal) return false;
    this.memory += n;
    return true;
  }

  /** @internal */
  takeDisk(n: number): void {
    if (this.disk + n > this.limits.diskTotal) throw new SpoolFull(this.limits.diskTotal);
    this.disk += n;
  }

  /** @internal */
  release(memory: number, disk: number, ended: boolean): void {
    this.memory -= memory;
    this.disk -= disk;
    if (ended) this.uploads--;
  }

  /** @internal A fresh file only this process can reach: 0600, its name removed at once. A disk that
   *  cannot take one (full, no descriptors, no permission) is a temporary refusal, not a server error. */
  async openFile(): Promise<FileHandle> {
    try {
      return await this.newFile();
    } catch (e) {
      if (DISK_TROUBLE.has((e as NodeJS.ErrnoException).code ?? '')) throw new SpoolFull(this.limits.diskTotal);
      throw e;
    }
  }

  private async newFile(): Promise<FileHandle> {
    // A failure is not remembered: the directory may be made (or freed) by the next upload.
    this.dirReady ??= mkdir(this.limits.dir, { recursive: true, mode: 0o700 }).then(() => undefined, e => {
      this.dirReady = undefined;
      throw e;
    });
    await this.dirReady;
    const path = join(this.limits.dir, `upload-${randomUUID()}.part`);
    const file = await open(path, 'wx+', 0o600).catch(e => {
      // Removed under us (a tmp cleaner): made again next time.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') this.dirReady = undefined;
      throw e;
    });
    // Unlinked while open: the bytes live until close, and a crash leaves nothing behind.
    await unlink(path).catch(() => undefined);
    return file;
  }
}

/** One upload. write() calls are serialized; end with dispose() whatever happened. */
export class Spool {
  private chunks: Buffer[] = [];
  private inMemory = 0;
  private onDisk = 0;
  private file: FileHandle | undefined;
  private queue: Promise<void> = Promise.resolve();
  private disposed = false;

  constructor(private readonly owner: Spooler) {}

  get size(): number {
    return this.inMemory + this.onDisk;
  }

  /** Adds bytes; rejects with SpoolFull when the disk budget is spent. */
  write(chunk: Buffer): Promise<void> {
    const next = this.queue.then(() => this.append(chunk));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async append(chunk: Buffer): Promise<void> {
    if (this.disposed) return;
    if (!this.file && this.owner.takeMemory(this.inMemory, chunk.length)) {
      this.chunks.push(chunk);
      this.inMemory += chunk.length;
      return;
    }
    if (!this.file) await this.moveToFile();
    this.owner.takeDisk(chunk.length);
    this.onDisk += chunk.length;
    await this.file!.write(chunk, 0, chunk.length, null);
  }

  private async moveToFile(): Promise<void> {
    this.owner.takeDisk(this.inMemory);
    this.onDisk += this.inMemory;
    const held = Buffer.concat(this.chunks, this.inMemory);
    this.owner.release(this.inMemory, 0, false);
    this.chunks = [];
    this.inMemory = 0;
    this.file = await this.owner.openFile();
    if (held.length) await this.file.write(held, 0, held.length, null);
  }

  /** The whole upload, once every write has settled. */
  async bytes(): Promise<Buffer> {
    await this.queue;
    if (!this.file) return Buffer.concat(this.chunks, this.inMemory);
    const all = Buffer.allocUnsafe(this.onDisk);
    let at = 0;
    while (at < all.length) {
      const { bytesRead } = await this.file.read(all, at, all.length - at, at);
      if (bytesRead === 0) throw new Error('spool file shorter than written');
      at += bytesRead;
    }
    return all;
  }

  /** Releases memory, file and budget; safe to call twice. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.queue;
    this.owner.release(this.inMemory, this.onDisk, true);
    this.chunks = [];
    this.inMemory = 0;
    this.onDisk = 0;
    await this.file?.close().catch(() => undefined);
    this.file = undefined;
  }
}
