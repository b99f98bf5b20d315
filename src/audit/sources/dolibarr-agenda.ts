import { DOLIBARR_ELEMENTS } from '../../crm/flavours/dolibarr.js';
import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { joinUsers, mappedTable, qualified, ref, tableNamed } from './helpers.js';

/** Element types of deletable objects the flavour's list does not name → table without the prefix. */
const MORE_ELEMENTS: [element: string, table: string][] = [
  ['expensereport', 'expensereport'],
  ['holiday', 'holiday'],
  ['bom', 'bom_bom'],
  ['mo', 'mrp_mo'],
  ['supplier_proposal', 'supplier_proposal'],
];

function agenda(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'dolibarr') return undefined;
  return auditTableOf(ctx, 'dolibarr-agenda').find((t) => hasColumns(t, 'id', 'code', 'datep', 'elementtype', 'fk_element'));
}

/** The table prefix of a Dolibarr table name (`llx_` by default, configurable at install). */
export function dolibarrPrefix(tableName: string, bare: string): string {
  return tableName.toLowerCase().endsWith(bare) ? tableName.slice(0, tableName.length - bare.length) : 'llx_';
}

/** Element type → prefixed table, for the tables that exist. */
export function dolibarrElementTables(ctx: AuditContext, schema: string, prefix: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const [element, bare] of [...DOLIBARR_ELEMENTS, ...MORE_ELEMENTS]) {
    const t = tableNamed(ctx, schema, `${prefix}${bare}`);
    if (t) map.set(element, t.name);
  }
  return map;
}

/**
 * Dolibarr's agenda: automatic events `AC_<TRIGGER>_DELETE` (AC_COMPANY_DELETE,
 * AC_CONTACT_DELETE, …) with elementtype + fk_element naming the deleted object. Dolibarr
 * deletes are hard.
 */
export const dolibarrAgendaSource = defineSource({
  id: 'dolibarr-agenda',
  describe: () => "Dolibarr agenda automatic events (actioncomm code LIKE 'AC_%_DELETE')",
  available: (snapshot, knowledge) => agenda({ snapshot, knowledge }) !== undefined,
  caveat: () => 'only deletions whose automatic agenda event is enabled (Agenda setup → automatic events) are recorded',
  streams(ctx): EventStream[] {
    const a = agenda(ctx);
    if (!a) return [];
    const r = (n: string) => ref(ctx, 'e', a, n);
    const d = ctx.sql.dialect;
    const prefix = dolibarrPrefix(a.name, 'actioncomm');
    const actor = column(a, 'fk_user_author') ? r('fk_user_author') : null;
    const users = actor ? joinUsers(ctx, a.schema, actor, column(a, 'fk_user_author')?.dataType) : { join: '', name: null };
    return [
      {
        id: 'dolibarr-agenda/actioncomm',
        source: 'dolibarr-agenda',
        from: `${qualified(ctx, a)} e${users.join}`,
        where: [`${r('code')} LIKE ${d.quoteLiteral('AC\\_%\\_DELETE')}`],
        time: { expr: r('datep'), dataType: column(a, 'datep')!.dataType },
        order: [r('id')],
        table: mappedTable(ctx, a.schema, r('elementtype'), dolibarrElementTables(ctx, a.schema, prefix)),
        rowKey: { columns: ['rowid'], exprs: [r('fk_element')] },
        actor,
        actorName: users.name,
        kind: 'hard',
        image: null,
        details: column(a, 'label') ? d.textCast(r('label')) : d.textCast(r('code')),
        index: {
          table: { schema: a.schema, name: a.name },
          columns: ['datep', 'id'],
          // Without a partial index, the code filter is left to the table (its LIKE is no range).
          ...(ctx.sql.partialIndexes && { where: `code LIKE 'AC\\_%\\_DELETE'` }),
          rowEstimate: a.rowEstimate,
        },
      },
    ];
  },
});
