import type { TableRef } from '../crm/flavour.js';
import type { DeletionKind } from './model.js';
import type { AuditSql } from '../dialect/audit-sql.js';
import { matchesParts, parseQuotedName } from '../util/table-ref.js';

/**
 * An event stream: one relation of an audit source read as deletion events, described as SQL
 * fragments. A source has one stream (a change log) or several (one per soft-deletable table).
 * The query builders here compose every audit query from them: event pages, timeline and
 * incident parts. Each stream is read in its own index order, and streams are merged newest
 * first by the caller.
 */
export interface EventStream {
  /** `<source>/<name>`: unique and stable (cursors name it). */
  id: string;
  /** The audit source id. */
  source: string;
  /** FROM clause: the audit relation aliased `e`, plus any LEFT JOINs. */
  from: string;
  /** The predicate that makes a row of `e` a deletion. */
  where: string[];
  /** The time column and its introspected type. */
  time: { expr: string; dataType: string };
  /** Native expressions that order rows of equal time uniquely (usually the key of `e`). */
  order: string[];
  /** Which table the deleted row belonged to. */
  table: StreamTable;
  /** The deleted row's key: text expressions per column, or one JSON (text) expression. */
  rowKey: { columns: string[]; exprs: string[] } | { json: string };
  /** Who deleted (text expression) and their name, when known. */
  actor: string | null;
  actorName: string | null;
  kind: DeletionKind | { expr: string };
  /** The row as it was, as JSON text, when the source keeps it. */
  image: string | null;
  /** Other recorded facts: JSON text (`detailsJson`) or plain text. */
  details: string | null;
  detailsJson?: boolean;
  /** The index that makes the first page instant, for the EXPLAIN check. */
  index: StreamIndex | null;
}

/** The table of a stream's events. */
export interface StreamTable {
  schemaExpr: string;
  nameExpr: string;
  /** When every event of the stream belongs to one table: a `--table` filter can skip the stream. */
  constant?: TableRef;
  /** A sargable condition for `--table NAME` (default: nameExpr = param). */
  filter?: (name: string, param: (value: unknown) => string) => string;
}

/** The index a stream's first-page query wants. */
export interface StreamIndex {
  /** The relation `e` is. */
  table: TableRef;
  /** Columns in order: time first (after equality columns on MySQL), then the order columns. */
  columns: string[];
  /** Partial-index predicate (PostgreSQL only), in terms of the bare table. */
  where?: string;
  /** The planner's row estimate of the relation, or null. */
  rowEstimate: number | null;
}

/** Collects parameters and hands out placeholders in order. */
export class Params {
  readonly values: unknown[] = [];
  constructor(private readonly placeholder: (i: number) => string) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.placeholder(this.values.length);
  }
}

/** A position inside a stream: the time and order values of its last event. */
export interface StreamPosition {
  time: string;
  order: unknown[];
}

/** Time range and filters applied to every query of a stream. */
export interface StreamFilter {
  since?: string;
  until?: string;
  table?: string;
  user?: string;
}

/** True when a `--table` filter rules the whole stream out. */
export function streamExcluded(stream: EventStream, filter: StreamFilter): boolean {
  return filter.table !== undefined && stream.table.constant !== undefined && !sameTableName(stream.table.constant, filter.table);
}

/** `name` or `schema.name` (or the same as SQL writes it: `"schema"."name"`) matches a table reference. */
export function sameTableName(ref: TableRef, name: string): boolean {
  if (name === ref.name || name === `${ref.schema}.${ref.name}`) return true;
  const quoted = parseQuotedName(name);
  return quoted !== null && matchesParts(ref, quoted);
}

/** The bare table name a `--table` filter compares with (the last part, quoted or not). */
function filterTableName(table: string): string {
  const quoted = parseQuotedName(table);
  if (quoted) return quoted.name;
  return table.includes('.') ? table.slice(table.lastIndexOf('.') + 1) : table;
}

/** The conditions of a stream for a filter (without cursor). */
export function streamConditions(sql: AuditSql, stream: EventStream, filter: StreamFilter, p: Params): string[] {
  const t = stream.time.expr;
  const conds = [...stream.where, `${t} IS NOT NULL`];
  if (filter.since) conds.push(`${t} >= ${sql.timeParam(p.add(sql.timeValue(filter.since)), stream.time.dataType)}`);
  if (filter.until) conds.push(`${t} < ${sql.timeParam(p.add(sql.timeValue(filter.until)), stream.time.dataType)}`);
  if (filter.table !== undefined && !stream.table.constant) {
    const bare = filterTableName(filter.table);
    conds.push(stream.table.filter ? stream.table.filter(bare, (v) => p.add(v)) : `${stream.table.nameExpr} = ${p.add(bare)}`);
  }
  if (filter.user !== undefined) {
    const d = sql.dialect;
    const parts = [
      stream.actor && `${d.textCast(stream.actor)} = ${p.add(filter.user)}`,
      stream.actorName && `${d.textCast(stream.actorName)} = ${p.add(filter.user)}`,
    ].filter((x): x is string => Boolean(x));
    conds.push(parts.length ? `(${parts.join(' OR ')})` : '1 = 0');
  }
  return conds;
}

function kindExpr(stream: EventStream): string {
  return typeof stream.kind === 'string' ? `'${stream.kind}'` : stream.kind.expr;
}

/**
 * The page query of a stream: events older than `after` (in the global order time DESC,
 * stream ASC, order DESC), newest first. `rank` compares this stream with the cursor's stream.
 */
