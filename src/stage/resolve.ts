import type { Db } from '../connect/open.js';
import type { TableInfo, SchemaSnapshot } from '../dialect/model.js';
import { stagingNamespace } from '../dialect/namespaces.js';
import { UserError } from '../errors.js';
import { matchQuoted } from '../util/table-ref.js';
import { readStaging, type Staging, type Targeted } from './namespace.js';

/** A live table and its staged copy, both introspected. */
export interface StagedPair {
  live: TableInfo;
  staged: TableInfo;
  namespace: string;
  /** A targeted copy: only some keys' rows (see StagedTable.targeted). */
  targeted?: Targeted;
}

/** Finds a table of the live snapshot by `name` or `schema.name`, or explains. */
export function findLiveTable(snapshot: Pick<SchemaSnapshot, 'tables' | 'database'>, ref: string): TableInfo {
  const exact = snapshot.tables.find((t) => `${t.schema}.${t.name}` === ref);
  if (exact) return exact;
  let byName = snapshot.tables.filter((t) => t.name === ref);
  // As SQL writes it: "schema"."name", `db`.`name`.
  if (!byName.length) byName = matchQuoted(snapshot.tables, ref);
  if (byName.length === 1) return byName[0];
  if (byName.length > 1)
    throw new UserError(`table "${ref}" is in several schemas`, `Name it as schema.table: ${byName.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
  throw new UserError(`table "${ref}" does not exist in ${snapshot.database}`, 'crm-rescue inspect lists the tables');
}

/**
 * Finds live tables by `name` or `schema.name` (see findLiveTable). A PostgreSQL partition is no
 * table of the snapshot (its parent stands for it), but one named on purpose is found, and
 * added to the snapshot for the steps that follow.
 */
export async function findLiveTables(db: Db, snapshot: SchemaSnapshot, refs: string[]): Promise<TableInfo[]> {
  let withPartitions: SchemaSnapshot | null = null;
  const out: TableInfo[] = [];
  for (const ref of refs) {
    try {
      out.push(findLiveTable(snapshot, ref));
    } catch (err) {
      withPartitions ??= await db.dialect.introspect(db, { schemas: snapshot.schemas, includePartitions: true });
      let found: TableInfo;
      try {
        found = findLiveTable(withPartitions, ref);
      } catch {
        throw err;
      }
      if (!snapshot.tables.some((t) => t.schema === found.schema && t.name === found.name)) snapshot.tables.push(found);
      out.push(found);
    }
  }
  return out;
}

/** The staging of a backup on this target, or null. */
export async function stagingOf(db: Db, backupId: string): Promise<Staging | null> {
  return readStaging(db, db.dialect, stagingNamespace(db.target.database, backupId));
}

/**
 * The staged copy of live tables from one backup, introspected from the staging namespace.
 * Returns null for a table that is not staged yet.
 */
export async function stagedPairs(db: Db, backupId: string, live: TableInfo[]): Promise<(StagedPair | null)[]> {
  const staging = await stagingOf(db, backupId);
  if (!staging) return live.map(() => null);
  const snap = await db.dialect.introspect(db, { schemas: [staging.namespace], includeInternal: true });
  return live.map((t) => {
    const entry = staging.tables.find((s) => s.schema === t.schema && s.name === t.name);
    const staged = entry && snap.tables.find((s) => s.name === entry.stagedAs);
    return staged ? { live: t, staged, namespace: staging.namespace, ...(entry.targeted && { targeted: entry.targeted }) } : null;
  });
}
