import { readFileSync } from 'node:fs';
import type * as Mysql from 'mysql2';
import type { Pool as PgPool, PoolClient, PoolConfig } from 'pg';
import { UserError } from '../errors.js';
import { dialectFor, type Dialect, type Queryable, type Snapshot, type Transaction } from '../dialect/index.js';
import { connectError, isPasswordMissing } from './errors.js';
import { lockWaitError, sessionLockTimeoutSeconds } from './lock-wait.js';
import { promptPassword } from './prompt-password.js';
import { mysqlSnapshot, pgSnapshot } from './snapshot.js';
import type { Target } from './target.js';

/** An open connection pool to a target. */
export interface Db extends Queryable {
  readonly target: Target;
  readonly dialect: Dialect;
  /** Read-only unless opened for merge/undo/staging. */
  readonly readOnly: boolean;
  /**
   * Runs `fn` on one dedicated connection of the pool, for work that needs session state
   * (temporary tables, an explicit BEGIN … COMMIT spanning several statements).
   */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs `fn` in one transaction on one dedicated connection of the pool: BEGIN, then COMMIT
   * when `fn` resolves, ROLLBACK (and `fn`'s error rethrown) when it or the COMMIT fails. The
   * transaction is read-only when the Db is.
   */
  transaction<T>(fn: (tx: Transaction) => Promise<T>): Promise<T>;
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
  /**
   * Seconds any statement of any session of this pool waits for a lock another session holds
   * (default 5). Past it, the statement fails with a LockWaitError naming the table and that session.
   */
  lockTimeoutSeconds?: number;
}

type PgModule = typeof import('pg');

/** The drivers load on first use, only the target's own: each costs start-up time. */
let pgModule: Promise<PgModule> | null = null;
function loadPg(): Promise<PgModule> {
  pgModule ??= import('pg').then((m) => {
    const pg = (m as unknown as { default: PgModule }).default ?? m;
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
    return pg;
  });
  return pgModule;
}

/**
 * Opens a connection pool for a target and checks that it answers. Read-only by default:
 * PostgreSQL sessions get `default_transaction_read_only=on`, MySQL sessions
 * `SET SESSION TRANSACTION READ ONLY`.
 */
export async function openDb(target: Target, options: OpenOptions = {}): Promise<Db> {
  const readOnly = options.readOnly ?? true;
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY);
  const t = { ...target };
  for (let attempt = 0; ; attempt++) {
    const db = await createDb(t, readOnly, options.poolSize ?? 4, options.lockTimeoutSeconds ?? sessionLockTimeoutSeconds());
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

/** One statement's outcome: its rows (none without a result set) and the rows a write affected. */
interface RawResult {
  rows: unknown[];
  affected: number;
}

/** What each engine's pool provides: one statement, or a dedicated connection. */
interface RawPool {
  query(conn: unknown, sqlText: string, params: readonly unknown[]): Promise<RawResult>;
  /** `release(true)` closes the connection instead of returning it (its state is unknown). */
  acquire(): Promise<{ conn: unknown; release(destroy?: boolean): void }>;
  end(): Promise<void>;
  snapshot(): Promise<Snapshot>;
  /** Session ids (PostgreSQL pids, MySQL connection ids) of this pool's own connections. */
  sessions: Set<number>;
}

async function createDb(target: Target, readOnly: boolean, poolSize: number, lockSeconds: number): Promise<Db> {
  const dialect = dialectFor(target.engine);
  const raw =
    target.engine === 'postgres'
      ? await pgPool(target, readOnly, poolSize, lockSeconds)
      : await mysqlPool(target, readOnly, poolSize, dialect.sessionLockTimeouts(lockSeconds));
  // A lock wait that timed out names the table and the session holding the lock (looked up on
  // another connection of the pool: the waiting one may be in an aborted transaction).
  const lockError = (err: unknown, sqlText: string) =>
    lockWaitError(err, {
      dialect,
      diagnose: { query: async <T>(q: string, p: readonly unknown[] = []) => (await raw.query(null, q, p)).rows as T[] },
      sqlText,
      ownSessions: [...raw.sessions],
      seconds: lockSeconds,
    });
  const run = async (conn: unknown, sqlText: string, params: readonly unknown[]): Promise<RawResult> => {
    try {
      return await raw.query(conn, sqlText, params);
    } catch (err) {
      // The driver's stack ends in its socket handler: add the caller's.
      if (err instanceof Error && err.stack) err.stack += `\n${new Error().stack?.split('\n').slice(1).join('\n')}`;
      if (dialect.lockTimeout(err)) throw await lockError(err, sqlText);
      throw err;
    }
  };
  const query = async <T>(conn: unknown, sqlText: string, params: readonly unknown[]): Promise<T[]> => (await run(conn, sqlText, params)).rows as T[];
  return {
    target,
    dialect,
    readOnly,
    query: <T>(sqlText: string, params: readonly unknown[] = []) => query<T>(null, sqlText, params),
    async withConnection(fn) {
      const c = await raw.acquire();
      try {
        return await fn({ query: <R>(sqlText: string, params: readonly unknown[] = []) => query<R>(c.conn, sqlText, params) });
      } finally {
        c.release();
      }
    },
    async transaction(fn) {
      const c = await raw.acquire();
      const tx: Transaction = {
        query: <R>(sqlText: string, params: readonly unknown[] = []) => query<R>(c.conn, sqlText, params),
        write: async (sqlText: string, params: readonly unknown[] = []) => (await run(c.conn, sqlText, params)).affected,
      };
      let broken = false;
      try {
        await run(c.conn, 'BEGIN', []);
        const result = await fn(tx);
        await run(c.conn, 'COMMIT', []);
        return result;
      } catch (err) {
        // The work's error is the one to report; a connection that cannot even roll back is
        // closed rather than handed to the next caller mid-transaction.
        await run(c.conn, 'ROLLBACK', []).catch(() => {
          broken = true;
        });
        throw err;
      } finally {
        c.release(broken);
      }
    },
    snapshot: async () => {
      const s = await raw.snapshot();
      return {
        query: async <T>(sqlText: string, params?: readonly unknown[]) => {
          try {
            return await s.query<T>(sqlText, params);
          } catch (err) {
            if (dialect.lockTimeout(err)) throw await lockError(err, sqlText);
            throw err;
          }
        },
        async *stream<T>(sqlText: string, params?: readonly unknown[], batchSize?: number) {
          try {
            yield* s.stream<T>(sqlText, params, batchSize);
          } catch (err) {
            if (dialect.lockTimeout(err)) throw await lockError(err, sqlText);
            throw err;
          }
        },
        release: () => s.release(),
      };
    },
    close: () => raw.end(),
  };
}

async function pgPool(t: Target, readOnly: boolean, max: number, lockSeconds: number): Promise<RawPool> {
  const pg = await loadPg();
  const pool: PgPool = new pg.Pool({
    host: t.socket ?? t.host,
    port: t.port,
    user: t.user,
    password: t.password,
    database: t.database,
    ssl: pgSsl(t),
    max,
    connectionTimeoutMillis: 10_000,
    application_name: 'crm-rescue',
    // Every session bounds its lock waits from its first statement on.
    options: `${readOnly ? '-c default_transaction_read_only=on ' : ''}-c lock_timeout=${Math.max(1, Math.round(lockSeconds * 1000))}`,
  });
  // A client that loses its server (idle, or checked out mid-query: the query itself rejects)
  // must not crash the process with an unhandled 'error' event.
  pool.on('error', () => undefined);
  const sessions = new Set<number>();
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    const pid = (client as unknown as { processID?: number }).processID;
    if (pid) sessions.add(pid);
  });
  pool.on('remove', (client) => sessions.delete((client as unknown as { processID?: number }).processID ?? -1));
  return {
    async query(conn, sqlText, params) {
      const res = await ((conn as PoolClient | null) ?? pool).query<Record<string, unknown>>(sqlText, [...params]);
      // Several statements in one text give several results: no rows then.
      if (Array.isArray(res)) return { rows: [], affected: 0 };
      return { rows: res.rows ?? [], affected: res.rowCount ?? 0 };
    },
    async acquire() {
      const client = await pool.connect();
      // pg closes a client released with a truthy argument.
      return { conn: client, release: (destroy) => client.release(destroy === true) };
    },
    end: () => pool.end(),
    snapshot: () => pgSnapshot(pool),
    sessions,
  };
}

