import { findBackup, listBackups, runBackup, targetKey, verifyBackup, type BackupEntry } from '../backup/index.js';
import type { Db } from '../connect/open.js';
import { catalogDir } from '../util/paths.js';
import { toBackupTable, type BackupTable } from './backup-table.js';
import type { ProgressOptions } from './progress.js';

/** One backup of the catalog. */
export interface BackupItem {
  id: string;
  status: BackupEntry['status'];
  /** Only usable backups can be staged. */
  usable: boolean;
  startedAt: string;
  finishedAt: string | null;
  tables: number | null;
  bytes: number | null;
  rows: number | null;
  label: string | null;
  /** Why it failed or is damaged. */
  error: string | null;
}

/** A backup with its manifest, as the manifest view shows it. */
export interface BackupDetail extends BackupItem {
  path: string;
  target: string | null;
  serverVersion: string | null;
  /** `pg_dump 15.4`. */
  tool: string | null;
  layout: string | null;
  compress: string | null;
  durationSeconds: number | null;
  tableList: BackupTable[];
  restoreTest: { at: string; ok: boolean; durationSeconds: number; mismatches: number; error?: string } | null;
}

/** The outcome of verifying a backup. */
export interface VerifyOutcome {
  id: string;
  ok: boolean;
  filesChecked: number;
  bytesChecked: number;
  problems: { file: string; problem: string }[];
}

/** The backup catalog of the target. */
export interface BackupServices {
  /** This target's backups, newest first (failed and interrupted ones too, never usable). */
  list(): Promise<BackupItem[]>;
  detail(id: string): Promise<BackupDetail>;
  /**
   * Backs the whole target up into the catalog. Aborted, it leaves nothing and rejects with an
   * AbortError whose message says so (or names the folder it could not remove).
   */
  run(options?: ProgressOptions): Promise<BackupItem>;
  /** Checks every file of a backup against its manifest. */
  verify(id: string, options?: ProgressOptions): Promise<VerifyOutcome>;
}

/** The target's backup catalog (the default one: `$CRM_RESCUE_HOME/backups`). */
export function backupServices(db: Db, env: NodeJS.ProcessEnv = process.env): BackupServices {
  const catalog = () => catalogDir(undefined, env);
  const filter = () => ({ targetKey: targetKey(db.target), database: db.target.database });
  return {
    async list() {
      return (await listBackups(catalog(), filter())).map(toItem);
    },
    async detail(id) {
      return toDetail(await findBackup(catalog(), id, filter()));
    },
    async run(options = {}) {
      // The console's Esc is a cancel: the catalog stays as it was (no `failed` entry).
      const result = await runBackup({
        target: db.target,
        db,
        dir: catalog(),
        env,
        onProgress: options.onProgress,
        signal: options.signal,
        forgetOnAbort: true,
      });
      return toItem(await findBackup(catalog(), result.id, filter()));
    },
    async verify(id, options = {}) {
      const r = await verifyBackup({ catalog: catalog(), ref: id, targetKey: filter().targetKey, onProgress: options.onProgress, signal: options.signal });
      return { id: r.id, ok: r.ok, filesChecked: r.filesChecked, bytesChecked: r.bytesChecked, problems: r.problems };
    },
  };
}

/** A catalog entry as a list shows it. */
export function toItem(e: BackupEntry): BackupItem {
  const m = e.manifest;
  return {
    id: e.id,
    status: e.status,
    usable: e.usable,
    startedAt: m?.startedAt ?? e.startedAt,
    finishedAt: m?.finishedAt ?? null,
    tables: m ? m.totals.tables : null,
    bytes: m ? m.totals.bytes : null,
    rows: m ? m.totals.rows : null,
    label: m?.label ?? null,
    error: e.error ?? null,
  };
}

function toDetail(e: BackupEntry): BackupDetail {
  const m = e.manifest;
  const tables = (m?.tables ?? []).map(toBackupTable);
  const rt = m?.restoreTest;
  return {
    ...toItem(e),
    path: e.path,
    target: e.target,
    serverVersion: m?.serverVersion ?? null,
    tool: m ? `${m.client.tool} ${m.client.version}` : null,
    layout: m?.layout ?? null,
    compress: m ? (m.options.compress === 'gzip' ? `gzip level ${m.options.compressLevel}` : 'none') : null,
    durationSeconds: m?.durationSeconds ?? null,
    tableList: tables,
    restoreTest: rt
      ? { at: rt.at, ok: rt.ok, durationSeconds: rt.durationSeconds, mismatches: rt.mismatches.length, ...(rt.error ? { error: rt.error } : {}) }
      : null,
  };
}
