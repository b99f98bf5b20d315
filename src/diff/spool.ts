import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { DIFF_CLASSES, type DiffClass, type DiffRow } from './model.js';

/** Size of a class file's write buffer and of the read buffer. */
const BUFFER_BYTES = 1 << 20;

interface ClassFile {
  path: string;
  fd: number;
  /** Records not yet written: buf[0, used). */
  buf: Buffer;
  used: number;
}

/**
 * Differing rows held on disk between the pass that counts them and the output that must print
 * the counts first: one file per class (so rows come back class by class, each in the order it
 * was written), records length-prefixed v8 serializations (exact: -0, NaN, nested JSON). The
 * folder is private (0700, files 0600) and removed after reading, on failure and at exit.
 * Nothing is created while no row is written.
 *
 * Writing and reading go through one fixed buffer per file, allocated once: a record is copied
 * into it and its own serialization dropped at once. Buffers kept per record until a flush
 * outlive V8's young generation (2 MB semi-spaces, see bin/crm-rescue); their memory then came
 * back only at a full collection, so the process grew with the number of differing rows (MariaDB,
 * 3M-row table: +25 MB).
 */
export class Spool {
  private dir: string | null = null;
  private readonly files = new Map<DiffClass, ClassFile>();
  private readonly onExit = () => this.remove();

  constructor(private readonly classes: readonly DiffClass[]) {}

  /** Keeps a row of an asked class (others are dropped). */
  write(row: DiffRow): void {
    if (!this.classes.includes(row.class)) return;
    const f = this.file(row.class);
    const body = serialize(row);
    if (f.used + 4 + body.length > f.buf.length) flush(f);
    f.buf.writeUInt32LE(body.length, f.used);
    f.used += 4;
    if (body.length > f.buf.length - f.used) {
      // Larger than the buffer: its length goes out with what is buffered, the record as it is.
      flush(f);
      writeAll(f.fd, body, body.length);
      return;
    }
    body.copy(f.buf, f.used);
    f.used += body.length;
  }

  /** Writes what is buffered and closes the files. */
  finish(): void {
    for (const f of this.files.values()) {
      flush(f);
      closeSync(f.fd);
      f.fd = -1;
    }
  }

  /** The rows, class by class in DIFF_CLASSES order; the spool is removed when this ends. */
  async *read(): AsyncGenerator<DiffRow> {
    try {
      for (const cls of DIFF_CLASSES) {
        const f = this.files.get(cls);
        if (f) yield* readFile(f.path);
      }
    } finally {
      this.remove();
    }
  }

  /** Removes the files (idempotent). */
  remove(): void {
    if (!this.dir) return;
    for (const f of this.files.values()) if (f.fd >= 0) closeSync(f.fd);
    rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
    this.files.clear();
    process.removeListener('exit', this.onExit);
  }

  private file(cls: DiffClass): ClassFile {
    let f = this.files.get(cls);
    if (!f) {
      if (!this.dir) {
        this.dir = mkdtempSync(join(tmpdir(), 'crm-rescue-diff-'));
        process.once('exit', this.onExit);
      }
      const path = join(this.dir, cls);
      f = { path, fd: openSync(path, 'w', 0o600), buf: Buffer.alloc(BUFFER_BYTES), used: 0 };
      this.files.set(cls, f);
    }
    return f;
  }
}

function flush(f: ClassFile): void {
  writeAll(f.fd, f.buf, f.used);
  f.used = 0;
}

function writeAll(fd: number, buf: Buffer, length: number): void {
  for (let at = 0; at < length;) at += writeSync(fd, buf, at, length - at);
}

/** The records of a file, read into one buffer (grown only for a record larger than it). */
async function* readFile(path: string): AsyncGenerator<DiffRow> {
  const fh = await open(path, 'r');
  try {
    let buf = Buffer.alloc(BUFFER_BYTES);
    let start = 0;
    let end = 0;
    for (;;) {
      while (end - start >= 4) {
        const len = buf.readUInt32LE(start);
        if (end - start - 4 < len) break;
        yield deserialize(buf.subarray(start + 4, start + 4 + len)) as DiffRow;
        start += 4 + len;
      }
      // The incomplete record moves to the front; the rest of the buffer is filled from the file.
      const need = end - start >= 4 ? 4 + buf.readUInt32LE(start) : 0;
      if (need > buf.length) {
        const larger = Buffer.alloc(need);
        buf.copy(larger, 0, start, end);
        buf = larger;
      } else buf.copyWithin(0, start, end);
      end -= start;
      start = 0;
      const { bytesRead } = await fh.read(buf, end, buf.length - end, null);
      if (!bytesRead) break;
      end += bytesRead;
    }
    if (end > start) throw new Error(`diff spool ${path} ends inside a record`);
  } finally {
    await fh.close();
  }
}
