import type { Db } from '../../connect/open.js';
import type { TableRef } from '../../crm/flavour.js';
import type { Dialect } from '../../dialect/dialect.js';
import type { ColumnInfo, TableInfo } from '../../dialect/model.js';
import type { Queryable } from '../../dialect/queryable.js';
import { UserError } from '../../errors.js';
import { MYSQL_BINARY, auditSqlFor, mysqlExactText, mysqlFromExactText, mysqlJsonPath } from '../sql-expr.js';
import { Params } from '../stream.js';
import { resolveTables } from './model.js';
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

/** A logged row the rebuild left out, because its values cannot be restored exactly. */
export interface RefusedRow {
  /** The row's key as logged (`row_key`), or null when the table has none. */
  key: Record<string, unknown> | null;
  /** The column whose value cannot come back, or null when it is the whole row. */
  column: string | null;
  reason: string;
}

/** What rebuildFromLog did. */
export interface RebuildResult {
  into: TableRef;
  rows: number;
  columns: string[];
  /** Logged rows left out (never restored with another value): how many, and the first few. */
  refused: { count: number; rows: RefusedRow[] };
}

/** A column of the rebuilt table that maps each row to its log row while the rebuild checks it. */
const LOG_ID = '__crm_rescue_log_id';
/** Refused rows described in full (the count covers all). */
const REFUSED_SAMPLES = 5;

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
  if (live.columns.some((c) => c.name === LOG_ID))
    throw new UserError(`${live.schema}.${live.name} has a column named ${LOG_ID}`, 'Restore this table from a backup');

  const log = d.quoteQualified(state.namespace, LOG_TABLE);
  const p = new Params((i) => d.placeholder(i));
  const conds = [`l.table_schema = ${p.add(live.schema)}`, `l.table_name = ${p.add(live.name)}`];
  const ops = spec.operations?.length ? spec.operations : ['DELETE'];
  conds.push(`l.operation IN (${ops.map((o) => p.add(o)).join(', ')})`);
  if (spec.since)
    conds.push(`l.logged_at >= ${sql.timeParam(p.add(sql.timeValue(spec.since)), d.engine === 'postgres' ? 'timestamp with time zone' : 'datetime(6)')}`);
  if (spec.until)
    conds.push(`l.logged_at < ${sql.timeParam(p.add(sql.timeValue(spec.until)), d.engine === 'postgres' ? 'timestamp with time zone' : 'datetime(6)')}`);
  if (spec.keys) conds.push(keyCondition(db, live, spec.keys, p));
  const latest = spec.latestPerKey ?? true;
  // A log of an older crm-rescue that `audit install` has not upgraded yet holds older images only.
  const layouts = await logHasLayout(db, state.namespace);
  const layout = layouts ? 'l.old_row_layout' : 'NULL';
  const fields = `l.id AS log_id, l.row_key, l.old_row, ${layout} AS layout`;
  const where = conds.join(' AND ');
  const pick =
    d.engine === 'postgres'
      ? latest
        ? `SELECT DISTINCT ON (l.row_key::text) ${fields} FROM ${log} l WHERE ${where} ORDER BY l.row_key::text, l.logged_at DESC, l.id DESC`
        : `SELECT ${fields} FROM ${log} l WHERE ${where}`
      : latest
        ? `SELECT y.log_id, y.row_key, y.old_row, y.layout FROM (SELECT ${fields}, ROW_NUMBER() OVER (PARTITION BY l.row_key ORDER BY l.logged_at DESC, l.id DESC) AS rn FROM ${log} l WHERE ${where}) y WHERE y.rn = 1`
        : `SELECT ${fields} FROM ${log} l WHERE ${where}`;

  const plan: RebuildPlan = {
    live,
    target: d.quoteQualified(into.schema, into.table),
    pick,
    params: p.values,
    log,
    layouts,
    kinds: d.engine === 'postgres' ? await pgColumnKinds(db, live) : await mysqlColumnKinds(db, live),
  };
  const refused =
    d.engine === 'postgres' ? await db.withConnection((c) => rebuildPostgres(c, d, plan)) : await db.withConnection((c) => rebuildMysql(c, d, plan));
  const [{ n }] = await db.query<{ n: unknown }>(`SELECT COUNT(*) AS n FROM ${plan.target}`);
  return { into: { schema: into.schema, name: into.table }, rows: Number(n), columns: live.columns.map((c) => c.name), refused };
}

