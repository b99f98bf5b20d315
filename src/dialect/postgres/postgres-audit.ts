import { toMicroIso } from '../../audit/time.js';
import type { AuditSql } from '../audit-sql.js';
import { planHas } from '../plan-walk.js';
import { postgresDialect } from './postgres-dialect.js';

const PG_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function pgIsTz(dataType: string): boolean {
  return /with time zone/i.test(dataType);
}

/** The audit SQL of PostgreSQL 12+. */
export const postgresAuditSql: AuditSql = {
  // A getter: this module and postgres-dialect.ts may load in either order.
  get dialect() {
    return postgresDialect;
  },
  partialIndexes: true,
  idsCompareAsText: true,
  jsonb: true,
  logTimeType: 'timestamp with time zone',
  timeText(expr, dataType) {
    if (pgIsTz(dataType)) return `to_char((${expr}) AT TIME ZONE 'UTC', ${PG_ISO})`;
    return `to_char((${expr})::timestamp, ${PG_ISO})`;
  },
  instant(expr, dataType) {
    if (pgIsTz(dataType)) return `(${expr})`;
    return `((${expr})::timestamp AT TIME ZONE 'UTC')`;
  },
  timeParam(ph, dataType) {
    if (pgIsTz(dataType)) return `CAST(${ph} AS timestamptz)`;
    if (/^date$/i.test(dataType)) return `CAST((CAST(${ph} AS timestamptz) AT TIME ZONE 'UTC') AS date)`;
    return `(CAST(${ph} AS timestamptz) AT TIME ZONE 'UTC')`;
  },
  instantParam: (ph) => `CAST(${ph} AS timestamptz)`,
  timeValue: (iso) => toMicroIso(iso),
  bucketText: (e, size) => `to_char(date_trunc('${size}', (${e}) AT TIME ZONE 'UTC'), ${PG_ISO})`,
  microsBetween: (a, b) => `(EXTRACT(EPOCH FROM ((${b}) - (${a}))) * 1000000)`,
  jsonGetText: (j, key) => `((${j})::json ->> ${postgresDialect.quoteLiteral(key)})`,
  jsonText: (e) => `(${e})::text`,
  rowJson: (alias) => `to_json(${alias})::text`,
  isFalse: (e) => `((${e}) IS FALSE)`,
  flagSet: (e, dataType) => postgresDialect.truthy(e, dataType),
  replace: (e, from, to) => `replace(${e}, ${from}, ${to})`,
  unionText: (e) => (e === null ? 'CAST(NULL AS text)' : `CAST(${e} AS text)`),
  explainJson: (q) => `EXPLAIN (FORMAT JSON) ${q}`,
  planScansWholeTable: (plan, table) =>
    planHas(plan, (o) => o['Node Type'] === 'Seq Scan' && o['Relation Name'] === table && (o.Alias === 'e' || o.Alias === undefined)),
  createIndexOnline: (i) =>
    `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${postgresDialect.quoteIdent(i.name)} ON ${i.table} (${i.columns.join(', ')})${i.where ? ` WHERE ${i.where}` : ''};`,
};
