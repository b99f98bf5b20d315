import { randomBytes } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { TableInfo } from '../dialect/model.js';
import type { RebuildResult } from '../audit/trigger/rebuild.js';
import { ensureStagingNamespace, readStaging, recordStaged, stagedName } from './namespace.js';

/**
 * The pseudo backup id that names crm-rescue's trigger-audit log as the source: `stage`, `diff`
 * and `merge --backup audit-log` rebuild deleted rows from the log alone, no backup needed.
 */
export const AUDIT_LOG_SOURCE = 'audit-log';

/**
 * Stages live tables from the trigger-audit log: the newest logged image of every deleted row,
 * with its exact values, into the `audit-log` staging namespace (built under a temporary name,
 * then swapped in), keyed like the live table. Only deleted rows are there, so a diff against it
 * shows them as deleted (and every live row as added): merge --deleted is what it is for.
 *
 * Unlike a backup the log grows, so a table is rebuilt every time (`onlyMissing` keeps a copy
 * staged earlier, which misses the rows deleted since). Returns the staged tables as
 * `schema.name`, each followed, when the log holds rows whose values cannot be restored exactly
 * (see rebuildFromLog), by how many were left out and why.
 */
export async function stageFromAuditLog(db: Db, tables: TableInfo[], onlyMissing = false): Promise<string[]> {
  const d = db.dialect;
  const { rebuildFromLog } = await import('../audit/trigger/rebuild.js');
  const ns = await ensureStagingNamespace(db, d, db.target.database, AUDIT_LOG_SOURCE);
  const current = await readStaging(db, d, ns);
  const done: string[] = [];
  for (const t of tables) {
    if (onlyMissing && current?.tables.some((s) => s.schema === t.schema && s.name === t.name)) continue;
    const stagedAs = stagedName(d, t.schema, t.name, d.engine === 'postgres' ? 'public' : db.target.database);
    const tmp = `${stagedAs.slice(0, 40)}__log_${randomBytes(3).toString('hex')}`;
    const rebuilt = await rebuildFromLog(db, { table: { schema: t.schema, name: t.name } }, { schema: ns, table: tmp });
    const key = t.primaryKey?.columns ?? t.uniqueKeys.find((k) => !k.nullable)?.columns;
    if (key) await db.query(`ALTER TABLE ${d.quoteQualified(ns, tmp)} ADD PRIMARY KEY (${key.map((k) => d.quoteIdent(k)).join(', ')})`);
    await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(ns, stagedAs)}`);
    await db.query(
      d.engine === 'postgres'
        ? `ALTER TABLE ${d.quoteQualified(ns, tmp)} RENAME TO ${d.quoteIdent(stagedAs)}`
        : `RENAME TABLE ${d.quoteQualified(ns, tmp)} TO ${d.quoteQualified(ns, stagedAs)}`,
    );
    const [{ n }] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${d.quoteQualified(ns, stagedAs)}`);
    await recordStaged(db, d, ns, AUDIT_LOG_SOURCE, db.target.database, {
      schema: t.schema,
      name: t.name,
      stagedAs,
      rows: Number(n),
      bytes: null,
      stagedAt: '',
    });
    done.push(`${t.schema}.${t.name}${leftOut(t, rebuilt.refused)}`);
  }
  return done;
}

/** ` (N logged rows of T left out …)`, or nothing. */
function leftOut(t: TableInfo, refused: RebuildResult['refused']): string {
  if (!refused.count) return '';
  const first = refused.rows
    .slice(0, 3)
    .map((r) => {
      const key = r.key
        ? Object.entries(r.key)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(',')
        : 'a row without key';
      return `${key}: ${r.column ? `${r.column}: ` : ''}${r.reason}`;
    })
    .join('; ');
  const rows = refused.count === 1 ? '1 logged row' : `${refused.count} logged rows`;
  return ` (${rows} of ${t.schema}.${t.name} left out, their values cannot be restored exactly: ${first}${refused.count > 3 ? '; …' : ''}; restore them from a backup)`;
}
