import { describe, expect, it } from 'vitest';
import { detectCrm, scoreFlavours } from '../../src/crm/detect.js';
import type { CrmKnowledge, ImpliedRelation } from '../../src/crm/flavour.js';
import { vtigerEntityRow } from '../../src/crm/flavours/vtiger.js';
import { relatedTables, relationsOf } from '../../src/crm/relations.js';
import type { ColumnInfo, ForeignKeyInfo, SchemaSnapshot, TableInfo } from '../../src/dialect/model.js';

// ---- a tiny snapshot builder -------------------------------------------------------------------

/** `name type` or just `name` (then a type is guessed from the name). */
type ColumnSpec = string;

interface TableSpec {
  schema?: string;
  pk?: string[] | null;
  fks?: { columns: string[]; ref: string; refColumns?: string[]; refSchema?: string }[];
}

function guessType(name: string, engine: SchemaSnapshot['engine']): string {
  if (/^(deleted|active)$/.test(name)) return engine === 'postgres' ? (name === 'active' ? 'boolean' : 'smallint') : 'tinyint(1)';
  if (/(^id$|_id$|^id_c$|_by$)/.test(name)) return 'char(36)';
  if (/(id|^rowid)$/.test(name)) return 'int(11)';
  if (/(date|_at|time)/.test(name)) return 'datetime';
  return 'varchar(255)';
}

function table(engine: SchemaSnapshot['engine'], schema: string, name: string, columns: ColumnSpec[], spec: TableSpec = {}): TableInfo {
  const cols: ColumnInfo[] = columns.map((c, i) => {
    const [n, ...type] = c.split(' ');
    return { name: n, dataType: type.join(' ') || guessType(n, engine), nullable: true, default: null, ordinal: i + 1, autoIncrement: false, generated: false };
  });
  const pk = spec.pk === null ? null : (spec.pk ?? (cols[0] ? [cols[0].name] : []));
  const fks: ForeignKeyInfo[] = (spec.fks ?? []).map((f, i) => ({
    name: `fk_${name}_${i}`,
    columns: f.columns,
    refSchema: f.refSchema ?? spec.schema ?? schema,
    refTable: f.ref,
    refColumns: f.refColumns ?? ['id'],
    onDelete: 'NO ACTION',
  }));
  return {
    schema: spec.schema ?? schema,
    name,
    columns: cols,
    primaryKey: pk ? { name: 'PRIMARY', columns: pk } : null,
    uniqueKeys: [],
    foreignKeys: fks,
    rowEstimate: 0,
    bytes: 0,
  };
}

/** A snapshot from `{ table: [columns] }` or `{ table: [[columns], spec] }`. */
function snapshot(defs: Record<string, ColumnSpec[] | [ColumnSpec[], TableSpec]>, engine: SchemaSnapshot['engine'] = 'mysql', schema = 'crm'): SchemaSnapshot {
  const tables = Object.entries(defs).map(([name, def]) => {
    const [cols, spec] = Array.isArray(def[0]) ? (def as [ColumnSpec[], TableSpec]) : [def as ColumnSpec[], {}];
    return table(engine, spec.schema ?? schema, name, cols, spec);
  });
  return {
    engine,
    database: 'crm',
    serverVersion: engine === 'postgres' ? '15.0' : '10.11.0-MariaDB',
    schemas: [...new Set(tables.map((t) => t.schema))],
    tables,
  };
}

const rel = (k: CrmKnowledge, child: string, column: string, discriminator?: string): ImpliedRelation[] =>
  k.impliedRelations.filter(
    (r) => r.child.name === child && r.childColumns.includes(column) && (discriminator === undefined || r.discriminator?.value === discriminator),
  );
const parentsOf = (k: CrmKnowledge, child: string, column: string) =>
  rel(k, child, column).map((r) => (r.discriminator ? `${r.discriminator.value}:${r.parent.name}` : r.parent.name));
const ref = (s: SchemaSnapshot, name: string) => {
  const t = s.tables.find((x) => x.name === name)!;
  return { schema: t.schema, name: t.name };
};

// ---- minimal schemas per flavour ----------------------------------------------------------------

const SUGAR_RECORD = ['id', 'name', 'date_entered', 'date_modified', 'modified_user_id', 'created_by', 'assigned_user_id', 'deleted'];

