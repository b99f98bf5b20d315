import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import type { Relation } from '../../src/crm/relations.js';
import type { SchemaSnapshot, TableInfo } from '../../src/dialect/model.js';
import { prepareMerge } from '../../src/merge/engine.js';
import { MergeConflictError } from '../../src/merge/errors.js';
import { listMerges } from '../../src/merge/journal.js';
import type { MergeRequest, MergeTable, RowOutcome, Selection } from '../../src/merge/model.js';
import { undoMerge } from '../../src/merge/undo.js';
import { internalNamespace } from '../../src/dialect/namespaces.js';
import { checksums } from '../helpers/checksum.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { freezeStatistics, statRows } from '../helpers/statistics.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

const TABLES = ['accounts', 'contacts', 'accounts_contacts', 'notes'];

function schemaSql(engine: TestEngine): string {
  const ts = engine === 'postgres' ? 'timestamptz' : 'datetime(6)';
  const serial = engine === 'postgres' ? 'serial' : 'int AUTO_INCREMENT';
  return `
    CREATE TABLE accounts (id varchar(36) PRIMARY KEY, name varchar(100) NOT NULL, "deleted" smallint NOT NULL DEFAULT 0, date_modified ${ts}, modified_user_id varchar(36));
    CREATE TABLE contacts (id ${serial} PRIMARY KEY, first_name varchar(50), email varchar(100) UNIQUE, note text, "deleted" smallint NOT NULL DEFAULT 0);
    CREATE TABLE accounts_contacts (id int PRIMARY KEY, account_id varchar(36) NOT NULL REFERENCES accounts(id), contact_id int NOT NULL REFERENCES contacts(id), "deleted" smallint NOT NULL DEFAULT 0);
    CREATE TABLE notes (id int PRIMARY KEY, parent_type varchar(20), parent_id int, body text);
    INSERT INTO accounts VALUES ('A1', 'Acme', 0, '2026-01-01 00:00:00', 'u1'), ('A2', 'Globex Ⅱ', 0, '2026-01-01 00:00:00', 'u1'), ('A3', 'Initech', 0, NULL, NULL);
    INSERT INTO contacts (id, first_name, email, note) VALUES (1, 'Ana', 'ana@x.org', NULL), (2, 'Bö', 'bo@x.org', ''), (3, 'Ça', NULL, 'long ' || 'text'), (4, 'Dee', 'dee@x.org', 'x');
    INSERT INTO accounts_contacts VALUES (10, 'A1', 1, 0), (11, 'A1', 2, 0), (12, 'A2', 3, 0), (13, 'A3', 4, 0);
    INSERT INTO notes VALUES (100, 'Contacts', 2, 'call back'), (101, 'Contacts', 3, NULL), (102, 'Accounts', 2, 'not a contact note'), (103, 'Contacts', 1, 'keep');
  `;
}

function forEngine(engine: TestEngine, text: string): string {
  if (engine === 'postgres') return text;
  return text.replace(/"deleted"/g, '`deleted`').replace(/'long ' \|\| 'text'/g, "CONCAT('long ', 'text')");
}

/** The incident: contacts 2 and 3 hard-deleted with their relation rows and notes; A2 soft-deleted. */
const INCIDENT = [
  `DELETE FROM notes WHERE parent_type = 'Contacts' AND parent_id IN (2, 3)`,
  `DELETE FROM accounts_contacts WHERE contact_id IN (2, 3)`,
  `DELETE FROM contacts WHERE id IN (2, 3)`,
  `UPDATE accounts SET "deleted" = 1, date_modified = '2026-11-21 16:42:00', modified_user_id = 'mallory' WHERE id = 'A2'`,
];

