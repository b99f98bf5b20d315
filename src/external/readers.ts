import type { Db } from '../connect/open.js';
import type { QualifiedName } from '../dialect/own-tables.js';
import type { SourceTable } from '../stage/row-source.js';
import type { DetectedDump, DumpFormat, DumpIndex, DumpTable, ExternalBackupRecord, IndexOptions } from './model.js';
import { mysqlExternalTable, indexMysqlDump } from './mysql/index.js';
import { indexPgDump, pgExternalTable } from './pg/index.js';

/** What reads one family of dump formats: its full index, and one table as a row source's table. */
export interface DumpReader {
  index(d: DetectedDump, opts: IndexOptions): Promise<DumpIndex>;
  table(db: Db, record: ExternalBackupRecord, table: DumpTable, live: QualifiedName): SourceTable;
}

const POSTGRES_READER: DumpReader = { index: indexPgDump, table: pgExternalTable };
const MYSQL_READER: DumpReader = { index: indexMysqlDump, table: mysqlExternalTable };

/** Chosen by format (what the bytes are), never by the target's engine. */
const READERS: Record<DumpFormat, DumpReader> = {
  'pg-custom': POSTGRES_READER,
  'pg-directory': POSTGRES_READER,
  'pg-tar': POSTGRES_READER,
  'pg-plain': POSTGRES_READER,
  'pg-dumpall': POSTGRES_READER,
  mysqldump: MYSQL_READER,
  mydumper: MYSQL_READER,
};

/** The reader of a dump format. */
export function readerFor(format: DumpFormat): DumpReader {
  return READERS[format];
}
