import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { DIFF_CLASSES, type DiffClass, type DiffRow } from './model.js';

const FLUSH_BYTES = 1 << 20;

interface ClassFile {
  path: string;
  fd: number;
  chunks: Buffer[];
  size: number;
}

/**
 * Differing rows held on disk between the pass that counts them and the output that must print
 * the counts first: one file per class (so rows come back class by class, each in the order it
 * was written), records length-prefixed v8 serializations (exact: -0, NaN, nested JSON). The
 * folder is private (0700, files 0600) and removed after reading, on failure and at exit.
 * Nothing is created while no row is written.
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
    const head = Buffer.alloc(4);
    head.writeUInt32LE(body.length);
    f.chunks.push(head, body);
    f.size += 4 + body.length;
    if (f.size >= FLUSH_BYTES) flush(f);
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
      f = { path, fd: openSync(path, 'w', 0o600), chunks: [], size: 0 };
      this.files.set(cls, f);
    }
    return f;
  }
}

function flush(f: ClassFile): void {
  if (!f.size) return;
  const all = Buffer.concat(f.chunks, f.size);
  for (let at = 0; at < all.length;) at += writeSync(f.fd, all, at);
  f.chunks = [];
  f.size = 0;
}

async function* readFile(path: string): AsyncGenerator<DiffRow> {
  const fh = await open(path, 'r');
  try {
    let pending = Buffer.alloc(0);
    const chunk = Buffer.alloc(FLUSH_BYTES);
    for (;;) {
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (!bytesRead) break;
      pending = pending.length ? Buffer.concat([pending, chunk.subarray(0, bytesRead)]) : Buffer.from(chunk.subarray(0, bytesRead));
      let at = 0;
      while (pending.length - at >= 4) {
        const len = pending.readUInt32LE(at);
        if (pending.length - at - 4 < len) break;
        yield deserialize(pending.subarray(at + 4, at + 4 + len)) as DiffRow;
        at += 4 + len;
      }
      pending = pending.subarray(at);
    }
    if (pending.length) throw new Error(`diff spool ${path} ends inside a record`);
  } finally {
    await fh.close();
  }
}
