import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, makeSandbox } from '../helpers/flow.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';
import { waitFor } from '../helpers/wait.js';

/**
 * Issue #17, part 1: `crm-rescue protect` keeps the evidence of an incident when there is no
 * backup, through the built binary. PostgreSQL: autovacuum paused on the table and its TOAST
 * table (and given back with --release), dead tuples reported. MariaDB: the binary log's state,
 * said plainly when it is off (exit 1), and its files copied into the catalog with their sha256.
 * Without --yes and without a terminal nothing is done (exit 2).
 */

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('postgres: protect pauses autovacuum and reports dead tuples', () => {
  const sb = makeSandbox('protect-pg');
  let db: TempDb;

  const reloptions = async () => {
    const [r] = await db.query<{ heap: string[] | null; toast: string[] | null }>(
      `SELECT c.reloptions AS heap, t.reloptions AS toast FROM pg_class c JOIN pg_class t ON t.oid = c.reltoastrelid WHERE c.oid = 'public.contacts'::regclass`,
    );
    return r;
  };

  beforeAll(async () => {
    db = await createTempDb('postgres', 'protect');
    // 200 rows, 80 deleted: below autovacuum's threshold (50 + 20% of 200), so nothing vacuums them meanwhile.
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name text NOT NULL, bio text)`);
    await db.exec(`INSERT INTO contacts SELECT g, 'contact ' || g, repeat('b', 50) FROM generate_series(1, 200) g`);
    await db.exec(`DELETE FROM contacts WHERE id <= 80`);
    // The statistics reach pg_stat_user_tables when the deleting session reports them.
    await waitFor(
      async () => Number((await db.query<{ n: string }>(`SELECT n_dead_tup AS n FROM pg_stat_user_tables WHERE relname = 'contacts'`))[0]?.n ?? 0) === 80,
      { what: 'n_dead_tup of contacts to reach 80' },
    );
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('without --yes and without a terminal, shows the exact SQL, changes nothing and exits 2', async () => {
    const r = await sb.run(['protect', '--url', db.url, '--table', 'contacts']);
    expectOneLineError(r, 2, /stdin is not a terminal; nothing was done.*--yes/);
    expect(r.stdout).toContain('ALTER TABLE "public"."contacts" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)');
    expect(r.stdout).toMatch(/public\.contacts: 80 dead tuples still on disk/);
    const o = await reloptions();
    expect(o.heap).toBeNull();
    expect(o.toast).toBeNull();
  });

  it('with --yes pauses autovacuum on the table and its TOAST table; the report has n_dead_tup; --release gives it back', async () => {
    const r = await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      source: string;
      confirmed: boolean;
      actions: { shown: string[]; done: boolean }[];
      details: { report: { nDeadTup: number; lastAutovacuum: string | null } }[];
    };
    expect(doc.source).toBe('dead tuples');
    expect(doc.confirmed).toBe(true);
    expect(doc.actions[0].done).toBe(true);
    expect(doc.actions[0].shown[0]).toMatch(/^ALTER TABLE "public"\."contacts" SET \(autovacuum_enabled = false, toast\.autovacuum_enabled = false\)$/);
    expect(doc.details[0].report.nDeadTup).toBe(80);
    let o = await reloptions();
    expect(o.heap).toEqual(['autovacuum_enabled=false']);
    expect(o.toast).toEqual(['autovacuum_enabled=false']);

    // A second protect has nothing to do: no question, exit 0.
    const again = await sb.run(['protect', '--url', db.url, '--table', 'contacts']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already protected/);
    expect(again.stdout).toMatch(/Nothing to do/);

    const rel = await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--release', '--yes']);
    expect(rel.code, rel.stderr).toBe(0);
    expect(rel.stdout).toContain('ALTER TABLE "public"."contacts" RESET (autovacuum_enabled, toast.autovacuum_enabled)');
    o = await reloptions();
    expect(o.heap).toBeNull();
    expect(o.toast).toBeNull();
  });

  it('--incident takes the window and the tables of an incident the audit found; --json without --yes is one document, exit 2', async () => {
    await db.exec(`CREATE TABLE deals (id int PRIMARY KEY, title text NOT NULL)`);
    await db.exec(`INSERT INTO deals SELECT g, 'deal ' || g FROM generate_series(1, 100) g`);
    const inst = await sb.run(['audit', 'install', '--url', db.url, '--tables', 'deals', '--yes']);
    expect(inst.code, inst.stderr).toBe(0);
    await db.exec(`DELETE FROM deals WHERE id <= 30`);
    const inc = await sb.run(['audit', 'incidents', '--url', db.url, '--json']);
    expect(inc.code, inc.stderr).toBe(0);
    const incident = (JSON.parse(inc.stdout) as { incidents: { id: string; window: { start: string; end: string } }[] }).incidents[0];
    const r = await sb.run(['protect', '--url', db.url, '--incident', incident.id, '--json']);
    expect(r.code, r.stderr).toBe(2);
    const doc = JSON.parse(r.stdout) as {
      tables: unknown[];
      window: unknown;
      incident: string;
      confirmed: boolean;
      exitCode: number;
      actions: { shown: string[]; done: boolean }[];
    };
    expect(doc.tables).toEqual([{ schema: 'public', name: 'deals' }]);
    expect(doc.window).toEqual({ since: incident.window.start, until: incident.window.end });
    expect(doc.incident).toBe(incident.id);
    expect(doc.confirmed).toBe(false);
    expect(doc.exitCode).toBe(2);
    expect(doc.actions[0].shown[0]).toMatch(/^ALTER TABLE "public"\."deals" SET/);
    expect(doc.actions[0].done).toBe(false);
    expect((await db.query(`SELECT reloptions FROM pg_class WHERE oid = 'public.deals'::regclass`))[0]).toEqual({ reloptions: null });
  });

  it('refuses contradicting flags and unknown tables in one line', async () => {
    expectOneLineError(await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--copy-binlogs']), 2, /--copy-binlogs needs the incident window/);
    expectOneLineError(await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--release', '--backup']), 2, /--release only gives back/);
    expectOneLineError(await sb.run(['protect', '--url', db.url, '--table', 'nope', '--yes']), 1, /table nope not found/);
  });
});

describe('mysql (shared MariaDB, binary log off): protect says there is nothing to protect', () => {
  const sb = makeSandbox('protect-my');
  let db: TempDb;
  beforeAll(async () => {
    db = await createTempDb('mysql', 'protect');
    await db.exec(`CREATE TABLE contacts (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
  }, 300_000);
  afterAll(async () => {
    await db?.drop();
    sb.cleanup();
  });

  it('reports "binary log is off" with what it means and exits 1; --copy-binlogs copies nothing', async () => {
    const r = await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--since', '1h']);
    expectOneLineError(r, 1, /binary log is off \(log_bin=OFF\).*no row images.*the only source is a backup/);
    expect(r.stdout).toMatch(/binary log: OFF/);
    const c = await sb.run(['protect', '--url', db.url, '--table', 'contacts', '--since', '1h', '--copy-binlogs', '--json']);
    expect(c.code, c.stderr).toBe(1);
    const doc = JSON.parse(c.stdout) as { unusable: string; actions: unknown[]; details: { logBin: boolean } };
    expect(doc.details.logBin).toBe(false);
    expect(doc.unusable).toMatch(/binary log is off/);
    expect(doc.actions).toEqual([]);
    expect(existsSync(join(sb.dir, 'binlogs'))).toBe(false);
  });
});

