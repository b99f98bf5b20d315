import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createGunzip } from 'node:zlib';
import type { Target } from '../connect/target.js';
import { ExternalError, UserError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';
import { ProgressTracker } from '../progress/tracker.js';
import { findBackup, type BackupEntry } from './catalog.js';
import { hashFile } from './durable.js';
import { manifestFiles, MANIFEST_FILE, writeManifest, type BackupManifest, type RestoreTestRecord } from './manifest.js';
import { PG_ARCHIVE_DIR, readToc } from '../dialect/postgres/postgres-dump.js';
import { mapLimit } from '../util/map-limit.js';
import { runRestoreTest } from './restore-test.js';

/** A file of a backup that is not what the manifest says. */
export interface VerifyProblem {
  /** Relative to the backup folder: `dump/3360.dat.gz`, `tables/0002-contacts.sql.gz`, `manifest.json`. */
  file: string;
  problem: string;
}

/** The outcome of `backups verify`. */
export interface VerifyResult {
  id: string;
  path: string;
  ok: boolean;
  filesChecked: number;
  bytesChecked: number;
  problems: VerifyProblem[];
  /** Set when the restore test ran (also written into the manifest). */
  restoreTest?: RestoreTestRecord;
}

/** What to verify and how. */
export interface VerifyOptions {
  catalog: string;
  /** Backup id, unique prefix or `latest`. */
  ref: string;
  /** `latest` is resolved among this target's backups. */
  targetKey?: string;
  /** Also restore into a scratch database on this server and compare row counts. */
  restoreTest?: { target: Target } | null;
  jobs?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Checks a backup: every file's size and sha256 against the manifest, then the dump's own table
 * of contents (`pg_restore -l` for PostgreSQL; for MySQL every file decompresses to the end and
 * each table file holds its CREATE TABLE). Problems name the file. Optionally runs the restore
 * test and records it in the manifest.
 */
export async function verifyBackup(options: VerifyOptions): Promise<VerifyResult> {
  const entry = await findBackup(options.catalog, options.ref, options.targetKey ? { targetKey: options.targetKey } : {});
  const base = { id: entry.id, path: entry.path, filesChecked: 0, bytesChecked: 0 };
  if (entry.external) {
    // A dump made by another tool: every file's sha256 against the one computed at import.
    const record = entry.external;
    const { verifyExternalFiles } = await import('../external/import.js');
    const tracker = new ProgressTracker({
      operation: 'verify',
      items: record.files.map((f) => ({ key: f.path, weight: f.bytes })),
      listener: options.onProgress,
    });
    tracker.phase('hash');
    const { problems, bytes } = await verifyExternalFiles(record, (n) => tracker.setBytes(n));
    return { ...base, ok: problems.length === 0, filesChecked: record.files.length, bytesChecked: bytes, problems };
  }
  if (entry.status === 'damaged') {
    return { ...base, ok: false, problems: [{ file: MANIFEST_FILE, problem: (entry.error ?? 'unreadable').replace(/^.*manifest\.json (is )?/, '') }] };
  }
  if (!entry.usable || !entry.manifest) {
    return { ...base, ok: false, problems: [{ file: MANIFEST_FILE, problem: `backup is ${entry.status}${entry.error ? `: ${entry.error}` : ''}` }] };
  }
  const manifest = entry.manifest;
  const files = manifestFiles(manifest);
  const tracker = new ProgressTracker({ operation: 'verify', items: files.map((f) => ({ key: f.path, weight: f.bytes })), listener: options.onProgress });
  tracker.phase('hash');
  const problems: VerifyProblem[] = [];
  let bytesChecked = 0;
  const jobs = Math.max(1, options.jobs ?? 2);
  const hashedOk = new Set<string>();
  await mapLimit(files, jobs, async (f) => {
    options.signal?.throwIfAborted();
    tracker.start(f.path);
    const path = join(entry.path, f.path);
    try {
      const st = await stat(path);
      const h = await hashFile(path);
      bytesChecked += h.bytes;
      tracker.addBytes(h.bytes);
      if (st.size !== f.bytes) problems.push({ file: f.path, problem: `size ${st.size} bytes, manifest says ${f.bytes}` });
      else if (h.sha256 !== f.sha256)
        problems.push({ file: f.path, problem: `sha256 mismatch (manifest ${f.sha256.slice(0, 12)}…, file ${h.sha256.slice(0, 12)}…)` });
      else hashedOk.add(f.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ file: f.path, problem: code === 'ENOENT' ? 'missing' : `unreadable: ${(err as Error).message}` });
    }
    tracker.finish(f.path);
  });

  tracker.phase('contents');
  if (manifest.layout === 'pg-directory') await checkPgArchive(entry, manifest, problems, options.signal);
  else await checkMysqlFiles(entry, manifest, hashedOk, problems, jobs, options.signal);
  problems.sort((a, b) => a.file.localeCompare(b.file));

  const result: VerifyResult = { ...base, ok: problems.length === 0, filesChecked: files.length, bytesChecked, problems };
  if (options.restoreTest && result.ok) {
    const record = await runRestoreTest(entry.path, manifest, options.restoreTest.target, { jobs, signal: options.signal, onProgress: options.onProgress });
    await writeManifest(entry.path, { ...manifest, restoreTest: record });
    result.restoreTest = record;
    result.ok = record.ok;
  }
  return result;
}

async function checkPgArchive(entry: BackupEntry, manifest: BackupManifest, problems: VerifyProblem[], signal?: AbortSignal): Promise<void> {
  let toc;
  try {
    toc = await readToc(join(entry.path, PG_ARCHIVE_DIR), manifest.serverVersion, signal);
  } catch (err) {
    if (err instanceof UserError) throw err;
    const tail = err instanceof ExternalError ? (err.stderrTail.trim().split('\n').pop() ?? '') : (err as Error).message;
    problems.push({ file: `${PG_ARCHIVE_DIR}/toc.dat`, problem: `pg_restore cannot read the table of contents${tail ? `: ${tail}` : ''}` });
    return;
  }
  const ids = new Set(toc.map((t) => t.dumpId));
  for (const t of manifest.tables) {
    if (t.dumpId !== undefined && !ids.has(t.dumpId)) {
      problems.push({ file: t.file, problem: `table ${t.schema}.${t.name} (TOC entry ${t.dumpId}) is not in the archive's table of contents` });
    }
  }
}

async function checkMysqlFiles(
  entry: BackupEntry,
  manifest: BackupManifest,
  hashedOk: Set<string>,
  problems: VerifyProblem[],
  jobs: number,
  signal?: AbortSignal,
): Promise<void> {
  const tableByFile = new Map(manifest.tables.map((t) => [t.file, t]));
  const all = [...manifest.tables.map((t) => t.file), ...manifest.files.map((f) => f.path)].filter((f) => hashedOk.has(f));
  await mapLimit(all, jobs, async (file) => {
    signal?.throwIfAborted();
    const table = tableByFile.get(file);
    const needle = table ? `CREATE TABLE \`${table.name.split('`').join('``')}\`` : null;
    try {
      const found = await scanFile(join(entry.path, file), needle);
      if (needle && !found) problems.push({ file, problem: `no CREATE TABLE for ${table!.name}` });
    } catch (err) {
      problems.push({ file, problem: `does not decompress: ${(err as Error).message}` });
    }
  });
}

/** Reads a (gzip) file to its end; true when `needle` occurs in the decompressed text. */
async function scanFile(path: string, needle: string | null): Promise<boolean> {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const stream = path.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (err) => stream.destroy(err));
  const n = needle ? Buffer.from(needle) : null;
  let found = false;
  let carry = Buffer.alloc(0);
  for await (const chunk of stream) {
    if (n && !found) {
      const buf = Buffer.concat([carry, chunk as Buffer]);
      if (buf.includes(n)) found = true;
      carry = buf.subarray(Math.max(0, buf.length - n.length));
    }
  }
  return found;
}
