import type { SchemaSnapshot, TableInfo } from '../../dialect/model.js';
import type { AuditSourceRef, CrmKnowledge, Flavour, SoftDeleteMark, TableRef } from '../flavour.js';
import { ImpliedRelationBuilder } from '../implied.js';
import { column, hasColumns, listNames, refOf, SchemaIndex } from '../schema-index.js';
import { NOT_FOUND, scoreSignals, type Detection } from '../score.js';
import { commonSoftDelete } from './generic.js';

/** vtiger's standard modules: module name, base table, key column (all keys are crmids). */
export const VTIGER_MODULES: [module: string, table: string, key: string][] = [
  ['Accounts', 'vtiger_account', 'accountid'],
  ['Contacts', 'vtiger_contactdetails', 'contactid'],
  ['Leads', 'vtiger_leaddetails', 'leadid'],
  ['Potentials', 'vtiger_potential', 'potentialid'],
  ['Calendar', 'vtiger_activity', 'activityid'],
  ['HelpDesk', 'vtiger_troubletickets', 'ticketid'],
  ['Documents', 'vtiger_notes', 'notesid'],
  ['Quotes', 'vtiger_quotes', 'quoteid'],
  ['SalesOrder', 'vtiger_salesorder', 'salesorderid'],
  ['Invoice', 'vtiger_invoice', 'invoiceid'],
  ['PurchaseOrder', 'vtiger_purchaseorder', 'purchaseorderid'],
  ['Products', 'vtiger_products', 'productid'],
  ['Services', 'vtiger_service', 'serviceid'],
  ['Vendors', 'vtiger_vendor', 'vendorid'],
  ['Campaigns', 'vtiger_campaign', 'campaignid'],
  ['PriceBooks', 'vtiger_pricebook', 'pricebookid'],
  ['Project', 'vtiger_project', 'projectid'],
  ['ProjectTask', 'vtiger_projecttask', 'projecttaskid'],
  ['ProjectMilestone', 'vtiger_projectmilestone', 'projectmilestoneid'],
  ['ServiceContracts', 'vtiger_servicecontracts', 'servicecontractsid'],
  ['Assets', 'vtiger_assets', 'assetsid'],
  ['Faq', 'vtiger_faq', 'id'],
  ['ModComments', 'vtiger_modcomments', 'modcommentsid'],
  ['SMSNotifier', 'vtiger_smsnotifier', 'smsnotifierid'],
  ['PBXManager', 'vtiger_pbxmanager', 'pbxmanagerid'],
];

/**
 * Columns that hold the id of one module's record, wherever they appear in relation, custom-field
 * and history tables (`vtiger_contpotentialrel.contactid` → vtiger_contactdetails).
 */
const ID_COLUMNS: Record<string, string> = {
  accountid: 'vtiger_account',
  contactid: 'vtiger_contactdetails',
  leadid: 'vtiger_leaddetails',
  potentialid: 'vtiger_potential',
  activityid: 'vtiger_activity',
  ticketid: 'vtiger_troubletickets',
  notesid: 'vtiger_notes',
  quoteid: 'vtiger_quotes',
  salesorderid: 'vtiger_salesorder',
  invoiceid: 'vtiger_invoice',
  purchaseorderid: 'vtiger_purchaseorder',
  vendorid: 'vtiger_vendor',
  campaignid: 'vtiger_campaign',
  pricebookid: 'vtiger_pricebook',
  projectid: 'vtiger_project',
  serviceid: 'vtiger_service',
  attachmentsid: 'vtiger_attachments',
  // A product id may be a product or a service: both are crmentity rows.
  productid: 'vtiger_crmentity',
  crmid: 'vtiger_crmentity',
  relcrmid: 'vtiger_crmentity',
};

/** Tables the ID_COLUMNS rule applies to, besides module tables (other tables reuse names: profile2utility.activityid is an action id). */
function linksByName(t: TableInfo, moduleTables: Set<TableInfo>): boolean {
  const n = t.name.toLowerCase();
  if (!n.startsWith('vtiger_') || n === 'vtiger_crmentity') return false;
  return (
    moduleTables.has(t) ||
    /(rel|cf|history|lookup)$/.test(n) ||
    /^vtiger_(invitees|recurringevents|activity_recurring_info|invoice_recurring_info|ticketcomments|activity_reminder|email_access|email_track|mailscanner_ids|modtracker_basic|crmentity_user_field)$/.test(
      n,
    )
  );
}

