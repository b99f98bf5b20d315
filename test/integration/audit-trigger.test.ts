import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deletionEvents, installTriggerAudit, loadAuditContext, rebuildFromLog, selectSources, uninstallTriggerAudit } from '../../src/audit/index.js';
import { installMysql } from '../../src/dialect/mysql/mysql-trigger-audit.js';
import { openDb, type Db } from '../../src/connect/open.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { internalNamespace } from '../../src/dialect/namespaces.js';
import { UserError } from '../../src/errors.js';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/** A table and columns whose names break naive SQL, with every value type that must survive. */
const HOSTILE_TABLE = `Del "eted' rows ünï`;
const COLS = {
  id: 'id',
  text: `na"me`,
  quote: `it's`,
  back: 'back`tick',
  reserved: 'select',
  unicode: 'Größe ☃',
  question: 'what?',
};

function hostileSchema(engine: TestEngine): string {
  const q = (n: string) => (engine === 'postgres' ? `"${n.replace(/"/g, '""')}"` : `\`${n.replace(/`/g, '``')}\``);
  const t = q(HOSTILE_TABLE);
  if (engine === 'postgres') {
    return `
      CREATE TABLE ${t} (${q(COLS.id)} int PRIMARY KEY, ${q(COLS.text)} text, ${q(COLS.quote)} text, ${q(COLS.back)} varchar(40),
        ${q(COLS.reserved)} numeric(16,4), big numeric(40,20), ratio double precision, ${q(COLS.unicode)} timestamptz, naive timestamp(6),
        d date, doc jsonb, js json, bin bytea, flag boolean, arr int[], uid uuid, ${q(COLS.question)} text);
      INSERT INTO ${t} VALUES
        (1, E'line1\\nline2 \\\\ back', 'O''Reilly', 'tab\there', 12345678901.1235, 12345678901234567890.12345678901234567890, 0.1 + 0.2,
         '2026-05-01 16:42:07.123456+00', '2026-05-01 16:42:07.654321', '2026-05-01', '{"b": [1, 2, {"ü": "漢字"}], "a": null}',
         '{ "z" : 1,  "a":[ true , false ] , "z": 2 }', '\\x00ff10deadbeef', true, '{1,NULL,3}', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'q?'),
        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
        (3, '😀 emoji ☃ and ''quotes'' and "dq"', '', '', -0.0001, -1, -1.5e-300, '1970-01-01 00:00:00+00', '1999-12-31 23:59:59.999999',
         '0001-01-01', '[]', '{"k": null}', '\\x', false, '{}', '00000000-0000-0000-0000-000000000000', '');`;
  }
  return `
    CREATE TABLE ${t} (${q(COLS.id)} int PRIMARY KEY, ${q(COLS.text)} text, ${q(COLS.quote)} text, ${q(COLS.back)} varchar(40),
      ${q(COLS.reserved)} decimal(16,4), big decimal(40,20), ratio double, ${q(COLS.unicode)} timestamp(6) NULL, naive datetime(6),
      d date, doc json, bin varbinary(40), bl blob, flag tinyint(1), bits bit(8), e enum('a','b c'), ${q(COLS.question)} text)
      CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
    INSERT INTO ${t} VALUES
      (1, 'line1\\nline2 \\\\ back', 'O''Reilly', 'tab\\there', 12345678901.1235, 12345678901234567890.12345678901234567890, 0.1e0 + 0.2e0,
       '2026-05-01 16:42:07.123456', '2026-05-01 16:42:07.654321', '2026-05-01', '{"b": [1, 2, {"ü": "漢字"}], "a": null}',
       X'00ff10deadbeef', X'000102', 1, b'10100101', 'b c', 'q?'),
      (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
      (3, '😀 emoji ☃ and ''quotes'' and "dq"', '', '', -0.0001, -1, -1.5e-300, '1970-01-02 00:00:00', '1999-12-31 23:59:59.999999',
       '1000-01-01', '[]', X'', X'', 0, b'0', 'a', '');`;
}