function suitecrm(): SchemaSnapshot {
  return snapshot({
    users: ['id', 'user_name', 'date_modified', 'modified_user_id', 'created_by', 'reports_to_id', 'deleted'],
    accounts: [...SUGAR_RECORD, 'parent_id', 'campaign_id'],
    contacts: [...SUGAR_RECORD, 'reports_to_id'],
    opportunities: [...SUGAR_RECORD, 'campaign_id'],
    accounts_contacts: ['id', 'contact_id', 'account_id', 'date_modified', 'deleted'],
    accounts_opportunities: ['id', 'opportunity_id', 'account_id', 'date_modified', 'deleted'],
    calls: [...SUGAR_RECORD, 'parent_type', 'parent_id'],
    notes: [...SUGAR_RECORD, 'parent_type', 'parent_id', 'contact_id'],
    email_addr_bean_rel: ['id', 'email_address_id', 'bean_id', 'bean_module', 'date_modified', 'deleted'],
    accounts_cstm: [['id_c', 'jjwg_maps_lat_c'], { pk: ['id_c'] }],
    accounts_audit: ['id', 'parent_id', 'date_created', 'created_by', 'field_name', 'data_type', 'before_value_string', 'after_value_string'],
    config: [['category', 'name', 'value'], { pk: null }],
    relationships: ['id', 'relationship_name', 'lhs_module', 'lhs_table', 'rhs_module', 'rhs_table', 'deleted'],
    fields_meta_data: ['id', 'name', 'custom_module'],
    fp_events_contacts_c: ['id', 'date_modified', 'deleted', 'fp_events_contactsfp_events_ida', 'fp_events_contactscontacts_idb'],
    fp_events: [...SUGAR_RECORD],
  });
}

function demo(engine: SchemaSnapshot['engine'] = 'mysql'): SchemaSnapshot {
  const schema = engine === 'postgres' ? 'public' : 'crm_demo';
  return snapshot(
    {
      users: ['id', 'user_name', 'date_entered', 'deleted'],
      accounts: SUGAR_RECORD,
      contacts: SUGAR_RECORD,
      accounts_contacts: [
        ['id', 'account_id', 'contact_id', 'date_modified', 'deleted'],
        {
          fks: [
            { columns: ['account_id'], ref: 'accounts' },
            { columns: ['contact_id'], ref: 'contacts' },
          ],
        },
      ],
      opportunities: [[...SUGAR_RECORD, 'account_id'], { fks: [{ columns: ['account_id'], ref: 'accounts' }] }],
      calls: [...SUGAR_RECORD, 'parent_type', 'parent_id'],
      notes: [...SUGAR_RECORD, 'parent_type', 'parent_id', 'contact_id'],
      history: ['id bigint', 'table_name', 'record_id char(36)', 'action', 'user_id', 'changed_at', 'changes json'],
    },
    engine,
    schema,
  );
}

function vtiger(): SchemaSnapshot {
  const crm = { ref: 'vtiger_crmentity', refColumns: ['crmid'] };
  return snapshot({
    vtiger_crmentity: [
      'crmid int(19)',
      'smcreatorid int(19)',
      'smownerid int(19)',
      'modifiedby int(19)',
      'setype',
      'createdtime',
      'modifiedtime',
      'deleted int(1)',
    ],
    vtiger_account: [['accountid int(19)', 'accountname', 'parentid int(19)'], { fks: [{ columns: ['accountid'], ...crm }] }],
    vtiger_accountscf: [['accountid int(19)', 'cf_901'], { fks: [{ columns: ['accountid'], ref: 'vtiger_account', refColumns: ['accountid'] }] }],
    vtiger_contactdetails: [['contactid int(19)', 'accountid int(19)', 'lastname'], { fks: [{ columns: ['contactid'], ...crm }] }],
    vtiger_crmentityrel: [['crmid int(11)', 'module', 'relcrmid int(11)', 'relmodule'], { pk: null }],
    vtiger_cntactivityrel: [['contactid int(19)', 'activityid int(19)'], { pk: ['contactid', 'activityid'] }],
    // A vtlib module: no foreign key to vtiger_crmentity, but a custom-field table.
    vtiger_widget: ['widgetid int(11)', 'widgetname'],
    vtiger_widgetcf: ['widgetid int(11)'],
    vtiger_modtracker_basic: ['id int(20)', 'crmid int(20)', 'module', 'whodid int(20)', 'changedon', 'status int(1)'],
    vtiger_modtracker_detail: [['id int(11)', 'fieldname', 'prevalue', 'postvalue'], { pk: null }],
    vtiger_users: ['id int(11)', 'user_name'],
    vtiger_tab: ['tabid int(19)', 'name'],
    vtiger_field: ['fieldid int(19)', 'tabid int(19)'],
    vtiger_profile2utility: [['profileid int(11)', 'tabid int(11)', 'activityid int(11)'], { pk: ['profileid', 'tabid', 'activityid'] }],
  });
}

