import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { joinUsers, qualified, ref, tableNamed } from './helpers.js';

function auditlog(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): TableInfo | undefined {
  if (ctx.knowledge.flavour !== 'odoo') return undefined;
  return auditTableOf(ctx, 'odoo-auditlog').find((t) => hasColumns(t, 'id', 'model_id', 'res_id', 'method', 'create_date'));
}

/** The OCA auditlog module: `auditlog_log` rows with method 'unlink' (hard deletes). */
export const odooAuditlogSource = defineSource({
  id: 'odoo-auditlog',
  describe: () => "OCA auditlog (auditlog_log method = 'unlink')",
  available: (snapshot, knowledge) => auditlog({ snapshot, knowledge }) !== undefined,
  caveat: () => 'only models with an auditlog rule that logs deletes are recorded',
  streams(ctx): EventStream[] {
    const a = auditlog(ctx);
    if (!a) return [];
    const d = ctx.sql.dialect;
    const r = (n: string) => ref(ctx, 'e', a, n);
    const irModel = tableNamed(ctx, a.schema, 'ir_model');
    const modelJoin = irModel && column(irModel, 'model') ? ` LEFT JOIN ${qualified(ctx, irModel)} im ON im.${d.quoteIdent('id')} = ${r('model_id')}` : '';
    const modelExpr = modelJoin ? `im.${d.quoteIdent('model')}` : d.textCast(r('model_id'));
    const actor = column(a, 'user_id') ? r('user_id') : null;
    const users = actor ? joinUsers(ctx, a.schema, actor, column(a, 'user_id')?.dataType) : { join: '', name: null };
    return [
      {
        id: 'odoo-auditlog/log',
        source: 'odoo-auditlog',
        from: `${qualified(ctx, a)} e${modelJoin}${users.join}`,
        where: [`${r('method')} = 'unlink'`],
        time: { expr: r('create_date'), dataType: column(a, 'create_date')!.dataType },
        order: [r('id')],
        table: {
          schemaExpr: d.quoteLiteral(a.schema),
          nameExpr: `replace(${modelExpr}, '.', '_')`,
          filter: (name, param) => `${modelExpr} = ${param(name.replace(/_/g, '.'))}`,
        },
        rowKey: { columns: ['id'], exprs: [r('res_id')] },
        actor,
        actorName: users.name,
        kind: 'hard',
        image: null,
        details: column(a, 'name') ? d.textCast(r('name')) : null,
        index: { table: { schema: a.schema, name: a.name }, columns: ['create_date', 'id'], where: `method = 'unlink'`, rowEstimate: a.rowEstimate },
      },
    ];
  },
});