export function pageQuery(
  sql: AuditSql,
  stream: EventStream,
  filter: StreamFilter,
  after: { position: StreamPosition; rank: -1 | 0 | 1 } | null,
  limit: number,
  /** Only time, order, table, actor and kind (incident scans): no key, image or details. */
  lean = false,
): { sql: string; params: unknown[] } {
  const d = sql.dialect;
  const p = new Params((i) => d.placeholder(i));
  const conds = streamConditions(sql, stream, filter, p);
  const t = stream.time.expr;
  if (after) {
    const tp = () => sql.timeParam(p.add(sql.timeValue(after.position.time)), stream.time.dataType);
    // rank < 0: this stream sorts before the cursor's stream at equal time, so equal times are done.
    if (after.rank < 0) conds.push(`${t} < ${tp()}`);
    else if (after.rank > 0) conds.push(`${t} <= ${tp()}`);
    else {
      // (time, order…) before the cursor's, as one range of the (time, order) index: a bulk
      // delete stamps thousands of events with one time, and `time <= t AND (time < t OR id < i)`
      // read all of them again for every page. Placeholders are added in text order (MySQL's `?`).
      conds.push(d.keyAfter([t, ...stream.order], (i) => (i === 0 ? tp() : p.add(after.position.order[i - 1])), true));
    }
  }
  const cols = [
    `${sql.timeText(t, stream.time.dataType)} AS ev_time`,
    ...stream.order.map((o, i) => `${o} AS ev_o${i}`),
    `${stream.table.schemaExpr} AS ev_schema`,
    `${stream.table.nameExpr} AS ev_table`,
    ...(lean ? [] : 'json' in stream.rowKey ? [`${stream.rowKey.json} AS ev_key`] : stream.rowKey.exprs.map((k, i) => `${d.textCast(k)} AS ev_k${i}`)),
    `${stream.actor ? d.textCast(stream.actor) : 'NULL'} AS ev_actor`,
    `${stream.actorName ? d.textCast(stream.actorName) : 'NULL'} AS ev_actor_name`,
    `${kindExpr(stream)} AS ev_kind`,
    ...(lean ? [] : [`${stream.image ?? 'NULL'} AS ev_image`, `${stream.details ?? 'NULL'} AS ev_details`]),
  ];
  const order = [`${t} DESC`, ...stream.order.map((o) => `${o} DESC`)].join(', ');
  return {
    sql: `SELECT ${cols.join(', ')} FROM ${stream.from} WHERE ${conds.join(' AND ')} ORDER BY ${order} LIMIT ${Math.max(1, Math.floor(limit))}`,
    params: p.values,
  };
}

/** The oldest or newest event time of a stream (ISO text in `ev_time`), read in index order. */
export function edgeQuery(sql: AuditSql, stream: EventStream, filter: StreamFilter, edge: 'oldest' | 'newest'): { sql: string; params: unknown[] } {
  const p = new Params((i) => sql.dialect.placeholder(i));
  const conds = streamConditions(sql, stream, filter, p);
  const dir = edge === 'oldest' ? 'ASC' : 'DESC';
  const order = [stream.time.expr, ...stream.order].map((o) => `${o} ${dir}`).join(', ');
  return {
    sql: `SELECT ${sql.timeText(stream.time.expr, stream.time.dataType)} AS ev_time FROM ${stream.from} WHERE ${conds.join(' AND ')} ORDER BY ${order} LIMIT 1`,
    params: p.values,
  };
}

/** The columns a UNION part can carry besides `t`. */
export type UnionColumn = 'actor' | 'actor_name' | 'sch' | 'tbl' | 'kind' | 'src';

/**
 * One stream as a UNION ALL part for aggregate queries: `t` (the instant) and the asked-for
 * columns among `actor`, `actor_name`, `sch`, `tbl`, `kind`, `src` (all text).
 */
export function unionPart(
  sql: AuditSql,
  stream: EventStream,
  filter: StreamFilter,
  p: Params,
  columns: readonly UnionColumn[] = ['actor', 'actor_name', 'sch', 'tbl', 'kind', 'src'],
): string {
  const conds = streamConditions(sql, stream, filter, p);
  const exprs: Record<UnionColumn, string | null> = {
    actor: stream.actor,
    actor_name: stream.actorName,
    sch: stream.table.schemaExpr,
    tbl: stream.table.nameExpr,
    kind: kindExpr(stream),
    src: sql.dialect.quoteLiteral(stream.source),
  };
  const cols = [`${sql.instant(stream.time.expr, stream.time.dataType)} AS t`, ...columns.map((c) => `${sql.unionText(exprs[c])} AS ${c}`)];
  return `SELECT ${cols.join(', ')} FROM ${stream.from} WHERE ${conds.join(' AND ')}`;
}

/** Cursor text: base64url of JSON {t, s, o}. Opaque to users, stable across runs. */
export function encodeCursor(streamKey: string, position: StreamPosition): string {
  return Buffer.from(JSON.stringify({ t: position.time, s: streamKey, o: position.order })).toString('base64url');
}

/** Reads a cursor; null when it is not one of ours. */
export function decodeCursor(cursor: string): { stream: string; position: StreamPosition } | null {
  try {
    const doc = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { t?: unknown; s?: unknown; o?: unknown };
    if (typeof doc.t !== 'string' || typeof doc.s !== 'string' || !Array.isArray(doc.o)) return null;
    return { stream: doc.s, position: { time: doc.t, order: doc.o } };
  } catch {
    return null;
  }
}
