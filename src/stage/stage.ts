import { resolveTargetBackup, type BackupOrigin } from '../backup/belongs.js';
import { findManifestTable, tableSource } from '../backup/catalog.js';
import type { ManifestTable } from '../backup/manifest.js';
import type { Db } from '../connect/open.js';
import { UserError } from '../errors.js';
import type { ProgressListener } from '../progress/event.js';
import { loadMysqlTable, scratchName } from './mysql-stage.js';
import { ensureStagingNamespace, readStaging, recordStaged, stagedName, type StagedTable } from './namespace.js';
import { loadPgTable, openPgArchive, partitionedParents, readPgDefinition, type LoadResult, type PartitionedParent, type PgDataPart } from './pg-stage.js';
import { verifyTableFiles } from './verify-files.js';
import { matchQuoted } from '../util/table-ref.js';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Queryable } from '../dialect/queryable.js';
import { nowIso } from '../util/clock.js';

/** A table of the backup to stage: one with rows of its own, or a partitioned parent over its partitions. */
type StageTable = ManifestTable & Partial<Pick<PartitionedParent, 'partitions'>>;

/** What to stage. */
export interface StageRequest {
  /** Backup id or unique prefix. */
  backup: string;
  /** Table names (`name` or `schema.name`) as in the backup. */
  tables: string[];
  /** Also stage tables related to these (declared and CRM-implied relations). */
  withRelated?: boolean;
  /** Catalog root (`--dir`). */
  dir?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Skip tables that are already staged from this backup (diff and merge stage on demand). */
  onlyMissing?: boolean;
  /** Accept a backup of another database than the target's (`--backup-of-other-database`). */
  allowOtherDatabase?: boolean;
}

/** What staging did. */
export interface StageResult {
  backupId: string;
  /** Whose backup it is: the target's, the target's without a recorded identity, or another database's. */
  backupOrigin: BackupOrigin;
  namespace: string;
  tables: (StagedTable & { seconds: number; related: boolean })[];
}

/**
 * Restores tables of a catalog backup into the backup's staging namespace on the live server
 * (DESIGN.md safety rule 2). Each table is built under a temporary name and swapped in at the
 * end, so a failure leaves an earlier staged copy intact. Live tables are never written; the
 * connection must be read-write only for the staging namespace.
 */
