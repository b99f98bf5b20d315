import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MysqlTableFilter, type RowKeep } from '../../src/stage/mysql-filter.js';

/** Runs a dump text through the filter in chunks of `chunk` bytes; the output, or the refusal. */
async function filter(text: string | Buffer, table = 'contacts', chunk = 7): Promise<{ out: string; error: string | null; dropped: string[] }> {
  const f = new MysqlTableFilter({ table, target: '`stg`.`t`' });
  const input = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(input.subarray(i, i + chunk));
  const out: Buffer[] = [];
  try {
    for await (const c of Readable.from(parts).pipe(f)) out.push(c as Buffer);
    return { out: Buffer.concat(out).toString('utf8'), error: null, dropped: f.report.dropped };
  } catch (err) {
    return { out: Buffer.concat(out).toString('utf8'), error: (err as Error).message, dropped: f.report.dropped };
  }
}

const HEAD = `/*M!999999\\- enable the sandbox mode */ 
-- MariaDB dump 10.19
/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!40101 SET NAMES utf8mb4 */;
/*!40103 SET TIME_ZONE='+00:00' */;
/*!40101 SET @OLD_SQL_MODE=@@SQL_MODE, SQL_MODE='NO_AUTO_VALUE_ON_ZERO' */;

--
-- Table structure for table \`contacts\`
--

DROP TABLE IF EXISTS \`contacts\`;
/*!40101 SET @saved_cs_client     = @@character_set_client */;
/*!40101 SET character_set_client = utf8mb4 */;
CREATE TABLE \`contacts\` (
  \`id\` int(11) NOT NULL,
  \`name\` varchar(40) DEFAULT NULL COMMENT 'a;b',
  \`ref\` bigint(20) DEFAULT nextval(\`live\`.\`seq\`),
  \`owner\` int(11) DEFAULT NULL,
  PRIMARY KEY (\`id\`),
  CONSTRAINT \`fk\` FOREIGN KEY (\`owner\`) REFERENCES \`live\`.\`users\` (\`id\`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
/*!40101 SET character_set_client = @saved_cs_client */;
LOCK TABLES \`contacts\` WRITE;
/*!40000 ALTER TABLE \`contacts\` DISABLE KEYS */;
`;
const TAIL = `/*!40000 ALTER TABLE \`contacts\` ENABLE KEYS */;
UNLOCK TABLES;
`;

