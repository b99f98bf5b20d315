import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { FILE_MODE } from './durable.js';

const gzipAsync = promisify(gzip);

/** How a sink writes. */
export interface SinkOptions {
  /** gzip (as a sequence of gzip members, which every gunzip reads as one stream) or plain. */
  gzip: boolean;
  level: number;
  /** Blocks being compressed at once, on libuv's thread pool (default 2). */
  maxInFlight?: number;
  /** Block size in bytes (default 1 MiB). */
  blockSize?: number;
}

/** What a closed sink wrote. */
export interface SinkResult {
  path: string;
  /** Bytes in the file. */
  bytes: number;
  /** Uncompressed bytes that went in. */
  rawBytes: number;
  sha256: string;
}

/**
 * A file written block by block: each block is compressed on the thread pool (several at
 * once, so gzip uses every core), then appended in order while the sha256 is computed over the
 * bytes written. Memory stays at about (maxInFlight + 1) blocks whatever the file's size.
 * `write` returns a promise only when the caller must wait (backpressure).
 */
export class FileSink {
  rawBytes = 0;
  private bytes = 0;
  private readonly hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private readonly queue: Promise<Buffer>[] = [];
  private failed: { error: unknown } | null = null;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly fh: FileHandle,
    private readonly options: Required<SinkOptions>,
  ) {}

  /** Bytes written to the file so far (compressed). */
  get bytesWritten(): number {
    return this.bytes;
  }

  /** Creates the file (0600, must not exist). */
  static async create(path: string, options: SinkOptions): Promise<FileSink> {
    const fh = await open(path, 'wx', FILE_MODE);
    return new FileSink(path, fh, { maxInFlight: 2, blockSize: 1 << 20, ...options });
  }

  /** Appends bytes. The buffer must not be changed afterwards. */
  write(data: Buffer): Promise<void> | undefined {
    if (this.failed) throw this.failed.error;
    if (data.length === 0) return undefined;
    this.pending.push(data);
    this.pendingLen += data.length;
    this.rawBytes += data.length;
    if (this.pendingLen < this.options.blockSize) return undefined;
    return this.submitBlock();
  }

  /** Flushes, fsyncs and closes; returns the size and hash of the file. */
  async close(): Promise<SinkResult> {
    try {
      if (this.pendingLen > 0 || (this.rawBytes === 0 && this.options.gzip)) await this.submitBlock(true);
      while (this.queue.length) await this.writeOldest();
      await this.fh.sync();
    } finally {
      this.closed = true;
      await this.fh.close().catch(() => undefined);
    }
    return { path: this.path, bytes: this.bytes, rawBytes: this.rawBytes, sha256: this.hash.digest('hex') };
  }

  /** Closes and deletes the file (after a failure). */
  async abort(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      await Promise.allSettled(this.queue);
      await this.fh.close().catch(() => undefined);
    }
    await rm(this.path, { force: true });
  }

  private async submitBlock(force = false): Promise<void> {
    if (this.pendingLen === 0 && !force) return;
    const block = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    const job = this.options.gzip ? gzipAsync(block, { level: this.options.level }) : Promise.resolve(block);
    job.catch(() => undefined); // awaited in order below; never unhandled
    this.queue.push(job);
    while (this.queue.length > this.options.maxInFlight) await this.writeOldest();
  }

  private async writeOldest(): Promise<void> {
    const job = this.queue.shift()!;
    try {
      const out = await job;
      let off = 0;
      while (off < out.length) {
        const { bytesWritten } = await this.fh.write(out, off, out.length - off);
        off += bytesWritten;
      }
      this.hash.update(out);
      this.bytes += out.length;
    } catch (err) {
      this.failed = { error: err };
      throw err;
    }
  }
}
