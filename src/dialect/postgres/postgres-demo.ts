import { openDb, type Db } from '../../connect/open.js';
import type { Target } from '../../connect/target.js';
import { DEMO_MARKER, notADemo, type DemoEngine } from '../../demo/demo-engine.js';
import type { ColumnKind } from '../../demo/tables.js';
import { postgresDialect as d } from './postgres-dialect.js';

const ARRAY_TYPE: Record<ColumnKind, string> = {
  text: 'text',
  int: 'int4',
  numeric: 'numeric',
  ts: 'timestamptz',
  date: 'date',
  json: 'jsonb',
  bytes: 'bytea',
};

/** The demo on PostgreSQL: loads through `INSERT … SELECT * FROM unnest($1::text[], …)`. */
export const postgresDemo: DemoEngine = {
  engine: 'postgres',
  displayName: 'PostgreSQL',
  startHint: 'Start one: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start',
  batchRows: 2_000,

  localServer(env) {
    const target: Target = { engine: 'postgres', database: '', source: 'the local PostgreSQL server' };
    if (!env.PGHOST) target.host = '127.0.0.1';
    return target;
  },
  serverDatabase: (given) => given || 'postgres',

  adminTarget(server: Target, database: string): Target {
    const given = server.database;
    return { ...server, database: given && given !== database ? given : 'postgres' };
  },

  async recreateDatabase(admin: Db, database: string): Promise<void> {
    const [existing] = await admin.query<{ comment: string | null }>(
      "SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = $1",
      [database],
    );
    if (existing && existing.comment !== DEMO_MARKER) await refuseUnlessEmpty(admin.target, database);
    const [{ v }] = await admin.query<{ v: string }>("SELECT current_setting('server_version_num') AS v");
    if (Number(v) >= 130000) {
      await admin.query(`DROP DATABASE IF EXISTS ${d.quoteIdent(database)} WITH (FORCE)`);
    } else {
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      await admin.query(`DROP DATABASE IF EXISTS ${d.quoteIdent(database)}`);
    }
    const [{ encoding }] = await admin.query<{ encoding: string }>(
      "SELECT pg_encoding_to_char(encoding) AS encoding FROM pg_database WHERE datname = 'template1'",
    );
    // The demo holds emoji and CJK: insist on UTF8 even where template1 is not.
    const options = encoding === 'UTF8' ? '' : " TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'";
    await admin.query(`CREATE DATABASE ${d.quoteIdent(database)}${options}`);
    await admin.query(`COMMENT ON DATABASE ${d.quoteIdent(database)} IS ${d.quoteLiteral(DEMO_MARKER)}`);
  },

  // Tables are loaded bare; keys and indexes are built once at the end (keys.sql).
  steps: {
    beforeLoad: [
      { file: 'schema', describe: 'created the tables' },
      { file: 'history-seed', describe: 'staged the change log' },
    ],
    afterLoad: [],
    afterHistory: [{ file: 'keys', describe: 'added keys, foreign keys and indexes' }],
  },
  loadTableOf: (table) => table,

  loadSessionSql: ['SET synchronous_commit = off', "SET work_mem = '128MB'", "SET maintenance_work_mem = '256MB'"],
  endLoadSessionSql: ['RESET synchronous_commit', 'RESET work_mem', 'RESET maintenance_work_mem'],

  async insertRows(q, table, columns, rows) {
    const arrays = columns.map((col, j) =>
      col.kind === 'ts' ? rows.map((r) => (r[j] === null ? null : new Date(r[j] as number).toISOString())) : rows.map((r) => r[j]),
    );
    const names = columns.map((col) => d.quoteIdent(col.name)).join(', ');
    const unnest = columns.map((col, j) => `$${j + 1}::${ARRAY_TYPE[col.kind]}[]`).join(', ');
    await q.query(`INSERT INTO ${d.quoteIdent(table)} (${names}) SELECT * FROM unnest(${unnest})`, arrays);
  },

  timestampParam: (ms) => new Date(ms).toISOString(),

  async analyze(q, tables) {
    await q.query(`ANALYZE ${tables.map((t) => d.quoteIdent(t)).join(', ')}`);
  },
};

async function refuseUnlessEmpty(admin: Target, database: string): Promise<void> {
  const db = await openDb({ ...admin, database }, { readOnly: true, interactive: false, poolSize: 1 });
  try {
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND s.nspname NOT IN ('pg_catalog', 'information_schema')
          AND s.nspname NOT LIKE 'pg\\_%'`,
    );
    if (n > 0) throw notADemo(database, n);
  } finally {
    await db.close();
  }
}
