import { afterEach, describe, expect, it } from 'vitest';
import { availableSources, deletionEvents, listIncidents, loadAuditContext, selectSources, type DeletionEvent } from '../../src/audit/index.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { flavourById } from '../../src/crm/detect.js';
import type { FlavourId } from '../../src/crm/flavour.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Each CRM source on a minimal fixture shaped like the real tables (CRM-FACTS.md and the dumps
 * in /work/shared/crm-schemas). The knowledge is the flavour's own, built without detection so
 * the fixtures stay small; end-to-end runs on the real schemas come later.
 */
let temp: TempDb | undefined;
let db: Db | undefined;

afterEach(async () => {
  await db?.close();
  await temp?.drop();
  db = undefined;
  temp = undefined;
});

async function setUp(engine: 'postgres' | 'mysql', flavour: FlavourId, sqlText: string) {
  temp = await createTempDb(engine, `aud${flavour}`);
  await temp.exec(sqlText);
  db = await openDb(parseTargetUrl(temp.url), { interactive: false });
  const snapshot = await db.dialect.introspect(db);
  const knowledge = flavourById(flavour).knowledge(snapshot, { score: 1, evidence: ['fixture'] });
  const ctx = await loadAuditContext(db, { snapshot, knowledge });
  return { db, ...selectSources(ctx) };
}

const brief = (events: DeletionEvent[]) =>
  events.map((e) => ({ time: e.time, table: e.table, key: e.key, actor: e.actorName ?? e.actor, kind: e.kind, source: e.source }));

describe('vtiger modtracker (mysql)', () => {
  it('reads status 1 rows, maps modules to tables, and tells recycle bin from purge', async () => {
    const { ctx, sources, db } = await setUp(
      'mysql',
      'vtiger',
      `CREATE TABLE vtiger_crmentity (crmid int PRIMARY KEY, setype varchar(100), smownerid int, modifiedby int, createdtime datetime, modifiedtime datetime, deleted int(1) NOT NULL DEFAULT 0);
       CREATE TABLE vtiger_account (accountid int PRIMARY KEY, accountname varchar(100), FOREIGN KEY (accountid) REFERENCES vtiger_crmentity (crmid) ON DELETE CASCADE);
       CREATE TABLE vtiger_contactdetails (contactid int PRIMARY KEY, lastname varchar(80), accountid int);
       CREATE TABLE vtiger_users (id int AUTO_INCREMENT PRIMARY KEY, user_name varchar(255));
       CREATE TABLE vtiger_modtracker_basic (id int(20) NOT NULL PRIMARY KEY, crmid int(20), module varchar(50), whodid int(20), changedon datetime, status int(1) DEFAULT 0, KEY crmidx (crmid));
       INSERT INTO vtiger_users VALUES (1, 'admin'), (5, 'jdoe');
       INSERT INTO vtiger_crmentity VALUES (10, 'Accounts', 5, 5, '2026-01-01 09:00:00', '2026-03-01 10:00:00', 1), (11, 'Contacts', 1, 1, '2026-01-01 09:00:00', '2026-01-01 09:00:00', 0);
       INSERT INTO vtiger_account VALUES (10, 'Acme');
       INSERT INTO vtiger_modtracker_basic VALUES (1, 10, 'Accounts', 5, '2026-03-01 10:00:00', 1), (2, 12, 'Contacts', 5, '2026-03-01 10:01:00', 1),
         (3, 11, 'Contacts', 1, '2026-03-01 10:02:00', 0), (4, 10, 'Accounts', 5, '2026-01-01 09:00:00', 2);`,
    );
    expect(availableSources(ctx).map((s) => s.id)).toEqual(['vtiger-modtracker', 'soft-delete']);
    const page = await deletionEvents(db, ctx, sources, {});
    expect(brief(page.events)).toEqual([
      { time: '2026-03-01T10:01:00.000Z', table: 'vtiger_contactdetails', key: { crmid: '12' }, actor: 'jdoe', kind: 'hard', source: 'vtiger-modtracker' },
      { time: '2026-03-01T10:00:00.000Z', table: 'vtiger_account', key: { crmid: '10' }, actor: 'jdoe', kind: 'soft', source: 'vtiger-modtracker' },
    ]);
    const accounts = await deletionEvents(db, ctx, sources, { filter: { table: 'vtiger_account' } });
    expect(accounts.events.map((e) => e.key)).toEqual([{ crmid: '10' }]);
    // Alone, the soft-delete source reads vtiger_crmentity.deleted.
    const soft = selectSources(ctx, ['soft-delete']);
    const marks = await deletionEvents(db, soft.ctx, soft.sources, {});
    expect(brief(marks.events)).toEqual([
      { time: '2026-03-01T10:00:00.000Z', table: 'vtiger_crmentity', key: { crmid: '10' }, actor: 'jdoe', kind: 'soft', source: 'soft-delete' },
    ]);
  });
});

