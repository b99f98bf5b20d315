import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { filteredIndex, joinUsers, mappedTable, qualified, ref } from './helpers.js';

function actionHistory(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'espocrm') return undefined;
  return auditTableOf(ctx, 'espocrm-action-history').find((t) => hasColumns(t, 'id', 'target_type', 'target_id', 'action', 'created_at', 'user_id'));
}

/** EspoCRM entity type of a table: `knowledge_base_article` → `KnowledgeBaseArticle`. */
export function espoEntityTypeOf(table: string): string {
  return table
    .split('_')
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/** Entity type → table, for the tables of the schema that carry a deleted flag. */
function entityTypes(ctx: AuditContext, schema: string): Map<string, string> {
  const map = new Map<string, string>();
  for (const t of ctx.snapshot.tables) if (t.schema === schema && column(t, 'deleted') && column(t, 'id')) map.set(espoEntityTypeOf(t.name), t.name);
  return map;
}

/**
 * EspoCRM's action history: `action_history_record` rows with action 'delete'. EspoCRM deletes
 * are soft (deleted=1) until the cleanup job removes them.
 */
export const espocrmActionHistorySource = defineSource({
  id: 'espocrm-action-history',
  describe: () => "EspoCRM action history (action_history_record action = 'delete')",
  available: (snapshot, knowledge) => actionHistory({ snapshot, knowledge }) !== undefined,
  covers: (ctx, t) => {
    const a = actionHistory(ctx);
    return a !== undefined && t.schema === a.schema && ctx.knowledge.entityTables.some((e) => e.schema === t.schema && e.name === t.name);
  },
  caveat: () => 'EspoCRM purges action history after 15 days by default; older deletes show only as deleted=1 (--source soft-delete)',
  streams(ctx): EventStream[] {
    const a = actionHistory(ctx);
    if (!a) return [];
    const r = (n: string) => ref(ctx, 'e', a, n);
    const users = joinUsers(ctx, a.schema, r('user_id'), column(a, 'user_id')?.dataType);
    const orderCol = column(a, 'number') ? 'number' : 'id';
    const where = [`${r('action')} = 'delete'`];
    if (column(a, 'deleted')) where.push(`NOT ${ctx.sql.dialect.truthy(r('deleted'), column(a, 'deleted')!.dataType)}`);
    return [
      {
        id: 'espocrm-action-history/records',
        source: 'espocrm-action-history',
        from: `${qualified(ctx, a)} e${users.join}`,
        where,
        time: { expr: r('created_at'), dataType: column(a, 'created_at')!.dataType },
        order: [r(orderCol)],
        table: mappedTable(ctx, a.schema, r('target_type'), entityTypes(ctx, a.schema)),
        rowKey: { columns: ['id'], exprs: [r('target_id')] },
        actor: r('user_id'),
        actorName: users.name,
        kind: 'soft',
        image: null,
        details: ctx.sql.dialect.textCast(r('target_type')),
        index: {
          table: { schema: a.schema, name: a.name },
          ...filteredIndex(ctx, 'action', `action = 'delete'`, ['created_at', column(a, orderCol)!.name]),
          rowEstimate: a.rowEstimate,
        },
      },
    ];
  },
});
