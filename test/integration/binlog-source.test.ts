import { copyFile, mkdtemp, open, readdir, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { UserError } from '../../src/errors.js';
import { binlogSource, type BinlogSourceOptions } from '../../src/stage/sources/binlog.js';
import { stageFromSource } from '../../src/stage/stage-rows.js';
import { stageServices } from '../../src/recovery/stage.js';
import { ALL_TYPES_COLUMNS as TYPES, ALL_TYPES_ROWS as ROWS } from '../helpers/mysql-all-types.js';
import { startPrivateMariaDb, type PrivateMariaDb } from '../helpers/private-mariadb.js';

/**
 * The binary-log source against a private MariaDB with --log-bin --binlog-format=ROW (the shared
 * test server runs with the log off and is never touched here).
 */

/** Columns compared as numbers (exact for FLOAT/DOUBLE), the others byte for byte. */
const NUMERIC = ['id', 'ti', 'tiu', 'si', 'siu', 'mi', 'miu', 'i', 'iu', 'bi', 'biu', 'de', 'de2', 'de3', 'fl', 'db'];
const COLUMNS = [...TYPES.matchAll(/(?:^|,)\s*(\w+) /gm)].map((m) => m[1]);

describe('binary-log source (private MariaDB, ROW format)', () => {
  let m: PrivateMariaDb;
  let db: Db;
  const work: string[] = [];

  const dbFor = async (url: string) => openDb(completeTarget(parseTargetUrl(url)), { readOnly: false, interactive: false });
  const stage = async (options: BinlogSourceOptions, tables: string[], on = db) => {
    const source = await binlogSource(on, options);
    const found = await source.find(tables);
    return stageFromSource(on, source, found);
  };
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    const text = `${(err as UserError).message}`;
    expect(text).not.toContain('\n');
    return text;
  };
  const files = async () =>
    (await readdir(m.dir))
      .filter((n) => /^binlog\.\d+$/.test(n))
      .sort()
      .map((n) => join(m.dir, n));
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), 'crt-binlog-'));
    work.push(d);
    return d;
  };

  beforeAll(async () => {
    m = await startPrivateMariaDb();
    await m.query(`CREATE DATABASE crm CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await m.query(`SET time_zone = '+00:00'; SET SESSION sql_mode = '';
      CREATE TABLE crm.t (${TYPES});
      INSERT INTO crm.t VALUES ${ROWS};
      CREATE TABLE crm.t_before LIKE crm.t; INSERT INTO crm.t_before SELECT * FROM crm.t;
      UPDATE crm.t SET vc = 'changed once' WHERE id = 5;
      UPDATE crm.t SET vc = 'changed twice', fl = 1 WHERE id = 5;
      UPDATE crm.t SET tx = 'updated, not deleted' WHERE id = 6;
      DELETE FROM crm.t WHERE id IN (1, 2, 3, 4);
      DELETE FROM crm.t WHERE id = 5;`);
    db = await dbFor(`${m.url}/crm`);
  }, 60_000);

  afterAll(async () => {
    await db?.close();
    await m?.stop();
    for (const d of work) await rm(d, { recursive: true, force: true });
  });

  /** Rows of the staged copy that differ from the row as it was (t_before), by key. */
  const differing = async (ns: string, expectedIds: number[]) => {
    const q = (c: string) => (NUMERIC.includes(c) ? `b.${c} <=> s.${c}` : `BINARY b.${c} <=> BINARY s.${c}`);
    // Per differing row, which columns differ: `5:vc`.
    const rows = await m.query<{ id: number; cols: string }>(
      `SELECT s.id, CONCAT_WS(',', ${COLUMNS.map((c) => `IF(${q(c)}, NULL, '${c}')`).join(', ')}) AS cols FROM \`${ns}\`.t s LEFT JOIN crm.t_before b ON b.id = s.id WHERE NOT (${COLUMNS.map(q).join(' AND ')}) ORDER BY s.id`,
    );
    const ids = await m.query<{ id: number }>(`SELECT id FROM \`${ns}\`.t ORDER BY id`);
    expect(ids.map((r) => Number(r.id))).toEqual(expectedIds);
    expect(COLUMNS).toHaveLength(40);
    return rows.map((r) => `${r.id}:${r.cols}`);
  };

  it('stages the newest image before the deletion of every row, every type exactly, read from the server', async () => {
    const res = await stage({}, ['t']);
    expect(res.tables.map((t) => t.rows)).toEqual([5]);
    // Row 5 was updated twice, then deleted: the deleted image is its latest state, not t_before.
    expect(await differing(res.namespace, [1, 2, 3, 4, 5])).toEqual(['5:fl,vc']);
    const [five] = await m.query<{ vc: string; fl: number }>(`SELECT vc, fl FROM \`${res.namespace}\`.t WHERE id = 5`);
    expect(five).toMatchObject({ vc: 'changed twice' });
    const where = await m.query<{ _binlog_pos: string; _binlog_event: string; _binlog_statement: string; _binlog_at: string }>(
      `SELECT _binlog_pos, _binlog_event, _binlog_statement, _binlog_at FROM \`${res.namespace}\`.t WHERE id = 1`,
    );
    expect(where[0]._binlog_pos).toMatch(/^binlog\.\d{6}:\d+$/);
    expect(where[0]).toMatchObject({ _binlog_event: 'delete', _binlog_statement: 'DELETE FROM crm.t WHERE id IN (1, 2, 3, 4)' });
    // The live table is untouched.
    expect((await m.query(`SELECT id FROM crm.t`)).map((r) => Number(r.id))).toEqual([6]);
  });

  it('reads local files (or a folder of them, as protect keeps them) the same way; with updates, UPDATE before-images count', async () => {
    const dir = await tmp();
    for (const f of await files()) await copyFile(f, join(dir, f.split('/').pop()!));
    const res = await stage({ files: [dir], updates: true }, ['t']);
    expect(res.tables.map((t) => t.rows)).toEqual([6]);
    // Row 6 was only updated: its before-image is the row as it was; 1–4 exactly as before.
    expect(await differing(res.namespace, [1, 2, 3, 4, 5, 6])).toEqual(['5:fl,vc']);
  });

  it('decodes every fractional precision of TIME, DATETIME and TIMESTAMP, negative times included', async () => {
    await m.query(`SET time_zone = '+00:00';
      CREATE TABLE crm.fr (id INT PRIMARY KEY, t1 TIME(1), t2 TIME(2), t3 TIME(3), t4 TIME(4), t5 TIME(5), d1 DATETIME(1), d3 DATETIME(3), d4 DATETIME(4), s2 TIMESTAMP(2) NULL, s3 TIMESTAMP(3) NULL, s5 TIMESTAMP(5) NULL);
      INSERT INTO crm.fr VALUES
        (1, '-00:00:00.1', '-01:02:03.45', '-838:59:58.999', '-00:00:01.0001', '-12:00:00.00001', '2020-01-01 00:00:00.9', '2020-02-29 12:34:56.789', '1000-01-01 00:00:00.0001', '2020-01-01 00:00:00.99', '1970-01-01 00:00:01.001', '2038-01-19 03:14:07.99999'),
        (2, '00:00:00.9', '23:59:59.99', '838:59:59.000', '00:00:00.0000', '00:00:00.00000', '9999-12-31 23:59:59.9', '2000-01-01 00:00:00.000', '2000-01-01 00:00:00.0009', '2001-01-01 00:00:00.01', '2001-01-01 00:00:00.000', '2001-01-01 00:00:00.00001'),
        (3, '-00:00:00.0', '-00:00:00.01', '-00:00:00.001', '-00:00:00.0001', '-00:00:00.00001', NULL, NULL, NULL, NULL, NULL, NULL);
      CREATE TABLE crm.fr_before AS SELECT * FROM crm.fr;
      DELETE FROM crm.fr;`);
    const res = await stage({ files: await files() }, ['fr']);
    expect(res.tables.map((t) => t.rows)).toEqual([3]);
    const cols = ['t1', 't2', 't3', 't4', 't5', 'd1', 'd3', 'd4', 's2', 's3', 's5'];
    const diff = await m.query(
      `SELECT s.id FROM \`${res.namespace}\`.fr s JOIN crm.fr_before b USING (id) WHERE NOT (${cols.map((c) => `BINARY b.${c} <=> BINARY s.${c}`).join(' AND ')})`,
    );
    expect(diff).toEqual([]);
  });

  it('refuses a window with no events, naming the window', async () => {
    const text = await refusal(stage({ since: '2001-01-01T00:00:00Z', until: '2001-01-02T00:00:00Z', files: await files() }, ['t']));
    expect(text).toMatch(/no deletions of crm\.t in the window \(since 2001-01-01T00:00:00Z, until 2001-01-02T00:00:00Z/);
  });

  it("reads a loss's window a few seconds wider: the log stamps a statement's start, an audit the moment after it", async () => {
    // The statement runs at T (the log's stamp); the audit saw it 2 s later (a loaded server).
    const [{ t }] = await m.query<{ t: number | string }>('SELECT UNIX_TIMESTAMP() AS t');
    const T = Number(t);
    await m.query(`CREATE TABLE crm.late (id int PRIMARY KEY, v varchar(20));
      INSERT INTO crm.late VALUES (1, 'one'), (2, 'two'), (3, 'three');
      SET TIMESTAMP = ${T}; DELETE FROM crm.late WHERE id = 2; SET TIMESTAMP = DEFAULT;`);
    const iso = (s: number) => new Date(s * 1000).toISOString();
    const window = { since: iso(T + 2), until: iso(T + 3) };
    // Read exactly, the window misses the deletion; the wizard's read (windowChoice) has it.
    expect(await refusal(stage({ ...window }, ['late']))).toMatch(/no .*event|no deletion|nothing/i);
    const home = await tmp();
    const staged = await stageServices(db, () => db.dialect.introspect(db), { CRM_RESCUE_HOME: home }).run({
      backupId: 'binlog',
      tables: ['late'],
      withRelated: false,
      window,
    });
    expect(staged.tables.find((x) => x.table === 'late')?.rows).toBe(1);
  });

  it('refuses statement-format logging (the log holds the statement, not the rows)', async () => {
    await m.query(`CREATE TABLE crm.s (id INT PRIMARY KEY, v TEXT); INSERT INTO crm.s VALUES (1,'a'),(2,'b');
      SET SESSION binlog_format = 'STATEMENT'; DELETE FROM crm.s WHERE id = 1;`);
    const text = await refusal(stage({ files: await files() }, ['s']));
    expect(text).toMatch(/holds a statement on crm\.s at binlog\.\d+:\d+ \(DELETE FROM crm\.s WHERE id = 1\).*STATEMENT or MIXED/);
  });

  it('refuses MINIMAL row images (columns missing)', async () => {
    await m.query(`CREATE TABLE crm.mi (id INT PRIMARY KEY, v TEXT); INSERT INTO crm.mi VALUES (1,'a');
      SET SESSION binlog_row_image = 'MINIMAL'; DELETE FROM crm.mi WHERE id = 1;`);
    const text = await refusal(stage({ files: await files() }, ['mi']));
    expect(text).toMatch(/images of crm\.mi are incomplete .*binlog_row_image=MINIMAL/);
  });

  it('refuses a table altered inside the window, and accepts a window after the change', async () => {
    await m.query(`CREATE TABLE crm.a (id INT PRIMARY KEY, v TEXT); INSERT INTO crm.a VALUES (1,'a'),(2,'b');
      DELETE FROM crm.a WHERE id = 1; ALTER TABLE crm.a ADD COLUMN w INT; DELETE FROM crm.a WHERE id = 2;`);
    const text = await refusal(stage({ files: await files() }, ['a']));
    expect(text).toMatch(/crm\.a was changed inside the window \(at binlog\.\d+:\d+, .*ALTER TABLE crm\.a ADD COLUMN w INT\)/);
    // Starting after the ALTER (its position), the one later deletion decodes with today's definition.
    const all = await files();
    const { readEvents } = await import('../../src/nobackup/binlog/events.js');
    const { queryEvent } = await import('../../src/nobackup/binlog/events.js');
    let after = '';
    for (const f of all)
      for await (const ev of readEvents(f)) if (ev.type === 2 && queryEvent(ev.body).sql.startsWith('ALTER TABLE crm.a')) after = `${ev.file}:${ev.pos + 1}`;
    const res = await stage({ files: all, startPosition: after }, ['a']);
    expect(res.tables.map((t) => t.rows)).toEqual([1]);
  });

  it('refuses a corrupted and a truncated file, naming the position', async () => {
    const dir = await tmp();
    const [first] = await files();
    const size = (await stat(first)).size;
    const bad = join(dir, 'binlog.000001');
    await copyFile(first, bad);
    const fh = await open(bad, 'r+');
    const b = Buffer.alloc(1);
    await fh.read(b, 0, 1, Math.floor(size / 2));
    b[0] = b[0] ^ 0xff;
    await fh.write(b, 0, 1, Math.floor(size / 2));
    await fh.close();
    expect(await refusal(stage({ files: [bad] }, ['t']))).toMatch(/binlog\.000001 is damaged at position \d+: checksum mismatch/);
    const short = join(dir, 'binlog.000002');
    await copyFile(first, short);
    const fh2 = await open(short, 'r+');
    await fh2.truncate(size - 7);
    await fh2.close();
    expect(await refusal(stage({ files: [short] }, ['t']))).toMatch(/binlog\.000002 is damaged at position \d+: the file is truncated/);
  });

  it('refuses a window that starts before the oldest file read (purged or not given)', async () => {
    await m.query(`FLUSH BINARY LOGS; DELETE FROM crm.s WHERE id = 2;`);
    const newest = (await files()).pop()!;
    const text = await refusal(stage({ files: [newest], since: '2001-01-01T00:00:00Z' }, ['t']));
    expect(text).toMatch(/before the oldest binary log file read \(binlog\.\d+, from .*purged or not given/);
  });

  it('names the missing privilege: BINLOG MONITOR to list the files, REPLICATION SLAVE to read them', async () => {
    await m.query(`CREATE USER lim@'%'; GRANT SELECT ON crm.* TO lim@'%';`);
    const limitedUrl = `${m.url.replace('root@', 'lim@')}/crm`;
    const limited = await dbFor(limitedUrl);
    try {
      expect(await refusal(binlogSource(limited, {}))).toMatch(/lacks BINLOG MONITOR/);
    } finally {
      await limited.close();
    }
    // Global privileges reach new sessions only.
    await m.query(`GRANT BINLOG MONITOR ON *.* TO lim@'%'`);
    const listing = await dbFor(limitedUrl);
    try {
      expect(await refusal(binlogSource(listing, {}))).toMatch(/lacks REPLICATION SLAVE/);
    } finally {
      await listing.close();
    }
  });

  it('refuses when the connection drops while the log is read (nothing staged)', async () => {
    // A binlog reader that sends part of a file and loses the server, as a dropped connection does.
    const bin = await tmp();
    const fake = join(bin, 'mariadb-binlog');
    await writeFile(
      fake,
      `#!/bin/sh\nfor a; do case "$a" in --result-file=*) d="\${a#--result-file=}";; esac; done\nhead -c 300 "${(await files())[0]}" > "\${d}binlog.000001"\necho "ERROR: Got error reading packet from server: Lost connection to server during query" >&2\nexit 1\n`,
    );
    await chmod(fake, 0o755);
    const before = process.env.CRM_RESCUE_MYSQL_BINDIR;
    process.env.CRM_RESCUE_MYSQL_BINDIR = bin;
    try {
      expect(await refusal(stage({}, ['t']))).toMatch(/Reading the binary log from the server failed .*Lost connection.*nothing was staged/);
    } finally {
      if (before === undefined) delete process.env.CRM_RESCUE_MYSQL_BINDIR;
      else process.env.CRM_RESCUE_MYSQL_BINDIR = before;
    }
  });

  it('refuses a server whose binary log is off, saying the row images are missing', async () => {
    const off = await startPrivateMariaDb(['--skip-log-bin']);
    const offDb = await dbFor(`${off.url}/mysql`);
    try {
      expect(await refusal(binlogSource(offDb, {}))).toMatch(/does not write a binary log \(log_bin is OFF\): deleted rows left no images/);
    } finally {
      await offDb.close();
      await off.stop();
    }
  }, 60_000);
});