describe('MysqlTableFilter: only the table definition and its rows reach the server', () => {
  it('rewrites CREATE TABLE and INSERT to the staging name, drops foreign keys and sequence defaults, passes safe session settings', async () => {
    const r = await filter(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'it''s \\\\ \\' ;',NULL,-2.5e3),(2,_binary 'x',0x00FF,X'41');\n${TAIL}`);
    expect(r.error).toBeNull();
    expect(r.out).toContain(
      "CREATE TABLE `stg`.`t` (\n  `id` int(11) NOT NULL,\n  `name` varchar(40) DEFAULT NULL COMMENT 'a;b',\n  `ref` bigint(20),\n  `owner` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;",
    );
    expect(r.out).toContain("INSERT INTO `stg`.`t` VALUES  (1,'it''s \\\\ \\' ;',NULL,-2.5e3),(2,_binary 'x',0x00FF,X'41');");
    expect(r.out).toContain("SET SESSION time_zone = '+00:00';");
    expect(r.out).not.toMatch(/live|DROP|LOCK|REFERENCES|nextval/);
    expect(r.dropped).toEqual(['DROP TABLE', 'LOCK TABLES', 'ALTER TABLE … KEYS', 'UNLOCK TABLES']);
  });

  it('leaves out triggers, views, routines, events and sequences naming the live database', async () => {
    const hostile = `DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=\`root\`@\`localhost\`*/ /*!50003 TRIGGER \`live\`.\`crm_rescue_audit_x_d\` AFTER DELETE ON \`live\`.\`contacts\` FOR EACH ROW INSERT INTO \`crm_rescue__live\`.\`audit_log\` VALUES (OLD.id); */;;
CREATE DEFINER=\`root\`@\`%\` PROCEDURE \`live\`.\`p\`() BEGIN DELETE FROM \`live\`.\`contacts\`; END ;;
CREATE DEFINER=\`root\`@\`%\` EVENT \`live\`.\`e\` ON SCHEDULE EVERY 1 DAY DO DELETE FROM \`live\`.\`contacts\` ;;
DELIMITER ;
CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=\`root\`@\`%\` SQL SECURITY DEFINER VIEW \`live\`.\`v\` AS SELECT 1;
DROP SEQUENCE IF EXISTS \`live\`.\`s\`;
CREATE SEQUENCE \`live\`.\`s\` start with 1 increment by 1 ENGINE=InnoDB;
DO SETVAL(\`live\`.\`s\`, 1001, 0);
`;
    const r = await filter(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'a',NULL,NULL);\n${TAIL}${hostile}`, 'contacts', 5);
    expect(r.error).toBeNull();
    expect(r.out).not.toMatch(/live|TRIGGER|PROCEDURE|EVENT|VIEW|SEQUENCE|SETVAL|DELETE/);
    expect(r.dropped).toEqual(
      expect.arrayContaining(['CREATE TRIGGER', 'CREATE PROCEDURE', 'CREATE EVENT', 'CREATE VIEW', 'DROP SEQUENCE', 'CREATE SEQUENCE', 'DO SETVAL']),
    );
  });

  it.each([
    ['a statement it does not know', "UPDATE `live`.`contacts` SET name = 'pwned';", /statement staging does not run \(UPDATE `live`/],
    ['a function call in a row', 'INSERT INTO `contacts` VALUES (1,`live`.`f`(),NULL,NULL);', /a row holds "`", which is not a literal/],
    ['a name in a row', 'INSERT INTO `contacts` VALUES (1,sleep(10),NULL,NULL);', /a row holds "SLEEP"/],
    ['a subquery in a row', "INSERT INTO `contacts` VALUES (1,(SELECT 'x'),NULL,NULL);", /a row holds "SELECT"/],
    ['a variable in a row', 'INSERT INTO `contacts` VALUES (1,@x,NULL,NULL);', /a row holds "@"/],
    ['a comment in a row', "INSERT INTO `contacts` VALUES (1,'a' /*!50000 , f() */,NULL,NULL);", /a row holds "\/"/],
    ['rows for another table', "INSERT INTO `users` VALUES (1,'a',NULL,NULL);", /INSERT staging does not run/],
    ['INSERT … SELECT', 'INSERT INTO `contacts` SELECT * FROM `live`.`contacts`;', /INSERT staging does not run|statement staging does not run/],
    ['NO_BACKSLASH_ESCAPES', "SET sql_mode = 'NO_BACKSLASH_ESCAPES';", /sets sql_mode to 'NO_BACKSLASH_ESCAPES'/],
    ['ANSI_QUOTES', "/*!40101 SET SQL_MODE='ANSI' */;", /sets sql_mode to 'ANSI'/],
    ['a multi-byte client character set', '/*!40101 SET NAMES gbk */;', /character set staging does not read/],
    ['a global variable', 'SET GLOBAL event_scheduler = ON;', /sets GLOBAL|does not set|SET staging does not run/],
    ['@@global', 'SET @@global.read_only = 1;', /global server variable/],
    ['a second CREATE TABLE', 'CREATE TABLE `contacts` (`id` int);', /second CREATE TABLE/],
  ])('refuses %s, in one line', async (_what, statement, pattern) => {
    const r = await filter(`${HEAD}${statement}\n${TAIL}`);
    expect(r.error).toMatch(/^refusing to stage contacts from this backup: /);
    expect(r.error).toMatch(pattern);
    expect(r.error).not.toContain('\n');
    expect(r.out).not.toMatch(/pwned|live|sleep|SELECT|NO_BACKSLASH|ANSI|gbk|GLOBAL|global/i);
  });

  it('refuses a table whose rows live elsewhere (MERGE, FEDERATED, CONNECT) and options pointing outside it', async () => {
    for (const opts of ['ENGINE=MRG_MyISAM UNION=(`live`.`a`)', "ENGINE=FEDERATED CONNECTION='mysql://u@h/db/t'", "ENGINE=InnoDB DATA DIRECTORY='/tmp'"]) {
      const r = await filter(`CREATE TABLE \`contacts\` (\`id\` int) ${opts};\n`);
      expect(r.error, opts).toMatch(/^refusing to stage contacts from this backup: (it is a table of engine|its CREATE TABLE has a table option)/);
    }
    const quoted = await filter(
      "CREATE TABLE `contacts` (`id` int, `b` int GENERATED ALWAYS AS (`id` * 2) VIRTUAL) ENGINE=InnoDB `PAGE_COMPRESSED`='1';\nINSERT INTO `contacts` (`id`, `b`) VALUES (1,2);\n",
    );
    expect(quoted.error).toBeNull();
    expect(quoted.out).toContain(
      "CREATE TABLE `stg`.`t` (\n  `id` int,\n  `b` int GENERATED ALWAYS AS (`id` * 2) VIRTUAL\n) ENGINE=InnoDB `PAGE_COMPRESSED`='1';\nINSERT INTO `stg`.`t` (`id`, `b`) VALUES  (1,2);",
    );
    const ref = await filter('CREATE TABLE `contacts` (`id` int, `x` int DEFAULT `live`.`f`());\n');
    expect(ref.error).toMatch(/refers to another database's object/);
  });

  it('stages a system-versioned table as a plain table: row start and end are values like any other', async () => {
    const r = await filter(
      "CREATE TABLE `ex` (\n  `id` int(11) NOT NULL,\n  `rs` timestamp(6) GENERATED ALWAYS AS ROW START,\n  `re` timestamp(6) GENERATED ALWAYS AS ROW END,\n  PRIMARY KEY (`id`,`re`),\n  PERIOD FOR SYSTEM_TIME (`rs`, `re`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 WITH SYSTEM VERSIONING;\nINSERT INTO `ex` VALUES (1,'2026-01-01 00:00:00.000001','2038-01-19 03:14:07.999999');\n",
      'ex',
    );
    expect(r.error).toBeNull();
    expect(r.out).toContain(
      'CREATE TABLE `stg`.`t` (\n  `id` int(11) NOT NULL,\n  `rs` timestamp(6),\n  `re` timestamp(6),\n  PRIMARY KEY (`id`,`re`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
    );
  });

  it('streams: a long INSERT passes in small pieces, unicode and binary bytes unchanged', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => `(${i},'Ü€😀 ${i}',0x${(i * 7919).toString(16).padStart(4, '0')},NULL)`).join(',');
    const body = Buffer.concat([
      Buffer.from(`${HEAD}INSERT INTO \`contacts\` VALUES ${rows},(9999,'`),
      Buffer.from([0xff, 0xfe, 0x5c, 0x27]),
      Buffer.from(`',NULL,NULL);\n${TAIL}`),
    ]);
    const r = await filter(body, 'contacts', 4093);
    expect(r.error).toBeNull();
    expect(r.out).toContain(`INSERT INTO \`stg\`.\`t\` VALUES  ${rows},(9999,'`);
  });

  it('refuses a file cut inside an INSERT or without the table', async () => {
    expect((await filter(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'a`)).error).toMatch(/ends inside an INSERT statement/);
    expect((await filter('/*!40101 SET NAMES utf8mb4 */;\n')).error).toMatch(/holds no CREATE TABLE/);
  });
});

/** Runs a dump through a filter with `keep`, fed as the given pieces. */
async function keepFilter(parts: Buffer[], keep: RowKeep | undefined, table = 'contacts') {
  const f = new MysqlTableFilter({ table, target: '`stg`.`t`', keep });
  const { out, error } = await drain(f, parts, 'utf8');
  return { out, error, counts: { ...f.rowCounts }, disabled: f.keepDisabled, inserts: f.report.inserts };
}

/** The filter's output for the given pieces, and the error that stopped it (null: none). */
async function drain(f: MysqlTableFilter, parts: Buffer[], encoding: BufferEncoding): Promise<{ out: string; error: string | null }> {
  const out: Buffer[] = [];
  let error: string | null = null;
  try {
    for await (const c of Readable.from(parts).pipe(f)) out.push(c as Buffer);
  } catch (err) {
    error = (err as Error).message;
  }
  return { out: Buffer.concat(out).toString(encoding), error };
}

/** Pieces of `chunk` bytes. */
function pieces(text: string | Buffer, chunk = 7): Buffer[] {
  const input = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += chunk) parts.push(input.subarray(i, i + chunk));
  return parts;
}

/** A matcher keeping the rows whose key values (joined by `|`) are listed; it records what it was asked. */
function keepOnly(columns: string[], wanted: (string | null)[][]): RowKeep & { asked: (string | null)[][] } {
  const set = new Set(wanted.map((v) => JSON.stringify(v)));
  const asked: (string | null)[][] = [];
  return {
    columns,
    asked,
    match(values) {
      asked.push([...values]);
      return set.has(JSON.stringify(values));
    },
  };
}

const STAGED = 'INSERT INTO `stg`.`t` VALUES ';
/** The filter's output for the byte-for-byte test, as written before `keep` existed. */
const GOLDEN =
  "SET NAMES utf8mb4;\nSET SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO', SESSION foreign_key_checks = 0, SESSION unique_checks = 0;\nSET @old_character_set_client = @@SESSION.character_set_client;\nSET NAMES utf8mb4;\nSET SESSION time_zone = '+00:00';\nSET @old_sql_mode = @@SESSION.sql_mode, SESSION sql_mode = 'NO_AUTO_VALUE_ON_ZERO';\nSET @saved_cs_client = @@SESSION.character_set_client;\nSET SESSION character_set_client = utf8mb4;\nCREATE TABLE `stg`.`t` (\n  `id` int(11) NOT NULL,\n  `name` varchar(40) DEFAULT NULL COMMENT 'a;b',\n  `ref` bigint(20),\n  `owner` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;\nSET SESSION character_set_client = @saved_cs_client;\nINSERT INTO `stg`.`t` VALUES \n(1,'a',NULL,1),\n(2,'b',NULL,2);\nINSERT INTO `stg`.`t` (`id`) VALUES  (3);\n";

describe('MysqlTableFilter keep: only the rows whose key is wanted (targeted staging)', () => {
  const rows = "(1,'Ada',NULL,1),(2,'Grace',NULL,2),(3,'Linus',NULL,3),(4,'Barbara',NULL,4)";

  it('keeps rows by the first column: the INSERT holds only them, every safety check still applied', async () => {
    const keep = keepOnly(['id'], [['2'], ['4']]);
    const r = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES ${rows};\n${TAIL}`), keep);
    expect(r.error).toBeNull();
    expect(r.out).toContain(`${STAGED}(2,'Grace',NULL,2),(4,'Barbara',NULL,4);\n`);
    expect(r.out).not.toMatch(/Ada|Linus/);
    expect(keep.asked).toEqual([['1'], ['2'], ['3'], ['4']]);
    expect(r.counts).toEqual({ seen: 4, kept: 2 });
    expect(r.disabled).toBeNull();

    const hostile = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'a',NULL,NULL),(2,sleep(10),NULL,NULL);\n`), keepOnly(['id'], [['1']]));
    expect(hostile.error).toMatch(/a row holds "SLEEP"/);
  });

  it('keeps rows by a column other than the first, whatever its strings hold (escapes, quotes, commas, parentheses, introducers)', async () => {
    const names = [
      `'a,b)'`,
      `'it''s (x'`,
      `'x\\'y (z),'`,
      `"dq\\"x"`,
      `'tab\\tnl\\n\\0\\Z\\b\\r\\\\'`,
      `'pct\\%_\\_ \\q'`,
      `_utf8mb4'Ü€😀'`,
      `_binary 'bin'`,
      `'con' 'cat'`,
      `N'nat'`,
    ];
    const decoded = ['a,b)', "it's (x", "x'y (z),", 'dq"x', 'tab\tnl\n\0\x1a\b\r\\', 'pct\\%_\\_ q', 'Ü€😀', 'bin', 'concat', 'nat'];
    const body = names.map((n, k) => `(${k},${n},NULL,${k})`).join(',');
    const keep = keepOnly(['NAME'], [[decoded[1]], [decoded[4]], [decoded[6]], [decoded[8]]]);
    const r = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES ${body};\n${TAIL}`, 3), keep);
    expect(r.error).toBeNull();
    expect(keep.asked).toEqual(decoded.map((d) => [d]));
    expect(r.out).toContain(`${STAGED}(1,${names[1]},NULL,1),(4,${names[4]},NULL,4),(6,${names[6]},NULL,6),(8,${names[8]},NULL,8);\n`);
    expect(r.counts).toEqual({ seen: 10, kept: 4 });
  });

  it('reads numbers as written, hex as 0x and lower-case digits, NULL as null', async () => {
    const keep = keepOnly(['owner'], [[null]]);
    const r = await keepFilter(
      pieces(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'a',0,-2.5e3),(2,'b',0,0x00FF),(3,'c',0,X'4A'),(4,'d',0,NULL),(5,'e',0, 007 ),(6,'f',0,(1+2));\n`),
      keep,
    );
    expect(r.error).toBeNull();
    // An expression is no literal: its row passes without asking the matcher.
    expect(keep.asked).toEqual([['-2.5e3'], ['0x00ff'], ['0x4a'], [null], ['007']]);
    expect(r.out).toContain(`${STAGED}(4,'d',0,NULL),(6,'f',0,(1+2));\n`);
  });

  it('keeps rows by a composite key', async () => {
    const keep = keepOnly(
      ['owner', 'id'],
      [
        ['2', '2'],
        ['3', '1'],
      ],
    );
    const r = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES ${rows},(1,'Ada again',NULL,3);\n${TAIL}`), keep);
    expect(r.error).toBeNull();
    expect(keep.asked).toEqual([
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
      ['4', '4'],
      ['3', '1'],
    ]);
    expect(r.out).toContain(`${STAGED}(2,'Grace',NULL,2),(1,'Ada again',NULL,3);\n`);
  });

  it('leaves out whole an INSERT none of whose rows is kept, and sends the first kept row right after the head', async () => {
    const keep = keepOnly(['id'], [['3'], ['7']]);
    const text = `${HEAD}INSERT INTO \`contacts\` VALUES ${rows};\nINSERT INTO \`contacts\` VALUES (5,'x',NULL,NULL),(6,'y',NULL,NULL);\nINSERT INTO \`contacts\` VALUES\n(7,'z',NULL,NULL);\n${TAIL}`;
    const r = await keepFilter(pieces(text), keep);
    expect(r.error).toBeNull();
    expect(r.out.match(/INSERT/g)).toHaveLength(2);
    expect(r.out).toContain(`${STAGED}(3,'Linus',NULL,3);\n${STAGED}(7,'z',NULL,NULL);\n`);
    expect(r.inserts).toBe(2);
    expect(r.counts).toEqual({ seen: 7, kept: 2 });
  });

  it('gives the same output however the file is cut: at every byte offset, and in pieces of every size up to 40', async () => {
    const text = Buffer.from(
      `${HEAD}INSERT INTO \`contacts\` VALUES (1,'a,(b)',NULL,1),(22,'it''s',NULL,2),\n(333,'x\\'y',0xFF,3),(4,'Ü😀',NULL,NULL);\nINSERT INTO \`contacts\` VALUES (5,'no',NULL,5);\nINSERT INTO \`contacts\` (\`name\`,\`id\`) VALUES ('last',4444);\n${TAIL}`,
    );
    const keep = () => keepOnly(['id'], [['22'], ['333'], ['4444']]);
    const whole = await keepFilter([text], keep());
    expect(whole.error).toBeNull();
    expect(whole.out).toContain(`${STAGED}(22,'it''s',NULL,2),\n(333,'x\\'y',0xFF,3);\nINSERT INTO \`stg\`.\`t\` (\`name\`,\`id\`) VALUES ('last',4444);\n`);
    expect(whole.out).not.toContain("'no'");
    // Kept rows next to each other pass with what was between them (`,\n`); rows on either side of
    // a cut or of a dropped row are joined by a comma alone.
    const rowsOf = (out: string) => out.replace(/\),\s+\(/g, '),(');
    for (let at = 1; at < text.length; at++) {
      const r = await keepFilter([text.subarray(0, at), text.subarray(at)], keep());
      expect(rowsOf(r.out), `cut at ${at}`).toBe(rowsOf(whole.out));
      expect(r.counts).toEqual({ seen: 6, kept: 3 });
    }
    for (let size = 1; size <= 40; size++) expect(rowsOf((await keepFilter(pieces(text, size), keep())).out), `pieces of ${size}`).toBe(rowsOf(whole.out));
  });

  it('keeps and drops a large row that spans many chunks', async () => {
    const big = 'b'.repeat(200_000);
    const text = `${HEAD}INSERT INTO \`contacts\` VALUES (1,'${big}',NULL,1),(2,'${big}',NULL,2),(3,'small',NULL,3);\n${TAIL}`;
    const r = await keepFilter(pieces(text, 4093), keepOnly(['id'], [['2'], ['3']]));
    expect(r.error).toBeNull();
    expect(r.out).toContain(`${STAGED}(2,'${big}',NULL,2),(3,'small',NULL,3);\n`);
    expect(r.out.length).toBeLessThan(big.length + 2000);
  });

  it('finds the key in an INSERT with a column list (mydumper -c, invisible columns)', async () => {
    const keep = keepOnly(['id'], [['2']]);
    const r = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` (\`name\`, \`id\`) VALUES ('Ada',1),('Grace',2);\n${TAIL}`), keep);
    expect(r.error).toBeNull();
    expect(keep.asked).toEqual([['1'], ['2']]);
    expect(r.out).toContain("INSERT INTO `stg`.`t` (`name`, `id`) VALUES ('Grace',2);\n");
  });

  it('passes every row, and says why, when it cannot tell where the key is', async () => {
    const text = `${HEAD}INSERT INTO \`contacts\` VALUES ${rows};\n${TAIL}`;
    const plain = await filter(text);
    const missing = await keepFilter(pieces(text), keepOnly(['email'], []));
    expect(missing.disabled).toBe('column email is not in the CREATE TABLE');
    expect(missing.out).toBe(plain.out);

    const list = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` (\`name\`) VALUES ('Ada'),('Grace');\n${TAIL}`), keepOnly(['id'], []));
    expect(list.disabled).toMatch(/column id is not in the INSERT's column list/);
    expect(list.out).toContain("INSERT INTO `stg`.`t` (`name`) VALUES  ('Ada'),('Grace');");

    // Fewer values than columns (a dump leaving generated columns out without naming the others):
    // rows before the odd one were read right; it and every later row pass.
    const short = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES ${rows},(5,'e',NULL),(6,'f',NULL,6);\n${TAIL}`), keepOnly(['id'], [['2']]));
    expect(short.disabled).toMatch(/a row has 3 values where the table has 4 columns/);
    expect(short.out).toContain(`${STAGED}(2,'Grace',NULL,2),(5,'e',NULL),(6,'f',NULL,6);\n`);
  });

  it('passes without asking a string key it cannot decode (a client character set other than UTF-8)', async () => {
    const text = Buffer.concat([
      Buffer.from(`${HEAD}/*!40101 SET NAMES latin1 */;\nINSERT INTO \`contacts\` VALUES (1,'`),
      Buffer.from([0xdc]),
      Buffer.from(`',NULL,1),(2,'plain',NULL,2);\n${TAIL}`),
    ]);
    const keep = keepOnly(['name'], []);
    const r = await keepFilter(pieces(text), keep);
    expect(r.error).toBeNull();
    expect(keep.asked).toEqual([['plain']]);
    expect(r.counts).toEqual({ seen: 2, kept: 1 });
  });

  it('refuses an INSERT whose values are not a list of rows, in one line', async () => {
    for (const values of [
      "(1,'a',NULL,NULL),,(2,'b',NULL,NULL)",
      "(1,'a',NULL,NULL) 5",
      "(1,'a',NULL,NULL)(2,'b',NULL,NULL)",
      "(1,'a',NULL,NULL",
      "(1,'a',NULL,NULL)),(2,'b',NULL,NULL)",
    ]) {
      const r = await keepFilter(pieces(`${HEAD}INSERT INTO \`contacts\` VALUES ${values};\n${TAIL}`), keepOnly(['id'], []));
      expect(r.error, values).toMatch(
        /^refusing to stage contacts from this backup: its file holds an INSERT whose values are not a list of rows; nothing was staged$/,
      );
    }
  });

  it('without keep, the output is what it always was, byte for byte', async () => {
    const text = `${HEAD}INSERT INTO \`contacts\` VALUES\n(1,'a',NULL,1),\n(2,'b',NULL,2);\nINSERT INTO \`contacts\` (\`id\`) VALUES (3);\n${TAIL}`;
    const r = await filter(text);
    expect(r.error).toBeNull();
    expect(r.out).toBe(GOLDEN);
    expect((await keepFilter(pieces(text, 1), undefined)).out).toBe(GOLDEN);
  });
});

