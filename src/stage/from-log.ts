import type { Db } from '../connect/open.js';
import type { TableInfo } from '../dialect/model.js';
import { AUDIT_LOG_SOURCE, triggerLogSource } from './sources/trigger-log.js';
import { stageFromSource } from './stage-rows.js';

export { AUDIT_LOG_SOURCE };

/**
 * Stages live tables from the trigger-audit log (see triggerLogSource): the newest logged image
 * of every deleted row, with its exact values, into the `audit-log` staging namespace (built
 * under a temporary name, then swapped in), keyed like the live table.
 *
 * Unlike a backup the log grows, so a table is rebuilt every time (`onlyMissing` keeps a copy
 * staged earlier, which misses the rows deleted since). Returns the staged tables as
 * `schema.name`, each followed, when the log holds rows whose values cannot be restored exactly
 * (see rebuildFromLog), by how many were left out and why.
 */
export async function stageFromAuditLog(db: Db, tables: TableInfo[], onlyMissing = false): Promise<string[]> {
  const source = triggerLogSource(db, { database: db.target.database, tables });
  const wanted = tables.map((t) => source.forLive(t)).filter((t) => t !== null);
  const staged = await stageFromSource(db, source, wanted, { onlyMissing });
  return staged.tables.map((t) => `${t.schema}.${t.name}${t.note ?? ''}`);
}