describe('mysql (private MariaDB, binary log on): protect reports and copies the binary log', () => {
  const sb = makeSandbox('protect-binlog');
  let server: PrivateMariaDb;
  let url: string;
  beforeAll(async () => {
    server = await startPrivateMariaDb();
    await server.query(`CREATE DATABASE crm; CREATE TABLE crm.contacts (id int PRIMARY KEY, name varchar(40) NOT NULL)`);
    await server.query(`INSERT INTO crm.contacts VALUES (1, 'a'), (2, 'b'), (3, 'c'); DELETE FROM crm.contacts WHERE id < 3; FLUSH BINARY LOGS`);
    await server.query(`INSERT INTO crm.contacts VALUES (4, 'd')`);
    url = `${server.url}/crm`;
  }, 300_000);
  afterAll(async () => {
    await server?.stop();
    sb.cleanup();
  });

  it('reports format, row image, the kept files and the window; without --yes copies nothing (exit 2)', async () => {
    const r = await sb.run(['protect', '--url', url, '--table', 'contacts', '--since', '1h', '--copy-binlogs']);
    expectOneLineError(r, 2, /nothing was done/);
    expect(r.stdout).toMatch(/binary log: ON, binlog_format=ROW, binlog_row_image=FULL/);
    expect(r.stdout).toMatch(/kept files: 2 /);
    expect(r.stdout).toMatch(/oldest kept: binlog\.000001, events from \d{4}-/);
    expect(r.stdout).toMatch(/window .*: binlog\.000001, binlog\.000002/);
    expect(r.stdout).toMatch(/cp .*binlog\.000001 /);
    expect(existsSync(join(sb.dir, 'binlogs'))).toBe(false);
  });

  it('--copy-binlogs --yes copies the files readable here with their sha256 in a manifest', async () => {
    const r = await sb.run(['protect', '--url', url, '--table', 'contacts', '--since', '1h', '--copy-binlogs', '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as {
      actions: { done: boolean; details: { dir: string; copied: { name: string; sha256: string; via: string; complete: boolean }[] } }[];
    };
    const copy = doc.actions[0].details;
    expect(copy.copied.map((c) => [c.name, c.via, c.complete])).toEqual([
      ['binlog.000001', 'local', true],
      ['binlog.000002', 'local', false],
    ]);
    const manifest = JSON.parse(readFileSync(join(copy.dir, 'manifest.json'), 'utf8')) as { files: { name: string; sha256: string }[] };
    // The closed file is byte-identical to the server's.
    const closed = manifest.files.find((f) => f.name === 'binlog.000001')!;
    expect(closed.sha256).toBe(sha256(join(server.dir, 'binlog.000001')));
    expect(sha256(join(copy.dir, 'binlog.000001'))).toBe(closed.sha256);
  });

  it('copies from the server as a replica reads them (--read-from-remote-server --raw) when the files are not readable here', async () => {
    const [{ openDb }, { parseTargetUrl }, { copyBinlogs }] = await Promise.all([
      import('../../src/connect/open.js'),
      import('../../src/connect/target.js'),
      import('../../src/nobackup/mysql-protect.js'),
    ]);
    const conn = await openDb(parseTargetUrl(url), { interactive: false });
    try {
      const dir = join(sb.home, 'remote');
      const r = await copyBinlogs(conn, ['binlog.000001'], dir, { via: 'remote' });
      expect(r.copied.map((c) => [c.name, c.via])).toEqual([['binlog.000001', 'remote']]);
      expect(r.copied[0].sha256).toBe(sha256(join(server.dir, 'binlog.000001')));
    } finally {
      await conn.close();
    }
  });

  it('names the missing privilege when SHOW BINARY LOGS is refused', async () => {
    await server.query(`CREATE USER 'weak'@'127.0.0.1' IDENTIFIED BY 'pw'; GRANT SELECT ON crm.* TO 'weak'@'127.0.0.1'`);
    const weak = `mysql://weak:pw@127.0.0.1:${server.port}/crm`;
    const r = await sb.run(['protect', '--url', weak, '--table', 'contacts', '--since', '1h']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/cannot list the kept files: .*BINLOG MONITOR/);
    expectOneLineError(
      await sb.run(['protect', '--url', weak, '--table', 'contacts', '--since', '1h', '--copy-binlogs', '--yes']),
      1,
      /SHOW BINARY LOGS needs .*BINLOG MONITOR/,
    );

    // Allowed to list the files, not to read them as a replica: the copy names REPLICATION SLAVE.
    await server.query(`GRANT BINLOG MONITOR ON *.* TO 'weak'@'127.0.0.1'`);
    const [{ openDb }, { parseTargetUrl }, { copyBinlogs }] = await Promise.all([
      import('../../src/connect/open.js'),
      import('../../src/connect/target.js'),
      import('../../src/nobackup/mysql-protect.js'),
    ]);
    const conn = await openDb(parseTargetUrl(weak), { interactive: false });
    try {
      await expect(copyBinlogs(conn, ['binlog.000001'], join(sb.home, 'refused'), { via: 'remote' })).rejects.toThrow(/needs the REPLICATION SLAVE privilege/);
    } finally {
      await conn.close();
    }
  });
});
