import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { runTool, startTool, ToolError } from '../exec/index.js';
import { UserError } from '../errors.js';
import type { Compression, DumpLocation } from './model.js';

/**
 * The bytes of a dump, decompressed and taken out of its containers, as one stream. Compression
 * and containers are recognised by their magic bytes at every level, never by a file's name.
 * gzip is read by Node's zlib; bzip2, xz, zstd and lz4 by their own tools (Debian packages
 * bzip2, xz-utils, zstd, lz4) reading our stream on stdin; a tar member by `tar -xO` on stdin;
 * a zip member by `unzip -p` (zips only as the outermost file: zip cannot be read from a pipe).
 * Files are opened read-only; nothing is written anywhere.
 */

/** The compression a stream starts with. */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 3 && head.toString('latin1', 0, 3) === 'BZh') return 'bzip2';
  if (head.length >= 6 && head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'xz';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  if (head.length >= 4 && head.readUInt32LE(0) === 0x184d2204) return 'lz4';
  return 'none';
}

/** The container a (decompressed) stream is, if any. */
export function sniffContainer(head: Buffer): 'zip' | 'tar' | null {
  if (head.length >= 4 && head.readUInt32LE(0) === 0x04034b50) return 'zip';
  if (head.length >= 262 && head.toString('latin1', 257, 262) === 'ustar') return 'tar';
  return null;
}

/** What an encrypted file looks like, when it is one (say so rather than "not a dump"). */
export function sniffEncryption(head: Buffer): string | null {
  if (head.toString('latin1', 0, 8) === 'Salted__') return 'an OpenSSL-encrypted file (openssl enc)';
  if (head.toString('latin1', 0, 21) === 'age-encryption.org/v1') return 'an age-encrypted file';
  if (head.toString('latin1', 0, 27) === '-----BEGIN PGP MESSAGE-----') return 'a GnuPG-encrypted file (armored)';
  // An OpenPGP binary message starts with a public-key or symmetric-key encrypted session key packet.
  if (head.length >= 2 && (head[0] === 0x85 || head[0] === 0x84 || head[0] === 0x8c || head[0] === 0xc1 || head[0] === 0xc3) && head[1] > 0)
    return head[0] === 0x8c || head[0] === 0xc3 ? 'a GnuPG-encrypted file (gpg -c)' : 'a GnuPG-encrypted file';
  return null;
}

const TOOLS: Record<Exclude<Compression, 'gzip' | 'none'>, { tool: string; package: string }> = {
  bzip2: { tool: 'bzip2', package: 'bzip2' },
  xz: { tool: 'xz', package: 'xz-utils' },
  zstd: { tool: 'zstd', package: 'zstd' },
  lz4: { tool: 'lz4', package: 'lz4' },
};

/** An opened dump: its decompressed bytes, and how many bytes of the file on disk were read so far. */
export interface DumpStream {
  stream: Readable;
  /** Bytes of the file on disk read so far (for progress against its size). */
  rawBytes(): number;
  /** The innermost stream's compression. */
  compression: Compression;
}

/** Options of openDump. */
export interface OpenDumpOptions {
  /** Called as the file on disk is read, with the bytes read so far. */
  onBytes?: (rawBytes: number) => void;
  signal?: AbortSignal;
  /** Path shown in messages (default: the location's path and members). */
  display?: string;
}

/**
 * Opens a dump file (or a member of it) for reading: the decompressed bytes of `loc`, streamed.
 * A damaged or truncated compressed stream ends the stream with a DumpReadError that says where.
 */
export async function openDump(loc: DumpLocation, opts: OpenDumpOptions = {}): Promise<DumpStream> {
  const display = opts.display ?? describeLocation(loc);
  let raw = 0;
  let source: Readable;
  let members = loc.members;
  const first = await readFileHead(loc.path, 8);
  if (sniffContainer(first) === 'zip') {
    if (!members.length) throw new UserError(`${display} is a zip archive`, 'Name the dump inside it (crm-rescue backups import finds it)');
    // Progress counts bytes of the file on disk: unzipped bytes scaled by the member's compression ratio.
    const { size } = await stat(loc.path);
    const entry = (await listMembers({ path: loc.path, members: [] }, opts.signal)).find((m) => m.name === members[0]);
    const scale = entry?.bytes ? size / entry.bytes : 1;
    source = zipMember(loc.path, members[0], opts.signal, (n) => {
      raw = Math.min(size, Math.round(n * scale));
      opts.onBytes?.(raw);
    });
    members = members.slice(1);
  } else {
    const file = createReadStream(loc.path, { highWaterMark: 1 << 20 });
    source = file.pipe(
      new Transform({
        transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback) {
          raw += chunk.length;
          opts.onBytes?.(raw);
          cb(null, chunk);
        },
      }),
    );
    file.on('error', (err) => source.destroy(fsError(err, loc.path)));
  }
  let compression: Compression = 'none';
  for (;;) {
    const peeked = await peek(source, 512);
    compression = sniffCompression(peeked.head);
    source = compression === 'none' ? peeked.stream : decompress(peeked.stream, compression, display, () => raw, opts.signal);
    if (!members.length) break;
    const inner = await peek(source, 512);
    if (sniffContainer(inner.head) !== 'tar') {
      inner.stream.destroy();
      throw new UserError(
        `${display}: ${members[0]} is looked for in something that is not a tar archive`,
        'Import the file again: crm-rescue backups import PATH',
      );
    }
    source = tarMember(inner.stream, members[0], display, opts.signal);
    members = members.slice(1);
  }
  return { stream: source, rawBytes: () => raw, compression };
}

