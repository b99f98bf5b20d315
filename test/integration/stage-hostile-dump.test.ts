import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingNamespace } from '../../src/dialect/namespaces.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { liveSchemaSnapshot } from '../helpers/live-schema.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * Issue #14, item 2: nothing from a dump reaches the server but the staged table's definition
 * (under the staging name, referring to nothing live) and its rows. Every test compares a
 * catalog snapshot of live (tables, triggers, rules, policies, routines, events, views,
 * sequences and their values, every row) before and after staging.
 */

/** Replaces a table's file of a MySQL backup (as a dump made elsewhere could be) and its sha256 in the manifest. */
function forgeTableFile(backupDir: string, table: string, edit: (sql: string) => string): void {
  const manifestPath = join(backupDir, 'manifest.json');
  const m = JSON.parse(readFileSync(manifestPath, 'utf8')) as { tables: { name: string; file: string; sha256: string; bytes: number }[] };
  const t = m.tables.find((x) => x.name === table)!;
  const path = join(backupDir, t.file);
  const data = gzipSync(Buffer.from(edit(gunzipSync(readFileSync(path)).toString('utf8')), 'utf8'));
  writeFileSync(path, data);
  Object.assign(t, { sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
  writeFileSync(manifestPath, JSON.stringify(m, null, 2));
}

describe('mysql stage: nothing of a dump but the table and its rows reaches the server', () => {
  const sb = makeSandbox('stage-hostile-mysql');
  let db: TempDb;

  beforeAll(async () => {
    db = await createTempDb('mysql', 'shdm');
    await db.exec(`CREATE SEQUENCE seq_ref NOCACHE;
      CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40), ref bigint) CHARACTER SET utf8mb4;
      INSERT INTO contacts (id, name, ref) VALUES (1, 'Ada', 1), (2, 'Grace', 2), (3, 'Ünïcode 😀', 3);
      CREATE TABLE invoices (id int PRIMARY KEY, ref bigint DEFAULT nextval(seq_ref));
      INSERT INTO invoices (id) VALUES (1), (2);
      CREATE TABLE user_log (n int);
      CREATE TRIGGER user_trg AFTER INSERT ON contacts FOR EACH ROW INSERT INTO user_log VALUES (NEW.id);
      CREATE VIEW contacts_v AS SELECT id, name FROM contacts;`);
  });
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  /** A backup taken while crm-rescue's trigger audit was installed on contacts. */
  let auditBackup: string;

  it('#14 item 2: a backup taken with the trigger audit installed stages while the audit is still installed (no "Trigger … already exists")', async () => {
    const install = await sb.run(['audit', 'install', '--url', db.url, '--tables', 'contacts']);
    expect(install.code, install.stderr).toBe(0);
    const id = await backupId(sb.run, db.url);
    auditBackup = id;
    const file = JSON.parse(readFileSync(join(sb.dir, id, 'manifest.json'), 'utf8')).tables.find((t: { name: string }) => t.name === 'contacts').file;
    // The dump holds the audit's trigger, named with the live database on both sides.
    expect(gunzipSync(readFileSync(join(sb.dir, id, file))).toString()).toMatch(
      new RegExp(`TRIGGER \`${db.name}\`\\.\`crm_rescue_audit_\\w+\` AFTER DELETE ON \`${db.name}\`\\.\`contacts\``),
    );

    // Installed: staging used to fail with "Trigger … already exists".
    const before = await liveSchemaSnapshot(db);
    const whileInstalled = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'contacts', '--json']);
    expect(whileInstalled.code, whileInstalled.stderr).toBe(0);
    expect(JSON.parse(whileInstalled.stdout).tables[0]).toMatchObject({ name: 'contacts', rows: 3 });
    expect(await liveSchemaSnapshot(db)).toEqual(before);
  });

  it('#14 item 2: after audit uninstall --drop-log, staging that backup does not re-create the trigger on the live table; CRM deletes keep working', async () => {
    const id = auditBackup;
    const uninstall = await sb.run(['audit', 'uninstall', '--url', db.url, '--drop-log']);
    expect(uninstall.code, uninstall.stderr).toBe(0);
    const before = await liveSchemaSnapshot(db);
    const after = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'contacts']);
    expect(after.code, after.stderr).toBe(0);
    expect(await liveSchemaSnapshot(db)).toEqual(before);
    expect(
      await db.query(`SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND TRIGGER_NAME LIKE 'crm\\_rescue\\_audit%'`, [
        db.name,
      ]),
    ).toEqual([]);
    // The CRM can delete again (the re-created trigger made every delete fail: its log was gone).
    await db.exec('DELETE FROM contacts WHERE id = 3');
    await db.exec("INSERT INTO contacts (id, name, ref) VALUES (3, 'Ünïcode 😀', 3)");
    await db.exec('DELETE FROM user_log');

    // The staged copy: the table's own columns and key, no trigger.
    const ns = stagingNamespace(db.name, id);
    expect(await db.query(`SELECT 1 FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ? OR EVENT_OBJECT_SCHEMA = ?`, [ns, ns])).toEqual([]);
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'contacts', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    expect(ndjson(d.stdout)[0]).toMatchObject({ counts: { deleted: 0, changed: 0, added: 0, unchanged: 3 } });
  });

  it('#14 item 2: backups verify --restore-test of that backup restores into its scratch database only: no trigger re-created on live', async () => {
    const before = await liveSchemaSnapshot(db);
    const v = await sb.run(['backups', 'verify', auditBackup, '--restore-test', '--url', db.url, '--json']);
    expect(v.code, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout).restoreTest).toMatchObject({ ok: true, mismatches: [] });
    expect(await liveSchemaSnapshot(db)).toEqual(before);
    expect(
      await db.query(`SELECT TRIGGER_NAME AS n FROM information_schema.TRIGGERS WHERE EVENT_OBJECT_SCHEMA = ? AND TRIGGER_NAME LIKE 'crm\\_rescue\\_audit%'`, [
        db.name,
      ]),
    ).toEqual([]);
  });
  it("#14 item 2: a column whose default is a live sequence's next value stages without it; the sequence does not move", async () => {
    const id = await backupId(sb.run, db.url);
    const before = await liveSchemaSnapshot(db);
    const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'invoices', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ name: 'invoices', rows: 2 });
    expect(await liveSchemaSnapshot(db)).toEqual(before);
    const [create] = await db.query<{ 'Create Table': string }>(`SHOW CREATE TABLE \`${stagingNamespace(db.name, id)}\`.\`invoices\``);
    expect(create['Create Table']).not.toContain(db.name);
    expect(create['Create Table']).not.toMatch(/nextval/i);
  });

  it('#14 item 2: triggers, views, routines, events and sequences naming the live database in a table file are left out; live is unchanged', async () => {
    const id = await backupId(sb.run, db.url);
    const live = `\`${db.name}\``;
    forgeTableFile(join(sb.dir, id), 'contacts', (sql) =>
      [
        sql,
        'DELIMITER ;;',
        `/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`%\`*/ /*!50003 TRIGGER ${live}.\`evil_trg\` BEFORE DELETE ON ${live}.\`contacts\` FOR EACH ROW DELETE FROM ${live}.\`user_log\` */;;`,
        `CREATE DEFINER=\`root\`@\`%\` PROCEDURE ${live}.\`evil_proc\`() BEGIN DELETE FROM ${live}.\`contacts\`; END ;;`,
        `CREATE DEFINER=\`root\`@\`%\` FUNCTION ${live}.\`evil_fn\`() RETURNS int DETERMINISTIC RETURN 1 ;;`,
        `CREATE DEFINER=\`root\`@\`%\` EVENT ${live}.\`evil_event\` ON SCHEDULE EVERY 1 DAY DO DELETE FROM ${live}.\`contacts\` ;;`,
        'DELIMITER ;',
        `CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=\`root\`@\`%\` SQL SECURITY DEFINER VIEW ${live}.\`contacts_v\` AS SELECT 1 AS id;`,
        `DROP SEQUENCE IF EXISTS ${live}.\`seq_ref\`;`,
        `DO SETVAL(${live}.\`seq_ref\`, 1000000, 0);`,
        '',
      ].join('\n'),
    );
    const before = await liveSchemaSnapshot(db);
    const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'contacts', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ name: 'contacts', rows: 3 });
    expect(await liveSchemaSnapshot(db)).toEqual(before);
  });

  it('#14 item 2: a table file with a statement staging cannot classify, or a row that is not literals, is refused in one line; nothing is staged and live is unchanged', async () => {
    const live = `\`${db.name}\``;
    const cases: [(sql: string) => string, RegExp][] = [
      [
        (sql) => `${sql}\nUPDATE ${live}.\`contacts\` SET name = 'pwned';\n`,
        /refusing to stage contacts from this backup: its file holds a statement staging does not run \(UPDATE/,
      ],
      [
        (sql) => `${sql}\nDROP TABLE IF EXISTS ${live}.\`user_log\`;\n`,
        /its file holds a statement staging does not run \(DROP TABLE IF EXISTS `crt_\w+`\.`user_log`\)/,
      ],
      [
        (sql) => sql.replace(/\(2,'Grace',2\)/, `(2,(SELECT name FROM ${live}.\`contacts\` LIMIT 1),2)`),
        /refusing to stage contacts from this backup: a row holds "SELECT", which is not a literal value/,
      ],
      [
        (sql) => sql.replace("SQL_MODE='NO_AUTO_VALUE_ON_ZERO'", "SQL_MODE='NO_BACKSLASH_ESCAPES'"),
        /its file sets sql_mode to 'NO_BACKSLASH_ESCAPES', which would change how staging reads the file/,
      ],
    ];
    const before = await liveSchemaSnapshot(db);
    for (const [edit, pattern] of cases) {
      const copy = await backupId(sb.run, db.url);
      forgeTableFile(join(sb.dir, copy), 'contacts', edit);
      const r = await sb.run(['stage', '--url', db.url, '--backup', copy, '--table', 'contacts']);
      expectOneLineError(r, 1, pattern);
      expect(await liveSchemaSnapshot(db)).toEqual(before);
      const list = await sb.run(['staging', 'list', '--url', db.url, '--json']);
      const staged = (JSON.parse(list.stdout) as { backupId: string; tables: unknown[] }[]).find((s) => s.backupId === copy);
      expect(staged?.tables ?? []).toEqual([]);
      // No scratch database is left behind either.
      expect(
        await db.query(`SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?`, [`${stagingNamespace(db.name, copy)}\\_l%`]),
      ).toEqual([]);
    }
  });
});

