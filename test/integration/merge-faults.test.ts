import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { backupId, expectOneLineError, makeSandbox, ndjson } from '../helpers/flow.js';
import { engines, type TestEngine } from '../helpers/servers.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';

const ROWS = 200_000;

/** A content checksum of the big table computed by the server (too many rows to fetch). */
async function bigChecksum(db: TempDb): Promise<string> {
  const sql =
    db.engine === 'postgres'
      ? `SELECT count(*) AS n, md5(string_agg(md5(t::text), '' ORDER BY id)) AS h FROM big t`
      : `SELECT COUNT(*) AS n, SUM(CRC32(CONCAT_WS('|', id, name, IFNULL(v, 'N'), deleted))) AS h FROM big`;
  const [r] = await db.query<{ n: unknown; h: unknown }>(sql);
  return `${String(r.n)}:${String(r.h)}`;
}

/** Rows of the journal, or 0 when it does not exist yet. */
async function journalRows(db: TempDb): Promise<number> {
  const ns = db.engine === 'postgres' ? 'crm_rescue' : `crm_rescue__${db.name}`;
  const exists =
    db.engine === 'postgres'
      ? await db.query(`SELECT 1 FROM pg_tables WHERE schemaname = '${ns}' AND tablename = 'merges'`)
      : await db.query(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = '${ns}' AND TABLE_NAME = 'merges'`);
  if (!exists.length) return 0;
  const q = db.engine === 'postgres' ? `"${ns}".merges` : `\`${ns}\`.merges`;
  const [r] = await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${q}`);
  return Number(r.n);
}

/** Waits until the server runs a crm-rescue INSERT into `big` (the apply under way); returns its session id. */
async function waitForApply(db: TempDb, child: ChildProcess): Promise<number> {
  const sql =
    db.engine === 'postgres'
      ? `SELECT pid AS id FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue' AND state = 'active' AND query LIKE 'INSERT INTO "public"."big"%'`
      : `SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND INFO LIKE 'INSERT INTO \`${db.name}\`.\`big\`%'`;
  const row = await waitFor(async () => (await db.query<{ id: number }>(sql))[0], {
    what: 'the merge to run an INSERT into big',
    intervalMs: 10,
    stopIf: () =>
      child.exitCode !== null || child.signalCode !== null ? `crm-rescue merge ended (exit ${child.exitCode ?? child.signalCode}) first` : undefined,
  });
  return Number(row.id);
}

/** Waits until no crm-rescue session is left on the server (its transaction rolled back). */
async function waitForNoSessions(db: TempDb): Promise<void> {
  const sql =
    db.engine === 'postgres'
      ? `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue'`
      : `SELECT COUNT(*) AS n FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND <> 'Sleep' OR (DB = DATABASE() AND INFO LIKE 'INSERT%')`;
  const sessions =
    db.engine === 'postgres'
      ? `SELECT pid, state, left(query, 80) AS query FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'crm-rescue'`
      : `SELECT ID, COMMAND, STATE, LEFT(INFO, 80) AS INFO FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`;
  await waitFor(async () => Number((await db.query<{ n: unknown }>(sql))[0].n) === 0, {
    what: "the killed merge's sessions to end (their transaction rolled back)",
    lastSeen: async () => JSON.stringify(await db.query(sessions)),
  });
}

describe.each(engines)('%s merge faults', (engine: TestEngine) => {
  const sb = makeSandbox(`mf-${engine}`);
  let db: TempDb;
  let id: string;

  beforeAll(async () => {
    db = await createTempDb(engine, 'mergefault');
    const gen = engine === 'postgres' ? `generate_series(1, ${ROWS}) AS g` : `seq_1_to_${ROWS} AS s`;
    const g = engine === 'postgres' ? 'g' : 's.seq';
    await db.exec(`CREATE TABLE big (id int PRIMARY KEY, name varchar(60) NOT NULL, v int, deleted smallint NOT NULL DEFAULT 0)`);
    await db.exec(`INSERT INTO big SELECT ${g}, CONCAT('name ', ${g}), CASE WHEN ${g} % 7 = 0 THEN NULL ELSE ${g} * 3 END, 0 FROM ${gen}`);
    id = await backupId(sb.run, db.url);
    await db.exec(`DELETE FROM big WHERE id > 20000`);
    await db.exec(`UPDATE big SET deleted = 1 WHERE id <= 10`);
  }, 900_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('SIGKILL in the middle of a large apply leaves live data and the journal exactly as before', async () => {
    // Stage first so the apply starts quickly.
    expect((await sb.run(['stage', '--url', db.url, '--backup', id, '--table', 'big'])).code).toBe(0);
    const before = await bigChecksum(db);
    const journal = await journalRows(db);
    const child = spawn(process.execPath, [BIN, 'merge', '--url', db.url, '--backup', id, '--table', 'big', '--deleted', '--apply', '--yes'], {
      env: { ...process.env, ...sb.env },
      stdio: 'ignore',
    });
    const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_c, s) => r(s)));
    await waitForApply(db, child);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    await waitForNoSessions(db);
    expect(await bigChecksum(db)).toBe(before);
    expect(await journalRows(db)).toBe(journal);
  });

  it('the connection terminated by the server midway: one line, non-zero, nothing written', async () => {
    const before = await bigChecksum(db);
    const journal = await journalRows(db);
    const child = spawn(process.execPath, [BIN, 'merge', '--url', db.url, '--backup', id, '--table', 'big', '--deleted', '--apply', '--yes'], {
      env: { ...process.env, ...sb.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const session = await waitForApply(db, child);
    await db.exec(engine === 'postgres' ? `SELECT pg_terminate_backend(${session})` : `KILL ${session}`);
    expect(await code).toBe(1);
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^crm-rescue: .*(rolled back|connection|terminat|lost)/i);
    expect(stderr).not.toMatch(/\n\s+at /);
    await waitForNoSessions(db);
    expect(await bigChecksum(db)).toBe(before);
    expect(await journalRows(db)).toBe(journal);
  });

  it('a CRM user holding a lock on a row to restore: the merge waits, gives up cleanly, writes nothing', async () => {
    const before = await bigChecksum(db);
    const holder = await createLockHolder(db, `UPDATE big SET name = name WHERE id = 5`);
    try {
      const r = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big', '--soft-deleted', '--apply', '--yes', '--lock-timeout', '1']);
      expectOneLineError(r, 1, /rolled back, live data is unchanged: .*(lock|Lock)/);
    } finally {
      await holder.release();
    }
    expect(await bigChecksum(db)).toBe(before);
  });

  it('merge --undelete with a CRM user holding a lock on a flagged row: gives up cleanly, writes nothing, journals nothing', async () => {
    const before = await bigChecksum(db);
    const journal = await journalRows(db);
    const holder = await createLockHolder(db, `UPDATE big SET name = name WHERE id = 5`);
    try {
      const r = await sb.run(['merge', '--url', db.url, '--table', 'big', '--undelete', '--where', 'id <= 10', '--apply', '--yes', '--lock-timeout', '1']);
      expectOneLineError(r, 1, /rolled back, live data is unchanged: .*(lock|Lock)/);
    } finally {
      await holder.release();
    }
    expect(await bigChecksum(db)).toBe(before);
    expect(await journalRows(db)).toBe(journal);
  });

  it('a full apply then undo, with the per-row report', async () => {
    const before = await bigChecksum(db);
    const r = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big', '--soft-deleted', '--apply', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = ndjson(r.stdout);
    expect(lines.filter((l) => l.type === 'outcome' && l.outcome === 'updated')).toHaveLength(10);
    const result = lines.find((l) => l.type === 'result') as { mergeId: string; verify: { mismatched: number } };
    expect(result.verify.mismatched).toBe(0);
    const u = await sb.run(['undo', result.mergeId, '--url', db.url, '--yes']);
    expect(u.code, u.stderr).toBe(0);
    expect(await bigChecksum(db)).toBe(before);
    expectOneLineError(await sb.run(['undo', result.mergeId, '--url', db.url, '--yes']), 1, /already undone/);
  });

  it('bad selections: none given, nothing matching, a key not in the backup', async () => {
    expectOneLineError(await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big']), 2, /no selection/);
    expectOneLineError(await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big', '--where', 'id < 0']), 1, /matches no rows/);
    expectOneLineError(await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big', '--keys', '999999999']), 1, /not in the backup/);
  });

  it('stale staging (dropped after staging): merge stages again and says so', async () => {
    expect((await sb.run(['staging', 'drop', id, '--url', db.url])).code).toBe(0);
    const r = await sb.run(['merge', '--url', db.url, '--backup', id, '--table', 'big', '--keys', '20001']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/staged .*big from backup/);
    expect(r.stdout).toMatch(/Dry run/);
  });
});

/** A second session that holds a row lock until released (a CRM user mid-edit). */
async function createLockHolder(db: TempDb, statement: string): Promise<{ release(): Promise<void> }> {
  if (db.engine === 'postgres') {
    const pg = (await import('pg')).default;
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    await c.query('BEGIN');
    await c.query(statement);
    return { release: async () => (await c.query('ROLLBACK'), await c.end()) };
  }
  const mysql = (await import('mysql2/promise')).default;
  const c = await mysql.createConnection({ uri: db.url });
  await c.query('START TRANSACTION');
  await c.query(statement);
  return { release: async () => (await c.query('ROLLBACK'), await c.end()) };
}
