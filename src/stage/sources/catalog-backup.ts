import { join } from 'node:path';
import { resolveTargetBackup, type BackupOrigin } from '../../backup/belongs.js';
import { findManifestTable, tableSource, type BackupEntry } from '../../backup/catalog.js';
import type { BackupManifest, ManifestTable } from '../../backup/manifest.js';
import type { Db } from '../../connect/open.js';
import { UserError } from '../../errors.js';
import { matchQuoted } from '../../util/table-ref.js';
import { loadMysqlTable, scratchName } from '../mysql-stage.js';
import { loadPgTable, openPgArchive, partitionedParents, readPgDefinition, type PartitionedParent, type PgArchive, type PgDataPart } from '../pg-stage.js';
import { matcherFor } from '../key-filter.js';
import type { LoadedCopy, LoadTarget, RowSource, SourceTable } from '../row-source.js';
import { verifyTableFiles } from '../verify-files.js';

/** A table of the backup to stage: one with rows of its own, or a partitioned parent over its partitions. */
type BackupTable = ManifestTable & Partial<Pick<PartitionedParent, 'partitions'>>;

/** A catalog backup as a row source, with what stage reports of it. */
export interface CatalogBackupSource extends RowSource {
  readonly manifest: BackupManifest;
  /** Whose backup it is: the target's, the target's without a recorded identity, or another database's. */
  readonly origin: BackupOrigin;
}

/**
 * One of crm-rescue's own backups as a row source: the target's own (or, asked for, another
 * database's), never another engine's. Each table loads the engine's fast way, reading only its
 * own files, after their sha256 matched the manifest: a pg_dump directory archive through psql
 * (`COPY … FREEZE`, see pg-stage.ts), a split mysqldump through the mysql client behind
 * MysqlTableFilter (see mysql-stage.ts).
 */
export async function catalogBackupSource(db: Db, ref: string, options: { dir?: string; allowOtherDatabase?: boolean } = {}): Promise<CatalogBackupSource> {
  const { entry, manifest, origin } = await resolveTargetBackup(db, ref, options);
  // pg_restore and psql are looked up once, and the archive's keys read once, for all tables;
  // only when a table is read from the archive.
  let archive: PgArchive | null = null;
  const pgArchive = () => {
    archive ??= openPgArchive(db, join(entry.path, 'dump'));
    return archive;
  };
  const wrapped = new Map<BackupTable, SourceTable>();
  const wrap = (t: BackupTable): SourceTable => {
    let s = wrapped.get(t);
    if (!s) wrapped.set(t, (s = backupTable(db, entry, manifest, t, pgArchive)));
    return s;
  };
  return {
    id: manifest.id,
    manifest,
    origin,
    database: manifest.database,
    about: {
      description: `backup ${manifest.id} (${manifest.client.tool} ${manifest.client.version})`,
      takenAt: manifest.startedAt,
      coversUntil: manifest.finishedAt ?? manifest.startedAt,
    },
    async find(names) {
      try {
        return resolveTables(manifest.tables, names, manifest.id).map(wrap);
      } catch (err) {
        // A partitioned parent holds no rows of its own and so has no file: its partitions do.
        const parents =
          manifest.layout === 'pg-directory' && manifest.tables.some((t) => t.partitionOf) ? await partitionedParents(pgArchive(), manifest.tables) : [];
        if (!parents.length) throw err;
        return resolveTables([...manifest.tables, ...parents], names, manifest.id).map(wrap);
      }
    },
    forLive(table) {
      // On MySQL the backup's database may be named differently from the target's: by name alone.
      const m = findManifestTable(manifest, { name: table.name, schema: db.dialect.capabilities.multiSchema ? table.schema : undefined });
      return m ? wrap(m) : null;
    },
  };
}

/** One table of the backup, loaded by the backup's layout. */
function backupTable(db: Db, entry: BackupEntry, manifest: BackupManifest, t: BackupTable, pgArchive: () => PgArchive): SourceTable {
  const live = { schema: db.dialect.capabilities.multiSchema ? t.schema : db.target.database, name: t.name };
  const load = async (into: LoadTarget): Promise<LoadedCopy> => {
    const src = tableSource(entry.path, manifest, t);
    const display = `${t.schema}.${t.name}`;
    if (src.layout === 'pg-directory') {
      const archive = pgArchive();
      // Started now (once for all tables), awaited when the table needs its keys: it runs during the sha256 check.
      void archive.postData();
      const partSources = t.partitions?.map((p) => tableSource(entry.path, manifest, p));
      // The definitions are read from the archive's TOC while the files' sha256 are checked;
      // nothing is loaded, and no error of that read is shown, before the check has passed.
      const definition = readPgDefinition(archive, src);
      const partDefinitions = partSources?.map((p) => (p.layout === 'pg-directory' ? readPgDefinition(archive, p) : null));
      for (const p of [definition, ...(partDefinitions ?? [])]) p?.catch(() => undefined);
      // A targeted load reads each data file once, hashing it as it goes (PgDataPart.sha256): the
      // TOC is checked here, the data files during the load, whose copy a mismatch drops.
      const whileReading = Boolean(into.filter);
      for (const f of t.partitions ?? [t]) await verifyTableFiles(entry.path, manifest, f, { data: !whileReading });
      // The tools' version errors first: they say what to install.
      await archive.tools;
      const def = await definition;
      const parts: PgDataPart[] = [];
      for (const [k, p] of (partSources ?? []).entries())
        if (p.layout === 'pg-directory') parts.push({ src: p, def: (await partDefinitions![k])!, ...(whileReading && { sha256: t.partitions![k].sha256 }) });
      const table = { schema: into.namespace, name: into.temporaryName };
      const r = await loadPgTable(
        into.db,
        archive,
        def,
        partSources ? parts : [{ src, def, ...(whileReading && { sha256: t.sha256 }) }],
        table.schema,
        table.name,
        display,
        into.onBytes,
        into.signal,
        into.filter,
      );
      return {
        table,
        aside: { schema: into.namespace, name: `${into.temporaryName}_old` },
        rows: r.rows,
        bytes: r.bytes,
        // After the swap the new copy has its staged name: only a copy that was not swapped in goes.
        cleanup: () => into.db.query(`DROP TABLE IF EXISTS ${into.db.dialect.quoteQualified(table.schema, table.name)}`).then(() => undefined),
      };
    }
    // Targeted: the file is hashed while it is read, once (see loadMysqlTable).
    await verifyTableFiles(entry.path, manifest, t, { data: !into.filter });
    // A scratch database next to the staging one; the old copy leaves through it too.
    const scratch = scratchName(into.namespace);
    const cleanup = () =>
      into.db
        .query(into.db.dialect.dropNamespace(scratch))
        .then(() => undefined)
        .catch(() => undefined);
    try {
      const targeted = into.filter && { keep: { columns: into.filter.columns, match: matcherFor(into.filter) }, sha256: t.sha256 };
      const loaded = await loadMysqlTable(into.db, src, scratch, into.onBytes, into.signal, targeted);
      return {
        table: { schema: scratch, name: loaded.table },
        aside: { schema: scratch, name: '__old' },
        // The file matched its sha256, so it holds exactly the rows the backup counted in it (a targeted load: those kept).
        rows: into.filter ? null : t.rows !== null && !t.rowsEstimated ? t.rows : null,
        bytes: loaded.bytes,
        cleanup,
      };
    } catch (err) {
      await cleanup();
      throw err;
    }
  };
  return { schema: t.schema, name: t.name, live, bytes: t.bytes, load };
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
