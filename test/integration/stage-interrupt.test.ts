import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { backupId, makeSandbox } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';

/** A second session holding a lock until released. */
async function lockHolder(db: TempDb, statements: string[]): Promise<{ release(): Promise<void> }> {
  if (db.engine === 'postgres') {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    for (const s of statements) await c.query(s);
    return { release: async () => (await c.query('ROLLBACK'), await c.end()) };
  }
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysql.createConnection({ uri: db.url });
  for (const s of statements) await c.query(s);
  return { release: async () => (await c.query('UNLOCK TABLES'), await c.end()) };
}

/** The crm-rescue session blocked in the swap, found while it waits (the lock holder keeps it there). */
async function waitForBlockedSwap(db: TempDb, ns: string, child: ChildProcess, stderr: () => string): Promise<number> {
  const sql =
    db.engine === 'postgres'
      ? `SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue' AND wait_event_type = 'Lock'`
      : `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE INFO LIKE 'RENAME TABLE%' AND INFO LIKE CONCAT('%\`', ?, '\`%') AND STATE LIKE '%metadata lock%'`;
  const row = await waitFor(async () => (await db.query<{ id: number }>(sql, db.engine === 'postgres' ? [] : [ns]))[0], {
    what: 'the stage to block in its swap, behind the lock',
    stopIf: () =>
      child.exitCode !== null || child.signalCode !== null
        ? `crm-rescue stage ended (exit ${child.exitCode ?? child.signalCode}) first: ${stderr().trim()}`
        : undefined,
  });
  return Number(row.id);
}

describe.each(engines)('%s stage: the connection drops during the swap', (engine: TestEngine) => {
  const sb = makeSandbox(`sti-${engine}`);
  let db: TempDb;
  let id: string;
  const q = engine === 'postgres' ? (s: string) => `"${s}"` : (s: string) => `\`${s}\``;

  beforeAll(async () => {
    db = await createTempDb(engine, 'stint');
    await db.exec('CREATE TABLE parent (id int PRIMARY KEY, v varchar(20))');
    await db.exec("INSERT INTO parent VALUES (1, 'one'), (2, 'two'), (3, 'three')");
    id = await backupId(sb.run, db.url);
  }, 900_000);
  afterAll(async () => {
    if (db && engine === 'mysql') {
      // MySQL staging and scratch databases live beside the test database.
      for (const r of await db.query<{ n: string }>(
        "SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'crm\\_rescue\\_stage\\_%'",
      )) {
        const marker = await db.query<{ d: string }>(`SELECT database_name AS d FROM ${q(r.n)}._crm_rescue_staging WHERE kind = 'namespace'`).catch(() => []);
        if (marker[0]?.d === db.name) await db.exec(`DROP DATABASE ${q(r.n)}`);
      }
    }
    await db?.drop();
    sb.cleanup();
  });

  it('leaves the earlier staged copy and its record as they were, and no half-built table', async () => {
    const first = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'parent', '--json']);
    expect(first.code, first.stderr).toBe(0);
    const ns = String(JSON.parse(first.stdout).namespace);
    // Tag the staged copy, so the test can tell it from a new one.
    await db.exec(`INSERT INTO ${q(ns)}.${q('parent')} VALUES (99, 'earlier copy')`);
    const staged = `SELECT id, v FROM ${q(ns)}.${q('parent')} ORDER BY id`;
    const marker = `SELECT table_name, staged_as, rows_loaded, bytes, staged_at FROM ${q(ns)}._crm_rescue_staging ORDER BY kind, table_name`;
    const before = { rows: await db.query(staged), marker: await db.query(marker) };

    const holder = await lockHolder(
      db,
      engine === 'postgres' ? ['BEGIN', `LOCK TABLE ${q(ns)}._crm_rescue_staging IN SHARE MODE`] : [`LOCK TABLES ${q(ns)}.${q('parent')} READ`],
    );
    const child = spawn(process.execPath, [BIN, 'stage', '--url', db.url, '--backup', id, '--table', 'parent'], {
      // The swap must still be waiting when the test kills it: no 5 s lock timeout on a loaded machine.
      env: { ...process.env, ...sb.env, NO_COLOR: '1', CRM_RESCUE_LOCK_TIMEOUT: '900' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    try {
      const session = await waitForBlockedSwap(db, ns, child, () => stderr);
      await db.exec(engine === 'postgres' ? `SELECT pg_terminate_backend(${session})` : `KILL ${session}`);
      expect(await code).toBe(1);
    } finally {
      await holder.release();
    }
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^crm-rescue: /);
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(await db.query(staged)).toEqual(before.rows);
    expect(await db.query(marker)).toEqual(before.marker);
    if (engine === 'postgres') {
      expect(await db.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY 1`, [ns])).toEqual([
        { tablename: '_crm_rescue_staging' },
        { tablename: 'parent' },
      ]);
    } else {
      const tables = await db.query<{ t: string }>('SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?', [ns]);
      expect(tables.map((r) => r.t).sort()).toEqual(['_crm_rescue_staging', 'parent']);
      expect(await db.query(`SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?`, [`${ns}\\_l%`])).toEqual([]);
    }
    // And staging again afterwards works, replacing the tagged copy.
    const again = await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'parent', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect((await db.query(staged)).map((r) => Number((r as { id: unknown }).id))).toEqual([1, 2, 3]);
  }, 900_000);
});
