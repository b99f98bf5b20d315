import type { Target } from '../../connect/target.js';
import { catalogDir } from '../../util/paths.js';
import type { BackupSummary } from '../services.js';

/**
 * Home's "Last backup": the newest usable backup of the target in the default catalog. The
 * backup module is loaded on first use, so a problem there shows on Home's backup line instead
 * of keeping the console from starting.
 */
export function lastBackupProvider(target: Target, env: NodeJS.ProcessEnv = process.env): () => Promise<BackupSummary | null> {
  return async () => {
    const [{ listBackups }, { targetKey }] = await Promise.all([import('../../backup/catalog.js'), import('../../backup/target-key.js')]);
    const entries = await listBackups(catalogDir(undefined, env), { targetKey: targetKey(target), database: target.database });
    const newest = entries.find((e) => e.usable && e.manifest);
    if (!newest?.manifest) return null;
    const m = newest.manifest;
    return { id: newest.id, finishedAt: m.finishedAt ?? m.startedAt, bytes: m.totals.bytes, tables: m.totals.tables };
  };
}