/** What the engine-specific rebuilds share. */
interface RebuildPlan {
  live: TableInfo;
  /** Quoted, qualified new table. */
  target: string;
  /** The log rows to rebuild: log_id, row_key, old_row, layout (2: exact image; else older). */
  pick: string;
  params: unknown[];
  /** Quoted, qualified log table. */
  log: string;
  /** The log has old_row_layout (else every row is of the older layout). */
  layouts: boolean;
  /** What the older layout's rebuild needs to know of each column (by name). */
  kinds: Map<string, ColumnKind>;
}

/** How the older layout logged a column: whether its image can tell the value exactly. */
interface ColumnKind {
  /** PostgreSQL: the base type's category (A array, C composite) and name; MySQL: the column type. */
  category: string;
  type: string;
  notNull: boolean;
  /** MariaDB: a JSON column (longtext with a json_valid check). */
  json: boolean;
}

/** A rule of the older layout: rows where `when` holds are left out, blaming `column`. */
interface Refusal {
  when: string;
  column: string | null;
  reason: string;
}

/** Whether the log has the old_row_layout column (`audit install` adds it to an older log). */
async function logHasLayout(db: Db, namespace: string): Promise<boolean> {
  const [row] = await db.query<{ n: unknown }>(
    db.dialect.engine === 'postgres'
      ? `SELECT count(*) AS n FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = 'old_row_layout' AND NOT a.attisdropped`
      : `SELECT COUNT(*) AS n FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = 'old_row_layout'`,
    [namespace, LOG_TABLE],
  );
  return Number(row.n) > 0;
}

