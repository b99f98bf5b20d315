import type { RebuildResult } from '../../audit/trigger/rebuild.js';
import type { Db } from '../../connect/open.js';
import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import { nowIso } from '../../util/clock.js';
import { findLiveTable } from '../resolve.js';
import { liveTableDefinition, type LoadedCopy, type LoadTarget, type RowSource, type SourceTable } from '../row-source.js';

/**
 * The pseudo backup id that names crm-rescue's trigger-audit log as the source: `stage`, `diff`
 * and `merge --backup audit-log` rebuild deleted rows from the log alone, no backup needed.
 */
export const AUDIT_LOG_SOURCE = 'audit-log';

/**
 * crm-rescue's trigger-audit log as a row source: for each live table, the newest logged image
 * of every deleted row, with its exact values, keyed like the live table (see rebuildFromLog).
 * Only deleted rows are there, so a diff against it shows them as deleted (and every live row as
 * added): merge --deleted is what it is for. The copy is built on the server, from the log, by
 * one INSERT … SELECT; rows the log cannot give back exactly are left out and said in the note.
 *
 * `live` holds the live tables the source may stage (their definitions come from it).
 */
export function triggerLogSource(db: Db, live: Pick<SchemaSnapshot, 'database' | 'tables'>): RowSource {
  const wrapped = new Map<TableInfo, SourceTable>();
  const wrap = (t: TableInfo): SourceTable => {
    let s = wrapped.get(t);
    if (!s) wrapped.set(t, (s = logTable(t)));
    return s;
  };
  return {
    id: AUDIT_LOG_SOURCE,
    database: db.target.database,
    about: {
      description: "crm-rescue's trigger-audit log",
      // Deletions of any time since the triggers were installed, each logged as it committed.
      takenAt: null,
      coversUntil: nowIso(),
    },
    // Every deletion since the last staging is logged too: a table is rebuilt every time.
    grows: true,
    find: (names) => Promise.resolve(names.map((n) => wrap(findLiveTable(live, n)))),
    forLive(table) {
      const t = live.tables.find((x) => x.schema === table.schema && x.name === table.name);
      return t ? wrap(t) : null;
    },
  };
}

/** One live table's logged deletions. */
function logTable(t: TableInfo): SourceTable {
  const key = t.primaryKey?.columns ?? t.uniqueKeys.find((k) => !k.nullable)?.columns ?? null;
  return {
    schema: t.schema,
    name: t.name,
    live: { schema: t.schema, name: t.name },
    bytes: null,
    definition: () => Promise.resolve(liveTableDefinition(t, key)),
    async load(into: LoadTarget): Promise<LoadedCopy> {
      const { db, namespace } = into;
      const d = db.dialect;
      const { rebuildFromLog } = await import('../../audit/trigger/rebuild.js');
      const table = { schema: namespace, name: into.temporaryName };
      const aside = { schema: namespace, name: `${into.temporaryName}_old` };
      const cleanup = async () => {
        for (const x of [table, aside]) await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(x.schema, x.name)}`).catch(() => undefined);
      };
      try {
        const rebuilt = await rebuildFromLog(db, { table: { schema: t.schema, name: t.name } }, { schema: table.schema, table: table.name });
        if (key) await db.query(`ALTER TABLE ${d.quoteQualified(table.schema, table.name)} ADD PRIMARY KEY (${key.map((k) => d.quoteIdent(k)).join(', ')})`);
        return { table, aside, rows: null, bytes: null, cleanup, note: leftOut(t, rebuilt.refused) };
      } catch (err) {
        await cleanup();
        throw err;
      }
    },
  };
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