describe.each(['postgres', 'mysql'] as const)('EspoCRM action history (%s)', (engine) => {
  it("reads action = 'delete' rows and maps entity types to tables", async () => {
    const pg = engine === 'postgres';
    const flag = pg ? 'boolean DEFAULT false' : 'tinyint(1) DEFAULT 0';
    const { ctx, sources, db } = await setUp(
      engine,
      'espocrm',
      `CREATE TABLE contact (id varchar(17) PRIMARY KEY, deleted ${flag}, first_name varchar(100), last_name varchar(100), modified_at ${pg ? 'timestamp' : 'datetime'}, modified_by_id varchar(17));
       CREATE TABLE account (id varchar(17) PRIMARY KEY, deleted ${flag}, name varchar(249), modified_at ${pg ? 'timestamp' : 'datetime'}, modified_by_id varchar(17));
       CREATE TABLE account_contact (id ${pg ? 'bigserial' : 'bigint AUTO_INCREMENT'} PRIMARY KEY, account_id varchar(17), contact_id varchar(17), deleted ${flag});
       CREATE TABLE ${pg ? '"user"' : '`user`'} (id varchar(17) PRIMARY KEY, deleted ${flag}, user_name varchar(50));
       CREATE TABLE action_history_record (id varchar(17) PRIMARY KEY, deleted ${flag}, number ${pg ? 'bigserial' : 'bigint UNSIGNED NOT NULL AUTO_INCREMENT'} UNIQUE,
         target_type varchar(100), data text, action varchar(255), created_at ${pg ? 'timestamp' : 'datetime'}, ip_address varchar(39), target_id varchar(17), user_id varchar(17));
       INSERT INTO ${pg ? '"user"' : '`user`'} (id, user_name) VALUES ('691c22dba7a3c3692', 'admin');
       INSERT INTO contact (id, deleted, last_name, modified_at, modified_by_id) VALUES ('691c61402d1e3067b', ${pg ? 'true' : '1'}, 'Doe', '2025-11-18 13:27:45', '691c22dba7a3c3692');
       INSERT INTO action_history_record (id, target_type, action, created_at, ip_address, target_id, user_id) VALUES
         ('691c28fc7961add36', 'Lead', 'create', '2025-11-18 08:06:20', '::1', '691c28fa9cbcf8d20', '691c22dba7a3c3692'),
         ('691c74511f55f9216', 'Contact', 'delete', '2025-11-18 13:27:45', '::1', '691c61402d1e3067b', '691c22dba7a3c3692'),
         ('691c74573930d2400', 'Account', 'delete', '2025-11-18 13:27:51', '::1', '691c49d9a477c1d70', '691c22dba7a3c3692'),
         ('691c74573930d2401', 'Contact', 'read', '2025-11-18 13:28:00', '::1', '691c61402d1e3067b', '691c22dba7a3c3692');`,
    );
    expect(sources.map((s) => s.id)).toEqual(['espocrm-action-history', 'soft-delete']);
    const page = await deletionEvents(db, ctx, sources, {});
    expect(brief(page.events)).toEqual([
      { time: '2025-11-18T13:27:51.000Z', table: 'account', key: { id: '691c49d9a477c1d70' }, actor: 'admin', kind: 'soft', source: 'espocrm-action-history' },
      { time: '2025-11-18T13:27:45.000Z', table: 'contact', key: { id: '691c61402d1e3067b' }, actor: 'admin', kind: 'soft', source: 'espocrm-action-history' },
    ]);
    expect((await deletionEvents(db, ctx, sources, { filter: { table: 'contact' } })).events).toHaveLength(1);
    expect(sources[0].caveat?.(ctx)).toMatch(/15 days/);
  });
});

