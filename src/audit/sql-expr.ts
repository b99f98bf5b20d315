import type { Engine } from '../connect/target.js';
import { dialectFor, type Dialect } from '../dialect/index.js';
import type { BucketSize } from './model.js';
import { toMicroIso, toMysqlDatetime } from './time.js';

/**
 * The SQL fragments the audit queries need that the Dialect does not offer: time text in ISO
 * UTC, time parameters typed like the column (so indexes apply), buckets, gaps, JSON access.
 * One implementation per engine, chosen once from the Db's dialect.
 */
export interface AuditSql {
  readonly engine: Engine;
  readonly dialect: Dialect;
  /** ISO 8601 UTC text with six fraction digits of a time column (`dataType` as introspected). */
  timeText(expr: string, dataType: string): string;
  /** The column as an instant comparable across sources (timestamptz / DATETIME(6) in UTC). */
  instant(expr: string, dataType: string): string;
  /** A parameter placeholder cast to the column's type, for `col <op> param` that uses an index. */
  timeParam(placeholder: string, dataType: string): string;
  /** A parameter placeholder for an instant (compared with `instant()`). */
  instantParam(placeholder: string): string;
  /** The parameter value of an ISO time, as `timeParam`/`instantParam` expect it. */
  timeValue(iso: string): string;
  /** ISO text of the start of the bucket holding `instantExpr`. */
  bucketText(instantExpr: string, size: BucketSize): string;
  /** Microseconds between two instants (b − a) as a number. */
  microsBetween(a: string, b: string): string;
  /** The text value of a top-level key of a JSON (or JSON text) expression. */
  jsonGetText(jsonExpr: string, key: string): string;
  /** A JSON value as text (json/jsonb to text on PostgreSQL; already text on MySQL). */
  jsonText(expr: string): string;
  /** A row of `alias` as JSON text; MySQL needs the columns. */
  rowJson(alias: string, columns: { name: string; dataType: string }[]): string;
  /** A boolean column (or tinyint) is false. */
  isFalse(expr: string): string;
  /** EXPLAIN in JSON for a query. */
  explainJson(sqlText: string): string;
}

const PG_ISO = `'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'`;

function pgIsTz(dataType: string): boolean {
  return /with time zone/i.test(dataType);
}

const postgresAuditSql: AuditSql = {
  engine: 'postgres',
  dialect: dialectFor('postgres'),
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
  jsonGetText: (j, key) => `((${j})::json ->> ${dialectFor('postgres').quoteLiteral(key)})`,
  jsonText: (e) => `(${e})::text`,
  rowJson: (alias) => `to_json(${alias})::text`,
  isFalse: (e) => `((${e}) IS FALSE)`,
  explainJson: (q) => `EXPLAIN (FORMAT JSON) ${q}`,
};

/** MySQL column types whose values are bytes: JSON carries them as base64. */
export const MYSQL_BINARY =
  /^(binary|varbinary|tinyblob|blob|mediumblob|longblob|geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection)\b/i;

/** The JSON path of a top-level key: `$."name"` with `"` and `\` escaped. */
export function mysqlJsonPath(key: string): string {
  return `$."${key.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * One column's value for JSON_OBJECT on MySQL, as the trigger audit and row images store it:
 * bytes as base64, BIT as a number, TIMESTAMP converted from the session's zone to UTC (so a
 * rebuild in another zone gets the same instant), JSON as its text (byte-exact on MariaDB).
 */
export function mysqlJsonValue(ref: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `TO_BASE64(${ref})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${ref} AS UNSIGNED)`;
  if (/^timestamp\b/i.test(dataType)) return `CONVERT_TZ(${ref}, @@session.time_zone, '+00:00')`;
  if (/^json\b/i.test(dataType)) return `CAST(${ref} AS CHAR)`;
  return ref;
}

/**
 * One column's exact text on MySQL, as the trigger audit's log keeps it (old_row_layout 2) and
 * as a rebuild checks it: bytes as base64, BIT as its number, TIMESTAMP as its UTC time (from
 * UNIX_TIMESTAMP, whatever the session's zone) and a zero TIMESTAMP as 0000-00-00 00:00:00,
 * FLOAT through DOUBLE (its own text has 6 digits), everything else as utf8mb4 text (JSON as
 * written, spacing and a JSON null included; zero dates; decimals' scale).
 */
export function mysqlExactText(ref: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `TO_BASE64(${ref})`;
  if (/^bit\b/i.test(dataType)) return `CAST(CAST(${ref} AS UNSIGNED) AS CHAR)`;
  if (/^timestamp\b/i.test(dataType)) {
    // In a trigger UNIX_TIMESTAMP(OLD.col) of a zero TIMESTAMP is NULL: test for zero first.
    return `IF(${ref} = 0, '0000-00-00 00:00:00', DATE_FORMAT(TIMESTAMP'1970-01-01 00:00:00' + INTERVAL UNIX_TIMESTAMP(${ref}) SECOND, '%Y-%m-%d %H:%i:%s.%f'))`;
  }
  if (/^float\b/i.test(dataType)) return `CAST(${ref} + 0e0 AS CHAR)`;
  return `CAST(${ref} AS CHAR CHARACTER SET utf8mb4)`;
}

/** The value of a column's exact text (mysqlExactText), for assignment to the column. */
export function mysqlFromExactText(text: string, dataType: string): string {
  if (MYSQL_BINARY.test(dataType)) return `FROM_BASE64(${text})`;
  if (/^bit\b/i.test(dataType)) return `CAST(${text} AS UNSIGNED)`;
  return text;
}

const mysqlAuditSql: AuditSql = {
  engine: 'mysql',
  dialect: dialectFor('mysql'),
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
  jsonGetText: (j, key) => `JSON_UNQUOTE(JSON_EXTRACT(${j}, ${dialectFor('mysql').quoteLiteral(mysqlJsonPath(key))}))`,
  jsonText: (e) => `(${e})`,
  rowJson(alias, columns) {
    const d = dialectFor('mysql');
    const pairs = columns.map((c) => `${d.quoteLiteral(c.name)}, ${mysqlJsonValue(`${alias}.${d.quoteIdent(c.name)}`, c.dataType)}`);
    return `JSON_OBJECT(${pairs.join(', ')})`;
  },
  isFalse: (e) => `((${e}) = 0)`,
  explainJson: (q) => `EXPLAIN FORMAT=JSON ${q}`,
};

/** The audit SQL fragments of an engine. */
export function auditSqlFor(engine: Engine): AuditSql {
  return engine === 'postgres' ? postgresAuditSql : mysqlAuditSql;
}
