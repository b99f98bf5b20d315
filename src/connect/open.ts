import { readFileSync } from 'node:fs';
import { CompiledQuery, Kysely, MysqlDialect, PostgresDialect } from 'kysely';
import * as mysql from 'mysql2';
import pg from 'pg';
import { UserError } from '../errors.js';
import { dialectFor, type Dialect, type Queryable, type Snapshot } from '../dialect/index.js';
import { connectError, isPasswordMissing } from './errors.js';
import { promptPassword } from './prompt-password.js';
import { mysqlSnapshot, pgSnapshot } from './snapshot.js';
import type { Target } from './target.js';

/** An open connection pool to a target, through Kysely. */
export interface Db extends Queryable {
  readonly target: Target;
  readonly dialect: Dialect;
  /** Read-only unless opened for merge/undo/staging. */
  readonly readOnly: boolean;
  readonly kysely: Kysely<any>;
  /**
   * Runs `fn` on one dedicated connection of the pool, for work that needs session state
   * (temporary tables, an explicit BEGIN … COMMIT spanning several statements).
   */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * A read-only transaction with one consistent snapshot on a dedicated connection, whose
   * `stream` reads large results in batches (see Snapshot). The caller must `release` it.
   */
  snapshot(): Promise<Snapshot>;
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

// int8: a JS number when it fits exactly, else the exact string. numeric stays a string.
pg.types.setTypeParser(20, (v: string) => {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
});
// Dates, times and JSON keep the server's spelling: a JS Date drops microseconds and JSON.parse
// reorders nothing but loses the original text. Diff, journal and display need the exact value.
// (date, time, timestamp, timestamptz, timetz, json, jsonb and their arrays)
for (const oid of [1082, 1083, 1114, 1184, 1266, 114, 3802, 1182, 1183, 1115, 1185, 1270, 199, 3807]) {
  pg.types.setTypeParser(oid, (v: string) => v);
}

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
  const { kysely, snapshot } = target.engine === 'postgres' ? pgKysely(target, readOnly, poolSize) : mysqlKysely(target, readOnly, poolSize);
  return {
    target,
    dialect,
    readOnly,
    kysely,
    async query<T>(sqlText: string, params: readonly unknown[] = []): Promise<T[]> {
      const res = await kysely.executeQuery<T>(CompiledQuery.raw(sqlText, [...params]));
      return res.rows as T[];
    },
    withConnection: (fn) =>
      kysely.connection().execute(async (conn) =>
        fn({
          async query<R>(sqlText: string, params: readonly unknown[] = []): Promise<R[]> {
            const res = await conn.executeQuery<R>(CompiledQuery.raw(sqlText, [...params]));
            return res.rows as R[];
          },
        }),
      ),
    snapshot,
    close: () => kysely.destroy(),
  };
}

/** Kysely over a pool, and snapshots on the same pool (same sessions, same type parsing). */
interface Pooled {
  kysely: Kysely<any>;
  snapshot: () => Promise<Snapshot>;
}

function pgKysely(t: Target, readOnly: boolean, max: number): Pooled {
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
  // A client that loses its server (idle, or checked out mid-query: the query itself rejects)
  // must not crash the process with an unhandled 'error' event.
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  return { kysely: new Kysely<any>({ dialect: new PostgresDialect({ pool }) }), snapshot: () => pgSnapshot(pool) };
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

function mysqlKysely(t: Target, readOnly: boolean, connectionLimit: number): Pooled {
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
  return { kysely: new Kysely<any>({ dialect: new MysqlDialect({ pool }) }), snapshot: () => mysqlSnapshot(pool) };
}

function readTlsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read TLS file ${path}: ${(err as Error).message}`, 'Check the sslrootcert/sslcert/sslkey path', { cause: err });
  }
}
