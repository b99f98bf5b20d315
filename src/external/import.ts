import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, copyFile, stat } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { FILE_MODE, mkdirPrivate } from '../backup/durable.js';
import { UserError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';
import { ProgressTracker } from '../progress/tracker.js';
import { nowDate } from '../util/clock.js';
import { formatBytes } from '../util/format.js';
import { detectDump } from './detect.js';
import type { DumpIndex, ExternalBackupRecord, ExternalFile } from './model.js';
import { externalFilesDir, findBySha256, newExternalId, newRecord, readExternal, saveExternal } from './store.js';

/** What `backups import` did with one path. */
export interface ImportOutcome {
  /** The path as given. */
  path: string;
  record: ExternalBackupRecord;
  /** The same bytes were imported before: the earlier record, unchanged. */
  existing: boolean;
}

/** Options of importBackups. */
export interface ImportOptions {
  /** The catalog root. */
  catalog: string;
  /** Copy the files into `<catalog>/external-files/<id>/` (the record then points there). */
  copy?: boolean;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Imports dumps made by other tools into the catalog by reference: recognised by content, every
 * file hashed once (sha256, size and mtime in one read), indexed by its format's reader (tables,
 * databases, time taken), and recorded. The files are only ever read; `copy` copies them.
 */
export async function importBackups(paths: string[], options: ImportOptions): Promise<ImportOutcome[]> {
  const out: ImportOutcome[] = [];
  for (const p of paths) out.push(await importOne(p, options));
  return out;
}

async function importOne(path: string, options: ImportOptions): Promise<ImportOutcome> {
  const abs = resolve(path);
  const detected = await detectDump(abs);
  const sizes = await Promise.all(detected.files.map(async (f) => ({ f, bytes: (await stat(f)).size })));
  const tracker = new ProgressTracker({
    operation: 'import',
    items: [...sizes.map((s) => ({ key: s.f, weight: s.bytes })), { key: abs, weight: sizes.reduce((a, s) => a + s.bytes, 0) }],
    listener: options.onProgress,
  });
  tracker.phase('hash');
  const files: ExternalFile[] = [];
  let hashed = 0;
  for (const { f } of sizes) {
    options.signal?.throwIfAborted();
    tracker.start(f);
    files.push(await hashOnce(f, (n) => tracker.setBytes(hashed + n)));
    hashed += files[files.length - 1].bytes;
    tracker.finish(f);
  }
  const same = await findBySha256(
    options.catalog,
    files.map((f) => f.sha256),
  );
  if (same) return { path, record: same, existing: true };

  tracker.phase('index');
  tracker.start(abs);
  // The readers load on use: listing and verifying records never needs them.
  const { readerFor } = await import('./readers.js');
  const index = await readerFor(detected.format).index(detected, {
    onBytes: (n) => {
      tracker.setBytes(hashed + n);
      if (hashed > 0) tracker.partialFraction(abs, n / hashed);
    },
    signal: options.signal,
  });
  tracker.finish(abs);
  // Odoo's zip: the database from its manifest, the time from dump.sql's entry (see odoo.ts).
  const described = detected.wrapper === 'odoo-zip' ? await (await import('./odoo.js')).withOdooManifest(index, options.signal) : index;
  const indexed = withTakenAt(described, files);
  let id = newExternalId(indexed);
  while (await readExternal(options.catalog, id)) id = newExternalId(indexed);
  let record = newRecord(id, nowDate().toISOString(), files, false, indexed);
  if (options.copy) record = await copyInto(options.catalog, record, tracker);
  await saveExternal(options.catalog, record);
  return { path, record, existing: false };
}

/**
 * The time taken from the format when it tells; else the newest file's modification time (the
 * readers leave takenAt empty and say `mtime`).
 */
export function withTakenAt(index: DumpIndex, files: ExternalFile[]): DumpIndex {
  if (index.takenAt && index.takenAtSource !== 'mtime' && !Number.isNaN(Date.parse(index.takenAt))) return index;
  const newest = Math.max(...files.map((f) => f.mtimeMs));
  return { ...index, takenAt: new Date(Number.isFinite(newest) ? newest : 0).toISOString(), takenAtSource: 'mtime' };
}

/**
 * sha256, size and mtime of a file in one streaming read, opened read-only. A file written to
 * while it is read is refused: its hash would describe no version of it.
 */
export async function hashOnce(path: string, onBytes?: (n: number) => void): Promise<ExternalFile> {
  const before = await stat(path);
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    for await (const chunk of createReadStream(path, { flags: 'r', highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      bytes += (chunk as Buffer).length;
      onBytes?.(bytes);
    }
  } catch (err) {
    throw new UserError(`cannot read ${path}: ${(err as Error).message}`, 'Check that the file is readable', { cause: err });
  }
  const after = await stat(path);
  if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || bytes !== after.size)
    throw new UserError(`${path} changed while it was being read`, 'Import it again once whatever writes it has finished');
  return { path, bytes, mtimeMs: after.mtimeMs, sha256: hash.digest('hex') };
}

/** Copies the files under `<catalog>/external-files/<id>/` and points the record there. */
async function copyInto(catalog: string, record: ExternalBackupRecord, tracker: ProgressTracker): Promise<ExternalBackupRecord> {
  const dir = externalFilesDir(catalog, record.id);
  const loc = record.index.location;
  const st = await stat(loc.path);
  // A folder keeps its layout under the copy's folder; a file keeps its name.
  const base = st.isDirectory() ? loc.path : dirname(loc.path);
  const newLoc = st.isDirectory() ? dir : join(dir, basename(loc.path));
  tracker.phase('copy');
  const files: ExternalFile[] = [];
  for (const f of record.files) {
    const to = join(dir, relative(base, f.path));
    await mkdirPrivate(dirname(to));
    try {
      await copyFile(f.path, to);
      // Files of the catalog are private, whatever the original's mode.
      await chmod(to, FILE_MODE);
    } catch (err) {
      throw new UserError(
        `cannot copy ${f.path} to ${to}: ${(err as Error).message}`,
        `Check the free space (${formatBytes(f.bytes)} needed) or import without --copy`,
        {
          cause: err,
        },
      );
    }
    const copied = await stat(to);
    if (copied.size !== f.bytes) throw new UserError(`${f.path} changed while it was being copied`, 'Import it again');
    files.push({ ...f, path: to, mtimeMs: copied.mtimeMs });
    tracker.addBytes(f.bytes);
  }
  return { ...record, copied: true, files, index: { ...record.index, location: { ...loc, path: newLoc } } };
}

/**
 * Checks a record's files before use: every file still there, with the size and modification
 * time it had when imported. One line when not: a changed dump is never read.
 */
export async function checkUnchanged(record: ExternalBackupRecord): Promise<void> {
  for (const f of record.files) {
    let st;
    try {
      st = await stat(f.path);
    } catch {
      throw new UserError(
        `${f.path} is gone since it was imported on ${record.importedAt.slice(0, 19).replace('T', ' ')} (backup ${record.id})`,
        'Put it back, or import it again from where it is now',
      );
    }
    if (st.size !== f.bytes || st.mtimeMs !== f.mtimeMs)
      throw new UserError(
        `${f.path} changed since it was imported on ${record.importedAt.slice(0, 19).replace('T', ' ')} (${st.size !== f.bytes ? `${formatBytes(f.bytes)} then, ${formatBytes(st.size)} now` : 'modified since'})`,
        'Import it again: crm-rescue backups import PATH',
      );
  }
}

/** A file whose sha256 (or size) is not what was recorded at import. */
export interface ExternalProblem {
  file: string;
  problem: string;
}

/** Recomputes every file's sha256 (the slow, full check: `backups verify`, `--verify`). */
export async function verifyExternalFiles(
  record: ExternalBackupRecord,
  onBytes?: (n: number) => void,
): Promise<{ problems: ExternalProblem[]; bytes: number }> {
  const problems: ExternalProblem[] = [];
  let done = 0;
  for (const f of record.files) {
    let st;
    try {
      st = await stat(f.path);
    } catch {
      problems.push({ file: f.path, problem: 'missing' });
      continue;
    }
    if (st.size !== f.bytes) {
      problems.push({ file: f.path, problem: `size ${st.size}, recorded ${f.bytes}` });
      continue;
    }
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(f.path, { highWaterMark: 1 << 20 })) {
      hash.update(chunk as Buffer);
      onBytes?.((done += (chunk as Buffer).length));
    }
    const sha = hash.digest('hex');
    if (sha !== f.sha256) problems.push({ file: f.path, problem: `sha256 ${sha.slice(0, 12)}…, recorded ${f.sha256.slice(0, 12)}…` });
  }
  return { problems, bytes: done };
}
