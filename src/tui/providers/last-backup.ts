import { listBackups } from '../../backup/catalog.js';
import { targetKey } from '../../backup/target-key.js';
import type { Target } from '../../connect/target.js';
import { catalogDir } from '../../util/paths.js';
import type { BackupSummary } from '../services.js';

/** Home's "Last backup": the newest usable backup of the target in the default catalog. */
export function lastBackupProvider(target: Target, env: NodeJS.ProcessEnv = process.env): () => Promise<BackupSummary | null> {
  return async () => {
    const entries = await listBackups(catalogDir(undefined, env), { targetKey: targetKey(target), database: target.database });
    const newest = entries.find((e) => e.usable && e.manifest);
    if (!newest?.manifest) return null;
    const m = newest.manifest;
    return { id: newest.id, finishedAt: m.finishedAt ?? m.startedAt, bytes: m.totals.bytes, tables: m.totals.tables };
  };
}
