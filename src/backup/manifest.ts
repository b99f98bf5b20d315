import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine } from '../connect/target.js';
import { UserError } from '../errors.js';
import { writeFileAtomic } from './durable.js';

/** The manifest's file name inside a backup folder. */
export const MANIFEST_FILE = 'manifest.json';

/** How the dump is laid out in the backup folder. */
export type BackupLayout =
  /** `dump/`: a pg_dump directory-format archive (toc.dat plus one `<dumpId>.dat[.gz]` per table). */
  | 'pg-directory'
  /** `tables/NNNN-name.sql[.gz]`: one self-contained mysqldump section per table, plus `schema.sql[.gz]`. */
  | 'mysql-split';

/** One file of a backup, relative to the backup folder (POSIX separators). */
export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

/** One table of a backup. */
export interface ManifestTable {
  /** PostgreSQL schema, or the MySQL database. */
  schema: string;
  name: string;
  /** The table's data file, relative to the backup folder. */
  file: string;
  bytes: number;
  sha256: string;
  /** Rows in the dump; exact unless `rowsEstimated`. Null when unknown. */
  rows: number | null;
  /** True when `rows` is the planner's estimate rather than a count. */
  rowsEstimated: boolean;
  /** PostgreSQL: the archive's TOC id of the TABLE DATA entry (`pg_restore -L`). */
  dumpId?: number;
  /** PostgreSQL: the partitioned table this partition belongs to (`schema.name`). */
  partitionOf?: string;
}

/** The result of `backups verify --restore-test`, kept in the manifest. */
export interface RestoreTestRecord {
  /** When the test ran (ISO time). */
  at: string;
  /** Restored without error and every row count matched. */
  ok: boolean;
  /** Seconds from creating the scratch database to the end of the restore: the measured recovery time. */
  durationSeconds: number;
  /** The scratch database (dropped afterwards). */
  database: string;
  tablesChecked: number;
  /** Tables whose restored row count differs from the manifest. */
  mismatches: { schema: string; name: string; expected: number | null; actual: number }[];
  /** Why it failed, when it did not get as far as counting. */
  error?: string;
}

/** The server and database a backup belongs to. */
export interface BackupIdentity {
  /** PostgreSQL `system_identifier`; MySQL/MariaDB `hostname:port:server_id`. Null when the server would not say. */
  server: string | null;
  /** Where `server` comes from: `system_identifier` or `@@hostname:@@port:@@server_id`. */
  serverSource: string;
  /** The database (as the connection names it). */
  database: string;
}

/** Outcome of a backup run. */
export type ManifestStatus = 'ok' | 'failed';

/** Everything known about one backup. Never contains a password. */
export interface BackupManifest {
  format: 'crm-rescue-backup';
  formatVersion: 1;
  id: string;
  label: string | null;
  status: ManifestStatus;
  /** Why it failed (status `failed`). */
  error?: string;
  /** The target as a URL without the password. */
  target: string;
  /** Identifies the target across URLs spelled differently (engine, host or socket, port, database). */
  targetKey: string;
  engine: Engine;
  database: string;
  /**
   * The server the backup was taken from, as the server itself says (see `Dialect.serverIdentity`).
   * Absent in manifests written before crm-rescue recorded it: such a backup is matched to a
   * target by `targetKey` alone, and stage, diff and merge say "identity not recorded".
   */
  identity?: BackupIdentity;
  serverVersion: string;
  /** The dump tool: `pg_dump` / `mysqldump`, with its version and banner. */
  client: { tool: string; version: string; banner: string };
  /** The dump command line with secrets removed. */
  command: string;
  layout: BackupLayout;
  options: {
    /** The requested subset (`--tables`), or null for the whole database. */
    tables: string[] | null;
    compress: 'gzip' | 'none';
    compressLevel: number;
    jobs: number;
  };
  startedAt: string;
  finishedAt: string | null;
  durationSeconds: number | null;
  /** The host crm-rescue ran on, and its version. */
  createdBy: { host: string; crmRescue: string };
  tables: ManifestTable[];
  /** Files that are not one table's data: `dump/toc.dat`, `schema.sql.gz`. */
  files: ManifestFile[];
  totals: { tables: number; bytes: number; rows: number | null };
  restoreTest?: RestoreTestRecord;
}

/**
 * Reads and checks a manifest. A missing or damaged manifest is a UserError that names the file.
 */
export async function readManifest(backupDir: string): Promise<BackupManifest> {
  const path = join(backupDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'ENOENT' ? `${path} is missing` : `cannot read ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${path} is damaged: not valid JSON (${(err as Error).message})`, 'The backup cannot be trusted; take a new one', { cause: err });
  }
  const problem = manifestProblem(doc);
  if (problem) throw new UserError(`${path} is damaged: ${problem}`, 'The backup cannot be trusted; take a new one');
  return doc as BackupManifest;
}

/** Writes a manifest atomically (tmp + fsync + rename + fsync of the folder), mode 0600. */
export async function writeManifest(backupDir: string, manifest: BackupManifest): Promise<void> {
  await writeFileAtomic(join(backupDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}

/** What is wrong with a parsed manifest, or null when its shape is right. */
export function manifestProblem(doc: unknown): string | null {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return 'not a JSON object';
  const m = doc as Record<string, unknown>;
  if (m.format !== 'crm-rescue-backup') return 'format is not "crm-rescue-backup"';
  if (m.formatVersion !== 1) return `unknown formatVersion ${JSON.stringify(m.formatVersion)}`;
  for (const key of ['id', 'target', 'targetKey', 'engine', 'database', 'startedAt', 'layout', 'status'] as const) {
    if (typeof m[key] !== 'string') return `"${key}" is missing`;
  }
  if (m.status !== 'ok' && m.status !== 'failed') return `unknown status "${String(m.status)}"`;
  if (m.identity !== undefined) {
    const id = m.identity as Record<string, unknown> | null;
    if (!id || typeof id !== 'object' || typeof id.database !== 'string' || (id.server !== null && typeof id.server !== 'string'))
      return '"identity" is incomplete';
  }
  if (!Array.isArray(m.tables)) return '"tables" is missing';
  if (!Array.isArray(m.files)) return '"files" is missing';
  for (const [i, t] of (m.tables as unknown[]).entries()) {
    const table = t as Record<string, unknown>;
    if (!table || typeof table.name !== 'string' || typeof table.file !== 'string' || typeof table.sha256 !== 'string') {
      return `tables[${i}] is incomplete`;
    }
  }
  for (const [i, f] of (m.files as unknown[]).entries()) {
    const file = f as Record<string, unknown>;
    if (!file || typeof file.path !== 'string' || typeof file.sha256 !== 'string') return `files[${i}] is incomplete`;
  }
  return null;
}

/** Every file a backup consists of (tables' and others), for hashing. */
export function manifestFiles(manifest: BackupManifest): ManifestFile[] {
  return [...manifest.tables.map((t) => ({ path: t.file, bytes: t.bytes, sha256: t.sha256 })), ...manifest.files];
}
