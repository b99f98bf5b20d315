import { createHash } from 'node:crypto';
import type { Db } from '../connect/open.js';
import type { Dialect } from '../dialect/dialect.js';
import { INTERNAL_PREFIX, STAGING_MARKER_TABLE, internalNamespace, stagingNamespace } from '../dialect/namespaces.js';
import { ownTables } from '../dialect/own-tables-db.js';
import type { Queryable } from '../dialect/queryable.js';
import { UserError } from '../errors.js';

/** One table staged from a backup. */
export interface StagedTable {
  /** The live table it is a copy of. */
  schema: string;
  name: string;
  /** Its name inside the staging namespace. */
  stagedAs: string;
  rows: number | null;
  bytes: number | null;
  stagedAt: string;
  /**
   * A targeted copy: only the rows of these keys were staged (see KeyFilter). Absent for a copy
   * of the whole table. Recorded in the marker as a `keys` row beside the table's.
   */
  targeted?: Targeted;
}

/** What a targeted copy holds. */
export interface Targeted {
  /** Distinct keys asked for. */
  keys: number;
  /** Of them, found in the source (null when not counted: a related table filtered by reference). */
  found: number | null;
  /** The filter's digest (KeyFilter.digest). */
  digest: string;
}

/** A staging namespace and what it holds. */
export interface Staging {
  namespace: string;
  backupId: string;
  database: string;
  createdAt: string;
  tables: StagedTable[];
}

/** Does a schema (PostgreSQL) / database (MySQL) exist? */
export async function namespaceExists(conn: Queryable, d: Dialect, ns: string): Promise<boolean> {
  return d.namespaceExists(conn, ns);
}

async function markerExists(conn: Queryable, d: Dialect, ns: string): Promise<boolean> {
  return d.tableExists(conn, ns, STAGING_MARKER_TABLE);
}

/** The marker table of a staging namespace, through Kysely. */
async function marker(conn: Queryable, d: Dialect, ns: string) {
  const own = await ownTables(conn, d);
  return { own, db: own.db.withSchema(ns) };
}

/**
 * Makes sure the staging namespace of a backup exists and is ours: created with its marker
 * table when missing; refused when something else already uses the name.
 */
export async function ensureStagingNamespace(conn: Queryable, d: Dialect, database: string, backupId: string): Promise<string> {
  const ns = stagingNamespace(database, backupId);
  if (await namespaceExists(conn, d, ns)) {
    if (!(await markerExists(conn, d, ns))) {
      throw new UserError(
        `${d.namespaceKind} ${ns} exists but was not made by crm-rescue; refusing to stage into it`,
        'Rename or drop it yourself after checking what it holds',
      );
    }
    const { db } = await marker(conn, d, ns);
    const row = await db.selectFrom(STAGING_MARKER_TABLE).select('backup_id').where('kind', '=', 'namespace').executeTakeFirst();
    if (row && row.backup_id !== backupId) {
      throw new UserError(`staging namespace ${ns} belongs to backup ${row.backup_id}, not ${backupId}`, 'crm-rescue staging list shows what is staged');
    }
    return ns;
  }
  await conn.query(d.createNamespace(ns));
  await conn.query(
    `CREATE TABLE ${d.quoteQualified(ns, STAGING_MARKER_TABLE)} (kind varchar(16) NOT NULL, backup_id varchar(255) NOT NULL, database_name varchar(255) NOT NULL,
      table_schema varchar(255) NOT NULL DEFAULT '', table_name varchar(255) NOT NULL DEFAULT '', staged_as varchar(255) NOT NULL DEFAULT '',
      rows_loaded bigint, bytes bigint, staged_at ${d.timestampType} NOT NULL, PRIMARY KEY (kind, table_schema, table_name))`,
  );
  const { own, db } = await marker(conn, d, ns);
  await db.insertInto(STAGING_MARKER_TABLE).values({ kind: 'namespace', backup_id: backupId, database_name: database, staged_at: own.nowUtc }).execute();
  return ns;
}

/** Records (or replaces) a staged table in the marker, inside the caller's swap transaction. */
export async function recordStaged(conn: Queryable, d: Dialect, ns: string, backupId: string, database: string, t: StagedTable): Promise<void> {
  const { own, db } = await marker(conn, d, ns);
  await db
    .deleteFrom(STAGING_MARKER_TABLE)
    .where('kind', 'in', ['table', 'keys'])
    .where('table_schema', '=', t.schema)
    .where('table_name', '=', t.name)
    .execute();
  if (t.targeted)
    await db
      .insertInto(STAGING_MARKER_TABLE)
      .values({
        kind: 'keys',
        backup_id: backupId,
        database_name: database,
        table_schema: t.schema,
        table_name: t.name,
        staged_as: t.targeted.digest,
        rows_loaded: t.targeted.keys,
        bytes: t.targeted.found,
        staged_at: own.nowUtc,
      })
      .execute();
  await db
    .insertInto(STAGING_MARKER_TABLE)
    .values({
      kind: 'table',
      backup_id: backupId,
      database_name: database,
      table_schema: t.schema,
      table_name: t.name,
      staged_as: t.stagedAs,
      rows_loaded: t.rows,
      bytes: t.bytes,
      staged_at: own.nowUtc,
    })
    .execute();
}

