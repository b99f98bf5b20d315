import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tableChecksum } from '../helpers/checksum.js';
import { runCli } from '../helpers/cli.js';
import { haveSchemas, loadMysql, shared, skipNotice } from '../helpers/crm-dumps.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * mydumper on the shared test server: it refuses to start while any query of another test has
 * run for 60 s (--long-query-guard), and its FLUSH TABLES WITH READ LOCK would stall every other
 * test's writes (--no-locks: these tables do not change while dumped).
 */
const MYDUMPER_SHARED = ['--long-query-guard', '86400', '--no-locks'];

/**
 * The whole loop for every format another tool writes (each compression tool once: bzip2 and
 * lz4 on MariaDB's dumps; a compressed stream reads the same whatever is inside, see
 * external-detect), through the built binary: the dump is
 * made by the real tool, rows are deleted from live, `merge --backup FILE --deleted --apply`
 * imports the file, stages the one table out of it, diffs and merges, and the live table must
 * then be identical to what it was before the deletion (every value, as the server prints it).
 * One database per engine is reused in turn by every format: after each merge it is whole again.
 */
const ROWS = 60;
let dir: string;
let catalog: string;

const sh = (cmd: string, args: string[], opts: { input?: Buffer; cwd?: string } = {}) =>
  execFileSync(cmd, args, { input: opts.input, cwd: opts.cwd ?? dir, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
const file = (name: string) => join(dir, name);
const compress = (tool: string, from: string, to: string) => writeFileSync(file(to), sh(tool, ['-c'], { input: readFileSync(file(from)) }));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'crs-extfmt-'));
  catalog = join(dir, 'catalog');
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Deletes every third row, merges them back from `backup`, and checks the table is whole. */
async function roundTrip(db: TempDb, table: string, backup: string, opts: { undo?: boolean } = {}): Promise<void> {
  const before = await tableChecksum(db, table);
  const q = db.engine === 'postgres' ? `"${table}"` : `\`${table}\``;
  await db.exec(`DELETE FROM ${q} WHERE id % 3 = 0`);
  const deleted = await tableChecksum(db, table);
  expect(deleted).not.toBe(before);
  const merge = () => runCli(['merge', '--url', db.url, '--backup', backup, '--table', table, '--deleted', '--apply', '--yes', '--dir', catalog, '--json']);
  let r = await merge();
  expect(r.stderr + r.stdout).not.toMatch(/\n\s+at /);
  expect(r.code, r.stderr).toBe(0);
  expect(await tableChecksum(db, table)).toBe(before);
  if (!opts.undo) return;
  // Undo takes the merged rows out again, exactly; merging once more brings them back.
  // --json prints NDJSON: the dry run's and the apply's lines, then the result.
  const lines = r.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { type?: string; mergeId?: string });
  const mergeId = lines.find((l) => l.type === 'result')?.mergeId;
  expect(mergeId, r.stdout).toBeTruthy();
  const u = await runCli(['undo', '--url', db.url, mergeId!, '--yes']);
  expect(u.code, u.stderr).toBe(0);
  expect(await tableChecksum(db, table)).toBe(deleted);
  r = await merge();
  expect(r.code, r.stderr).toBe(0);
  expect(await tableChecksum(db, table)).toBe(before);
}

