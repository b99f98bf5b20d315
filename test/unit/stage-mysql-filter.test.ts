import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MysqlTableFilter } from '../../src/stage/mysql-filter.js';

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
