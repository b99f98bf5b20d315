import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { detectCrm, scoreFlavours } from '../../src/crm/detect.js';
import type { CrmKnowledge, FlavourId, ImpliedRelation } from '../../src/crm/flavour.js';
import { relationsOf } from '../../src/crm/relations.js';
import type { SchemaSnapshot } from '../../src/dialect/model.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { dolibarrDdlFiles, haveSchemas, loadMysql, loadPostgres, repoRoot, SCHEMAS, shared } from '../helpers/crm-dumps.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

// Real CRM schemas and dumps, from other projects: read in place, never copied into this repo.
if (!haveSchemas) console.log(`crm-detect: skipped: ${SCHEMAS} not found (only in the development workspace; CRM_RESCUE_CRM_SCHEMAS points elsewhere)`);
/** Older versions of the same CRMs (vtiger 7, SuiteCRM 7.11): slower, so only on request. */
const allDumps = haveSchemas && process.env.CRM_RESCUE_TEST_ALL_DUMPS === '1';
if (haveSchemas && !allDumps) console.log('crm-detect: vtiger 7 and SuiteCRM 7.11 skipped (set CRM_RESCUE_TEST_ALL_DUMPS=1 to load them too)');

// ---- loading dumps: the same loaders as the end-to-end tests (test/helpers/crm-dumps.ts) -------

/** Dolibarr's DDL as one script, in the installer's order (the loader goes on past errors). */
const dolibarrDdl = (dir: string): string =>
  dolibarrDdlFiles(dir)
    .map((f) => f.sql)
    .join(';\n');

interface Loaded {
  temp: TempDb;
  db: Db;
  snapshot: SchemaSnapshot;
  knowledge: CrmKnowledge;
}

/**
 * Database loads registered by the blocks, one queue per server, run from the start of the file.
 * The PostgreSQL queue (Odoo's schema: the longest load) goes first in its own queue, not behind
 * the MariaDB dumps: each server loads one database at a time, both servers at once.
 */
const pending: Record<TestEngine, (() => Promise<void>)[]> = { postgres: [], mysql: [] };

beforeAll(() => {
  // Loading the dumps dominates this file's time: overlap the loads instead of running them block
  // by block. Each block's beforeAll waits for its own database; failures are reported there.
  for (const queue of Object.values(pending)) {
    void (async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await job();
    })();
  }
});

/**
 * Creates a temp database, loads it, introspects it and detects the CRM, once per describe block.
 * `enabled` false registers nothing (for blocks skipped because their files are absent).
 */
function useDatabase(engine: TestEngine, prefix: string, load: (temp: TempDb) => Promise<void>, enabled = true): () => Loaded {
  let loaded: Loaded | undefined;
  let temp: TempDb | undefined;
  let db: Db | undefined;
  let settle: { resolve: (l: Loaded) => void; reject: (e: unknown) => void } | undefined;
  const ready = new Promise<Loaded>((resolve, reject) => (settle = { resolve, reject }));
  ready.catch(() => undefined); // reported by the block's beforeAll
  if (enabled) {
    pending[engine].push(async () => {
      try {
        temp = await createTempDb(engine, prefix);
        await load(temp);
        db = await openDb(parseTargetUrl(temp.url), { interactive: false });
        const snapshot = await db.dialect.introspect(db);
        settle!.resolve({ temp, db, snapshot, knowledge: detectCrm(snapshot) });
      } catch (err) {
        settle!.reject(err);
      }
    });
  }
  beforeAll(async () => {
    loaded = await ready;
  });
  afterAll(async () => {
    await db?.close();
    await temp?.drop();
  });
  return () => {
    if (!loaded) throw new Error(`${prefix}: the database was not loaded`);
    return loaded;
  };
}

// ---- assertions shared by the blocks -----------------------------------------------------------

const implied = (k: CrmKnowledge, child: string, column: string, parent: string, discriminator?: string): ImpliedRelation | undefined =>
  k.impliedRelations.find(
    (r) =>
      r.child.name === child &&
      r.childColumns.includes(column) &&
      r.parent.name === parent &&
      (discriminator === undefined || r.discriminator?.value === discriminator),
  );

function expectImplied(k: CrmKnowledge, child: string, column: string, parent: string, discriminator?: string): void {
  expect(implied(k, child, column, parent, discriminator), `${child}.${column} → ${parent}${discriminator ? ` [${discriminator}]` : ''}`).toBeDefined();
}

