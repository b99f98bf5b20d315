import { readFileSync } from 'node:fs';
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import * as mysql from 'mysql2';
import pg from 'pg';
import { UserError } from '../errors.js';
import { dialectFor, type Dialect, type Queryable } from '../dialect/index.js';
import { connectError, isPasswordMissing } from './errors.js';
import { promptPassword } from './prompt-password.js';
import type { Target } from './target.js';

/** An open connection pool to a target, through Kysely. */
export interface Db extends Queryable {
  readonly target: Target;
  readonly dialect: Dialect;
  /** Read-only unless opened for merge/undo/staging. */
  readonly readOnly: boolean;
  readonly kysely: Kysely<any>;
  close(): Promise<void>;
}

/** How to open a target. */
export interface OpenOptions {
  /** Default true: every transaction is read-only (DESIGN.md safety rule 1). */
  readOnly?: boolean;
  /** Ask for a password on the TTY when the server wants one. Default: when stdin is a TTY. */
  interactive?: boolean;
  /** Pool size. Default 4. */
  poolSize?: number;
}

// Return int8/numeric as strings (exact), but count(*) style bigints fit in a JS number when small.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});

/**
 * Opens one Kysely instance for a target and checks that it answers. Read-only by default:
 * PostgreSQL sessions get `default_transaction_read_only=on`, MySQL sessions
 * `SET SESSION TRANSACTION READ ONLY`.
 */
export async function openDb(target: Target, options: OpenOptions = {}): Promise<Db> {
  const readOnly = options.readOnly ?? true;
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY);
  const t = { ...target };
  for (let attempt = 0; ; attempt++) {
    const db = createDb(t, readOnly, options.poolSize ?? 4);
    try {
      await db.query('SELECT 1');
      return db;
    } catch (err) {
      await db.close().catch(() => undefined);
      if (attempt === 0 && interactive && isPasswordMissing(err, t)) {
        t.password = await promptPassword(`Password for ${t.user}@${t.host ?? t.socket}: `).catch(() => {
          throw new UserError('cancelled at the password prompt');
        });
        continue;
      }
      throw connectError(err, t);
    }
  }
}

function createDb(target: Target, readOnly: boolean, poolSize: number): Db {
  const dialect = dialectFor(target.engine);
  const kysely = target.engine === 'postgres' ? pgKysely(target, readOnly, poolSize) : mysqlKysely(target, readOnly, poolSize);
  return {
    target,
    dialect,
    readOnly,
    kysely,
    async query<T>(sqlText: string, params: readonly unknown[] = []): Promise<T[]> {
      const res = await kysely.executeQuery<T>(CompiledQuery.raw(sqlText, [...params]));
      return res.rows as T[];
    },
    close: () => kysely.destroy(),
  };
}

function pgKysely(t: Target, readOnly: boolean, max: number): Kysely<any> {
  const pool = new pg.Pool({
    host: t.socket ?? t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    ssl: pgSsl(t),
    max,
    connectionTimeoutMillis: 10_000,
    application_name: 'crm-rescue',
    options: readOnly ? '-c default_transaction_read_only=on' : undefined,
  });
  // An idle client that loses its server must not crash the process.
  pool.on('error', () => undefined);
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

function pgSsl(t: Target): pg.PoolConfig['ssl'] {
  const tls = t.tls;
  if (!tls || tls.mode === 'disable' || tls.mode === 'allow' || tls.mode === 'prefer') return false;
  const files = {
    ...(tls.ca && { ca: readTlsFile(tls.ca) }),
    ...(tls.cert && { cert: readTlsFile(tls.cert) }),
    ...(tls.key && { key: readTlsFile(tls.key) }),
  };
  if (tls.mode === 'require') return { rejectUnauthorized: false, ...files };
  return {
    rejectUnauthorized: true,
    ...files,
    ...(tls.mode === 'verify-ca' && { checkServerIdentity: () => undefined }),
  };
}

function mysqlKysely(t: Target, readOnly: boolean, connectionLimit: number): Kysely<any> {
  const tls = t.tls;
  const ssl =
    !tls || tls.mode === 'disable' || tls.mode === 'allow' || tls.mode === 'prefer'
      ? undefined
      : {
          rejectUnauthorized: tls.mode !== 'require',
          ...(tls.ca && { ca: readTlsFile(tls.ca) }),
          ...(tls.cert && { cert: readTlsFile(tls.cert) }),
          ...(tls.key && { key: readTlsFile(tls.key) }),
        };
  const pool = mysql.createPool({
    host: t.host,
    port: t.port,
    socketPath: t.socket,
    user: t.user,
    password: t.password,
    database: t.database,
    ssl,
    connectionLimit,
    connectTimeout: 10_000,
    charset: 'utf8mb4_general_ci',
    supportBigNumbers: true,
    bigNumberStrings: true,
    dateStrings: true,
    decimalNumbers: false,
    timezone: 'Z',
    multipleStatements: false,
  });
  pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
    if (readOnly) conn.query('SET SESSION TRANSACTION READ ONLY');
  });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
}

function readTlsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read TLS file ${path}: ${(err as Error).message}`, 'Check the sslrootcert/sslcert/sslkey path', { cause: err });
  }
}
