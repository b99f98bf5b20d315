import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { UserError } from '../errors.js';
import type { ExternalBackupRecord } from '../external/model.js';
import { listExternal } from '../external/store.js';
import { parseBackupId } from './id.js';
import { isLockLive, locksDir, readLock } from './lock.js';
import { readManifest, type BackupManifest, type ManifestTable } from './manifest.js';

/** Prefix of the folder a backup is written into before it is complete. */
export const TMP_PREFIX = '.tmp-';

/**
 * A backup's state in the catalog. Only `ok` is usable: a complete folder whose manifest says ok.
 * `failed`: the run failed and left its reason; `incomplete`: a temporary folder nobody is
 * writing (crashed or killed); `running`: being written now; `damaged`: manifest unreadable.
 */
export type BackupStatus = 'ok' | 'failed' | 'incomplete' | 'running' | 'damaged';

/** One folder of the catalog, as `backups list` sees it. */
export interface BackupEntry {
  id: string;
  /** The folder. */
  path: string;
  status: BackupStatus;
  /** Only usable backups may be staged or restored. */
  usable: boolean;
  /** Null when there is none (incomplete) or it cannot be read (damaged). */
  manifest: BackupManifest | null;
  /** Why it failed or is damaged. */
  error?: string;
  startedAt: string;
  /** Target URL without password, when known. */
  target: string | null;
  targetKey: string | null;
  engine: string | null;
  database: string | null;
  /** Folder's modification time (ISO), used to age leftovers without a manifest. */
  modifiedAt: string;
  /**
   * A dump made by another tool, imported by reference (`backups import`): no manifest, `path` is
   * the dump's file or folder, `startedAt` the time it was taken. Prune never deletes it.
   */
  external?: ExternalBackupRecord;
}

/**
 * Lists a catalog's backups, newest first, including failed and incomplete leftovers (marked
 * as such, never usable). `targetKey` restricts the list to one target; leftovers whose target
 * is unknown are kept when their id names the same engine and database.
 */