function expectDeclared(l: Loaded, child: string, column: string, parent: string): void {
  const relations = relationsOf(l.snapshot, l.knowledge);
  const r = relations.find((x) => x.child.name === child && x.childColumns.includes(column) && x.parent.name === parent);
  expect(r?.source, `${child}.${column} → ${parent} declared`).toBe('declared');
  expect(implied(l.knowledge, child, column, parent)).toBeUndefined();
}

function expectDetected(l: Loaded, flavour: FlavourId, evidence: RegExp): void {
  expect(l.knowledge.flavour).toBe(flavour);
  expect(l.knowledge.confidence).toBeGreaterThanOrEqual(0.8);
  expect(l.knowledge.evidence.join('\n')).toMatch(evidence);
  const scores = scoreFlavours(l.snapshot);
  expect(scores[0].id).toBe(flavour);
  for (const other of scores.slice(1)) expect(other.score, `${other.id} on a ${flavour} schema`).toBeLessThan(0.5);
}

/** Implied relations that do not hold in the data: child rows whose parent row is missing. */
async function orphans(l: Loaded): Promise<string[]> {
  const { db } = l;
  const q = (s: string, n: string) => db.dialect.quoteQualified(s, n);
  const c = (n: string) => db.dialect.quoteIdent(n);
  const out: string[] = [];
  for (const r of l.knowledge.impliedRelations) {
    const [cc, pc] = [r.childColumns[0], r.parentColumns[0]];
    const conditions = [
      `x.${c(cc)} IS NOT NULL`,
      ...(r.noParentValues ?? []).map((v) => `x.${c(cc)} <> ${db.dialect.quoteLiteral(v)}`),
      ...(r.discriminator ? [`x.${c(r.discriminator.column)} = ${db.dialect.quoteLiteral(r.discriminator.value)}`] : []),
      `NOT EXISTS (SELECT 1 FROM ${q(r.parent.schema, r.parent.name)} p WHERE p.${c(pc)} = x.${c(cc)})`,
    ];
    const [row] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${q(r.child.schema, r.child.name)} x WHERE ${conditions.join(' AND ')}`);
    if (Number(row.n) > 0) out.push(`${r.child.name}.${cc}${r.discriminator ? `[${r.discriminator.value}]` : ''} → ${r.parent.name}`);
  }
  return out.sort();
}

// ---- the real schemas ---------------------------------------------------------------------------

describe.skipIf(!haveSchemas)('SuiteCRM 7.12 demo data (MariaDB)', () => {
  const get = useDatabase('mysql', 'suitecrm', (t) => loadMysql(t, { file: shared('suitecrm', 'suitecrm_clean_db_with_demo_data.sql') }), haveSchemas);

  it('is detected as SuiteCRM with evidence, not as the demo CRM', () => {
    expectDetected(get(), 'suitecrm', /config\(category, name, value\)[\s\S]*\*_cstm tables with id_c/);
    expect(scoreFlavours(get().snapshot).find((s) => s.id === 'demo')!.score).toBe(0);
  });

  it('implies the relation tables, custom fields, users and polymorphic parents', () => {
    const k = get().knowledge;
    expect(get().snapshot.tables.every((t) => t.foreignKeys.length === 0)).toBe(true);
    expectImplied(k, 'accounts_contacts', 'account_id', 'accounts');
    expectImplied(k, 'accounts_contacts', 'contact_id', 'contacts');
    expectImplied(k, 'accounts_opportunities', 'opportunity_id', 'opportunities');
    expectImplied(k, 'opportunities_contacts', 'contact_id', 'contacts');
    expectImplied(k, 'calls_contacts', 'call_id', 'calls');
    expectImplied(k, 'meetings_contacts', 'meeting_id', 'meetings');
    expectImplied(k, 'email_addr_bean_rel', 'email_address_id', 'email_addresses');
    expectImplied(k, 'email_addr_bean_rel', 'bean_id', 'contacts', 'Contacts');
    expectImplied(k, 'calls', 'parent_id', 'accounts', 'Accounts');
    expectImplied(k, 'notes', 'parent_id', 'leads', 'Leads');
    expectImplied(k, 'accounts_cstm', 'id_c', 'accounts');
    expectImplied(k, 'accounts_audit', 'parent_id', 'accounts');
    expectImplied(k, 'contacts', 'assigned_user_id', 'users');
    expectImplied(k, 'acl_roles_users', 'role_id', 'acl_roles');
    expectImplied(k, 'aos_quotes_aos_invoices_c', 'aos_quotes77d9_quotes_ida', 'aos_quotes');
    expectImplied(k, 'aos_quotes_aos_invoices_c', 'aos_quotes6b83nvoices_idb', 'aos_invoices');
  });

  it('finds no implied relation broken in the demo data', async () => {
    expect(await orphans(get())).toEqual([]);
  });

  it('knows the deleted flags and the audit tables', () => {
    const k = get().knowledge;
    expect(k.entityTables.slice(0, 4).map((t) => t.name)).toEqual(['accounts', 'contacts', 'leads', 'opportunities']);
    expect(k.softDelete({ schema: get().temp.name, name: 'accounts' })).toMatchObject({
      column: 'deleted',
      kind: 'flag',
      touches: ['date_modified', 'modified_user_id'],
    });
    expect(k.auditSources.map((a) => a.table.name)).toEqual(expect.arrayContaining(['accounts_audit', 'contacts_audit', 'opportunities_audit', 'cases_audit']));
    expect(k.auditSources.every((a) => a.kind === 'suitecrm-audit')).toBe(true);
  });
});

describe.skipIf(!allDumps)('SuiteCRM 7.11 mysqldump (MariaDB)', () => {
  const get = useDatabase('mysql', 'suitecrm711', (t) => loadMysql(t, { file: shared('suitecrm', 'suitecrm_mysql_dump.sql') }), allDumps);
  it('is detected as SuiteCRM', () => {
    expectDetected(get(), 'suitecrm', /relationships\(relationship_name/);
    expectImplied(get().knowledge, 'accounts_contacts', 'account_id', 'accounts');
  });
});

describe.each([
  ['vtiger 8.3 (MariaDB)', 'vtiger.sql', haveSchemas],
  ['vtiger 7.0 (MariaDB)', 'db2.sql', allDumps],
])('%s', (_label, file, enabled) => {
  describe.skipIf(!enabled)('schema', () => {
    const get = useDatabase('mysql', 'vtiger', (t) => loadMysql(t, { file: shared('vtiger', file) }), enabled);

    it('is detected as vtiger with evidence', () => {
      expectDetected(get(), 'vtiger', /vtiger_crmentity\(crmid, setype, deleted\)[\s\S]*vtiger_modtracker_basic/);
    });

    it('keeps declared module foreign keys and implies the relation tables', () => {
      const k = get().knowledge;
      expectDeclared(get(), 'vtiger_account', 'accountid', 'vtiger_crmentity');
      expectDeclared(get(), 'vtiger_senotesrel', 'notesid', 'vtiger_notes');
      expectImplied(k, 'vtiger_crmentityrel', 'crmid', 'vtiger_crmentity');
      expectImplied(k, 'vtiger_crmentityrel', 'relcrmid', 'vtiger_crmentity');
      expectImplied(k, 'vtiger_seactivityrel', 'activityid', 'vtiger_activity');
      expectImplied(k, 'vtiger_cntactivityrel', 'activityid', 'vtiger_activity');
      expectImplied(k, 'vtiger_contpotentialrel', 'contactid', 'vtiger_contactdetails');
      expectImplied(k, 'vtiger_modtracker_basic', 'crmid', 'vtiger_crmentity');
      expectImplied(k, 'vtiger_modtracker_detail', 'id', 'vtiger_modtracker_basic');
    });

    it('soft-deletes module rows through vtiger_crmentity and reads modtracker', () => {
      const k = get().knowledge;
      const schema = get().temp.name;
      expect(k.entityTables[0].name).toBe('vtiger_crmentity');
      expect(k.softDelete({ schema, name: 'vtiger_crmentity' })).toMatchObject({ column: 'deleted', touches: ['modifiedtime', 'modifiedby'] });
      expect(k.softDelete({ schema, name: 'vtiger_contactdetails' })?.via).toEqual({
        table: { schema, name: 'vtiger_crmentity' },
        columns: ['contactid'],
        refColumns: ['crmid'],
      });
      expect(k.softDelete({ schema, name: 'vtiger_contactscf' })?.via?.columns).toEqual(['contactid']);
      expect(k.auditSources.map((a) => [a.table.name, a.kind])).toEqual([
        ['vtiger_modtracker_basic', 'vtiger-modtracker'],
        ['vtiger_modtracker_detail', 'vtiger-modtracker-detail'],
        ['vtiger_relatedlists_rb', 'vtiger-recycle-bin'],
      ]);
    });
  });
});

describe.skipIf(!haveSchemas)('EspoCRM 9.2 (MariaDB)', () => {
  const get = useDatabase('mysql', 'espocrm', (t) => loadMysql(t, { file: shared('espocrm', 'espocrm.sql') }), haveSchemas);

  it('is detected as EspoCRM with evidence', () => {
    expectDetected(get(), 'espocrm', /action_history_record\(target_type, target_id, action\)/);
  });

  it('implies relation tables and polymorphic links that hold in the data', async () => {
    const k = get().knowledge;
    expectImplied(k, 'account_contact', 'account_id', 'account');
    expectImplied(k, 'account_contact', 'contact_id', 'contact');
    expectImplied(k, 'contact_opportunity', 'opportunity_id', 'opportunity');
    expectImplied(k, 'call_contact', 'call_id', 'call');
    expectImplied(k, 'note', 'parent_id', 'account', 'Account');
    expectImplied(k, 'action_history_record', 'target_id', 'contact', 'Contact');
    expectImplied(k, 'entity_email_address', 'entity_id', 'lead', 'Lead');
    expect(await orphans(get())).toEqual([]);
  });

  it('finds the two soft-deleted contacts through the mark, and their delete records', async () => {
    const { knowledge: k, db, temp } = get();
    const mark = k.softDelete({ schema: temp.name, name: 'contact' })!;
    expect(mark).toMatchObject({ column: 'deleted', kind: 'flag', touches: ['modified_at', 'modified_by_id'], actorColumn: 'modified_by_id' });
    const deleted = await db.query<{ id: string }>(`SELECT id FROM contact WHERE ${db.dialect.quoteIdent(mark.column)} = 1 ORDER BY id`);
    expect(deleted).toHaveLength(2);
    const source = k.auditSources.find((a) => a.kind === 'espocrm-action-history')!;
    const records = await db.query<{ target_id: string }>(
      `SELECT target_id FROM ${db.dialect.quoteIdent(source.table.name)} WHERE action = 'delete' AND target_type = 'Contact' ORDER BY target_id`,
    );
    expect(records.map((r) => r.target_id)).toEqual(deleted.map((r) => r.id));
  });
});

describe.skipIf(!haveSchemas)('Dolibarr 6.0.0 demo dump (MariaDB)', () => {
  const get = useDatabase('mysql', 'dolibarr6', (t) => loadMysql(t, { file: shared('dolibarr', 'demo-dump', 'mysqldump_dolibarr_6.0.0.sql') }), haveSchemas);

  it('is detected as Dolibarr with its prefix', () => {
    expectDetected(get(), 'dolibarr', /llx_societe, llx_socpeople \(prefix llx_\)/);
  });

  it('implies fk_ columns where nothing is declared, and element links', () => {
    const k = get().knowledge;
    expectDeclared(get(), 'llx_socpeople', 'fk_soc', 'llx_societe');
    expectImplied(k, 'llx_actioncomm', 'fk_soc', 'llx_societe');
    expectImplied(k, 'llx_actioncomm', 'fk_contact', 'llx_socpeople');
    expectImplied(k, 'llx_actioncomm', 'fk_element', 'llx_societe', 'societe');
    expectImplied(k, 'llx_actioncomm', 'fk_element', 'llx_facture', 'invoice');
    expectImplied(k, 'llx_element_element', 'fk_source', 'llx_propal', 'propal');
    expectImplied(k, 'llx_societe_extrafields', 'fk_object', 'llx_societe');
    expectImplied(k, 'llx_commande_fournisseurdet', 'fk_commande', 'llx_commande_fournisseur');
    expect(implied(k, 'llx_actioncomm', 'fk_soc', 'llx_societe')!.noParentValues).toEqual(['0']);
  });

  it('finds hard-delete traces as the only broken links: agenda events of deleted objects', async () => {
    const broken = await orphans(get());
    expect(broken).toContain('llx_actioncomm.fk_soc → llx_societe');
    expect(broken).toContain('llx_actioncomm.fk_element[societe] → llx_societe');
    expect(broken.every((b) => /^llx_(actioncomm|blockedlog|commande_fournisseur_log|element_contact|holiday_users)\./.test(b))).toBe(true);
  });

  it('has no soft delete, and reads the agenda and security events', async () => {
    const { knowledge: k, db, temp } = get();
    expect(k.softDelete({ schema: temp.name, name: 'llx_societe' })).toBeNull();
    expect(k.auditSources.map((a) => a.kind)).toEqual(['dolibarr-agenda', 'dolibarr-security-events', 'dolibarr-blockedlog']);
    const [row] = await db.query<{ n: number | string }>("SELECT count(*) AS n FROM llx_events WHERE type = 'USER_DELETE'");
    expect(Number(row.n)).toBe(8);
  });
});

describe.skipIf(!haveSchemas)('Dolibarr 22.0.4 DDL (MariaDB)', () => {
  const get = useDatabase('mysql', 'dolibarr22', (t) => loadMysql(t, { text: dolibarrDdl(shared('dolibarr', 'tables-22.0.4')) }, { force: true }), haveSchemas);

  it('loads the 24 tables and is detected as Dolibarr', () => {
    expect(get().snapshot.tables).toHaveLength(24);
    expectDetected(get(), 'dolibarr', /llx_actioncomm\(code, elementtype, fk_element\)/);
  });

  it('keeps the declared keys and implies the others', () => {
    const k = get().knowledge;
    expectDeclared(get(), 'llx_societe_contacts', 'fk_socpeople', 'llx_socpeople');
    expectDeclared(get(), 'llx_propal', 'fk_projet', 'llx_projet');
    expectImplied(k, 'llx_actioncomm', 'fk_soc', 'llx_societe');
    expectImplied(k, 'llx_actioncomm', 'fk_project', 'llx_projet');
    expectImplied(k, 'llx_actioncomm_resources', 'fk_actioncomm', 'llx_actioncomm');
    expectImplied(k, 'llx_element_contact', 'fk_socpeople', 'llx_socpeople');
    expectImplied(k, 'llx_actioncomm', 'fk_element', 'llx_propal', 'propal');
    expect(implied(k, 'llx_actioncomm', 'fk_element', 'llx_facture')).toBeUndefined(); // no llx_facture in these files
  });
});

describe.skipIf(!haveSchemas)('Odoo 16 schema (PostgreSQL)', () => {
  const get = useDatabase('postgres', 'odoo', (t) => loadPostgres(t, shared('odoo', 'mmdb_schema.sql')), haveSchemas);

  it('is detected as Odoo with evidence', () => {
    expectDetected(get(), 'odoo', /res_partner\(id, name\)[\s\S]*ir_model_data\(module, name, model, res_id\)/);
  });

  it('archives with active, links (model, res_id) and reads the chatter', () => {
    const k = get().knowledge;
    expect(k.softDelete({ schema: 'public', name: 'res_partner' })).toMatchObject({ column: 'active', kind: 'active', touches: ['write_date', 'write_uid'] });
    expect(k.softDelete({ schema: 'public', name: 'mail_message' })).toBeNull();
    expectImplied(k, 'mail_message', 'res_id', 'res_partner', 'res.partner');
    expectImplied(k, 'mail_activity', 'res_id', 'res_partner', 'res.partner');
    expectDeclared(get(), 'mail_tracking_value', 'mail_message_id', 'mail_message');
    expect(k.impliedRelations.some((r) => r.parent.name === 'crm_lead')).toBe(false); // the crm module is not installed
    expect(k.entityTables[0].name).toBe('res_partner');
    expect(k.auditSources.map((a) => [a.table.name, a.kind])).toEqual([
      ['mail_message', 'odoo-mail-message'],
      ['mail_tracking_value', 'odoo-mail-tracking'],
    ]);
  });
});

// ---- our own schemas ----------------------------------------------------------------------------

describe('Twenty workspace fixture (PostgreSQL)', () => {
  const get = useDatabase('postgres', 'twenty', (t) =>
    loadPostgres(t, path.join(repoRoot, 'test', 'fixtures', 'twenty', 'workspace.sql'), { stopOnError: true }),
  );
  const ws = 'workspace_1wgvd1injqtife6y4rvfbu3h5';

  it('is detected as Twenty next to the public schema', () => {
    expect(get().snapshot.schemas).toEqual(expect.arrayContaining(['public', ws]));
    expectDetected(get(), 'twenty', /workspace_1wgvd1injqtife6y4rvfbu3h5 with company and person/);
  });

  it('keeps the declared relations and implies the actor columns', () => {
    expectDeclared(get(), 'noteTarget', 'noteId', 'note');
    expectDeclared(get(), 'timelineActivity', 'companyId', 'company');
    expectImplied(get().knowledge, 'company', 'createdByWorkspaceMemberId', 'workspaceMember');
  });

  it('finds the soft-deleted company through "deletedAt" and its timeline event', async () => {
    const { knowledge: k, db } = get();
    const mark = k.softDelete({ schema: ws, name: 'company' })!;
    expect(mark).toEqual({ column: 'deletedAt', kind: 'timestamp', touches: ['updatedAt'], timeColumn: 'deletedAt' });
    const q = db.dialect.quoteQualified.bind(db.dialect);
    const deleted = await db.query<{ name: string }>(`SELECT name FROM ${q(ws, 'company')} WHERE ${db.dialect.quoteIdent(mark.column)} IS NOT NULL`);
    expect(deleted.map((r) => r.name)).toEqual(['Globex']);
    const timeline = k.auditSources.find((a) => a.kind === 'twenty-timeline')!;
    const events = await db.query<{ name: string }>(
      `SELECT name FROM ${q(timeline.table.schema, timeline.table.name)} WHERE name LIKE '%.deleted' ORDER BY "happensAt"`,
    );
    expect(events.map((e) => e.name)).toEqual(['company.deleted', 'person.deleted']);
  });
});

describe.each(engines)('demo CRM schema (%s)', (engine) => {
  const dir = path.join(repoRoot, 'sql', 'demo', engine);
  // MySQL declares every key in schema.sql; PostgreSQL adds them after the load (keys.sql).
  const files = ['schema.sql', 'keys.sql'].map((f) => path.join(dir, f)).filter((f, i) => i === 0 || existsSync(f));
  const present = existsSync(files[0]);
  if (!present) console.log(`crm-detect: skipped demo (${engine}): sql/demo/${engine}/schema.sql not found`);
  describe.skipIf(!present)('detection', () => {
    const get = useDatabase(
      engine,
      'demo',
      async (t) => {
        for (const f of files) await (engine === 'mysql' ? loadMysql(t, { file: f }) : loadPostgres(t, f, { stopOnError: true }));
      },
      present,
    );
    it('is detected as the demo CRM, ahead of SuiteCRM', () => {
      expectDetected(get(), 'demo', /history\(id, table_name, record_id/);
      expect(get().knowledge.auditSources.map((a) => a.kind)).toEqual(['demo-history']);
      expectImplied(get().knowledge, 'calls', 'parent_id', 'accounts', 'Accounts');
      expectImplied(get().knowledge, 'notes', 'contact_id', 'contacts');
      expectDeclared(get(), 'accounts_contacts', 'account_id', 'accounts');
    });
    it('without its change log (demo --audit-trigger) is still the demo CRM, with no CRM audit source', () => {
      const full = get().snapshot;
      const snapshot: SchemaSnapshot = { ...full, tables: full.tables.filter((t) => t.name !== 'history') };
      const k = detectCrm(snapshot);
      expect(k.flavour).toBe('demo');
      expect(k.evidence.join('\n')).toMatch(/no change log of its own/);
      expect(k.auditSources).toEqual([]);
      expect(k.impliedRelations.some((r) => r.child.name === 'notes' && r.childColumns.includes('contact_id'))).toBe(true);
      // Without the declared foreign keys it is only SuiteCRM-shaped: not claimed as the demo.
      const bare: SchemaSnapshot = { ...snapshot, tables: snapshot.tables.map((t) => ({ ...t, foreignKeys: [] })) };
      expect(detectCrm(bare).flavour).not.toBe('demo');
    });
  });
});

describe.each(engines)('a schema with declared foreign keys only (%s)', (engine) => {
  const get = useDatabase(engine, 'generic', (t) =>
    t.exec(`
      CREATE TABLE customers (id int PRIMARY KEY, name varchar(100), deleted_at ${engine === 'postgres' ? 'timestamptz' : 'datetime'});
      CREATE TABLE orders (id int PRIMARY KEY, customer_id int, total decimal(10,2), FOREIGN KEY (customer_id) REFERENCES customers (id));
      CREATE TABLE order_lines (id int PRIMARY KEY, order_id int, qty int, FOREIGN KEY (order_id) REFERENCES orders (id));`),
  );
  it('falls back to generic', () => {
    const { knowledge: k, snapshot } = get();
    expect(k.flavour).toBe('generic');
    expect(k.impliedRelations).toEqual([]);
    expect(
      relationsOf(snapshot, k)
        .filter((r) => r.source === 'declared')
        .map((r) => r.child.name)
        .sort(),
    ).toEqual(['order_lines', 'orders']);
    const schema = snapshot.tables[0].schema;
    expect(k.softDelete({ schema, name: 'customers' })).toEqual({ column: 'deleted_at', kind: 'timestamp', touches: [] });
  });
});
