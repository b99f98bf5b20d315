import { createHash } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { TableRef } from '../crm/flavour.js';
import { activeStreams } from './events.js';
import type { EventFilter } from './model.js';
import type { AuditContext, AuditSource } from './source.js';
import type { AuditSql } from '../dialect/audit-sql.js';
import { pageQuery, type EventStream } from './stream.js';

/** An index the first page of `audit deletions` needs, with the DDL to create it. */
export interface IndexAdvice {
  source: string;
  stream: string;
  table: TableRef;
  columns: string[];
  /** The planner's row estimate of the table the first page would scan in full. */
  rowEstimate: number;
  /** The statement to run (crm-rescue never runs it itself). */
  ddl: string;
}

/** Tables smaller than this are scanned quickly anyway: no advice for them. */
export const SCAN_THRESHOLD_ROWS = 50_000;

/**
 * Runs EXPLAIN (JSON) on the first-page query of every stream on a big enough table and returns
 * the streams whose plan reads the whole audit table (PostgreSQL: a Seq Scan of it; MySQL:
 * access_type ALL), with the index that would let the first page be an index range scan.
 */
export async function adviseIndexes(
  db: Db,
  ctx: AuditContext,
  sources: AuditSource[],
  filter: EventFilter = {},
  options: { threshold?: number; limit?: number } = {},
): Promise<IndexAdvice[]> {
  const threshold = options.threshold ?? SCAN_THRESHOLD_ROWS;
  const advice: IndexAdvice[] = [];
  for (const stream of activeStreams(ctx, sources, filter)) {
    const index = stream.index;
    if (!index || (index.rowEstimate ?? 0) < threshold) continue;
    const q = pageQuery(ctx.sql, { ...stream, image: null }, filter, null, options.limit ?? 50);
    const rows = await db.query<Record<string, unknown>>(ctx.sql.explainJson(q.sql), q.params);
    if (!scansWholeTable(ctx.sql, rows, index.table)) continue;
    advice.push({
      source: stream.source,
      stream: stream.id,
      table: index.table,
      columns: index.columns,
      rowEstimate: index.rowEstimate ?? 0,
      ddl: indexDdl(ctx.sql, stream),
    });
  }
  return advice;
}

/** True when an EXPLAIN (FORMAT JSON) result reads `table` (aliased `e`) in full. */
export function scansWholeTable(sql: AuditSql, explainRows: Record<string, unknown>[], table: TableRef): boolean {
  const raw = explainRows[0] ? Object.values(explainRows[0])[0] : null;
  const plan: unknown = typeof raw === 'string' ? JSON.parse(raw) : raw;
  return sql.planScansWholeTable(plan, table.name);
}

/** The CREATE INDEX statement for a stream's index (built online: CONCURRENTLY / LOCK=NONE). */
export function indexDdl(sql: AuditSql, stream: EventStream): string {
  const index = stream.index!;
  const d = sql.dialect;
  const hash = createHash('sha256')
    .update(`${index.table.schema}\0${index.table.name}\0${index.columns.join('\0')}`)
    .digest('hex')
    .slice(0, 8);
  const stem = index.table.name.replace(/[^A-Za-z0-9_]/g, '').slice(0, 30);
  const name = `crm_rescue_${stem}_${hash}`;
  const columns = index.columns.map((c) => d.quoteIdent(c));
  return sql.createIndexOnline({ name, table: d.quoteQualified(index.table.schema, index.table.name), columns, where: index.where });
}