export async function stageTables(db: Db, req: StageRequest): Promise<StageResult> {
  const d = db.dialect;
  // The target's own backup (or another database's, on purpose); never another engine's.
  const { entry, manifest, origin } = await resolveTargetBackup(db, req.backup, { dir: req.dir, allowOtherDatabase: req.allowOtherDatabase });
  let wanted: StageTable[];
  try {
    wanted = resolveTables(manifest.tables, req.tables, manifest.id);
  } catch (err) {
    // A partitioned parent holds no rows of its own and so has no file: its partitions do.
    const parents =
      manifest.layout === 'pg-directory' && manifest.tables.some((t) => t.partitionOf)
        ? await partitionedParents(openPgArchive(db, join(entry.path, 'dump')), manifest.tables)
        : [];
    if (!parents.length) throw err;
    wanted = resolveTables([...manifest.tables, ...parents], req.tables, manifest.id);
  }
  const related = new Set<StageTable>();
  if (req.withRelated) {
    // Loaded only here: CRM knowledge is not needed to stage the tables asked for.
    const [{ detectCrm }, { relatedTables, relationsOf }] = await Promise.all([import('../crm/detect.js'), import('../crm/relations.js')]);
    const snapshot = await d.introspect(db);
    const knowledge = detectCrm(snapshot);
    const relations = relationsOf(snapshot, knowledge);
    for (const t of wanted) {
      for (const r of relatedTables(relations, { schema: liveSchema(db, t.schema), name: t.name })) {
        const m = findManifestTable(manifest, { name: r.name, schema: d.engine === 'postgres' ? r.schema : undefined });
        if (m && !wanted.includes(m)) related.add(m);
      }
    }
  }
  let all = [...wanted, ...related];
  const ns = await ensureStagingNamespace(db, d, db.target.database, manifest.id);
  if (req.onlyMissing) {
    const current = await readStaging(db, d, ns);
    const have = new Set(current?.tables.map((t) => `${t.schema}\0${t.name}`) ?? []);
    all = all.filter((t) => !have.has(`${liveSchema(db, t.schema)}\0${t.name}`));
  }
  const defaultSchema = d.engine === 'postgres' ? 'public' : manifest.database;
  const total = all.reduce((s, t) => s + t.bytes, 0);
  // pg_restore and psql are looked up once, and the archive's keys read once, for all tables.
  const pgArchive = manifest.layout === 'pg-directory' && all.length ? openPgArchive(db, join(entry.path, 'dump')) : null;
  // Started now, awaited when the first table needs its keys: it runs during the sha256 check.
  void pgArchive?.postData();
  let doneBytes = 0;
  const started = performance.now();
  const out: StageResult['tables'] = [];
  for (const [i, t] of all.entries()) {
    const t0 = performance.now();
    let lastEmit = 0;
    const emit = (bytes: number) => {
      // Progress as backup reports it: a few events a second, not one per chunk.
      const now = performance.now();
      if (now - lastEmit < 200) return;
      lastEmit = now;
      const sofar = doneBytes + bytes;
      const secs = (now - started) / 1000;
      const rate = secs > 0 ? sofar / secs : 0;
      req.onProgress?.({
        operation: 'stage',
        phase: 'load',
        table: `${t.schema}.${t.name}`,
        done: i,
        total: all.length,
        bytes: sofar,
        rate,
        etaSeconds: rate > 0 ? Math.max(0, (total - sofar) / rate) : null,
      });
    };
    emit(0);
    const src = tableSource(entry.path, manifest, t);
    const partSources = t.partitions?.map((p) => tableSource(entry.path, manifest, p));
    // The definitions are read from the archive's TOC while the files' sha256 are checked; nothing
    // is loaded, and no error of that read is shown, before the check has passed.
    const definition = src.layout === 'pg-directory' ? readPgDefinition(pgArchive!, src) : null;
    const partDefinitions = partSources?.map((p) => (p.layout === 'pg-directory' ? readPgDefinition(pgArchive!, p) : null));
    for (const p of [definition, ...(partDefinitions ?? [])]) p?.catch(() => undefined);
    for (const f of t.partitions ?? [t]) await verifyTableFiles(entry.path, manifest, f);
    const stagedAs = stagedName(d, t.schema, t.name, defaultSchema);
    const live = { schema: liveSchema(db, t.schema), name: t.name, stagedAs };
    let r: LoadResult;
    if (src.layout === 'pg-directory') {
      const archive = pgArchive!;
      // The tools' version errors first: they say what to install.
      await archive.tools;
      const def = await definition!;
      const parts: PgDataPart[] = [];
      for (const [k, p] of (partSources ?? []).entries()) if (p.layout === 'pg-directory') parts.push({ src: p, def: (await partDefinitions![k])! });
      const tmp = `${stagedAs.slice(0, 40)}__new_${randomBytes(3).toString('hex')}`;
      r = await loadPgTable(db, archive, def, partSources ? parts : [{ src, def }], ns, tmp, `${t.schema}.${t.name}`, emit, req.signal);
      const rows = r.rows;
      try {
        await swap(
          db,
          ns,
          async (conn) => {
            await conn.query(`DROP TABLE IF EXISTS ${d.quoteQualified(ns, stagedAs)}`);
            await conn.query(`ALTER TABLE ${d.quoteQualified(ns, tmp)} RENAME TO ${d.quoteIdent(stagedAs)}`);
          },
          manifest.id,
          { ...live, rows, bytes: r.bytes, stagedAt: '' },
        );
      } catch (err) {
        // The swap rolled back (the earlier copy stays staged): the new copy is not needed.
        await db.query(`DROP TABLE IF EXISTS ${d.quoteQualified(ns, tmp)}`).catch(() => undefined);
        throw err;
      }
    } else {
      const scratch = scratchName(ns);
      try {
        const loaded = await loadMysqlTable(db, src, scratch, emit, req.signal);
        // The file matched its sha256, so it holds exactly the rows the backup counted in it.
        r = { ...loaded, rows: t.rows !== null && !t.rowsEstimated ? t.rows : await countRows(db, scratch, loaded.table) };
        const exists = await db.query('SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?', [ns, stagedAs]);
        // One RENAME moves the new copy in (and the old one out) atomically.
        await db.query(
          exists.length
            ? `RENAME TABLE ${d.quoteQualified(ns, stagedAs)} TO ${d.quoteQualified(scratch, '__old')}, ${d.quoteQualified(scratch, loaded.table)} TO ${d.quoteQualified(ns, stagedAs)}`
            : `RENAME TABLE ${d.quoteQualified(scratch, loaded.table)} TO ${d.quoteQualified(ns, stagedAs)}`,
        );
        await recordStaged(db, d, ns, manifest.id, db.target.database, { ...live, rows: r.rows, bytes: r.bytes, stagedAt: '' });
      } finally {
        await db.query(d.dropNamespace(scratch)).catch(() => undefined);
      }
    }
    const staged: StagedTable = { ...live, rows: r.rows, bytes: r.bytes, stagedAt: nowIso() };
    doneBytes += r.bytes;
    out.push({ ...staged, seconds: (performance.now() - t0) / 1000, related: related.has(t) });
    req.onProgress?.({
      operation: 'stage',
      phase: 'done',
      table: `${t.schema}.${t.name}`,
      done: i + 1,
      total: all.length,
      bytes: doneBytes,
      rate: 0,
      etaSeconds: 0,
    });
  }
  return { backupId: manifest.id, backupOrigin: origin, namespace: ns, tables: out };
}

