import { toMysqlDatetime } from '../../audit/time.js';
import type { AuditSql } from '../audit-sql.js';
import { planHas } from '../plan-walk.js';
import { mysqlDialect } from './mysql-dialect.js';
import { mysqlJsonPath, mysqlJsonValue } from './mysql-json.js';

/** The audit SQL of MySQL 8 and MariaDB 10.6+. */
export const mysqlAuditSql: AuditSql = {
  // A getter: this module and mysql-dialect.ts may load in either order.
  get dialect() {
    return mysqlDialect;
  },
  partialIndexes: false,
  idsCompareAsText: false,
  jsonb: false,
  logTimeType: 'datetime(6)',
  timeText: (expr) => `DATE_FORMAT(${expr}, '%Y-%m-%dT%H:%i:%s.%fZ')`,
  instant: (expr, dataType) => (/^date$/i.test(dataType) ? `CAST(${expr} AS DATETIME(6))` : `(${expr})`),
  timeParam: (ph) => ph,
  instantParam: (ph) => `CAST(${ph} AS DATETIME(6))`,
  timeValue: (iso) => toMysqlDatetime(iso),
  bucketText(e, size) {
    const fmt = size === 'minute' ? '%Y-%m-%dT%H:%i:00.000000Z' : size === 'hour' ? '%Y-%m-%dT%H:00:00.000000Z' : '%Y-%m-%dT00:00:00.000000Z';
    return `DATE_FORMAT(${e}, '${fmt}')`;
  },
  microsBetween: (a, b) => `TIMESTAMPDIFF(MICROSECOND, ${a}, ${b})`,
  jsonGetText: (j, key) => `JSON_UNQUOTE(JSON_EXTRACT(${j}, ${mysqlDialect.quoteLiteral(mysqlJsonPath(key))}))`,
  jsonText: (e) => `(${e})`,
  rowJson(alias, columns) {
    const d = mysqlDialect;
    const pairs = columns.map((c) => `${d.quoteLiteral(c.name)}, ${mysqlJsonValue(`${alias}.${d.quoteIdent(c.name)}`, c.dataType)}`);
    return `JSON_OBJECT(${pairs.join(', ')})`;
  },
  isFalse: (e) => `((${e}) = 0)`,
  // `<> 0` is a range an index on (flag, time) can serve; COALESCE would hide it.
  flagSet: (e) => `${e} <> 0`,
  replace: (e, from, to) => `REPLACE(${e}, ${from}, ${to})`,
  // A bounded VARCHAR: an unbounded CAST(… AS CHAR) is a LONGTEXT, which sends MariaDB's sorts and
  // temporary tables to disk.
  unionText: (e) => (e === null ? 'CAST(NULL AS CHAR(255) CHARACTER SET utf8mb4)' : `CAST(${e} AS CHAR(255) CHARACTER SET utf8mb4) COLLATE utf8mb4_bin`),
  explainJson: (q) => `EXPLAIN FORMAT=JSON ${q}`,
  planScansWholeTable: (plan) => planHas(plan, (o) => o.table_name === 'e' && o.access_type === 'ALL'),
  createIndexOnline: (i) => `ALTER TABLE ${i.table} ADD INDEX ${mysqlDialect.quoteIdent(i.name)} (${i.columns.join(', ')}), ALGORITHM=INPLACE, LOCK=NONE;`,
};
