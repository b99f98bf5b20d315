import type { Db } from '../../connect/open.js';
import type { TableRef } from '../../crm/flavour.js';
import type { TableInfo } from '../../dialect/model.js';
import { UserError } from '../../errors.js';
import { MYSQL_BINARY, auditSqlFor, mysqlJsonPath } from '../sql-expr.js';
import { Params } from '../stream.js';
import { resolveTables } from './model.js';
import { LOG_TABLE, namespaceOf, readTriggerAuditState } from './state.js';

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

/** What rebuildFromLog did. */
export interface RebuildResult {
  into: TableRef;
  rows: number;
  columns: string[];
}

/**
 * Rebuilds deleted rows from the trigger audit's log alone, without a backup: creates `into`
 * with the live table's columns (CREATE TABLE … AS SELECT … WHERE 1=0: same types, no keys, so
 * several logged versions of a key fit) and inserts the logged old rows with their types
 * restored — PostgreSQL through json_populate_record(NULL::live_table, old_row), MySQL through
 * JSON_EXTRACT per column (bytes from base64) converted by assignment to the column's type.
 * `db` must be writable in `into.schema`. Used by stage to stage rows from the log.
 */
export async function rebuildFromLog(db: Db, spec: RebuildSpec, into: RebuildTarget): Promise<RebuildResult> {
  const d = db.dialect;
  const sql = auditSqlFor(d.engine);
  const state = await readTriggerAuditState(db, d.engine);
  if (!state.logPresent) {
    throw new UserError('there is no trigger-audit log on this database', 'Install it with crm-rescue audit install; it records deletions from then on');
  }
  const snapshot = await d.introspect(db);
  const live = typeof spec.table === 'string' ? resolveTables(snapshot.tables, [spec.table])[0] : findTable(snapshot.tables, spec.table);
  const exists = await db.query<{ n: unknown }>(
    d.engine === 'postgres'
      ? 'SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2'
      : 'SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [into.schema, into.table],
  );
  if (Number(exists[0].n) > 0) throw new UserError(`${into.schema}.${into.table} already exists`, 'Rebuild into a new table, or drop it first');

  const target = d.quoteQualified(into.schema, into.table);
  const liveName = d.quoteQualified(live.schema, live.name);
  const log = d.quoteQualified(state.namespace, LOG_TABLE);
  const p = new Params((i) => d.placeholder(i));
  const conds = [`l.table_schema = ${p.add(live.schema)}`, `l.table_name = ${p.add(live.name)}`];
  const ops = spec.operations?.length ? spec.operations : ['DELETE'];
  conds.push(`l.operation IN (${ops.map((o) => p.add(o)).join(', ')})`);
  if (spec.since) conds.push(`l.logged_at >= ${sql.timeParam(p.add(sql.timeValue(spec.since)), d.engine === 'postgres' ? 'timestamp with time zone' : 'datetime(6)')}`);
  if (spec.until) conds.push(`l.logged_at < ${sql.timeParam(p.add(sql.timeValue(spec.until)), d.engine === 'postgres' ? 'timestamp with time zone' : 'datetime(6)')}`);
  if (spec.keys) conds.push(keyCondition(db, live, spec.keys, p));
  const latest = spec.latestPerKey ?? true;

  const columns = live.columns.map((c) => c.name);
  let insert: string;
  if (d.engine === 'postgres') {
    const pick = latest
      ? `SELECT DISTINCT ON (l.row_key::text) l.old_row FROM ${log} l WHERE ${conds.join(' AND ')} ORDER BY l.row_key::text, l.logged_at DESC, l.id DESC`
      : `SELECT l.old_row FROM ${log} l WHERE ${conds.join(' AND ')}`;
    insert = `INSERT INTO ${target} SELECT r.* FROM (${pick}) x CROSS JOIN LATERAL json_populate_record(NULL::${liveName}, x.old_row) r`;
  } else {
    const pick = latest
      ? `SELECT y.old_row FROM (SELECT l.old_row, ROW_NUMBER() OVER (PARTITION BY l.row_key ORDER BY l.logged_at DESC, l.id DESC) AS rn FROM ${log} l WHERE ${conds.join(' AND ')}) y WHERE y.rn = 1`
      : `SELECT l.old_row FROM ${log} l WHERE ${conds.join(' AND ')}`;
    const values = live.columns.map((c) => mysqlColumnFromJson('x.old_row', c.dataType, d.quoteLiteral(mysqlJsonPath(c.name))));
    insert = `INSERT INTO ${target} (${columns.map((c) => d.quoteIdent(c)).join(', ')}) SELECT ${values.join(', ')} FROM (${pick}) x`;
  }
  await db.query(`CREATE TABLE ${target} AS SELECT * FROM ${liveName} WHERE 1 = 0`);
  try {
    await db.query(insert, p.values);
  } catch (err) {
    await db.query(`DROP TABLE IF EXISTS ${target}`).catch(() => undefined);
    throw err;
  }
  const [{ n }] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${target}`);
  return { into: { schema: into.schema, name: into.table }, rows: Number(n), columns };
}

/** One column's value from the logged JSON on MySQL; JSON null (and a missing key) is SQL NULL. */
function mysqlColumnFromJson(json: string, dataType: string, path: string): string {
  const extracted = `JSON_EXTRACT(${json}, ${path})`;
  const text = `CASE WHEN JSON_TYPE(${extracted}) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(${extracted}) END`;
  if (MYSQL_BINARY.test(dataType)) return `FROM_BASE64(${text})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${text} AS UNSIGNED)`;
  return text;
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