async function countRows(db: Db, schema: string, table: string): Promise<number> {
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${db.dialect.quoteQualified(schema, table)}`);
  return Number(n);
}

/** The swap of a PostgreSQL staged table: old copy out, new one in, marker updated — one transaction. */
async function swap(db: Db, ns: string, steps: (conn: Queryable) => Promise<void>, backupId: string, t: StagedTable): Promise<void> {
  await db.withConnection(async (conn) => {
    await conn.query('BEGIN');
    try {
      await steps(conn);
      await recordStaged(conn, db.dialect, ns, backupId, db.target.database, t);
      await conn.query('COMMIT');
    } catch (err) {
      await conn.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** Live tables of MySQL live in the target database, whatever database the backup was taken from. */
function liveSchema(db: Db, backupSchema: string): string {
  return db.dialect.engine === 'postgres' ? backupSchema : db.target.database;
}

/** Finds the requested tables in the manifest, or says which exist. */
function resolveTables(tables: ManifestTable[], wanted: string[], backupId: string): ManifestTable[] {
  if (!wanted.length) throw new UserError('no table named', 'Pass --table NAME (repeat it for several)');
  return wanted.map((w) => {
    const exact = tables.find((t) => `${t.schema}.${t.name}` === w) ?? tables.filter((t) => t.name === w);
    let found = Array.isArray(exact) ? exact : [exact];
    // As SQL writes it: "schema"."name", `db`.`name`.
    if (!found.length) found = matchQuoted(tables, w);
    if (found.length === 1) return found[0];
    if (found.length > 1)
      throw new UserError(
        `table "${w}" is in several schemas of backup ${backupId}`,
        `Name it as schema.table: ${found.map((t) => `${t.schema}.${t.name}`).join(', ')}`,
      );
    const names = tables.map((t) => t.name);
    throw new UserError(
      `table "${w}" is not in backup ${backupId}`,
      `It has ${names.length} tables: ${names.slice(0, 8).join(', ')}${names.length > 8 ? ', …' : ''}`,
    );
  });
}