function espocrm(): SchemaSnapshot {
  const rec = [
    'id varchar(17)',
    'name',
    'deleted',
    'created_at',
    'modified_at',
    'created_by_id varchar(17)',
    'modified_by_id varchar(17)',
    'assigned_user_id varchar(17)',
  ];
  return snapshot({
    account: [...rec, 'campaign_id varchar(17)'],
    contact: [...rec, 'account_id varchar(17)'],
    user: ['id varchar(17)', 'deleted', 'user_name', 'delete_id varchar(17)'],
    call: [...rec, 'parent_id varchar(17)', 'parent_type varchar(100)', 'account_id varchar(17)'],
    account_contact: ['id bigint(20)', 'account_id varchar(17)', 'contact_id varchar(17)', 'role', 'deleted'],
    action_history_record: [
      'id varchar(17)',
      'deleted',
      'number bigint',
      'target_type varchar(100)',
      'target_id varchar(17)',
      'data',
      'action',
      'created_at',
      'user_id varchar(17)',
    ],
    entity_email_address: ['id bigint(20)', 'entity_id varchar(17)', 'email_address_id varchar(17)', 'entity_type varchar(100)', 'deleted'],
    email_address: ['id varchar(17)', 'name', 'deleted'],
    note: [
      'id varchar(17)',
      'deleted',
      'type',
      'parent_id varchar(17)',
      'parent_type varchar(100)',
      'super_parent_id varchar(17)',
      'super_parent_type varchar(100)',
    ],
    scheduled_job: ['id varchar(17)', 'name'],
    job: ['id varchar(17)', 'scheduled_job_id varchar(17)'],
    system_data: ['id varchar(1)', 'last_password_recovery_date'],
  });
}

function dolibarr(prefix = 'llx_'): SchemaSnapshot {
  const p = prefix;
  return snapshot({
    [`${p}societe`]: ['rowid int(11)', 'nom', 'parent int(11)', 'fk_user_creat int(11)', 'fk_user_modif int(11)', 'fk_pays int(11)', 'tms'],
    [`${p}socpeople`]: [
      ['rowid int(11)', 'fk_soc int(11)', 'lastname', 'fk_user_creat int(11)'],
      { fks: [{ columns: ['fk_soc'], ref: `${p}societe`, refColumns: ['rowid'] }] },
    ],
    [`${p}actioncomm`]: ['id int(11)', 'code', 'fk_soc int(11)', 'fk_contact int(11)', 'fk_user_author int(11)', 'fk_element int(11)', 'elementtype', 'label'],
    [`${p}user`]: ['rowid int(11)', 'login', 'fk_user int(11)', 'fk_soc int(11)'],
    [`${p}societe_extrafields`]: ['rowid int(11)', 'fk_object int(11)'],
    [`${p}c_actioncomm`]: ['id int(11)', 'code'],
    [`${p}events`]: ['rowid int(11)', 'type', 'fk_user int(11)', 'dateevent'],
    [`${p}projet`]: ['rowid int(11)', 'fk_soc int(11)', 'title'],
  });
}

function odoo(): SchemaSnapshot {
  const audit = ['create_uid integer', 'write_uid integer', 'create_date timestamp', 'write_date timestamp'];
  return snapshot(
    {
      res_partner: ['id integer', 'name character varying', 'active boolean', 'is_company boolean', 'commercial_partner_id integer', ...audit],
      res_users: ['id integer', 'login character varying', 'partner_id integer', 'active boolean', ...audit],
      res_company: ['id integer', 'name character varying'],
      ir_model: ['id integer', 'model character varying'],
      ir_model_data: ['id integer', 'module character varying', 'name character varying', 'model character varying', 'res_id integer'],
      ir_ui_view: ['id integer', 'name character varying'],
      mail_message: ['id integer', 'model character varying', 'res_id integer', 'message_type character varying', 'author_id integer', 'date timestamp'],
      mail_tracking_value: [
        ['id integer', 'mail_message_id integer', 'field_desc character varying'],
        { fks: [{ columns: ['mail_message_id'], ref: 'mail_message' }] },
      ],
      mail_activity: ['id integer', 'res_model character varying', 'res_id integer', 'res_model_id integer'],
    },
    'postgres',
    'public',
  );
}