export async function listBackups(catalog: string, filter: { targetKey?: string; database?: string } = {}): Promise<BackupEntry[]> {
  let names: string[];
  try {
    names = await readdir(catalog);
  } catch (err) {
    // No folder (or a file where a folder should be) means no backups yet.
    if (['ENOENT', 'ENOTDIR'].includes((err as NodeJS.ErrnoException).code ?? '')) return [];
    throw new UserError(`cannot read the backup catalog ${catalog}: ${(err as Error).message}`, 'Check --dir / CRM_RESCUE_HOME', { cause: err });
  }
  const running = await runningBackupIds(catalog);
  const entries: BackupEntry[] = [];
  for (const name of names) {
    const isTmp = name.startsWith(TMP_PREFIX);
    const id = isTmp ? name.slice(TMP_PREFIX.length) : name;
    const parts = parseBackupId(id);
    if (!parts) continue;
    const path = join(catalog, name);
    let st;
    try {
      st = await stat(path);
    } catch {
      continue;
    }
    if (!st.isDirectory()) continue;
    const entry = await describeFolder(id, path, isTmp, running.has(id), parts.startedAt.toISOString(), st.mtime.toISOString());
    entry.engine ??= parts.engine;
    entry.database ??= parts.database;
    entries.push(entry);
  }
  for (const r of await listExternal(catalog)) entries.push(externalEntry(r));
  // Newest first by start time (the manifest's has milliseconds; an id only seconds, so two
  // backups started within one second would otherwise order by their random suffix).
  entries.sort((a, b) => Date.parse(b.startedAt) - Date.parse(a.startedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  if (!filter.targetKey) return entries;
  // An imported dump records no address, and may come from a database named otherwise (crm_old): by engine.
  return entries.filter((e) =>
    e.external ? e.engine === filter.targetKey?.split(':')[0] : e.targetKey ? e.targetKey === filter.targetKey : belongsByName(e, filter),
  );
}

/** An imported dump as a catalog entry: usable while its record reads (its files are checked before use). */
function externalEntry(r: ExternalBackupRecord): BackupEntry {
  return {
    id: r.id,
    path: r.index.location.path,
    status: 'ok',
    usable: true,
    manifest: null,
    startedAt: r.index.takenAt,
    target: null,
    targetKey: null,
    engine: r.index.engine,
    database: r.index.databases.length === 1 ? r.index.databases[0] : r.index.databases.length ? r.index.databases.join(',') : null,
    modifiedAt: r.importedAt,
    external: r,
  };
}

function belongsByName(e: BackupEntry, filter: { targetKey?: string; database?: string }): boolean {
  const engine = filter.targetKey?.split(':')[0];
  return e.engine === engine && (!filter.database || e.database === filter.database);
}

async function describeFolder(id: string, path: string, isTmp: boolean, running: boolean, idTime: string, modifiedAt: string): Promise<BackupEntry> {
  const base = { id, path, startedAt: idTime, target: null, targetKey: null, engine: null, database: null, modifiedAt };
  let manifest: BackupManifest | null = null;
  let error: string | undefined;
  try {
    manifest = await readManifest(path);
  } catch (err) {
    error = (err as Error).message;
  }
  const known = manifest
    ? { startedAt: manifest.startedAt, target: manifest.target, targetKey: manifest.targetKey, engine: manifest.engine, database: manifest.database }
    : {};
  if (isTmp) {
    if (running) return { ...base, ...known, status: 'running', usable: false, manifest };
    if (manifest?.status === 'failed') return { ...base, ...known, status: 'failed', usable: false, manifest, error: manifest.error };
    return { ...base, ...known, status: 'incomplete', usable: false, manifest, error: 'interrupted before it finished (no process is writing it)' };
  }
  if (!manifest) return { ...base, status: 'damaged', usable: false, manifest: null, error };
  if (manifest.status !== 'ok') return { ...base, ...known, status: 'failed', usable: false, manifest, error: manifest.error };
  return { ...base, ...known, status: 'ok', usable: true, manifest };
}

async function runningBackupIds(catalog: string): Promise<Set<string>> {
  const ids = new Set<string>();
  let names: string[] = [];
  try {
    names = await readdir(locksDir(catalog));
  } catch {
    return ids;
  }
  for (const name of names) {
    if (!name.endsWith('.lock')) continue;
    const info = await readLock(join(locksDir(catalog), name));
    if (info && isLockLive(info)) ids.add(info.backupId);
  }
  return ids;
}

/**
 * Finds one backup by id, unique id prefix, or `latest` (the newest usable one). A UserError
 * names what was looked for when there is no match or more than one.
 */
export async function findBackup(catalog: string, ref: string, filter: { targetKey?: string; database?: string } = {}): Promise<BackupEntry> {
  const all = await listBackups(catalog, ref === 'latest' ? filter : {});
  if (ref === 'latest') {
    const latest = all.find((e) => e.usable);
    if (!latest) throw new UserError(`no usable backup in ${catalog}${filter.targetKey ? ` for ${filter.targetKey}` : ''}`, 'Run crm-rescue backup first');
    return latest;
  }
  const exact = all.find((e) => e.id === ref);
  if (exact) return exact;
  const matches = all.filter((e) => e.id.startsWith(ref));
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new UserError(
      `"${ref}" matches ${matches.length} backups (${matches
        .slice(0, 3)
        .map((m) => m.id)
        .join(', ')}…)`,
      'Give more of the id',
    );
  }
  throw new UserError(`no backup "${ref}" in ${catalog}`, 'crm-rescue backups list shows the ids');
}

/** Loads a usable backup's manifest, refusing failed, incomplete and damaged ones. */
export async function loadUsableBackup(
  catalog: string,
  ref: string,
  filter: { targetKey?: string; database?: string } = {},
): Promise<{ entry: BackupEntry; manifest: BackupManifest }> {
  const entry = await findBackup(catalog, ref, filter);
  if (!entry.usable || !entry.manifest) {
    throw new UserError(
      `backup ${entry.id} is ${entry.status}${entry.error ? `: ${entry.error}` : ''}`,
      'Pick a backup whose status is ok (crm-rescue backups list)',
    );
  }
  return { entry, manifest: entry.manifest };
}

/** Looks a table up in a manifest by name, or `schema.name`. */
export function findManifestTable(manifest: BackupManifest, table: { schema?: string; name: string }): ManifestTable | undefined {
  return manifest.tables.find((t) => t.name === table.name && (table.schema === undefined || t.schema === table.schema));
}

/** Where one table's data lives, and how it is to be restored. */
export type TableSource =
  | {
      layout: 'pg-directory';
      /** The pg_dump archive folder, for `pg_restore -Fd`. */
      archiveDir: string;
      /** The TOC id of the table's data, for a `pg_restore -L` list. */
      dumpId: number | undefined;
      /** The table's own data file (COPY text, gzip unless compress none). */
      dataFile: string;
      table: ManifestTable;
    }
  | {
      layout: 'mysql-split';
      /** A self-contained SQL file: header SET statements, DROP/CREATE TABLE, INSERTs, triggers. */
      sqlFile: string;
      gzip: boolean;
      table: ManifestTable;
    };

/** The files stage/diff need to restore one table of a backup. */
export function tableSource(backupDir: string, manifest: BackupManifest, table: ManifestTable): TableSource {
  if (manifest.layout === 'pg-directory') {
    return { layout: 'pg-directory', archiveDir: join(backupDir, 'dump'), dumpId: table.dumpId, dataFile: join(backupDir, table.file), table };
  }
  return { layout: 'mysql-split', sqlFile: join(backupDir, table.file), gzip: table.file.endsWith('.gz'), table };
}

/** The decompressed SQL of a MySQL table file (or the schema file), as a stream. */
export function openSqlFile(path: string, sha256?: { expected: string; mismatch: () => Error }): Readable {
  let raw: Readable = createReadStream(path, { highWaterMark: 1 << 20 });
  if (sha256) {
    // Checked while read (targeted staging reads the file once): a mismatch fails the stream at its end.
    const hash = createHash('sha256');
    const file = raw;
    raw = file.pipe(
      new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          cb(null, chunk);
        },
        flush(cb) {
          cb(hash.digest('hex') === sha256.expected ? null : sha256.mismatch());
        },
      }),
    );
    file.on('error', (err) => raw.destroy(err));
  }
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip();
  raw.on('error', (err) => gunzip.destroy(err));
  return raw.pipe(gunzip);
}
