import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { MYSQL_ADMIN_URL, PG_ADMIN_URL, type TestEngine } from './servers.js';

/** A database created for one test and dropped after it. */
export interface TempDb {
  engine: TestEngine;
  name: string;
  /** URL of the database (no password: the test servers trust local connections). */
  url: string;
  /** Runs SQL as the admin user inside this database (multi-statement allowed). */
  exec(sqlText: string): Promise<void>;
  /** Runs one query as the admin user inside this database and returns its rows. */
  query<T = Record<string, unknown>>(sqlText: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

/** A unique, lower-case database name for a test: `crt_<prefix>_<random>`. */
export function uniqueName(prefix: string): string {
  return `crt_${prefix
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
}

/** Creates a fresh database on the engine's test server. */
export async function createTempDb(engine: TestEngine, prefix = 't'): Promise<TempDb> {
  const name = uniqueName(prefix);
  if (engine === 'postgres') {
    const admin = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE "${name}"`);
    } finally {
      await admin.end();
    }
  } else {
    const admin = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
    try {
      await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    } finally {
      await admin.end();
    }
  }
  return attachTempDb(engine, name);
}

/**
 * A TempDb handle on a database something else created (e.g. `crm-rescue demo --db NAME`):
 * the test queries it and drops it (with its MySQL companions) like its own.
 */
export function attachTempDb(engine: TestEngine, name: string): TempDb {
  if (engine === 'postgres') {
    const url = `${PG_ADMIN_URL}/${name}`;
    const withClient = async <T>(fn: (c: pg.Client) => Promise<T>) => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        return await fn(c);
      } finally {
        await c.end();
      }
    };
    return {
      engine,
      name,
      url,
      exec: (sqlText) => withClient(async (c) => void (await c.query(sqlText))),
      query: (sqlText, params) => withClient(async (c) => (await c.query(sqlText, params)).rows),
      async drop() {
        const a = new pg.Client({ connectionString: `${PG_ADMIN_URL}/postgres` });
        await a.connect();
        try {
          await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        } finally {
          await a.end();
        }
      },
    };
  }
  const url = `${MYSQL_ADMIN_URL}/${name}`;
  const withConn = async <T>(fn: (c: mysql.Connection) => Promise<T>) => {
    const c = await mysql.createConnection({ uri: url, multipleStatements: true, dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  return {
    engine,
    name,
    url,
    exec: (sqlText) => withConn(async (c) => void (await c.query(sqlText))),
    query: (sqlText, params) => withConn(async (c) => (await c.query(sqlText, params))[0] as never),
    async drop() {
      const a = await mysql.createConnection({ uri: MYSQL_ADMIN_URL });
      try {
        await a.query(`DROP DATABASE IF EXISTS \`${name}\``);
        await dropMysqlCompanions(a, name);
      } finally {
        await a.end();
      }
    },
  };
}

/**
 * On MySQL crm-rescue's namespaces are databases of their own: the journal/audit database
 * `crm_rescue__<db>` and the staging databases whose marker names <db>. Dropping a test's
 * database drops them too, so nothing is left behind.
 */
export async function dropMysqlCompanions(a: mysql.Connection, name: string): Promise<void> {
  await a.query(`DROP DATABASE IF EXISTS \`crm_rescue__${name}\``);
  const [rows] = await a.query(`SELECT SCHEMA_NAME AS n FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 'crm\\_rescue\\_stage\\_%'`);
  for (const { n } of rows as { n: string }[]) {
    const [marker] = await a.query(`SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = '_crm_rescue_staging'`, [n]);
    if (!(marker as unknown[]).length) continue;
    // Another test may drop its staging between the two reads: gone is fine (1146, 1049).
    const owner = await a
      .query(`SELECT database_name AS d FROM \`${n}\`._crm_rescue_staging WHERE kind = 'namespace'`)
      .then(([r]) => r as { d: string }[])
      .catch((err: { errno?: number }) => {
        if (err.errno === 1146 || err.errno === 1049) return [];
        throw err;
      });
    if (owner[0]?.d === name) await a.query(`DROP DATABASE IF EXISTS \`${n}\``);
  }
}