/**
 * Runs a dump through a filter with `keep` as keepFilter does; with `slow`, every row is read by
 * the byte-by-byte check to its end (the filter before dropped rows were skipped), else a row not
 * wanted is skipped after its key.
 */
async function keepRun(parts: Buffer[], keep: RowKeep, slow: boolean) {
  const f = new MysqlTableFilter({ table: 'contacts', target: '`stg`.`t`', keep });
  // skipRow's "read the row again" answer for every row: the check reads each row whole.
  if (slow) (f as unknown as { skipRow: () => number }).skipRow = () => -2;
  const { out, error } = await drain(f, parts, 'latin1');
  return { out, error, counts: { ...f.rowCounts }, disabled: f.keepDisabled };
}

/** Cuts `text` at the given offsets. */
function cut(text: Buffer, at: number[]): Buffer[] {
  const edges = [0, ...at, text.length];
  return edges.slice(1).map((e, k) => text.subarray(edges[k], e));
}

describe('MysqlTableFilter keep: rows not wanted are skipped after their key, never read differently', () => {
  // Values of `name` (and `ref`) in rows the matcher does not want: everything that can end a
  // string, a row or the statement where a careless scan would not.
  const tricky = [
    `'it''s'`,
    `"dq""x"`,
    `'x\\'y'`,
    `"a\\"b"`,
    `'\\\\'`,
    `'\\\\\\''`,
    `'\\\\\\\\'`,
    `"\\\\"`,
    `'a,b);c('`,
    `'),(9,''x'',NULL,NULL);DROP TABLE t;--'`,
    `"),(9,'x',NULL,NULL);#"`,
    `'--  #  /* */ \`'`,
    `"'"`,
    `'"'`,
    `''`,
    `""`,
    `''''`,
    `'\\''`,
    `'a' 'b' "c"`,
    `_binary 'b\\0'`,
    `X'4A'`,
    `N'n'`,
    `-1`,
    `1e-5`,
    `+.5`,
    `0x1F`,
    `TRUE`,
    ` \n NULL \t`,
    `'Ü😀\\n'`,
    `'${'a'.repeat(62)}\\'${'b'.repeat(5)}'`,
    `'${'a'.repeat(63)}\\\\'`,
    `'${'a'.repeat(64)}\\''`,
    `'${'c'.repeat(300)}\\'${'d'.repeat(300)}\\\\\\'${'e'.repeat(100)}'`,
    `"${'f'.repeat(1000)}''${'g'.repeat(10)}\\""`,
    // Not simple: the check reads these rows again (and drops them, as they are literals).
    `(1+2)`,
    `((3))`,
  ];
  const rowsOf = (ids: number[]) => ids.map((id) => `(${id},${tricky[id % tricky.length]},${tricky[(id * 7) % tricky.length]},${id})`);
  const ids = Array.from({ length: 2 * tricky.length }, (_, k) => k);
  // Every third row wanted: dropped rows come alone and in runs, before and after kept ones.
  const wanted = ids.filter((id) => id % 3 === 1);
  const keep = () =>
    keepOnly(
      ['id'],
      wanted.map((id) => [String(id)]),
    );
  const text = Buffer.from(
    `${HEAD}INSERT INTO \`contacts\` VALUES ${rowsOf(ids).join(',')};\nINSERT INTO \`contacts\` VALUES ${rowsOf([0, 2]).join(',')};\n${TAIL}`,
  );
  // The second INSERT has no row wanted: left out whole. (Output as latin1: byte for byte.)
  const expected = Buffer.from(`${STAGED}${rowsOf(wanted).join(',')};\n`).toString('latin1');

  it('passes exactly the rows wanted, as the byte-by-byte check does, whatever the rows hold', async () => {
    // Every row is a literal the check passes: the whole file is staged without keep.
    expect((await filter(text, 'contacts', 1 << 16)).error).toBeNull();
    const slowKeep = keep();
    const slow = await keepRun([text], slowKeep, true);
    const fastKeep = keep();
    const fast = await keepRun([text], fastKeep, false);
    expect(slow.error).toBeNull();
    expect(fast.out.endsWith(expected)).toBe(true);
    expect(fast).toEqual(slow);
    expect(fast.counts).toEqual({ seen: ids.length + 2, kept: wanted.length });
    expect(fastKeep.asked).toEqual(slowKeep.asked);
  });

  it('gives the same output however the file is cut: at every offset of the rows, and in pieces of many sizes', async () => {
    const slow = await keepRun([text], keep(), true);
    const from = text.indexOf('INSERT');
    for (let at = from; at < text.length - TAIL.length; at++) {
      const r = await keepRun(cut(text, [at]), keep(), false);
      if (r.out !== slow.out || r.error !== null) expect(r.out, `cut at ${at}`).toBe(slow.out);
    }
    for (const size of [1, 2, 3, 5, 7, 13, 31, 63, 64, 65, 127, 1000, 4093]) {
      const r = await keepRun(pieces(text, size), keep(), false);
      expect(r.out, `pieces of ${size}`).toBe(slow.out);
      expect(r.counts).toEqual(slow.counts);
    }
  });

  it('skips very long strings, escapes at every place, across chunks', async () => {
    const long = [
      `'${'x'.repeat(200_000)}'`,
      `'${'\\\\'.repeat(50_000)}'`,
      `'${"\\'".repeat(50_000)}'`,
      `"${'""'.repeat(50_000)}"`,
      `'${"a\\'b''c\\\\".repeat(20_000)}'`,
    ];
    const body = long.map((v, k) => `(${2 * k},${v},${v},${2 * k}),(${2 * k + 1},'kept',NULL,1)`).join(',');
    const big = Buffer.from(`${HEAD}INSERT INTO \`contacts\` VALUES ${body};\n${TAIL}`);
    const keepOdd = () =>
      keepOnly(
        ['id'],
        long.map((_, k) => [String(2 * k + 1)]),
      );
    const slow = await keepRun([big], keepOdd(), true);
    expect(slow.error).toBeNull();
    expect(slow.out).toContain(`${STAGED}${long.map((_, k) => `(${2 * k + 1},'kept',NULL,1)`).join(',')};\n`);
    for (const size of [61, 64, 65, 999, 4093, 65536]) expect((await keepRun(pieces(big, size), keepOdd(), false)).out, `pieces of ${size}`).toBe(slow.out);
  });

  it('reads the row again when its key is not the first value, or when it has the wrong number of values', async () => {
    const byOwner = keepOnly(['owner'], [['2']]);
    const r = await keepRun(pieces(text, 5), byOwner, false);
    expect(r).toEqual(await keepRun(pieces(text, 5), keepOnly(['owner'], [['2']]), true));
    expect(r.out).toContain(`${STAGED}${rowsOf([2]).join(',')};\n${STAGED}${rowsOf([2]).join(',')};\n`);

    // A row not wanted with a value too few or too many: it passes (checked), and every row after it.
    for (const odd of [`(5,'a\\'',NULL)`, `(5,'a',NULL,1,2)`, `(5,(1),NULL)`]) {
      const t = Buffer.from(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'x',NULL,1),${odd},(6,'y',NULL,6);\n${TAIL}`);
      for (const size of [1, 4, 7, 1 << 16]) {
        const fast = await keepRun(pieces(t, size), keepOnly(['id'], [['6']]), false);
        expect(fast).toEqual(await keepRun(pieces(t, size), keepOnly(['id'], [['6']]), true));
        expect(fast.out).toContain(`${STAGED}${odd},(6,'y',NULL,6);\n`);
        expect(fast.disabled).toMatch(/^a row has [35] values where the table has 4 columns$/);
      }
    }
  });

  it('refuses what the check refuses where a skip cannot tell how the server reads it (comments, names, variables, a cut row)', async () => {
    for (const row of [
      `(5,'a' -- '),(6,'b',NULL,NULL)\n,NULL,NULL)`,
      `(5,'a' #'\n,NULL,NULL)`,
      `(5,'a' /* ') */,NULL,NULL)`,
      `(5,\`a'\`,NULL,NULL)`,
      `(5,@a,NULL,NULL)`,
      `(5,'a',NULL,NULL;`,
      `(5,'a',NULL,sleep(1))`,
      `(5,'a',NULL,\\N)`,
      `(5,'a',NULL,'x'\x01)`,
      `(5,'a',NULL,'x'\xc3\xa9)`,
    ]) {
      const t = Buffer.concat([
        Buffer.from(`${HEAD}INSERT INTO \`contacts\` VALUES (1,'x',NULL,1),`),
        Buffer.from(row, 'latin1'),
        Buffer.from(`,(7,'y',NULL,7);\n${TAIL}`),
      ]);
      for (const size of [1, 3, 1 << 16]) {
        const fast = await keepRun(pieces(t, size), keepOnly(['id'], [['1'], ['7']]), false);
        expect(fast.error, row).toMatch(/^refusing to stage contacts from this backup: /);
        expect(fast).toEqual(await keepRun(pieces(t, size), keepOnly(['id'], [['1'], ['7']]), true));
      }
    }
  });

  it('does not check the values of a row not wanted after its key: they are never sent', async () => {
    const t = `${HEAD}INSERT INTO \`contacts\` VALUES (1,'x',NULL,1),(5,'a',db.col,SLEEP),(7,'y',NULL,7);\n${TAIL}`;
    const dropped = await keepRun(pieces(t), keepOnly(['id'], [['1'], ['7']]), false);
    expect(dropped.error).toBeNull();
    expect(dropped.out).toContain(`${STAGED}(1,'x',NULL,1),(7,'y',NULL,7);\n`);
    expect(dropped.out).not.toContain('SLEEP');
    const kept = await keepRun(pieces(t), keepOnly(['id'], [['5']]), false);
    expect(kept.error).toMatch(/a row holds "DB"/);
  });
});