interface VtigerSchema {
  schema: string;
  crmentity: TableInfo;
  /** Module tables and their key column. */
  modules: { table: TableInfo; key: string; module?: string }[];
}

/**
 * Finds vtiger's module tables: the standard ones, plus any table whose single-column primary key
 * is declared as a foreign key to vtiger_crmentity, plus `vtiger_X` tables that have a `vtiger_Xcf`
 * custom-field table keyed by the same column (modules built with vtlib declare no foreign key).
 */
function readSchema(index: SchemaIndex): VtigerSchema | undefined {
  const schema = index.homeSchema(['vtiger_crmentity', 'vtiger_tab', 'vtiger_field']);
  const crmentity = schema ? index.table(schema, 'vtiger_crmentity') : undefined;
  if (!schema || !crmentity) return undefined;
  const modules = new Map<TableInfo, { table: TableInfo; key: string; module?: string }>();
  for (const [module, name, key] of VTIGER_MODULES) {
    const t = index.table(schema, name);
    const k = t && (t.primaryKey?.columns.length === 1 ? t.primaryKey.columns[0] : column(t, key)?.name);
    if (t && k) modules.set(t, { table: t, key: k, module });
  }
  const tables = index.tablesIn(schema);
  const cfKeys = new Set(tables.filter((t) => /cf$/i.test(t.name) && t.primaryKey?.columns.length === 1).map((t) => t.primaryKey!.columns[0].toLowerCase()));
  for (const t of tables) {
    if (t === crmentity || modules.has(t) || !/^vtiger_/i.test(t.name) || /cf$/i.test(t.name)) continue;
    const pk = t.primaryKey?.columns;
    if (!pk || pk.length !== 1) continue;
    const declared = t.foreignKeys.some((fk) => fk.columns.length === 1 && fk.columns[0] === pk[0] && fk.refTable.toLowerCase() === 'vtiger_crmentity');
    if (declared || (cfKeys.has(pk[0].toLowerCase()) && index.table(schema, `${t.name}cf`))) modules.set(t, { table: t, key: pk[0] });
  }
  return { schema, crmentity, modules: [...modules.values()] };
}

/**
 * The column of `table` that holds the record's crmid when the table is a module table or one of
 * its one-row-per-record extensions (`vtiger_accountscf`, `vtiger_accountbillads`, …).
 */
function recordKey(vt: VtigerSchema, table: TableInfo): string | undefined {
  const m = vt.modules.find((x) => x.table === table);
  if (m) return m.key;
  const pk = table.primaryKey?.columns;
  if (!pk || pk.length !== 1) return undefined;
  const moduleKeys = new Map(vt.modules.map((x) => [x.table.name.toLowerCase(), x.key.toLowerCase()]));
  const declared = table.foreignKeys.find(
    (fk) => fk.columns.length === 1 && fk.columns[0] === pk[0] && moduleKeys.get(fk.refTable.toLowerCase()) === fk.refColumns[0]?.toLowerCase(),
  );
  if (declared) return pk[0];
  if (/cf$/i.test(table.name) && vt.modules.some((x) => x.key.toLowerCase() === pk[0].toLowerCase())) return pk[0];
  return undefined;
}

/**
 * The vtiger_crmentity row of a module table's record: vtiger keeps the deleted flag, owner and
 * times of every record there, keyed by the module table's key (`vtiger_account.accountid =
 * vtiger_crmentity.crmid`). Also for one-row-per-record extensions (`vtiger_accountscf`). Null for
 * other tables. `column` is the table's column holding the crmid.
 */
export function vtigerEntityRow(snapshot: SchemaSnapshot, table: TableRef): { crmentity: TableRef; column: string; crmidColumn: string } | null {
  const index = new SchemaIndex(snapshot);
  const vt = readSchema(index);
  const t = index.get(table);
  const key = vt && t ? recordKey(vt, t) : undefined;
  if (!vt || !key) return null;
  return { crmentity: refOf(vt.crmentity), column: key, crmidColumn: column(vt.crmentity, 'crmid')!.name };
}