describe.each(['postgres', 'mysql'] as const)('Dolibarr agenda and security events (%s)', (engine) => {
  it('reads AC_<TRIGGER>_DELETE events and USER_DELETE, with the table prefix', async () => {
    const pg = engine === 'postgres';
    const id = pg ? 'serial PRIMARY KEY' : 'integer AUTO_INCREMENT PRIMARY KEY';
    const { ctx, sources, db } = await setUp(
      engine,
      'dolibarr',
      `CREATE TABLE llx_societe (rowid ${id}, nom varchar(128), entity integer DEFAULT 1);
       CREATE TABLE llx_socpeople (rowid ${id}, fk_soc integer, lastname varchar(50));
       CREATE TABLE llx_user (rowid ${id}, login varchar(50) NOT NULL);
       CREATE TABLE llx_actioncomm (id ${id}, ref varchar(30) NOT NULL, entity integer DEFAULT 1 NOT NULL, datep ${pg ? 'timestamp' : 'datetime'}, code varchar(50),
         datec ${pg ? 'timestamp' : 'datetime'}, fk_user_author integer, fk_soc integer, label varchar(255) NOT NULL, fk_element integer, elementtype varchar(255));
       CREATE TABLE llx_events (rowid ${id}, type varchar(32) NOT NULL, entity integer DEFAULT 1 NOT NULL, dateevent ${pg ? 'timestamp' : 'datetime'}, fk_user integer,
         description varchar(250) NOT NULL, ip varchar(250) NOT NULL, fk_object integer);
       INSERT INTO llx_user (rowid, login) VALUES (1, 'admin'), (2, 'jdoe');
       INSERT INTO llx_actioncomm (ref, datep, code, fk_user_author, label, fk_element, elementtype) VALUES
         ('1', '2026-03-01 10:00:00', 'AC_COMPANY_DELETE', 2, 'Third party Acme deleted', 7, 'societe'),
         ('2', '2026-03-01 10:00:05', 'AC_CONTACT_DELETE', 2, 'Contact Doe deleted', 9, 'contact'),
         ('3', '2026-03-01 10:00:10', 'AC_OTH_AUTO', 2, 'Something else', 9, 'contact'),
         ('4', '2026-03-01 10:00:20', 'AC_PROPAL_DELETE', 1, 'Proposal deleted', 3, 'propal');
       INSERT INTO llx_events (type, dateevent, fk_user, description, ip, fk_object) VALUES
         ('USER_DELETE', '2026-03-01 11:00:00', 1, 'User jdoe2 removed', '127.0.0.1', 4),
         ('USER_LOGIN', '2026-03-01 11:00:01', 1, 'login', '127.0.0.1', NULL);`,
    );
    expect(sources.map((s) => s.id)).toEqual(['dolibarr-agenda', 'dolibarr-security-events']);
    const page = await deletionEvents(db, ctx, sources, {});
    expect(brief(page.events)).toEqual([
      { time: '2026-03-01T11:00:00.000Z', table: 'llx_user', key: { rowid: '4' }, actor: 'admin', kind: 'hard', source: 'dolibarr-security-events' },
      { time: '2026-03-01T10:00:20.000Z', table: 'propal', key: { rowid: '3' }, actor: 'admin', kind: 'hard', source: 'dolibarr-agenda' },
      { time: '2026-03-01T10:00:05.000Z', table: 'llx_socpeople', key: { rowid: '9' }, actor: 'jdoe', kind: 'hard', source: 'dolibarr-agenda' },
      { time: '2026-03-01T10:00:00.000Z', table: 'llx_societe', key: { rowid: '7' }, actor: 'jdoe', kind: 'hard', source: 'dolibarr-agenda' },
    ]);
    expect(page.events[3].details).toBe('Third party Acme deleted');
    const contacts = await deletionEvents(db, ctx, sources, { filter: { table: 'llx_socpeople' } });
    expect(contacts.events.map((e) => e.key)).toEqual([{ rowid: '9' }]);
  });
});