describe('postgres stage: the staged table runs no live code and refers to nothing live', () => {
  const sb = makeSandbox('stage-hostile-pg');
  let db: TempDb;
  let id: string;

  beforeAll(async () => {
    db = await createTempDb('postgres', 'shdp');
    await db.exec(`
      CREATE TABLE side_effects (what text);
      CREATE SEQUENCE shared_seq;
      -- A CHECK and a domain that run live code for every row they check.
      CREATE FUNCTION checker(x int) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.side_effects VALUES ('check ' || x); PERFORM nextval('public.shared_seq'); RETURN true; END $$;
      CREATE FUNCTION email_ok(x text) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO public.side_effects VALUES ('domain ' || x); RETURN position('@' in x) > 0; END $$;
      CREATE DOMAIN email AS varchar(80) CHECK (public.email_ok(VALUE));
      CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO public.side_effects VALUES ('trigger'); RETURN NEW; END $$;
      CREATE TABLE contacts (
        id serial PRIMARY KEY,
        ref bigint DEFAULT nextval('public.shared_seq'),
        name text CHECK (public.checker(length(name))),
        mail email,
        name_len int GENERATED ALWAYS AS (length(name)) STORED
      );
      INSERT INTO contacts (name, mail) VALUES ('Ada', 'ada@example.org'), ('Grace', 'grace@example.org'), ('Ünïcode 😀', NULL);
      CREATE TRIGGER contacts_trg BEFORE INSERT ON contacts FOR EACH ROW EXECUTE FUNCTION trg();
      CREATE RULE contacts_rule AS ON UPDATE TO contacts DO ALSO INSERT INTO side_effects VALUES ('rule');
      ALTER TABLE contacts ENABLE ROW LEVEL SECURITY;
      CREATE POLICY contacts_policy ON contacts USING (true);
      COMMENT ON TABLE contacts IS 'comment at backup time';
      GRANT SELECT ON contacts TO PUBLIC;
      CREATE VIEW contacts_v AS SELECT id, name FROM contacts;
      TRUNCATE side_effects;`);
    id = await backupId(sb.run, db.url);
    // After the backup: whatever of the dump ran on live would now show as a change.
    await db.exec(`COMMENT ON TABLE contacts IS 'comment changed since';
      REVOKE SELECT ON contacts FROM PUBLIC;
      DROP TRIGGER contacts_trg ON contacts;
      DROP RULE contacts_rule ON contacts;
      DROP POLICY contacts_policy ON contacts;`);
  });
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it("#14 item 2: pg_restore's script for the table carries owner, grant, comment, a live sequence's default and a CHECK calling a live function", () => {
    const script = execFileSync('pg_restore', ['-s', '-n', 'public', '-t', 'contacts', '-f', '-', join(sb.dir, id, 'dump')], { encoding: 'utf8' });
    expect(script).toMatch(/ALTER TABLE public\.contacts OWNER TO/);
    expect(script).toMatch(/GRANT SELECT ON TABLE public\.contacts TO PUBLIC/);
    expect(script).toMatch(/COMMENT ON TABLE public\.contacts IS 'comment at backup time'/);
    expect(script).toContain("DEFAULT nextval('public.shared_seq'::regclass)");
    expect(script).toContain('CHECK (public.checker(length(name)))');
    expect(script).toContain('mail public.email');
  });

  it('#14 item 2: staging runs none of it: live catalog, sequences and rows unchanged, no side effect, the staged table depends on nothing in public', async () => {
    const before = await liveSchemaSnapshot(db);
    const r = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'contacts', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).tables[0]).toMatchObject({ name: 'contacts', rows: 3 });
    expect(await db.query('SELECT * FROM side_effects')).toEqual([]);
    expect(await liveSchemaSnapshot(db)).toEqual(before);

    const ns = stagingNamespace(db.name, id);
    // Nothing of the staging namespace refers to an object of public (types, functions, sequences, tables).
    const refs = await db.query(
      `SELECT pg_describe_object(d.classid, d.objid, d.objsubid) AS obj, pg_describe_object(d.refclassid, d.refobjid, d.refobjsubid) AS ref
       FROM pg_depend d, pg_identify_object(d.classid, d.objid, d.objsubid) o, pg_identify_object(d.refclassid, d.refobjid, d.refobjsubid) r
       WHERE o.schema = $1 AND r.schema = 'public'`,
      [ns],
    );
    expect(refs).toEqual([]);
    const cols = await db.query<{ name: string; type: string; def: string | null }>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS def
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE a.attrelid = format('%I.%I', $1::text, 'contacts')::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [ns],
    );
    expect(cols).toEqual([
      { name: 'id', type: 'integer', def: null },
      { name: 'ref', type: 'bigint', def: null },
      { name: 'name', type: 'text', def: null },
      { name: 'mail', type: 'character varying(80)', def: null },
    ]);
    expect(
      await db.query(`SELECT conname FROM pg_constraint WHERE conrelid = format('%I.%I', $1::text, 'contacts')::regclass AND contype = 'c'`, [ns]),
    ).toEqual([]);

    // The staged rows are the backup's, and diff compares them (the generated column is live's own).
    const d = await sb.run(['diff', '--url', db.url, '--backup', id, '--table', 'contacts', '--format', 'ndjson']);
    expect(d.code, d.stderr).toBe(0);
    expect(ndjson(d.stdout)[0]).toMatchObject({ counts: { deleted: 0, changed: 0, added: 0, unchanged: 3 } });
    expect(await db.query('SELECT * FROM side_effects')).toEqual([]);
    expect(await liveSchemaSnapshot(db)).toEqual(before);
  });
});