/** Scores a snapshot as vtiger. */
export function detectVtiger(snapshot: SchemaSnapshot): Detection {
  const index = new SchemaIndex(snapshot);
  const vt = readSchema(index);
  if (!vt || !hasColumns(vt.crmentity, 'crmid', 'setype', 'deleted')) return NOT_FOUND;
  const s = vt.schema;
  const std = VTIGER_MODULES.slice(0, 5)
    .map(([, n]) => n)
    .filter((n) => index.table(s, n));
  const meta = ['vtiger_tab', 'vtiger_field', 'vtiger_entityname'].filter((n) => index.table(s, n));
  const rels = ['vtiger_crmentityrel', 'vtiger_seactivityrel', 'vtiger_cntactivityrel', 'vtiger_contpotentialrel', 'vtiger_senotesrel'].filter((n) =>
    index.table(s, n),
  );
  return scoreSignals([
    { ok: true, weight: 0.4, evidence: 'vtiger_crmentity(crmid, setype, deleted)' },
    { ok: std.length > 0, weight: 0.04 * std.length, evidence: `module tables ${std.join(', ')}` },
    { ok: meta.length > 0, weight: 0.05 * meta.length, evidence: `metadata tables ${meta.join(', ')}` },
    { ok: hasColumns(index.table(s, 'vtiger_modtracker_basic'), 'crmid', 'status'), weight: 0.1, evidence: 'vtiger_modtracker_basic(crmid, status)' },
    { ok: rels.length > 0, weight: 0.02 * rels.length, evidence: `relation tables ${rels.join(', ')}` },
    { ok: index.table(s, 'vtiger_version') !== undefined, weight: 0.05, evidence: 'vtiger_version' },
  ]);
}

