import type { Db } from '../../connect/open.js';
import type { Dialect } from '../dialect.js';
import type { ColumnInfo, TableInfo } from '../model.js';
import type { Queryable } from '../queryable.js';
import {
  cannotRebuild,
  combine,
  LOG_ID,
  REFUSED_SAMPLES,
  refusalColumns,
  refusedRows,
  type ColumnKind,
  type RebuildPlan,
  type Refusal,
  type RefusedRows,
} from '../../audit/trigger/rebuild-plan.js';
import { MYSQL_BINARY, mysqlExactText, mysqlFromExactText, mysqlJsonPath } from './mysql-json.js';

/** MySQL: each column's type and NOT NULL, and (MariaDB) which ones are JSON columns. */
export async function mysqlColumnKinds(db: Db, live: TableInfo): Promise<Map<string, ColumnKind>> {
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

/** MySQL: DDL commits by itself, so a failure drops the new table; zero dates are let in. */
export async function rebuildMysql(conn: Queryable, d: Dialect, plan: RebuildPlan): Promise<RefusedRows> {
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

/** One column's value from the logged JSON on MySQL; JSON null (and a missing key) is SQL NULL. */
function mysqlColumnFromJson(json: string, dataType: string, path: string): string {
  const extracted = `JSON_EXTRACT(${json}, ${path})`;
  const text = `CASE WHEN JSON_TYPE(${extracted}) = 'NULL' THEN NULL ELSE JSON_UNQUOTE(${extracted}) END`;
  if (MYSQL_BINARY.test(dataType)) return `FROM_BASE64(${text})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${text} AS UNSIGNED)`;
  return text;
}