function twenty(): SchemaSnapshot {
  const ws = 'workspace_1wgvd1injqtife6y4rvfbu3h5';
  const rec = [
    'id uuid',
    'name text',
    'position double precision',
    'createdAt timestamp with time zone',
    'updatedAt timestamp with time zone',
    'deletedAt timestamp with time zone',
    'createdByWorkspaceMemberId uuid',
  ];
  return snapshot(
    {
      workspaceMember: [['id uuid', 'nameFirstName text', 'userId uuid', 'deletedAt timestamp with time zone'], { schema: ws }],
      company: [[...rec, 'accountOwnerId uuid'], { schema: ws, fks: [{ columns: ['accountOwnerId'], ref: 'workspaceMember' }] }],
      person: [[...rec, 'companyId uuid'], { schema: ws, fks: [{ columns: ['companyId'], ref: 'company' }] }],
      opportunity: [[...rec, 'companyId uuid', 'pointOfContactId uuid'], { schema: ws }],
      note: [rec, { schema: ws }],
      noteTarget: [['id uuid', 'noteId uuid', 'personId uuid', 'targetCompanyId uuid', 'deletedAt timestamp with time zone'], { schema: ws }],
      timelineActivity: [
        [
          'id uuid',
          'happensAt timestamp with time zone',
          'name text',
          'properties jsonb',
          'linkedRecordId uuid',
          'workspaceMemberId uuid',
          'companyId uuid',
          'personId uuid',
          'deletedAt timestamp with time zone',
        ],
        { schema: ws, fks: [{ columns: ['companyId'], ref: 'company' }] },
      ],
      settings: [['id integer', 'deleted_at timestamp'], { schema: 'public' }],
    },
    'postgres',
    'public',
  );
}

// ---- detection ----------------------------------------------------------------------------------