/** PostgreSQL: each column's base type (domains resolved), its category and NOT NULL. */
async function pgColumnKinds(db: Db, live: TableInfo): Promise<Map<string, ColumnKind>> {
  const rows = await db.query<{ name: string; category: string; type: string; not_null: boolean }>(
    `SELECT a.attname AS name, a.attnotnull AS not_null,
            (WITH RECURSIVE b(oid) AS (SELECT a.atttypid UNION ALL SELECT t.typbasetype FROM b JOIN pg_type t ON t.oid = b.oid WHERE t.typtype = 'd')
             SELECT t.typcategory::text FROM b JOIN pg_type t ON t.oid = b.oid WHERE t.typtype <> 'd') AS category,
            (WITH RECURSIVE b(oid) AS (SELECT a.atttypid UNION ALL SELECT t.typbasetype FROM b JOIN pg_type t ON t.oid = b.oid WHERE t.typtype = 'd')
             SELECT t.typname::text FROM b JOIN pg_type t ON t.oid = b.oid WHERE t.typtype <> 'd') AS type
     FROM pg_attribute a WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [db.dialect.quoteQualified(live.schema, live.name)],
  );
  return new Map(rows.map((r) => [r.name, { category: r.category, type: r.type, notNull: r.not_null, json: false }]));
}

/** MySQL: each column's type and NOT NULL, and (MariaDB) which ones are JSON columns. */
async function mysqlColumnKinds(db: Db, live: TableInfo): Promise<Map<string, ColumnKind>> {
  // MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`col`)); MySQL 8 has no TABLE_NAME here (and a real JSON type).
  const checks = await db
    .query<{ clause: string }>('SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = ? AND TABLE_NAME = ?', [
      live.schema,
      live.name,
    ])
    .catch(() => [] as { clause: string }[]);
  const jsonChecked = (name: string) =>
    checks.some((c) => c.clause.replace(/\s+/g, '').toLowerCase() === `json_valid(${db.dialect.quoteIdent(name)})`.toLowerCase());
  return new Map(
    live.columns.map((c) => [c.name, { category: '', type: c.dataType, notNull: !c.nullable, json: /^longtext\b/i.test(c.dataType) && jsonChecked(c.name) }]),
  );
}

/** The refused rows: how many, and the first few, from a query returning row_key, bad_col, bad_reason and n (the count). */
async function refusedRows(conn: Queryable, sqlText: string, params: unknown[]): Promise<{ count: number; rows: RefusedRow[] }> {
  const rows = await conn.query<{ row_key: unknown; bad_col: string | null; bad_reason: string; n: unknown }>(sqlText, params);
  return {
    count: rows.length ? Number(rows[0].n) : 0,
    rows: rows.map((r) => ({ key: parseKey(r.row_key), column: r.bad_col || null, reason: r.bad_reason })),
  };
}

function parseKey(v: unknown): Record<string, unknown> | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'object') return v as Record<string, unknown>;
  try {
    return JSON.parse(String(v)) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** `CASE WHEN … THEN 'column' … END AS bad_col, CASE … 'reason' … END AS bad_reason` over the rules. */
function refusalColumns(d: Dialect, rules: Refusal[]): string {
  if (!rules.length) return 'NULL AS bad_col, NULL AS bad_reason';
  const col = rules.map((r) => `WHEN ${r.when} THEN ${r.column === null ? "''" : d.quoteLiteral(r.column)}`).join(' ');
  const reason = rules.map((r) => `WHEN ${r.when} THEN ${d.quoteLiteral(r.reason)}`).join(' ');
  return `CASE ${col} END AS bad_col, CASE ${reason} END AS bad_reason`;
}

function combine(a: { count: number; rows: RefusedRow[] }, b: { count: number; rows: RefusedRow[] }): { count: number; rows: RefusedRow[] } {
  return { count: a.count + b.count, rows: [...a.rows, ...b.rows].slice(0, REFUSED_SAMPLES) };
}

/**
 * The settings under which the trigger printed each value (sql/audit/postgres/install.sql):
 * the text read back must mean what it meant then.
 */
const PG_TEXT_SETTINGS = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'postgres'",
  'SET LOCAL extra_float_digits = 1',
  "SET LOCAL bytea_output = 'hex'",
  "SET LOCAL lc_monetary = 'C'",
];

/** PostgreSQL: everything in one transaction, so a failure leaves no table behind. */
async function rebuildPostgres(conn: Queryable, d: Dialect, plan: RebuildPlan): Promise<{ count: number; rows: RefusedRow[] }> {
  const q = (n: string) => d.quoteIdent(n);
  const lit = (s: string) => d.quoteLiteral(s);
  const cols = plan.live.columns;
  const insertCols = [...cols.map((c) => q(c.name)), q(LOG_ID)].join(', ');
  const liveName = d.quoteQualified(plan.live.schema, plan.live.name);
  // The older layout: rows its to_json image cannot tell exactly.
  const field = (c: string) => `(x.old_row -> ${lit(c)})`;
  const rules: Refusal[] = [
    // to_json writes \u0000 of a json value as it is, and no json function reads it back.
    {
      when: `(x.old_row::text ~ '(^|[^\\\\])(\\\\\\\\)*\\\\u0000')`,
      column: null,
      reason: 'its logged image holds \\u0000, which PostgreSQL cannot read back',
    },
  ];
  for (const c of cols) {
    const k = plan.kinds.get(c.name);
    if (!k) continue;
    if (k.category === 'A')
      rules.push({ when: `(json_typeof(${field(c.name)}) <> 'null')`, column: c.name, reason: "the older log layout did not keep an array's bounds" });
    else if (k.category === 'C')
      rules.push({ when: `(json_typeof(${field(c.name)}) <> 'null')`, column: c.name, reason: 'the older log layout did not keep a composite value exactly' });
    else if (k.type === 'json' || k.type === 'jsonb') {
      rules.push({ when: `(json_typeof(${field(c.name)}) = 'null')`, column: c.name, reason: 'the older log layout wrote SQL NULL and a JSON null alike' });
    }
  }
  const older = `SELECT x.*, ${refusalColumns(d, rules)} FROM (${plan.pick}) x WHERE x.layout IS DISTINCT FROM 2`;
  const exact = `SELECT x.* FROM (${plan.pick}) x WHERE x.layout = 2`;
  // An exact image: each text cast back to the column's type, and checked by printing it again.
  const cast = (c: ColumnInfo) => `(x.old_row ->> ${lit(c.name)})::${c.dataType}`;
  const differs = (c: ColumnInfo) => `((t.${q(c.name)})::text COLLATE "C" IS DISTINCT FROM (l.old_row ->> ${lit(c.name)}) COLLATE "C")`;
  const mismatch = cols.length ? cols.map(differs).join(' OR ') : '1 = 0';
  const mismatchRules: Refusal[] = cols.map((c) => ({
    when: differs(c),
    column: c.name,
    reason: "its logged text does not come back the same in the column's type now (retyped since?)",
  }));

  await conn.query('BEGIN');
  try {
    await conn.query(`CREATE TABLE ${plan.target} AS SELECT * FROM ${liveName} WHERE 1 = 0`);
    await conn.query(`ALTER TABLE ${plan.target} ADD COLUMN ${q(LOG_ID)} bigint`);
    // Older images read as they always were (json_populate_record, the session's own settings);
    // a row left out gets NULL, so json_populate_record never reads what it cannot.
    await conn.query(
      `INSERT INTO ${plan.target} (${insertCols})
       SELECT r.*, x.log_id FROM (${older}) x CROSS JOIN LATERAL json_populate_record(NULL::${liveName}, CASE WHEN x.bad_reason IS NULL THEN x.old_row END) r
       WHERE x.bad_reason IS NULL`,
      plan.params,
    );
    let refused = await refusedRows(
      conn,
      `SELECT y.row_key, y.bad_col, y.bad_reason, count(*) OVER () AS n FROM (${older}) y WHERE y.bad_reason IS NOT NULL LIMIT ${REFUSED_SAMPLES}`,
      plan.params,
    );
    if (plan.layouts) {
      for (const s of PG_TEXT_SETTINGS) await conn.query(s);
      await conn.query(`INSERT INTO ${plan.target} (${insertCols}) SELECT ${[...cols.map(cast), 'x.log_id'].join(', ')} FROM (${exact}) x`, plan.params);
      const checked = `FROM ${plan.target} t JOIN ${plan.log} l ON l.id = t.${q(LOG_ID)} WHERE l.old_row_layout = 2 AND (${mismatch})`;
      const bad = await refusedRows(
        conn,
        `SELECT l.row_key, ${refusalColumns(d, mismatchRules)}, count(*) OVER () AS n ${checked} LIMIT ${REFUSED_SAMPLES}`,
        [],
      );
      if (bad.count)
        await conn.query(`DELETE FROM ${plan.target} t USING ${plan.log} l WHERE l.id = t.${q(LOG_ID)} AND l.old_row_layout = 2 AND (${mismatch})`);
      refused = combine(refused, bad);
    }
    await conn.query(`ALTER TABLE ${plan.target} DROP COLUMN ${q(LOG_ID)}`);
    await conn.query('COMMIT');
    return refused;
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw cannotRebuild(plan.live, err);
  }
}

/** MySQL: DDL commits by itself, so a failure drops the new table; zero dates are let in. */
async function rebuildMysql(conn: Queryable, d: Dialect, plan: RebuildPlan): Promise<{ count: number; rows: RefusedRow[] }> {
  const q = (n: string) => d.quoteIdent(n);
  const cols = plan.live.columns;
  const insertCols = [...cols.map((c) => q(c.name)), q(LOG_ID)].join(', ');
  const liveName = d.quoteQualified(plan.live.schema, plan.live.name);
  const path = (c: string) => d.quoteLiteral(mysqlJsonPath(c));
  const extracted = (json: string, c: string) => `JSON_EXTRACT(${json}, ${path(c)})`;
  const text = (json: string, c: string) => `CASE WHEN JSON_TYPE(${extracted(json, c)}) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(${extracted(json, c)}) END`;
  // The older layout: rows its typed image cannot tell exactly.
  const rules: Refusal[] = [];
  for (const c of cols) {
    const k = plan.kinds.get(c.name)!;
    const e = extracted('x.old_row', c.name);
    if (/^timestamp\b/i.test(k.type) && !k.notNull) {
      rules.push({ when: `(JSON_TYPE(${e}) = 'NULL')`, column: c.name, reason: 'the older log layout wrote a zero TIMESTAMP as NULL' });
    } else if (/^float\b/i.test(k.type)) {
      rules.push({ when: `(JSON_TYPE(${e}) <> 'NULL')`, column: c.name, reason: 'the older log layout kept a FLOAT to 6 digits' });
    } else if (k.json) {
      rules.push({ when: `(${e} IS NOT NULL)`, column: c.name, reason: "the older log layout did not keep a JSON column's text (spacing, JSON null)" });
    }
  }
  const older = `SELECT x.*, ${refusalColumns(d, rules)} FROM (${plan.pick}) x WHERE NOT (x.layout <=> 2)`;
  const olderValue = (c: ColumnInfo) => {
    const k = plan.kinds.get(c.name)!;
    // A NOT NULL TIMESTAMP the older layout wrote as NULL was 0000-00-00 00:00:00.
    if (/^timestamp\b/i.test(k.type) && k.notNull) return `IFNULL(${mysqlColumnFromJson('x.old_row', c.dataType, path(c.name))}, '0000-00-00 00:00:00')`;
    return mysqlColumnFromJson('x.old_row', c.dataType, path(c.name));
  };
  const differs = (c: ColumnInfo) => `NOT (CAST(${mysqlExactText(`t.${q(c.name)}`, c.dataType)} AS BINARY) <=> CAST(${text('l.old_row', c.name)} AS BINARY))`;
  const mismatch = cols.length ? cols.map(differs).join(' OR ') : '1 = 0';
  const mismatchRules: Refusal[] = cols.map((c) => ({
    when: differs(c),
    column: c.name,
    reason: "its logged text does not come back the same in the column's type now (retyped since?)",
  }));

  // Zero dates are values like any other here: let them in whatever the server's sql_mode says.
  const [{ mode }] = await conn.query<{ mode: string }>('SELECT @@SESSION.sql_mode AS mode');
  const relaxed = mode
    .split(',')
    .filter((m) => m && m !== 'NO_ZERO_DATE' && m !== 'NO_ZERO_IN_DATE')
    .join(',');
  let created = false;
  try {
    await conn.query('SET SESSION sql_mode = ?', [relaxed]);
    await conn.query(`CREATE TABLE ${plan.target} AS SELECT * FROM ${liveName} WHERE 1 = 0`);
    created = true;
    await conn.query(`ALTER TABLE ${plan.target} ADD COLUMN ${q(LOG_ID)} bigint unsigned, ADD KEY (${q(LOG_ID)})`);
    await conn.query(
      `INSERT INTO ${plan.target} (${insertCols}) SELECT ${[...cols.map(olderValue), 'x.log_id'].join(', ')} FROM (${older}) x WHERE x.bad_reason IS NULL`,
      plan.params,
    );
    let refused = await refusedRows(
      conn,
      `SELECT y.row_key, y.bad_col, y.bad_reason, COUNT(*) OVER () AS n FROM (${older}) y WHERE y.bad_reason IS NOT NULL LIMIT ${REFUSED_SAMPLES}`,
      plan.params,
    );
    if (plan.layouts) {
      const exact = (c: ColumnInfo) => mysqlFromExactText(text('x.old_row', c.name), c.dataType);
      await conn.query(
        `INSERT INTO ${plan.target} (${insertCols}) SELECT ${[...cols.map(exact), 'x.log_id'].join(', ')} FROM (${plan.pick}) x WHERE x.layout = 2`,
        plan.params,
      );
      const checked = `FROM ${plan.target} t JOIN ${plan.log} l ON l.id = t.${q(LOG_ID)} WHERE l.old_row_layout = 2 AND (${mismatch})`;
      const bad = await refusedRows(
        conn,
        `SELECT l.row_key, ${refusalColumns(d, mismatchRules)}, COUNT(*) OVER () AS n ${checked} LIMIT ${REFUSED_SAMPLES}`,
        [],
      );
      if (bad.count)
        await conn.query(`DELETE t FROM ${plan.target} t JOIN ${plan.log} l ON l.id = t.${q(LOG_ID)} WHERE l.old_row_layout = 2 AND (${mismatch})`);
      refused = combine(refused, bad);
    }
    await conn.query(`ALTER TABLE ${plan.target} DROP COLUMN ${q(LOG_ID)}`);
    return refused;
  } catch (err) {
    if (created) await conn.query(`DROP TABLE IF EXISTS ${plan.target}`).catch(() => undefined);
    throw cannotRebuild(plan.live, err);
  } finally {
    await conn.query('SET SESSION sql_mode = ?', [mode]).catch(() => undefined);
  }
}

/** A server error while rebuilding, as one actionable line (a logged value that no longer fits its column, mostly). */
function cannotRebuild(live: TableInfo, err: unknown): Error {
  if (err instanceof UserError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new UserError(
    `cannot rebuild ${live.schema}.${live.name} from the trigger-audit log: ${message}; nothing was staged`,
    'A column changed type since the rows were logged? Restore these rows from a backup',
    { cause: err },
  );
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
