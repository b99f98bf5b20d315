import type { TableRef } from '../../crm/flavour.js';
import { column, typeFamily } from '../../crm/schema-index.js';
import type { ColumnInfo, TableInfo } from '../../dialect/model.js';
import type { AuditContext } from '../source.js';
import type { StreamTable } from '../stream.js';

/** Small builders shared by the source modules. */

/** `alias.column`, the column found case-insensitively and quoted. */
export function ref(ctx: AuditContext, alias: string, table: TableInfo, name: string): string {
  const c = column(table, name);
  if (!c) throw new Error(`${table.name}.${name} is missing`);
  return `${alias}.${ctx.sql.dialect.quoteIdent(c.name)}`;
}

/** The quoted schema-qualified name of a table. */
export function qualified(ctx: AuditContext, t: TableRef): string {
  return ctx.sql.dialect.quoteQualified(t.schema, t.name);
}

/** A string literal. */
export function lit(ctx: AuditContext, value: string): string {
  return ctx.sql.dialect.quoteLiteral(value);
}

/** The column, when it exists and holds a date or time. */
export function timeColumn(table: TableInfo | undefined, name: string | undefined): ColumnInfo | undefined {
  if (!table || !name) return undefined;
  const c = column(table, name);
  return c && /date|time/i.test(c.dataType) ? c : undefined;
}

/** A table of a schema by name (exact, then case-insensitive). */
export function tableNamed(ctx: AuditContext, schema: string, name: string): TableInfo | undefined {
  const inSchema = ctx.snapshot.tables.filter((t) => t.schema === schema);
  return inSchema.find((t) => t.name === name) ?? inSchema.find((t) => t.name.toLowerCase() === name.toLowerCase());
}

/** The key diff and merge use: primary key, else a unique key of NOT NULL columns. */
export function keyColumns(table: TableInfo): string[] | null {
  if (table.primaryKey) return table.primaryKey.columns;
  const uk = table.uniqueKeys.find((k) => !k.nullable);
  return uk ? uk.columns : null;
}

/**
 * A stream table whose name comes from a CRM value (module, entity type, element type) mapped
 * to table names: CASE in the select list, and `--table` turned back into the raw values so the
 * filter stays sargable.
 */
export function mappedTable(ctx: AuditContext, schema: string, rawExpr: string, map: Map<string, string>): StreamTable {
  const d = ctx.sql.dialect;
  const whens = [...map].map(([raw, table]) => `WHEN ${d.quoteLiteral(raw)} THEN ${d.quoteLiteral(table)}`);
  const nameExpr = whens.length ? `CASE ${rawExpr} ${whens.join(' ')} ELSE ${d.textCast(rawExpr)} END` : d.textCast(rawExpr);
  return {
    schemaExpr: d.quoteLiteral(schema),
    nameExpr,
    filter: (name, param) => {
      const raws = [...map].filter(([, t]) => t === name).map(([raw]) => raw);
      return `${rawExpr} IN (${[...raws, name].map((v) => param(v)).join(', ')})`;
    },
  };
}

/** Where a CRM keeps user names: table, id column, name column. */
export interface UserDirectory {
  table: TableInfo;
  id: string;
  name: string;
}

/** The CRM's user table, to show names next to user ids (null when the CRM has none we know). */
export function userDirectory(ctx: AuditContext, schema: string): UserDirectory | null {
  const candidates: [string, string, string][] = [
    ['users', 'id', 'user_name'],
    ['user', 'id', 'user_name'],
    ['vtiger_users', 'id', 'user_name'],
    ['res_users', 'id', 'login'],
  ];
  const prefixed = ctx.snapshot.tables.find((t) => t.schema === schema && /^[a-z0-9]+_user$/i.test(t.name) && column(t, 'rowid') && column(t, 'login'));
  if (prefixed && ctx.knowledge.flavour === 'dolibarr') return { table: prefixed, id: column(prefixed, 'rowid')!.name, name: column(prefixed, 'login')!.name };
  for (const [name, id, label] of candidates) {
    const t = tableNamed(ctx, schema, name);
    if (t && column(t, id) && column(t, label)) return { table: t, id: column(t, id)!.name, name: column(t, label)!.name };
  }
  return null;
}

/** `LEFT JOIN users u ON u.id = <actor>` and the name expression, or nothing. */
export function joinUsers(
  ctx: AuditContext,
  schema: string,
  actorExpr: string,
  actorType: string | undefined,
  alias = 'u',
): { join: string; name: string | null } {
  const dir = userDirectory(ctx, schema);
  if (!dir) return { join: '', name: null };
  const d = ctx.sql.dialect;
  const idRef = `${alias}.${d.quoteIdent(dir.id)}`;
  const idType = column(dir.table, dir.id)!.dataType;
  // PostgreSQL has no implicit cast between text and integer ids: compare as text when the families differ.
  const same = actorType !== undefined && typeFamily(actorType) === typeFamily(idType);
  const on = ctx.sql.idsCompareAsText && !same ? `${d.textCast(idRef)} = ${d.textCast(actorExpr)}` : `${idRef} = ${actorExpr}`;
  return { join: ` LEFT JOIN ${qualified(ctx, dir.table)} ${alias} ON ${on}`, name: `${alias}.${d.quoteIdent(dir.name)}` };
}

/**
 * The columns (and predicate) of the index a filtered stream wants: a partial index on the time
 * columns WHERE the filter holds, or, where indexes take no WHERE, the filter's column first.
 */
export function filteredIndex(ctx: AuditContext, filterColumn: string, where: string, columns: string[]): { columns: string[]; where?: string } {
  return ctx.sql.partialIndexes ? { columns, where } : { columns: [filterColumn, ...columns] };
}
