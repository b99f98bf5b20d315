import type { SoftDeleteMark } from '../../crm/flavour.js';
import { column } from '../../crm/schema-index.js';
import type { ColumnInfo, TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import type { AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { filteredIndex, joinUsers, keyColumns, lit, qualified, timeColumn } from './helpers.js';

/** Columns that tell when a row was last changed, when the mark itself does not say. */
const MODIFIED_COLUMNS = ['date_modified', 'modified_at', 'updated_at', 'updatedat', 'modifiedtime', 'write_date', 'tms', 'last_modified', 'modified'];

/** A soft-deletable table with what the stream needs. */
interface MarkedTable {
  table: TableInfo;
  mark: SoftDeleteMark;
  time: ColumnInfo;
  key: string[];
}

/** Tables with a soft-delete mark on their own row, a time column and a key. */
export function markedTables(ctx: AuditContext): MarkedTable[] {
  const out: MarkedTable[] = [];
  for (const table of ctx.snapshot.tables) {
    const mark = ctx.knowledge.softDelete({ schema: table.schema, name: table.name });
    // Marks that live on another row (vtiger module tables, SuiteCRM _cstm) are that row's events.
    if (!mark || mark.via || !column(table, mark.column)) continue;
    const time =
      timeColumn(table, mark.timeColumn) ??
      (mark.kind === 'timestamp' ? timeColumn(table, mark.column) : undefined) ??
      MODIFIED_COLUMNS.map((n) => timeColumn(table, n)).find((c) => c !== undefined);
    const key = keyColumns(table);
    if (!time || !key) continue;
    out.push({ table, mark, time, key });
  }
  return out;
}

/**
 * Soft-delete marks on the rows themselves, for any flavour: `deleted` = 1 (SuiteCRM, EspoCRM,
 * vtiger_crmentity, demo), `deletedAt` set (Twenty), `active` = false (Odoo archive). The time
 * is the column the CRM sets with the mark (date_modified, modified_at, …) and the actor its
 * user column. The row is still there, so the event carries its full image.
 */
export const softDeleteSource = defineSource({
  id: 'soft-delete',
  describe: () => 'soft-delete marks on the rows (deleted=1 with date_modified/modified_user_id, deletedAt, active=false)',
  available: (_snapshot, _knowledge, ctx) => markedTables(ctx).length > 0,
  caveat: (ctx) =>
    ctx.knowledge.flavour === 'suitecrm'
      ? 'SuiteCRM writes no audit row for a delete: the time and user are the row’s date_modified and modified_user_id, and rows the Prune Database job removed are gone'
      : ctx.knowledge.flavour === 'odoo'
        ? 'Odoo hard deletes leave no trace; only archiving (active = false) shows here'
        : null,
  streams(ctx): EventStream[] {
    const d = ctx.sql.dialect;
    return markedTables(ctx)
      .filter((m) => !ctx.covered?.({ schema: m.table.schema, name: m.table.name }))
      .map(({ table, mark, time, key }): EventStream => {
        const c = (name: string) => `e.${d.quoteIdent(name)}`;
        const markCol = column(table, mark.column)!;
        const pred = (alias: string) => {
          const x = alias ? `${alias}.${d.quoteIdent(markCol.name)}` : d.quoteIdent(markCol.name);
          const flag = ctx.sql.flagSet(x, markCol.dataType);
          return mark.kind === 'flag' ? flag : mark.kind === 'timestamp' ? `${x} IS NOT NULL` : ctx.sql.isFalse(x);
        };
        const actorCol = mark.actorColumn ? column(table, mark.actorColumn) : undefined;
        const users = actorCol ? joinUsers(ctx, table.schema, c(actorCol.name), actorCol.dataType) : { join: '', name: null };
        const keyCols = key.map((k) => column(table, k)!.name);
        const timeFirst = mark.kind === 'timestamp' && time.name === markCol.name;
        return {
          id: `soft-delete/${table.schema}.${table.name}`,
          source: 'soft-delete',
          from: `${qualified(ctx, table)} e${users.join}`,
          where: [pred('e')],
          time: { expr: c(time.name), dataType: time.dataType },
          order: keyCols.map(c),
          table: { schemaExpr: lit(ctx, table.schema), nameExpr: lit(ctx, table.name), constant: { schema: table.schema, name: table.name } },
          rowKey: { columns: keyCols, exprs: keyCols.map(c) },
          actor: actorCol ? c(actorCol.name) : null,
          actorName: users.name,
          kind: 'soft',
          image: ctx.sql.rowJson('e', table.columns),
          details: null,
          index: {
            table: { schema: table.schema, name: table.name },
            ...(timeFirst ? { columns: [time.name, ...keyCols] } : filteredIndex(ctx, markCol.name, pred(''), [time.name, ...keyCols])),
            rowEstimate: table.rowEstimate,
          },
        };
      });
  },
});
