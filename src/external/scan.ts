import { lstat, readdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';
import { detectDump } from './detect.js';
import type { DetectedDump } from './model.js';

/** A dump found under a folder, before any full read. */
export interface FoundDump {
  path: string;
  detected: DetectedDump;
  /** Bytes of its files. */
  bytes: number;
  /** The newest modification time of its files (ISO): the list's order and the time shown. */
  modifiedAt: string;
  /** The database, when the first bytes say (a mysqldump header, `CREATE DATABASE`, `\connect`, a custom archive's header). */
  database: string | null;
}

/** A found dump as lists show it (the CLI's JSON, the console's scan list). */
export function summarizeFound(f: FoundDump) {
  return {
    path: f.path,
    engine: f.detected.engine,
    format: f.detected.format,
    wrapper: f.detected.wrapper,
    compression: f.detected.compression,
    database: f.database,
    modifiedAt: f.modifiedAt,
    bytes: f.bytes,
  };
}

/** Names of files a PostgreSQL directory archive or a mydumper folder is recognised by. */
const FOLDER_MARKERS = ['toc.dat', 'metadata'];

/**
 * Every dump under `dir`, newest first: walked without following symbolic links, skipping what
 * cannot be read, each file recognised by its content (detectDump's sniff; what is not a dump is
 * left out without a word). A folder that is a dump (pg_dump -Fd, mydumper) is one entry.
 */
export async function scanForDumps(dir: string, opts: { signal?: AbortSignal } = {}): Promise<FoundDump[]> {
  const root = resolve(dir);
  let st;
  try {
    st = await lstat(root);
  } catch (err) {
    throw new UserError(`cannot read ${root}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'Give a folder that exists');
  }
  if (!st.isDirectory()) throw new UserError(`${root} is not a folder`, 'Give --scan a folder, or import the file itself: crm-rescue backups import PATH');
  const found: FoundDump[] = [];
  const walk = async (folder: string): Promise<void> => {
    opts.signal?.throwIfAborted();
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch {
      return; // unreadable: skipped
    }
    if (entries.some((e) => e.isFile() && FOLDER_MARKERS.includes(e.name))) {
      const d = await tryDetect(folder);
      if (d) {
        found.push(d);
        return;
      }
    }
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(folder, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) {
        const d = await tryDetect(p);
        if (d) found.push(d);
      }
      // Symbolic links, sockets, devices: never followed.
    }
  };
  await walk(root);
  return found.sort((a, b) => Date.parse(b.modifiedAt) - Date.parse(a.modifiedAt) || (a.path < b.path ? -1 : 1));
}

async function tryDetect(path: string): Promise<FoundDump | null> {
  let detected: DetectedDump;
  try {
    const st = await lstat(path);
    if (st.isFile() && st.size === 0) return null;
    detected = await detectDump(path);
  } catch {
    // Not a dump, encrypted, unreadable: not listed.
    return null;
  }
  let bytes = 0;
  let newest = 0;
  for (const f of detected.files) {
    try {
      const s = await lstat(f);
      bytes += s.size;
      newest = Math.max(newest, s.mtimeMs);
    } catch {
      // A file gone since: counted as nothing.
    }
  }
  return { path, detected, bytes, modifiedAt: new Date(newest).toISOString(), database: headDatabase(detected) };
}

/** The database a dump's first bytes name, when they do. */
export function headDatabase(d: DetectedDump): string | null {
  // A directory archive's head is its toc.dat, which starts with the same header.
  if (d.format === 'pg-custom' || d.format === 'pg-directory') return customArchiveDatabase(d.head);
  if (d.format === 'pg-dumpall') return null;
  const text = d.head.toString('latin1');
  const m =
    /^-- Host: [^\n]*?Database: ([^\s]+)/m.exec(text) ??
    /^CREATE DATABASE (?:IF NOT EXISTS )?[`"]?([^`"\s;]+)/m.exec(text) ??
    /^USE [`"]?([^`"\s;]+)/m.exec(text) ??
    /^\\connect (?:-reuse-previous=on )?"?(?:dbname=)?'?([^\s"']+)/m.exec(text);
  return m ? m[1] : null;
}

/**
 * The database name in a pg_dump custom archive's header: after the version bytes, int and
 * offset sizes, format, (compression), and the creation time's seven ints comes the name as a
 * length-prefixed string. Ints are a sign byte and `intSize` little-endian bytes.
 */
function customArchiveDatabase(h: Buffer): string | null {
  try {
    if (h.subarray(0, 5).toString('latin1') !== 'PGDMP') return null;
    const [vmaj, vmin] = [h[5], h[6]];
    const intSize = h[8];
    let pos = 11; // magic, 3 version bytes, intSize, offSize, format
    const readInt = (): number => {
      const sign = h[pos++];
      let v = 0;
      for (let i = 0; i < intSize; i++) v += h[pos++] * 2 ** (8 * i);
      return sign ? -v : v;
    };
    const version = vmaj * 10000 + vmin * 100;
    // 1.15+ (pg_dump 16): a compression algorithm byte; before, an int compression level.
    if (version >= 11500) pos += 1;
    else readInt();
    for (let i = 0; i < 7; i++) readInt();
    const len = readInt();
    if (len <= 0 || len > 1024 || pos + len > h.length) return null;
    return h.subarray(pos, pos + len).toString('utf8');
  } catch {
    return null;
  }
}