/** The first `n` decompressed bytes of a location (fewer when it is shorter), for recognising it. */
export async function readDumpHead(loc: DumpLocation, n = 64 * 1024): Promise<Buffer> {
  const { stream } = await openDump(loc);
  try {
    return (await peek(stream, n)).head.subarray(0, n);
  } finally {
    stream.destroy();
  }
}

/** The first bytes of a file on disk, as they are (not decompressed). */
export async function readFileHead(path: string, n: number): Promise<Buffer> {
  const { open } = await import('node:fs/promises');
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw fsError(err as NodeJS.ErrnoException, path);
  }
  try {
    const buf = Buffer.alloc(n);
    const { bytesRead } = await fh.read(buf, 0, n, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A member of a container: its path inside, its size, and whether it is encrypted (zip). */
export interface ContainerMember {
  name: string;
  bytes: number | null;
  encrypted: boolean;
  directory: boolean;
}

/**
 * The members of the container at `loc` (a zip as the file itself, or a tar at any level,
 * compressed or not). Reads a tar whole (a tar has no index); a zip's central directory only.
 */
export async function listMembers(loc: DumpLocation, signal?: AbortSignal): Promise<ContainerMember[]> {
  const head = await readFileHead(loc.path, 8);
  if (!loc.members.length && sniffContainer(head) === 'zip') {
    const r = await runTool({
      tool: 'unzip',
      args: ['-Z', '-l', loc.path],
      stdout: 'collect',
      what: `listing ${loc.path}`,
      installHint: 'apt-get install unzip',
      signal,
    });
    return parseZipInfo(r.stdout);
  }
  const { stream } = await openDump(loc, { signal });
  const peeked = await peek(stream, 512);
  if (sniffContainer(peeked.head) !== 'tar') {
    peeked.stream.destroy();
    return [];
  }
  const r = await runTool({ tool: 'tar', args: ['-tvf', '-'], stdin: peeked.stream, stdout: 'collect', what: `listing ${describeLocation(loc)}`, signal });
  return parseTarList(r.stdout);
}

/** `unzip -Z -l` lines: `-rw-r--r--  3.0 unx    12345 tx     6789 defN 24-Nov-01 12:00 dump.sql`. */
export function parseZipInfo(text: string): ContainerMember[] {
  const out: ContainerMember[] = [];
  for (const line of text.split('\n')) {
    const m = /^([-dlrwxsStT]{10})\s+\S+\s+\S+\s+(\d+)\s+([bBtT])\S\s+\S+\s+\S+\s+\S+\s+\S+\s(.+)$/.exec(line);
    if (!m) continue;
    out.push({ name: m[4], bytes: Number(m[2]), encrypted: m[3] === 'B' || m[3] === 'T', directory: m[1].startsWith('d') || m[4].endsWith('/') });
  }
  return out;
}

/** `tar -tv` lines: `-rw-r--r-- user/group 12345 2026-11-01 12:00 path`. */
export function parseTarList(text: string): ContainerMember[] {
  const out: ContainerMember[] = [];
  for (const line of text.split('\n')) {
    const m = /^([-dlhcbps])\S*\s+\S+\s+(\d+)\s+\d{4}-\d{2}-\d{2}\s+\d{2}:\d{2}(?::\d{2})?\s(.+)$/.exec(line);
    if (!m) continue;
    out.push({ name: m[3], bytes: Number(m[2]), encrypted: false, directory: m[1] === 'd' });
  }
  return out;
}

/** `path`, or `path › member › member` for a member of a container. */
export function describeLocation(loc: DumpLocation): string {
  return [loc.path, ...loc.members].join(' › ');
}

/** Reading a dump failed part-way: a damaged or truncated stream. */
export class DumpReadError extends UserError {
  constructor(
    message: string,
    /** Bytes of the file on disk read when it failed. */
    readonly rawOffset: number,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, hint, options);
  }
}

/**
 * Reads until `n` bytes (or the end) are buffered and gives them back with a stream that still
 * yields everything from the first byte. Destroying the returned stream destroys the source.
 */
export async function peek(source: Readable, n: number): Promise<{ head: Buffer; stream: Readable }> {
  const it = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let len = 0;
  let ended = false;
  while (len < n) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    chunks.push(r.value);
    len += r.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest(): AsyncGenerator<Buffer> {
    try {
      if (head.length) yield head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await it.return?.();
    }
  }
  return { head, stream: Readable.from(rest(), { objectMode: false }) };
}

function decompress(input: Readable, c: Exclude<Compression, 'none'>, display: string, raw: () => number, signal?: AbortSignal): Readable {
  if (c === 'gzip') {
    const gunzip = createGunzip({ chunkSize: 1 << 16 });
    input.on('error', (err) => gunzip.destroy(err));
    const out = input.pipe(gunzip);
    const fail = (err: Error) =>
      err instanceof UserError
        ? err
        : new DumpReadError(
            `${display}: the gzip stream is ${/unexpected end/i.test(err.message) ? 'truncated' : `damaged (${err.message})`} at byte ${raw()} of the file`,
            raw(),
            'The file is incomplete or corrupted; use another backup, or the same one from where it was copied from',
            { cause: err },
          );
    return rethrowing(out, fail);
  }
  const { tool, package: pkg } = TOOLS[c];
  return toolStream(
    { tool, args: ['-dc'], stdin: input, what: `decompressing ${display} (${c})`, installHint: `apt-get install ${pkg}`, signal },
    (err) =>
      err instanceof ToolError && err.childExitCode === 127
        ? err
        : new DumpReadError(
            `${display}: the ${c} stream is truncated or damaged at byte ${raw()} of the file (${(err as Error).message})`,
            raw(),
            'The file is incomplete or corrupted; use another backup, or the same one from where it was copied from',
            { cause: err },
          ),
    input,
  );
}

/**
 * A tool's stdout as a stream: its failure (once its output is read) becomes `fail(err)`; a
 * reader that stops early stops the tool and the stream feeding it.
 */
function toolStream(
  spec: { tool: string; args: string[]; stdin?: Readable; what: string; installHint?: string; signal?: AbortSignal },
  fail: (err: unknown) => Error,
  input?: Readable,
  onChunk?: (chunk: Buffer) => void,
): Readable {
  async function* run(): AsyncGenerator<Buffer> {
    const p = await startTool({ ...spec, stdin: spec.stdin ?? 'ignore', stdout: 'pipe' });
    let finished = false;
    try {
      for await (const chunk of p.stdout!) {
        onChunk?.(chunk as Buffer);
        yield chunk as Buffer;
      }
      await p.done.catch((err: unknown) => {
        throw fail(err);
      });
      finished = true;
    } finally {
      if (!finished) {
        p.kill();
        await p.done.catch(() => undefined);
        input?.destroy();
      }
    }
  }
  return Readable.from(run(), { objectMode: false });
}

/** A stream whose errors are replaced by `fail(err)`. */
function rethrowing(stream: Readable, fail: (err: Error) => Error): Readable {
  async function* gen(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (err) {
      throw fail(err as Error);
    } finally {
      stream.destroy();
    }
  }
  return Readable.from(gen(), { objectMode: false });
}

function tarMember(input: Readable, member: string, display: string, signal?: AbortSignal): Readable {
  return toolStream(
    { tool: 'tar', args: ['-xOf', '-', '--', member], stdin: input, what: `reading ${member} of ${display}`, signal },
    (err) => new DumpReadError(`${display}: cannot read ${member} (${(err as Error).message})`, 0, 'The archive is incomplete or corrupted', { cause: err }),
    input,
  );
}

function zipMember(path: string, member: string, signal: AbortSignal | undefined, onBytes: (n: number) => void): Readable {
  // -p: to stdout; a member name is a pattern to unzip, so its wildcard characters are escaped.
  const pattern = member.replace(/[[\]*?\\]/g, (c) => `\\${c}`);
  let n = 0;
  return toolStream(
    { tool: 'unzip', args: ['-p', path, pattern], what: `reading ${member} of ${path}`, installHint: 'apt-get install unzip', signal },
    (err) => new DumpReadError(`${path}: cannot read ${member} (${(err as Error).message})`, n, 'The zip file is incomplete or corrupted', { cause: err }),
    undefined,
    (chunk) => {
      n += chunk.length;
      onBytes(n);
    },
  );
}

function fsError(err: NodeJS.ErrnoException, path: string): UserError {
  const what = err.code === 'ENOENT' ? 'does not exist' : err.code === 'EACCES' ? 'cannot be read (permission denied)' : `cannot be read: ${err.message}`;
  return new UserError(`${path} ${what}`, err.code === 'EACCES' ? 'Run as a user who can read it, or copy it somewhere readable' : undefined, { cause: err });
}