describe('Odoo archive tracking, auditlog and active=false (postgres)', () => {
  it('reads archiving from the chatter, unlinks from auditlog, and says hard deletes leave no trace', async () => {
    const { ctx, sources, db } = await setUp(
      'postgres',
      'odoo',
      `CREATE TABLE res_users (id serial PRIMARY KEY, login varchar NOT NULL, partner_id integer);
       CREATE TABLE res_partner (id serial PRIMARY KEY, name varchar, active boolean, write_uid integer, write_date timestamp without time zone);
       CREATE TABLE ir_model (id serial PRIMARY KEY, model varchar NOT NULL);
       CREATE TABLE ir_model_fields (id serial PRIMARY KEY, name varchar NOT NULL, model varchar NOT NULL);
       CREATE TABLE crm_lead (id serial PRIMARY KEY, name varchar, active boolean, write_uid integer, write_date timestamp without time zone);
       CREATE TABLE mail_message (id serial PRIMARY KEY, res_id integer, author_id integer, create_uid integer, model varchar, message_type varchar NOT NULL, date timestamp without time zone);
       CREATE TABLE mail_tracking_value (id serial PRIMARY KEY, field integer NOT NULL, old_value_integer integer, new_value_integer integer, mail_message_id integer NOT NULL, field_desc varchar NOT NULL);
       CREATE TABLE auditlog_log (id serial PRIMARY KEY, name varchar, model_id integer, res_id integer, user_id integer, method varchar(64), create_date timestamp without time zone);
       INSERT INTO res_users (id, login) VALUES (1, 'admin'), (2, 'jdoe');
       INSERT INTO ir_model (id, model) VALUES (1, 'res.partner'), (2, 'crm.lead');
       INSERT INTO ir_model_fields (id, name, model) VALUES (10, 'active', 'crm.lead'), (11, 'stage_id', 'crm.lead');
       INSERT INTO crm_lead (id, name, active, write_uid, write_date) VALUES (5, 'Big deal', false, 2, '2026-03-01 10:00:00');
       INSERT INTO res_partner (id, name, active, write_uid, write_date) VALUES (8, 'Old Co', false, 1, '2026-03-01 09:00:00'), (9, 'Live Co', true, 1, '2026-03-01 09:00:00');
       INSERT INTO mail_message (id, res_id, create_uid, model, message_type, date) VALUES (100, 5, 2, 'crm.lead', 'notification', '2026-03-01 10:00:00'), (101, 5, 2, 'crm.lead', 'notification', '2026-03-01 10:05:00');
       INSERT INTO mail_tracking_value (field, old_value_integer, new_value_integer, mail_message_id, field_desc) VALUES (10, 1, 0, 100, 'Active'), (11, 1, 2, 101, 'Stage');
       INSERT INTO auditlog_log (name, model_id, res_id, user_id, method, create_date) VALUES ('Gone Inc', 1, 33, 1, 'unlink', '2026-03-01 11:00:00'), ('x', 1, 9, 1, 'write', '2026-03-01 11:01:00');`,
    );
    expect(sources.map((s) => s.id)).toEqual(['odoo-mail-message', 'odoo-auditlog', 'soft-delete']);
    const page = await deletionEvents(db, ctx, sources, {});
    expect(brief(page.events)).toEqual([
      { time: '2026-03-01T11:00:00.000Z', table: 'res_partner', key: { id: '33' }, actor: 'admin', kind: 'hard', source: 'odoo-auditlog' },
      { time: '2026-03-01T10:00:00.000Z', table: 'crm_lead', key: { id: '5' }, actor: 'jdoe', kind: 'soft', source: 'odoo-mail-message' },
      { time: '2026-03-01T09:00:00.000Z', table: 'res_partner', key: { id: '8' }, actor: 'admin', kind: 'soft', source: 'soft-delete' },
    ]);
    expect(sources[0].caveat?.(ctx)).toMatch(/hard delete .* leaves no trace unless the OCA auditlog module is installed/);
    expect((await deletionEvents(db, ctx, sources, { filter: { table: 'crm_lead' } })).events).toHaveLength(1);
  });
});