/** vtiger CRM 7/8 (MySQL/MariaDB). */
export const vtigerFlavour: Flavour = {
  id: 'vtiger',
  name: 'vtiger CRM',
  detect: detectVtiger,
  knowledge(snapshot, detection): CrmKnowledge {
    const index = new SchemaIndex(snapshot);
    const vt = readSchema(index);
    const schema = vt?.schema ?? snapshot.schemas[0];
    const t = (name: string) => index.table(schema, name);
    // vtiger writes 0 (or '' in text columns) where a reference is empty.
    const b = new ImpliedRelationBuilder({ noParentValues: ['0', ''] });
    const crmentity = vt?.crmentity;
    const users = t('vtiger_users');
    const moduleTables = new Set(vt?.modules.map((m) => m.table) ?? []);
    if (vt && crmentity) {
      for (const m of vt.modules) b.link(m.table, [m.key], crmentity, ['crmid'], 'vtiger module table: its key is the crmid of the record');
      for (const name of ['smcreatorid', 'modifiedby']) b.link(crmentity, [name], users, ['id'], `vtiger ${name} holds a user id`);
      // Module fields (uitype 10 and friends) that point at other records.
      b.link(t('vtiger_potential'), ['related_to'], crmentity, ['crmid'], 'vtiger potential related_to: an account or contact');
      b.link(t('vtiger_potential'), ['contact_id'], t('vtiger_contactdetails'), ['contactid'], 'vtiger potential contact');
      b.link(t('vtiger_troubletickets'), ['parent_id'], crmentity, ['crmid'], 'vtiger ticket parent: an account or contact (kept as text)');
      b.link(t('vtiger_troubletickets'), ['contact_id'], t('vtiger_contactdetails'), ['contactid'], 'vtiger ticket contact');
      b.link(t('vtiger_contactdetails'), ['reportsto'], t('vtiger_contactdetails'), ['contactid'], 'vtiger contact reports to (kept as text)');
      b.link(t('vtiger_account'), ['parentid'], t('vtiger_account'), ['accountid'], 'vtiger account member of');
      b.link(t('vtiger_modcomments'), ['related_to'], crmentity, ['crmid'], 'vtiger comment on a record');
      b.link(t('vtiger_modtracker_basic'), ['whodid'], users, ['id'], 'vtiger modtracker: who changed it');
      b.link(t('vtiger_modtracker_detail'), ['id'], t('vtiger_modtracker_basic'), ['id'], 'vtiger modtracker detail of a change');
      b.link(t('vtiger_modtracker_relations'), ['id'], t('vtiger_modtracker_basic'), ['id'], 'vtiger modtracker link/unlink of a change');
      b.link(t('vtiger_modtracker_relations'), ['targetid'], crmentity, ['crmid'], 'vtiger modtracker linked record');
      b.link(t('vtiger_relatedlists_rb'), ['entityid'], crmentity, ['crmid'], 'vtiger recycle bin back-links of a deleted record');
      for (const table of index.tablesIn(schema)) {
        if (!linksByName(table, moduleTables)) continue;
        const ownKey = vt.modules.find((m) => m.table === table)?.key.toLowerCase();
        for (const c of table.columns) {
          const target = ID_COLUMNS[c.name.toLowerCase()];
          if (!target || c.name.toLowerCase() === ownKey) continue;
          const parent = t(target);
          const parentKey = parent === crmentity ? 'crmid' : vt.modules.find((m) => m.table === parent)?.key;
          if (parent && parentKey && parent !== table)
            b.link(
              table,
              [c.name],
              parent,
              [parentKey],
              `vtiger ${c.name} holds ${parent === crmentity ? 'a record crmid (any module)' : `a ${parent.name} id`}`,
            );
        }
      }
    }
    const entityTables: TableRef[] = [
      ...(crmentity ? [refOf(crmentity)] : []),
      ...VTIGER_MODULES.map(([, n]) => t(n))
        .filter((x): x is TableInfo => x !== undefined)
        .map(refOf),
      ...(vt?.modules.filter((m) => !m.module).map((m) => refOf(m.table)) ?? []),
    ];
    const auditSources: AuditSourceRef[] = [];
    const audit = (name: string, kind: string, description: string) => {
      const table = t(name);
      if (table) auditSources.push({ table: refOf(table), kind, description });
    };
    audit(
      'vtiger_modtracker_basic',
      'vtiger-modtracker',
      'one row per change of a record (crmid, module, whodid, changedon); status 1 = deleted, 3 = restored, 2 = created, 0 = updated, 4/5 = link/unlink. Tracking is per module (vtiger_modtracker_tabs)',
    );
    audit(
      'vtiger_modtracker_detail',
      'vtiger-modtracker-detail',
      'field values before/after of a modtracker change (id = vtiger_modtracker_basic.id); nothing for deletes',
    );
    audit(
      'vtiger_relatedlists_rb',
      'vtiger-recycle-bin',
      'relation rows removed when a record went to the recycle bin (entityid = crmid), used to restore links',
    );
    const markOf = (): SoftDeleteMark | null => {
      if (!crmentity || !column(crmentity, 'deleted')) return null;
      const touches = ['modifiedtime', 'modifiedby'].map((c) => column(crmentity, c)?.name).filter((c): c is string => c !== undefined);
      return {
        column: column(crmentity, 'deleted')!.name,
        kind: 'flag',
        touches,
        ...(column(crmentity, 'modifiedby') && { actorColumn: column(crmentity, 'modifiedby')!.name }),
        ...(column(crmentity, 'modifiedtime') && { timeColumn: column(crmentity, 'modifiedtime')!.name }),
      };
    };
    return {
      flavour: 'vtiger',
      name: vtigerFlavour.name,
      confidence: detection.score,
      evidence: [
        ...detection.evidence,
        ...(vt
          ? [
              `${vt.modules.length} module tables keyed by crmid (${listNames(
                vt.modules.map((m) => m.table.name),
                4,
              )})`,
            ]
          : []),
      ],
      entityTables,
      softDelete(ref) {
        const table = index.get(ref);
        if (!table) return null;
        if (table.schema !== schema) return commonSoftDelete(snapshot, ref);
        const mark = markOf();
        if (!mark || !crmentity) return null;
        if (table === crmentity) return mark;
        // Module tables are soft-deleted only through their vtiger_crmentity row.
        const key = vt ? recordKey(vt, table) : undefined;
        if (key) return { ...mark, via: { table: refOf(crmentity), columns: [key], refColumns: [column(crmentity, 'crmid')!.name] } };
        return null;
      },
      impliedRelations: b.list(),
      auditSources,
    };
  },
};