describe('PostgreSQL: every pg_dump format through stage → diff → merge', () => {
  let db: TempDb;
  const formats: [string, () => string][] = [];
  beforeAll(async () => {
    db = await createTempDb('postgres', 'extfmt');
    await db.exec(`
      CREATE TABLE people (id int PRIMARY KEY, name text, note text, amount numeric(12,3), seen timestamptz, tags text[], doc jsonb, raw bytea);
      INSERT INTO people SELECT g, 'Person ' || g, CASE g % 4 WHEN 0 THEN NULL WHEN 1 THEN '' WHEN 2 THEN E'tab\\there\\nnew line \\\\ back' ELSE 'ünïcødé ✓ ' || g END,
        g * 1.125, timestamptz '2026-01-01 00:00:00+00' + g * interval '1 hour', ARRAY['a' || g, NULL, 'q"uote'], jsonb_build_object('n', g, 's', 'x''y'), decode(md5(g::text), 'hex')
      FROM generate_series(1, ${ROWS}) g;
      CREATE TABLE other (id int PRIMARY KEY, v text); INSERT INTO other SELECT g, 'o' || g FROM generate_series(1, 500) g;`);
    const args = ['-h', '127.0.0.1', '-U', 'root', '-d', db.name];
    writeFileSync(file('pg.custom'), sh('pg_dump', [...args, '-Fc']));
    sh('pg_dump', [...args, '-Fd', '-f', file('pg.dir')]);
    writeFileSync(file('pg.tar'), sh('pg_dump', [...args, '-Ft']));
    writeFileSync(file('pg.sql'), sh('pg_dump', args));
    compress('gzip', 'pg.sql', 'pg.sql.gz');
    writeFileSync(file('pg-inserts.sql'), sh('pg_dump', [...args, '--inserts']));
    compress('xz', 'pg-inserts.sql', 'pg-inserts.sql.xz');
    writeFileSync(file('pg-colinserts.sql'), sh('pg_dump', [...args, '--column-inserts', '--rows-per-insert=7']));
    compress('zstd', 'pg-colinserts.sql', 'pg-colinserts.sql.zst');
    // Odoo's database manager: a zip of dump.sql, manifest.json and filestore/.
    mkdirSync(file('odoo/filestore/00'), { recursive: true });
    copyFileSync(file('pg.sql'), file('odoo/dump.sql'));
    writeFileSync(file('odoo/manifest.json'), JSON.stringify({ odoo_dump: '1', db_name: db.name, version: '17.0', pg_version: '15.0' }));
    writeFileSync(file('odoo/filestore/00/0011aa'), 'attachment bytes');
    sh('zip', ['-qr', file('odoo.zip'), '.'], { cwd: file('odoo') });
    formats.push(
      ['custom archive (-Fc)', () => file('pg.custom')],
      ['directory archive (-Fd)', () => file('pg.dir')],
      ['tar archive (-Ft)', () => file('pg.tar')],
      ['plain SQL', () => file('pg.sql')],
      ['plain SQL, gzip', () => file('pg.sql.gz')],
      ['--inserts, xz', () => file('pg-inserts.sql.xz')],
      ['--column-inserts --rows-per-insert, zstd', () => file('pg-colinserts.sql.zst')],
      ['Odoo backup zip', () => file('odoo.zip')],
    );
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('brings the deleted rows back, value for value, from each format', async () => {
    for (const [i, [name, path]] of formats.entries()) {
      await roundTrip(db, 'people', path(), { undo: i === 0 }).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
  });
});

describe('MariaDB: every mysqldump option set, mydumper and the CRMs’ files through stage → diff → merge', () => {
  let db: TempDb;
  const formats: [string, () => string][] = [];
  beforeAll(async () => {
    db = await createTempDb('mysql', 'extfmt');
    await db.exec(`
      CREATE TABLE people (id int PRIMARY KEY, name varchar(100), note text, amount decimal(12,3), seen datetime(6), flags set('a','b','c'), kind enum('x','y'),
        bits bit(5), big bigint unsigned, doc json, raw blob, l1 varchar(20) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4;
      INSERT INTO people SELECT seq, CONCAT('Person ', seq), ELT(1 + seq % 4, NULL, '', 'tab\\there\\nnew line \\\\ back '' quote', CONCAT('ünïcødé ✓ 😀 ', seq)),
        seq * 1.125, TIMESTAMP'2026-01-01 00:00:00.123456' + INTERVAL seq HOUR, ELT(1 + seq % 3, 'a', 'a,b', ''), ELT(1 + seq % 2, 'x', 'y'),
        seq % 32, 18446744073709551615 - seq, JSON_OBJECT('n', seq, 's', 'x''y'), UNHEX(CONCAT('00', MD5(seq))), CONCAT('café ', seq)
      FROM seq_1_to_${ROWS};
      CREATE TABLE other (id int PRIMARY KEY, v text); INSERT INTO other SELECT seq, CONCAT('o', seq) FROM seq_1_to_500;`);
    const base = ['-h127.0.0.1', '-uroot'];
    const dump = (name: string, opts: string[], dbArgs = [db.name]) => writeFileSync(file(name), sh('mysqldump', [...base, ...opts, ...dbArgs]));
    dump('my.sql', []);
    compress('gzip', 'my.sql', 'my.sql.gz');
    dump('my-single.sql', ['--skip-extended-insert']);
    compress('bzip2', 'my-single.sql', 'my-single.sql.bz2');
    dump('my-cols-hex.sql', ['-c', '--hex-blob']);
    compress('xz', 'my-cols-hex.sql', 'my-cols-hex.sql.xz');
    dump('my-compact.sql', ['--compact']);
    dump('my-skip-comments.sql', ['--skip-comments']);
    compress('lz4', 'my-skip-comments.sql', 'my-skip-comments.sql.lz4');
    dump('my-databases.sql', ['--databases'], [db.name]);
    // Dolibarr's backup page (admin/tools/dolibarr_export.php): its mysqldump options, its file name.
    dump('dolibarr.sql', [
      '--quick',
      '--add-drop-table',
      '--add-locks',
      '--extended-insert',
      '--lock-tables',
      '--single-transaction',
      '--no-tablespaces',
      '--default-character-set=utf8',
    ]);
    compress('zstd', 'dolibarr.sql', 'mysqldump_dolibarr_22.0.4_202611300200.sql.zst');
    sh('mydumper', [...MYDUMPER_SHARED, '-h', '127.0.0.1', '-u', 'root', '-B', db.name, '-o', file('mydumper')]);
    // EspoCRM's backup script: a tar.gz holding a tar.gz holding db.sql.
    mkdirSync(file('espo/inner'), { recursive: true });
    copyFileSync(file('my.sql'), file('espo/inner/db.sql'));
    sh('tar', ['-czf', file('espo/db-backup.tar.gz'), '-C', file('espo/inner'), 'db.sql']);
    sh('tar', ['-czf', file('espocrm-backup.tar.gz'), '-C', file('espo'), 'db-backup.tar.gz']);
    formats.push(
      ['mysqldump, gzip', () => file('my.sql.gz')],
      ['--skip-extended-insert, bzip2', () => file('my-single.sql.bz2')],
      ['-c --hex-blob, xz', () => file('my-cols-hex.sql.xz')],
      ['--compact', () => file('my-compact.sql')],
      ['--skip-comments, lz4', () => file('my-skip-comments.sql.lz4')],
      ['--databases', () => file('my-databases.sql')],
      ['mydumper folder', () => file('mydumper')],
      ['EspoCRM backup tarball', () => file('espocrm-backup.tar.gz')],
    );
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('brings the deleted rows back, value for value, from each format', async () => {
    for (const [i, [name, path]] of formats.entries()) {
      await roundTrip(db, 'people', path(), { undo: i === 0 }).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
  });

  it("Dolibarr's backup file: the rows as the dump holds them (its utf8 connection turned 4-byte characters into '?')", async () => {
    // mysqldump --default-character-set=utf8 (utf8mb3) writes '?' for every 4-byte character: the
    // dump itself holds '?', and a merge must bring back exactly what the dump holds.
    await db.exec("UPDATE people SET note = REPLACE(note, '😀', '?')");
    await roundTrip(db, 'people', file('mysqldump_dolibarr_22.0.4_202611300200.sql.zst'));
  });
});

describe.skipIf(!haveSchemas)('the real Dolibarr backup-module file', () => {
  if (!haveSchemas) skipNotice('external-formats: Dolibarr demo dump');
  let db: TempDb;
  const dump = () => shared('dolibarr', 'demo-dump', 'mysqldump_dolibarr_6.0.0.sql');
  beforeAll(async () => {
    db = await createTempDb('mysql', 'extdoli');
    await loadMysql(db, { file: dump() });
  }, 180_000);
  afterAll(async () => {
    await db?.drop();
  });

  it('gets deleted third parties (llx_societe) back straight from the file', async () => {
    const before = await tableChecksum(db, 'llx_societe');
    const [{ n }] = await db.query<{ n: number }>('SELECT COUNT(*) AS n FROM llx_societe WHERE rowid % 3 = 0');
    expect(Number(n)).toBeGreaterThan(0);
    await db.exec('SET FOREIGN_KEY_CHECKS = 0; DELETE FROM llx_societe WHERE rowid % 3 = 0');
    const r = await runCli(['merge', '--url', db.url, '--backup', dump(), '--table', 'llx_societe', '--deleted', '--apply', '--yes', '--dir', catalog]);
    expect(r.code, r.stderr).toBe(0);
    expect(await tableChecksum(db, 'llx_societe')).toBe(before);
  });
});
