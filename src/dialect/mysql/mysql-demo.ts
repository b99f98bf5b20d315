import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Db } from '../../connect/open.js';
import { parseMyCnf } from '../../connect/mycnf.js';
import type { Target } from '../../connect/target.js';
import { DEMO_MARKER, notADemo, type DemoEngine } from '../../demo/demo-engine.js';
import { mysqlDialect as d } from './mysql-dialect.js';

/** `YYYY-MM-DD HH:MM:SS.sss` (UTC) for datetime(6) columns; MariaDB refuses ISO's "Z". */
function datetime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
}

/**
 * The demo on MySQL/MariaDB: multi-row VALUES into key-less staging twins (plain appends), then
 * one INSERT … SELECT per table into the fully declared, still empty table, which InnoDB loads
 * in bulk (sorted index builds) when unique_checks and foreign_key_checks are off. Inserting
 * into the indexed tables row by row is an order of magnitude slower at 1M contacts, and
 * adding foreign keys afterwards with ALTER TABLE is unsafe on MariaDB 10.11 (see schema.sql).
 */
export const mysqlDemo: DemoEngine = {
  engine: 'mysql',
  displayName: 'MySQL/MariaDB',
  startHint: 'Start one: start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd',
  batchRows: 2_000,

  localServer(env) {
    // root, unless ~/.my.cnf names the user (its password is read later, by completeTarget).
    const file = env.MYSQL_CONFIG_FILE || join(env.HOME || homedir(), '.my.cnf');
    const cnf = existsSync(file) ? parseMyCnf(readFileSync(file, 'utf8')) : {};
    return { engine: 'mysql', database: '', source: 'the local MySQL/MariaDB server', ...(!cnf.user && { user: 'root' }) };
  },
  serverDatabase: () => 'information_schema',

  adminTarget(server: Target): Target {
    // Every account may read information_schema; the URL's database part is ignored.
    return { ...server, database: 'information_schema' };
  },

  async recreateDatabase(admin: Db, database: string): Promise<void> {
    const exists = await admin.query('SELECT 1 FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [database]);
    if (exists.length > 0) {
      const tables = await admin.query<{ name: string; comment: string | null }>(
        'SELECT TABLE_NAME AS name, TABLE_COMMENT AS comment FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?',
        [database],
      );
      const marked = tables.some((t) => t.name === 'history' && t.comment === DEMO_MARKER);
      if (tables.length > 0 && !marked) throw notADemo(database, tables.length);
    }
    await admin.query(`DROP DATABASE IF EXISTS ${d.quoteIdent(database)}`);
    await admin.query(`CREATE DATABASE ${d.quoteIdent(database)} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  },

  steps: {
    beforeLoad: [
      { file: 'schema', describe: 'created the tables' },
      { file: 'load-tables', describe: 'created the staging tables' },
      { file: 'history-seed', describe: 'staged the change log' },
    ],
    afterLoad: [{ file: 'publish', describe: 'moved the rows into the indexed tables' }],
    afterHistory: [],
  },
  loadTableOf: (table) => `demo_load_${table}`,

  loadSessionSql: ['SET SESSION foreign_key_checks = 0', 'SET SESSION unique_checks = 0', 'SET SESSION sort_buffer_size = 67108864'],
  endLoadSessionSql: ['SET SESSION foreign_key_checks = 1', 'SET SESSION unique_checks = 1', 'SET SESSION sort_buffer_size = DEFAULT'],

  async insertRows(q, table, columns, rows) {
    const tuple = `(${columns.map(() => '?').join(', ')})`;
    const params: unknown[] = [];
    const ts = columns.map((col) => col.kind === 'ts');
    for (const row of rows) {
      for (let j = 0; j < row.length; j++) params.push(ts[j] && row[j] !== null ? datetime(row[j] as number) : row[j]);
    }
    const names = columns.map((col) => d.quoteIdent(col.name)).join(', ');
    await q.query(`INSERT INTO ${d.quoteIdent(table)} (${names}) VALUES ${Array(rows.length).fill(tuple).join(', ')}`, params);
  },

  timestampParam: datetime,

  async analyze(q, tables) {
    await q.query(`ANALYZE TABLE ${tables.map((t) => d.quoteIdent(t)).join(', ')}`);
  },
};
