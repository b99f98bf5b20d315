import type { Db } from '../../connect/open.js';
import type { QualifiedName } from '../../dialect/own-tables.js';
import type { LoadTarget, SourceTable } from '../../stage/row-source.js';
import type { DetectedDump, DumpIndex, DumpTable, ExternalBackupRecord, IndexOptions } from '../model.js';
import { indexArchive, loadArchive } from './archive.js';
import { indexPlain, loadPlain } from './plain.js';

/**
 * PostgreSQL dumps made by other tools: pg_dump's four formats and pg_dumpall. Archives (custom,
 * directory, tar) are read through pg_restore's scripts (archive.ts); plain SQL in one streaming
 * pass that runs nothing (plain.ts). Either way a table is staged like a catalog backup's
 * (pg-stage.ts): its definition through stagedShape, its rows into COPY … FREEZE in one psql
 * transaction, then its primary and unique keys and ANALYZE (session.ts).
 */

/** What a PostgreSQL dump holds: databases, tables (sizes where the format tells), time, tool. */
export function indexPgDump(d: DetectedDump, opts: IndexOptions): Promise<DumpIndex> {
  return d.format === 'pg-plain' || d.format === 'pg-dumpall' ? indexPlain(d, opts) : indexArchive(d, opts);
}

/** One table of an imported PostgreSQL dump as a row source's table, staged by its own load. */
export function pgExternalTable(db: Db, record: ExternalBackupRecord, table: DumpTable, live: QualifiedName): SourceTable {
  const plain = record.index.format === 'pg-plain' || record.index.format === 'pg-dumpall';
  // A plain dump is read up to the table's last data (to the end for a record without its keys):
  // progress counts the file's bytes, of which that is at most all.
  const fileBytes = record.files.length === 1 ? record.files[0].bytes : null;
  return {
    schema: table.schema,
    name: table.name,
    live,
    bytes: plain ? fileBytes : record.index.location.members.length || record.index.compression !== 'none' ? fileBytes : table.bytes,
    // Staging is written through the stager's connection (the source's own may be read-only: diff).
    load: (into: LoadTarget) => (plain ? loadPlain(into.db, record, table, live, into) : loadArchive(into.db, record, table, live, into)),
  };
}
