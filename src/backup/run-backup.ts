import { availableParallelism, hostname } from 'node:os';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { openDb, type Db } from '../connect/open.js';
import { targetToUrl, type Target } from '../connect/target.js';
import { backupDialectFor } from '../dialect/backup.js';
import { dialectFor } from '../dialect/index.js';
import { UsageError, UserError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';
import { catalogDir } from '../util/paths.js';
import { TMP_PREFIX } from './catalog.js';
import { fsyncPath, mkdirPrivate } from './durable.js';
import { fsWriteError } from './fs-errors.js';
import { newBackupId } from './id.js';
import { acquireTargetLock } from './lock.js';
import { MANIFEST_FILE, writeManifest, type BackupManifest } from './manifest.js';
import { selectTables } from './select-tables.js';
import { targetKey } from './target-key.js';
import { crmRescueVersion } from './version.js';
import { nowDate, nowIso } from '../util/clock.js';

/** What `runBackup` is asked to do. */
export interface BackupOptions {
  /** The database to back up (password used only through env / options file). */
  target: Target;
  /** Catalog root; default `$CRM_RESCUE_HOME/backups` (`--dir`). */
  dir?: string;
  /** A free-text label kept in the manifest (`--label`). */
  label?: string;
  /** Only these tables (`name` or `schema.name`); default all. */
  tables?: string[];
  /** Default gzip. */
  compress?: 'gzip' | 'none';
  /** 0–9, default 6 (gzip's default). */
  compressLevel?: number;
  /** pg_dump --jobs / parallel gzip blocks for MySQL; default the number of cores. */
  jobs?: number;
  onProgress?: ProgressListener;
  /** Aborting stops the dump tool, removes the partial files and marks the attempt failed. */
  signal?: AbortSignal;
  /**
   * An abort is a person's cancel (the console's Esc): leave no trace instead of a `failed`
   * entry, so the catalog is as it was. The rejection then says so, or names what is left.
   */
  forgetOnAbort?: boolean;
  /** An already open connection to the target (e.g. the demo's); otherwise one is opened and closed. */
  db?: Db;
  env?: NodeJS.ProcessEnv;
}

/** A finished, usable backup. */
export interface BackupResult {
  id: string;
  /** The backup's folder in the catalog. */
  path: string;
  manifest: BackupManifest;
}

/**
 * Backs up a target into the catalog (DESIGN.md safety rule 3): dump into `.tmp-<id>`, fsync
 * and hash every file, write the manifest, then one rename makes it visible. On any failure
 * (including abort) the partial files are removed and a `failed` manifest with the reason is
 * left in the temporary folder, which `backups list` never shows as usable; with `forgetOnAbort`
 * an abort removes the temporary folder too (see BackupCancelledError).
 */
export async function runBackup(options: BackupOptions): Promise<BackupResult> {
  const env = options.env ?? process.env;
  const target = options.target;
  const backup = backupDialectFor(target.engine);
  const compress = options.compress ?? 'gzip';
  const level = options.compressLevel ?? 6;
  const jobs = options.jobs ?? availableParallelism();
  if (compress !== 'gzip' && compress !== 'none') throw new UsageError(`--compress must be gzip or none, not "${String(compress)}"`);
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new UsageError(`--compress-level must be 0–9, not ${level}`);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError(`--jobs must be 1–64, not ${jobs}`);

  const catalog = catalogDir(options.dir, env);
  try {
    await mkdirPrivate(catalog);
  } catch (err) {
    throw catalogError(err, catalog);
  }
  const startedAt = nowDate();
  const id = newBackupId(target.engine, target.database, startedAt);
  const key = targetKey(target);
  const url = targetToUrl(target);
  const lock = await acquireTargetLock(catalog, key, target.database, { backupId: id, target: url }).catch((err) => {
    throw catalogError(err, catalog);
  });

  const tmp = join(catalog, `${TMP_PREFIX}${id}`);
  const final = join(catalog, id);
  const restoreUmask = privateUmask();
  let db: Db | undefined = options.db;
  let manifest: BackupManifest | undefined;
  // Once the rename is done the backup is in the catalog: an abort after that comes too late.
  let committed = false;
  try {
    db ??= await openDb(target, { interactive: false });
    const versionQuery = db.dialect.serverVersion(db);
    versionQuery.catch(() => undefined);
    const tool = await backup.findDumpTool(versionQuery, env);
    const serverVersion = await versionQuery;
    const server = await db.dialect.serverIdentity(db);
    // Full introspection only to check --tables; the drivers read the light size queries they need.
    const subset = options.tables?.length ? selectTables((await db.dialect.introspect(db)).tables, options.tables, target.database) : null;
    options.signal?.throwIfAborted();

    try {
      await mkdirPrivate(tmp);
    } catch (err) {
      throw catalogError(err, catalog);
    }
    manifest = {
      format: 'crm-rescue-backup',
      formatVersion: 1,
      id,
      label: options.label ?? null,
      status: 'failed',
      error: 'interrupted before it finished',
      target: url,
      targetKey: key,
      engine: target.engine,
      database: target.database,
      identity: { server: server.value, serverSource: server.source, database: target.database },
      serverVersion,
      client: { tool: tool.path.split('/').pop() ?? tool.path, version: tool.version, banner: tool.banner },
      command: '',
      layout: backup.layout,
      options: {
        tables: subset ? subset.map((t) => (dialectFor(target.engine).capabilities.multiSchema ? `${t.schema}.${t.name}` : t.name)) : null,
        compress,
        compressLevel: level,
        jobs,
      },
      startedAt: startedAt.toISOString(),
      finishedAt: null,
      durationSeconds: null,
      createdBy: { host: hostname(), crmRescue: crmRescueVersion() },
      tables: [],
      files: [],
      totals: { tables: 0, bytes: 0, rows: null },
    };

    const outcome = await backup.dump({
      target,
      db,
      tool,
      serverVersion,
      workDir: tmp,
      subset,
      compress,
      level,
      jobs,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    options.signal?.throwIfAborted();

    const finishedAt = nowDate();
    const rowsKnown = outcome.tables.every((t) => t.rows !== null);
    manifest = {
      ...manifest,
      status: 'ok',
      // The files end up in the final folder: say so in the recorded command.
      command: outcome.command.split(tmp).join(final),
      layout: outcome.layout,
      finishedAt: finishedAt.toISOString(),
      durationSeconds: Math.round((finishedAt.getTime() - startedAt.getTime()) / 100) / 10,
      tables: outcome.tables,
      files: outcome.files,
      totals: {
        tables: outcome.tables.length,
        bytes: [...outcome.tables.map((t) => t.bytes), ...outcome.files.map((f) => f.bytes)].reduce((a, b) => a + b, 0),
        rows: rowsKnown ? outcome.tables.reduce((a, t) => a + (t.rows ?? 0), 0) : null,
      },
    };
    delete manifest.error;
    try {
      await writeManifest(tmp, manifest);
      await fsyncPath(tmp);
      await rename(tmp, final);
      committed = true;
      await fsyncPath(catalog);
    } catch (err) {
      throw fsWriteError(err, tmp);
    }
    return { id, path: final, manifest };
  } catch (err) {
    // In the catalog already: an abort now changes nothing, and the error is the real one.
    if (committed) throw err;
    if (options.signal?.aborted && options.forgetOnAbort) throw await forget(tmp);
    const reason = options.signal?.aborted ? abortError(options.signal) : err;
    await leaveFailed(tmp, manifest, reason);
    throw reason;
  } finally {
    restoreUmask();
    await lock.release().catch(() => undefined);
    if (db && !options.db) await db.close().catch(() => undefined);
  }
}

function abortError(signal: AbortSignal): UserError {
  const why = typeof signal.reason === 'string' ? signal.reason : signal.reason instanceof Error ? signal.reason.message : 'abort';
  return new UserError(`backup interrupted (${why}); the partial backup was removed`, 'Run it again when ready');
}

/**
 * After a cancel: remove the temporary folder altogether (no `failed` entry). Returns the error
 * to reject with: an AbortError saying the catalog is as it was, or one naming what is left.
 */
async function forget(tmp: string): Promise<Error> {
  try {
    await rm(tmp, { recursive: true, force: true });
    return new BackupCancelledError('backup cancelled: nothing was kept; the catalog is as it was', null);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return new BackupCancelledError(`backup cancelled, but its partial folder ${tmp} could not be removed (${why}); remove it by hand`, tmp, {
      cause: err,
    });
  }
}

/** The rejection of a cancelled backup (`forgetOnAbort`): an AbortError with what is left, if anything. */
export class BackupCancelledError extends Error {
  override name = 'AbortError';
  constructor(
    message: string,
    /** The folder that could not be removed, or null when nothing is left. */
    readonly leftover: string | null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * After a failure: remove every dumped file, keep only a `failed` manifest with the reason in
 * the temporary folder (so `backups list` can say why); if even that cannot be written (disk
 * full), remove the folder altogether.
 */
async function leaveFailed(tmp: string, manifest: BackupManifest | undefined, err: unknown): Promise<void> {
  try {
    await stat(tmp);
  } catch {
    return;
  }
  try {
    for (const name of await readdir(tmp)) {
      if (name !== MANIFEST_FILE) await rm(join(tmp, name), { recursive: true, force: true });
    }
    if (!manifest) {
      await rm(tmp, { recursive: true, force: true });
      return;
    }
    const message = err instanceof Error ? err.message : String(err);
    await writeManifest(tmp, { ...manifest, status: 'failed', error: message, finishedAt: nowIso(), tables: [], files: [] });
  } catch {
    await rm(tmp, { recursive: true, force: true }).catch(() => undefined);
  }
}

function catalogError(err: unknown, catalog: string): Error {
  const e = fsWriteError(err, catalog);
  if (e instanceof UserError && e.message.startsWith('cannot write')) {
    return new UserError(`backup catalog ${catalog} is not writable: ${e.message.replace(/^cannot write [^:]+: /, '')}`, e.hint, { cause: err });
  }
  return e;
}

/** Files the dump tools create inherit 0600 through the umask; returns the restorer. */
function privateUmask(): () => void {
  try {
    const old = process.umask(0o077);
    return () => process.umask(old);
  } catch {
    return () => undefined; // worker threads cannot change the umask
  }
}