describe.each(engines)('%s merge engine', (engine) => {
  let live: TempDb;
  let stageDb: TempDb | undefined;
  let db: Db;
  let stagingNs: string;
  let snap: SchemaSnapshot;
  let pre: Record<string, string>;
  let post: Record<string, string>;

  const exec = async (sqlText: string) => {
    for (const s of forEngine(engine, sqlText)
      .split(/;\s*\n/)
      .map((x) => x.trim())
      .filter(Boolean))
      await live.exec(s);
  };

  beforeEach(async () => {
    live = await createTempDb(engine, 'merge');
    if (engine === 'postgres') {
      stagingNs = 'crm_rescue_stage_test';
      await live.exec(`CREATE SCHEMA ${stagingNs}`);
      await live.exec(`SET search_path = ${stagingNs}; ${schemaSql(engine)}`);
    } else {
      stageDb = await createTempDb('mysql', 'mergestage');
      stagingNs = stageDb.name;
      await stageDb.exec(forEngine(engine, schemaSql(engine)));
    }
    await exec(schemaSql(engine));
    pre = await checksums(live, TABLES);
    for (const s of INCIDENT) await exec(s);
    post = await checksums(live, TABLES);
    db = await openDb(completeTarget(parseTargetUrl(live.url)), { readOnly: false, interactive: false });
    snap = await db.dialect.introspect(db, engine === 'postgres' ? { schemas: ['public', stagingNs], includeInternal: true } : {});
  });
  afterEach(async () => {
    await db?.close();
    await live?.drop();
    await stageDb?.drop();
  });
  afterAll(() => undefined);

  const liveTable = (name: string): TableInfo => snap.tables.find((t) => t.name === name && t.schema === (engine === 'postgres' ? 'public' : live.name))!;
  const mergeTable = (name: string): MergeTable => {
    const l = liveTable(name);
    return {
      live: l,
      staged: { ...l, schema: stagingNs },
      key: l.primaryKey!.columns,
      softDelete: { column: 'deleted', kind: 'flag', touches: ['date_modified', 'modified_user_id'] },
    };
  };
  const relations = (): Relation[] => {
    const out: Relation[] = [];
    for (const t of snap.tables.filter((x) => x.schema === liveTable('accounts').schema)) {
      for (const fk of t.foreignKeys) {
        out.push({
          name: fk.name,
          child: { schema: t.schema, name: t.name },
          childColumns: fk.columns,
          parent: { schema: fk.refSchema, name: fk.refTable },
          parentColumns: fk.refColumns,
          source: 'declared',
          note: '',
        });
      }
    }
    const s = liveTable('notes').schema;
    out.push({
      name: 'notes→contacts',
      child: { schema: s, name: 'notes' },
      childColumns: ['parent_id'],
      parent: { schema: s, name: 'contacts' },
      parentColumns: ['id'],
      source: 'implied',
      discriminator: { column: 'parent_type', value: 'Contacts' },
      note: 'test',
    });
    return out;
  };
  const request = (root: string, selections: Selection[], extra: Partial<MergeRequest> = {}): MergeRequest => ({
    backupId: 'test-backup',
    root: mergeTable(root),
    selections,
    related: TABLES.filter((t) => t !== root).map(mergeTable),
    relations: relations(),
    withRelated: true,
    policy: 'abort',
    erasureHashes: [],
    ...extra,
  });

  it('a dry run really runs the plan, reports it, and changes nothing', async () => {
    const session = await prepareMerge(db, request('contacts', [{ kind: 'deleted' }]), { stagingNs });
    const outcomes: RowOutcome[] = [];
    const result = await session.execute(false, (o) => outcomes.push(o));
    await session.close();
    expect(result.applied).toBe(false);
    expect(result.tables.map((t) => [t.name, t.inserts])).toEqual([
      ['accounts', 0],
      ['contacts', 2],
      ['accounts_contacts', 2],
      ['notes', 2],
    ]);
    expect(outcomes.filter((o) => o.outcome === 'would-insert')).toHaveLength(6);
    expect(result.sql.some((s) => /INSERT INTO/.test(s))).toBe(true);
    expect(await checksums(live, TABLES)).toEqual(post);
    expect(await listMerges(db, db.dialect, internalNamespace(engine, live.name))).toEqual([]);
  });

  it('restores deleted rows with related rows and soft-deleted rows, then undo returns to the incident state', async () => {
    const s1 = await prepareMerge(db, request('contacts', [{ kind: 'deleted' }]), { stagingNs });
    const r1 = await s1.execute(true);
    await s1.close();
    expect(r1.totals).toEqual({ inserted: 6, updated: 0, skipped: 0 });
    expect(r1.verify).toEqual({ checked: 6, mismatched: 0 });
    const s2 = await prepareMerge(db, request('accounts', [{ kind: 'soft-deleted' }], { withRelated: false }), { stagingNs });
    const r2 = await s2.execute(true);
    await s2.close();
    expect(r2.totals).toEqual({ inserted: 0, updated: 1, skipped: 0 });
    expect(await checksums(live, TABLES)).toEqual(pre);
    // The sequence moved past the restored keys: a new contact gets a fresh id.
    await live.exec(`INSERT INTO contacts (first_name) VALUES ('new')`);
    const [{ id }] = await live.query<{ id: number }>(`SELECT max(id) AS id FROM contacts`);
    expect(Number(id)).toBe(5);
    await live.exec(`DELETE FROM contacts WHERE id = 5`);

    const merges = await listMerges(db, db.dialect, internalNamespace(engine, live.name));
    expect(merges.map((m) => m.state)).toEqual(['applied', 'applied']);
    const u2 = await undoMerge(db, r2.mergeId);
    expect(u2.tables).toEqual([{ table: expect.stringMatching(/accounts$/), deleted: 0, restored: 1, refused: 0 }]);
    // Statistics that only an ANALYZE moves: they count the 4 contacts the merge left.
    await freezeStatistics(live, 'contacts');
    expect(await statRows(live, 'contacts')).toBe(4);
    const u1 = await undoMerge(db, r1.mergeId);
    expect(u1.tables.reduce((s, t) => s + t.deleted, 0)).toBe(6);
    // The undo refreshed them after its COMMIT: the 2 contacts left.
    expect(await statRows(live, 'contacts')).toBe(2);
    expect(u1.notes ?? []).not.toContainEqual(expect.stringMatching(/not refreshed/));
    expect(await checksums(live, TABLES)).toEqual(post);
    await expect(undoMerge(db, r1.mergeId)).rejects.toThrow(/already undone/);
  });

  it('refuses to undo a row edited after the merge, unless told to skip it', async () => {
    const s = await prepareMerge(db, request('contacts', [{ kind: 'deleted' }]), { stagingNs });
    const r = await s.execute(true);
    await s.close();
    await live.exec(`UPDATE contacts SET note = 'edited by a CRM user' WHERE id = 2`);
    const before = await checksums(live, TABLES);
    await expect(undoMerge(db, r.mergeId)).rejects.toThrow(/changed after merge/);
    expect(await checksums(live, TABLES)).toEqual(before);
  });

  it('conflicts: a key back in live, a unique key taken, a missing parent; policy abort writes nothing, skip leaves them out', async () => {
    // Contact 3's key is back in live; contact 2's e-mail now belongs to contact 4.
    await exec(`INSERT INTO contacts (id, first_name, email) VALUES (3, 'Ça again', NULL)`);
    await exec(`UPDATE contacts SET email = 'bo@x.org' WHERE id = 4`);
    const before = await checksums(live, TABLES);
    const s = await prepareMerge(db, request('contacts', [{ kind: 'keys', keys: [{ id: 2 }, { id: 3 }] }], { withRelated: false }), { stagingNs });
    const err = await s.execute(true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MergeConflictError);
    expect((err as MergeConflictError).conflicts.map((c) => [c.key.id, c.reason])).toEqual([
      [2, 'unique-collision'],
      [3, 'key-exists'],
    ]);
    expect(await checksums(live, TABLES)).toEqual(before);
    // Running the same plan again meets the same conflicts: still nothing written.
    await expect(s.execute(true)).rejects.toThrow(/conflict/);
    await s.close();
    await exec(`UPDATE contacts SET email = NULL WHERE id = 4`);
    const so = await prepareMerge(db, request('contacts', [{ kind: 'keys', keys: [{ id: 2 }, { id: 3 }] }], { withRelated: false, policy: 'overwrite' }), {
      stagingNs,
    });
    const ro = await so.execute(true);
    await so.close();
    expect(ro.totals).toEqual({ inserted: 1, updated: 1, skipped: 0 });
    const [row3] = await live.query<{ first_name: string }>(`SELECT first_name FROM contacts WHERE id = 3`);
    expect(row3.first_name).toBe('Ça');
    await exec(`DELETE FROM contacts WHERE id IN (2, 3)`);

    // A relation row whose contact is neither in live nor in the plan.
    const s2 = await prepareMerge(db, request('accounts_contacts', [{ kind: 'deleted' }], { withRelated: false, policy: 'skip' }), { stagingNs });
    const outcomes: RowOutcome[] = [];
    const r2 = await s2.execute(true, (o) => outcomes.push(o));
    await s2.close();
    // Both relation rows point at contacts that are gone from live and not in the plan.
    expect(outcomes.map((o) => [o.key.id, o.outcome, o.reason ?? null])).toEqual([
      [11, 'skipped', 'missing-parent'],
      [12, 'skipped', 'missing-parent'],
    ]);
    expect(r2.tables[0].conflicts).toEqual({ 'missing-parent': 2 });
  });

  it('a row edited between the dry run and the apply is caught (changed since diff)', async () => {
    const s = await prepareMerge(db, request('accounts', [{ kind: 'soft-deleted' }], { withRelated: false }), { stagingNs });
    await s.execute(false);
    await exec(`UPDATE accounts SET name = 'renamed meanwhile' WHERE id = 'A2'`);
    const before = await checksums(live, TABLES);
    await expect(s.execute(true)).rejects.toThrow(/changed-since-diff/);
    expect(await checksums(live, TABLES)).toEqual(before);
    await s.close();
  });

  it('erased people never come back', async () => {
    const { createHash } = await import('node:crypto');
    const h = createHash('sha256').update('bo@x.org').digest('hex');
    const s = await prepareMerge(db, request('contacts', [{ kind: 'deleted' }], { withRelated: false, erasureHashes: [h] }), { stagingNs });
    const outcomes: RowOutcome[] = [];
    await s.execute(true, (o) => outcomes.push(o));
    await s.close();
    expect(outcomes.map((o) => [o.key.id, o.outcome, o.reason ?? null])).toEqual([
      [2, 'skipped', 'erasure'],
      [3, 'inserted', null],
    ]);
  });

  it('a selection that matches nothing is an error, and a key not in the backup is named', async () => {
    await expect(prepareMerge(db, request('accounts', [{ kind: 'deleted' }], { withRelated: false }), { stagingNs })).rejects.toThrow(/matches no rows/);
    await expect(prepareMerge(db, request('contacts', [{ kind: 'keys', keys: [{ id: 999 }] }], { withRelated: false }), { stagingNs })).rejects.toThrow(
      /not in the backup/,
    );
  });
});
