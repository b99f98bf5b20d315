import type { CompiledQuery, DatabaseConnection, Driver, Kysely, QueryResult, RawBuilder } from 'kysely';
import type { Dialect } from './dialect.js';
import type { OwnTables } from './own-tables.js';
import type { Queryable } from './queryable.js';

/** Kysely over crm-rescue's own tables, with the server-side values their rows take. */
export interface OwnTablesDb {
  /** Queries name their namespace: `own.db.withSchema(ns).selectFrom('merges')…`. */
  db: Kysely<OwnTables>;
  /** The current time as the journal stores it (Dialect.now). */
  now: RawBuilder<string>;
  /** The current time in UTC (Dialect.nowUtc). */
  nowUtc: RawBuilder<string>;
  /** The connected user (Dialect.currentUser). */
  currentUser: RawBuilder<string>;
}

/**
 * A Kysely instance over crm-rescue's own tables (see OwnTables) that runs its queries on an
 * existing connection or pool: inside the caller's transaction when `conn` is one connection.
 * Kysely itself loads here, on first use, not when a target is opened (it costs start-up time).
 * One instance per connection and dialect; nothing to close (the connection is the caller's).
 */
export async function ownTables(conn: Queryable, d: Dialect): Promise<OwnTablesDb> {
  let perDialect = cache.get(conn);
  if (!perDialect) cache.set(conn, (perDialect = new Map<Dialect, Promise<OwnTablesDb>>()));
  let db = perDialect.get(d);
  if (!db) {
    db = loadKysely().then((k) => {
      const { adapter, compiler } = d.kysely(k);
      const db = new k.Kysely<OwnTables>({
        dialect: {
          createAdapter: () => adapter,
          createDriver: () => new QueryableDriver(conn),
          createQueryCompiler: () => compiler,
          createIntrospector: () => {
            throw new Error('internal: crm-rescue introspects through its Dialect, not Kysely');
          },
        },
      });
      return { db, now: k.sql.raw<string>(d.now), nowUtc: k.sql.raw<string>(d.nowUtc), currentUser: k.sql.raw<string>(d.currentUser) };
    });
    perDialect.set(d, db);
  }
  return db;
}

const cache = new WeakMap<Queryable, Map<Dialect, Promise<OwnTablesDb>>>();

let kysely: Promise<typeof import('kysely')> | null = null;
/**
 * Kysely: the one-file copy `npm run build` makes (dist/vendor/kysely.js, scripts/bundle-vendor.mjs)
 * loads in a fifth of the time of the package's ~300 modules; run from src/ (tests) there is none.
 */
function loadKysely(): Promise<typeof import('kysely')> {
  kysely ??= (import(new URL('../../vendor/kysely.js', import.meta.url).href) as Promise<typeof import('kysely')>).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw err;
    return import('kysely');
  });
  return kysely;
}

/**
 * Starts loading Kysely now, so that it loads while the caller waits for the server or the
 * disk, not when the first own table is read.
 */
export function preloadOwnTables(): void {
  loadKysely().catch(() => undefined);
}

/** Kysely's driver over a Queryable: each compiled query is one `query` call; no transactions of its own. */
class QueryableDriver implements Driver {
  private readonly connection: DatabaseConnection;
  constructor(conn: Queryable) {
    this.connection = {
      async executeQuery<R>(q: CompiledQuery): Promise<QueryResult<R>> {
        return { rows: await conn.query<R>(q.sql, q.parameters) };
      },
      // eslint-disable-next-line require-yield
      async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
        throw new Error('internal: streaming is not used on crm-rescue’s own tables');
      },
    };
  }
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async beginTransaction(): Promise<void> {
    // The caller owns the connection's transactions (BEGIN … COMMIT on the Queryable).
    throw new Error('internal: run transactions on the connection, not through ownTables');
  }
  async commitTransaction(): Promise<void> {
    throw new Error('internal: run transactions on the connection, not through ownTables');
  }
  async rollbackTransaction(): Promise<void> {
    throw new Error('internal: run transactions on the connection, not through ownTables');
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