/** Per-row checksums that see every byte: md5 of the row's text (PG) / of each column's bytes (MySQL). */
async function checksums(db: Db, schema: string, table: string): Promise<string[]> {
  const d = db.dialect;
  const name = d.quoteQualified(schema, table);
  if (d.engine === 'postgres') {
    const rows = await db.query<{ h: string }>(`SELECT md5(t::text) AS h FROM ${name} t ORDER BY ${d.quoteIdent('id')}`);
    return rows.map((r) => r.h);
  }
  const snap = await db.query<{ c: string }>(
    'SELECT COLUMN_NAME AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION',
    [schema, table],
  );
  const parts = snap.map((c) => `IFNULL(HEX(CAST(${d.quoteIdent(c.c)} AS BINARY)), 'NULL')`).join(", '|', ");
  const rows = await db.query<{ h: string }>(`SELECT MD5(CONCAT(${parts})) AS h FROM ${name} ORDER BY ${d.quoteIdent('id')}`);
  return rows.map((r) => r.h);
}

async function openRw(temp: TempDb): Promise<Db> {
  return openDb(parseTargetUrl(temp.url), { readOnly: false, interactive: false });
}

/** Everything crm-rescue could leave behind: the namespace and triggers/functions of ours. */
async function leftovers(temp: TempDb): Promise<string[]> {
  const ns = internalNamespace(temp.engine, temp.name);
  if (temp.engine === 'postgres') {
    const rows = await temp.query<{ what: string }>(
      `SELECT 'schema ' || nspname AS what FROM pg_namespace WHERE nspname = $1
       UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE tgname LIKE 'crm\\_rescue%'
       UNION ALL SELECT 'function ' || proname FROM pg_proc WHERE proname IN ('audit_rows', 'audit_row')`,
      [ns],
    );
    return rows.map((r) => r.what);
  }
  const rows = await temp.query<{ what: string }>(
    `SELECT CONCAT('database ', SCHEMA_NAME) AS what FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?
     UNION ALL SELECT CONCAT('trigger ', TRIGGER_NAME) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = ?`,
    [ns, temp.name],
  );
  return rows.map((r) => r.what);
}

async function dropInternal(temp: TempDb): Promise<void> {
  if (temp.engine !== 'mysql') return;
  const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${internalNamespace('mysql', temp.name)}\``);
  } finally {
    await admin.end();
  }
}

