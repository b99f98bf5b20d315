import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../src/connect/open.js';
import { completeTarget } from '../../src/connect/resolve.js';
import { parseTargetUrl } from '../../src/connect/target.js';
import { UserError } from '../../src/errors.js';
import { detectDump } from '../../src/external/detect.js';
import type { Compression, DetectedDump, DumpFormat, DumpIndex, DumpTable, ExternalBackupRecord } from '../../src/external/model.js';
import { indexMysqlDump, mysqlExternalTable } from '../../src/external/mysql/index.js';
import { DumpScanner } from '../../src/external/mysql/scan.js';
import { localDumpTime } from '../../src/external/mysql/time.js';
import type { RowSource, SourceTable } from '../../src/stage/row-source.js';
import { stageFromSource, type StagedFromSource } from '../../src/stage/stage-rows.js';
import { tableChecksum } from '../helpers/checksum.js';
import { haveSchemas, loadMysql, shared } from '../helpers/crm-dumps.js';
import { createTempDb, type TempDb } from '../helpers/temp-db.js';

/**
 * mydumper on the shared test server: it refuses to start while any query of another test has
 * run for 60 s (--long-query-guard), and its FLUSH TABLES WITH READ LOCK would stall every other
 * test's writes (--no-locks: these tables do not change while dumped).
 */
const MYDUMPER_SHARED = ['--long-query-guard', '86400', '--no-locks'];

/**
 * Issue #16, MySQL half: dumps made by mysqldump / mariadb-dump (every option set people use,
 * every compression) and mydumper are indexed and one table of each staged through the same
 * path as a catalog backup's; the staged rows equal the source's exactly, awkward values included.
 */

const HOST = ['-h', '127.0.0.1', '-P', '3306', '-u', 'root'];
const DOLIBARR = shared('dolibarr', 'demo-dump', 'mysqldump_dolibarr_6.0.0.sql');

/** The awkward values: every kind of thing a dump must carry byte for byte. */
const AWKWARD = `
  CREATE TABLE awkward (
    id int PRIMARY KEY,
    s varchar(100) NULL,
    txt text,
    l1 varchar(50) CHARACTER SET latin1,
    b blob,
    d decimal(30,10),
    bits bit(10),
    e enum('a','b c',''),
    st set('x','y','z'),
    j json,
    dt datetime(6),
    zd date,
    u bigint unsigned,
    f double
  ) CHARACTER SET utf8mb4;
  SET SESSION sql_mode = '';
  INSERT INTO awkward VALUES
    (1, NULL, '', 'plain', NULL, 0, b'0', 'a', '', '{}', '2026-01-02 03:04:05.123456', '0000-00-00', 0, 0),
    (2, '', NULL, 'Ångström ß', x'00', -12345678901234567890.0123456789, b'1111111111', 'b c', 'x,z', '{"k": [1, "two", null]}', '1970-01-01 00:00:00.000001', '2026-02-28', 18446744073709551615, -1.5e300),
    (3, 'back\\\\slash \\\\', 'quote '' and " and \`', 'tab\\tnl', x'000102ff00', 99999999999999999999.9999999999, b'0000000001', '', 'x,y,z', '"str"', '9999-12-31 23:59:59.999999', '1000-01-01', 1, 3.14),
    (4, 'line1\\nline2\\r\\n', 'emoji 😀 🦄 and ü', NULL, x'0d0a1a5c27', 0.0000000001, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
    (5, '''); DROP TABLE awkward; --', '\\\\'' ; \\n-- ', 'x', '', 1, b'10', 'a', 'y', '[]', '2000-01-01 00:00:00', '2000-01-01', 9223372036854775808, 1e-300);
  INSERT INTO awkward (id, s, txt)
    SELECT 100 + seq, concat('row ', seq), repeat('abc\\n', seq % 7) FROM seq_1_to_300;`;

