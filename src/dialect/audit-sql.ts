import type { BucketSize } from '../audit/model.js';
import type { Engine } from '../connect/target.js';
import type { Dialect } from './dialect.js';
import { mysqlAuditSql } from './mysql/mysql-audit.js';
import { postgresAuditSql } from './postgres/postgres-audit.js';

/**
 * The SQL fragments the audit queries need that the Dialect does not offer: time text in ISO
 * UTC, time parameters typed like the column (so indexes apply), buckets, gaps, JSON access,
 * plans and index advice. One implementation per engine, chosen once from the Db's dialect.
 */
export interface AuditSql {
  readonly dialect: Dialect;
  /**
   * An index may carry a WHERE (PostgreSQL partial index). Without it, an audit stream's filter
   * column leads the suggested index instead.
   */
  readonly partialIndexes: boolean;
  /**
   * Two id columns of different type families (text and integer) compare only through a cast to
   * text (PostgreSQL has no implicit cast between them; MySQL converts by itself).
   */
  readonly idsCompareAsText: boolean;
  /** The jsonb type, its operators (`->`, `->>`) and split_part exist (PostgreSQL). */
  readonly jsonb: boolean;
  /** The type of crm-rescue's own log times (the trigger audit's `logged_at`), as introspection names it. */
  readonly logTimeType: string;
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
  /** A soft-delete flag column is set, written so that an index on (flag, time) can serve it. */
  flagSet(expr: string, dataType: string): string;
  /** `expr` with every `from` replaced by `to` (both SQL expressions). */
  replace(expr: string, from: string, to: string): string;
  /** Text output of a UNION part: one type (and on MySQL one collation) for every stream. */
  unionText(expr: string | null): string;
  /** EXPLAIN in JSON for a query. */
  explainJson(sqlText: string): string;
  /** True when a plan of `explainJson` (parsed) reads `table` (aliased `e`) in full. */
  planScansWholeTable(plan: unknown, table: string): boolean;
  /** The statement that creates an index without blocking writers (CONCURRENTLY / LOCK=NONE). */
  createIndexOnline(index: { name: string; table: string; columns: string[]; where?: string }): string;
}

/** The audit SQL fragments of an engine: the one place that maps engine → implementation. */
export function auditSqlFor(engine: Engine): AuditSql {
  return engine === 'postgres' ? postgresAuditSql : mysqlAuditSql;
}