describe('detectCrm', () => {
  const cases: [string, () => SchemaSnapshot, string, RegExp][] = [
    ['suitecrm', suitecrm, 'suitecrm', /config\(category, name, value\)/],
    ['demo (mysql)', () => demo('mysql'), 'demo', /history\(id, table_name, record_id/],
    ['demo (postgres)', () => demo('postgres'), 'demo', /accounts_contacts declares foreign keys/],
    ['vtiger', vtiger, 'vtiger', /vtiger_crmentity\(crmid, setype, deleted\)/],
    ['espocrm', espocrm, 'espocrm', /action_history_record\(target_type, target_id, action\)/],
    ['dolibarr', () => dolibarr(), 'dolibarr', /llx_societe, llx_socpeople \(prefix llx_\)/],
    ['dolibarr with another prefix', () => dolibarr('erp_'), 'dolibarr', /erp_societe, erp_socpeople \(prefix erp_\)/],
    ['odoo', odoo, 'odoo', /ir_model_data\(module, name, model, res_id\)/],
    ['twenty', twenty, 'twenty', /workspace_1wgvd1injqtife6y4rvfbu3h5/],
  ];
  it.each(cases)('detects %s from a minimal schema, with evidence', (_label, make, flavour, evidence) => {
    const k = detectCrm(make());
    expect(k.flavour).toBe(flavour);
    expect(k.confidence).toBeGreaterThanOrEqual(0.5);
    expect(k.evidence.join('\n')).toMatch(evidence);
  });

  it('prefers demo over suitecrm on the demo schema, and suitecrm over demo on SuiteCRM', () => {
    const onDemo = scoreFlavours(demo());
    expect(onDemo[0].id).toBe('demo');
    expect(onDemo.find((s) => s.id === 'suitecrm')!.score).toBeLessThan(0.5);
    const onSuite = scoreFlavours(suitecrm());
    expect(onSuite[0].id).toBe('suitecrm');
    expect(onSuite.find((s) => s.id === 'demo')!.score).toBe(0);
  });

  it('lowers the demo score when SuiteCRM system tables are present', () => {
    const s = demo();
    s.tables.push(table('mysql', 'crm_demo', 'config', ['category', 'name', 'value'], { pk: null }));
    s.tables.push(table('mysql', 'crm_demo', 'accounts_cstm', ['id_c'], { pk: ['id_c'] }));
    const demoScore = scoreFlavours(s).find((x) => x.id === 'demo')!;
    expect(demoScore.score).toBeLessThan(scoreFlavours(demo()).find((x) => x.id === 'demo')!.score);
    expect(demoScore.evidence.join('\n')).toMatch(/but: SuiteCRM tables config, accounts_cstm/);
  });

  it('falls back to generic for a schema with declared foreign keys only', () => {
    const k = detectCrm(
      snapshot({
        customers: ['id int', 'name'],
        orders: [['id int', 'customer_id int', 'total'], { fks: [{ columns: ['customer_id'], ref: 'customers' }] }],
      }),
    );
    expect(k.flavour).toBe('generic');
    expect(k.evidence).toEqual(['no known CRM tables found']);
    expect(k.impliedRelations).toEqual([]);
  });

  it('does not call common table names SuiteCRM, and says what it almost found', () => {
    const k = detectCrm(snapshot({ accounts: ['id', 'name', 'deleted'], contacts: ['id', 'name'], users: ['id', 'login'] }));
    expect(k.flavour).toBe('generic');
    expect(k.evidence[0]).toMatch(/best guess SuiteCRM \/ SugarCRM CE scored only/);
    expect(k.softDelete({ schema: 'crm', name: 'accounts' })).toEqual({ column: 'deleted', kind: 'flag', touches: [] });
  });

  it('finds Twenty among other PostgreSQL schemas', () => {
    const s = twenty();
    s.tables.push(table('postgres', 'core', 'workspace', ['id uuid', 'displayName text']));
    s.schemas.push('core');
    const k = detectCrm(s);
    expect(k.flavour).toBe('twenty');
    expect(k.evidence.join('\n')).toMatch(/core\.workspace/);
    expect(k.entityTables.every((t) => t.schema.startsWith('workspace_'))).toBe(true);
  });
});

// ---- soft-delete marks --------------------------------------------------------------------------

describe('soft-delete marks', () => {
  it('SuiteCRM: deleted flag touching date_modified and modified_user_id; _cstm follows its base row', () => {
    const s = suitecrm();
    const k = detectCrm(s);
    expect(k.softDelete(ref(s, 'accounts'))).toEqual({
      column: 'deleted',
      kind: 'flag',
      touches: ['date_modified', 'modified_user_id'],
      actorColumn: 'modified_user_id',
      timeColumn: 'date_modified',
    });
    expect(k.softDelete(ref(s, 'accounts_contacts'))).toMatchObject({ column: 'deleted', touches: ['date_modified'] });
    expect(k.softDelete(ref(s, 'accounts_cstm'))).toMatchObject({
      column: 'deleted',
      via: { table: { name: 'accounts' }, columns: ['id_c'], refColumns: ['id'] },
    });
    expect(k.softDelete(ref(s, 'accounts_audit'))).toBeNull();
    expect(k.softDelete({ schema: 'crm', name: 'no_such_table' })).toBeNull();
  });

  it('demo: deleted flags like SuiteCRM, no mark on the change log', () => {
    const s = demo();
    const k = detectCrm(s);
    expect(k.softDelete(ref(s, 'contacts'))).toMatchObject({ column: 'deleted', kind: 'flag', touches: ['date_modified', 'modified_user_id'] });
    expect(k.softDelete(ref(s, 'users'))).toMatchObject({ column: 'deleted', touches: [] });
    expect(k.softDelete(ref(s, 'history'))).toBeNull();
  });

  it('vtiger: only vtiger_crmentity carries the flag; module tables point at it', () => {
    const s = vtiger();
    const k = detectCrm(s);
    const mark = { column: 'deleted', kind: 'flag', touches: ['modifiedtime', 'modifiedby'], actorColumn: 'modifiedby', timeColumn: 'modifiedtime' };
    expect(k.softDelete(ref(s, 'vtiger_crmentity'))).toEqual(mark);
    expect(k.softDelete(ref(s, 'vtiger_account'))).toEqual({
      ...mark,
      via: { table: { schema: 'crm', name: 'vtiger_crmentity' }, columns: ['accountid'], refColumns: ['crmid'] },
    });
    expect(k.softDelete(ref(s, 'vtiger_accountscf'))?.via?.columns).toEqual(['accountid']);
    expect(k.softDelete(ref(s, 'vtiger_widget'))?.via?.columns).toEqual(['widgetid']);
    expect(k.softDelete(ref(s, 'vtiger_tab'))).toBeNull();
    expect(vtigerEntityRow(s, ref(s, 'vtiger_contactdetails'))).toEqual({
      crmentity: { schema: 'crm', name: 'vtiger_crmentity' },
      column: 'contactid',
      crmidColumn: 'crmid',
    });
    expect(vtigerEntityRow(s, ref(s, 'vtiger_crmentityrel'))).toBeNull();
  });

  it('EspoCRM: deleted flag touching modified_at and modified_by_id', () => {
    const s = espocrm();
    const k = detectCrm(s);
    expect(k.softDelete(ref(s, 'contact'))).toEqual({
      column: 'deleted',
      kind: 'flag',
      touches: ['modified_at', 'modified_by_id'],
      actorColumn: 'modified_by_id',
      timeColumn: 'modified_at',
    });
    expect(k.softDelete(ref(s, 'account_contact'))).toEqual({ column: 'deleted', kind: 'flag', touches: [] });
  });

  it('Dolibarr: no soft delete at all', () => {
    const s = dolibarr();
    const k = detectCrm(s);
    for (const t of s.tables) expect(k.softDelete(ref(s, t.name))).toBeNull();
  });

  it('Odoo: active = false archives; tables without active have no mark', () => {
    const s = odoo();
    const k = detectCrm(s);
    expect(k.softDelete(ref(s, 'res_partner'))).toEqual({
      column: 'active',
      kind: 'active',
      touches: ['write_date', 'write_uid'],
      actorColumn: 'write_uid',
      timeColumn: 'write_date',
    });
    expect(k.softDelete(ref(s, 'mail_message'))).toBeNull();
  });

  it('Twenty: "deletedAt" timestamps in workspace schemas, common marks elsewhere', () => {
    const s = twenty();
    const k = detectCrm(s);
    // TypeORM's softDelete sets the update-date column with the delete-date column.
    expect(k.softDelete(ref(s, 'company'))).toEqual({ column: 'deletedAt', kind: 'timestamp', touches: ['updatedAt'], timeColumn: 'deletedAt' });
    expect(k.softDelete(ref(s, 'workspaceMember'))).toEqual({ column: 'deletedAt', kind: 'timestamp', touches: [], timeColumn: 'deletedAt' });
    expect(k.softDelete(ref(s, 'settings'))).toEqual({ column: 'deleted_at', kind: 'timestamp', touches: [] });
  });
});

// ---- implied relations --------------------------------------------------------------------------

describe('implied relations', () => {
  it('SuiteCRM: relation tables, custom fields, audit rows, users, polymorphic parents', () => {
    const k = detectCrm(suitecrm());
    expect(parentsOf(k, 'accounts_contacts', 'account_id')).toEqual(['accounts']);
    expect(parentsOf(k, 'accounts_contacts', 'contact_id')).toEqual(['contacts']);
    expect(parentsOf(k, 'accounts_opportunities', 'opportunity_id')).toEqual(['opportunities']);
    expect(parentsOf(k, 'accounts_cstm', 'id_c')).toEqual(['accounts']);
    expect(parentsOf(k, 'accounts_audit', 'parent_id')).toEqual(['accounts']);
    expect(parentsOf(k, 'accounts', 'parent_id')).toEqual(['accounts']);
    expect(parentsOf(k, 'contacts', 'reports_to_id')).toEqual(['contacts']);
    for (const c of ['created_by', 'modified_user_id', 'assigned_user_id']) expect(parentsOf(k, 'opportunities', c)).toEqual(['users']);
    expect(parentsOf(k, 'notes', 'contact_id')).toEqual(['contacts']);
    expect(parentsOf(k, 'calls', 'parent_id').sort()).toEqual(
      ['Accounts:accounts', 'Calls:calls', 'Contacts:contacts', 'FP_events:fp_events', 'Notes:notes', 'Opportunities:opportunities', 'Users:users'].sort(),
    );
    expect(rel(k, 'calls', 'parent_id', 'Accounts')[0]).toMatchObject({ discriminator: { column: 'parent_type', value: 'Accounts' }, parentColumns: ['id'] });
    expect(parentsOf(k, 'email_addr_bean_rel', 'bean_id')).toContain('Contacts:contacts');
    expect(parentsOf(k, 'fp_events_contacts_c', 'fp_events_contactsfp_events_ida')).toEqual(['fp_events']);
    expect(parentsOf(k, 'fp_events_contacts_c', 'fp_events_contactscontacts_idb')).toEqual(['contacts']);
  });

  it('SuiteCRM: invents nothing for tables or columns that are not there', () => {
    const k = detectCrm(suitecrm());
    const names = new Set(suitecrm().tables.map((t) => t.name));
    for (const r of k.impliedRelations) {
      expect(names.has(r.child.name)).toBe(true);
      expect(names.has(r.parent.name)).toBe(true);
    }
    expect(parentsOf(k, 'calls', 'parent_id')).not.toContain('Leads:leads');
    expect(parentsOf(k, 'email_addr_bean_rel', 'email_address_id')).toEqual([]); // no email_addresses table
    expect(parentsOf(k, 'accounts', 'campaign_id')).toEqual([]); // no campaigns table
  });

  it('demo: implies only what the demo does not declare', () => {
    const k = detectCrm(demo());
    expect(parentsOf(k, 'accounts_contacts', 'account_id')).toEqual([]); // declared
    expect(parentsOf(k, 'opportunities', 'account_id')).toEqual([]); // declared
    expect(parentsOf(k, 'calls', 'parent_id').sort()).toEqual(['Accounts:accounts', 'Contacts:contacts', 'Opportunities:opportunities']);
    expect(parentsOf(k, 'notes', 'contact_id')).toEqual(['contacts']);
    expect(parentsOf(k, 'accounts', 'assigned_user_id')).toEqual(['users']);
    expect(parentsOf(k, 'history', 'user_id')).toEqual(['users']);
    expect(rel(k, 'history', 'record_id', 'accounts')[0]).toMatchObject({
      parent: { name: 'accounts' },
      discriminator: { column: 'table_name', value: 'accounts' },
    });
    const relations = relationsOf(demo(), k);
    const related = relatedTables(relations, ref(demo(), 'accounts'))
      .map((t) => t.name)
      .sort();
    expect(related).toEqual(expect.arrayContaining(['accounts_contacts', 'calls', 'history', 'notes', 'opportunities', 'users']));
  });

  it('vtiger: module keys to crmentity where not declared, relation tables, modtracker', () => {
    const k = detectCrm(vtiger());
    expect(parentsOf(k, 'vtiger_account', 'accountid')).toEqual([]); // declared
    expect(parentsOf(k, 'vtiger_widget', 'widgetid')).toEqual(['vtiger_crmentity']);
    expect(parentsOf(k, 'vtiger_crmentityrel', 'crmid')).toEqual(['vtiger_crmentity']);
    expect(parentsOf(k, 'vtiger_crmentityrel', 'relcrmid')).toEqual(['vtiger_crmentity']);
    expect(parentsOf(k, 'vtiger_cntactivityrel', 'contactid')).toEqual(['vtiger_contactdetails']);
    expect(parentsOf(k, 'vtiger_cntactivityrel', 'activityid')).toEqual([]); // no vtiger_activity table
    expect(parentsOf(k, 'vtiger_contactdetails', 'accountid')).toEqual(['vtiger_account']);
    expect(parentsOf(k, 'vtiger_account', 'parentid')).toEqual(['vtiger_account']);
    expect(parentsOf(k, 'vtiger_modtracker_basic', 'crmid')).toEqual(['vtiger_crmentity']);
    expect(parentsOf(k, 'vtiger_modtracker_detail', 'id')).toEqual(['vtiger_modtracker_basic']);
    expect(parentsOf(k, 'vtiger_crmentity', 'modifiedby')).toEqual(['vtiger_users']);
    expect(parentsOf(k, 'vtiger_profile2utility', 'activityid')).toEqual([]); // an action id, not an activity
    expect(k.entityTables.map((t) => t.name)).toEqual(['vtiger_crmentity', 'vtiger_account', 'vtiger_contactdetails', 'vtiger_widget']);
  });

  it('EspoCRM: link columns, polymorphic parent_type/target_type/entity_type', () => {
    const k = detectCrm(espocrm());
    expect(parentsOf(k, 'account_contact', 'account_id')).toEqual(['account']);
    expect(parentsOf(k, 'contact', 'account_id')).toEqual(['account']);
    expect(parentsOf(k, 'contact', 'modified_by_id')).toEqual(['user']);
    expect(parentsOf(k, 'call', 'parent_id')).toEqual(expect.arrayContaining(['Account:account', 'Contact:contact']));
    expect(parentsOf(k, 'action_history_record', 'target_id')).toEqual(expect.arrayContaining(['Contact:contact']));
    expect(parentsOf(k, 'entity_email_address', 'entity_id')).toContain('Account:account');
    expect(parentsOf(k, 'entity_email_address', 'email_address_id')).toEqual(['email_address']);
    expect(parentsOf(k, 'user', 'delete_id')).toEqual([]);
    expect(parentsOf(k, 'account', 'campaign_id')).toEqual([]); // no campaign table
  });

  it('Dolibarr: fk_ columns where not declared, extrafields, elementtype + fk_element', () => {
    const k = detectCrm(dolibarr('erp_'));
    expect(parentsOf(k, 'erp_socpeople', 'fk_soc')).toEqual([]); // declared
    expect(parentsOf(k, 'erp_actioncomm', 'fk_soc')).toEqual(['erp_societe']);
    expect(parentsOf(k, 'erp_actioncomm', 'fk_contact')).toEqual(['erp_socpeople']);
    expect(parentsOf(k, 'erp_actioncomm', 'fk_user_author')).toEqual(['erp_user']);
    expect(parentsOf(k, 'erp_user', 'fk_user')).toEqual(['erp_user']);
    expect(parentsOf(k, 'erp_societe_extrafields', 'fk_object')).toEqual(['erp_societe']);
    expect(parentsOf(k, 'erp_societe', 'parent')).toEqual(['erp_societe']);
    expect(parentsOf(k, 'erp_societe', 'fk_pays')).toEqual([]); // dictionary not in the snapshot
    const elements = parentsOf(k, 'erp_actioncomm', 'fk_element');
    expect(elements).toEqual(expect.arrayContaining(['societe:erp_societe', 'contact:erp_socpeople', 'project:erp_projet', 'user:erp_user']));
    expect(elements.some((e) => e.includes('facture'))).toBe(false); // no invoice table here
    expect(rel(k, 'erp_actioncomm', 'fk_soc')[0].parentColumns).toEqual(['rowid']);
    expect(rel(k, 'erp_societe_extrafields', 'fk_object')[0].parentColumns).toEqual(['rowid']);
    expect(rel(k, 'erp_actioncomm', 'fk_element', 'action')[0].parentColumns).toEqual(['id']);
  });

  it('Odoo: (model, res_id) pairs to the business models present', () => {
    const k = detectCrm(odoo());
    expect(parentsOf(k, 'mail_message', 'res_id')).toEqual(
      expect.arrayContaining(['res.partner:res_partner', 'res.users:res_users', 'res.company:res_company']),
    );
    expect(parentsOf(k, 'mail_message', 'res_id').some((p) => p.includes('crm_lead'))).toBe(false);
    expect(parentsOf(k, 'mail_activity', 'res_id')).toContain('res.partner:res_partner');
    expect(parentsOf(k, 'mail_tracking_value', 'mail_message_id')).toEqual([]); // declared
  });

  it('Twenty: undeclared <x>Id and target<X>Id columns', () => {
    const k = detectCrm(twenty());
    expect(parentsOf(k, 'company', 'accountOwnerId')).toEqual([]); // declared
    expect(parentsOf(k, 'company', 'createdByWorkspaceMemberId')).toEqual(['workspaceMember']);
    expect(parentsOf(k, 'noteTarget', 'noteId')).toEqual(['note']);
    expect(parentsOf(k, 'noteTarget', 'targetCompanyId')).toEqual(['company']);
    expect(parentsOf(k, 'opportunity', 'pointOfContactId')).toEqual(['person']);
    expect(parentsOf(k, 'timelineActivity', 'companyId')).toEqual([]); // declared
    expect(parentsOf(k, 'timelineActivity', 'linkedRecordId')).toEqual([]);
    expect(rel(k, 'noteTarget', 'noteId')[0].parent.schema).toBe('workspace_1wgvd1injqtife6y4rvfbu3h5');
  });
});

// ---- entity tables and audit sources ------------------------------------------------------------

describe('entity tables and audit sources', () => {
  const cases: [string, () => SchemaSnapshot, string[], [string, string][]][] = [
    ['suitecrm', suitecrm, ['accounts', 'contacts', 'opportunities', 'calls', 'notes', 'users'], [['accounts_audit', 'suitecrm-audit']]],
    ['demo', () => demo(), ['accounts', 'contacts', 'opportunities', 'calls', 'notes', 'users'], [['history', 'demo-history']]],
    [
      'vtiger',
      vtiger,
      ['vtiger_crmentity', 'vtiger_account', 'vtiger_contactdetails', 'vtiger_widget'],
      [
        ['vtiger_modtracker_basic', 'vtiger-modtracker'],
        ['vtiger_modtracker_detail', 'vtiger-modtracker-detail'],
      ],
    ],
    [
      'espocrm',
      espocrm,
      ['account', 'contact', 'call', 'user'],
      [
        ['action_history_record', 'espocrm-action-history'],
        ['note', 'espocrm-stream'],
      ],
    ],
    [
      'dolibarr',
      () => dolibarr(),
      ['llx_societe', 'llx_socpeople', 'llx_actioncomm', 'llx_projet', 'llx_user'],
      [
        ['llx_actioncomm', 'dolibarr-agenda'],
        ['llx_events', 'dolibarr-security-events'],
      ],
    ],
    [
      'odoo',
      odoo,
      ['res_partner', 'mail_activity', 'res_company', 'res_users'],
      [
        ['mail_message', 'odoo-mail-message'],
        ['mail_tracking_value', 'odoo-mail-tracking'],
      ],
    ],
    ['twenty', twenty, ['company', 'person', 'opportunity', 'note', 'workspaceMember'], [['timelineActivity', 'twenty-timeline']]],
  ];
  it.each(cases)('%s', (_label, make, entities, audits) => {
    const k = detectCrm(make());
    expect(k.entityTables.map((t) => t.name)).toEqual(entities);
    expect(k.auditSources.map((a) => [a.table.name, a.kind])).toEqual(audits);
    for (const a of k.auditSources) expect(a.description.length).toBeGreaterThan(20);
  });

  it('mentions AC_*_DELETE codes for Dolibarr and status 1 for vtiger', () => {
    expect(detectCrm(dolibarr()).auditSources[0].description).toMatch(/AC_COMPANY_DELETE/);
    expect(detectCrm(vtiger()).auditSources[0].description).toMatch(/status 1 = deleted/);
  });
});
