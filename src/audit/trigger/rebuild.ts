import type { Db } from '../../connect/open.js';
import type { TableRef } from '../../crm/flavour.js';
import { auditSqlFor } from '../../dialect/audit-sql.js';
import type { TableInfo } from '../../dialect/model.js';
import { triggerAuditFor } from '../../dialect/trigger-audit.js';
import { UserError } from '../../errors.js';
import { Params } from '../stream.js';
import { resolveTables } from './model.js';
import { LOG_ID, type RebuildPlan, type RefusedRow } from './rebuild-plan.js';
import { LOG_TABLE, readTriggerAuditState } from './state.js';

/** Which logged rows to rebuild. */
export interface RebuildSpec {
  /** The live table (`name`, `schema.name` or a reference). */
  table: string | TableRef;
  /** Logged at or after (ISO 8601). */
  since?: string;
  /** Logged before (ISO 8601, exclusive). */
  until?: string;
  /** Only these keys: objects {column: value}, or plain values for a one-column key. */
  keys?: unknown[];
  /** One row per key, the newest logged (default true). False: every logged version. */
  latestPerKey?: boolean;
  /** Log operations to read (default DELETE; UPDATE rows exist with `install --updates`). */
  operations?: ('DELETE' | 'UPDATE')[];
}

/** Where to put them: a new table (the namespace must exist). */
export interface RebuildTarget {
  schema: string;
  table: string;
}

export type { RefusedRow } from './rebuild-plan.js';

/** What rebuildFromLog did. */
export interface RebuildResult {
  into: TableRef;
  rows: number;
  columns: string[];
  /** Logged rows left out (never restored with another value): how many, and the first few. */
  refused: { count: number; rows: RefusedRow[] };
}

/**
 * Rebuilds deleted rows from the trigger audit's log alone, without a backup: creates `into`
 * with the live table's columns (CREATE TABLE … AS SELECT … WHERE 1=0: same types, no keys, so
 * several logged versions of a key fit) and inserts the logged old rows with their exact values.
 *
 * A row logged as its exact image (old_row_layout 2: column → the value's text) is rebuilt by
 * casting each text back to the column's type (MySQL: by assignment; bytes from base64), under
 * the settings the trigger pinned; then every rebuilt value is printed again the way the
 * trigger printed it, and a row whose text differs (a column retyped since it was logged) is
 * left out. A row of an older log (typed row JSON) is rebuilt as that layout allows
 * (json_populate_record; JSON_EXTRACT per column) and left out when its image cannot tell the
 * value exactly: array bounds, JSON null against SQL NULL, \u0000 in JSON (PostgreSQL); a zero
 * TIMESTAMP written as NULL, FLOAT cut to 6 digits, JSON columns' text (MariaDB). Left-out rows
 * are counted and described in `refused`; no row is ever rebuilt with another value.
 *
 * `db` must be writable in `into.schema`. Used by stage to stage rows from the log.
 */
export async function rebuildFromLog(db: Db, spec: RebuildSpec, into: RebuildTarget): Promise<RebuildResult> {
  const d = db.dialect;
  const sql = auditSqlFor(d.engine);
  const audit = triggerAuditFor(d.engine);
  const state = await readTriggerAuditState(db, d.engine);
  if (!state.logPresent) {
    throw new UserError('there is no trigger-audit log on this database', 'Install it with crm-rescue audit install; it records deletions from then on');
  }
  const snapshot = await d.introspect(db);
  const live = typeof spec.table === 'string' ? resolveTables(snapshot.tables, [spec.table])[0] : findTable(snapshot.tables, spec.table);
  if (await audit.tableExists(db, into.schema, into.table))
    throw new UserError(`${into.schema}.${into.table} already exists`, 'Rebuild into a new table, or drop it first');
  if (live.columns.some((c) => c.name === LOG_ID))
    throw new UserError(`${live.schema}.${live.name} has a column named ${LOG_ID}`, 'Restore this table from a backup');

  const log = d.quoteQualified(state.namespace, LOG_TABLE);
  const p = new Params((i) => d.placeholder(i));
  const conds = [`l.table_schema = ${p.add(live.schema)}`, `l.table_name = ${p.add(live.name)}`];
  const ops = spec.operations?.length ? spec.operations : ['DELETE'];
  conds.push(`l.operation IN (${ops.map((o) => p.add(o)).join(', ')})`);
  if (spec.since) conds.push(`l.logged_at >= ${sql.timeParam(p.add(sql.timeValue(spec.since)), sql.logTimeType)}`);
  if (spec.until) conds.push(`l.logged_at < ${sql.timeParam(p.add(sql.timeValue(spec.until)), sql.logTimeType)}`);
  if (spec.keys) conds.push(keyCondition(db, live, spec.keys, p));
  const latest = spec.latestPerKey ?? true;
  // A log of an older crm-rescue that `audit install` has not upgraded yet holds older images only.
  const layouts = await audit.hasColumn(db, state.namespace, LOG_TABLE, 'old_row_layout');
  const layout = layouts ? 'l.old_row_layout' : 'NULL';
  const fields = `l.id AS log_id, l.row_key, l.old_row, ${layout} AS layout`;
  const where = conds.join(' AND ');
  const pick = audit.pickLogRows({ fields, log, where, latestPerKey: latest });

  const plan: RebuildPlan = {
    live,
    target: d.quoteQualified(into.schema, into.table),
    pick,
    params: p.values,
    log,
    layouts,
    kinds: await audit.columnKinds(db, live),
  };
  const refused = await db.withConnection((c) => audit.rebuild(c, d, plan));
  const [{ n }] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${plan.target}`);
  return { into: { schema: into.schema, name: into.table }, rows: Number(n), columns: live.columns.map((c) => c.name), refused };
}

function findTable(tables: TableInfo[], ref: TableRef): TableInfo {
  const t = tables.find((x) => x.schema === ref.schema && x.name === ref.name);
  if (!t) throw new UserError(`table ${ref.schema}.${ref.name} not found`, 'Check the name with crm-rescue inspect');
  return t;
}

/** row_key matches one of the keys (compared as text per key column). */
function keyCondition(db: Db, live: TableInfo, keys: unknown[], p: Params): string {
  if (keys.length === 0) return '1 = 0';
  const sql = auditSqlFor(db.dialect.engine);
  const alternatives = keys.map((k) => {
    const obj = k !== null && typeof k === 'object' ? (k as Record<string, unknown>) : null;
    const cols = obj ? Object.keys(obj) : [keyColumnOf(live)];
    return `(${cols.map((c) => `${sql.jsonGetText('l.row_key', c)} = ${p.add(String(obj ? obj[c] : k))}`).join(' AND ')})`;
  });
  return `(${alternatives.join(' OR ')})`;
}

function keyColumnOf(live: TableInfo): string {
  const cols = live.primaryKey?.columns ?? live.uniqueKeys.find((k) => !k.nullable)?.columns ?? [];
  if (cols.length !== 1) throw new UserError(`${live.name} has no one-column key`, 'Pass keys as objects {column: value}');
  return cols[0];
}
