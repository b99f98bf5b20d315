import { auditSqlFor } from '../../dialect/audit-sql.js';
import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { qualified, ref, tableNamed } from './helpers.js';

/** Twenty's standard objects that write timeline activities. */
const TIMELINE_OBJECTS = ['company', 'person', 'opportunity', 'note', 'task'];

function timelines(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo[] {
  // The stream reads `properties` with jsonb operators and split_part: PostgreSQL's, as Twenty's own.
  if (ctx.knowledge.flavour !== 'twenty' || !auditSqlFor(ctx.snapshot.engine).jsonb) return [];
  return auditTableOf(ctx, 'twenty-timeline').filter((t) => hasColumns(t, 'id', 'happensAt', 'name', 'properties'));
}

/**
 * Twenty's timeline: `timelineActivity` rows named `<object>.deleted` (company.deleted, …), one
 * per workspace schema; `properties.before` holds the whole record. Twenty deletes are soft
 * ("deletedAt"); a destroyed company or person takes its timeline rows with it.
 */
export const twentyTimelineSource = defineSource({
  id: 'twenty-timeline',
  describe: () => "Twenty timeline (timelineActivity name LIKE '%.deleted', properties.before = the record)",
  available: (snapshot, knowledge) => timelines({ snapshot, knowledge }).length > 0,
  covers: (ctx, t) => timelines(ctx).some((tl) => tl.schema === t.schema) && TIMELINE_OBJECTS.includes(t.name),
  caveat: () => 'a destroyed (hard-deleted) company or person takes its timeline rows with it: destroys leave no trace',
  streams(ctx): EventStream[] {
    return timelines(ctx).map((tl): EventStream => {
      const d = ctx.sql.dialect;
      const r = (n: string) => ref(ctx, 'e', tl, n);
      const member = tableNamed(ctx, tl.schema, 'workspaceMember');
      const actorCol = column(tl, 'workspaceMemberId') ? r('workspaceMemberId') : null;
      const memberJoin = actorCol && member && column(member, 'userEmail') ? ` LEFT JOIN ${qualified(ctx, member)} wm ON wm."id" = ${actorCol}` : '';
      const before = `(${r('properties')}::jsonb -> 'before')`;
      const linked = column(tl, 'linkedRecordId') ? `, ${r('linkedRecordId')}::text` : '';
      return {
        id: `twenty-timeline/${tl.schema}`,
        source: 'twenty-timeline',
        from: `${qualified(ctx, tl)} e${memberJoin}`,
        where: [`${r('name')} LIKE '%.deleted'`],
        time: { expr: r('happensAt'), dataType: column(tl, 'happensAt')!.dataType },
        order: [r('id')],
        table: {
          schemaExpr: d.quoteLiteral(tl.schema),
          nameExpr: `split_part(${r('name')}, '.', 1)`,
          filter: (name, param) => `${r('name')} = ${param(`${name}.deleted`)}`,
        },
        rowKey: { columns: ['id'], exprs: [`COALESCE(${before} ->> 'id'${linked})`] },
        actor: actorCol,
        actorName: memberJoin ? `wm."userEmail"` : null,
        kind: 'soft',
        image: `(${before})::text`,
        details: d.textCast(r('name')),
        index: {
          table: { schema: tl.schema, name: tl.name },
          columns: ['happensAt', 'id'],
          where: `name LIKE '%.deleted'`,
          rowEstimate: tl.rowEstimate,
        },
      };
    });
  },
});