describe('Twenty timeline (postgres)', () => {
  it("reads '<object>.deleted' activities with the record in properties.before", async () => {
    const ws = 'workspace_1wgvd1injqtife6y4rvfbu3h5';
    const { ctx, sources, db } = await setUp(
      'postgres',
      'twenty',
      `CREATE SCHEMA ${ws}; SET search_path = ${ws};
       CREATE TABLE company (id uuid PRIMARY KEY, name text, "createdAt" timestamptz, "updatedAt" timestamptz, "deletedAt" timestamptz);
       CREATE TABLE person (id uuid PRIMARY KEY, "nameFirstName" text, "companyId" uuid, "updatedAt" timestamptz, "deletedAt" timestamptz);
       CREATE TABLE "workspaceMember" (id uuid PRIMARY KEY, "userEmail" text, "deletedAt" timestamptz);
       CREATE TABLE "timelineActivity" (id uuid PRIMARY KEY, "happensAt" timestamptz NOT NULL, name text NOT NULL, properties jsonb,
         "workspaceMemberId" uuid, "linkedRecordId" uuid, "companyId" uuid, "personId" uuid, "deletedAt" timestamptz);
       INSERT INTO "workspaceMember" VALUES ('11111111-1111-1111-1111-111111111111', 'tim@apple.dev', NULL);
       INSERT INTO company VALUES ('20202020-0000-0000-0000-000000000001', 'Acme', now(), '2026-03-01 10:00:00+00', '2026-03-01 10:00:00+00');
       INSERT INTO "timelineActivity" VALUES
         ('30303030-0000-0000-0000-000000000001', '2026-03-01 10:00:00+00', 'company.deleted', '{"before": {"id": "20202020-0000-0000-0000-000000000001", "name": "Acme"}}',
          '11111111-1111-1111-1111-111111111111', NULL, '20202020-0000-0000-0000-000000000001', NULL, NULL),
         ('30303030-0000-0000-0000-000000000002', '2026-03-01 10:00:01+00', 'person.deleted', '{"before": {"id": "40404040-0000-0000-0000-000000000001", "nameFirstName": "Ann"}}',
          '11111111-1111-1111-1111-111111111111', NULL, NULL, NULL, NULL),
         ('30303030-0000-0000-0000-000000000003', '2026-03-01 10:00:02+00', 'company.updated', '{"diff": {}}', NULL, NULL, NULL, NULL, NULL);`,
    );
    expect(sources.map((s) => s.id)).toEqual(['twenty-timeline', 'soft-delete']);
    const page = await deletionEvents(db, ctx, sources, {});
    expect(brief(page.events)).toEqual([
      {
        time: '2026-03-01T10:00:01.000Z',
        table: 'person',
        key: { id: '40404040-0000-0000-0000-000000000001' },
        actor: 'tim@apple.dev',
        kind: 'soft',
        source: 'twenty-timeline',
      },
      {
        time: '2026-03-01T10:00:00.000Z',
        table: 'company',
        key: { id: '20202020-0000-0000-0000-000000000001' },
        actor: 'tim@apple.dev',
        kind: 'soft',
        source: 'twenty-timeline',
      },
    ]);
    expect(page.events[1].image).toEqual({ id: '20202020-0000-0000-0000-000000000001', name: 'Acme' });
    expect(page.events.every((e) => e.schema === ws)).toBe(true);
    // The soft-delete source alone reads "deletedAt".
    const soft = selectSources(ctx, ['soft-delete']);
    const marks = await deletionEvents(db, soft.ctx, soft.sources, {});
    expect(brief(marks.events)).toEqual([
      {
        time: '2026-03-01T10:00:00.000Z',
        table: 'company',
        key: { id: '20202020-0000-0000-0000-000000000001' },
        actor: null,
        kind: 'soft',
        source: 'soft-delete',
      },
    ]);
  });
});