describe('external MySQL dumps: index, stage one table, rows exact', () => {
  let src: TempDb;
  let src2: TempDb;
  let db: Db;
  let work: string;
  let awkwardSum = '';
  let peopleSum2 = '';
  const namespaces: string[] = [];

  const dump = (file: string, args: string[]) => {
    execFileSync('sh', ['-c', 'mysqldump "$@" > "$OUT"', 'sh', ...HOST, ...args], { env: { ...process.env, OUT: file } });
    return file;
  };

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'crm-ext-mysql-'));
    src = await createTempDb('mysql', 'extmy');
    src2 = await createTempDb('mysql', 'extmy2');
    await src.exec(`${AWKWARD}
      CREATE TABLE other (id int PRIMARY KEY, v text);
      INSERT INTO other SELECT seq, repeat('other ', seq % 5) FROM seq_1_to_200;
      CREATE TABLE people (id int PRIMARY KEY, name varchar(40));
      INSERT INTO people VALUES (1, 'in db one');
      CREATE TRIGGER other_trg AFTER INSERT ON other FOR EACH ROW SET @x = 1;`);
    await src2.exec(`CREATE TABLE people (id int PRIMARY KEY, name varchar(40));
      INSERT INTO people VALUES (1, 'in db two'), (2, 'also two');`);
    db = await openDb(completeTarget(parseTargetUrl(src.url)), { readOnly: false, interactive: false });
    awkwardSum = await tableChecksum(src, 'awkward');
    peopleSum2 = await tableChecksum(src2, 'people');
  });
  afterAll(async () => {
    for (const ns of namespaces) await db?.query(db.dialect.dropNamespace(ns)).catch(() => undefined);
    await db?.close();
    await src?.drop();
    await src2?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  function detected(format: DumpFormat, path: string, members: string[] = [], compression: Compression = 'none'): DetectedDump {
    const files = format === 'mydumper' ? readdirSync(path).map((f) => join(path, f)) : [path];
    return { engine: 'mysql', format, wrapper: null, compression, location: { path, members }, head: Buffer.alloc(0), files };
  }

  /** What detect.ts makes of a file the real tools wrote: the same as `detected` says, wrapper aside. */
  async function detect(format: DumpFormat, path: string, members: string[] = [], compression: Compression = 'none'): Promise<DetectedDump> {
    const d = await detectDump(path);
    const mine = detected(format, path, members, compression);
    expect({ format: d.format, compression: d.compression, location: d.location, engine: d.engine }).toEqual({
      format: mine.format,
      compression: mine.compression,
      location: mine.location,
      engine: mine.engine,
    });
    return d;
  }

  function record(d: DetectedDump, index: DumpIndex): ExternalBackupRecord {
    return {
      format: 'crm-rescue-external',
      formatVersion: 1,
      id: `ext-${randomBytes(4).toString('hex')}`,
      importedAt: new Date(0).toISOString(),
      files: d.files.map((f) => ({ path: f, bytes: statSync(f).size, mtimeMs: statSync(f).mtimeMs, sha256: '' })),
      copied: false,
      index,
    };
  }

  /** Stages `table` of the dump (from `schema`, the dump's database) as the live table `live`. */
  async function stage(
    d: DetectedDump,
    name: string,
    schema?: string,
    live = name,
  ): Promise<{ index: DumpIndex; staged: StagedFromSource; sum: string; ns: string }> {
    const index = await indexMysqlDump(d, {});
    const rec = record(d, index);
    const t = index.tables.find((x) => x.name === name && (schema === undefined || x.schema === schema));
    expect(t, `${name} in ${JSON.stringify(index.tables.map((x) => `${x.schema}.${x.name}`))}`).toBeTruthy();
    const st = mysqlExternalTable(db, rec, t!, { schema: src.name, name: live });
    const res = await stageFromSource(db, sourceOf(rec.id, st), [st]);
    namespaces.push(res.namespace);
    const staged = res.tables[0];
    return { index, staged, sum: await tableChecksum(src, staged.stagedAs, res.namespace), ns: res.namespace };
  }

  function sourceOf(id: string, st: SourceTable): RowSource {
    return {
      id,
      database: src.name,
      about: { description: `external ${id}`, takenAt: null, coversUntil: null },
      find: () => Promise.resolve([st]),
      forLive: () => st,
    };
  }

  const OPTION_SETS: [string, string[]][] = [
    ['default', []],
    ['--skip-extended-insert', ['--skip-extended-insert']],
    ['-c (column lists)', ['-c']],
    ['--hex-blob', ['--hex-blob']],
    ['--compact', ['--compact']],
    ['--skip-comments', ['--skip-comments']],
    // Dolibarr's backup page (admin/tools/export_files.php); --default-character-set=utf8 is optional there.
    ['Dolibarr', ['--quick', '--add-drop-table', '--add-locks', '--extended-insert', '--lock-tables', '--single-transaction', '--no-tablespaces']],
    ['--routines --triggers --events', ['--routines', '--triggers', '--events']],
    ['--insert-ignore', ['--insert-ignore']],
    ['--replace', ['--replace']],
  ];

  it.each(OPTION_SETS)('mysqldump %s: indexed, awkward rows staged exactly', async (label, args) => {
    const file = dump(join(work, `opts-${label.replace(/\W+/g, '_')}.sql`), [...args, src.name]);
    const { index, staged, sum } = await stage(await detect('mysqldump', file), 'awkward');
    expect(staged.rows).toBe(305);
    expect(sum).toBe(awkwardSum);
    expect(index.tables.map((t) => t.name).sort()).toEqual(['awkward', 'other', 'people']);
    const aw = index.tables.find((t) => t.name === 'awkward')!;
    expect(aw).toMatchObject({ hasDefinition: true, hasData: true, rows: null });
    expect(aw.bytes).toBeGreaterThan(10_000);
    if (args.includes('--compact') || args.includes('--skip-comments')) {
      // No header: no database named, no time, no tool.
      expect(aw.schema).toBe('');
      expect(index).toMatchObject({ takenAt: '', takenAtSource: 'mtime', tool: null, databases: [] });
    } else {
      expect(aw.schema).toBe(src.name);
      expect(index.databases).toEqual([src.name]);
      expect(index.takenAtSource).toBe('dump-completed');
      expect(index.takenAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z$/);
      expect(index.tool).toMatch(/^mariadb-dump 10\.\d+ \(MariaDB 10\.11\.\d+\)$/);
      expect(index.serverVersion).toMatch(/^10\.11\./);
    }
  });

  it('reads "-- Dump completed on" in this machine\'s zone, with a one-digit hour', async () => {
    const file = join(work, 'completed.sql');
    writeFileSync(file, 'CREATE TABLE `t` (`id` int);\nINSERT INTO `t` VALUES (1);\n-- Dump completed on 2026-11-30  2:00:01\n');
    const index = await indexMysqlDump(detected('mysqldump', file), {});
    expect(index.takenAt).toBe(localDumpTime([2026, 11, 30, 2, 0, 1]));
    expect(index.tables).toEqual([{ schema: '', name: 't', database: '', bytes: 27, rows: null, hasDefinition: true, hasData: true }]);
  });

  it("a file without a mysqldump header is read to its end: rows of the table after another table's are staged too", async () => {
    const file = join(work, 'interleaved.sql');
    writeFileSync(
      file,
      'CREATE TABLE `a` (`id` int PRIMARY KEY);\nINSERT INTO `a` VALUES (1);\nCREATE TABLE `b` (`id` int);\nINSERT INTO `b` VALUES (1);\nINSERT INTO `a` VALUES (2),(3);\n',
    );
    const { staged, ns } = await stage(detected('mysqldump', file), 'a');
    expect(staged.rows).toBe(3);
    expect(await src.query(`SELECT id FROM \`${ns}\`.\`${staged.stagedAs}\` ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('--databases a b: each database section is its own; the chosen one is staged', async () => {
    const file = dump(join(work, 'two-dbs.sql'), ['--databases', src.name, src2.name]);
    const { index, staged, sum } = await stage(await detect('mysqldump', file), 'people', src2.name, 'people');
    expect(index.databases).toEqual([src.name, src2.name]);
    expect(index.tables.filter((t) => t.name === 'people').map((t) => t.schema)).toEqual([src.name, src2.name]);
    expect(staged.rows).toBe(2);
    expect(sum).toBe(peopleSum2);
    // And the first database's copy from the same file.
    const one = await stage(await detect('mysqldump', file), 'awkward', src.name);
    expect(one.sum).toBe(awkwardSum);
  });

  it("--no-create-info: staged with the live table's definition, and says so", async () => {
    const file = dump(join(work, 'no-create.sql'), ['--no-create-info', src.name, 'awkward']);
    const { index, staged, sum } = await stage(await detect('mysqldump', file), 'awkward');
    expect(index.tables.find((t) => t.name === 'awkward')).toMatchObject({ hasDefinition: false, hasData: true });
    expect(staged.note).toBe(' (definition from the live table: the dump has none)');
    expect(sum).toBe(awkwardSum);
  });

  it('MySQL 8 header lines (binary log, GTID) and MariaDB NOTE_VERBOSITY are left out, not refused', async () => {
    const base = readFileSync(dump(join(work, 'people.sql'), [src.name, 'people']), 'latin1');
    const extra = [
      '/*M!100616 SET @OLD_NOTE_VERBOSITY=@@NOTE_VERBOSITY, NOTE_VERBOSITY=0 */;',
      'SET @MYSQLDUMP_TEMP_LOG_BIN = @@SESSION.SQL_LOG_BIN;',
      'SET @@SESSION.SQL_LOG_BIN= 0;',
      "SET @@GLOBAL.GTID_PURGED=/*!80000 '+'*/ '3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5';",
    ].join('\n');
    const file = join(work, 'mysql8-header.sql');
    writeFileSync(file, `${base.replace(/^(.*SQL_NOTES=0 \*\/;)$/m, `$1\n${extra}`)}SET @@SESSION.SQL_LOG_BIN = @MYSQLDUMP_TEMP_LOG_BIN;\n`, 'latin1');
    expect(readFileSync(file, 'latin1')).toContain('GTID_PURGED');
    const { sum } = await stage(detected('mysqldump', file), 'people');
    expect(sum).toBe(await tableChecksum(src, 'people'));
  });

  it('a hostile table name round-trips (mysqldump; mydumper with the odd names it can dump)', async () => {
    const name = 'we`ird "näme";x';
    await src.exec(
      `CREATE TABLE \`we\`\`ird "näme";x\` (id int PRIMARY KEY, \`c\`\`o"l\` text); INSERT INTO \`we\`\`ird "näme";x\` VALUES (1, 'a'), (2, NULL);`,
    );
    try {
      const file = dump(join(work, 'hostile-name.sql'), [src.name, name]);
      const one = await stage(await detect('mysqldump', file), name);
      expect(one.staged.rows).toBe(2);
      expect(one.sum).toBe(await tableChecksum(src, name));
    } finally {
      await src.exec(`DROP TABLE \`we\`\`ird "näme";x\``);
    }
    // mydumper 0.10 writes no data file for a name with a backtick, and its -T cannot take a
    // non-ASCII name: a dotted, spaced, accented one in a database of its own.
    const odd = await createTempDb('mysql', 'extmyodd');
    try {
      await odd.exec("CREATE TABLE `a b.ü` (id int PRIMARY KEY, `c o.l` text); INSERT INTO `a b.ü` VALUES (1, 'x'), (2, '');");
      const dir = join(work, 'mydumper-odd-name');
      execFileSync('mydumper', [...MYDUMPER_SHARED, ...HOST, '-B', odd.name, '-o', dir], { stdio: 'ignore' });
      const two = await stage(await detect('mydumper', dir), 'a b.ü');
      expect(two.index.tables.map((t) => `${t.schema}.${t.name}`)).toEqual([`${odd.name}.a b.ü`]);
      expect(two.sum).toBe(await tableChecksum(odd, 'a b.ü'));
    } finally {
      await odd.drop();
    }
  });

  it('the one-pass reader gives the same statements however the stream is cut into chunks', async () => {
    const buf = readFileSync(dump(join(work, 'chunks.sql'), ['--routines', '--triggers', src.name]));
    const run = (size: number) => {
      const out: Buffer[] = [];
      const ends: string[] = [];
      const s = new DumpScanner({
        statement: (h) => h.name === 'awkward' || h.kind === 'set',
        end: (h, e, complete) => void ends.push(`${h.kind} ${h.name} ${h.database} ${h.offset}-${e} ${complete}`),
        write: (c) => void out.push(Buffer.from(c)),
      });
      for (let i = 0; i < buf.length; i += size) s.feed(buf.subarray(i, i + size));
      s.finish();
      return { out: Buffer.concat(out).toString('latin1'), ends };
    };
    const whole = run(buf.length);
    expect(whole.out).toContain('CREATE TABLE `awkward`');
    expect(whole.out).not.toContain('TRIGGER');
    for (const size of [1, 2, 7, 4096]) expect(run(size)).toEqual(whole);
  });

  const COMPRESSORS: [Compression, string[]][] = [
    ['gzip', ['gzip', '-c']],
    ['bzip2', ['bzip2', '-c']],
    ['xz', ['xz', '-c', '-T1']],
    ['zstd', ['zstd', '-q', '-c']],
    ['lz4', ['lz4', '-q', '-c']],
  ];
  let plainDump = '';
  const compressed = (c: Compression, cmd: string[], from: string) => {
    const out = `${from}.${c}`;
    execFileSync('sh', ['-c', '"$@" < "$IN" > "$OUT"', 'sh', ...cmd], { env: { ...process.env, IN: from, OUT: out } });
    return out;
  };

  it.each(COMPRESSORS)('mysqldump | %s: staged exactly', async (c, cmd) => {
    plainDump ||= dump(join(work, 'plain.sql'), [src.name]);
    const { staged, sum, index } = await stage(await detect('mysqldump', compressed(c, cmd, plainDump), [], c), 'awkward');
    expect(index.compression).toBe(c);
    expect(staged.rows).toBe(305);
    expect(sum).toBe(awkwardSum);
  });

  it('an EspoCRM-style tarball (tar.gz holding a tar.gz holding db.sql): staged exactly', async () => {
    plainDump ||= dump(join(work, 'plain.sql'), [src.name]);
    const inner = join(work, 'espo-inner');
    const outer = join(work, 'espo-outer');
    mkdirSync(inner);
    mkdirSync(outer);
    execFileSync('cp', [plainDump, join(inner, 'db.sql')]);
    execFileSync('tar', ['-czf', join(outer, 'backup-inner.tar.gz'), '-C', inner, 'db.sql']);
    const tarball = join(work, 'espocrm-backup.tar.gz');
    execFileSync('tar', ['-czf', tarball, '-C', outer, 'backup-inner.tar.gz']);
    const { staged, sum, index } = await stage(await detect('mysqldump', tarball, ['backup-inner.tar.gz', 'db.sql'], 'none'), 'awkward');
    expect(index.databases).toEqual([src.name]);
    expect(staged.rows).toBe(305);
    expect(sum).toBe(awkwardSum);
  });

  it.each([
    ['plain', [] as string[]],
    ['compressed in chunks (-c -r 40)', ['-c', '-r', '40']],
    ['INSERT IGNORE (-N)', ['-N']],
  ])('mydumper (%s): indexed from its files, staged exactly', async (_label, args) => {
    const dir = join(work, `mydumper-${args.join('').replace(/\W+/g, '_')}`);
    execFileSync('mydumper', [...MYDUMPER_SHARED, ...HOST, '-B', src.name, '-o', dir, ...args], { stdio: 'ignore' });
    const { index, staged, sum } = await stage(await detect('mydumper', dir), 'awkward');
    expect(index.databases).toEqual([src.name]);
    expect(index.tables.map((t) => t.name).sort()).toEqual(['awkward', 'other', 'people']);
    expect(index.tables.find((t) => t.name === 'awkward')).toMatchObject({ schema: src.name, hasDefinition: true, hasData: true });
    expect(index.takenAtSource).toBe('mydumper-metadata');
    expect(index.tool).toMatch(/^mydumper/);
    expect(staged.rows).toBe(305);
    expect(sum).toBe(awkwardSum);
    if (args.includes('-c')) expect(readdirSync(dir).filter((f) => /^.*\.awkward\.\d+\.sql\.gz$/.test(f)).length).toBeGreaterThan(3);
  });

  it('mydumper with the newer INI metadata: time and rows read from it', async () => {
    const dir = join(work, 'mydumper-ini');
    execFileSync('mydumper', [...MYDUMPER_SHARED, ...HOST, '-B', src.name, '-o', dir, '-T', 'people'], { stdio: 'ignore' });
    writeFileSync(
      join(dir, 'metadata'),
      `# Started dump at: 2026-11-30 02:00:01\n[config]\nquote_character = BACKTICK\n\n[myd_globals]\nmax_statement_size = 1000000\n\n[\`${src.name}\`.\`people\`]\nreal_table_name=people\nrows = 1\n# Finished dump at: 2026-11-30 02:00:05\n`,
    );
    const index = await indexMysqlDump(detected('mydumper', dir), {});
    expect(index.takenAt).toBe(localDumpTime([2026, 11, 30, 2, 0, 1]));
    expect(index.tables).toEqual([expect.objectContaining({ name: 'people', rows: 1 })]);
  });

  describe('bad input', () => {
    let bigDump = '';
    beforeAll(async () => {
      await src.exec(`CREATE TABLE big (id int PRIMARY KEY, v varchar(200));
        INSERT INTO big SELECT seq, concat(md5(seq), md5(seq * 7), md5(seq * 13)) FROM seq_1_to_40000;`);
      bigDump = dump(join(work, 'big.sql'), [src.name, 'big', 'people']);
    });

    it.each([
      ['gzip', ['gzip', '-c']],
      ['zstd', ['zstd', '-q', '-c']],
    ] as [Compression, string[]][])('a truncated %s dump: one line naming the table and the byte; nothing staged', async (c, cmd) => {
      const file = compressed(c, cmd, bigDump);
      truncateSync(file, Math.floor(statSync(file).size * 0.6));
      const t: DumpTable = { schema: src.name, name: 'big', database: src.name, bytes: null, rows: null, hasDefinition: true, hasData: true };
      const d = detected('mysqldump', file, [], c);
      const rec = record(d, {
        engine: 'mysql',
        format: 'mysqldump',
        wrapper: null,
        compression: c,
        location: d.location,
        databases: [src.name],
        tables: [t],
        takenAt: '',
        takenAtSource: 'mtime',
        tool: null,
        serverVersion: null,
      });
      const st = mysqlExternalTable(db, rec, t, { schema: src.name, name: 'big' });
      const err = await stageFromSource(db, sourceOf(rec.id, st), [st]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      const msg = (err as Error).message;
      expect(msg).not.toContain('\n');
      expect(msg).toMatch(
        new RegExp(`${c} stream is truncated.* at byte \\d+ of the file, inside the rows of table big \\(byte \\d+ of the decompressed dump\\)$`),
      );
      // The index says the same.
      await expect(indexMysqlDump(d, {})).rejects.toThrow(/inside the rows of table big/);
      const left = await src.query<{ n: string }>(
        `SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'crm\\_rescue\\_stage\\_%\\_l%'`,
      );
      expect(left).toEqual([]);
    });

    it('a truncated plain dump: one line naming the table and the byte', async () => {
      const file = join(work, 'big-cut.sql');
      execFileSync('sh', ['-c', 'head -c 1500000 "$IN" > "$OUT"'], { env: { ...process.env, IN: bigDump, OUT: file } });
      const index = await indexMysqlDump(detected('mysqldump', file), {});
      const t = index.tables.find((x) => x.name === 'big')!;
      const rec = record(detected('mysqldump', file), index);
      const st = mysqlExternalTable(db, rec, t, { schema: src.name, name: 'big' });
      const err = await stageFromSource(db, sourceOf(rec.id, st), [st]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/big-cut\.sql ends inside the rows of table big \(at byte 1500000\): the file is truncated$/);
    });

    it('a hostile dump: only the table and its rows run (no DROP DATABASE, trigger, GRANT, shell command)', async () => {
      const marker = join(work, `pwned-${randomBytes(3).toString('hex')}`);
      const user = `evil_${randomBytes(3).toString('hex')}`;
      await src.exec(`CREATE TABLE victim (id int PRIMARY KEY, s text); INSERT INTO victim VALUES (1, 'live row');`);
      const L = src.name;
      const file = join(work, 'hostile.sql');
      writeFileSync(
        file,
        [
          '/*M!999999\\- enable the sandbox mode */ ',
          '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)',
          `-- Host: localhost    Database: ${L}`,
          '/*!40101 SET NAMES utf8mb4 */;',
          `\\! touch ${marker}`,
          `DROP DATABASE IF EXISTS \`${L}\`;`,
          `GRANT ALL ON *.* TO '${user}'@'%' IDENTIFIED BY 'x';`,
          'DROP TABLE IF EXISTS `victim`;',
          'CREATE TABLE `victim` (`id` int NOT NULL, `s` text, PRIMARY KEY (`id`)) ENGINE=InnoDB;',
          `GRANT ALL ON *.* TO '${user}'@'%' IDENTIFIED BY 'x';`,
          `\\! touch ${marker}`,
          "INSERT INTO `victim` VALUES (1,'a'),(2,'\\'); DROP TABLE victim; --'),(3,'x\\\\');",
          "INSERT INTO `victim` VALUES (4,'\\'); DROP DATABASE " + L + "; --');",
          'DELIMITER ;;',
          `/*!50003 CREATE*/ /*!50003 TRIGGER \`trg_evil\` AFTER DELETE ON \`${L}\`.\`victim\` FOR EACH ROW BEGIN INSERT INTO \`victim\` VALUES (99,'pwn'); END */;;`,
          'DELIMITER ;',
          `DROP DATABASE \`${L}\`;`,
          'CREATE TABLE `other2` (`id` int);',
          `\\! touch ${marker}`,
          '-- Dump completed on 2026-11-30  2:00:01',
          '',
        ].join('\n'),
      );
      const { staged, ns } = await stage(detected('mysqldump', file), 'victim');
      expect(staged.rows).toBe(4);
      const rows = await src.query<{ id: number; s: string }>(`SELECT id, s FROM \`${ns}\`.\`${staged.stagedAs}\` ORDER BY id`);
      expect(rows).toEqual([
        { id: 1, s: 'a' },
        { id: 2, s: "'); DROP TABLE victim; --" },
        { id: 3, s: 'x\\' },
        { id: 4, s: `'); DROP DATABASE ${L}; --` },
      ]);
      expect(await src.query(`SELECT id, s FROM victim`)).toEqual([{ id: 1, s: 'live row' }]);
      expect(await src.query(`SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_NAME = 'trg_evil'`)).toEqual([]);
      expect(await src.query(`SELECT User FROM mysql.user WHERE User = ?`, [user])).toEqual([]);
      expect(existsSync(marker)).toBe(false);
    });
  });

  it.skipIf(!haveSchemas || !existsSync(DOLIBARR))('the real Dolibarr 6 backup (MySQL 5.5): indexed, llx_societe staged as the dump holds it', async () => {
    const index = await indexMysqlDump(await detect('mysqldump', DOLIBARR), {});
    expect(index).toMatchObject({
      databases: ['dolibarr_6'],
      tool: 'mysqldump 10.13 (MySQL 5.5.57)',
      serverVersion: '5.5.57-0ubuntu0.14.04.1',
      takenAtSource: 'dump-completed',
    });
    expect(index.takenAt).toBe(localDumpTime([2017, 8, 27, 15, 46, 40]));
    expect(index.tables.length).toBeGreaterThan(200);
    const soc = index.tables.find((t) => t.name === 'llx_societe')!;
    expect(soc).toMatchObject({ schema: 'dolibarr_6', hasDefinition: true, hasData: true });
    // The reference: the header and the table's section (cut by its comment markers, not by
    // crm-rescue's reader) loaded by the mysql client into a database of its own.
    const section = join(work, 'llx_societe.sql');
    execFileSync(
      'sh',
      ['-c', 'awk \'/^-- Table structure for table /{ p = ($0 == "-- Table structure for table `llx_societe`") } NR < 20 || p\' "$IN" > "$OUT"'],
      {
        env: { ...process.env, IN: DOLIBARR, OUT: section },
      },
    );
    const ref = await createTempDb('mysql', 'dolref');
    try {
      await loadMysql(ref, { file: section });
      const { staged, sum } = await stage(await detect('mysqldump', DOLIBARR), 'llx_societe', 'dolibarr_6');
      const [{ n }] = await ref.query<{ n: number }>('SELECT count(*) AS n FROM llx_societe');
      expect(Number(n)).toBeGreaterThan(10);
      expect(staged.rows).toBe(Number(n));
      expect(sum).toBe(await tableChecksum(ref, 'llx_societe'));
    } finally {
      await ref.drop();
    }
  });
  if (!haveSchemas || !existsSync(DOLIBARR)) console.log(`external-mysql.test.ts: the real Dolibarr dump test is skipped: ${DOLIBARR} not found`);
});
