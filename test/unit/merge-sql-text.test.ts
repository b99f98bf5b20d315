import { describe, expect, it } from 'vitest';
import type { PlannedTable } from '../../src/merge/model.js';
import { mergeSqlDocument, renderMergeSql, sqlStepOf, statementTables, type SqlStep } from '../../src/merge/sql-text.js';

/** Statements as the merge engine logs them for two tables (PostgreSQL quoting): shadows, insert, update, shadows. */
const PG_STEP: SqlStep = {
  tables: [
    { table: 'accounts', inserts: 0, updates: 8, skipped: 1 },
    { table: 'contacts', inserts: 319, updates: 0, skipped: 0 },
  ],
  sql: [
    'INSERT INTO "crm_rescue"."mrg_1_0_before" ("id", "deleted") SELECT l."id", l."deleted" FROM "public"."accounts" l JOIN "crm_rescue_b1"."sel_accounts" x ON l."id" = x."id"',
    'UPDATE "public"."accounts" AS l SET "deleted" = s."deleted" FROM "crm_rescue_b1"."accounts" s JOIN "crm_rescue_b1"."sel_accounts" x ON x."id" = s."id" WHERE l."id" = s."id"',
    'INSERT INTO "crm_rescue"."mrg_1_0_after" ("id", "deleted", "crm_rescue_op", "crm_rescue_kind") SELECT l."id", l."deleted", x.crm_rescue_op, x.crm_rescue_kind FROM "public"."accounts" l JOIN "crm_rescue_b1"."sel_accounts" x ON l."id" = x."id"',
    'INSERT INTO "public"."contacts" ("id", "account_id") SELECT s."id", s."account_id" FROM "crm_rescue_b1"."contacts" s JOIN "crm_rescue_b1"."sel_contacts" x ON s."id" = x."id"\nWHERE x.crm_rescue_op = \'insert\'',
    'INSERT INTO "crm_rescue"."mrg_1_1_after" ("id", "crm_rescue_op", "crm_rescue_kind") SELECT l."id", x.crm_rescue_op, x.crm_rescue_kind FROM "public"."contacts" l JOIN "crm_rescue_b1"."sel_contacts" x ON l."id" = x."id"',
  ],
};

describe('the SQL text of a merge plan (merge --sql, the console pager and its file)', () => {
  it('heads each table with its counts and puts every statement, whole, under the table it writes', () => {
    const text = renderMergeSql('crm_prod', [PG_STEP]);
    expect(text.endsWith(';\n')).toBe(true);
    const accounts = text.indexOf('-- accounts: 0 inserts, 8 updates, 1 skipped');
    const contacts = text.indexOf('-- contacts: 319 inserts, 0 updates, 0 skipped');
    expect(accounts).toBeGreaterThan(0);
    expect(contacts).toBeGreaterThan(accounts);
    expect(text).toMatch(/^-- The SQL that writes crm_prod: 5 statements on 2 tables, in order, in one transaction\./);
    // Every statement, whole and in order, ended by `;`.
    let at = 0;
    for (const s of PG_STEP.sql) {
      const i = text.indexOf(`${s};`, at);
      expect(i, s).toBeGreaterThanOrEqual(at);
      at = i + s.length;
    }
    expect(text.slice(accounts, contacts)).toContain('UPDATE "public"."accounts"');
    expect(text.slice(contacts)).toContain('INSERT INTO "public"."contacts"');
    expect(text.slice(contacts)).not.toContain('"public"."accounts"');
  });

  it('attributes statements by the live table they name, MySQL quoting and schema-qualified labels too', () => {
    expect(statementTables(PG_STEP)).toEqual([0, 0, 0, 1, 1]);
    const mysql: SqlStep = {
      tables: [
        { table: 'crm.notes', inserts: 2, updates: 0, skipped: 0 },
        { table: 'notes', inserts: 1, updates: 0, skipped: 0 },
      ],
      sql: [
        'INSERT INTO `public`.`notes` (`id`) SELECT s.`id` FROM `stage`.`notes` s',
        'INSERT INTO `crm`.`notes` (`id`) SELECT s.`id` FROM `stage`.`notes` s',
      ],
    };
    expect(statementTables(mysql)).toEqual([1, 0]);
  });

  it('marks where each statement starts (its table heading for a table first), for the pager to jump to', () => {
    const doc = mergeSqlDocument('crm_prod', [PG_STEP]);
    expect(doc.marks).toHaveLength(PG_STEP.sql.length);
    expect(doc.lines[doc.marks[0]]).toBe('-- accounts: 0 inserts, 8 updates, 1 skipped');
    expect(doc.lines[doc.marks[1]]).toMatch(/^UPDATE "public"\."accounts"/);
    expect(doc.lines[doc.marks[3]]).toBe('-- contacts: 319 inserts, 0 updates, 0 skipped');
    expect(doc.lines[doc.marks[4]]).toMatch(/^INSERT INTO "crm_rescue"\."mrg_1_1_after"/);
    expect(`${doc.lines.join('\n')}\n`).toBe(renderMergeSql('crm_prod', [PG_STEP]));
  });

  it('says when there is nothing to write', () => {
    expect(renderMergeSql('crm_prod', [])).toContain('-- no statement: nothing to write');
  });

  it('turns a dry run into the same step the console plan holds (tables without rows left out, named by the label)', () => {
    const planned = (name: string, inserts: number): PlannedTable => ({
      schema: 'public',
      name,
      order: 1,
      inserts,
      updates: 0,
      skipped: 0,
      conflicts: {},
      columns: [],
      via: 'selection',
    });
    const step = sqlStepOf({ tables: [planned('contacts', 3), planned('notes', 0)], sql: ['INSERT INTO "public"."contacts" SELECT 1'] }, (t) => t.name);
    expect(step).toEqual({ tables: [{ table: 'contacts', inserts: 3, updates: 0, skipped: 0 }], sql: ['INSERT INTO "public"."contacts" SELECT 1'] });
  });
});
