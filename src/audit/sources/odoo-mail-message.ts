import { column, hasColumns } from '../../crm/schema-index.js';
import type { TableInfo } from '../../dialect/model.js';
import { defineSource } from '../define-source.js';
import { auditTableOf, type AuditContext } from '../source.js';
import type { EventStream } from '../stream.js';
import { joinUsers, qualified, ref } from './helpers.js';

interface OdooTracking {
  message: TableInfo;
  tracking: TableInfo;
  fields: TableInfo;
  /** `field` (up to 16.0) or `field_id` (17.0+). */
  fieldColumn: string;
}

function tracking(ctx: Pick<AuditContext, 'snapshot' | 'knowledge'>): OdooTracking | undefined {
  if (ctx.knowledge.flavour !== 'odoo') return undefined;
  const message = auditTableOf(ctx, 'odoo-mail-message').find((t) => hasColumns(t, 'id', 'model', 'res_id', 'date'));
  const trackingTable = auditTableOf(ctx, 'odoo-mail-tracking').find((t) => hasColumns(t, 'id', 'mail_message_id', 'old_value_integer', 'new_value_integer'));
  if (!message || !trackingTable) return undefined;
  const fieldColumn = column(trackingTable, 'field_id')?.name ?? column(trackingTable, 'field')?.name;
  const fields = ctx.snapshot.tables.find((t) => t.schema === message.schema && t.name === 'ir_model_fields' && hasColumns(t, 'id', 'name'));
  if (!fieldColumn || !fields) return undefined;
  return { message, tracking: trackingTable, fields, fieldColumn };
}

/**
 * Odoo archiving as its chatter records it: a mail_message with a tracking value on the field
 * `active` going from true (1) to false (0). Odoo hard deletes remove the record's messages with
 * it, so they leave no trace here.
 */
export const odooMailMessageSource = defineSource({
  id: 'odoo-mail-message',
  describe: () => 'Odoo chatter: tracking values of field active from true to false (archiving)',
  available: (snapshot, knowledge) => tracking({ snapshot, knowledge }) !== undefined,
  covers: (ctx, t) => {
    const tr = tracking(ctx);
    return tr !== undefined && t.schema === tr.message.schema && t.name === 'crm_lead';
  },
  caveat: () => 'a hard delete in Odoo also deletes the record’s messages: it leaves no trace unless the OCA auditlog module is installed',
  streams(ctx): EventStream[] {
    const tr = tracking(ctx);
    if (!tr) return [];
    const d = ctx.sql.dialect;
    const m = (n: string) => ref(ctx, 'e', tr.message, n);
    const v = (n: string) => ref(ctx, 'v', tr.tracking, n);
    const actorCol = column(tr.message, 'create_uid') ? m('create_uid') : null;
    const users = actorCol ? joinUsers(ctx, tr.message.schema, actorCol, column(tr.message, 'create_uid')?.dataType) : { join: '', name: null };
    const model = m('model');
    const tableExpr = ctx.sql.replace(model, `'.'`, `'_'`);
    return [
      {
        id: 'odoo-mail-message/active',
        source: 'odoo-mail-message',
        from: `${qualified(ctx, tr.tracking)} v JOIN ${qualified(ctx, tr.message)} e ON e.${d.quoteIdent('id')} = ${v('mail_message_id')}
          JOIN ${qualified(ctx, tr.fields)} f ON f.${d.quoteIdent('id')} = v.${d.quoteIdent(tr.fieldColumn)}${users.join}`,
        where: [`f.${d.quoteIdent('name')} = 'active'`, `${v('old_value_integer')} = 1`, `${v('new_value_integer')} = 0`],
        time: { expr: m('date'), dataType: column(tr.message, 'date')!.dataType },
        order: [v('id')],
        table: {
          schemaExpr: d.quoteLiteral(tr.message.schema),
          nameExpr: tableExpr,
          filter: (name, param) => `${model} = ${param(name.replace(/_/g, '.'))}`,
        },
        rowKey: { columns: ['id'], exprs: [m('res_id')] },
        actor: actorCol,
        actorName: users.name,
        kind: 'soft',
        image: null,
        details: d.textCast(model),
        index: null,
      },
    ];
  },
});