describe.each(engines)('%s trigger audit', (engine) => {
  let temp: TempDb;
  let db: Db;

  beforeEach(async () => {
    temp = await createTempDb(engine, 'audtrig');
    await temp.exec(hostileSchema(engine));
    await temp.exec(
      engine === 'postgres'
        ? `CREATE TABLE plain (id int PRIMARY KEY, v text); INSERT INTO plain SELECT g, 'v' || g FROM generate_series(1, 10) g;
           CREATE TABLE pair (a int, b text, v text, PRIMARY KEY (a, b)); INSERT INTO pair VALUES (1, 'x', 'one'), (2, 'y', 'two');`
        : `CREATE TABLE plain (id int PRIMARY KEY, v text); INSERT INTO plain SELECT seq, CONCAT('v', seq) FROM seq_1_to_10;
           CREATE TABLE pair (a int, b varchar(10), v text, PRIMARY KEY (a, b)); INSERT INTO pair VALUES (1, 'x', 'one'), (2, 'y', 'two');`,
    );
    db = await openRw(temp);
  });

  afterEach(async () => {
    await db?.close();
    await dropInternal(temp);
    await temp?.drop();
  });

  it('install then uninstall leaves nothing behind', async () => {
    expect(await leftovers(temp)).toEqual([]);
    const installed = await installTriggerAudit(db, { all: true, updates: true });
    expect(installed.createdNamespace).toBe(true);
    expect(installed.tables.map((t) => t.name).sort()).toEqual([HOSTILE_TABLE, 'pair', 'plain'].sort());
    expect((await leftovers(temp)).length).toBeGreaterThan(1);
    // A second install is idempotent.
    await installTriggerAudit(db, { all: true, updates: true });
    const removed = await uninstallTriggerAudit(db);
    expect(removed.removed).toHaveLength(6);
    expect(removed.alreadyGone).toEqual([]);
    expect(removed.log).toBe('dropped');
    expect(removed.namespaceDropped).toBe(true);
    expect(await leftovers(temp)).toEqual([]);
  });

  it('keeps a log that holds rows unless --drop-log, and keeps a namespace that holds other things', async () => {
    await installTriggerAudit(db, { tables: ['plain'] });
    await temp.exec('DELETE FROM plain WHERE id <= 3');
    const ns = internalNamespace(engine, temp.name);
    await temp.exec(engine === 'postgres' ? `CREATE TABLE "${ns}".journal_like (x int)` : `CREATE TABLE \`${ns}\`.journal_like (x int)`);
    const first = await uninstallTriggerAudit(db);
    expect(first).toMatchObject({ log: 'kept', logRows: 3, namespaceDropped: false });
    const second = await uninstallTriggerAudit(db, { dropLog: true });
    expect(second).toMatchObject({ log: 'dropped', logRows: 3, namespaceDropped: false });
    await temp.exec(engine === 'postgres' ? `DROP TABLE "${ns}".journal_like` : `DROP TABLE \`${ns}\`.journal_like`);
    expect(await leftovers(temp)).toEqual([`${engine === 'postgres' ? 'schema' : 'database'} ${ns}`]);
  });

  it('uninstall succeeds when triggers were removed by hand, and says so', async () => {
    await installTriggerAudit(db, { tables: ['plain', 'pair'] });
    const trig = await temp.query<{ name: string }>(
      engine === 'postgres'
        ? `SELECT tgname AS name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'plain' AND tgname LIKE 'crm\\_rescue%'`
        : `SELECT TRIGGER_NAME AS name FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE = 'plain'`,
    );
    expect(trig).toHaveLength(1);
    await temp.exec(engine === 'postgres' ? `DROP TRIGGER ${trig[0].name} ON plain` : `DROP TRIGGER \`${trig[0].name}\``);
    const result = await uninstallTriggerAudit(db, { dropLog: true });
    expect(result.alreadyGone).toEqual([{ schema: engine === 'postgres' ? 'public' : temp.name, table: 'plain', trigger: trig[0].name }]);
    expect(result.removed.map((r) => r.table)).toEqual(['pair']);
    expect(await leftovers(temp)).toEqual([]);
  });

  it('logs deletes of hostile identifiers and rebuilds them byte-identical from the log alone', async () => {
    const schema = engine === 'postgres' ? 'public' : temp.name;
    const before = await checksums(db, schema, HOSTILE_TABLE);
    expect(before).toHaveLength(3);
    await installTriggerAudit(db, { tables: [HOSTILE_TABLE, 'pair'] });
    const q = (n: string) => db.dialect.quoteIdent(n);
    // Delete in another session, with another time zone and an application user name.
    await temp.exec(
      engine === 'postgres'
        ? `SET TIME ZONE 'Asia/Kolkata'; SET crm_rescue.app_user = 'jdoe'; DELETE FROM ${q(HOSTILE_TABLE)}; DELETE FROM pair WHERE a = 2;`
        : `SET time_zone = '+05:30'; SET @crm_rescue_app_user = 'jdoe'; DELETE FROM ${q(HOSTILE_TABLE)}; DELETE FROM pair WHERE a = 2;`,
    );
    const ro = await openDb(parseTargetUrl(temp.url), { interactive: false });
    try {
      const { ctx, sources } = selectSources(await loadAuditContext(ro), ['trigger-audit']);
      const page = await deletionEvents(ro, ctx, sources, { filter: { table: HOSTILE_TABLE } });
      expect(page.events.map((e) => e.key).sort((a, b) => Number(a.id) - Number(b.id))).toEqual([{ id: '1' }, { id: '2' }, { id: '3' }]);
      expect(page.events.every((e) => e.table === HOSTILE_TABLE && e.schema === schema && e.actor === 'jdoe' && e.kind === 'hard')).toBe(true);
      const one = page.events.find((e) => e.key.id === '1')!;
      expect(one.image?.[COLS.text]).toBe('line1\nline2 \\ back');
      expect(one.image?.[COLS.question]).toBe('q?');
      const pair = await deletionEvents(ro, ctx, sources, { filter: { table: 'pair' } });
      expect(pair.events.map((e) => e.key)).toEqual([{ a: '2', b: 'y' }]);
    } finally {
      await ro.close();
    }
    // Rebuild into a (hostile) table of a staging namespace.
    const staging = `crt_stage_${randomBytes(3).toString('hex')}`;
    await temp.exec(engine === 'postgres' ? `CREATE SCHEMA ${staging}` : `CREATE DATABASE ${staging}`);
    try {
      const into = { schema: staging, table: `rebuilt "${HOSTILE_TABLE}"` };
      const result = await rebuildFromLog(db, { table: HOSTILE_TABLE }, into);
      expect(result.rows).toBe(3);
      expect(await checksums(db, staging, into.table)).toEqual(before);
      await expect(rebuildFromLog(db, { table: HOSTILE_TABLE }, into)).rejects.toThrow(/already exists/);
      const some = await rebuildFromLog(db, { table: HOSTILE_TABLE, keys: [3, { id: 1 }] }, { schema: staging, table: 'some' });
      expect(some.rows).toBe(2);
      const pairRows = await rebuildFromLog(db, { table: 'pair', keys: [{ a: 2, b: 'y' }] }, { schema: staging, table: 'pair' });
      expect(pairRows.rows).toBe(1);
      const none = await rebuildFromLog(
        db,
        { table: HOSTILE_TABLE, since: new Date(Date.now() + 3_600_000).toISOString() },
        { schema: staging, table: 'none' },
      );
      expect(none.rows).toBe(0);
    } finally {
      if (engine === 'postgres') await temp.exec(`DROP SCHEMA ${staging} CASCADE`);
      else await temp.exec(`DROP DATABASE ${staging}`);
    }
    await uninstallTriggerAudit(db, { dropLog: true });
    expect(await leftovers(temp)).toEqual([]);
  });

  it('logs updates only with --updates, and rebuilds the newest version per key', async () => {
    await installTriggerAudit(db, { tables: ['plain'], updates: true });
    await temp.exec(`UPDATE plain SET v = 'changed' WHERE id = 1`);
    await temp.exec(`DELETE FROM plain WHERE id = 1`);
    await temp.exec(`INSERT INTO plain VALUES (1, 'again')`);
    await temp.exec(`DELETE FROM plain WHERE id = 1`);
    const staging = `crt_stage_${randomBytes(3).toString('hex')}`;
    await temp.exec(engine === 'postgres' ? `CREATE SCHEMA ${staging}` : `CREATE DATABASE ${staging}`);
    try {
      await rebuildFromLog(db, { table: 'plain' }, { schema: staging, table: 'latest' });
      expect(await db.query(`SELECT id, v FROM ${db.dialect.quoteQualified(staging, 'latest')}`)).toEqual([{ id: 1, v: 'again' }]);
      const all = await rebuildFromLog(db, { table: 'plain', latestPerKey: false, operations: ['DELETE', 'UPDATE'] }, { schema: staging, table: 'every' });
      expect(all.rows).toBe(3);
    } finally {
      if (engine === 'postgres') await temp.exec(`DROP SCHEMA ${staging} CASCADE`);
      else await temp.exec(`DROP DATABASE ${staging}`);
    }
  });

  it('upgrades a log of the older layout: drops its table index, keeps and reads its rows, logs on', async () => {
    await installTriggerAudit(db, { tables: ['plain'] });
    const ns = internalNamespace(engine, temp.name);
    const log = db.dialect.quoteQualified(ns, 'audit_log');
    const indexes = async () =>
      (
        await db.query<{ name: string }>(
          engine === 'postgres'
            ? `SELECT indexname AS name FROM pg_indexes WHERE schemaname = $1 AND tablename = 'audit_log' ORDER BY 1`
            : `SELECT DISTINCT INDEX_NAME AS name FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = 'audit_log' ORDER BY 1`,
          [ns],
        )
      ).map((r) => r.name);
    // The older layout: a (table_name, logged_at, id) index, and a row logged by the older trigger.
    await db.query(
      engine === 'postgres'
        ? `CREATE INDEX audit_log_table_time ON ${log} (table_name, logged_at, id)`
        : `ALTER TABLE ${log} ADD INDEX audit_log_table_time (table_name, logged_at, id)`,
    );
    await db.query(
      engine === 'postgres'
        ? `INSERT INTO ${log} (table_schema, table_name, operation, row_key, old_row, app_user) VALUES ('public', 'plain', 'DELETE', '{"id" : 10}', '{"id":10,"v":"v10"}', 'old')`
        : `INSERT INTO ${log} (logged_at, table_schema, table_name, operation, row_key, old_row, db_user, app_user, txid) VALUES (UTC_TIMESTAMP(6), DATABASE(), 'plain', 'DELETE', '{"id": 10}', '{"id": 10, "v": "v10"}', USER(), 'old', CONNECTION_ID())`,
    );
    expect(await indexes()).toContain('audit_log_table_time');
    await installTriggerAudit(db, { tables: ['plain', 'pair'] });
    expect(await indexes()).not.toContain('audit_log_table_time');
    await temp.exec(
      engine === 'postgres'
        ? `SET crm_rescue.app_user = 'new'; BEGIN; DELETE FROM plain WHERE id IN (8, 9); DELETE FROM pair WHERE a = 1; COMMIT;`
        : `SET @crm_rescue_app_user = 'new'; BEGIN; DELETE FROM plain WHERE id IN (8, 9); DELETE FROM pair WHERE a = 1; COMMIT;`,
    );
    const rows = await db.query<{ table_name: string; row_key: unknown; app_user: string; db_user: string | null; txid: unknown }>(
      `SELECT table_name, row_key, app_user, db_user, txid FROM ${log} ORDER BY logged_at, id`,
    );
    const key = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(rows.map((r) => [r.table_name, key(r.row_key), r.app_user])).toEqual([
      ['plain', { id: 10 }, 'old'],
      ['plain', { id: 8 }, 'new'],
      ['plain', { id: 9 }, 'new'],
      ['pair', { a: 1, b: 'x' }, 'new'],
    ]);
    // One transaction: one txid (PostgreSQL: the transaction id; MySQL: the connection id), a database user on every row.
    expect(new Set(rows.slice(1).map((r) => String(r.txid))).size).toBe(1);
    expect(rows.every((r) => typeof r.db_user === 'string' && r.db_user.length > 0)).toBe(true);
    const ro = await openDb(parseTargetUrl(temp.url), { interactive: false });
    try {
      const { ctx, sources } = selectSources(await loadAuditContext(ro), ['trigger-audit']);
      const page = await deletionEvents(ro, ctx, sources, { filter: { table: 'plain' } });
      expect(page.events.map((e) => [e.key.id, e.actor])).toEqual([
        ['9', 'new'],
        ['8', 'new'],
        ['10', 'old'],
      ]);
    } finally {
      await ro.close();
    }
  });
});

