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

/** PostgreSQL: each column's base type (domains resolved), its category and NOT NULL. */
export async function pgColumnKinds(db: Db, live: TableInfo): Promise<Map<string, ColumnKind>> {
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
export async function rebuildPostgres(conn: Queryable, d: Dialect, plan: RebuildPlan): Promise<RefusedRows> {
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
