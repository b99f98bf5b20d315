import { findBackup, listBackups, runBackup, targetKey, verifyBackup, type BackupEntry } from '../backup/index.js';
import type { Db } from '../connect/open.js';
import { catalogDir } from '../util/paths.js';
import type { BackupDetail, BackupItem, BackupServices, BackupTable } from './services-types.js';

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
      const result = await runBackup({ target: db.target, db, dir: catalog(), env, onProgress: options.onProgress, signal: options.signal });
      return toItem(await findBackup(catalog(), result.id, filter()));
    },
    async verify(id, options = {}) {
      const r = await verifyBackup({ catalog: catalog(), ref: id, targetKey: filter().targetKey, onProgress: options.onProgress, signal: options.signal });
      return { id: r.id, ok: r.ok, filesChecked: r.filesChecked, bytesChecked: r.bytesChecked, problems: r.problems };
    },
  };
}

/** A catalog entry as the console lists it. */
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
  const tables: BackupTable[] = (m?.tables ?? []).map((t) => ({
    id: `${t.schema}.${t.name}`,
    schema: t.schema,
    name: t.name,
    rows: t.rows,
    rowsEstimated: t.rowsEstimated,
    bytes: t.bytes,
    file: t.file,
  }));
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
