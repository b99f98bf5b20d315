import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { column, hasColumns, refOf, SchemaIndex } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';

/** Business models, most important first: model name and table. */
export const ODOO_MODELS: [model: string, table: string][] = [
  ['res.partner', 'res_partner'],
  ['crm.lead', 'crm_lead'],
  ['calendar.event', 'calendar_event'],
  ['mail.activity', 'mail_activity'],
  ['sale.order', 'sale_order'],
  ['project.project', 'project_project'],
  ['project.task', 'project_task'],
  ['helpdesk.ticket', 'helpdesk_ticket'],
  ['account.move', 'account_move'],
  ['purchase.order', 'purchase_order'],
  ['product.template', 'product_template'],
  ['hr.employee', 'hr_employee'],
  ['hr.applicant', 'hr_applicant'],
  ['res.company', 'res_company'],
  ['res.users', 'res_users'],
];

/**
 * Polymorphic (model, res_id) pairs: tables that point at any record by model name and id.
 * All of them lose their rows when the record is unlinked (mail_message, mail_activity,
 * mail_followers, ir_attachment are cleaned by the ORM).
 */
const RECORD_LINKS: [table: string, modelColumn: string, idColumn: string][] = [
  ['mail_message', 'model', 'res_id'],
  ['mail_activity', 'res_model', 'res_id'],
  ['mail_followers', 'res_model', 'res_id'],
  ['ir_attachment', 'res_model', 'res_id'],
  ['rating_rating', 'res_model', 'res_id'],
  ['calendar_event', 'res_model', 'res_id'],
  ['ir_model_data', 'model', 'res_id'],
  ['mailing_trace', 'model', 'res_id'],
  ['auditlog_log', 'model_model', 'res_id'],
];

function homeSchema(index: SchemaIndex): string | undefined {
  return index.homeSchema(['res_partner', 'ir_model', 'ir_model_data', 'res_users', 'ir_module_module']);
}

/** Scores a snapshot as Odoo. */
export function detectOdoo(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const schema = homeSchema(index);
  const t = (n: string) => (schema ? index.table(schema, n) : undefined);
  const partner = t('res_partner');
  if (!hasColumns(partner, 'id', 'name')) return NOT_FOUND;
  const base = ['res_company', 'ir_ui_view', 'ir_config_parameter', 'ir_module_module'].filter((n) => t(n));
  return scoreSignals([
    { ok: true, weight: 0.25, evidence: 'res_partner(id, name)' },
    {
      ok: hasColumns(partner, 'active', 'is_company', 'commercial_partner_id'),
      weight: 0.1,
      evidence: 'res_partner(active, is_company, commercial_partner_id)',
    },
    { ok: hasColumns(t('ir_model'), 'model'), weight: 0.15, evidence: 'ir_model(model)' },
    { ok: hasColumns(t('ir_model_data'), 'module', 'name', 'model', 'res_id'), weight: 0.15, evidence: 'ir_model_data(module, name, model, res_id)' },
    { ok: hasColumns(t('res_users'), 'login', 'partner_id'), weight: 0.1, evidence: 'res_users(login, partner_id)' },
    { ok: hasColumns(t('mail_message'), 'model', 'res_id'), weight: 0.1, evidence: 'mail_message(model, res_id)' },
    { ok: base.length >= 2, weight: 0.1, evidence: `tables ${base.join(', ')}` },
    { ok: hasColumns(partner, 'create_uid', 'write_uid', 'write_date'), weight: 0.05, evidence: 'create_uid/write_uid/write_date columns' },
  ]);
}

/** Odoo (PostgreSQL), with or without the crm module. */
export const odooFlavour: Flavour = {
  id: 'odoo',
  name: 'Odoo',
  detect: detectOdoo,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const schema = homeSchema(index) ?? snapshot.schemas[0];
    const t = (n: string) => index.table(schema, n);
    const models = ODOO_MODELS.map(([model, name]) => ({ model, table: t(name) })).filter(
      (m): m is { model: string; table: TableInfo } => m.table !== undefined,
    );
    // Odoo writes res_id = 0 for messages and attachments that belong to no record.
    const b = new ImpliedRelationBuilder({ noParentValues: ['0'] });
    for (const [name, modelColumn, idColumn] of RECORD_LINKS) {
      const table = t(name);
      if (!table) continue;
      for (const m of models) {
        if (m.table === table) continue;
        b.link(table, [idColumn], m.table, undefined, `Odoo ${modelColumn} + ${idColumn} name a record`, {
          discriminator: { column: modelColumn, value: m.model },
        });
      }
    }
    const auditSources: AuditSourceRef[] = [];
    const audit = (name: string, kind: string, description: string) => {
      const table = t(name);
      if (table) auditSources.push({ table: refOf(table), kind, description });
    };
    audit(
      'mail_message',
      'odoo-mail-message',
      'chatter of records (model, res_id, message_type, author_id, date); archiving shows as a tracking value on active; a hard delete removes the record’s messages with it',
    );
    audit(
      'mail_tracking_value',
      'odoo-mail-tracking',
      'tracked field changes of a message (mail_message_id; field/field_desc and old/new values, layout changed in 17.0)',
    );
    audit(
      'auditlog_log',
      'odoo-auditlog',
      "OCA auditlog: one row per logged operation (model_id, res_id, user_id, method = 'unlink' for deletes, create_date)",
    );
    audit('auditlog_log_line', 'odoo-auditlog-line', 'OCA auditlog: field values of a logged operation (log_id, field_id, old_value, new_value)');
    return {
      flavour: 'odoo',
      name: odooFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables: models.map((m) => refOf(m.table)),
      softDelete(ref) {
        const table = index.get(ref);
        if (!table) return null;
        if (table.schema !== schema) return commonSoftDelete(snapshot, ref);
        // Odoo archives (active = false); a delete is a real DELETE.
        const active = column(table, 'active');
        if (!active || !/bool/i.test(active.dataType)) return null;
        const at = column(table, 'write_date')?.name;
        const by = column(table, 'write_uid')?.name;
        return {
          column: active.name,
          kind: 'active',
          touches: [at, by].filter((c): c is string => c !== undefined),
          ...(by && { actorColumn: by }),
          ...(at && { timeColumn: at }),
        };
      },
      impliedRelations: b.list(),
      auditSources,
    };
  },
};
