import { runBackup } from '../backup/run-backup.js';
import { openDb } from '../connect/open.js';
import { dropCompanionNamespaces } from '../stage/namespace.js';
import type { DemoSeedInfo } from './run-demo.js';

/**
 * What runs between the demo's seed and its incident: forget what belonged to an earlier demo
 * database of that name (its staging, journal, trigger log), then take the backup the recovery
 * will start from, into the catalog at `dir` (default: the user's catalog).
 */
export async function backupBeforeIncident(info: DemoSeedInfo, dir?: string): Promise<{ backupId: string }> {
  const db = await openDb(info.target, { readOnly: false, interactive: false });
  try {
    await dropCompanionNamespaces(db);
    const result = await runBackup({ target: info.target, db, dir, label: 'demo: before the incident' });
    return { backupId: result.id };
  } finally {
    await db.close();
  }
}