/** Reads one staging namespace, or null when it does not exist or is not ours. */
export async function readStaging(conn: Queryable, d: Dialect, ns: string): Promise<Staging | null> {
  if (!(await namespaceExists(conn, d, ns)) || !(await markerExists(conn, d, ns))) return null;
  const { db } = await marker(conn, d, ns);
  const rows = await db.selectFrom(STAGING_MARKER_TABLE).selectAll().orderBy('kind').orderBy('table_schema').orderBy('table_name').execute();
  const head = rows.find((r) => r.kind === 'namespace');
  if (!head) return null;
  return {
    namespace: ns,
    backupId: String(head.backup_id),
    database: String(head.database_name),
    createdAt: String(head.staged_at),
    tables: rows
      .filter((r) => r.kind === 'table')
      .map((r) => {
        const k = rows.find((x) => x.kind === 'keys' && x.table_schema === r.table_schema && x.table_name === r.table_name);
        return {
          schema: String(r.table_schema),
          name: String(r.table_name),
          stagedAs: String(r.staged_as),
          rows: r.rows_loaded === null ? null : Number(r.rows_loaded),
          bytes: r.bytes === null ? null : Number(r.bytes),
          stagedAt: String(r.staged_at),
          ...(k && { targeted: { keys: Number(k.rows_loaded), found: k.bytes === null ? null : Number(k.bytes), digest: String(k.staged_as) } }),
        };
      }),
  };
}

/** Every staging namespace of the target database (ours only; others' are ignored). */
export async function listStagings(db: Db): Promise<Staging[]> {
  const d = db.dialect;
  const names = await d.namespacesLike(db, `${INTERNAL_PREFIX}\\_stage\\_%`);
  const out: Staging[] = [];
  for (const ns of names) {
    const s = await readStaging(db, d, ns).catch((err: unknown) => {
      // Another session dropped it between the listing and the read: it is simply gone.
      if (vanished(err)) return null;
      throw err;
    });
    if (s && s.database === db.target.database) out.push(s);
  }
  return out;
}

/** A "no such table / schema / database" error: PostgreSQL 42P01, 3F000; MySQL 1146, 1049. */
function vanished(err: unknown): boolean {
  const e = err as { code?: unknown; errno?: unknown } | null;
  return e?.code === '42P01' || e?.code === '3F000' || e?.errno === 1146 || e?.errno === 1049;
}

/**
 * Drops one staging namespace, only when it is ours. False when it is gone already (another
 * session dropped it after it was listed).
 */
export async function dropStaging(db: Db, ns: string): Promise<boolean> {
  const s = await readStaging(db, db.dialect, ns).catch((err: unknown) => {
    if (vanished(err)) return null;
    throw err;
  });
  if (!s) {
    if (!(await namespaceExists(db, db.dialect, ns))) return false;
    throw new UserError(`${ns} is not a crm-rescue staging namespace of this database`, 'crm-rescue staging list shows them');
  }
  await db.query(db.dialect.dropNamespace(ns));
  return true;
}

/** The name a live table gets inside the staging namespace (unique, within identifier limits). */
export function stagedName(d: Dialect, schema: string, name: string, defaultSchema: string): string {
  const plain = schema === defaultSchema ? name : `${schema}.${name}`;
  if (Buffer.byteLength(plain) <= 56) return plain;
  return `${plain.slice(0, 40)}_${createHash('sha256').update(plain).digest('hex').slice(0, 10)}`;
}

/**
 * Removes crm-rescue's namespaces that belong to a database that was just replaced (the demo
 * re-creates its database): on MySQL they are databases of their own and would outlive it
 * (staging of old backups, and a journal of merges that no longer apply). PostgreSQL keeps them
 * inside the database, so they went with it.
 */
export async function dropCompanionNamespaces(db: Db): Promise<string[]> {
  const d = db.dialect;
  if (d.capabilities.stagingIsSchema) return [];
  const dropped: string[] = [];
  for (const s of await listStagings(db)) {
    await db.query(d.dropNamespace(s.namespace));
    dropped.push(s.namespace);
  }
  const internal = internalNamespace(d.engine, db.target.database);
  if (await namespaceExists(db, d, internal)) {
    await db.query(d.dropNamespace(internal));
    dropped.push(internal);
  }
  return dropped;
}