describe('postgres trigger audit without the TRIGGER privilege', () => {
  let temp: TempDb;
  const role = `crt_norights_${randomBytes(3).toString('hex')}`;

  beforeEach(async () => {
    temp = await createTempDb('postgres', 'audpriv');
    await temp.exec(`CREATE TABLE plain (id int PRIMARY KEY, v text); CREATE TABLE other (id int PRIMARY KEY);
      CREATE ROLE ${role} LOGIN; GRANT CONNECT, CREATE ON DATABASE ${temp.name} TO ${role};
      GRANT USAGE ON SCHEMA public TO ${role}; GRANT SELECT, INSERT, UPDATE, DELETE ON plain, other TO ${role};
      GRANT TRIGGER ON other TO ${role};`);
  });

  afterEach(async () => {
    await temp.drop();
    const admin = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await admin.connect();
    try {
      await admin.query(`DROP ROLE IF EXISTS ${role}`);
    } finally {
      await admin.end();
    }
  });

  it('refuses with a clear error and installs nothing', async () => {
    const url = temp.url.replace('//root@', `//${role}@`);
    const db = await openDb(parseTargetUrl(url), { readOnly: false, interactive: false });
    try {
      const err = await installTriggerAudit(db, { all: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(new RegExp(`${role} lacks the TRIGGER privilege on public\\.plain; nothing was installed`));
      expect((err as UserError).hint).toMatch(/GRANT TRIGGER ON public\.plain/);
    } finally {
      await db.close();
    }
    expect(await leftovers(temp)).toEqual([]);
  });
});

describe('mysql trigger audit without the TRIGGER privilege', () => {
  let temp: TempDb;
  const user = `crt_nr_${randomBytes(3).toString('hex')}`;
  const admin = () => mysql.createConnection({ uri: MYSQL_ADMIN_URL });

  beforeEach(async () => {
    temp = await createTempDb('mysql', 'audpriv');
    await temp.exec('CREATE TABLE plain (id int PRIMARY KEY, v text); CREATE TABLE other (id int PRIMARY KEY);');
    const a = await admin();
    try {
      const ns = internalNamespace('mysql', temp.name);
      await a.query(`CREATE USER '${user}'@'%'`);
      await a.query(`GRANT SELECT, INSERT, UPDATE, DELETE, CREATE ON \`${temp.name}\`.* TO '${user}'@'%'`);
      await a.query(`GRANT ALL ON \`${ns}\`.* TO '${user}'@'%'`);
      await a.query(`GRANT TRIGGER ON \`${temp.name}\`.other TO '${user}'@'%'`);
    } finally {
      await a.end();
    }
  });

  afterEach(async () => {
    const a = await admin();
    try {
      await a.query(`DROP USER IF EXISTS '${user}'@'%'`);
    } finally {
      await a.end();
    }
    await dropInternal(temp);
    await temp.drop();
  });

  it('refuses with a clear error and installs nothing', async () => {
    const url = temp.url.replace('//root@', `//${user}@`);
    const db = await openDb(parseTargetUrl(url), { readOnly: false, interactive: false });
    try {
      const err = await installTriggerAudit(db, { all: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(new RegExp(`lacks the TRIGGER privilege on ${temp.name}\\.plain; nothing was installed`));
      // With TRIGGER on `other` only, that table alone installs.
      const ok = await installTriggerAudit(db, { tables: ['other'] });
      expect(ok.tables.map((t) => t.name)).toEqual(['other']);
      await uninstallTriggerAudit(db);
    } finally {
      await db.close();
    }
    expect(await leftovers(temp)).toEqual([]);
  });

  it('a failure half-way removes what the run created', async () => {
    const db = await openDb(parseTargetUrl(temp.url), { readOnly: false, interactive: false });
    try {
      const snap = await db.dialect.introspect(db);
      const plain = snap.tables.find((t) => t.name === 'plain')!;
      const ghost = { ...plain, name: 'no_such_table' };
      const err = await installMysql(db, [plain, ghost], false).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/no_such_table.*what this run had created was removed/);
    } finally {
      await db.close();
    }
    expect(await leftovers(temp)).toEqual([]);
  });
});
