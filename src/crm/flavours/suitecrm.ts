import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour, TableRef } from '../flavour.js';
import { column, hasColumns, listNames, refOf, SchemaIndex } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';
import { sugarImpliedRelations, sugarSoftDelete } from './sugar-rules.js';

/** The tables every SuiteCRM/SugarCRM CE install has. */
const CORE = ['accounts', 'contacts', 'accounts_contacts', 'opportunities', 'users'];

/** Entity tables, most important first. */
const ENTITIES = [
  'accounts',
  'contacts',
  'leads',
  'opportunities',
  'cases',
  'calls',
  'meetings',
  'tasks',
  'notes',
  'emails',
  'documents',
  'campaigns',
  'prospects',
  'project',
  'project_task',
  'bugs',
  'aos_quotes',
  'aos_invoices',
  'aos_contracts',
  'aos_products',
  'users',
];

/** More SuiteCRM system tables (besides config and relationships). */
const SYSTEM = ['fields_meta_data', 'upgrade_history', 'acl_actions', 'schedulers', 'user_preferences'];

/** Tables SuiteCRM has and the demo CRM (which is SuiteCRM-shaped) does not. */
export const SUITE_ONLY = ['config', 'relationships', ...SYSTEM];

/** The schema SuiteCRM lives in: the one holding most of its core tables. */
function homeSchema(index: SchemaIndex): string | undefined {
  return index.homeSchema([...CORE, 'config', 'relationships']);
}

/** `<table>_cstm` tables keyed by `id_c` whose base table exists. */
export function customTables(index: SchemaIndex, schema: string): TableInfo[] {
  return index
    .tablesIn(schema)
    .filter((t) => t.name.toLowerCase().endsWith('_cstm') && column(t, 'id_c') && index.table(schema, t.name.slice(0, -'_cstm'.length)));
}

/** `<table>_audit` tables with SuiteCRM's audit columns whose base table exists. */
export function auditTables(index: SchemaIndex, schema: string): TableInfo[] {
  return index
    .tablesIn(schema)
    .filter(
      (t) =>
        t.name.toLowerCase().endsWith('_audit') &&
        hasColumns(t, 'parent_id', 'field_name', 'before_value_string', 'after_value_string') &&
        index.table(schema, t.name.slice(0, -'_audit'.length)),
    );
}

/** The demo CRM's change log, which SuiteCRM does not have. */
export function isDemoHistory(t: TableInfo | undefined): boolean {
  return hasColumns(t, 'id', 'table_name', 'record_id', 'action', 'user_id', 'changed_at', 'changes');
}

/** Scores a snapshot as SuiteCRM. */
export function detectSuiteCrm(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const schema = homeSchema(index);
  if (!schema) return NOT_FOUND;
  const core = CORE.filter((n) => index.table(schema, n));
  if (!core.includes('accounts') || !core.includes('contacts')) return NOT_FOUND;
  const accounts = index.table(schema, 'accounts');
  const cstm = customTables(index, schema);
  const audit = auditTables(index, schema);
  const others = SYSTEM.filter((n) => index.table(schema, n));
  return scoreSignals([
    { ok: true, weight: 0.06 * core.length, evidence: `tables ${core.join(', ')}` },
    {
      ok: hasColumns(accounts, 'id', 'deleted', 'date_modified', 'modified_user_id', 'assigned_user_id'),
      weight: 0.1,
      evidence: 'accounts(id, deleted, date_modified, modified_user_id, assigned_user_id)',
    },
    { ok: hasColumns(index.table(schema, 'config'), 'category', 'name', 'value'), weight: 0.15, evidence: 'config(category, name, value)' },
    {
      ok: hasColumns(index.table(schema, 'relationships'), 'relationship_name', 'lhs_module', 'rhs_module'),
      weight: 0.15,
      evidence: 'relationships(relationship_name, lhs_module, rhs_module)',
    },
    {
      ok: cstm.length > 0,
      weight: 0.15,
      evidence: `${cstm.length} *_cstm tables with id_c (${listNames(
        cstm.map((t) => t.name),
        4,
      )})`,
    },
    {
      ok: audit.length > 0,
      weight: 0.1,
      evidence: `${audit.length} *_audit tables (${listNames(
        audit.map((t) => t.name),
        4,
      )})`,
    },
    { ok: others.length > 0, weight: 0.05, evidence: `tables ${others.join(', ')}` },
    {
      ok: isDemoHistory(index.table(schema, 'history')),
      weight: -0.3,
      evidence: "a history(table_name, record_id, action, …) change log (crm-rescue's demo CRM)",
    },
  ]);
}

/** SuiteCRM 7/8 and SugarCRM CE (MySQL/MariaDB). */
export const suitecrmFlavour: Flavour = {
  id: 'suitecrm',
  name: 'SuiteCRM / SugarCRM CE',
  detect: detectSuiteCrm,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const schema = homeSchema(index) ?? snapshot.schemas[0];
    const entityTables: TableRef[] = ENTITIES.map((n) => index.table(schema, n))
      .filter((t): t is TableInfo => t !== undefined)
      .map(refOf);
    const auditSources: AuditSourceRef[] = auditTables(index, schema).map((t) => ({
      table: refOf(t),
      kind: 'suitecrm-audit',
      description: `field changes of ${t.name.slice(0, -'_audit'.length)} (parent_id = record id); deletes are not written here, they show only as deleted=1 with date_modified/modified_user_id on the row`,
    }));
    return {
      flavour: 'suitecrm',
      name: suitecrmFlavour.name,
      confidence: detection.score,
      evidence: detection.evidence,
      entityTables,
      softDelete(ref) {
        const t = index.get(ref);
        if (!t) return null;
        if (t.schema !== schema) return commonSoftDelete(snapshot, ref);
        return sugarSoftDelete(index, t);
      },
      impliedRelations: sugarImpliedRelations(index, schema, { crm: 'SuiteCRM' }).list(),
      auditSources,
    };
  },
};