function pgSsl(t: Target): PoolConfig['ssl'] {
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

async function mysqlPool(t: Target, readOnly: boolean, connectionLimit: number, onConnect: string[]): Promise<RawPool> {
  const mysql = await import('mysql2');
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
  const sessions = new Set<number>();
  pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
    if (readOnly) conn.query('SET SESSION TRANSACTION READ ONLY');
    // Every session bounds its lock waits (metadata locks wait a day by default).
    for (const s of onConnect) conn.query(s);
    sessions.add(conn.threadId);
  });
  const run = (conn: Mysql.Pool | Mysql.PoolConnection, sqlText: string, params: readonly unknown[]) =>
    new Promise<RawResult>((resolve, reject) => {
      conn.query(sqlText, [...params], (err, result) => {
        if (err) reject(err);
        // Statements without a result set (an OK packet) give no rows, only the rows they affected.
        else if (Array.isArray(result)) resolve({ rows: result, affected: 0 });
        else resolve({ rows: [], affected: Number((result as Mysql.ResultSetHeader).affectedRows ?? 0) });
      });
    });
  return {
    query: (conn, sqlText, params) => run((conn as Mysql.PoolConnection | null) ?? pool, sqlText, params),
    acquire: () =>
      new Promise((resolve, reject) => {
        pool.getConnection((err, conn) => (err ? reject(err) : resolve({ conn, release: (destroy) => (destroy ? conn.destroy() : conn.release()) })));
      }),
    end: () => new Promise<void>((resolve, reject) => pool.end((err) => (err ? reject(err) : resolve()))),
    snapshot: () => mysqlSnapshot(pool),
    sessions,
  };
}

function readTlsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read TLS file ${path}: ${(err as Error).message}`, 'Check the sslrootcert/sslcert/sslkey path', { cause: err });
  }
}