describe('SuiteCRM soft deletes (mysql)', () => {
  it('reads deleted=1 rows with date_modified and modified_user_id, and groups them into an incident', async () => {
    const rows = Array.from(
      { length: 25 },
      (_, i) => `('00000000-0000-0000-0000-${String(i).padStart(12, '0')}', 'Acc ${i}', 1, '2026-03-01 10:${String(i).padStart(2, '0')}:00', 'u1')`,
    );
    const { ctx, sources, db } = await setUp(
      'mysql',
      'suitecrm',
      `CREATE TABLE users (id char(36) NOT NULL PRIMARY KEY, user_name varchar(60), deleted tinyint(1) DEFAULT 0, date_modified datetime, modified_user_id char(36));
       CREATE TABLE accounts (id char(36) NOT NULL PRIMARY KEY, name varchar(150), deleted tinyint(1) DEFAULT 0, date_modified datetime, modified_user_id char(36));
       CREATE TABLE accounts_cstm (id_c char(36) NOT NULL PRIMARY KEY, note_c text);
       CREATE TABLE accounts_audit (id char(36) NOT NULL PRIMARY KEY, parent_id char(36) NOT NULL, date_created datetime, created_by varchar(36), field_name varchar(100),
         data_type varchar(100), before_value_string varchar(255), after_value_string varchar(255), before_value_text text, after_value_text text);
       INSERT INTO users (id, user_name, date_modified) VALUES ('u1', 'sally', '2026-01-01 00:00:00');
       INSERT INTO accounts VALUES ${rows.join(', ')}, ('live', 'Live', 0, '2026-03-01 10:30:00', 'u1');`,
    );
    expect(sources.map((s) => s.id)).toEqual(['soft-delete']);
    expect(sources[0].caveat?.(ctx)).toMatch(/SuiteCRM writes no audit row for a delete/);
    const page = await deletionEvents(db, ctx, sources, { limit: 3 });
    expect(brief(page.events)).toEqual(
      [24, 23, 22].map((i) => ({
        time: `2026-03-01T10:${String(i).padStart(2, '0')}:00.000Z`,
        table: 'accounts',
        key: { id: `00000000-0000-0000-0000-${String(i).padStart(12, '0')}` },
        actor: 'sally',
        kind: 'soft',
        source: 'soft-delete',
      })),
    );
    const incidents = await listIncidents(db, ctx, sources);
    expect(incidents.map((i) => ({ start: i.window.start, end: i.window.end, actors: i.actors, tables: i.tables }))).toEqual([
      {
        start: '2026-03-01T10:00:00.000Z',
        end: '2026-03-01T10:24:00.000Z',
        actors: [{ id: 'u1', name: 'sally' }],
        tables: [{ schema: temp!.name, table: 'accounts', hard: 0, soft: 25 }],
      },
    ]);
  });
});
