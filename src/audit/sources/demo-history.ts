import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { filteredIndex, joinUsers, lit, qualified, ref } from './helpers.js';

function historyTable(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'demo') return undefined;
  return auditTableOf(ctx, 'demo-history').find((t) => hasColumns(t, 'id', 'table_name', 'record_id', 'action', 'user_id', 'changed_at', 'changes'));
}

/**
 * The demo CRM's change log: `history` rows with action 'delete'. A soft delete is a 'delete'
 * whose changes hold the flag ({"deleted": [0, 1]}); a hard delete has no changes.
 */
export const demoHistorySource = defineSource({
  id: 'demo-history',
  describe: () => 'demo CRM change log (history): action \'delete\' rows; soft deletes carry changes {"deleted": [0, 1]}',
  available: (snapshot, knowledge) => historyTable({ snapshot, knowledge }) !== undefined,
  covers: (ctx, t) => {
    const h = historyTable(ctx);
    return h !== undefined && t.schema === h.schema && t.name !== h.name;
  },
  streams(ctx): EventStream[] {
    const h = historyTable(ctx);
    if (!h) return [];
    const r = (n: string) => ref(ctx, 'e', h, n);
    const users = joinUsers(ctx, h.schema, r('user_id'), column(h, 'user_id')?.dataType);
    const changes = r('changes');
    const soft = `${ctx.sql.jsonGetText(changes, 'deleted')} IS NOT NULL`;
    return [
      {
        id: 'demo-history/history',
        source: 'demo-history',
        from: `${qualified(ctx, h)} e${users.join}`,
        where: [`${r('action')} = 'delete'`],
        time: { expr: r('changed_at'), dataType: column(h, 'changed_at')!.dataType },
        order: [r('id')],
        table: { schemaExpr: lit(ctx, h.schema), nameExpr: r('table_name') },
        rowKey: { columns: ['id'], exprs: [r('record_id')] },
        actor: r('user_id'),
        actorName: users.name,
        kind: { expr: `CASE WHEN ${soft} THEN 'soft' ELSE 'hard' END` },
        image: null,
        details: ctx.sql.jsonText(changes),
        detailsJson: true,
        index: {
          table: { schema: h.schema, name: h.name },
          ...filteredIndex(ctx, 'action', `action = 'delete'`, ['changed_at', 'id']),
          rowEstimate: h.rowEstimate,
        },
      },
    ];
  },
});
